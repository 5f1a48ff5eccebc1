/* The I/O edge of the complaint desk: opening the store, reading the
 * policy and scripts, the clock, and option value parsing. */
#include "desk.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KS_MAX_DESK_FILE (4u << 20)

/* Reads a whole small file; prints the reason on failure. */
static char *slurp(const char *cmd, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kesu %s: %s: cannot open: %s\n", cmd, path,
                strerror(errno));
        return NULL;
    }
    char *buf = malloc(KS_MAX_DESK_FILE + 1);
    size_t n = buf ? fread(buf, 1, KS_MAX_DESK_FILE + 1, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!buf || err || n > KS_MAX_DESK_FILE) {
        fprintf(stderr, "kesu %s: %s: %s\n", cmd, path,
                !buf ? "out of memory"
                     : err ? "read error" : "larger than 4 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int load_policy(ks_desk *dk, const ks_desk_opts *o, const char *cmd)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/desk/policy.yaml", ks_default_rules());
    ks_diags d = {0};
    size_t len;
    char *text = slurp(cmd, path, &len);
    if (!text)
        return KS_EXIT_FAIL;
    int rc = ks_policy_parse(NULL, text, len, path, &dk->policy, &d);
    free(text);
    if (rc == KS_OK && o->policy) {
        ks_policy *shop = NULL;
        if (!(text = slurp(cmd, o->policy, &len))) {
            ks_diags_free(&d);
            return KS_EXIT_FAIL;
        }
        rc = ks_policy_parse(dk->policy, text, len, o->policy, &shop, &d);
        free(text);
        ks_policy_free(dk->policy);
        dk->policy = shop;
    }
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    if (rc != KS_OK) {
        fprintf(stderr, "kesu %s: the policy was not loaded\n", cmd);
        return KS_EXIT_USAGE;
    }
    return KS_EXIT_OK;
}

static int load_scripts(ks_desk *dk, const ks_desk_opts *o, const char *cmd)
{
    char path[4096];
    if (o->scripts)
        snprintf(path, sizeof path, "%s", o->scripts);
    else
        snprintf(path, sizeof path, "%s/desk/scripts.yaml",
                 ks_default_rules());
    size_t len;
    char *text = slurp(cmd, path, &len);
    if (!text)
        return KS_EXIT_FAIL;
    ks_diags d = {0};
    int rc = ks_scripts_parse(text, len, path, &dk->scripts, &d);
    free(text);
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    if (rc != KS_OK) {
        fprintf(stderr, "kesu %s: the scripts were not loaded\n", cmd);
        return KS_EXIT_USAGE;
    }
    return KS_EXIT_OK;
}

static int open_store(ks_desk *dk, const ks_desk_opts *o, const char *cmd)
{
    const char *db = o->db ? o->db : getenv("KESU_DB");
    if (!db || !*db)
        db = "kesu.db";
    ks_diags d = {0};
    int rc = ks_store_open(db, &dk->store, &d);
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    if (rc != KS_OK) {
        fprintf(stderr, "kesu %s: cannot open the case database %s: %s\n",
                cmd, db, ks_strerror(rc));
        return KS_EXIT_FAIL;
    }
    return KS_EXIT_OK;
}

static int set_clock(ks_desk *dk, const ks_desk_opts *o, const char *cmd)
{
    const char *now = o->now ? o->now : getenv("KESU_NOW");
    if (now && *now)
        return ks_arg_time(cmd, "now", now, &dk->now) ? KS_EXIT_USAGE : 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    dk->now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return KS_EXIT_OK;
}

int ks_desk_open(ks_desk *dk, const ks_desk_opts *o, const char *cmd,
                 int with_store)
{
    memset(dk, 0, sizeof *dk);
    if (o->format && strcmp(o->format, "text") && strcmp(o->format, "json")) {
        fprintf(stderr, "kesu %s: --format must be text or json, not \"%s\"\n",
                cmd, o->format);
        return KS_EXIT_USAGE;
    }
    dk->json = o->format && !strcmp(o->format, "json");
    dk->traditional = o->traditional;
    dk->actor = o->actor ? o->actor : getenv("USER");
    if (!dk->actor || !*dk->actor)
        dk->actor = "cli";
    int rc = set_clock(dk, o, cmd);
    if (!rc)
        rc = load_policy(dk, o, cmd);
    if (!rc)
        rc = load_scripts(dk, o, cmd);
    if (!rc && with_store)
        rc = open_store(dk, o, cmd);
    if (rc)
        ks_desk_close(dk);
    return rc;
}

void ks_desk_close(ks_desk *dk)
{
    ks_store_close(dk->store);
    ks_policy_free(dk->policy);
    ks_scripts_free(dk->scripts);
    memset(dk, 0, sizeof *dk);
}

/* ---- option values --------------------------------------------------- */

int ks_arg_time(const char *cmd, const char *name, const char *v,
                int64_t *out)
{
    if (ks_time_parse(v, out) == KS_OK)
        return 0;
    fprintf(stderr, "kesu %s: --%s: \"%s\" is not a time; write it as "
                    "2024-06-05T10:00:00+08:00\n", cmd, name, v);
    return -1;
}

int ks_arg_money(const char *cmd, const char *name, const char *v,
                 double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x) || x < 0 || x > 1e9) {
        fprintf(stderr, "kesu %s: --%s: \"%s\" is not an amount in yuan "
                        "(a number, 0 or more)\n", cmd, name, v);
        return -1;
    }
    *out = x;
    return 0;
}

int ks_arg_int(const char *cmd, const char *name, const char *v, long min,
               long max, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < min || x > max) {
        fprintf(stderr, "kesu %s: --%s: \"%s\" is not a whole number from "
                        "%ld to %ld\n", cmd, name, v, min, max);
        return -1;
    }
    *out = x;
    return 0;
}

int ks_arg_id(const char *cmd, const char *v, int64_t *out)
{
    const char *s = v && (*v == '#') ? v + 1 : v;
    char *end;
    errno = 0;
    long long x = s ? strtoll(s, &end, 10) : 0;
    if (!s || end == s || *end || errno || x <= 0) {
        fprintf(stderr, "kesu %s: \"%s\" is not a case number\n", cmd,
                v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

int ks_arg_tristate(const char *cmd, const char *name, const char *v,
                    int *out)
{
    static const char *const yes[] = {"yes", "bad", "1", "true", NULL};
    static const char *const no[] = {"no", "fine", "0", "false", NULL};
    for (int i = 0; yes[i]; i++)
        if (!strcmp(v, yes[i]))
            return *out = 1, 0;
    for (int i = 0; no[i]; i++)
        if (!strcmp(v, no[i]))
            return *out = 0, 0;
    if (!strcmp(v, "unknown"))
        return *out = -1, 0;
    fprintf(stderr, "kesu %s: --%s: \"%s\": say yes, no or unknown\n", cmd,
            name, v);
    return -1;
}

int ks_arg_duration(const char *cmd, const char *name, const char *v,
                    int64_t *ms)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    int64_t unit = !strcmp(end, "m") ? 60000
                 : !strcmp(end, "h") ? 3600000
                 : !strcmp(end, "d") ? 86400000 : 0;
    if (end == v || errno || x < 0 || x > 100000 || !unit) {
        fprintf(stderr, "kesu %s: --%s: \"%s\" is not a duration such as "
                        "30m, 24h or 7d\n", cmd, name, v);
        return -1;
    }
    *ms = x * unit;
    return 0;
}

int ks_arg_causes(const char *cmd, const char *v, uint32_t *out)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", v);
    *out = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        int c = ks_cause_from_name(t);
        if (c < 0) {
            fprintf(stderr, "kesu %s: --causes: unknown cause \"%s\" (one "
                            "of product, logistics, shipping, after_sales, "
                            "service, promise, misunderstanding, "
                            "unreasonable, malicious_review)\n", cmd, t);
            return -1;
        }
        *out |= 1u << c;
    }
    return 0;
}

/* ---- formatting ------------------------------------------------------ */

static void local_tm(const ks_desk *dk, int64_t t, struct tm *tm)
{
    int off = dk->policy ? dk->policy->utc_offset_min : 480;
    time_t s = (time_t)((t - (t % 1000 + 1000) % 1000) / 1000) + off * 60;
    gmtime_r(&s, tm);
}

const char *ks_fmt_time(const ks_desk *dk, int64_t t, char buf[32])
{
    if (t == KS_TIME_NONE)
        return "—";
    struct tm tm;
    local_tm(dk, t, &tm);
    strftime(buf, 32, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

const char *ks_fmt_iso(const ks_desk *dk, int64_t t, char buf[40])
{
    ks_desk_env e = ks_desk_env_of(dk);
    return ks_desk_iso(&e, t, buf);
}

const char *ks_fmt_span(int64_t ms, char buf[32])
{
    int64_t m = ms / 60000;
    if (m < 60)
        snprintf(buf, 32, "%lldm", (long long)m);
    else if (m < 24 * 60)
        snprintf(buf, 32, "%lldh%02lldm", (long long)(m / 60),
                 (long long)(m % 60));
    else
        snprintf(buf, 32, "%lldd%lldh", (long long)(m / 1440),
                 (long long)(m % 1440 / 60));
    return buf;
}

/* ---- load / save ----------------------------------------------------- */

int ks_desk_load(ks_desk *dk, const char *cmd, int64_t id, ks_case *c)
{
    ks_case_init(c);
    int rc = ks_store_case_get(dk->store, id, c);
    if (rc == KS_ENOENT) {
        fprintf(stderr, "kesu %s: no case %lld\n", cmd, (long long)id);
        return KS_EXIT_BADINPUT;
    }
    if (rc) {
        fprintf(stderr, "kesu %s: case %lld: %s (%s)\n", cmd, (long long)id,
                ks_strerror(rc), ks_store_errmsg(dk->store));
        return KS_EXIT_FAIL;
    }
    return KS_EXIT_OK;
}

ks_desk_env ks_desk_env_of(const ks_desk *dk)
{
    ks_desk_env e = {dk->store, dk->policy, dk->scripts, dk->now, dk->actor,
                     dk->traditional};
    return e;
}
