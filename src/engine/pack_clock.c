/*
 * The reply clock: `- reply_clock:` in a rule pack (rules/README.md), and
 * the reply delay of every agent message that `reply_delay_over` judges.
 *
 * SPEC 2.4 judges slow_response against the shop's policy, not a stop
 * watch: a customer's bare "好的" needs no answer, an agent who said "10
 * 分钟内给您答复" is due in ten minutes, and a message left while the shop
 * is closed waits for the opening. The words are the pack's lists; this
 * file only keeps the time.
 */
#include "pack_load_int.h"
#include "kesu/alloc.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL
/* A message longer than this is never a bare acknowledgement. */
#define ACK_MAX_BYTES 96

static const char *const entry_keys[] = {"reply_clock", "desc", NULL};
static const char *const clock_keys[] = {"acks", "promises", "business_hours",
                                         NULL};
static const char *const promise_keys[] = {"list", "seconds", "until", NULL};
static const char *const hours_keys[] = {"start", "end", "timezone", NULL};

static int find_list(ks_loader *L, ks_ydoc *doc, yaml_node_t *n, int *id)
{
    const char *name = ks_yscalar(n);
    *id = name ? ks_ld_find_list(L, name) : -1;
    if (*id < 0)
        return ks_ld_error(L, doc, n, "unknown list \"%s\"",
                           name ? name : "(not a string)");
    L->p->lists[*id].used = 1;
    return KS_OK;
}

static int parse_acks(ks_loader *L, ks_ydoc *doc, yaml_node_t *n)
{
    ks_reply_clock *k = &L->p->clock;
    if (!(k->acks = ks_calloc(L->p->bitwords, sizeof *k->acks)))
        return KS_ENOMEM;
    if (n->type == YAML_SCALAR_NODE) {
        int id;
        int rc = find_list(L, doc, n, &id);
        if (!rc)
            KS_BIT_SET(k->acks, (size_t)id);
        return rc;
    }
    if (n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.start == n->data.sequence.items.top)
        return ks_ld_error(L, doc, n, "acks: expects a list name or a list "
                                      "of list names%s", NULL);
    int rc = KS_OK;
    for (yaml_node_item_t *it = n->data.sequence.items.start;
         it < n->data.sequence.items.top; it++) {
        int id;
        if (find_list(L, doc, ks_ynode(doc, *it), &id))
            rc = KS_ERULES;
        else
            KS_BIT_SET(k->acks, (size_t)id);
    }
    return rc;
}

static int parse_promise(ks_loader *L, ks_ydoc *doc, yaml_node_t *n,
                         ks_promise *pr)
{
    if (n->type != YAML_MAPPING_NODE)
        return ks_ld_error(L, doc, n, "a promise is {list: NAME, seconds: S} "
                                      "or {list: NAME, until: close}%s", NULL);
    int rc = ks_ycheck_keys(doc, n, promise_keys, "a promise", L->d)
                 ? KS_ERULES : KS_OK;
    yaml_node_t *ln = ks_yget(doc, n, "list");
    yaml_node_t *sn = ks_yget(doc, n, "seconds"), *un = ks_yget(doc, n, "until");
    int id;
    if (!ln)
        return ks_ld_error(L, doc, n, "a promise needs list:%s", NULL);
    if (find_list(L, doc, ln, &id))
        rc = KS_ERULES;
    pr->list = (uint32_t)(id < 0 ? 0 : id);
    if (!!sn + !!un != 1)
        return ks_ld_error(L, doc, n, "a promise needs exactly one of "
                                      "seconds: or until:%s", NULL);
    long s;
    if (sn && (ks_yuint(sn, &s) || s == 0))
        return ks_ld_error(L, doc, sn, "seconds: expects a positive whole "
                                       "number%s", NULL);
    if (sn)
        pr->ms = (int64_t)s * 1000;
    const char *u = un ? ks_yscalar(un) : NULL;
    if (un && (!u || strcmp(u, "close") != 0))
        return ks_ld_error(L, doc, un, "until: expects close (the end of "
                                       "business hours), not \"%s\"",
                           u ? u : "");
    pr->until_close = un != NULL;
    return rc;
}

static int parse_promises(ks_loader *L, ks_ydoc *doc, yaml_node_t *n)
{
    ks_reply_clock *k = &L->p->clock;
    if (n->type != YAML_SEQUENCE_NODE)
        return ks_ld_error(L, doc, n, "promises: expects a list of "
                                      "{list:, seconds: | until:}%s", NULL);
    size_t cnt = (size_t)(n->data.sequence.items.top -
                          n->data.sequence.items.start);
    if (!(k->promises = ks_calloc(cnt ? cnt : 1, sizeof *k->promises)))
        return KS_ENOMEM;
    int rc = KS_OK;
    for (size_t i = 0; i < cnt; i++)
        if (parse_promise(L, doc,
                          ks_ynode(doc, n->data.sequence.items.start[i]),
                          &k->promises[k->npromises++]))
            rc = KS_ERULES;
    return rc;
}

/* "HH:MM" (00:00 to 24:00) into minutes; -1 when malformed. */
static int parse_hhmm(const char *s)
{
    int h, m;
    char tail;
    if (!s || strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 ||
        h < 0 || m < 0 || m > 59 || h * 60 + m > 24 * 60)
        return -1;
    return h * 60 + m;
}

static int parse_hours(ks_loader *L, ks_ydoc *doc, yaml_node_t *n)
{
    ks_reply_clock *k = &L->p->clock;
    if (n->type != YAML_MAPPING_NODE)
        return ks_ld_error(L, doc, n, "business_hours: expects {start: "
                                      "\"HH:MM\", end: \"HH:MM\", timezone: "
                                      "\"+HH:MM\"}%s", NULL);
    if (ks_ycheck_keys(doc, n, hours_keys, "business_hours", L->d))
        return KS_ERULES;
    const char *names[] = {"start", "end", "timezone"};
    int v[3];
    for (int i = 0; i < 3; i++) {
        yaml_node_t *e = ks_yget(doc, n, names[i]);
        const char *s = e ? ks_yscalar(e) : NULL;
        if (!e)
            return ks_ld_error(L, doc, n, "business_hours needs %s:",
                               names[i]);
        int sign = i == 2 && s && (*s == '+' || *s == '-')
                       ? (*s++ == '-' ? -1 : 1) : 0;
        v[i] = parse_hhmm(s);
        if (v[i] < 0 || (i == 2 && (!sign || v[i] > 14 * 60)))
            return ks_ld_error(L, doc, e, i == 2 ? "timezone: expects "
                                                   "\"+HH:MM\" or \"-HH:MM\", "
                                                   "not \"%s\""
                                                 : "expects \"HH:MM\", not "
                                                   "\"%s\"",
                               ks_yscalar(e) ? ks_yscalar(e) : "");
        if (i == 2)
            v[i] *= sign;
    }
    if (v[0] >= v[1])
        return ks_ld_error(L, doc, ks_yget(doc, n, "end"), "end: must be "
                                                           "after start%s",
                           NULL);
    k->hours = 1;
    k->open_min = v[0];
    k->close_min = v[1];
    k->tz_min = v[2];
    return KS_OK;
}

int ks_ld_reply_clock(ks_loader *L, size_t di, yaml_node_t *item)
{
    ks_ydoc *doc = &L->docs[di];
    ks_reply_clock *k = &L->p->clock;
    yaml_node_t *n = ks_yget(doc, item, "reply_clock");
    int rc = ks_ycheck_keys(doc, item, entry_keys, "a reply_clock", L->d)
                 ? KS_ERULES : KS_OK;
    if (k->set)
        return ks_ld_error(L, doc, n, "a pack has one reply_clock; this is "
                                      "a second one%s", NULL);
    k->set = 1;
    if (n->type != YAML_MAPPING_NODE)
        return ks_ld_error(L, doc, n, "reply_clock: expects a mapping with "
                                      "acks:, promises:, business_hours:%s",
                           NULL);
    if (ks_ycheck_keys(doc, n, clock_keys, "reply_clock", L->d))
        rc = KS_ERULES;
    int (*parse[3])(ks_loader *, ks_ydoc *, yaml_node_t *) = {
        parse_acks, parse_promises, parse_hours};
    for (int i = 0; i < 3; i++) {
        yaml_node_t *v = ks_yget(doc, n, clock_keys[i]);
        int r = v ? parse[i](L, doc, v) : KS_OK;
        if (r == KS_ENOMEM)
            return r;
        if (r)
            rc = KS_ERULES;
    }
    for (size_t i = 0; rc == KS_OK && i < k->npromises; i++)
        if (k->promises[i].until_close && !k->hours)
            rc = ks_ld_error(L, doc, n, "a promise until: close needs "
                                        "business_hours:%s", NULL);
    return rc;
}

static unsigned first_byte(const ks_pack *p, uint32_t lit)
{
    return p->lits[lit].len ? (unsigned char)p->lits[lit].text[0] : 0;
}

/* Does ack word x sort before word y? */
static int ack_before(const ks_pack *p, uint32_t x, uint32_t y)
{
    unsigned fx = first_byte(p, x), fy = first_byte(p, y);
    return fx != fy ? fx < fy : p->lits[x].len > p->lits[y].len;
}

int ks_clock_finish(ks_pack *p)
{
    ks_reply_clock *k = &p->clock;
    if (!k->acks)
        return KS_OK;
    k->ack_lits = ks_calloc(p->nlits ? p->nlits : 1, sizeof *k->ack_lits);
    if (!k->ack_lits)
        return KS_ENOMEM;
    for (size_t i = 0; i < p->nlits; i++) {
        const ks_lit *l = &p->lits[i];
        for (size_t t = 0; !l->is_regex && t < l->ntargets; t++)
            if (!(l->targets[t] & 1u) &&
                KS_BIT_GET(k->acks, l->targets[t] >> 1)) {
                k->ack_lits[k->nack_lits++] = (uint32_t)i;
                break;
            }
    }
    /* by first byte, so bare_ack() tries only words that can start at a
     * position; longest first, as it takes the first word that fits */
    for (size_t a = 1; a < k->nack_lits; a++) {
        uint32_t x = k->ack_lits[a];
        size_t b = a;
        for (; b > 0 && ack_before(p, x, k->ack_lits[b - 1]); b--)
            k->ack_lits[b] = k->ack_lits[b - 1];
        k->ack_lits[b] = x;
    }
    size_t a = 0;
    for (unsigned c = 0; c < 256; c++) {
        k->ack_first[c] = (uint32_t)a;
        while (a < k->nack_lits && first_byte(p, k->ack_lits[a]) == c)
            a++;
    }
    k->ack_first[256] = (uint32_t)a;
    return KS_OK;
}

void ks_clock_free(ks_reply_clock *k)
{
    ks_free(k->acks);
    ks_free(k->ack_lits);
    ks_free(k->promises);
    memset(k, 0, sizeof *k);
}

/* --- judging a conversation ---------------------------------------------- */

/* Bytes of a separator at s (punctuation, spaces, symbols, emoji), or 0. */
static size_t sep_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9') ||
                 (s[0] >= 'A' && s[0] <= 'Z'));
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (len > n)
        return 0;
    uint32_t c = len == 2 ? (s[0] & 0x1Fu) : len == 3 ? (s[0] & 0x0Fu)
                                                      : (s[0] & 0x07u);
    for (size_t i = 1; i < len; i++)
        c = c << 6 | (s[i] & 0x3Fu);
    int punct = (c >= 0x2000 && c <= 0x206F) || (c >= 0x2190 && c <= 0x27BF) ||
                (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) ||
                (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
                (c >= 0xFF5B && c <= 0xFF65) || (c >= 0x1F000 && c <= 0x1FAFF);
    return punct ? len : 0;
}

/* Is the normalised text of message v nothing but acknowledgement words?
 * Only when the matcher found an ack list in it (so an exception of that
 * list also keeps a message from being an ack), which spares most
 * messages the word-by-word walk. */
static int bare_ack(const ks_pack *p, const ks_msgview *v, const char *text,
                    size_t len)
{
    const ks_reply_clock *k = &p->clock;
    if (!k->nack_lits || len == 0 || len > ACK_MAX_BYTES)
        return 0;
    size_t b = 0;
    while (b < p->bitwords && !(v->bits[b] & k->acks[b]))
        b++;
    if (b == p->bitwords)
        return 0;
    const unsigned char *t = (const unsigned char *)text;
    int words = 0;
    for (size_t i = 0; i < len;) {
        size_t s = sep_len(t + i, len - i);
        if (s) {
            i += s;
            continue;
        }
        size_t best = 0;   /* the longest word here (they come longest first) */
        for (size_t w = k->ack_first[t[i]]; w < k->ack_first[t[i] + 1] && !best;
             w++) {
            const ks_lit *l = &p->lits[k->ack_lits[w]];
            if (l->len <= len - i && memcmp(t + i, l->text, l->len) == 0)
                best = l->len;
        }
        if (!best)
            return 0;
        i += best;
        words++;
    }
    return words > 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Start (UTC ms) of the local day holding t. */
static int64_t day_start(const ks_reply_clock *k, int64_t t)
{
    int64_t tz = (int64_t)k->tz_min * 60000;
    return floor_div(t + tz, DAY_MS) * DAY_MS - tz;
}

static int64_t open_of(const ks_reply_clock *k, int64_t day)
{
    return day + (int64_t)k->open_min * 60000;
}

static int64_t close_of(const ks_reply_clock *k, int64_t day)
{
    return day + (int64_t)k->close_min * 60000;
}

static int in_hours(const ks_reply_clock *k, int64_t t)
{
    int64_t d = day_start(k, t);
    return t >= open_of(k, d) && t < close_of(k, d);
}

/* Business time in [a, b). Past a year the wait is long whatever it is. */
static int64_t business_ms(const ks_reply_clock *k, int64_t a, int64_t b)
{
    int64_t sum = 0;
    int64_t d = day_start(k, a);
    for (int n = 0; d < b && n < 366; n++, d += DAY_MS) {
        int64_t lo = open_of(k, d) > a ? open_of(k, d) : a;
        int64_t hi = close_of(k, d) < b ? close_of(k, d) : b;
        if (hi > lo)
            sum += hi - lo;
    }
    return d < b ? b - a : sum;
}

/* The delay of a reply at r to a wait that began at w, or -1 when the
 * policy does not measure it: a message left while the shop is closed
 * waits for the opening, unless an agent answered before it (someone was
 * on duty, so the wall clock counts). */
static int64_t delay_ms(const ks_reply_clock *k, int64_t w, int64_t r)
{
    if (!k->hours)
        return r - w;
    if (in_hours(k, w))
        return business_ms(k, w, r);
    int64_t d = day_start(k, w);
    int64_t next_open = w < open_of(k, d) ? open_of(k, d)
                                          : open_of(k, d + DAY_MS);
    return r < next_open ? r - w : -1;
}

/* When the follow-up that agent message v promises is due, or NONE. */
static int64_t promised(const ks_pack *p, const ks_msgview *v)
{
    const ks_reply_clock *k = &p->clock;
    int64_t due = KS_TIME_NONE, at = v->m->at;
    for (size_t i = 0; i < k->npromises; i++) {
        const ks_promise *pr = &k->promises[i];
        if (!KS_BIT_GET(v->bits, pr->list))
            continue;
        int64_t t = at + pr->ms;
        if (pr->until_close) {   /* after the close: by the end of the day */
            int64_t d = day_start(k, at);
            t = at < close_of(k, d) ? close_of(k, d) : d + DAY_MS;
        }
        if (due == KS_TIME_NONE || t > due)
            due = t;
    }
    return due;
}

/* The wait an agent message ends starts at the earliest customer message
 * since the last agent message that is more than a bare acknowledgement,
 * or at the agent's own promise of a follow-up (due when promised). A
 * customer who writes while a promise runs waits for the later of the
 * promise and the usual delay; one who writes after it broke starts a new
 * wait (the broken promise is unkept_promise's business). */
void ks_reply_delays(const ks_pack *p, const ks_conv *c, ks_msgview *v,
                     const char *(*norm)(void *arg, size_t i, size_t *len),
                     void *arg)
{
    const ks_reply_clock *k = &p->clock;
    int64_t wait = KS_TIME_NONE, due = KS_TIME_NONE;
    int by_promise = 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const ks_msg *m = &c->msgs[i];
        v[i].reply_delay_ms = -1;
        v[i].reply_due = KS_TIME_NONE;
        if (m->at == KS_TIME_NONE) {   /* no clock: the wait is unknown */
            if (m->from == KS_FROM_AGENT)
                wait = due = KS_TIME_NONE;
            continue;
        }
        if (m->from == KS_FROM_CUSTOMER) {
            size_t len = 0;
            const char *t = k->nack_lits ? norm(arg, i, &len) : NULL;
            if (t && bare_ack(p, &v[i], t, len))
                continue;
            if (wait == KS_TIME_NONE || (due != KS_TIME_NONE && m->at > due)) {
                wait = m->at;
                due = KS_TIME_NONE;
            } else if (by_promise) {
                wait = m->at;
            }
            by_promise = 0;
        } else if (m->from == KS_FROM_AGENT) {
            if (wait != KS_TIME_NONE && m->at >= wait) {
                v[i].reply_delay_ms = delay_ms(k, wait, m->at);
                v[i].reply_due = due;
            }
            int64_t next = promised(p, &v[i]);
            if (next == KS_TIME_NONE) {
                wait = due = KS_TIME_NONE;
                by_promise = 0;
                continue;
            }
            if (due != KS_TIME_NONE && due > m->at && due > next)
                next = due;    /* "好的,稍等" keeps a longer promise */
            if (!by_promise)
                wait = m->at;
            due = next;
            by_promise = 1;
        }
    }
}
