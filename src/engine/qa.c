/*
 * The QA engine (include/kesu/qa.h): per message normalise, one
 * Vectorscan scan, hits filtered by word boundaries and exceptions and
 * summarised as a list bitset; then every rule over the message sequence.
 *
 * All buffers live in the scanner and are reused, so judging a
 * conversation allocates nothing once the buffers have grown.
 */
#include "pack_int.h"
#include "kesu/alloc.h"
#include "kesu/qa.h"
#include "kesu/text.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Matches kept for one message. Only words of lists that have exceptions
 * (and the exceptions) are kept in full; any other pattern keeps just its
 * first valid occurrence, so a flood like "?????…" costs nothing. Past
 * this many, the message is refused as too large rather than half-judged. */
#define KS_MAX_RAW_PER_MSG (1u << 21)

typedef struct raw {
    uint32_t lit;
    uint32_t from, to;      /* bytes in normalised text */
} raw;

/* An exception's span for one list; `reach` is the largest `to` of this
 * span and the ones before it in the same list, so one binary search
 * answers "does any exception of list L overlap [from, to)?". */
typedef struct exc_span {
    uint32_t list;
    uint32_t from, to, reach;
} exc_span;

struct ks_scanner {
    const ks_pack *p;
    hs_scratch_t *scratch;
    ks_text txt;
    raw *raws;
    size_t nraw, capraw;
    exc_span *exc;          /* exception spans, sorted by (list, from) */
    size_t nexc, capexc;
    int oom;                /* an allocation failed inside a callback */
    int toobig;             /* KS_MAX_RAW_PER_MSG reached */
    uint32_t *seen_gen;     /* per pattern: the message generation in which
                               its first valid occurrence was kept */
    uint32_t gen;
    ks_hit *hits;           /* all messages' hits, grouped per message */
    size_t nhits, caphits;
    uint64_t *bits;         /* nmsgs * bitwords */
    size_t capbits;
    ks_msgview *views;
    size_t capviews;
    size_t *hit_off;        /* first hit of each message */
    uint64_t *any;          /* union of every message's list bitset */
    int timing;
    ks_qa_timing t;
};

int ks_scanner_new(const ks_pack *p, ks_scanner **out)
{
    ks_scanner *s = ks_calloc(1, sizeof *s);
    if (!s)
        return KS_ENOMEM;
    s->p = p;
    s->seen_gen = ks_calloc(p->nlits ? p->nlits : 1, sizeof *s->seen_gen);
    s->any = ks_calloc(p->bitwords ? p->bitwords : 1, sizeof *s->any);
    if (!s->seen_gen || !s->any ||
        (p->db && hs_alloc_scratch(p->db, &s->scratch) != HS_SUCCESS)) {
        ks_free(s->seen_gen);
        ks_free(s->any);
        ks_free(s);
        return KS_ENOMEM;
    }
    *out = s;
    return KS_OK;
}

void ks_scanner_free(ks_scanner *s)
{
    if (!s)
        return;
    hs_free_scratch(s->scratch);
    ks_text_free(&s->txt);
    ks_free(s->raws);
    ks_free(s->seen_gen);
    ks_free(s->exc);
    ks_free(s->hits);
    ks_free(s->bits);
    ks_free(s->views);
    ks_free(s->hit_off);
    ks_free(s->any);
    ks_free(s);
}

void ks_scanner_timing(ks_scanner *s, int enable, ks_qa_timing *out)
{
    s->timing = enable;
    if (out)
        *out = s->t;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int is_tok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* "tb" must not be part of "1tb", "tbs", "1 tb" or "tb-200". */
static int bounded(const ks_lit *l, const char *t, size_t len, size_t from,
                   size_t to)
{
    if (l->bound_left && from > 0) {
        if (is_tok((unsigned char)t[from - 1]))
            return 0;
        size_t i = from;
        while (i > 0 && from - i < 2 && strchr(" -_", t[i - 1]))
            i--;
        if (l->pure_alnum && i < from && i > 0 &&
            is_digit((unsigned char)t[i - 1]))
            return 0;
    }
    if (l->bound_right && to < len) {
        if (is_tok((unsigned char)t[to]))
            return 0;
        size_t i = to;
        while (i < len && i - to < 2 && strchr(" -_", t[i]))
            i++;
        if (l->pure_alnum && i > to && i < len && is_digit((unsigned char)t[i]))
            return 0;
    }
    return 1;
}

static int on_match(unsigned id, unsigned long long from,
                    unsigned long long to, unsigned flags, void *ctx)
{
    (void)flags;
    ks_scanner *s = ctx;
    const ks_lit *l = &s->p->lits[id];
    uint32_t start = l->is_regex ? (uint32_t)from : (uint32_t)(to - l->len);
    if (!l->keep_all) {
        if (s->seen_gen[id] == s->gen)
            return 0;
        if (!l->is_regex &&
            !bounded(l, s->txt.norm, s->txt.len, start, (size_t)to))
            return 0;
        s->seen_gen[id] = s->gen;
    }
    if (s->nraw == s->capraw) {
        if (s->capraw >= KS_MAX_RAW_PER_MSG) {
            s->toobig = 1;
            return 1;
        }
        if (ks_grow(&s->raws, &s->capraw, s->nraw, sizeof *s->raws, 64)) {
            s->oom = 1;
            return 1;
        }
    }
    s->raws[s->nraw++] = (raw){id, start, (uint32_t)to};
    return 0;
}

static int push_hit(ks_scanner *s, ks_hit h)
{
    if (ks_grow(&s->hits, &s->caphits, s->nhits, sizeof *s->hits, 256))
        return KS_ENOMEM;
    s->hits[s->nhits++] = h;
    return KS_OK;
}

static int cmp_exc(const void *a, const void *b)
{
    const exc_span *x = a, *y = b;
    if (x->list != y->list)
        return x->list < y->list ? -1 : 1;
    return x->from < y->from ? -1 : x->from > y->from;
}

/* Gathers every exception match of the message, per list it excepts. */
static int gather_exceptions(ks_scanner *s)
{
    s->nexc = 0;
    for (size_t i = 0; i < s->nraw; i++) {
        const raw *r = &s->raws[i];
        const ks_lit *l = &s->p->lits[r->lit];
        for (size_t t = 0; t < l->ntargets; t++) {
            if (!(l->targets[t] & 1u))
                continue;
            if (ks_grow(&s->exc, &s->capexc, s->nexc, sizeof *s->exc, 16))
                return KS_ENOMEM;
            s->exc[s->nexc++] = (exc_span){l->targets[t] >> 1, r->from, r->to,
                                           r->to};
        }
    }
    if (s->nexc > 1)
        qsort(s->exc, s->nexc, sizeof *s->exc, cmp_exc);
    for (size_t i = 1; i < s->nexc; i++)
        if (s->exc[i].list == s->exc[i - 1].list &&
            s->exc[i - 1].reach > s->exc[i].reach)
            s->exc[i].reach = s->exc[i - 1].reach;
    return KS_OK;
}

/* Does an exception of `list` overlap r? The last span of the list that
 * starts before r ends has the greatest reach of all such spans. */
static int excepted(const ks_scanner *s, uint32_t list, const raw *r)
{
    size_t lo = 0, hi = s->nexc;
    while (lo < hi) {    /* first span with (list, from) >= (list, r->to) */
        size_t mid = lo + (hi - lo) / 2;
        const exc_span *e = &s->exc[mid];
        if (e->list < list || (e->list == list && e->from < r->to))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    const exc_span *e = &s->exc[lo - 1];
    return e->list == list && e->reach > r->from;
}

/* Turns the raw matches of one message into its leftmost hit per list. */
static int collect_hits(ks_scanner *s, uint64_t *bits, size_t first)
{
    const ks_text *t = &s->txt;
    if (gather_exceptions(s))
        return KS_ENOMEM;
    for (size_t i = 0; i < s->nraw; i++) {
        const raw *r = &s->raws[i];
        const ks_lit *l = &s->p->lits[r->lit];
        if (!l->is_regex && !bounded(l, t->norm, t->len, r->from, r->to))
            continue;
        uint32_t start = t->map[r->from], end = t->map[r->to - 1] + 1;
        for (size_t k = 0; k < l->ntargets; k++) {
            uint32_t tg = l->targets[k];
            if (tg & 1u)
                continue;
            uint32_t list = tg >> 1;
            if (s->nexc && excepted(s, list, r))
                continue;
            size_t h;
            for (h = first; h < s->nhits && s->hits[h].list != list; h++)
                ;
            if (h < s->nhits) {
                /* leftmost, and of those the longest: 呵呵, not 呵 */
                if (start < s->hits[h].start ||
                    (start == s->hits[h].start && end > s->hits[h].end))
                    s->hits[h] = (ks_hit){list, start, end};
                continue;
            }
            if (push_hit(s, (ks_hit){list, start, end}))
                return KS_ENOMEM;
            KS_BIT_SET(bits, list);
        }
    }
    return KS_OK;
}

static int scan_msg(ks_scanner *s, const ks_msg *m, uint64_t *bits)
{
    if (!s->p->db || m->text_len == 0)
        return KS_OK;
    uint64_t t0 = s->timing ? now_ns() : 0;
    int rc = ks_normalize(m->text, m->text_len, &s->txt);
    if (rc)
        return rc;
    uint64_t t1 = s->timing ? now_ns() : 0;
    s->nraw = 0;
    s->oom = 0;
    s->toobig = 0;
    if (++s->gen == 0) {  /* wrapped: forget every stamp */
        memset(s->seen_gen, 0, s->p->nlits * sizeof *s->seen_gen);
        s->gen = 1;
    }
    if (s->txt.len > 0) {
        hs_error_t e = hs_scan(s->p->db, s->txt.norm, (unsigned)s->txt.len, 0,
                               s->scratch, on_match, s);
        if (s->oom)
            return KS_ENOMEM;
        if (s->toobig)
            return KS_ETOOBIG;
        if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
            return KS_EMATCH;
    }
    if (s->timing) {
        uint64_t t2 = now_ns();
        s->t.normalise_ns += t1 - t0;
        s->t.match_ns += t2 - t1;
    }
    return collect_hits(s, bits, s->nhits);
}

static int grow_per_msg(ks_scanner *s, size_t n)
{
    size_t words = n * s->p->bitwords;
    if (words > s->capbits) {
        uint64_t *b = ks_realloc(s->bits, words * sizeof *b);
        if (!b)
            return KS_ENOMEM;
        s->bits = b;
        s->capbits = words;
    }
    if (n > s->capviews) {
        ks_msgview *v = ks_realloc(s->views, n * sizeof *v);
        size_t *o = v ? ks_realloc(s->hit_off, (n + 1) * sizeof *o) : NULL;
        if (v)
            s->views = v;
        if (!o)
            return KS_ENOMEM;
        s->hit_off = o;
        s->capviews = n;
    }
    memset(s->bits, 0, words * sizeof *s->bits);
    return KS_OK;
}

/* Reply delay of each agent message: time since the earliest customer
 * message that no agent message has answered yet. */
static void reply_delays(const ks_conv *c, ks_msgview *v)
{
    int64_t waiting = KS_TIME_NONE;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const ks_msg *m = &c->msgs[i];
        v[i].reply_delay_ms = -1;
        if (m->from == KS_FROM_CUSTOMER && waiting == KS_TIME_NONE)
            waiting = m->at;
        else if (m->from == KS_FROM_AGENT) {
            if (waiting != KS_TIME_NONE && m->at != KS_TIME_NONE)
                v[i].reply_delay_ms = m->at - waiting;
            waiting = KS_TIME_NONE;
        }
    }
}

static int build_views(ks_scanner *s, const ks_conv *c)
{
    int rc = grow_per_msg(s, c->nmsgs ? c->nmsgs : 1);
    if (rc)
        return rc;
    s->nhits = 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        uint64_t *bits = s->bits + i * s->p->bitwords;
        s->hit_off[i] = s->nhits;
        if ((rc = scan_msg(s, &c->msgs[i], bits)))
            return rc;
    }
    s->hit_off[c->nmsgs] = s->nhits;
    for (size_t i = 0; i < c->nmsgs; i++) {
        s->views[i].m = &c->msgs[i];
        s->views[i].bits = s->bits + i * s->p->bitwords;
        s->views[i].hits = s->hits ? s->hits + s->hit_off[i] : NULL;
        s->views[i].nhits = s->hit_off[i + 1] - s->hit_off[i];
    }
    reply_delays(c, s->views);
    size_t nw = s->p->bitwords;
    memset(s->any, 0, nw * sizeof *s->any);
    for (size_t i = 0; i < c->nmsgs; i++)
        for (size_t w = 0; w < nw; w++)
            s->any[w] |= s->bits[i * nw + w];
    return KS_OK;
}

/* Can rule r fire at all? Every positive step needs a message holding
 * its lists, so a list that no message holds rules it out (most rules,
 * on most conversations) without walking the messages. */
static int may_fire(const ks_scanner *s, const ks_rule *r)
{
    size_t nw = s->p->bitwords;
    for (size_t k = 0; k < r->nsteps; k++) {
        const ks_pred *pr = &r->steps[k].pred;
        if (r->steps[k].absent)
            continue;
        if (pr->has) {
            uint64_t x = 0;
            for (size_t w = 0; w < nw; w++)
                x |= s->any[w] & pr->has[w];
            if (!x)
                return 0;
        }
        if (pr->has_all)
            for (size_t w = 0; w < nw; w++)
                if ((s->any[w] & pr->has_all[w]) != pr->has_all[w])
                    return 0;
    }
    return 1;
}

typedef struct emit_ctx {
    ks_scanner *s;
    ks_result *r;
    int oom;
} emit_ctx;

/* Evidence span: the step's leftmost hit of a list it asked for, else the
 * whole message. */
static void evidence_span(const ks_pack *p, const ks_step *st,
                          const ks_msgview *v, uint32_t *start, uint32_t *end)
{
    for (size_t i = 0; i < v->nhits; i++) {
        uint32_t l = v->hits[i].list;
        if ((st->pred.has && KS_BIT_GET(st->pred.has, l)) ||
            (st->pred.has_all && KS_BIT_GET(st->pred.has_all, l))) {
            if (*end == 0 || v->hits[i].start < *start ||
                (v->hits[i].start == *start && v->hits[i].end > *end)) {
                *start = v->hits[i].start;
                *end = v->hits[i].end;
            }
        }
    }
    (void)p;
    if (*end == 0) {
        *start = 0;
        *end = (uint32_t)ks_utf8_count(v->m->text, v->m->text_len);
    }
}

static void emit(void *arg, const ks_rule *rule, size_t step, size_t msg)
{
    emit_ctx *e = arg;
    ks_result *r = e->r;
    if (rule->out_kind == KS_OUT_RISK) {
        if (rule->out_code > (int)r->risk)
            r->risk = (ks_risk)rule->out_code;
        return;
    }
    if (rule->out_kind == KS_OUT_CAUSE) {
        r->causes |= 1u << rule->out_code;
        return;
    }
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].code == (ks_incident)rule->out_code &&
            r->findings[i].msg == msg)
            return;     /* one finding per code and message */
    if (ks_grow(&r->findings, &r->cap, r->nfindings, sizeof *r->findings,
                8)) {
        e->oom = 1;
        return;
    }
    ks_finding *f = &r->findings[r->nfindings++];
    f->code = (ks_incident)rule->out_code;
    f->rule = rule->name;
    f->advice = rule->advice;
    f->msg = msg;
    f->start = f->end = 0;
    evidence_span(e->s->p, &rule->steps[step], &e->s->views[msg], &f->start,
                  &f->end);
}

static int cmp_finding(const void *a, const void *b)
{
    const ks_finding *x = a, *y = b;
    if (x->msg != y->msg)
        return x->msg < y->msg ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (int)x->code - (int)y->code;
}

int ks_qa(ks_scanner *s, const ks_conv *c, ks_result *r)
{
    r->risk = KS_RISK_normal;
    r->causes = 0;
    r->nfindings = 0;
    int rc = build_views(s, c);
    if (rc)
        return rc;
    uint64_t t0 = s->timing ? now_ns() : 0;
    emit_ctx e = {s, r, 0};
    for (size_t i = 0; i < s->p->nrules; i++)
        if (may_fire(s, &s->p->rules[i]))
            ks_rule_eval(s->p, &s->p->rules[i], c, s->views, emit, &e);
    if (e.oom)
        return KS_ENOMEM;
    if (r->nfindings > 1)
        qsort(r->findings, r->nfindings, sizeof *r->findings, cmp_finding);
    if (s->timing)
        s->t.rules_ns += now_ns() - t0;
    return KS_OK;
}

static void count_only(void *arg, const ks_rule *r, size_t step, size_t msg)
{
    (void)r;
    (void)step;
    (void)msg;
    ++*(size_t *)arg;
}

int ks_qa_rule_fires(ks_scanner *s, const ks_conv *c, const ks_rule *r,
                     int *fired)
{
    int rc = build_views(s, c);
    if (rc)
        return rc;
    size_t n = 0;
    if (may_fire(s, r))
        ks_rule_eval(s->p, r, c, s->views, count_only, &n);
    *fired = n > 0;
    return KS_OK;
}

void ks_result_free(ks_result *r)
{
    ks_free(r->findings);
    memset(r, 0, sizeof *r);
}
