/*
 * The public API of imported conversations and their findings (store.h):
 * local days, argument checks, filter defaults, then the backend.
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "store_int.h"

enum { KS_FINDINGS_LIMIT = 100 };

/* China Standard Time: UTC+8 all year, no daylight saving. */
#define KS_DAY_OFFSET_MS (8 * 3600000LL)
#define KS_DAY_MS (24 * 3600000LL)

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's
 * algorithms, exact over the proleptic Gregorian calendar). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void ks_store_day(int64_t ms, char out[11])
{
    out[0] = '\0';
    if (ms == KS_TIME_NONE)
        return;
    int y;
    unsigned m, d;
    civil_from_days(floor_div(ms + KS_DAY_OFFSET_MS, KS_DAY_MS), &y, &m, &d);
    if (y < 0 || y > 9999)
        return;
    snprintf(out, 11, "%04d-%02u-%02u", y, m % 100, d % 100);
}

static int digits(const char *s, size_t n, unsigned *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return 1;
}

int ks_store_day_start(const char *day, int64_t *ms)
{
    unsigned y, m, d;
    if (!day || strlen(day) != 10 || day[4] != '-' || day[7] != '-' ||
        !digits(day, 4, &y) || !digits(day + 5, 2, &m) ||
        !digits(day + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
        return KS_EINVAL;
    int64_t z = days_from_civil(y, m, d);
    int yy;
    unsigned mm, dd;
    civil_from_days(z, &yy, &mm, &dd);
    if (mm != m || dd != d)
        return KS_EINVAL;   /* 2024-02-30 */
    *ms = z * KS_DAY_MS - KS_DAY_OFFSET_MS;
    return KS_OK;
}

/* [from's start, the day after to's start); KS_TIME_NONE when open.
 * KS_EINVAL, explained in s's errmsg, for a malformed day. */
static int day_range(ks_store *s, const char *from, const char *to,
                     int64_t *a, int64_t *b)
{
    *a = *b = KS_TIME_NONE;
    if ((from && ks_store_day_start(from, a) != KS_OK) ||
        (to && ks_store_day_start(to, b) != KS_OK)) {
        ks_store_seterr(s, "a day is written YYYY-MM-DD");
        return KS_EINVAL;
    }
    if (to)
        *b += KS_DAY_MS;
    return KS_OK;
}

/* ---- conversations --------------------------------------------------------- */

static int check_conv(ks_store *s, const ks_conv *c, const ks_result *r)
{
    if (!c->id || !*c->id) {
        ks_store_seterr(s, "the conversation has no id");
        return KS_EINVAL;
    }
    for (size_t i = 0; i < r->nfindings; i++) {
        const ks_finding *f = &r->findings[i];
        if (f->msg >= c->nmsgs || (unsigned)f->code >= KS_INC_COUNT ||
            f->start > f->end) {
            ks_store_seterr(s, "conversation %s: finding %zu does not fit "
                               "the conversation", c->id, i);
            return KS_EINVAL;
        }
    }
    return KS_OK;
}

int ks_store_conv_put(ks_store *s, const ks_conv *c, const char *conv_json,
                      const ks_result *r, const char *result_json,
                      int64_t now, int *created)
{
    int made = 0;
    if (!s || !c || !conv_json || !r || !result_json)
        return KS_EINVAL;
    ks_store_fresh(s);
    int rc = check_conv(s, c, r);
    if (rc == KS_OK)
        rc = s->ops->conv_put(s, c, conv_json, r, result_json, now, &made);
    if (created)
        *created = rc == KS_OK ? made : 0;
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_conv_get(ks_store *s, const char *id, char **conv_json,
                      char **result_json, char **shop, char **agent)
{
    char *scratch[4] = {NULL, NULL, NULL, NULL};
    char **out[4] = {conv_json, result_json, shop, agent};
    if (!s || !id)
        return KS_EINVAL;
    for (int i = 0; i < 4; i++) {
        if (!out[i])
            out[i] = &scratch[i];
        *out[i] = NULL;
    }
    ks_store_fresh(s);
    int rc = s->ops->conv_get(s, id, out[0], out[1], out[2], out[3]);
    for (int i = 0; i < 4; i++) {
        if (rc != KS_OK) {
            ks_free(*out[i]);
            *out[i] = NULL;
        }
        ks_free(scratch[i]);
    }
    return ks_store_explain(s, rc, NULL, 0);
}

/* ---- findings and scorecards ------------------------------------------------ */

static int check_filter(ks_store *s, const ks_finding_filter *f)
{
    if (f->code < -1 || f->code >= KS_INC_COUNT) {
        ks_store_seterr(s, "unknown incident code %d", f->code);
        return KS_EINVAL;
    }
    if (f->level && (f->level < 'A' || f->level > 'C')) {
        ks_store_seterr(s, "a level is A, B or C");
        return KS_EINVAL;
    }
    return KS_OK;
}

int ks_store_findings_list(ks_store *s, const ks_finding_filter *f,
                           ks_finding_row **rows, size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    ks_finding_filter g = KS_FINDING_FILTER_ANY;
    if (f)
        g = *f;
    if (!g.limit)
        g.limit = KS_FINDINGS_LIMIT;
    ks_store_fresh(s);
    int64_t a, b;
    int rc = check_filter(s, &g);
    if (rc == KS_OK)
        rc = day_range(s, g.day_from, g.day_to, &a, &b);
    if (rc == KS_OK)
        rc = s->ops->findings_list(s, &g, a, b, rows, n);
    if (rc != KS_OK) {
        ks_finding_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ks_store_explain(s, rc, NULL, 0);
}

void ks_finding_rows_free(ks_finding_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        ks_free(rows[i].conv_id);
        ks_free(rows[i].shop);
        ks_free(rows[i].agent);
        ks_free(rows[i].rule);
    }
    ks_free(rows);
}

int ks_store_agent_scores(ks_store *s, const char *shop,
                          const char *day_from, const char *day_to,
                          ks_agent_score **rows, size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    ks_store_fresh(s);
    int64_t a, b;
    int rc = day_range(s, day_from, day_to, &a, &b);
    if (rc == KS_OK)
        rc = s->ops->agent_scores(s, shop, a, b, rows, n);
    if (rc != KS_OK) {
        ks_agent_scores_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ks_store_explain(s, rc, NULL, 0);
}

void ks_agent_scores_free(ks_agent_score *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        ks_free(rows[i].shop);
        ks_free(rows[i].agent);
    }
    ks_free(rows);
}

/* ---- dashboard views -------------------------------------------------------- */

int ks_store_conv_list(ks_store *s, const ks_conv_filter *f,
                       ks_conv_row **rows, size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    ks_conv_filter g = KS_CONV_FILTER_ANY;
    if (f)
        g = *f;
    if (!g.limit)
        g.limit = KS_FINDINGS_LIMIT;
    ks_store_fresh(s);
    int64_t a, b;
    int rc = day_range(s, g.day_from, g.day_to, &a, &b);
    if (rc == KS_OK)
        rc = s->ops->conv_list(s, &g, a, b, rows, n);
    if (rc != KS_OK) {
        ks_conv_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ks_store_explain(s, rc, NULL, 0);
}

void ks_conv_rows_free(ks_conv_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        ks_free(rows[i].id);
        ks_free(rows[i].shop);
        ks_free(rows[i].agent);
    }
    ks_free(rows);
}

int ks_store_agent_scores_in(ks_store *s, const ks_conv_filter *f,
                             ks_agent_score **rows, size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    ks_conv_filter g = KS_CONV_FILTER_ANY;
    if (f)
        g = *f;
    g.risks = 0;
    ks_store_fresh(s);
    int64_t a, b;
    int rc = day_range(s, g.day_from, g.day_to, &a, &b);
    if (rc == KS_OK)
        rc = s->ops->scores_in(s, &g, a, b, rows, n);
    if (rc != KS_OK) {
        ks_agent_scores_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_cause_counts(ks_store *s, const ks_conv_filter *f,
                          ks_cause_count **rows, size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    ks_conv_filter g = KS_CONV_FILTER_ANY;
    if (f)
        g = *f;
    g.risks = 0;
    ks_store_fresh(s);
    int64_t a, b;
    int rc = day_range(s, g.day_from, g.day_to, &a, &b);
    if (rc == KS_OK)
        rc = s->ops->cause_counts(s, &g, a, b, rows, n);
    if (rc != KS_OK) {
        ks_cause_counts_free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return ks_store_explain(s, rc, NULL, 0);
}

void ks_cause_counts_free(ks_cause_count *rows) { ks_free(rows); }
