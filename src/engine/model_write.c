/*
 * Writing a model file (format in rules/README.md). Features are listed
 * by their largest weight, so a lead reading the file sees first the
 * phrases that count most; ties go by key, so the same model is always
 * the same text.
 */
#include "model_int.h"
#include "kesu/alloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
    char *s;
    size_t len, cap;
    int rc;
} out;

static void put(out *o, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !o->rc; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->s ? o->s + o->len : NULL,
                          o->s ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->rc = KS_EINVAL;
            return;
        }
        if (o->s && (size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap ? o->cap : 1 << 16;
        while (cap - o->len <= (size_t)n)
            cap *= 2;
        char *s = ks_realloc(o->s, cap);
        if (!s) {
            o->rc = KS_ENOMEM;
            return;
        }
        o->s = s;
        o->cap = cap;
    }
}

typedef struct ranked {
    double top;         /* largest |weight| */
    const char *key;
    size_t i;
} ranked;

static double top_weight(const ks_model *m, size_t i)
{
    double top = 0;
    for (int k = 0; k < m->ncodes; k++) {
        double a = fabs(m->w[i * (size_t)m->ncodes + (size_t)k]);
        if (a > top)
            top = a;
    }
    return top;
}

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->top != y->top)
        return x->top > y->top ? -1 : 1;
    return strcmp(x->key, y->key);
}

static const char header[] =
    "# kesu n-gram model, written by `kesu train` (rules/README.md).\n"
    "# Per code: score = bias + (sum of the weights of the chat's features)\n"
    "#   / sqrt(number of its features listed here + 1). Past the\n"
    "#   threshold the code is suspected when no rule found it; at or past\n"
    "#   promote it is found. Below withhold, the rules' findings of the\n"
    "#   code are withheld.\n"
    "# Keys: A: 1-3 characters the agent wrote, C: 2 the customer wrote,\n"
    "#   E: a system event, S: a fact of the chat. Text is matched after\n"
    "#   normalisation (simplified script, half-width, lower case, no\n"
    "#   spaces). Largest weights first.\n"
    "kesu-model 1\n";

static void feature(out *o, const ks_model *m, size_t i)
{
    put(o, "%s\t", m->key[i]);
    const char *sep = "";
    for (int k = 0; k < m->ncodes; k++) {
        float w = m->w[i * (size_t)m->ncodes + (size_t)k];
        if (w == 0)
            continue;
        put(o, "%s%s=%.4f", sep, ks_incident_name(m->code[k]), (double)w);
        sep = " ";
    }
    put(o, "\n");
}

int ks_model_write(const ks_model *m, char **text, size_t *len)
{
    out o = {0};
    ranked *idx = ks_malloc((m->nfeat ? m->nfeat : 1) * sizeof *idx);
    if (!idx)
        return KS_ENOMEM;
    for (size_t i = 0; i < m->nfeat; i++)
        idx[i] = (ranked){top_weight(m, i), m->key[i], i};
    qsort(idx, m->nfeat, sizeof *idx, cmp_ranked);
    put(&o, "%s", header);
    for (int k = 0; k < m->ncodes; k++) {
        put(&o, "code %s bias %.6f threshold %.6f",
            ks_incident_name(m->code[k]), m->bias[k], m->thr[k]);
        if (m->promote[k] != HUGE_VAL)
            put(&o, " promote %.6f", m->promote[k]);
        if (m->withhold[k] != -HUGE_VAL)
            put(&o, " withhold %.6f", m->withhold[k]);
        put(&o, "\n");
    }
    for (size_t i = 0; i < m->nfeat; i++)
        feature(&o, m, idx[i].i);
    ks_free(idx);
    if (o.rc) {
        ks_free(o.s);
        return o.rc;
    }
    *text = o.s;
    *len = o.len;
    return KS_OK;
}
