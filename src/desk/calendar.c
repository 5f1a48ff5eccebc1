/*
 * Calendar arithmetic over a policy's business calendar (policy.h).
 *
 * Everything here is pure: times are ms since the epoch (UTC), local time
 * is UTC + utc_offset_min, and a "day" is a local day number since
 * 1970-01-01. No libc time zone function is used, so results do not depend
 * on the host's TZ.
 *
 * A day works when it is a make-up day (调休), or when it is not a holiday
 * and its weekday is in the workweek. Business time is [start, end) of a
 * working day. Loops walk at most MAX_SCAN_DAYS days, so a policy without
 * any working day (built by hand; the parser rejects it) or an absurd
 * duration ends in KS_TIME_NONE instead of hanging.
 */
#include "kesu/policy.h"
#include "kesu/conv.h"

#define DAY_MS 86400000LL
#define MIN_MS 60000LL
/* 30 years: far beyond any deadline, still a cheap loop (~11k steps). */
#define MAX_SCAN_DAYS (30 * 366)
/* Times beyond ±100,000 years are garbage, and outside this range the day
 * arithmetic below could overflow. */
#define T_LIMIT (100000LL * 366 * DAY_MS)

static int valid_time(int64_t t)
{
    return t != KS_TIME_NONE && t > -T_LIMIT && t < T_LIMIT;
}

/* Local day number and ms into that day. */
static int64_t local_day(const ks_policy *p, int64_t t, int64_t *tod)
{
    int64_t l = t + (int64_t)p->utc_offset_min * MIN_MS;
    int64_t day = l / DAY_MS;
    if (l % DAY_MS < 0)
        day--;
    if (tod)
        *tod = l - day * DAY_MS;
    return day;
}

static int64_t utc_of(const ks_policy *p, int64_t day, int64_t tod)
{
    return day * DAY_MS + tod - (int64_t)p->utc_offset_min * MIN_MS;
}

static int in_sorted(const int32_t *a, size_t n, int64_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] == day)
            return 1;
        if (a[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int day_works(const ks_policy *p, int64_t day)
{
    if (in_sorted(p->makeup_days, p->nmakeup, day))
        return 1;
    if (in_sorted(p->holidays, p->nholidays, day))
        return 0;
    int wd = (int)(((day + 3) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
    return (p->workweek >> wd) & 1;
}

static int64_t day_start(const ks_policy *p)
{
    return (int64_t)p->work_start_min * MIN_MS;
}

static int64_t day_end(const ks_policy *p)
{
    return (int64_t)p->work_end_min * MIN_MS;
}

int ks_is_workday(const ks_policy *p, int64_t t)
{
    if (!p || !valid_time(t))
        return 0;
    return day_works(p, local_day(p, t, NULL));
}

int ks_is_business_time(const ks_policy *p, int64_t t)
{
    if (!p || !valid_time(t))
        return 0;
    int64_t tod, day = local_day(p, t, &tod);
    return day_works(p, day) && tod >= day_start(p) && tod < day_end(p);
}

/* A deadline that uses up the day's last minute falls due at the end of
 * that day (18:30), not at the start of the next. */
int64_t ks_business_add(const ks_policy *p, int64_t t, int64_t ms)
{
    if (!p || !valid_time(t))
        return KS_TIME_NONE;
    if (ms <= 0)
        return t;
    int64_t tod, day = local_day(p, t, &tod);
    for (int i = 0; i < MAX_SCAN_DAYS; i++, day++, tod = 0) {
        if (!day_works(p, day))
            continue;
        int64_t from = tod > day_start(p) ? tod : day_start(p);
        if (from >= day_end(p))
            continue;
        int64_t left = day_end(p) - from;
        if (ms <= left)
            return utc_of(p, day, from + ms);
        ms -= left;
    }
    return KS_TIME_NONE;
}

int64_t ks_workdays_add(const ks_policy *p, int64_t t, int days)
{
    if (!p || !valid_time(t))
        return KS_TIME_NONE;
    if (days <= 0)
        return t;
    int64_t tod, day = local_day(p, t, &tod);
    for (int i = 0; i < MAX_SCAN_DAYS; i++) {
        day++;
        if (day_works(p, day) && --days == 0) {
            if (tod < day_start(p))
                tod = day_start(p);
            if (tod > day_end(p))
                tod = day_end(p);
            return utc_of(p, day, tod);
        }
    }
    return KS_TIME_NONE;
}

int64_t ks_business_day_end(const ks_policy *p, int64_t t)
{
    if (!p || !valid_time(t))
        return KS_TIME_NONE;
    int64_t tod, day = local_day(p, t, &tod);
    for (int i = 0; i < MAX_SCAN_DAYS; i++, day++, tod = 0)
        if (day_works(p, day) && tod < day_end(p))
            return utc_of(p, day, day_end(p));
    return KS_TIME_NONE;
}

int64_t ks_policy_due(const ks_policy *p, const char *name, int64_t t)
{
    const ks_deadline_rule *r = ks_policy_deadline(p, name);
    if (!r || !valid_time(t))
        return KS_TIME_NONE;
    switch (r->clock) {
    case KS_CLOCK_CALENDAR:
        return r->within_ms >= 0 && r->within_ms < T_LIMIT
                   ? t + r->within_ms
                   : KS_TIME_NONE;
    case KS_CLOCK_BUSINESS:
        return ks_business_add(p, t, r->within_ms);
    case KS_CLOCK_WORKDAYS:
        return ks_workdays_add(p, t, r->workdays);
    case KS_CLOCK_SAME_DAY:
        return ks_business_day_end(p, t);
    }
    return KS_TIME_NONE;
}
