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

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

uint64_t ks_feat_hash(const char *key, size_t len)
{
    return fnv(FNV_OFFSET, key, len);
}

int ks_feat_space(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x3000 ||
           cp == 0xa0;
}

typedef struct walk {
    ks_feat_fn fn;
    void *arg;
} walk;

static void put(const walk *w, const char *key, size_t len, size_t msg,
                uint32_t at, int nchars)
{
    ks_feat f = {ks_feat_hash(key, len), key, len, msg, at, nchars};
    w->fn(w->arg, &f);
}

/* The n-grams of up to maxn characters ending at each character of one
 * message's text; only n >= minn are given. */
static void ngrams(const walk *w, char kind, const char *t, size_t len,
                   size_t msg, int minn, int maxn)
{
    uint32_t off[3], clen[3];   /* the last three kept characters */
    int have = 0;
    char key[2 + 3 * 4];
    key[0] = kind;
    key[1] = ':';
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = ks_utf8_decode(t + i, &cp);
        if (!ks_feat_space(cp)) {
            memmove(off, off + 1, 2 * sizeof *off);
            memmove(clen, clen + 1, 2 * sizeof *clen);
            off[2] = (uint32_t)i;
            clen[2] = (uint32_t)n;
            if (have < 3)
                have++;
            for (int g = minn; g <= maxn && g <= have; g++) {
                size_t k = 2;
                for (int j = 3 - g; j < 3; j++) {
                    memcpy(key + k, t + off[j], clen[j]);
                    k += clen[j];
                }
                put(w, key, k, msg, off[3 - g], g);
            }
        }
        i += n;
    }
}

static void named(const walk *w, const char *kind, const char *name)
{
    char key[64];
    int n = snprintf(key, sizeof key, "%s:%s", kind, name);
    put(w, key, (size_t)n, 0, 0, 0);
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
    walk w = {fn, arg};
    ngrams(&w, 'A', t, len, msg, 1, 3);
}

void ks_feat_each(const ks_conv *c, ks_model_text_fn text, void *targ,
                  ks_feat_fn fn, void *arg)
{
    walk w = {fn, arg};
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
