/*
 * Owned string lists (plan.h) and the date/money formatting shared by the
 * fault analysis and the planner (plan_int.h). A list is valid when
 * zero-initialised; on failure an add leaves it unchanged.
 */
#include "kesu/plan.h"
#include "kesu/alloc.h"
#include "plan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ks_lines_addf(ks_lines *l, const char *fmt, ...)
{
    if (!l || !fmt)
        return KS_EINVAL;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n < 0 ? NULL : ks_malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        ks_free(s);
        return KS_EINVAL;
    }
    if (!s || ks_grow(&l->items, &l->cap, l->n, sizeof *l->items, 8)) {
        ks_free(s);
        return KS_ENOMEM;
    }
    l->items[l->n++] = s;
    return KS_OK;
}

void ks_lines_free(ks_lines *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ks_free(l->items[i]);
    ks_free(l->items);
    memset(l, 0, sizeof *l);
}

#define DAY_MS 86400000LL

int64_t ks_plan_day(const ks_policy *p, int64_t t)
{
    int64_t local = t + (int64_t)p->utc_offset_min * 60000;
    /* floor, so times before the epoch land on the right day */
    return local >= 0 ? local / DAY_MS : -((-local + DAY_MS - 1) / DAY_MS);
}

/* Days since 1970-01-01 -> civil date (proleptic Gregorian). */
static void civil(int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

const char *ks_plan_fmt_date(const ks_policy *p, int64_t t, int64_t ref,
                             char *buf, size_t cap)
{
    int y, m, d, ry = 0, rm, rd;
    civil(ks_plan_day(p, t), &y, &m, &d);
    int show_year = 0;
    if (KS_PLAN_KNOWN(ref)) {
        civil(ks_plan_day(p, ref), &ry, &rm, &rd);
        show_year = ry != y;
    }
    if (show_year)
        snprintf(buf, cap, "%d年%d月%d日", y, m, d);
    else
        snprintf(buf, cap, "%d月%d日", m, d);
    return buf;
}

double ks_plan_round_fen(double v)
{
    /* by hand: libkesu does not link libm */
    double f = v * 100.0;
    return (double)(int64_t)(f < 0 ? f - 0.5 : f + 0.5) / 100.0;
}

const char *ks_plan_fmt_yuan(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.2f", ks_plan_round_fen(v));
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = dot + strlen(dot) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *dot = '\0';
    }
    return buf;
}
