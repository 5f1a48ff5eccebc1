/*
 * Evaluating one rule over one conversation.
 *
 * A rule is a sequence of steps. The first step anchors: every message
 * that satisfies it is tried in turn. Each later positive step takes the
 * earliest message, after (or before, with dir: before) the previous
 * step's message and inside its window, that satisfies its predicate. An
 * absent step followed by a positive step forbids a satisfying message in
 * the gap between its neighbours; an absent step at the end forbids one in
 * its own window. Greedy earliest choice is exact for these semantics: a
 * later candidate only widens the gap an absent step must keep clean.
 */
#include "pack_int.h"

#include <string.h>

/* A step without `within` still looks at most this many messages away:
 * it keeps evaluation linear in the conversation's length (every anchor
 * would otherwise scan to the end) and no real chat needs more. */
#define KS_MAX_STEP_TURNS 500

static int pred_ok(const ks_pack *p, const ks_pred *pr, const ks_msgview *v)
{
    const ks_msg *m = v->m;
    if (pr->by != KS_BY_ANY && (int)m->from != pr->by)
        return 0;
    if (pr->event != KS_EV_NONE && (int)m->event != pr->event)
        return 0;
    if (pr->reply_delay_over_ms >= 0 &&
        (v->reply_delay_ms <= pr->reply_delay_over_ms ||
         (v->reply_due != KS_TIME_NONE && m->at <= v->reply_due)))
        return 0;
    size_t w, nw = p->bitwords;
    if (pr->has) {
        uint64_t any = 0;
        for (w = 0; w < nw; w++)
            any |= v->bits[w] & pr->has[w];
        if (!any)
            return 0;
    }
    if (pr->has_all)
        for (w = 0; w < nw; w++)
            if ((v->bits[w] & pr->has_all[w]) != pr->has_all[w])
                return 0;
    if (pr->lacks)
        for (w = 0; w < nw; w++)
            if (v->bits[w] & pr->lacks[w])
                return 0;
    return 1;
}

static int64_t absdiff(int64_t a, int64_t b) { return a > b ? a - b : b - a; }

/* Is message j inside step st's window measured from message prev? */
static int in_window(const ks_step *st, const ks_conv *c, size_t prev,
                     size_t j)
{
    size_t turns = j > prev ? j - prev : prev - j;
    if (turns > KS_MAX_STEP_TURNS ||
        (st->within_turns >= 0 && turns > (size_t)st->within_turns))
        return 0;
    if (st->within_ms >= 0) {
        int64_t a = c->msgs[prev].at, b = c->msgs[j].at;
        if (a != KS_TIME_NONE && b != KS_TIME_NONE &&
            absdiff(a, b) > st->within_ms)
            return 0;
    }
    return 1;
}

/* Next index from i in direction dir, or SIZE_MAX at the edge. */
static size_t step_to(size_t i, int dir, size_t n)
{
    if (dir == KS_DIR_BEFORE)
        return i == 0 ? SIZE_MAX : i - 1;
    return i + 1 < n ? i + 1 : SIZE_MAX;
}

/* Does any message strictly between prev and j (walking in dir) inside
 * st's own window satisfy the absent step st? j == SIZE_MAX: to the edge. */
static int gap_dirty(const ks_pack *p, const ks_step *st, const ks_conv *c,
                     const ks_msgview *mv, size_t prev, size_t j)
{
    for (size_t i = step_to(prev, st->dir, c->nmsgs); i != SIZE_MAX && i != j;
         i = step_to(i, st->dir, c->nmsgs)) {
        if (!in_window(st, c, prev, i))
            break;
        if (pred_ok(p, &st->pred, &mv[i]))
            return 1;
    }
    return 0;
}

/* Finds the message for positive step k after prev, honouring the absent
 * steps [first_absent, k). Returns SIZE_MAX when there is none. */
static size_t find_step(const ks_pack *p, const ks_rule *r, size_t k,
                        size_t first_absent, const ks_conv *c,
                        const ks_msgview *mv, size_t prev)
{
    const ks_step *st = &r->steps[k];
    for (size_t j = step_to(prev, st->dir, c->nmsgs); j != SIZE_MAX;
         j = step_to(j, st->dir, c->nmsgs)) {
        if (!in_window(st, c, prev, j))
            return SIZE_MAX;
        int mine = st->next && (int)mv[j].m->from == st->pred.by;
        if (pred_ok(p, &st->pred, &mv[j])) {
            for (size_t q = first_absent; q < k; q++)
                if (gap_dirty(p, &r->steps[q], c, mv, prev, j))
                    return SIZE_MAX;
            return j;
        }
        if (mine)
            return SIZE_MAX;
    }
    return SIZE_MAX;
}

static int match_from(const ks_pack *p, const ks_rule *r, const ks_conv *c,
                      const ks_msgview *mv, size_t anchor, size_t *pos)
{
    size_t prev = anchor, first_absent = SIZE_MAX;
    pos[0] = anchor;
    for (size_t k = 1; k < r->nsteps; k++) {
        const ks_step *st = &r->steps[k];
        if (st->absent) {
            if (first_absent == SIZE_MAX)
                first_absent = k;
            pos[k] = SIZE_MAX;
            continue;
        }
        size_t j = find_step(p, r, k, first_absent == SIZE_MAX ? k
                                                               : first_absent,
                             c, mv, prev);
        if (j == SIZE_MAX)
            return 0;
        pos[k] = prev = j;
        first_absent = SIZE_MAX;
    }
    for (size_t q = first_absent; q < r->nsteps; q++)
        if (gap_dirty(p, &r->steps[q], c, mv, prev, SIZE_MAX))
            return 0;
    return 1;
}

static size_t evidence_step(const ks_rule *r)
{
    for (size_t k = 0; k < r->nsteps; k++)
        if (r->steps[k].evidence)
            return k;
    for (size_t k = 0; k < r->nsteps; k++)
        if (!r->steps[k].absent && r->steps[k].pred.by == KS_FROM_AGENT)
            return k;
    return 0;
}

static int exempt(const ks_rule *r, const ks_conv *c)
{
    if (!c->has_order || !c->order.category)
        return 0;
    for (size_t i = 0; i < r->nunless; i++)
        if (strcmp(r->unless_category[i], c->order.category) == 0)
            return 1;
    return 0;
}

size_t ks_rule_eval(const ks_pack *p, const ks_rule *r, const ks_conv *c,
                    const ks_msgview *mv,
                    void (*emit)(void *arg, const ks_rule *r, size_t step,
                                 size_t msg),
                    void *arg)
{
    size_t pos[8], fired = 0, ev = evidence_step(r);
    if (exempt(r, c))
        return 0;
    for (size_t a = 0; a < c->nmsgs; a++) {
        if (!pred_ok(p, &r->steps[0].pred, &mv[a]))
            continue;
        if (match_from(p, r, c, mv, a, pos)) {
            emit(arg, r, ev, pos[ev]);
            fired++;
        }
    }
    return fired;
}
