/*
 * The n-gram model's features of a conversation (model_int.h). Training
 * and scoring both walk them here, so a model is read exactly as it was
 * trained. Keys: "A:" + an agent 1-3-gram, "C:" + a customer 2-gram (the
 * customer's words give context, e.g. a complaint; pairs are enough for
 * that), "E:" + a system event, "S:" + a fact of the whole chat.
 * White space is skipped, so "好 的" and "好的" are one n-gram.
 */
#include "model_int.h"
#include "kesu/text.h"

#include <stdio.h>
#include <string.h>

/* A key's hash runs over its kind and its body's code points (FNV-1a
 * steps, then a mixer so the low bits index a table well). Scoring
 * extends the hashes of the n-grams starting at each of the last three
 * characters by one step per character, never rebuilding a key. */
#define H_SEED 0xcbf29ce484222325ULL
#define H_PRIME 0x100000001b3ULL

static uint64_t h_start(char kind)
{
    return (H_SEED ^ (unsigned char)kind) * H_PRIME;
}

static uint64_t h_add(uint64_t h, uint32_t cp) { return (h ^ cp) * H_PRIME; }

static uint64_t h_end(uint64_t h)
{
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

uint64_t ks_feat_hash(const char *key, size_t len)
{
    uint64_t h = h_start(len ? key[0] : 0);
    for (size_t i = 2; i < len;) {
        uint32_t cp;
        i += ks_utf8_decode(key + i, &cp);
        h = h_add(h, cp);
    }
    return h_end(h);
}

int ks_feat_space(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x3000 ||
           cp == 0xa0;
}

typedef struct walk {
    ks_feat_fn fn;
    void *arg;
    int keys;           /* build each feature's key (training) */
} walk;

/* The key of the n-gram t[from..to), white space left out. */
static size_t ngram_key(char kind, const char *t, size_t from, size_t to,
                        char *key)
{
    size_t k = 0;
    key[k++] = kind;
    key[k++] = ':';
    for (size_t i = from; i < to;) {
        uint32_t cp;
        size_t n = ks_utf8_decode(t + i, &cp);
        if (!ks_feat_space(cp)) {
            memcpy(key + k, t + i, n);
            k += n;
        }
        i += n;
    }
    return k;
}

static void emit(const walk *w, uint64_t h, char kind, const char *t,
                 size_t from, size_t to, size_t msg, int nchars)
{
    char key[2 + 3 * 4];
    ks_feat f = {h, NULL, 0, msg, (uint32_t)from, nchars};
    if (w->keys) {
        f.keylen = ngram_key(kind, t, from, to, key);
        f.key = key;
    }
    w->fn(w->arg, &f);
}

/* The n-grams of minn..maxn (<= 3) characters of one message's text.
 * run[g] is the hash of the n-gram starting g characters back. */
static void ngrams(const walk *w, char kind, const char *t, size_t len,
                   size_t msg, int minn, int maxn)
{
    uint64_t run[3] = {0}, seed = h_start(kind);
    size_t start[3] = {0};
    int have = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = ks_utf8_decode(t + i, &cp);
        if (!ks_feat_space(cp)) {
            run[2] = run[1];
            start[2] = start[1];
            run[1] = run[0];
            start[1] = start[0];
            run[0] = seed;
            start[0] = i;
            have += have < 3;
            for (int g = 0; g < have; g++) {
                run[g] = h_add(run[g], cp);
                if (g + 1 >= minn && g + 1 <= maxn)
                    emit(w, h_end(run[g]), kind, t, start[g], i + n, msg,
                         g + 1);
            }
        }
        i += n;
    }
}

static void put(const walk *w, const char *key, size_t len)
{
    ks_feat f = {ks_feat_hash(key, len), key, len, 0, 0, 0};
    w->fn(w->arg, &f);
}

static void named(const walk *w, const char *kind, const char *name)
{
    char key[64];
    int n = snprintf(key, sizeof key, "%s:%s", kind, name);
    put(w, key, (size_t)n);
}

/* Longest wait from a customer's first unanswered message to the agent's
 * next one; the clock's finer rules (business hours, holds) are the
 * rules' business, the model only needs the order of magnitude. */
static void waits(const walk *w, const ks_conv *c)
{
    int64_t since = KS_TIME_NONE, longest = 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const ks_msg *m = &c->msgs[i];
        if (m->at == KS_TIME_NONE)
            continue;
        if (m->from == KS_FROM_CUSTOMER && since == KS_TIME_NONE)
            since = m->at;
        else if (m->from == KS_FROM_AGENT && since != KS_TIME_NONE) {
            if (m->at - since > longest)
                longest = m->at - since;
            since = KS_TIME_NONE;
        }
    }
    static const char *const b[] = {"gap>=60s", "gap>=180s", "gap>=600s",
                                    "gap>=1800s"};
    static const int64_t s[] = {60, 180, 600, 1800};
    for (int k = 0; k < 4; k++)
        if (longest >= s[k] * 1000)
            named(w, "S", b[k]);
}

static void chat_facts(const walk *w, const ks_conv *c)
{
    const char *last = "none";
    int agent = 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        if (c->msgs[i].from == KS_FROM_AGENT) {
            last = "agent";
            agent = 1;
        } else if (c->msgs[i].from == KS_FROM_CUSTOMER)
            last = "customer";
    }
    char name[32];
    snprintf(name, sizeof name, "last_%s", last);
    named(w, "S", name);
    if (!agent)
        named(w, "S", "noagent");
    waits(w, c);
}

void ks_feat_agent(const char *t, size_t len, size_t msg, ks_feat_fn fn,
                   void *arg)
{
    walk w = {fn, arg, 0};
    ngrams(&w, 'A', t, len, msg, 1, 3);
}

void ks_feat_each(const ks_conv *c, ks_model_text_fn text, void *targ,
                  int keys, ks_feat_fn fn, void *arg)
{
    walk w = {fn, arg, keys};
    for (size_t i = 0; i < c->nmsgs; i++) {
        const ks_msg *m = &c->msgs[i];
        if (m->from == KS_FROM_SYSTEM) {
            named(&w, "E", ks_event_name(m->event));
            continue;
        }
        size_t len;
        const char *t = text(targ, i, &len, NULL);
        if (m->from == KS_FROM_AGENT)
            ngrams(&w, 'A', t, len, i, 1, 3);
        else
            ngrams(&w, 'C', t, len, i, 2, 2);
    }
    chat_facts(&w, c);
}
