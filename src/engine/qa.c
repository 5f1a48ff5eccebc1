/*
 * The QA engine (include/kesu/qa.h). Per conversation: each speaker's
 * messages normalised, each opened and closed by '\n', one Vectorscan
 * scan of them (the speaker's database: every literal and regex a rule
 * step for that speaker can see, without start of match); a
 * start-of-match scan of the speaker's regexes over a message only where
 * a regex ended in it and its start is needed now (a list with
 * exceptions) or later (the message is a finding's evidence). Hits are filtered by word boundaries and
 * exceptions and summarised per message as a list bitset; then every rule
 * runs over the message sequence.
 *
 * All buffers live in the scanner and are reused, so judging a
 * conversation allocates nothing once the buffers have grown.
 */
#include "pack_int.h"
#include "model_int.h"
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

/* A regex that ended in a message, its span not known yet. */
#define NO_SPAN UINT32_MAX

typedef struct raw {
    uint32_t lit;
    uint32_t msg;
    uint32_t from, to;      /* bytes in the message's normalised text */
} raw;

/* An exception's span for one list; `reach` is the largest `to` of this
 * span and the ones before it in the same list, so one binary search
 * answers "does any exception of list L overlap [from, to)?". */
typedef struct exc_span {
    uint32_t list;
    uint32_t from, to, reach;
} exc_span;

/* Per message flags. */
enum {
    M_REGEX = 1,            /* a regex ended in it (joined scan) */
    M_KEEPRX = 2,           /* ... a keep_all one */
    M_EXC = 64,             /* an exception may have matched in it */
    M_NEWLINE = 4,          /* its normalised text holds '\n' */
    M_LAZY = 8,             /* hits lack regex spans until exact_hits() */
    M_EXACT = 16,           /* its regexes were scanned with their spans */
    M_DONE = 32             /* exact_hits() done (lhits) */
};

typedef struct speaker {
    ks_text txt;            /* the speaker's messages, each ended by '\n' */
    size_t *msgs;           /* their indices */
    size_t n, cap;
} speaker;

typedef struct hitvec {
    ks_hit *v;
    size_t n, cap;
} hitvec;

struct ks_scanner {
    const ks_pack *p;
    hs_scratch_t *scratch;  /* for every database of the pack */
    speaker sp[3];          /* per ks_from */
    /* One scan per speaker covers a batch of conversations (ks_qa_many):
     * a scan call has a fixed cost, and a conversation's text is short.
     * The per message arrays below run over the batch's messages; its
     * conversation k starts at message moff[k]. */
    const ks_conv *const *batch;
    size_t nbatch;
    size_t *moff;           /* nbatch + 1 entries */
    size_t capmoff;
    const ks_conv *c;       /* the conversation being judged */
    size_t m0;              /* ... and its first message in the batch */
    unsigned char *mfrom;   /* per message: its ks_from */
    size_t *base;           /* per message: its first byte in its txt */
    uint32_t *mlen;         /* per message: its normalised bytes */
    uint32_t *mraw;         /* per message: raw matches kept */
    uint32_t *mcount;       /* per message: matches against the limit */
    uint32_t *mrx;          /* ... of them, keep_all regex ends (joined) */
    size_t *raw_off;        /* per message: its first raw in sorted */
    unsigned char *flags;   /* per message: M_* */
    size_t *lhit_off;       /* per message with M_DONE: its hits in lhits */
    size_t *lhit_n;
    size_t capmsg;
    int cur_sp;             /* the speaker being scanned */
    size_t cur;             /* the message being scanned (or last seen) */
    raw *raws;              /* the conversation's matches, as found */
    size_t nraw, capraw;
    raw *sorted;            /* the same, grouped by message */
    size_t capsorted;
    raw *lraws;             /* one message's matches, for exact_hits() */
    size_t nlraw, caplraw;
    exc_span *exc;          /* exception spans, sorted by (list, from) */
    size_t nexc, capexc;
    int oom;                /* an allocation failed inside a callback */
    int toobig;             /* KS_MAX_RAW_PER_MSG reached */
    uint32_t *seen_gen;     /* per pattern: the message generation in which
                               its first valid occurrence was kept */
    uint32_t *seen_raw;     /* ... and where, in raws (or lraws) */
    uint32_t *xstamp;       /* per pattern: twice()'s scan and end */
    unsigned long long *xto;
    uint32_t xscan;         /* joined scans so far (never 0 in one) */
    uint32_t gen, gen0;     /* message i of this conversation: gen0 + i */
    hitvec hits;            /* all messages' hits, grouped per message */
    hitvec lhits;           /* hits redone by exact_hits() */
    uint64_t *bits;         /* nmsgs * bitwords */
    size_t capbits;
    ks_msgview *views;
    size_t capviews;
    size_t *hit_off;        /* first hit of each message */
    uint64_t *any;          /* union of every message's list bitset */
    ks_model_scratch model;
    int no_model;           /* ks_scanner_model(s, 0) */
    int timing;
    uint64_t exact_ns;      /* exact_hits() time inside the rules stage */
    ks_qa_timing t;
};

int ks_scanner_new(const ks_pack *p, ks_scanner **out)
{
    ks_scanner *s = ks_calloc(1, sizeof *s);
    if (!s)
        return KS_ENOMEM;
    s->p = p;
    size_t nl = p->nlits ? p->nlits : 1;
    s->seen_gen = ks_calloc(nl, sizeof *s->seen_gen);
    s->seen_raw = ks_calloc(nl, sizeof *s->seen_raw);
    s->xstamp = ks_calloc(nl, sizeof *s->xstamp);
    s->xto = ks_calloc(nl, sizeof *s->xto);
    s->any = ks_calloc(p->bitwords ? p->bitwords : 1, sizeof *s->any);
    int ok = s->seen_gen && s->seen_raw && s->xstamp && s->xto && s->any;
    hs_database_t *dbs[6];
    size_t ndb = ks_pack_dbs(p, dbs);
    for (size_t i = 0; ok && i < ndb; i++)
        ok = hs_alloc_scratch(dbs[i], &s->scratch) == HS_SUCCESS;
    if (!ok) {
        ks_scanner_free(s);
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
    for (int f = 0; f < 3; f++) {
        ks_text_free(&s->sp[f].txt);
        ks_free(s->sp[f].msgs);
    }
    ks_free(s->moff);
    ks_free(s->mfrom);
    ks_free(s->base);
    ks_free(s->mlen);
    ks_free(s->mraw);
    ks_free(s->mcount);
    ks_free(s->mrx);
    ks_free(s->raw_off);
    ks_free(s->flags);
    ks_free(s->lhit_off);
    ks_free(s->lhit_n);
    ks_free(s->raws);
    ks_free(s->sorted);
    ks_free(s->lraws);
    ks_free(s->seen_gen);
    ks_free(s->seen_raw);
    ks_free(s->xstamp);
    ks_free(s->xto);
    ks_free(s->exc);
    ks_free(s->hits.v);
    ks_free(s->lhits.v);
    ks_free(s->bits);
    ks_free(s->views);
    ks_free(s->hit_off);
    ks_free(s->any);
    ks_model_scratch_free(&s->model);
    ks_free(s);
}

void ks_scanner_model(ks_scanner *s, int on) { s->no_model = !on; }

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

/* Message g of the batch. */
static const char *msg_text(const ks_scanner *s, size_t g)
{
    return s->sp[s->mfrom[g]].txt.norm + s->base[g];
}

/* Keeps match [from, to) of pattern id in message i (bytes of its
 * normalised text; NO_SPAN: a regex ended there). A pattern that is not
 * keep_all keeps its first valid occurrence per message: the one that
 * ends first, whatever the order in which the scans report them. */
static int keep(ks_scanner *s, unsigned id, size_t i, uint32_t from,
                uint32_t to)
{
    const ks_lit *l = &s->p->lits[id];
    if (!l->keep_all) {
        uint32_t g = s->gen0 + (uint32_t)i;
        if (s->seen_gen[id] == g) {
            raw *r = &s->raws[s->seen_raw[id]];
            if (to > r->to || (to == r->to && from >= r->from))
                return 0;
            if (!l->is_regex &&
                !bounded(l, msg_text(s, i), s->mlen[i], from, to))
                return 0;
            r->from = from;
            r->to = to;
            return 0;
        }
        if (!l->is_regex && !bounded(l, msg_text(s, i), s->mlen[i], from, to))
            return 0;
        s->seen_gen[id] = g;
        s->seen_raw[id] = (uint32_t)s->nraw;
    }
    if (s->mcount[i] == KS_MAX_RAW_PER_MSG) {
        s->toobig = 1;
        return 1;
    }
    if (ks_grow(&s->raws, &s->capraw, s->nraw, sizeof *s->raws, 64)) {
        s->oom = 1;
        return 1;
    }
    s->raws[s->nraw++] = (raw){id, (uint32_t)i, from, to};
    s->mraw[i]++;
    s->mcount[i]++;
    return 0;
}

/* A regex ended in message i (joined scan): one NO_SPAN raw per regex and
 * message stands for its occurrences, which still count against the
 * limit as they would once scanned: the first only for a regex that is
 * not keep_all, every one (each end, as start-of-match reports them) for
 * a keep_all one. */
static int keep_end(ks_scanner *s, unsigned id, size_t i)
{
    const ks_lit *l = &s->p->lits[id];
    if (s->seen_gen[id] != s->gen0 + (uint32_t)i) {
        if (keep(s, id, i, NO_SPAN, NO_SPAN))
            return 1;
        if (l->keep_all) {
            s->seen_gen[id] = s->gen0 + (uint32_t)i;
            s->mrx[i]++;
        }
        return 0;
    }
    if (!l->keep_all)
        return 0;
    if (s->mcount[i] == KS_MAX_RAW_PER_MSG) {
        s->toobig = 1;
        return 1;
    }
    s->mcount[i]++;
    s->mrx[i]++;
    return 0;
}

/* Has expanded regex lit already ended at `to` in this scan? Two of its
 * strings can end at one place ("(好)?的": 的, 好的), where the regex
 * ends once: a keep_all regex counts each end once against the limit.
 * Strings ending together are reported together, so the last end is
 * enough. */
static int twice(ks_scanner *s, uint32_t lit, unsigned long long to)
{
    if (s->xstamp[lit] == s->xscan && s->xto[lit] == to)
        return 1;
    s->xstamp[lit] = s->xscan;
    s->xto[lit] = to;
    return 0;
}

/* A match of the speaker's database in its joined messages: a literal is
 * kept if it lies inside one message; a regex is noted in its message. */
static int on_join(unsigned id, unsigned long long from,
                   unsigned long long to, unsigned flags, void *ctx)
{
    (void)from;
    (void)flags;
    ks_scanner *s = ctx;
    const speaker *sp = &s->sp[s->cur_sp];
    size_t last = (size_t)to - 1, i = s->cur;
    if (last < s->base[i] || last >= s->base[i] + s->mlen[i] + 1) {
        size_t lo = 0, hi = sp->n;   /* the last k with base <= last */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->base[sp->msgs[mid]] <= last)
                lo = mid;
            else
                hi = mid;
        }
        s->cur = i = sp->msgs[lo];
    }
    size_t b = s->base[i];
    int tail;
    if (id >= s->p->nlits) {    /* a string of an expanded regex */
        const ks_xref *x = &s->p->xmap[id - s->p->nlits];
        if (twice(s, x->lit, to))
            return 0;
        id = x->lit;
        tail = x->tail;
    } else {
        tail = s->p->lits[id].nl_tail;
    }
    const ks_lit *l = &s->p->lits[id];
    if (last >= b + s->mlen[i] && !tail)
        return 0;               /* it ends on the '\n' after the message */
    if (l->is_regex) {          /* tail: its $ is that '\n' */
        s->flags[i] |= (unsigned char)(M_REGEX | (l->keep_all ? M_KEEPRX : 0) |
                                       (l->is_except ? M_EXC : 0));
        return keep_end(s, id, i);
    }
    if ((size_t)to < b + l->len)
        return 0;               /* it starts in an earlier message */
    if (l->is_except)
        s->flags[i] |= M_EXC;
    return keep(s, id, i, (uint32_t)((size_t)to - l->len - b),
                (uint32_t)((size_t)to - b));
}

/* A match of the speaker's start-of-match database in message s->cur. */
static int on_som(unsigned id, unsigned long long from,
                  unsigned long long to, unsigned flags, void *ctx)
{
    (void)flags;
    ks_scanner *s = ctx;
    return keep(s, id, s->cur, (uint32_t)from, (uint32_t)to);
}

static int push_hit(hitvec *hv, ks_hit h)
{
    if (ks_grow(&hv->v, &hv->cap, hv->n, sizeof *hv->v, 256))
        return KS_ENOMEM;
    hv->v[hv->n++] = h;
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
static int gather_exceptions(ks_scanner *s, const raw *rs, size_t nr)
{
    s->nexc = 0;
    for (size_t i = 0; i < nr; i++) {
        const raw *r = &rs[i];
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

/* Turns the raw matches rs of batch message g into its leftmost hit per
 * list, appended to hv, and its list bitset (bits, unless NULL). A regex
 * without its span only sets its lists' bits (it is never an exception
 * nor in a list with exceptions: those are keep_all). */
static int collect_hits(ks_scanner *s, size_t g, const raw *rs, size_t nr,
                        hitvec *hv, uint64_t *bits)
{
    const char *norm = msg_text(s, g);
    const uint32_t *map = s->sp[s->mfrom[g]].txt.map + s->base[g];
    size_t len = s->mlen[g], first = hv->n;
    if (gather_exceptions(s, rs, nr))
        return KS_ENOMEM;
    for (size_t k = 0; k < nr; k++) {
        const raw *r = &rs[k];
        const ks_lit *l = &s->p->lits[r->lit];
        if (r->to == NO_SPAN) {
            for (size_t q = 0; bits && q < l->ntargets; q++)
                if (!(l->targets[q] & 1u))
                    KS_BIT_SET(bits, l->targets[q] >> 1);
            continue;
        }
        if (!l->is_regex && !bounded(l, norm, len, r->from, r->to))
            continue;
        uint32_t start = map[r->from], end = map[r->to - 1] + 1;
        for (size_t q = 0; q < l->ntargets; q++) {
            uint32_t tg = l->targets[q];
            if (tg & 1u)
                continue;
            uint32_t list = tg >> 1;
            if (s->nexc && excepted(s, list, r))
                continue;
            size_t h;
            for (h = first; h < hv->n && hv->v[h].list != list; h++)
                ;
            if (h < hv->n) {
                /* leftmost, and of those the longest: 呵呵, not 呵 */
                if (start < hv->v[h].start ||
                    (start == hv->v[h].start && end > hv->v[h].end))
                    hv->v[h] = (ks_hit){list, start, end};
                continue;
            }
            if (push_hit(hv, (ks_hit){list, start, end}))
                return KS_ENOMEM;
            if (bits)
                KS_BIT_SET(bits, list);
        }
    }
    return KS_OK;
}

static int scan_error(const ks_scanner *s, hs_error_t e)
{
    if (s->oom)
        return KS_ENOMEM;
    if (s->toobig)
        return KS_ETOOBIG;
    if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
        return KS_EMATCH;
    return KS_OK;
}

/* Normalises message g (message m of a conversation) onto its speaker's
 * joined text. */
static int add_message(ks_scanner *s, size_t g, const ks_msg *m)
{
    const ks_pack *p = s->p;
    speaker *sp = &s->sp[m->from];
    int rc;
    s->mfrom[g] = (unsigned char)m->from;
    s->mlen[g] = 0;
    s->base[g] = sp->txt.len;
    if (!p->join[m->from] && !p->som[m->from] &&
        (!p->model || m->from == KS_FROM_SYSTEM))
        return KS_OK;           /* nothing looks at this speaker's words */
    if (ks_grow(&sp->msgs, &sp->cap, sp->n, sizeof *sp->msgs, 64))
        return KS_ENOMEM;
    sp->msgs[sp->n++] = g;
    if (m->text_len &&
        (rc = ks_normalize_append(m->text, m->text_len, &sp->txt)))
        return rc;
    s->mlen[g] = (uint32_t)(sp->txt.len - s->base[g]);
    if (s->mlen[g] && memchr(sp->txt.norm + s->base[g], '\n', s->mlen[g]))
        s->flags[g] |= M_NEWLINE;
    return ks_normalize_append("\n", 1, &sp->txt);
}

/* Normalises and scans every message of the batch; leaves their matches
 * grouped per message in sorted/raw_off/mraw. */
static int scan_batch(ks_scanner *s)
{
    const ks_pack *p = s->p;
    size_t n = s->moff[s->nbatch];
    int rc;
    s->nraw = 0;
    s->oom = s->toobig = 0;
    s->lhits.n = 0;
    memset(s->mraw, 0, n * sizeof *s->mraw);
    memset(s->mcount, 0, n * sizeof *s->mcount);
    memset(s->mrx, 0, n * sizeof *s->mrx);
    memset(s->flags, 0, n);
    uint64_t t0 = s->timing ? now_ns() : 0;
    for (int f = 0; f < 3; f++) {   /* the '\n' opening the first message */
        s->sp[f].n = 0;
        s->sp[f].txt.len = 0;
        if ((rc = ks_normalize_append("\n", 1, &s->sp[f].txt)))
            return rc;
    }
    for (size_t k = 0; k < s->nbatch; k++) {
        const ks_conv *c = s->batch[k];
        for (size_t i = 0; i < c->nmsgs; i++)
            if ((rc = add_message(s, s->moff[k] + i, &c->msgs[i])))
                return rc;
    }
    uint64_t t1 = s->timing ? now_ns() : 0;
    if (s->gen > UINT32_MAX - n - 2) {   /* wrapping: forget every stamp */
        memset(s->seen_gen, 0, p->nlits * sizeof *s->seen_gen);
        s->gen = 0;
    }
    s->gen0 = s->gen + 1;
    s->gen += (uint32_t)n;
    hs_error_t e;
    for (int f = 0; f < 3; f++) {
        speaker *sp = &s->sp[f];
        if (!p->join[f] || !sp->n || sp->txt.len == sp->n + 1)
            continue;           /* nothing but the '\n's */
        s->cur_sp = f;
        s->cur = sp->msgs[0];
        if (++s->xscan == 0) {
            memset(s->xstamp, 0, p->nlits * sizeof *s->xstamp);
            s->xscan = 1;
        }
        e = hs_scan(p->join[f], sp->txt.norm, (unsigned)sp->txt.len, 0,
                    s->scratch, on_join, s);
        if ((rc = scan_error(s, e)))
            return rc;
    }
    /* the regexes' spans, where they are needed now: an exception that
     * may overlap a keep_all regex, a message holding '\n' (where
     * multi-line ^ and $ could have matched more than in the message
     * alone, and a negated class given \n less), or a regex join[] could
     * not hold */
    for (size_t i = 0; i < n; i++) {
        int f = s->mfrom[i];
        unsigned fl = s->flags[i];
        if (!s->mlen[i] || !p->som[f])
            continue;
        if (p->som_always[f] ||
            (fl & M_NEWLINE && (fl & M_REGEX || p->neg_class[f])) ||
            (fl & M_KEEPRX && fl & M_EXC)) {
            s->flags[i] |= M_EXACT;
            s->mcount[i] -= s->mrx[i];   /* counted again, one by one */
            s->cur = i;
            e = hs_scan(p->som[f], msg_text(s, i), s->mlen[i], 0, s->scratch,
                        on_som, s);
            if ((rc = scan_error(s, e)))
                return rc;
        } else if (fl & M_REGEX) {
            s->flags[i] |= M_LAZY;
        }
    }
    if (s->timing) {
        uint64_t t2 = now_ns();
        s->t.normalise_ns += t1 - t0;
        s->t.match_ns += t2 - t1;
    }
    /* group the matches per message, keeping their order; a regex's
     * NO_SPAN that its exact scan did not confirm is dropped */
    if (s->nraw > s->capsorted) {
        raw *x = ks_realloc(s->sorted, s->capraw * sizeof *x);
        if (!x)
            return KS_ENOMEM;
        s->sorted = x;
        s->capsorted = s->capraw;
    }
    for (size_t k = 0; k < s->nraw; k++) {
        raw *r = &s->raws[k];
        if (r->to == NO_SPAN && (s->flags[r->msg] & M_EXACT)) {
            s->mraw[r->msg]--;
            r->msg = UINT32_MAX;
        }
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        s->raw_off[i] = off;
        off += s->mraw[i];
    }
    for (size_t k = 0; k < s->nraw; k++)
        if (s->raws[k].msg != UINT32_MAX)
            s->sorted[s->raw_off[s->raws[k].msg]++] = s->raws[k];
    for (size_t i = 0; i < n; i++)
        s->raw_off[i] -= s->mraw[i];
    return KS_OK;
}

/* For exact_hits(): every occurrence of a keep_all regex, the first of
 * any other. */
static int on_lazy(unsigned id, unsigned long long from,
                   unsigned long long to, unsigned flags, void *ctx)
{
    (void)flags;
    ks_scanner *s = ctx;
    const ks_lit *l = &s->p->lits[id];
    if (!l->keep_all && s->seen_gen[id] == s->gen) {
        raw *r = &s->lraws[s->seen_raw[id]];
        if (to < r->to || (to == r->to && from < r->from)) {
            r->from = (uint32_t)from;
            r->to = (uint32_t)to;
        }
        return 0;
    }
    if (ks_grow(&s->lraws, &s->caplraw, s->nlraw, sizeof *s->lraws, 64)) {
        s->oom = 1;
        return 1;
    }
    s->seen_gen[id] = s->gen;
    s->seen_raw[id] = (uint32_t)s->nlraw;
    s->lraws[s->nlraw++] = (raw){id, (uint32_t)s->cur, (uint32_t)from,
                                 (uint32_t)to};
    return 0;
}

/* Message i's hits with every regex span, for evidence: where the joined
 * scan only told which regexes ended in it, scan it for their spans and
 * redo its hits. */
static int exact_hits(ks_scanner *s, size_t i, const ks_hit **hits,
                      size_t *nhits)
{
    const ks_msgview *v = &s->views[i];
    size_t g = s->m0 + i;
    *hits = v->hits;
    *nhits = v->nhits;
    if (!(s->flags[g] & M_LAZY))
        return KS_OK;
    if (!(s->flags[g] & M_DONE)) {
        uint64_t t0 = s->timing ? now_ns() : 0;
        if (s->gen == UINT32_MAX) {
            memset(s->seen_gen, 0, s->p->nlits * sizeof *s->seen_gen);
            s->gen = 0;
        }
        s->gen++;
        s->nlraw = 0;
        s->oom = 0;
        const raw *rs = s->sorted + s->raw_off[g];
        for (size_t k = 0; k < s->mraw[g]; k++) {
            if (rs[k].to == NO_SPAN)
                continue;
            if (ks_grow(&s->lraws, &s->caplraw, s->nlraw, sizeof *s->lraws,
                        64))
                return KS_ENOMEM;
            s->lraws[s->nlraw++] = rs[k];
        }
        s->cur = g;
        hs_error_t e = hs_scan(s->p->som[s->mfrom[g]], msg_text(s, g),
                               s->mlen[g], 0, s->scratch, on_lazy, s);
        int rc = scan_error(s, e);
        if (rc)
            return rc;
        s->lhit_off[g] = s->lhits.n;
        if ((rc = collect_hits(s, g, s->lraws, s->nlraw, &s->lhits, NULL)))
            return rc;
        s->lhit_n[g] = s->lhits.n - s->lhit_off[g];
        s->flags[g] |= M_DONE;
        if (s->timing)
            s->exact_ns += now_ns() - t0;
    }
    *hits = s->lhits.v + s->lhit_off[g];
    *nhits = s->lhit_n[g];
    return KS_OK;
}

/* Reallocates the array *arr (passed as the address of its pointer) to
 * n elements; 0, or -1 with *arr unchanged. */
static int resize(void *arr, size_t n, size_t elem)
{
    void **p = arr;
    void *np = ks_realloc(*p, n * elem);
    if (!np)
        return -1;
    *p = np;
    return 0;
}

/* Room for a conversation of n messages in the per conversation arrays
 * (bitsets cleared). */
static int grow_views(ks_scanner *s, size_t n)
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

/* Room for a batch of n messages in the per message arrays. */
static int grow_per_msg(ks_scanner *s, size_t n)
{
    if (n > s->capmsg) {
        /* Each array keeps its old block until its own resize succeeds,
         * so a failure part-way leaves every pointer valid. */
        if (resize(&s->base, n, sizeof *s->base) ||
            resize(&s->mfrom, n, sizeof *s->mfrom) ||
            resize(&s->mlen, n, sizeof *s->mlen) ||
            resize(&s->mraw, n, sizeof *s->mraw) ||
            resize(&s->mcount, n, sizeof *s->mcount) ||
            resize(&s->mrx, n, sizeof *s->mrx) ||
            resize(&s->raw_off, n, sizeof *s->raw_off) ||
            resize(&s->lhit_off, n, sizeof *s->lhit_off) ||
            resize(&s->lhit_n, n, sizeof *s->lhit_n) ||
            resize(&s->flags, n, sizeof *s->flags))
            return KS_ENOMEM;
        s->capmsg = n;
    }
    return KS_OK;
}

/* Takes convs as the batch and scans it. */
static int scan_convs(ks_scanner *s, const ks_conv *const *convs, size_t n)
{
    if (n + 1 > s->capmoff) {
        if (resize(&s->moff, n + 1, sizeof *s->moff))
            return KS_ENOMEM;
        s->capmoff = n + 1;
    }
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        s->moff[k] = total;
        total += convs[k]->nmsgs;
    }
    s->moff[n] = total;
    s->batch = convs;
    s->nbatch = n;
    int rc = grow_per_msg(s, total ? total : 1);
    return rc ? rc : scan_batch(s);
}

/* Message i's normalised text, for the reply clock. */
static const char *norm_text(void *arg, size_t i, size_t *len)
{
    const ks_scanner *s = arg;
    *len = s->mlen[s->m0 + i];
    return msg_text(s, s->m0 + i);
}

/* Views of conversation k of the scanned batch: each message's hits and
 * list bitset, and its reply delay. */
static int build_views(ks_scanner *s, size_t k)
{
    const ks_conv *c = s->batch[k];
    int rc = grow_views(s, c->nmsgs ? c->nmsgs : 1);
    if (rc)
        return rc;
    s->c = c;
    s->m0 = s->moff[k];
    s->hits.n = 0;
    uint64_t t0 = s->timing ? now_ns() : 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        size_t g = s->m0 + i;
        s->hit_off[i] = s->hits.n;
        if (s->mraw[g] &&
            (rc = collect_hits(s, g, s->sorted + s->raw_off[g], s->mraw[g],
                               &s->hits, s->bits + i * s->p->bitwords)))
            return rc;
    }
    s->hit_off[c->nmsgs] = s->hits.n;
    for (size_t i = 0; i < c->nmsgs; i++) {
        s->views[i].m = &c->msgs[i];
        s->views[i].bits = s->bits + i * s->p->bitwords;
        s->views[i].hits = s->hits.v ? s->hits.v + s->hit_off[i] : NULL;
        s->views[i].nhits = s->hit_off[i + 1] - s->hit_off[i];
    }
    ks_reply_delays(s->p, c, s->views, norm_text, s);
    size_t nw = s->p->bitwords;
    memset(s->any, 0, nw * sizeof *s->any);
    for (size_t i = 0; i < c->nmsgs; i++)
        for (size_t w = 0; w < nw; w++)
            s->any[w] |= s->bits[i * nw + w];
    if (s->timing)
        s->t.hits_ns += now_ns() - t0;
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
    int rc;             /* the first error */
} emit_ctx;

/* Evidence span: the step's leftmost hit of a list it asked for, else the
 * whole message. */
static void evidence_span(const ks_step *st, const ks_msg *m,
                          const ks_hit *hits, size_t nhits, uint32_t *start,
                          uint32_t *end)
{
    for (size_t i = 0; i < nhits; i++) {
        uint32_t l = hits[i].list;
        if ((st->pred.has && KS_BIT_GET(st->pred.has, l)) ||
            (st->pred.has_all && KS_BIT_GET(st->pred.has_all, l))) {
            if (*end == 0 || hits[i].start < *start ||
                (hits[i].start == *start && hits[i].end > *end)) {
                *start = hits[i].start;
                *end = hits[i].end;
            }
        }
    }
    if (*end == 0) {
        *start = 0;
        *end = (uint32_t)ks_utf8_count(m->text, m->text_len);
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
    const ks_hit *hits;
    size_t nhits;
    int rc = exact_hits(e->s, msg, &hits, &nhits);
    if (!rc && ks_grow(&r->findings, &r->cap, r->nfindings,
                       sizeof *r->findings, 8))
        rc = KS_ENOMEM;
    if (rc) {
        if (!e->rc)
            e->rc = rc;
        return;
    }
    ks_finding *f = &r->findings[r->nfindings++];
    f->code = (ks_incident)rule->out_code;
    f->rule = rule->name;
    f->advice = rule->advice;
    f->msg = msg;
    f->start = f->end = 0;
    f->score = 0;
    evidence_span(&rule->steps[step], e->s->views[msg].m, hits, nhits,
                  &f->start, &f->end);
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

/* Message i's normalised text and map, for the model. */
static const char *model_text(void *arg, size_t i, size_t *len,
                              const uint32_t **map)
{
    const ks_scanner *s = arg;
    size_t g = s->m0 + i;
    *len = s->mlen[g];
    if (map)
        *map = s->sp[s->mfrom[g]].txt.map + s->base[g];
    return msg_text(s, g);
}

static int has_code(const ks_result *r, int code)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if ((int)r->findings[i].code == code)
            return 1;
    return 0;
}

/* Moves the rules' findings of code to r->withheld. */
static int withhold(ks_result *r, int code, double score)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        ks_finding f = r->findings[i];
        if ((int)f.code != code) {
            r->findings[k++] = f;
            continue;
        }
        if (ks_grow(&r->withheld, &r->capwithheld, r->nwithheld,
                    sizeof *r->withheld, 4))
            return KS_ENOMEM;
        f.score = score;
        r->withheld[r->nwithheld++] = f;
    }
    r->nfindings = k;
    return KS_OK;
}

/* Appends the model's finding or suspicion of slot k to v, with the agent
 * phrase that weighs most as its evidence; none when no agent words
 * weigh for it, for there would be nothing to coach from. */
static int model_finding(ks_scanner *s, int k, double score, ks_finding **v,
                         size_t *n, size_t *cap)
{
    const ks_model *m = s->p->model;
    if (ks_grow(v, cap, *n, sizeof **v, 4))
        return KS_ENOMEM;
    ks_finding *f = &(*v)[*n];
    ks_model_evidence(m, m->code[k], s->c, model_text, s, &f->msg,
                      &f->start, &f->end);
    if (f->msg == s->c->nmsgs)
        return KS_OK;
    f->code = (ks_incident)m->code[k];
    f->rule = m->rule[k];
    f->advice = ks_pack_advice(s->p, NULL, m->code[k]);
    f->score = score;
    ++*n;
    return KS_OK;
}

/* The model's verdict beside the rules' (include/kesu/model.h): per code,
 * withhold what the rules found when it scores below withhold; else
 * find, or suspect, what they did not when it scores at or past promote,
 * or past the threshold. Scores are reported less the threshold. */
static int model_verdicts(ks_scanner *s, ks_result *r)
{
    const ks_model *m = s->p->model;
    double score[KS_INC_COUNT];
    int rc = ks_model_raw(m, &s->model, s->c, model_text, s, score);
    for (int k = 0; !rc && k < m->ncodes; k++) {
        double x = score[k], rel = x - m->thr[k];
        if (has_code(r, m->code[k]))
            rc = x < m->withhold[k] ? withhold(r, m->code[k], rel) : KS_OK;
        else if (x >= m->promote[k])
            rc = model_finding(s, k, rel, &r->findings, &r->nfindings,
                               &r->cap);
        else if (x > m->thr[k])
            rc = model_finding(s, k, rel, &r->suspects, &r->nsuspects,
                               &r->capsuspects);
    }
    return rc;
}

/* Judges conversation k of the scanned batch. */
static int judge(ks_scanner *s, size_t k, ks_result *r)
{
    r->risk = KS_RISK_normal;
    r->causes = 0;
    r->nfindings = 0;
    r->nsuspects = 0;
    r->nwithheld = 0;
    int rc = build_views(s, k);
    if (rc)
        return rc;
    uint64_t t0 = s->timing ? now_ns() : 0;
    s->exact_ns = 0;
    emit_ctx e = {s, r, 0};
    for (size_t i = 0; i < s->p->nrules; i++)
        if (may_fire(s, &s->p->rules[i]))
            ks_rule_eval(s->p, &s->p->rules[i], s->c, s->views, emit, &e);
    if (e.rc)
        return e.rc;
    if (s->p->model && !s->no_model && (rc = model_verdicts(s, r)))
        return rc;
    if (r->nfindings > 1)
        qsort(r->findings, r->nfindings, sizeof *r->findings, cmp_finding);
    if (r->nsuspects > 1)
        qsort(r->suspects, r->nsuspects, sizeof *r->suspects, cmp_finding);
    if (r->nwithheld > 1)
        qsort(r->withheld, r->nwithheld, sizeof *r->withheld, cmp_finding);
    if (s->timing) {   /* exact_hits() scanned: that is matching */
        s->t.rules_ns += now_ns() - t0 - s->exact_ns;
        s->t.match_ns += s->exact_ns;
    }
    return KS_OK;
}

int ks_qa(ks_scanner *s, const ks_conv *c, ks_result *r)
{
    int rc = scan_convs(s, &c, 1);
    return rc ? rc : judge(s, 0, r);
}

int ks_qa_many(ks_scanner *s, const ks_conv *const *convs, size_t n,
               ks_result *res, int *rcs)
{
    /* an error of the batch scan (a message too big, no memory) belongs
     * to one conversation: then each is judged alone, to find which */
    if (n > 1 && scan_convs(s, convs, n) == KS_OK) {
        for (size_t k = 0; k < n; k++)
            rcs[k] = judge(s, k, &res[k]);
        return KS_OK;
    }
    for (size_t k = 0; k < n; k++)
        rcs[k] = ks_qa(s, convs[k], &res[k]);
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
    int rc = scan_convs(s, &c, 1);
    if (rc || (rc = build_views(s, 0)))
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
    ks_free(r->suspects);
    ks_free(r->withheld);
    memset(r, 0, sizeof *r);
}
