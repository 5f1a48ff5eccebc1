/*
 * The shop policy (include/kesu/policy.h): YAML -> ks_policy, lookups and
 * ownership. The file format is documented in rules/desk/POLICY.md and at
 * the top of rules/desk/policy.yaml.
 *
 * Invariants of a parsed policy: holidays and makeup_days are sorted
 * without duplicates and never share a day; the workweek has a working
 * day and work_start_min < work_end_min; the windows and carriers tables
 * each hold a "*" entry; deadline names are unique and each rule carries
 * exactly the figure its clock uses; every string is owned by the policy.
 *
 * Parsing reports every problem (with "file:line:col") and goes on, so a
 * lead sees all mistakes at once; a policy with any error is discarded.
 * An overlay (base != NULL) starts from a deep copy of base: entries of
 * deadlines, windows and carriers merge by name, field by field; the
 * plain lists (workweek, holidays, makeup_days, perishable, ladder) are
 * replaced whole.
 */
#include "kesu/policy.h"
#include "kesu/alloc.h"
#include "../engine/yaml_util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DURATION_MS (366LL * 86400000LL)
#define MAX_WORKDAYS 365
#define MAX_WINDOW_DAYS 3650
#define MAX_TRANSIT_DAYS 365
#define MAX_LIST_DAYS 5000     /* holidays or make-up days in one file */
#define MAX_LADDER 10

/* ---- lookups ------------------------------------------------------------ */

const ks_deadline_rule *ks_policy_deadline(const ks_policy *p,
                                           const char *name)
{
    if (!p || !name)
        return NULL;
    for (size_t i = 0; i < p->ndeadlines; i++)
        if (strcmp(p->deadlines[i].name, name) == 0)
            return &p->deadlines[i];
    return NULL;
}

/* Categories and carriers are codes ("food", "zto") that arrive in any
 * case from order exports, hence the ASCII case-insensitive match. */
static const ks_window *find_window(const ks_policy *p, const char *category)
{
    for (size_t i = 0; i < p->nwindows; i++)
        if (strcasecmp(p->windows[i].category, category) == 0)
            return &p->windows[i];
    return NULL;
}

const ks_window *ks_policy_window(const ks_policy *p, const char *category)
{
    if (!p)
        return NULL;
    const ks_window *w = category ? find_window(p, category) : NULL;
    return w ? w : find_window(p, "*");
}

static ks_carrier_norm *find_carrier(const ks_policy *p, const char *carrier)
{
    for (size_t i = 0; i < p->ncarriers; i++)
        if (strcasecmp(p->carriers[i].carrier, carrier) == 0)
            return &p->carriers[i];
    return NULL;
}

/* -1 when neither the carrier nor "*" is known (a hand-built policy). */
int ks_policy_transit_days(const ks_policy *p, const char *carrier)
{
    if (!p)
        return -1;
    const ks_carrier_norm *c = carrier ? find_carrier(p, carrier) : NULL;
    if (!c)
        c = find_carrier(p, "*");
    return c ? c->transit_days : -1;
}

int ks_policy_is_perishable(const ks_policy *p, const char *category)
{
    if (!p || !category)
        return 0;
    for (size_t i = 0; i < p->nperishable; i++)
        if (strcasecmp(p->perishable[i], category) == 0)
            return 1;
    return 0;
}

/* ---- ownership ---------------------------------------------------------- */

void ks_policy_free(ks_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndeadlines; i++) {
        ks_free(p->deadlines[i].name);
        ks_free(p->deadlines[i].source);
    }
    for (size_t i = 0; i < p->nwindows; i++) {
        ks_free(p->windows[i].category);
        ks_free(p->windows[i].source);
    }
    for (size_t i = 0; i < p->ncarriers; i++)
        ks_free(p->carriers[i].carrier);
    for (size_t i = 0; i < p->nperishable; i++)
        ks_free(p->perishable[i]);
    ks_free(p->deadlines);
    ks_free(p->windows);
    ks_free(p->carriers);
    ks_free(p->perishable);
    ks_free(p->holidays);
    ks_free(p->makeup_days);
    ks_free(p->ladder);
    ks_free(p);
}

/* Copies n elements of POD; *dst stays NULL for n == 0. */
static int dup_array(void *dst, const void *src, size_t n, size_t elem)
{
    void **d = dst;
    *d = NULL;
    if (!n)
        return KS_OK;
    *d = ks_malloc(n * elem);
    if (!*d)
        return KS_ENOMEM;
    memcpy(*d, src, n * elem);
    return KS_OK;
}

/* Each count below is raised only once its element is freeable, so
 * ks_policy_free can clean up a copy that ran out of memory half-way. */
static int clone_tables(ks_policy *q, const ks_policy *b)
{
    for (size_t i = 0; i < b->ndeadlines; i++) {
        ks_deadline_rule *r = &q->deadlines[i];
        *r = b->deadlines[i];
        r->name = ks_strdup(b->deadlines[i].name);
        r->source = b->deadlines[i].source ? ks_strdup(r->source) : NULL;
        q->ndeadlines = i + 1;
        if (!r->name || (b->deadlines[i].source && !r->source))
            return KS_ENOMEM;
    }
    for (size_t i = 0; i < b->nwindows; i++) {
        ks_window *w = &q->windows[i];
        *w = b->windows[i];
        w->category = ks_strdup(b->windows[i].category);
        w->source = b->windows[i].source ? ks_strdup(w->source) : NULL;
        q->nwindows = i + 1;
        if (!w->category || (b->windows[i].source && !w->source))
            return KS_ENOMEM;
    }
    for (size_t i = 0; i < b->ncarriers; i++) {
        q->carriers[i] = b->carriers[i];
        q->carriers[i].carrier = ks_strdup(b->carriers[i].carrier);
        q->ncarriers = i + 1;
        if (!q->carriers[i].carrier)
            return KS_ENOMEM;
    }
    for (size_t i = 0; i < b->nperishable; i++) {
        q->perishable[i] = ks_strdup(b->perishable[i]);
        q->nperishable = i + 1;
        if (!q->perishable[i])
            return KS_ENOMEM;
    }
    return KS_OK;
}

static int clone_policy(const ks_policy *b, ks_policy **out)
{
    ks_policy *q = ks_calloc(1, sizeof *q);
    if (!q)
        return KS_ENOMEM;
    *q = *b;
    q->holidays = q->makeup_days = NULL;
    q->deadlines = NULL;
    q->windows = NULL;
    q->carriers = NULL;
    q->perishable = NULL;
    q->ladder = NULL;
    q->nholidays = q->nmakeup = q->ndeadlines = q->nwindows = 0;
    q->ncarriers = q->nperishable = q->nladder = 0;
    int rc = dup_array(&q->holidays, b->holidays, b->nholidays, 4);
    q->nholidays = q->holidays ? b->nholidays : 0;
    rc |= dup_array(&q->makeup_days, b->makeup_days, b->nmakeup, 4);
    q->nmakeup = q->makeup_days ? b->nmakeup : 0;
    rc |= dup_array(&q->ladder, b->ladder, b->nladder, sizeof(double));
    q->nladder = q->ladder ? b->nladder : 0;
    /* calloc'ed so the tables are freeable before clone_tables fills them */
    q->deadlines = ks_calloc(b->ndeadlines + 1, sizeof *q->deadlines);
    q->windows = ks_calloc(b->nwindows + 1, sizeof *q->windows);
    q->carriers = ks_calloc(b->ncarriers + 1, sizeof *q->carriers);
    q->perishable = ks_calloc(b->nperishable + 1, sizeof *q->perishable);
    if (rc || !q->deadlines || !q->windows || !q->carriers || !q->perishable ||
        clone_tables(q, b)) {
        ks_policy_free(q);
        return KS_ENOMEM;
    }
    *out = q;
    return KS_OK;
}

/* ---- parser state and reporting ----------------------------------------- */

typedef struct parser {
    ks_ydoc *doc;
    ks_diags *d;
    ks_policy *p;
    int overlay;      /* a base was given: sections and fields optional */
    int bad;          /* errors reported so far */
    int oom;          /* an allocation failed: the result is KS_ENOMEM */
} parser;

static void err(parser *P, const yaml_node_t *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void err(parser *P, const yaml_node_t *n, const char *fmt, ...)
{
    char where[512], msg[768];
    if (n)
        ks_ywhere(P->doc, n, where, sizeof where);
    else
        snprintf(where, sizeof where, "%s:1:1", P->doc->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    P->bad++;
    if (P->d && ks_diags_add(P->d, 0, where, "%s", msg))
        P->oom = 1;
}

static yaml_node_t *node(parser *P, int id)
{
    return ks_ynode(P->doc, id);
}

/* The key node of pair p (for locating duplicate keys). */
static const char *key_of(parser *P, const yaml_node_pair_t *pr)
{
    return ks_yscalar(node(P, pr->key));
}

/* Checks that n is a mapping with only known keys, each once. Returns 0
 * when it is a mapping (even with bad keys: those are reported), else -1. */
static int check_map(parser *P, yaml_node_t *n, const char *const *keys,
                     const char *what)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        err(P, n, "%s must be a mapping (key: value lines)", what);
        return -1;
    }
    P->bad += ks_ycheck_keys(P->doc, n, keys, what, P->d);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
         a < n->data.mapping.pairs.top; a++)
        for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++)
            if (key_of(P, a) && key_of(P, b) &&
                strcmp(key_of(P, a), key_of(P, b)) == 0) {
                err(P, node(P, a->key), "key \"%.64s\" appears twice in %s",
                    key_of(P, a), what);
                break;
            }
    return 0;
}

/* A non-empty scalar, or NULL after reporting. */
static const char *scalar(parser *P, yaml_node_t *n, const char *what)
{
    const char *s = ks_yscalar(n);
    if (!s)
        err(P, n, "%s must be a single value, not a list or mapping", what);
    else if (!*s)
        err(P, n, "%s must not be empty", what);
    return s && *s ? s : NULL;
}

static int seq_check(parser *P, yaml_node_t *n, const char *what)
{
    if (n->type == YAML_SEQUENCE_NODE)
        return 0;
    err(P, n, "%s must be a list (- item lines, [a, b], or [] for none)",
        what);
    return -1;
}

#define EACH_ITEM(P, seq, it)                                     \
    for (yaml_node_item_t *it = (seq)->data.sequence.items.start; \
         it < (seq)->data.sequence.items.top; it++)

/* ---- scalar values ------------------------------------------------------ */

static int parse_int(parser *P, yaml_node_t *n, const char *what, long lo,
                     long hi, long *out)
{
    const char *s = scalar(P, n, what);
    if (!s)
        return -1;
    long v;
    if (ks_yuint(n, &v) || v < lo || v > hi) {
        err(P, n, "%s must be a whole number from %ld to %ld, not \"%.64s\"",
            what, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_num(parser *P, yaml_node_t *n, const char *what, double lo,
                     double hi, double *out)
{
    const char *s = scalar(P, n, what);
    if (!s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v) || v < lo || v > hi) {
        err(P, n, "%s must be a number from %g to %g, not \"%.64s\"", what, lo,
            hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_bool(parser *P, yaml_node_t *n, const char *what, int *out)
{
    if (ks_ybool(n, out) == 0)
        return 0;
    err(P, n, "%s must be true or false", what);
    return -1;
}

/* "3m", "30m", "48h", "7d", "1h30m": number-unit groups, units s m h d. */
static int duration_ms(const char *s, int64_t *out)
{
    int64_t total = 0;
    if (!*s)
        return -1;
    while (*s) {
        if (*s < '0' || *s > '9')
            return -1;
        int64_t v = 0;
        while (*s >= '0' && *s <= '9' && v <= MAX_DURATION_MS)
            v = v * 10 + (*s++ - '0');
        int64_t unit = *s == 's' ? 1000 : *s == 'm' ? 60000
                     : *s == 'h' ? 3600000 : *s == 'd' ? 86400000 : 0;
        if (!unit || v > MAX_DURATION_MS / unit)
            return -1;
        total += v * unit;
        if (total > MAX_DURATION_MS)
            return -1;
        s++;
    }
    *out = total;
    return 0;
}

static int parse_duration(parser *P, yaml_node_t *n, const char *what,
                          int64_t *out)
{
    const char *s = scalar(P, n, what);
    if (!s)
        return -1;
    if (duration_ms(s, out)) {
        err(P, n, "bad duration \"%.64s\" for %s: write a number and a unit, "
                  "e.g. 3m, 30m, 48h or 7d (s, m, h, d; at most 366d)", s, what);
        return -1;
    }
    if (*out <= 0) {
        err(P, n, "%s must be longer than 0", what);
        return -1;
    }
    return 0;
}

/* "09:00" -> minutes since midnight; "24:00" is the end of the day. */
static int parse_hhmm(parser *P, yaml_node_t *n, const char *what, int *out)
{
    const char *s = scalar(P, n, what);
    if (!s)
        return -1;
    int h, m;
    char tail;
    size_t len = strlen(s);
    if ((len == 4 || len == 5) && s[len - 3] == ':' &&
        sscanf(s, "%2d:%2d%c", &h, &m, &tail) == 2 && s[0] >= '0' &&
        s[0] <= '9' && h >= 0 && m >= 0 && m < 60 &&
        (h < 24 || (h == 24 && m == 0))) {
        *out = h * 60 + m;
        return 0;
    }
    err(P, n, "bad time \"%.64s\" for %s: write HH:MM from 00:00 to 24:00, "
              "e.g. 09:00", s, what);
    return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static int month_days(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return len[m - 1] + (m == 2 && leap);
}

static int parse_date(parser *P, yaml_node_t *n, const char *what,
                      int32_t *out)
{
    const char *s = scalar(P, n, what);
    if (!s)
        return -1;
    int y, m, d;
    char tail;
    int shape = strlen(s) == 10;
    for (int i = 0; shape && i < 10; i++)
        shape = i == 4 || i == 7 ? s[i] == '-' : s[i] >= '0' && s[i] <= '9';
    if (!shape || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        y < 1970 || y > 2999 || m < 1 || m > 12 || d < 1) {
        err(P, n, "bad date \"%.64s\" for %s: write YYYY-MM-DD, e.g. "
                  "2026-10-01", s, what);
        return -1;
    }
    if (d > month_days(y, m)) {
        err(P, n, "%.64s is not a calendar date", s);
        return -1;
    }
    *out = days_from_civil(y, m, d);
    return 0;
}

static void format_day(int32_t day, char *buf, size_t sz)
{
    /* civil_from_days (H. Hinnant), for messages only */
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    /* Policy dates are 1970..2999 (parse_date); the modulos only tell the
     * compiler so, which otherwise warns that ten-digit fields overflow. */
    snprintf(buf, sz, "%04u-%02u-%02u", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u);
}

/* ---- timezone and business hours ---------------------------------------- */

static int parse_timezone(parser *P, yaml_node_t *n)
{
    const char *s = scalar(P, n, "timezone");
    if (!s)
        return KS_OK;
    int h, m;
    char tail;
    if (strlen(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' &&
        s[1] >= '0' && s[1] <= '9' && s[4] >= '0' && s[4] <= '9' &&
        sscanf(s + 1, "%2d:%2d%c", &h, &m, &tail) == 2 && h <= 14 && m < 60) {
        P->p->utc_offset_min = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
        return KS_OK;
    }
    err(P, n, "bad timezone \"%.64s\": write +HH:MM or -HH:MM, e.g. +08:00", s);
    return KS_OK;
}

static int parse_workweek(parser *P, yaml_node_t *n)
{
    static const char *const names[7] = {"mon", "tue", "wed", "thu",
                                         "fri", "sat", "sun"};
    if (seq_check(P, n, "workweek"))
        return KS_OK;
    unsigned bits = 0;
    EACH_ITEM(P, n, it) {
        yaml_node_t *dn = node(P, *it);
        const char *s = scalar(P, dn, "a workweek day");
        if (!s)
            continue;
        int wd = 0;
        while (wd < 7 && strcasecmp(names[wd], s) != 0)
            wd++;
        if (wd == 7)
            err(P, dn, "unknown day \"%.64s\": use mon, tue, wed, thu, fri, "
                       "sat, sun", s);
        else if (bits & (1u << wd))
            err(P, dn, "%s is listed twice", names[wd]);
        else
            bits |= 1u << wd;
    }
    if (!bits)
        err(P, n, "the workweek needs at least one working day");
    P->p->workweek = (uint8_t)bits;
    return KS_OK;
}

static int parse_hours(parser *P, yaml_node_t *n)
{
    static const char *const keys[] = {"start", "end", "workweek", NULL};
    if (check_map(P, n, keys, "business_hours"))
        return KS_OK;
    static const char *const need[] = {"start", "end", "workweek"};
    for (int i = 0; i < 3; i++)
        if (!P->overlay && !ks_yget(P->doc, n, need[i]))
            err(P, n, "business_hours needs %s:", need[i]);
    yaml_node_t *sn = ks_yget(P->doc, n, "start");
    yaml_node_t *en = ks_yget(P->doc, n, "end");
    yaml_node_t *wn = ks_yget(P->doc, n, "workweek");
    int ok = 1;
    if (sn)
        ok &= !parse_hhmm(P, sn, "start", &P->p->work_start_min);
    if (en)
        ok &= !parse_hhmm(P, en, "end", &P->p->work_end_min);
    /* an overlay may move one end against the base's other end */
    if (ok && ((sn && en) || ((sn || en) && P->overlay)) &&
        P->p->work_end_min <= P->p->work_start_min)
        err(P, en ? en : sn, "business hours end (%02d:%02d) must be after "
                             "start (%02d:%02d)",
            P->p->work_end_min / 60, P->p->work_end_min % 60,
            P->p->work_start_min / 60, P->p->work_start_min % 60);
    if (wn)
        parse_workweek(P, wn);
    return KS_OK;
}

/* ---- holidays and make-up days ------------------------------------------ */

typedef struct day_list {
    int32_t *days;
    size_t n, cap;
    const char *what;    /* "holidays" or "makeup_days" */
} day_list;

static int add_day(parser *P, day_list *l, yaml_node_t *at, int32_t day)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->days[i] == day) {
            char buf[16];
            format_day(day, buf, sizeof buf);
            err(P, at, "%s is listed twice in %s", buf, l->what);
            return KS_OK;
        }
    if (l->n >= MAX_LIST_DAYS) {
        err(P, at, "%s lists more than %d days", l->what, MAX_LIST_DAYS);
        return KS_OK;
    }
    if (ks_grow(&l->days, &l->cap, l->n, sizeof *l->days, 32))
        return KS_ENOMEM;
    l->days[l->n++] = day;
    return KS_OK;
}

/* One entry: a date, {date:, name:} or {from:, to:, name:}. */
static int parse_day_item(parser *P, day_list *l, yaml_node_t *n)
{
    static const char *const keys[] = {"date", "from", "to", "name", NULL};
    int32_t a, b;
    if (n->type == YAML_SCALAR_NODE)
        return parse_date(P, n, l->what, &a) ? KS_OK : add_day(P, l, n, a);
    if (check_map(P, n, keys, "a day entry"))
        return KS_OK;
    yaml_node_t *dn = ks_yget(P->doc, n, "date");
    yaml_node_t *fn = ks_yget(P->doc, n, "from");
    yaml_node_t *tn = ks_yget(P->doc, n, "to");
    if (dn && !fn && !tn)
        return parse_date(P, dn, "date", &a) ? KS_OK : add_day(P, l, dn, a);
    if (dn || !fn || !tn) {
        err(P, n, "a day entry has either date: or both from: and to:");
        return KS_OK;
    }
    if (parse_date(P, fn, "from", &a) | parse_date(P, tn, "to", &b))
        return KS_OK;
    if (b < a || b - a > 366) {
        err(P, tn, "to must be on or after from, and within a year of it");
        return KS_OK;
    }
    for (int32_t day = a; day <= b; day++)
        if (add_day(P, l, fn, day))
            return KS_ENOMEM;
    return KS_OK;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int parse_days(parser *P, yaml_node_t *n, int is_makeup)
{
    day_list l = {NULL, 0, 0, is_makeup ? "makeup_days" : "holidays"};
    if (seq_check(P, n, l.what))
        return KS_OK;
    EACH_ITEM(P, n, it)
        if (parse_day_item(P, &l, node(P, *it))) {
            ks_free(l.days);
            return KS_ENOMEM;
        }
    if (l.n)
        qsort(l.days, l.n, sizeof *l.days, cmp_i32);
    int32_t **dst = is_makeup ? &P->p->makeup_days : &P->p->holidays;
    size_t *cnt = is_makeup ? &P->p->nmakeup : &P->p->nholidays;
    ks_free(*dst);
    *dst = l.days;
    *cnt = l.n;
    return KS_OK;
}

/* ---- deadlines ---------------------------------------------------------- */

static const char *const clock_names[] = {"calendar", "business", "workdays",
                                          "same_day"};

static int parse_clock(parser *P, yaml_node_t *n, ks_clock *out)
{
    const char *s = scalar(P, n, "clock");
    if (!s)
        return -1;
    for (int c = 0; c < 4; c++)
        if (strcmp(s, clock_names[c]) == 0) {
            *out = (ks_clock)c;
            return 0;
        }
    err(P, n, "unknown clock \"%.64s\": use calendar, business, workdays or "
              "same_day", s);
    return -1;
}

/* Was an earlier item of seq (before `it`) named `name` under key? */
static yaml_node_t *earlier(parser *P, yaml_node_t *seq, yaml_node_item_t *it,
                            const char *key, const char *name)
{
    for (yaml_node_item_t *q = seq->data.sequence.items.start; q < it; q++) {
        yaml_node_t *kn = ks_yget(P->doc, node(P, *q), key);
        const char *s = ks_yscalar(kn);
        if (s && strcasecmp(s, name) == 0)
            return kn;
    }
    return NULL;
}

/* Checks that a rule carries the figure its clock uses, and no other. */
static void check_rule(parser *P, yaml_node_t *item, const ks_deadline_rule *r,
                       yaml_node_t *wn, yaml_node_t *dn)
{
    const char *c = clock_names[r->clock];
    switch (r->clock) {
    case KS_CLOCK_CALENDAR:
    case KS_CLOCK_BUSINESS:
        if (dn)
            err(P, dn, "days: is for the workdays clock; a %s clock uses "
                       "within:", c);
        else if (r->within_ms <= 0)
            err(P, item, "deadline \"%s\" (clock %s) needs within:, e.g. "
                         "within: 30m", r->name, c);
        break;
    case KS_CLOCK_WORKDAYS:
        if (wn)
            err(P, wn, "within: is for calendar and business clocks; the "
                       "workdays clock uses days:");
        else if (r->workdays <= 0)
            err(P, item, "deadline \"%s\" (clock workdays) needs days:",
                r->name);
        break;
    case KS_CLOCK_SAME_DAY:
        if (wn || dn)
            err(P, wn ? wn : dn, "the same_day clock takes neither within: "
                                 "nor days:");
        break;
    }
}

/* Stores r (fields parsed into a copy) into the policy: over the existing
 * rule of that name, or appended. r's strings are borrowed from the doc. */
static int commit_rule(parser *P, ks_deadline_rule *old,
                       const ks_deadline_rule *r)
{
    char *src = r->source ? ks_strdup(r->source) : NULL;
    if (r->source && !src)
        return KS_ENOMEM;
    if (old) {
        char *name = old->name, *prev = old->source;
        *old = *r;
        old->name = name;
        old->source = src ? src : prev;
        if (src)
            ks_free(prev);
        return KS_OK;
    }
    ks_policy *p = P->p;
    ks_deadline_rule *a = ks_realloc(p->deadlines,
                                     (p->ndeadlines + 1) * sizeof *a);
    char *name = ks_strdup(r->name);
    if (!src)
        src = ks_strdup(P->doc->name);
    if (a)
        p->deadlines = a;
    if (!a || !name || !src) {
        ks_free(name);
        ks_free(src);
        return KS_ENOMEM;
    }
    a[p->ndeadlines] = *r;
    a[p->ndeadlines].name = name;
    a[p->ndeadlines].source = src;
    p->ndeadlines++;
    return KS_OK;
}

static int parse_deadline(parser *P, yaml_node_t *seq, yaml_node_item_t *it)
{
    static const char *const keys[] = {"name", "clock", "within", "days",
                                       "source", NULL};
    yaml_node_t *item = node(P, *it);
    if (check_map(P, item, keys, "a deadline rule"))
        return KS_OK;
    int bad0 = P->bad;
    yaml_node_t *nn = ks_yget(P->doc, item, "name");
    const char *name = nn ? scalar(P, nn, "name") : NULL;
    if (!nn)
        err(P, item, "a deadline rule needs a name:");
    if (!name)
        return KS_OK;
    if (earlier(P, seq, it, "name", name))
        err(P, nn, "deadline \"%.64s\" is defined twice", name);
    ks_deadline_rule *old = (ks_deadline_rule *)ks_policy_deadline(P->p, name);
    ks_deadline_rule r = old ? *old : (ks_deadline_rule){0};
    r.name = (char *)name;
    r.source = NULL;
    yaml_node_t *cn = ks_yget(P->doc, item, "clock");
    yaml_node_t *wn = ks_yget(P->doc, item, "within");
    yaml_node_t *dn = ks_yget(P->doc, item, "days");
    yaml_node_t *sn = ks_yget(P->doc, item, "source");
    long days = r.workdays;
    int clock_ok = cn ? !parse_clock(P, cn, &r.clock) : old != NULL;
    if (!cn && !old)
        err(P, item, "deadline \"%s\" needs a clock: calendar, business, "
                     "workdays or same_day", name);
    if (wn)
        parse_duration(P, wn, "within", &r.within_ms);
    if (dn && !parse_int(P, dn, "days", 1, MAX_WORKDAYS, &days))
        r.workdays = (int)days;
    if (sn)
        r.source = (char *)scalar(P, sn, "source");
    if (clock_ok && P->bad == bad0)
        check_rule(P, item, &r, wn, dn);
    if (P->bad != bad0)
        return KS_OK;
    if (r.clock != KS_CLOCK_CALENDAR && r.clock != KS_CLOCK_BUSINESS)
        r.within_ms = 0;
    if (r.clock != KS_CLOCK_WORKDAYS)
        r.workdays = 0;
    return commit_rule(P, old, &r);
}

static int parse_deadlines(parser *P, yaml_node_t *n)
{
    if (seq_check(P, n, "deadlines"))
        return KS_OK;
    EACH_ITEM(P, n, it)
        if (parse_deadline(P, n, it))
            return KS_ENOMEM;
    return KS_OK;
}

/* ---- after-sales windows ------------------------------------------------ */

static int commit_window(parser *P, ks_window *old, const ks_window *w)
{
    char *src = w->source ? ks_strdup(w->source) : NULL;
    if (w->source && !src)
        return KS_ENOMEM;
    if (old) {
        old->days = w->days;
        old->no_reason_return = w->no_reason_return;
        if (src) {
            ks_free(old->source);
            old->source = src;
        }
        return KS_OK;
    }
    ks_policy *p = P->p;
    ks_window *a = ks_realloc(p->windows, (p->nwindows + 1) * sizeof *a);
    char *cat = ks_strdup(w->category);
    if (!src)
        src = ks_strdup(P->doc->name);
    if (a)
        p->windows = a;
    if (!a || !cat || !src) {
        ks_free(cat);
        ks_free(src);
        return KS_ENOMEM;
    }
    a[p->nwindows] = (ks_window){cat, w->days, w->no_reason_return, src};
    p->nwindows++;
    return KS_OK;
}

static int parse_window(parser *P, yaml_node_t *seq, yaml_node_item_t *it)
{
    static const char *const keys[] = {"category", "days", "no_reason_return",
                                       "source", NULL};
    yaml_node_t *item = node(P, *it);
    if (check_map(P, item, keys, "a window"))
        return KS_OK;
    int bad0 = P->bad;
    yaml_node_t *cn = ks_yget(P->doc, item, "category");
    const char *cat = cn ? scalar(P, cn, "category") : NULL;
    if (!cn)
        err(P, item, "a window needs a category: (\"*\" for the default)");
    if (!cat)
        return KS_OK;
    if (earlier(P, seq, it, "category", cat))
        err(P, cn, "the window for \"%.64s\" is defined twice", cat);
    ks_window *old = (ks_window *)find_window(P->p, cat);
    /* The law's default: 7-day no-reason return applies (消保法 Art. 25). */
    ks_window w = old ? *old : (ks_window){NULL, 0, 1, NULL};
    w.category = (char *)cat;
    w.source = NULL;
    yaml_node_t *dn = ks_yget(P->doc, item, "days");
    yaml_node_t *rn = ks_yget(P->doc, item, "no_reason_return");
    yaml_node_t *sn = ks_yget(P->doc, item, "source");
    long days;
    if (dn && !parse_int(P, dn, "days", 0, MAX_WINDOW_DAYS, &days))
        w.days = (int)days;
    if (!dn && !old)
        err(P, item, "the window for \"%s\" needs days:", cat);
    if (rn)
        parse_bool(P, rn, "no_reason_return", &w.no_reason_return);
    if (sn)
        w.source = (char *)scalar(P, sn, "source");
    return P->bad == bad0 ? commit_window(P, old, &w) : KS_OK;
}

static int parse_windows(parser *P, yaml_node_t *n)
{
    if (seq_check(P, n, "windows"))
        return KS_OK;
    EACH_ITEM(P, n, it)
        if (parse_window(P, n, it))
            return KS_ENOMEM;
    return KS_OK;
}

/* ---- carriers and perishable categories --------------------------------- */

static int set_carrier(parser *P, const char *name, int days)
{
    ks_policy *p = P->p;
    ks_carrier_norm *old = find_carrier(p, name);
    if (old) {
        old->transit_days = days;
        return KS_OK;
    }
    ks_carrier_norm *a = ks_realloc(p->carriers,
                                    (p->ncarriers + 1) * sizeof *a);
    if (!a)
        return KS_ENOMEM;
    p->carriers = a;
    a[p->ncarriers].carrier = ks_strdup(name);
    a[p->ncarriers].transit_days = days;
    if (!a[p->ncarriers].carrier)
        return KS_ENOMEM;
    p->ncarriers++;
    return KS_OK;
}

static int parse_carriers(parser *P, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        err(P, n, "carriers must be a mapping of carrier: transit days, e.g. "
                  "sf: 2");
        return KS_OK;
    }
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
         a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *kn = node(P, a->key);
        const char *name = scalar(P, kn, "a carrier");
        long days;
        if (!name)
            continue;
        int dup = 0;
        for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++)
            dup |= key_of(P, b) && strcasecmp(key_of(P, b), name) == 0;
        if (dup)
            err(P, kn, "carrier \"%.64s\" appears twice", name);
        else if (!parse_int(P, node(P, a->value), "transit days", 0,
                            MAX_TRANSIT_DAYS, &days) &&
                 set_carrier(P, name, (int)days))
            return KS_ENOMEM;
    }
    return KS_OK;
}

static int parse_perishable(parser *P, yaml_node_t *n)
{
    if (seq_check(P, n, "perishable"))
        return KS_OK;
    ks_policy *p = P->p;
    for (size_t i = 0; i < p->nperishable; i++)
        ks_free(p->perishable[i]);
    p->nperishable = 0;
    size_t len = (size_t)(n->data.sequence.items.top -
                          n->data.sequence.items.start);
    char **a = ks_realloc(p->perishable, (len + 1) * sizeof *a);
    if (!a)
        return KS_ENOMEM;
    p->perishable = a;
    EACH_ITEM(P, n, it) {
        yaml_node_t *cn = node(P, *it);
        const char *cat = scalar(P, cn, "a perishable category");
        if (!cat)
            continue;
        if (ks_policy_is_perishable(p, cat)) {
            err(P, cn, "\"%.64s\" is listed twice in perishable", cat);
            continue;
        }
        if (!(a[p->nperishable] = ks_strdup(cat)))
            return KS_ENOMEM;
        p->nperishable++;
    }
    return KS_OK;
}

/* ---- planner ------------------------------------------------------------ */

static int parse_ladder(parser *P, yaml_node_t *n)
{
    if (seq_check(P, n, "ladder"))
        return KS_OK;
    size_t len = (size_t)(n->data.sequence.items.top -
                          n->data.sequence.items.start);
    if (len < 1 || len > MAX_LADDER) {
        err(P, n, "ladder needs 1 to %d steps", MAX_LADDER);
        return KS_OK;
    }
    double *a = ks_calloc(len, sizeof *a);
    if (!a)
        return KS_ENOMEM;
    size_t k = 0;
    EACH_ITEM(P, n, it) {
        yaml_node_t *sn = node(P, *it);
        if (parse_num(P, sn, "a ladder step", 0.0001, 1, &a[k]))
            continue;
        if (k && a[k] <= a[k - 1])
            err(P, sn, "ladder steps must rise (%g is not above %g)", a[k],
                a[k - 1]);
        k++;
    }
    ks_free(P->p->ladder);
    P->p->ladder = a;
    P->p->nladder = k;
    return KS_OK;
}

static void parse_stance(parser *P, yaml_node_t *n)
{
    const char *s = scalar(P, n, "stance");
    if (!s)
        return;
    if (strcmp(s, "reputation") == 0)
        P->p->stance = KS_STANCE_REPUTATION;
    else if (strcmp(s, "cost") == 0)
        P->p->stance = KS_STANCE_COST;
    else
        err(P, n, "unknown stance \"%.64s\": use reputation (口碑优先) or "
                  "cost (成本优先)", s);
}

static void parse_count(parser *P, yaml_node_t *n, const char *what, int *out)
{
    long v;
    if (!parse_int(P, n, what, 1, 1000000, &v))
        *out = (int)v;
}

static int parse_planner(parser *P, yaml_node_t *n)
{
    static const char *const keys[] = {
        "stance", "goodwill_max_price", "compensation_share", "ladder",
        "batch_threshold", "repeat_contacts_high", NULL};
    if (check_map(P, n, keys, "planner"))
        return KS_OK;
    for (int i = 0; keys[i]; i++)
        if (!P->overlay && !ks_yget(P->doc, n, keys[i]))
            err(P, n, "planner needs %s:", keys[i]);
    ks_policy *p = P->p;
    yaml_node_t *v;
    if ((v = ks_yget(P->doc, n, "stance")))
        parse_stance(P, v);
    if ((v = ks_yget(P->doc, n, "goodwill_max_price")))
        parse_num(P, v, "goodwill_max_price", 0, 1e9, &p->goodwill_max_price);
    if ((v = ks_yget(P->doc, n, "compensation_share")))
        parse_num(P, v, "compensation_share", 0, 1, &p->compensation_share);
    if ((v = ks_yget(P->doc, n, "batch_threshold")))
        parse_count(P, v, "batch_threshold", &p->batch_threshold);
    if ((v = ks_yget(P->doc, n, "repeat_contacts_high")))
        parse_count(P, v, "repeat_contacts_high", &p->repeat_contacts_high);
    if ((v = ks_yget(P->doc, n, "ladder")))
        return parse_ladder(P, v);
    return KS_OK;
}

/* ---- the file ----------------------------------------------------------- */

static int do_timezone(parser *P, yaml_node_t *n) { return parse_timezone(P, n); }
static int do_holidays(parser *P, yaml_node_t *n) { return parse_days(P, n, 0); }
static int do_makeup(parser *P, yaml_node_t *n) { return parse_days(P, n, 1); }

static const struct section {
    const char *key;
    int (*parse)(parser *, yaml_node_t *);
} sections[] = {
    {"timezone", do_timezone},     {"business_hours", parse_hours},
    {"holidays", do_holidays},     {"makeup_days", do_makeup},
    {"deadlines", parse_deadlines}, {"windows", parse_windows},
    {"carriers", parse_carriers},  {"perishable", parse_perishable},
    {"planner", parse_planner},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

/* Checks what no single section can: defaults present, holidays and
 * make-up days disjoint. */
static void check_whole(parser *P, yaml_node_t *root)
{
    ks_policy *p = P->p;
    yaml_node_t *wn = ks_yget(P->doc, root, "windows");
    yaml_node_t *cn = ks_yget(P->doc, root, "carriers");
    yaml_node_t *mn = ks_yget(P->doc, root, "makeup_days");
    if (wn && !find_window(p, "*"))
        err(P, wn, "windows need a \"*\" entry (the default for other "
                   "categories)");
    if (cn && !find_carrier(p, "*"))
        err(P, cn, "carriers need a \"*\" entry (the default for other "
                   "carriers; quote it: \"*\": 3)");
    for (size_t i = 0, j = 0; i < p->nmakeup && j < p->nholidays;) {
        if (p->makeup_days[i] == p->holidays[j]) {
            char buf[16];
            format_day(p->makeup_days[i], buf, sizeof buf);
            err(P, mn ? mn : ks_yget(P->doc, root, "holidays"),
                "%s is both a holiday and a make-up day", buf);
            i++;
        } else if (p->makeup_days[i] < p->holidays[j]) {
            i++;
        } else {
            j++;
        }
    }
}

static int parse_root(parser *P)
{
    static const char *const keys[] = {
        "timezone", "business_hours", "holidays", "makeup_days", "deadlines",
        "windows", "carriers", "perishable", "planner", NULL};
    yaml_node_t *root = yaml_document_get_root_node(&P->doc->doc);
    if (!root) {
        if (!P->overlay)
            err(P, NULL, "the policy file is empty");
        return KS_OK;
    }
    if (root->type != YAML_MAPPING_NODE) {
        err(P, root, "a policy file is a mapping of sections (timezone:, "
                     "business_hours:, deadlines:, ...)");
        return KS_OK;
    }
    check_map(P, root, keys, "the policy file");
    for (size_t i = 0; i < NSECTIONS; i++) {
        yaml_node_t *n = ks_yget(P->doc, root, sections[i].key);
        if (!n && !P->overlay)
            err(P, root, "missing section %s:", sections[i].key);
        if (n && sections[i].parse(P, n))
            return KS_ENOMEM;
    }
    check_whole(P, root);
    return KS_OK;
}

int ks_policy_parse(const ks_policy *base, const char *text, size_t len,
                    const char *name, ks_policy **out, ks_diags *d)
{
    if (!out || (!text && len))
        return KS_EINVAL;
    *out = NULL;
    ks_ydoc doc;
    int rc = ks_ydoc_load(&doc, name ? name : "policy", text ? text : "", len,
                          d);
    if (rc) {
        ks_ydoc_free(&doc);
        return rc;
    }
    ks_policy *p = NULL;
    if (base)
        rc = clone_policy(base, &p);
    else if (!(p = ks_calloc(1, sizeof *p)))
        rc = KS_ENOMEM;
    if (rc == KS_OK) {
        parser P = {&doc, d, p, base != NULL, 0, 0};
        rc = parse_root(&P);
        if (rc == KS_OK)
            rc = P.oom ? KS_ENOMEM : P.bad ? KS_ERULES : KS_OK;
    }
    ks_ydoc_free(&doc);
    if (rc) {
        ks_policy_free(p);
        return rc;
    }
    *out = p;
    return KS_OK;
}
