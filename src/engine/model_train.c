/*
 * Training the n-gram model (include/kesu/model.h): one-vs-rest logistic
 * regression by plain SGD with an L2 penalty, positives weighted up
 * (incidents are rare), on binary features scaled to unit length.
 *
 * Thresholds are where F1 peaks on out-of-group scores: each group (a
 * corpus, i.e. one writer) is scored by a model trained without it, so a
 * threshold reflects phrasing the model has not seen. The scoring there
 * is the same lookup as at QA time, on weights already rounded and pruned
 * as they will be written, so the file behaves as measured.
 */
#include "model_int.h"
#include "kesu/alloc.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct tconv {
    uint32_t *f;        /* distinct feature ids (into dict) */
    size_t nf;
    uint32_t codes;
    unsigned group;
} tconv;

struct ks_trainer {
    tconv *convs;
    size_t n, cap;
    /* Every feature key seen, found by hash: a one-code model serves as
     * the dictionary, its weights unused. */
    ks_model *dict;
    uint32_t *ids;      /* scratch: one conversation's ids */
    size_t nids, capids;
    int rc;
};

int ks_trainer_new(ks_trainer **out)
{
    ks_trainer *t = ks_calloc(1, sizeof *t);
    if (!t || ks_model_new(1u << KS_INC_attitude, &t->dict)) {
        ks_free(t);
        return KS_ENOMEM;
    }
    *out = t;
    return KS_OK;
}

void ks_trainer_free(ks_trainer *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        ks_free(t->convs[i].f);
    ks_free(t->convs);
    ks_free(t->ids);
    ks_model_free(t->dict);
    ks_free(t);
}

static void collect(void *arg, const ks_feat *f)
{
    ks_trainer *t = arg;
    if (t->rc)
        return;
    long id = ks_model_find(t->dict, f->hash);
    if (id < 0) {
        static const float zero = 0;
        if ((t->rc = ks_model_add_feature(t->dict, f->key, f->keylen,
                                          &zero)))
            return;
        id = (long)t->dict->nfeat - 1;
    }
    if (ks_grow(&t->ids, &t->capids, t->nids, sizeof *t->ids, 256)) {
        t->rc = KS_ENOMEM;
        return;
    }
    t->ids[t->nids++] = (uint32_t)id;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static size_t unique(uint32_t *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

int ks_trainer_add(ks_trainer *t, const ks_conv *c, uint32_t codes,
                   unsigned group)
{
    if (group == UINT_MAX)
        return KS_EINVAL;
    ks_own_text o = {.c = c};
    t->nids = 0;
    t->rc = KS_OK;
    ks_feat_each(c, ks_own_text_fn, &o, 1, collect, t);
    ks_text_free(&o.t);
    int rc = t->rc ? t->rc : o.rc;
    if (rc || ks_grow(&t->convs, &t->cap, t->n, sizeof *t->convs, 256))
        return rc ? rc : KS_ENOMEM;
    size_t nf = unique(t->ids, t->nids);
    uint32_t *f = ks_malloc((nf ? nf : 1) * sizeof *f);
    if (!f)
        return KS_ENOMEM;
    memcpy(f, t->ids, nf * sizeof *f);
    t->convs[t->n++] = (tconv){f, nf, codes, group};
    return KS_OK;
}

/* ---- one fit ---------------------------------------------------------- */

typedef struct fit {
    const ks_trainer *t;
    const ks_train_opts *o;
    unsigned skip;      /* group left out, or UINT_MAX */
    uint32_t *col;      /* dict id -> column + 1, or 0 (not in vocab) */
    size_t ncol;
    double *w;          /* one code's weights, ncol */
} fit;

static int in_fit(const fit *f, size_t i)
{
    return f->t->convs[i].group != f->skip;
}

static int vocab(fit *f)
{
    size_t nd = f->t->dict->nfeat;
    uint32_t *df = ks_calloc(nd ? nd : 1, sizeof *df);
    f->col = ks_calloc(nd ? nd : 1, sizeof *f->col);
    if (!df || !f->col) {
        ks_free(df);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < f->t->n; i++)
        if (in_fit(f, i))
            for (size_t j = 0; j < f->t->convs[i].nf; j++)
                df[f->t->convs[i].f[j]]++;
    f->ncol = 0;
    for (size_t d = 0; d < nd; d++)
        if (df[d] >= (uint32_t)f->o->min_df)
            f->col[d] = (uint32_t)++f->ncol;
    ks_free(df);
    return KS_OK;
}

/* A small deterministic generator, so a model can be reproduced. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double conv_scale(const fit *f, const tconv *c)
{
    size_t k = 0;
    for (size_t j = 0; j < c->nf; j++)
        k += f->col[c->f[j]] != 0;
    return 1.0 / sqrt((double)k + 1.0);
}

static void sgd_step(fit *f, const tconv *c, double v, int y, double wpos,
                     double lr, double *b)
{
    double z = *b;
    for (size_t j = 0; j < c->nf; j++)
        if (f->col[c->f[j]])
            z += v * f->w[f->col[c->f[j]] - 1];
    z = z > 30 ? 30 : z < -30 ? -30 : z;
    double g = (1.0 / (1.0 + exp(-z)) - y) * (y ? wpos : 1.0);
    double shrink = 1 - lr * f->o->l2, gv = lr * g * v;
    for (size_t j = 0; j < c->nf; j++) {
        uint32_t col = f->col[c->f[j]];
        if (col)
            f->w[col - 1] = f->w[col - 1] * shrink - gv;
    }
    *b -= lr * g * 0.1;    /* a slower bias keeps rare codes from
                              collapsing to "never" */
}

/* Trains code's weights into f->w; returns its bias. */
static double train_code(fit *f, int code, size_t *order, size_t n)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += f->t->convs[order[i]].codes >> code & 1;
    double ratio = (double)(n - pos) / (double)(pos ? pos : 1);
    double wpos = sqrt(ratio < 10 ? ratio : 10), b = 0;
    uint64_t seed = 0x6b657375u + (uint64_t)code;
    memset(f->w, 0, f->ncol * sizeof *f->w);
    for (int ep = 0; ep < f->o->epochs; ep++) {
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)(next_rand(&seed) % i), x = order[i - 1];
            order[i - 1] = order[j];
            order[j] = x;
        }
        double lr = 0.5 / (1 + ep * 0.5);
        for (size_t i = 0; i < n; i++) {
            const tconv *c = &f->t->convs[order[i]];
            sgd_step(f, c, conv_scale(f, c), c->codes >> code & 1, wpos, lr,
                     &b);
        }
    }
    return b;
}

static float rounded(double w, double min_weight)
{
    double r = round(w * 1e4) / 1e4;
    return fabs(r) < min_weight || r == 0 ? 0.0f : (float)r;
}

/* Moves the trained weights of every code into a model, pruned. */
static int to_model(fit *f, float *W, const double *bias, ks_model **out)
{
    int rc = ks_model_new(f->o->codes, out);
    ks_model *m = *out;
    size_t nd = f->t->dict->nfeat;
    for (size_t d = 0; rc == KS_OK && d < nd; d++) {
        if (!f->col[d])
            continue;
        const float *w = W + (size_t)(f->col[d] - 1) * (size_t)m->ncodes;
        int any = 0;
        for (int k = 0; k < m->ncodes; k++)
            any |= w[k] != 0;
        if (any)
            rc = ks_model_add_feature(m, f->t->dict->key[d],
                                      strlen(f->t->dict->key[d]), w);
    }
    for (int k = 0; rc == KS_OK && k < m->ncodes; k++)
        m->bias[k] = round(bias[k] * 1e6) / 1e6;
    if (rc) {
        ks_model_free(m);
        *out = NULL;
    }
    return rc;
}

/* Trains every code on the conversations outside group skip. */
static int fit_model(const ks_trainer *t, const ks_train_opts *o,
                     unsigned skip, ks_model **out)
{
    fit f = {.t = t, .o = o, .skip = skip};
    int ncodes = __builtin_popcount(o->codes);
    size_t *order = ks_malloc((t->n ? t->n : 1) * sizeof *order);
    int rc = order ? vocab(&f) : KS_ENOMEM;
    float *W = rc ? NULL : ks_calloc(f.ncol ? f.ncol * (size_t)ncodes : 1,
                                     sizeof *W);
    f.w = W ? ks_malloc((f.ncol ? f.ncol : 1) * sizeof *f.w) : NULL;
    double bias[KS_INC_COUNT] = {0};
    if (!rc && !f.w)
        rc = KS_ENOMEM;
    for (int code = 0, k = 0; !rc && code < KS_INC_COUNT; code++) {
        if (!(o->codes >> code & 1))
            continue;
        size_t n = 0;
        for (size_t i = 0; i < t->n; i++)
            if (in_fit(&f, i))
                order[n++] = i;
        bias[k] = train_code(&f, code, order, n);
        for (size_t j = 0; j < f.ncol; j++)
            W[j * (size_t)ncodes + (size_t)k] = rounded(f.w[j], o->min_weight);
        k++;
    }
    if (!rc)
        rc = to_model(&f, W, bias, out);
    ks_free(order);
    ks_free(W);
    ks_free(f.w);
    ks_free(f.col);
    return rc;
}

/* ---- thresholds and the whole fit ------------------------------------- */

/* Raw scores of stored conversation c, as ks_model_raw() would give. */
static void score_stored(const ks_model *m, const ks_trainer *t,
                         const tconv *c, double *raw)
{
    double acc[KS_INC_COUNT] = {0};
    size_t found = 0;
    for (size_t j = 0; j < c->nf; j++) {
        long i = ks_model_find(m, t->dict->hash[c->f[j]]);
        if (i < 0)
            continue;
        found++;
        for (int k = 0; k < m->ncodes; k++)
            acc[k] += m->w[(size_t)i * (size_t)m->ncodes + (size_t)k];
    }
    double v = 1.0 / sqrt((double)found + 1.0);
    for (int k = 0; k < m->ncodes; k++)
        raw[k] = m->bias[k] + v * acc[k];
}

typedef struct scored {
    double s;
    int y;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->s != y->s)
        return x->s > y->s ? -1 : 1;
    return y->y - x->y;
}

/* The cut between two adjacent distinct scores where F-beta peaks. */
static void best_threshold(scored *v, size_t n, double beta, double *thr,
                           double *p, double *r)
{
    double b2 = beta * beta;
    qsort(v, n, sizeof *v, cmp_scored);
    size_t pos = 0, tp = 0, fp = 0;
    for (size_t i = 0; i < n; i++)
        pos += v[i].y != 0;
    double best = -1;
    *thr = n ? v[0].s + 1 : 0;
    *p = *r = 0;
    for (size_t i = 0; i < n; i++) {
        tp += v[i].y != 0;
        fp += v[i].y == 0;
        if (i + 1 < n && v[i + 1].s == v[i].s)
            continue;
        double f = pos ? (1 + b2) * (double)tp /
                             ((double)tp + (double)fp + b2 * (double)pos)
                       : 0;
        if (f > best) {
            best = f;
            *thr = i + 1 < n ? (v[i].s + v[i + 1].s) / 2 : v[i].s - 1;
            *p = (double)tp / (double)(tp + fp);
            *r = pos ? (double)tp / (double)pos : 0;
        }
    }
}

/* Scores each conversation with a model trained without its group. */
static int out_of_group(const ks_trainer *t, const ks_train_opts *o,
                        const unsigned *groups, size_t ng, double *oof,
                        int ncodes)
{
    for (size_t g = 0; g < ng; g++) {
        ks_model *m;
        int rc = fit_model(t, o, groups[g], &m);
        if (rc)
            return rc;
        for (size_t i = 0; i < t->n; i++)
            if (t->convs[i].group == groups[g])
                score_stored(m, t, &t->convs[i], oof + i * (size_t)ncodes);
        ks_model_free(m);
    }
    return KS_OK;
}

static int thresholds(const ks_trainer *t, const ks_train_opts *o,
                      const unsigned *groups, size_t ng, ks_model *m,
                      ks_train_report *rep)
{
    double *oof = ks_malloc((t->n ? t->n : 1) * (size_t)m->ncodes *
                            sizeof *oof);
    scored *v = ks_malloc((t->n ? t->n : 1) * sizeof *v);
    int rc = oof && v ? out_of_group(t, o, groups, ng, oof, m->ncodes)
                      : KS_ENOMEM;
    for (int k = 0; !rc && k < m->ncodes; k++) {
        int code = m->code[k];
        for (size_t i = 0; i < t->n; i++)
            v[i] = (scored){oof[i * (size_t)m->ncodes + (size_t)k],
                            (int)(t->convs[i].codes >> code & 1)};
        best_threshold(v, t->n, o->beta, &m->thr[k], &rep->oof_p[code],
                       &rep->oof_r[code]);
        m->thr[k] = round(m->thr[k] * 1e6) / 1e6;
        rep->oof_threshold[code] = m->thr[k];
    }
    ks_free(oof);
    ks_free(v);
    return rc;
}

/* The lowest cut at or above *thr where the final model's precision on
 * its training data reaches floor. Near-misses the rules were written
 * against (a correct refusal, a factual claim) share n-grams with the
 * incidents; if the model cannot tell them apart even where it has seen
 * them, its proposals there are not worth a lead's time. */
static void precision_floor(scored *v, size_t n, double floor, double *thr)
{
    qsort(v, n, sizeof *v, cmp_scored);
    size_t tp = 0, fp = 0;
    double cut = n ? v[0].s + 1 : *thr;   /* none: above every score */
    for (size_t i = 0; i < n && v[i].s > *thr; i++) {
        tp += v[i].y != 0;
        fp += v[i].y == 0;
        if (i + 1 < n && v[i + 1].s == v[i].s)
            continue;
        if ((double)tp >= floor * (double)(tp + fp))
            cut = i + 1 < n && v[i + 1].s > *thr
                      ? (v[i].s + v[i + 1].s) / 2 : *thr;
    }
    if (cut > *thr)
        *thr = cut;
}

/* Promote only above every training conversation that is not labelled
 * with the code: where the model errs on data it has seen, a lead's
 * review is still needed (a correct refusal past 7 days scores like a
 * wrong one). */
static void levels(const ks_train_opts *o, const scored *v, size_t n,
                   ks_model *m, int k)
{
    double neg = -HUGE_VAL;
    for (size_t i = 0; i < n; i++)
        if (!v[i].y && v[i].s > neg)
            neg = v[i].s;
    if (o->promote_margin >= 0) {
        double at = m->thr[k] + o->promote_margin;
        if (neg + 0.05 > at)
            at = neg + 0.05;
        m->promote[k] = ceil(at * 1e6) / 1e6;
    }
    if (o->withhold_margin >= 0)
        m->withhold[k] = floor((m->thr[k] - o->withhold_margin) * 1e6) / 1e6;
}

/* The floor on the thresholds, then the promote and withhold levels,
 * from the final model's scores of its own training data. */
static int floors(const ks_trainer *t, const ks_train_opts *o, ks_model *m)
{
    double *raw = ks_malloc((t->n ? t->n : 1) * (size_t)m->ncodes *
                            sizeof *raw);
    scored *v = ks_malloc((t->n ? t->n : 1) * sizeof *v);
    if (!raw || !v) {
        ks_free(raw);
        ks_free(v);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++)
        score_stored(m, t, &t->convs[i], raw + i * (size_t)m->ncodes);
    for (int k = 0; k < m->ncodes; k++) {
        for (size_t i = 0; i < t->n; i++)
            v[i] = (scored){raw[i * (size_t)m->ncodes + (size_t)k],
                            (int)(t->convs[i].codes >> m->code[k] & 1)};
        if (o->min_train_precision > 0)
            precision_floor(v, t->n, o->min_train_precision, &m->thr[k]);
        m->thr[k] = round(m->thr[k] * 1e6) / 1e6;
        levels(o, v, t->n, m, k);
    }
    ks_free(raw);
    ks_free(v);
    return KS_OK;
}

static size_t distinct_groups(const ks_trainer *t, unsigned *out)
{
    size_t ng = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t g = 0;
        while (g < ng && out[g] != t->convs[i].group)
            g++;
        if (g == ng)
            out[ng++] = t->convs[i].group;
    }
    return ng;
}

static void defaults(const ks_train_opts *in, ks_train_opts *o)
{
    *o = in ? *in : (ks_train_opts){0};
    o->codes &= (1u << KS_INC_COUNT) - 1;
    if (!o->codes)
        o->codes = KS_MODEL_PHRASE_CODES;
    if (o->epochs <= 0)
        o->epochs = 12;
    if (o->l2 <= 0)
        o->l2 = 1e-5;
    if (o->min_df <= 0)
        o->min_df = 3;
    if (o->min_weight == 0)
        o->min_weight = 0.1;
    if (o->beta <= 0)
        o->beta = 1;
    if (o->min_train_precision == 0)
        o->min_train_precision = 0.95;
    if (o->promote_margin == 0)
        o->promote_margin = 0.5;
    if (o->withhold_margin == 0)
        o->withhold_margin = 1.0;
}

int ks_trainer_fit(ks_trainer *t, const ks_train_opts *opts,
                   ks_model **out, ks_train_report *rep)
{
    ks_train_opts o;
    ks_train_report r = {0};
    defaults(opts, &o);
    *out = NULL;
    if (t->n == 0)
        return KS_EINVAL;
    unsigned *groups = ks_malloc(t->n * sizeof *groups);
    if (!groups)
        return KS_ENOMEM;
    size_t ng = distinct_groups(t, groups);
    ks_model *m = NULL;
    int rc = fit_model(t, &o, UINT_MAX, &m);
    if (!rc && ng >= 2)
        rc = thresholds(t, &o, groups, ng, m, &r);
    if (!rc)
        rc = floors(t, &o, m);
    if (rc)
        ks_model_free(m);
    ks_free(groups);
    if (rc)
        return rc;
    r.convs = t->n;
    r.groups = ng;
    r.features = m->nfeat;
    for (int c = 0; c < KS_INC_COUNT; c++) {
        r.promote[c] = HUGE_VAL;
        r.withhold[c] = -HUGE_VAL;
    }
    for (int k = 0; k < m->ncodes; k++) {
        r.threshold[m->code[k]] = m->thr[k];
        r.promote[m->code[k]] = m->promote[k];
        r.withhold[m->code[k]] = m->withhold[k];
    }
    for (size_t i = 0; i < t->n; i++)
        for (int c = 0; c < KS_INC_COUNT; c++)
            r.positives[c] += t->convs[i].codes >> c & 1;
    if (rep)
        *rep = r;
    *out = m;
    return KS_OK;
}
