/*
 * The evidence of a finding the model proposed (model_int.h). A lead
 * coaches from the exact words, so the model points at a phrase: the
 * agent message whose n-grams weigh most for the code, and in it the run
 * of characters with the largest total weight (each n-gram's weight
 * shared among its characters).
 */
#include "model_int.h"
#include "kesu/alloc.h"
#include "kesu/text.h"

#include <string.h>

typedef struct weigh {
    const ks_model *m;
    int k;              /* the code's slot */
    double sum;         /* positive weight of the message */
    const uint32_t *off;  /* byte offset of each kept character */
    double *chr;        /* per kept character, or NULL */
    size_t nchr;
} weigh;

static double weight(const weigh *g, const ks_feat *f)
{
    long i = ks_model_find(g->m, f->hash);
    return i < 0 ? 0.0 : g->m->w[(size_t)i * (size_t)g->m->ncodes + g->k];
}

static void add_sum(void *arg, const ks_feat *f)
{
    weigh *g = arg;
    double w = weight(g, f);
    if (w > 0)
        g->sum += w;
}

/* First kept character at byte offset at (binary search). */
static size_t char_at(const weigh *g, uint32_t at)
{
    size_t lo = 0, hi = g->nchr;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->off[mid] < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void spread(void *arg, const ks_feat *f)
{
    weigh *g = arg;
    double w = weight(g, f);
    size_t j = char_at(g, f->at);
    for (int n = 0; n < f->nchars && j + (size_t)n < g->nchr; n++)
        g->chr[j + (size_t)n] += w / f->nchars;
}

static size_t best_message(const ks_model *m, int k, const ks_conv *c,
                           ks_model_text_fn text, void *targ)
{
    size_t best = c->nmsgs;
    double top = 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        if (c->msgs[i].from != KS_FROM_AGENT)
            continue;
        size_t len;
        const char *t = text(targ, i, &len, NULL);
        weigh g = {.m = m, .k = k};
        ks_feat_agent(t, len, i, add_sum, &g);
        if (g.sum > top) {
            top = g.sum;
            best = i;
        }
    }
    return best;
}

/* The run [*a, *b] of largest total (Kadane); 0 when nothing is > 0. */
static int best_run(const double *v, size_t n, size_t *a, size_t *b)
{
    double best = 0, cur = 0;
    size_t from = 0;
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (cur <= 0) {
            cur = 0;
            from = i;
        }
        cur += v[i];
        if (cur > best) {
            best = cur;
            *a = from;
            *b = i;
            found = 1;
        }
    }
    return found;
}

static size_t kept_chars(const char *t, size_t len, uint32_t *off)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t l = ks_utf8_decode(t + i, &cp);
        if (!ks_feat_space(cp))
            off[n++] = (uint32_t)i;
        i += l;
    }
    return n;
}

/* The phrase in message i; the whole message if memory runs out. */
static void phrase(const ks_model *m, int k, const ks_msg *msg,
                   const char *t, size_t len, const uint32_t *map, size_t i,
                   uint32_t *start, uint32_t *end)
{
    *start = 0;
    *end = (uint32_t)ks_utf8_count(msg->text, msg->text_len);
    uint32_t *off = ks_malloc((len + 1) * sizeof *off);
    double *chr = ks_calloc(len + 1, sizeof *chr);
    weigh g = {.m = m, .k = k, .off = off, .chr = chr};
    if (off && chr && map) {
        g.nchr = kept_chars(t, len, off);
        ks_feat_agent(t, len, i, spread, &g);
        size_t a, b;
        if (best_run(chr, g.nchr, &a, &b)) {
            *start = map[off[a]];
            *end = map[off[b]] + 1;
        }
    }
    ks_free(off);
    ks_free(chr);
}

void ks_model_evidence(const ks_model *m, int code, const ks_conv *c,
                       ks_model_text_fn text, void *targ, size_t *msg,
                       uint32_t *start, uint32_t *end)
{
    int k = m->slot[code];
    *msg = k < 0 ? c->nmsgs : best_message(m, k, c, text, targ);
    *start = *end = 0;
    if (*msg == c->nmsgs)
        return;
    size_t len;
    const uint32_t *map;
    const char *t = text(targ, *msg, &len, &map);
    phrase(m, k, &c->msgs[*msg], t, len, map, *msg, start, end);
}
