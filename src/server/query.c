/*
 * Query parameters shared by the list views: paging, days, an agent
 * narrowing the caller's scope, and times as the CLI prints them. Each
 * reader refuses a bad value with invalid_field naming the parameter, so
 * nothing malformed reaches the store.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kesu/alloc.h"

enum { LIMIT_DEFAULT = 100, LIMIT_MAX = 500 };

/* A whole decimal number in [0, max]; -1 when not. */
static int whole(const char *s, unsigned long long max,
                 unsigned long long *out)
{
    if (!s || !*s || strlen(s) > 12)
        return -1;
    unsigned long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int srv_paging(srv_req *r, size_t *limit, size_t *offset)
{
    const char *l = srv_query(r, "limit"), *o = srv_query(r, "offset");
    unsigned long long v;
    *limit = LIMIT_DEFAULT;
    *offset = 0;
    if (l) {
        if (whole(l, LIMIT_MAX, &v) || v < 1) {
            srv_errorf(r, SRV_E_invalid_field, "limit",
                       "limit is a whole number from 1 to %d", LIMIT_MAX);
            return -1;
        }
        *limit = (size_t)v;
    }
    if (o) {
        if (whole(o, 1000000000000ULL, &v)) {
            srv_error(r, SRV_E_invalid_field,
                      "offset is a whole number from 0", "offset");
            return -1;
        }
        *offset = (size_t)v;
    }
    return 0;
}

/* Is s a real calendar day "YYYY-MM-DD"? */
static int is_day(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31};
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

int srv_query_day(srv_req *r, const char *name, const char **out)
{
    *out = srv_query(r, name);
    if (*out && !**out)
        *out = NULL;   /* ?day_from= : an empty field means no bound */
    if (*out && !is_day(*out)) {
        srv_errorf(r, SRV_E_invalid_field, name,
                   "%s is a day written YYYY-MM-DD", name);
        return -1;
    }
    return 0;
}

void srv_jb_time(jbuf *b, int64_t ms)
{
    char s[40];
    /* China time: UTC+8 all year. */
    jb_strz(b, ms == KS_TIME_NONE ? NULL : ks_time_format(ms, 480, s));
}

int srv_view_get(srv_req *r, const srv_scope *s, srv_view *v)
{
    memset(v, 0, sizeof *v);
    v->shop = s->shop;
    v->agent = s->agent;
    const char *want = srv_query(r, "agent");
    if (want && *want) {
        if (!srv_scope_has_agent(s, want))
            v->none = 1;   /* someone the caller does not see: no rows */
        v->agent = want;
    }
    if (!s->lead)
        return 0;
    v->agents = ks_malloc((s->nteam + 1) * sizeof *v->agents);
    if (!v->agents) {
        srv_error(r, SRV_E_internal, "out of memory", NULL);
        return -1;
    }
    for (size_t i = 0; i < s->nteam; i++)
        v->agents[i] = s->team[i];
    v->agents[s->nteam] = s->who->name;
    v->nagents = s->nteam + 1;
    return 0;
}

void srv_view_free(srv_view *v)
{
    ks_free(v->agents);
    v->agents = NULL;
}
