/* Conversation helpers: names of enums and ISO 8601 times. */
#include "kesu/conv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *ks_from_name(ks_from f)
{
    static const char *const names[] = {"customer", "agent", "system"};
    return names[f];
}

const char *ks_event_name(ks_event e)
{
    static const char *const names[] = {"", "end", "transfer", "timeout",
                                        "rating"};
    return names[e];
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

const char *ks_time_format(int64_t ms, int offset_min, char out[40])
{
    int64_t sec = (ms - ((ms % 1000) + 1000) % 1000) / 1000;
    time_t t = (time_t)(sec + (int64_t)offset_min * 60);
    struct tm tm;
    char base[24];
    if (!gmtime_r(&t, &tm) ||
        !strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm))
        snprintf(base, sizeof base, "0000-00-00T00:00:00");
    int a = offset_min < 0 ? -offset_min : offset_min;
    snprintf(out, 40, "%s%c%02d:%02d", base, offset_min < 0 ? '-' : '+',
             a / 60 % 100, a % 60);
    return out;
}

int ks_time_parse(const char *s, int64_t *ms)
{
    int Y, M, D, h, mi, sec, frac = 0;
    /* each test reads one place further than the last, so a short text
     * fails at its NUL without being measured */
    if (digits(s, 4, &Y) || s[4] != '-' ||
        digits(s + 5, 2, &M) || s[7] != '-' || digits(s + 8, 2, &D) ||
        (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return KS_EPARSE;
    if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 ||
        mi > 59 || sec > 60)
        return KS_EPARSE;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0, scale = 100;
        for (p++; isdigit((unsigned char)*p); p++, n++) {
            frac += (*p - '0') * scale;
            scale /= 10;
        }
        if (n == 0)
            return KS_EPARSE;
    }
    int off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) ||
            oh > 23 || om > 59)
            return KS_EPARSE;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return KS_EPARSE;   /* a local time without zone is ambiguous */
    }
    if (*p)
        return KS_EPARSE;
    int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec -
                (int64_t)off * 60;
    *ms = t * 1000 + frac;
    return KS_OK;
}
