/*
 * The n-gram model in memory (model_int.h): features by hash, scoring of a
 * conversation and the evidence phrase of a proposed code.
 */
#include "model_int.h"
#include "kesu/alloc.h"
#include "kesu/text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int ks_model_new(uint32_t codes, ks_model **out)
{
    if (!(codes & ((1u << KS_INC_COUNT) - 1)))
        return KS_EINVAL;
    ks_model *m = ks_calloc(1, sizeof *m);
    if (!m)
        return KS_ENOMEM;
    for (int c = 0; c < KS_INC_COUNT; c++) {
        m->slot[c] = -1;
        if (!(codes >> c & 1))
            continue;
        char name[64];
        snprintf(name, sizeof name, "model.%s", ks_incident_name(c));
        if (!(m->rule[m->ncodes] = ks_strdup(name))) {
            ks_model_free(m);
            return KS_ENOMEM;
        }
        m->slot[c] = m->ncodes;
        m->promote[m->ncodes] = HUGE_VAL;
        m->withhold[m->ncodes] = -HUGE_VAL;
        m->code[m->ncodes++] = c;
    }
    *out = m;
    return KS_OK;
}

void ks_model_free(ks_model *m)
{
    if (!m)
        return;
    for (int k = 0; k < m->ncodes; k++)
        ks_free(m->rule[k]);
    for (size_t i = 0; i < m->nfeat; i++)
        ks_free(m->key[i]);
    ks_free(m->key);
    ks_free(m->hash);
    ks_free(m->w);
    ks_free(m->table);
    ks_free(m->bloom);
    ks_free(m);
}

uint32_t ks_model_codes(const ks_model *m)
{
    uint32_t bits = 0;
    for (int k = 0; k < m->ncodes; k++)
        bits |= 1u << m->code[k];
    return bits;
}

size_t ks_model_features(const ks_model *m) { return m->nfeat; }

long ks_model_find(const ks_model *m, uint64_t h)
{
    size_t b = KS_BLOOM_BIT(h);
    if (!m->table || !(m->bloom[b >> 6] >> (b & 63) & 1))
        return -1;
    uint32_t fp = (uint32_t)(h >> 32);
    for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
        uint64_t v = m->table[i];
        if (!v)
            return -1;
        uint32_t idx = (uint32_t)v - 1;
        if ((uint32_t)(v >> 32) == fp && m->hash[idx] == h)
            return (long)idx;
    }
}

static void table_put(ks_model *m, size_t idx)
{
    size_t i = (size_t)m->hash[idx] & m->mask;
    while (m->table[i])
        i = (i + 1) & m->mask;
    m->table[i] = (m->hash[idx] >> 32) << 32 | (uint64_t)(idx + 1);
    size_t b = KS_BLOOM_BIT(m->hash[idx]);
    m->bloom[b >> 6] |= (uint64_t)1 << (b & 63);
}

/* Keeps the table at most half full, so a miss (most n-grams of a chat)
 * ends after a probe or two. */
static int table_room(ks_model *m)
{
    size_t size = m->table ? m->mask + 1 : 0;
    if ((m->nfeat + 1) * 2 <= size)
        return KS_OK;
    if (!m->bloom &&
        !(m->bloom = ks_calloc((1u << KS_BLOOM_LOG) / 64, sizeof *m->bloom)))
        return KS_ENOMEM;
    size_t nsize = size ? size * 2 : 1024;
    uint64_t *t = ks_calloc(nsize, sizeof *t);
    if (!t)
        return KS_ENOMEM;
    ks_free(m->table);
    m->table = t;
    m->mask = nsize - 1;
    for (size_t i = 0; i < m->nfeat; i++)
        table_put(m, i);
    return KS_OK;
}

static int feat_room(ks_model *m)
{
    if (m->nfeat < m->capfeat)
        return KS_OK;
    if (m->nfeat >= UINT32_MAX - 1)
        return KS_ETOOBIG;
    size_t cap = m->capfeat ? m->capfeat * 2 : 256;
    char **k = ks_realloc(m->key, cap * sizeof *k);
    if (k)
        m->key = k;
    uint64_t *h = k ? ks_realloc(m->hash, cap * sizeof *h) : NULL;
    if (h)
        m->hash = h;
    float *w = h ? ks_realloc(m->w, cap * (size_t)m->ncodes * sizeof *w)
                 : NULL;
    if (!w)
        return KS_ENOMEM;
    m->w = w;
    m->capfeat = cap;
    return KS_OK;
}

int ks_model_add_feature(ks_model *m, const char *key, size_t len,
                         const float *w)
{
    uint64_t h = ks_feat_hash(key, len);
    if (ks_model_find(m, h) >= 0)
        return KS_EINVAL;
    int rc = feat_room(m);
    if (rc || (rc = table_room(m)))
        return rc;
    char *k = ks_strndup(key, len);
    if (!k)
        return KS_ENOMEM;
    size_t i = m->nfeat++;
    m->key[i] = k;
    m->hash[i] = h;
    memcpy(m->w + i * (size_t)m->ncodes, w, (size_t)m->ncodes * sizeof *w);
    table_put(m, i);
    return KS_OK;
}

void ks_model_scratch_free(ks_model_scratch *s)
{
    ks_free(s->seen);
    memset(s, 0, sizeof *s);
}

typedef struct tally {
    const ks_model *m;
    ks_model_scratch *s;
    double acc[KS_INC_COUNT];
    size_t found;
} tally;

/* Features are binary: an n-gram said twice counts once. */
static void count(void *arg, const ks_feat *f)
{
    tally *t = arg;
    long i = ks_model_find(t->m, f->hash);
    if (i < 0 || t->s->seen[i] == t->s->gen)
        return;
    t->s->seen[i] = t->s->gen;
    t->found++;
    const float *w = t->m->w + (size_t)i * (size_t)t->m->ncodes;
    for (int k = 0; k < t->m->ncodes; k++)
        t->acc[k] += w[k];
}

static int scratch_ready(const ks_model *m, ks_model_scratch *s)
{
    if (s->cap < m->nfeat) {
        uint32_t *v = ks_calloc(m->nfeat, sizeof *v);
        if (!v)
            return KS_ENOMEM;
        ks_free(s->seen);
        s->seen = v;
        s->cap = m->nfeat;
        s->gen = 0;
    }
    if (++s->gen == 0) {    /* wrapped: old marks could look current */
        memset(s->seen, 0, s->cap * sizeof *s->seen);
        s->gen = 1;
    }
    return KS_OK;
}

/* Scaling by the count of features found keeps a long chat's score in the
 * range of a short one's (an L2-normalised binary vector). */
int ks_model_raw(const ks_model *m, ks_model_scratch *s, const ks_conv *c,
                 ks_model_text_fn text, void *targ, double *raw)
{
    int rc = scratch_ready(m, s);
    if (rc)
        return rc;
    tally t = {.m = m, .s = s};
    ks_feat_each(c, text, targ, 0, count, &t);
    double v = 1.0 / sqrt((double)t.found + 1.0);
    for (int k = 0; k < m->ncodes; k++)
        raw[k] = m->bias[k] + v * t.acc[k];
    return KS_OK;
}

/* Standalone scoring and training normalise each message as it is asked
 * for. */
const char *ks_own_text_fn(void *arg, size_t i, size_t *len,
                           const uint32_t **map)
{
    ks_own_text *o = arg;
    const ks_msg *m = &o->c->msgs[i];
    int rc = ks_normalize(m->text, m->text_len, &o->t);
    if (rc) {
        if (!o->rc)
            o->rc = rc;
        *len = 0;
        if (map)
            *map = NULL;
        return "";
    }
    *len = o->t.len;
    if (map)
        *map = o->t.map;
    return o->t.norm;
}

int ks_model_score(const ks_model *m, const ks_conv *c,
                   double score[KS_INC_COUNT])
{
    ks_model_scratch s = {0};
    ks_own_text o = {.c = c};
    double raw[KS_INC_COUNT];
    int rc = ks_model_raw(m, &s, c, ks_own_text_fn, &o, raw);
    if (!rc)
        rc = o.rc;
    for (int code = 0; code < KS_INC_COUNT; code++) {
        int k = m->slot[code];
        score[code] = rc || k < 0 ? 0.0 : raw[k] - m->thr[k];
    }
    ks_model_scratch_free(&s);
    ks_text_free(&o.t);
    return rc;
}
