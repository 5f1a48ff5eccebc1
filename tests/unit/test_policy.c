/*
 * The shop policy (policy.h): the shipped file, overlays, located errors
 * for every kind of mistake, lookups, the business calendar of 2026
 * (holidays, 调休 make-up days, the +08:00 day boundary) and allocation
 * failures.
 */
#include "kt.h"
#include "kt_oom.h"

#define SHIPPED KS_RULES_DIR "/desk/policy.yaml"
#define MIN 60000LL
#define HOUR (60 * MIN)

static char *g_text;           /* the shipped file */
static ks_policy *g_pol;       /* parsed from it */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

static int setup(void **state)
{
    (void)state;
    g_text = slurp(SHIPPED);
    ks_diags d = {0};
    int rc = ks_policy_parse(NULL, g_text, strlen(g_text), "policy.yaml",
                             &g_pol, &d);
    kt_print_diags(&d);
    ks_diags_free(&d);
    return rc == KS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ks_policy_free(g_pol);
    free(g_text);
    return 0;
}

/* Local time in the shipped policy's zone. */
static int64_t T(const char *iso)
{
    int64_t ms;
    assert_int_equal(ks_time_parse(iso, &ms), KS_OK);
    return ms;
}

static void assert_time(int64_t got, const char *want)
{
    if (got != T(want)) {
        fprintf(stderr, "got %lld, want %s (%lld); diff %lld min\n",
                (long long)got, want, (long long)T(want),
                (long long)(got - T(want)) / MIN);
        fail();
    }
}

/* Parses yaml over base (NULL: standalone) expecting success. */
static ks_policy *parse_ok(const ks_policy *base, const char *yaml)
{
    ks_diags d = {0};
    ks_policy *p = NULL;
    int rc = ks_policy_parse(base, yaml, strlen(yaml), "t.yaml", &p, &d);
    if (rc != KS_OK || d.n) {
        fprintf(stderr, "policy did not parse cleanly (rc %d):\n%s\n", rc,
                yaml);
        kt_print_diags(&d);
    }
    assert_int_equal(rc, KS_OK);
    assert_int_equal(d.n, 0);
    ks_diags_free(&d);
    return p;
}

/* Expects an error at where (a "t.yaml:line:col" prefix) containing msg. */
static void parse_bad(const ks_policy *base, const char *yaml,
                      const char *where, const char *msg)
{
    ks_diags d = {0};
    ks_policy *p = (ks_policy *)1;
    int rc = ks_policy_parse(base, yaml, strlen(yaml), "t.yaml", &p, &d);
    if (rc != KS_ERULES)
        fprintf(stderr, "accepted (rc %d):\n%s\n", rc, yaml);
    assert_int_equal(rc, KS_ERULES);
    assert_null(p);
    assert_diag(&d, 0, where, msg);
    ks_diags_free(&d);
}

/* ---- the shipped file --------------------------------------------------- */

static void shipped_file(void **state)
{
    (void)state;
    const ks_policy *p = g_pol;
    assert_int_equal(p->utc_offset_min, 480);
    assert_int_equal(p->work_start_min, 9 * 60);
    assert_int_equal(p->work_end_min, 18 * 60 + 30);
    assert_int_equal(p->workweek, 0x1f);
    assert_int_equal(p->nholidays, 3 + 9 + 3 + 5 + 3 + 3 + 7);
    assert_int_equal(p->nmakeup, 6);
    for (size_t i = 1; i < p->nholidays; i++)
        assert_true(p->holidays[i - 1] < p->holidays[i]);
    static const char *const names[] = {
        "reply", "callback", "tracking", "reship", "refund", "compensate",
        "evidence", "other", "platform_review"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const ks_deadline_rule *r = ks_policy_deadline(p, names[i]);
        assert_non_null(r);
        assert_non_null(r->source);
        assert_true(strlen(r->source) > 10);
    }
    const ks_deadline_rule *r = ks_policy_deadline(p, "reply");
    assert_int_equal(r->clock, KS_CLOCK_BUSINESS);
    assert_int_equal(r->within_ms, 3 * MIN);
    r = ks_policy_deadline(p, "callback");
    assert_int_equal(r->clock, KS_CLOCK_CALENDAR);
    assert_int_equal(r->within_ms, 30 * MIN);
    assert_int_equal(ks_policy_deadline(p, "tracking")->clock,
                     KS_CLOCK_SAME_DAY);
    r = ks_policy_deadline(p, "platform_review");
    assert_int_equal(r->clock, KS_CLOCK_WORKDAYS);
    assert_int_equal(r->workdays, 6);
    assert_int_equal(r->within_ms, 0);
    assert_int_equal(ks_policy_deadline(p, "refund")->within_ms, 48 * HOUR);
    assert_int_equal(p->stance, KS_STANCE_REPUTATION);
    assert_true(p->goodwill_max_price == 100);
    assert_true(p->compensation_share == 0.3);
    assert_int_equal(p->nladder, 3);
    assert_true(p->ladder[2] == 1.0);
    assert_int_equal(p->batch_threshold, 3);
    assert_int_equal(p->repeat_contacts_high, 2);
}

static void lookups(void **state)
{
    (void)state;
    const ks_policy *p = g_pol;
    assert_int_equal(ks_policy_window(p, "food")->days, 7);
    assert_false(ks_policy_window(p, "food")->no_reason_return);
    assert_int_equal(ks_policy_window(p, "FOOD")->days, 7);
    assert_string_equal(ks_policy_window(p, "toys")->category, "*");
    assert_int_equal(ks_policy_window(p, "toys")->days, 15);
    assert_true(ks_policy_window(p, "toys")->no_reason_return);
    assert_string_equal(ks_policy_window(p, NULL)->category, "*");
    assert_false(ks_policy_window(p, "custom")->no_reason_return);
    assert_int_equal(ks_policy_transit_days(p, "sf"), 2);
    assert_int_equal(ks_policy_transit_days(p, "SF"), 2);
    assert_int_equal(ks_policy_transit_days(p, "ems"), 4);
    assert_int_equal(ks_policy_transit_days(p, "best"), 3);
    assert_int_equal(ks_policy_transit_days(p, NULL), 3);
    assert_true(ks_policy_is_perishable(p, "food"));
    assert_true(ks_policy_is_perishable(p, "fresh"));
    assert_false(ks_policy_is_perishable(p, "books"));
    assert_false(ks_policy_is_perishable(p, NULL));
    assert_null(ks_policy_deadline(p, "nope"));
    assert_null(ks_policy_deadline(p, NULL));
    /* a hand-built policy without defaults */
    ks_policy empty = {0};
    assert_null(ks_policy_window(&empty, "food"));
    assert_int_equal(ks_policy_transit_days(&empty, "sf"), -1);
}

/* ---- overlays ----------------------------------------------------------- */

static void overlay_keeps_the_rest(void **state)
{
    (void)state;
    ks_policy *p = parse_ok(g_pol, "deadlines:\n  - name: reply\n"
                                   "    within: 5m\n");
    const ks_deadline_rule *r = ks_policy_deadline(p, "reply");
    assert_int_equal(r->within_ms, 5 * MIN);
    assert_int_equal(r->clock, KS_CLOCK_BUSINESS);
    assert_string_equal(r->source, ks_policy_deadline(g_pol, "reply")->source);
    assert_int_equal(p->ndeadlines, g_pol->ndeadlines);
    assert_int_equal(ks_policy_deadline(p, "callback")->within_ms, 30 * MIN);
    assert_int_equal(p->nholidays, g_pol->nholidays);
    assert_int_equal(p->nmakeup, g_pol->nmakeup);
    assert_int_equal(p->nwindows, g_pol->nwindows);
    assert_int_equal(p->ncarriers, g_pol->ncarriers);
    assert_int_equal(p->nperishable, g_pol->nperishable);
    assert_int_equal(p->nladder, 3);
    assert_int_equal(p->workweek, g_pol->workweek);
    assert_int_equal(p->utc_offset_min, 480);
    /* the base is untouched */
    assert_int_equal(ks_policy_deadline(g_pol, "reply")->within_ms, 3 * MIN);
    ks_policy_free(p);
}

static void overlay_merges_and_replaces(void **state)
{
    (void)state;
    ks_policy *p = parse_ok(g_pol,
        "business_hours:\n  workweek: [mon, tue, wed, thu, fri, sat]\n"
        "  end: \"22:00\"\n"
        "carriers:\n  sf: 1\n  best: 4\n"
        "windows:\n  - {category: toys, days: 30, source: 店铺承诺}\n"
        "  - {category: food, days: 3}\n"
        "deadlines:\n"
        "  - {name: platform_review, clock: calendar, within: 7d}\n"
        "  - {name: gift, clock: same_day}\n"
        "perishable: [cake]\n"
        "holidays: []\n"
        "planner:\n  stance: cost\n  ladder: [0.5, 1]\n");
    assert_int_equal(p->workweek, 0x3f);
    assert_int_equal(p->work_start_min, 9 * 60);
    assert_int_equal(p->work_end_min, 22 * 60);
    assert_int_equal(ks_policy_transit_days(p, "sf"), 1);
    assert_int_equal(ks_policy_transit_days(p, "best"), 4);
    assert_int_equal(ks_policy_transit_days(p, "zto"), 3);
    assert_int_equal(ks_policy_window(p, "toys")->days, 30);
    assert_string_equal(ks_policy_window(p, "toys")->source, "店铺承诺");
    assert_true(ks_policy_window(p, "toys")->no_reason_return);
    const ks_window *w = ks_policy_window(p, "food");
    assert_int_equal(w->days, 3);
    assert_false(w->no_reason_return);      /* kept from the base */
    assert_non_null(strstr(w->source, "seed 000"));
    const ks_deadline_rule *r = ks_policy_deadline(p, "platform_review");
    assert_int_equal(r->clock, KS_CLOCK_CALENDAR);
    assert_int_equal(r->within_ms, 7 * 24 * HOUR);
    assert_int_equal(r->workdays, 0);
    r = ks_policy_deadline(p, "gift");
    assert_non_null(r);
    assert_string_equal(r->source, "t.yaml");
    assert_true(ks_policy_is_perishable(p, "cake"));
    assert_false(ks_policy_is_perishable(p, "food"));
    assert_int_equal(p->nholidays, 0);
    assert_int_equal(p->nmakeup, 6);
    assert_int_equal(p->stance, KS_STANCE_COST);
    assert_int_equal(p->nladder, 2);
    ks_policy_free(p);
    /* an empty overlay is a copy */
    p = parse_ok(g_pol, "# nothing to change\n");
    assert_int_equal(p->ndeadlines, g_pol->ndeadlines);
    assert_memory_equal(p->holidays, g_pol->holidays,
                        g_pol->nholidays * sizeof *p->holidays);
    ks_policy_free(p);
}

/* ---- located errors ----------------------------------------------------- */

static void errors_keys_and_types(void **state)
{
    (void)state;
    parse_bad(g_pol, "timezone: \"+08:00\"\nholiday: []\n", "t.yaml:2:1",
              "unknown key \"holiday\"");
    parse_bad(g_pol, "deadlines:\n  - name: reply\n    whithin: 5m\n",
              "t.yaml:3:5", "unknown key \"whithin\"");
    parse_bad(g_pol, "planner:\n  stance: cost\n  stance: reputation\n",
              "t.yaml:3:3", "appears twice");
    parse_bad(g_pol, "deadlines:\n  reply: 3m\n", "t.yaml:2:3",
              "deadlines must be a list");
    parse_bad(g_pol, "planner:\n  ladder: 0.5\n", "t.yaml:2:11",
              "ladder must be a list");
    parse_bad(g_pol, "business_hours: [\"09:00\"]\n", "t.yaml:1:17",
              "business_hours must be a mapping");
    parse_bad(g_pol, "timezone: [8]\n", "t.yaml:1:11", "single value");
    parse_bad(g_pol, "- timezone\n", "t.yaml:1:1", "mapping of sections");
    parse_bad(g_pol, "deadlines: [a, b\n", "t.yaml:", "YAML syntax error");
    parse_bad(NULL, "", "t.yaml:1:1", "empty");
    parse_bad(NULL, "timezone: \"+08:00\"\n", "t.yaml:1:1",
              "missing section business_hours:");
    parse_bad(NULL, "timezone: \"+08:00\"\n", "t.yaml:1:1",
              "missing section planner:");
}

static void errors_values(void **state)
{
    (void)state;
    parse_bad(g_pol, "deadlines:\n  - name: reply\n    within: 3 minutes\n",
              "t.yaml:3:13", "bad duration \"3 minutes\"");
    parse_bad(g_pol, "deadlines:\n  - name: reply\n    within: 30\n",
              "t.yaml:3:13", "bad duration");
    parse_bad(g_pol, "deadlines:\n  - name: reply\n    within: 0m\n",
              "t.yaml:3:13", "longer than 0");
    parse_bad(g_pol, "deadlines:\n  - name: reply\n    within: 400d\n",
              "t.yaml:3:13", "bad duration");
    parse_bad(g_pol, "business_hours:\n  start: 9h\n", "t.yaml:2:10",
              "bad time \"9h\"");
    parse_bad(g_pol, "business_hours:\n  end: \"24:30\"\n", "t.yaml:2:8",
              "bad time");
    parse_bad(g_pol, "business_hours:\n  start: \"18:00\"\n  end: \"09:00\"\n",
              "t.yaml:3:8", "must be after start");
    /* against the base's end (18:30) */
    parse_bad(g_pol, "business_hours:\n  start: \"19:00\"\n", "t.yaml:2:10",
              "must be after start");
    parse_bad(g_pol, "business_hours:\n  workweek: []\n", "t.yaml:2:13",
              "at least one working day");
    parse_bad(g_pol, "business_hours:\n  workweek: [mon, fry]\n",
              "t.yaml:2:19", "unknown day \"fry\"");
    parse_bad(g_pol, "timezone: \"UTC+8\"\n", "t.yaml:1:11",
              "bad timezone");
    parse_bad(g_pol, "windows:\n  - category: food\n    days: -3\n",
              "t.yaml:3:11", "whole number from 0");
    parse_bad(g_pol, "deadlines:\n  - name: platform_review\n    days: -1\n",
              "t.yaml:3:11", "whole number from 1");
    parse_bad(g_pol, "carriers:\n  sf: -2\n", "t.yaml:2:7", "whole number");
    parse_bad(g_pol, "holidays: [\"2026-02-30\"]\n", "t.yaml:1:12",
              "not a calendar date");
    parse_bad(g_pol, "holidays:\n  - 2026/10/01\n", "t.yaml:2:5",
              "bad date");
    parse_bad(g_pol, "holidays:\n  - {from: \"2026-10-07\", to: "
                     "\"2026-10-01\"}\n", "t.yaml:2:30", "on or after from");
    parse_bad(g_pol, "holidays:\n  - \"2026-10-01\"\n  - \"2026-10-01\"\n",
              "t.yaml:3:5", "2026-10-01 is listed twice");
    parse_bad(g_pol, "makeup_days: [\"2026-10-01\"]\n", "t.yaml:1:14",
              "2026-10-01 is both a holiday and a make-up day");
    parse_bad(g_pol, "planner:\n  compensation_share: 1.5\n", "t.yaml:2:23",
              "number from 0 to 1");
    parse_bad(g_pol, "planner:\n  ladder: [0.5, 0.3]\n", "t.yaml:2:17",
              "must rise");
    parse_bad(g_pol, "planner:\n  stance: cheap\n", "t.yaml:2:11",
              "unknown stance");
    parse_bad(g_pol, "windows:\n  - {category: toys, no_reason_return: "
                     "maybe, days: 3}\n", "t.yaml:2:40", "true or false");
}

static void errors_deadlines(void **state)
{
    (void)state;
    parse_bad(g_pol, "deadlines:\n  - name: x\n    clock: wallclock\n"
                     "    within: 1h\n",
              "t.yaml:3:12", "unknown clock \"wallclock\"");
    parse_bad(g_pol, "deadlines:\n  - {name: a, clock: calendar, within: 1h}\n"
                     "  - {name: a, clock: calendar, within: 2h}\n",
              "t.yaml:3:12", "deadline \"a\" is defined twice");
    parse_bad(g_pol, "deadlines:\n  - {name: x, within: 1h}\n", "t.yaml:2:5",
              "needs a clock");
    parse_bad(g_pol, "deadlines:\n  - {name: x, clock: calendar}\n",
              "t.yaml:2:5", "needs within:");
    parse_bad(g_pol, "deadlines:\n  - {name: x, clock: workdays}\n",
              "t.yaml:2:5", "needs days:");
    parse_bad(g_pol, "deadlines:\n  - name: reply\n    days: 2\n",
              "t.yaml:3:11", "days: is for the workdays clock");
    parse_bad(g_pol, "deadlines:\n  - name: platform_review\n    within: 2h\n",
              "t.yaml:3:13", "within: is for calendar and business");
    parse_bad(g_pol, "deadlines:\n  - {name: tracking, within: 2h}\n",
              "t.yaml:2:30", "takes neither");
    parse_bad(g_pol, "deadlines:\n  - clock: calendar\n", "t.yaml:2:5",
              "needs a name");
    parse_bad(g_pol, "windows:\n  - {category: toys}\n", "t.yaml:2:5",
              "needs days:");
    parse_bad(g_pol, "windows:\n  - {category: a, days: 1}\n"
                     "  - {category: A, days: 2}\n",
              "t.yaml:3:16", "defined twice");
    parse_bad(g_pol, "carriers:\n  sf: 1\n  SF: 2\n", "t.yaml:3:3",
              "appears twice");
    parse_bad(g_pol, "perishable: [food, food]\n", "t.yaml:1:20",
              "listed twice");
}

/* The shipped file with one line changed, parsed standalone. */
static void errors_standalone(void **state)
{
    (void)state;
    const char *from = "  - category: \"*\"\n";
    char *s = malloc(strlen(g_text) + 16);
    assert_non_null(s);
    const char *at = strstr(g_text, from);
    assert_non_null(at);
    sprintf(s, "%.*s  - category: toys\n%s", (int)(at - g_text), g_text,
            at + strlen(from));
    parse_bad(NULL, s, "t.yaml:", "need a \"*\" entry");
    free(s);
    /* without a base every field of business_hours and planner is needed */
    char *t = strdup(g_text);
    assert_non_null(t);
    char *q = strstr(t, "  end: \"18:30\"");
    assert_non_null(q);
    memcpy(q, "# ", 2);
    parse_bad(NULL, t, "t.yaml:", "business_hours needs end:");
    free(t);
    ks_policy *p = (ks_policy *)1;
    assert_int_equal(ks_policy_parse(NULL, NULL, 5, "x", &p, NULL),
                     KS_EINVAL);
}

/* ---- calendar ----------------------------------------------------------- */

static void business_add(void **state)
{
    (void)state;
    const ks_policy *p = g_pol;
    /* across a night: Tuesday 18:29 + 3 min */
    assert_time(ks_business_add(p, T("2026-03-10T18:29:00+08:00"), 3 * MIN),
                "2026-03-11T09:02:00+08:00");
    /* using up the day exactly ends at 18:30, not the next morning */
    assert_time(ks_business_add(p, T("2026-03-10T18:27:00+08:00"), 3 * MIN),
                "2026-03-10T18:30:00+08:00");
    /* before opening */
    assert_time(ks_business_add(p, T("2026-03-10T07:00:00+08:00"), 3 * MIN),
                "2026-03-10T09:03:00+08:00");
    /* across a weekend: Friday 18:00 + 1 h */
    assert_time(ks_business_add(p, T("2026-03-13T18:00:00+08:00"), HOUR),
                "2026-03-16T09:30:00+08:00");
    /* across 劳动节 (05-01..05-05): Thursday 04-30 18:00 + 1 h */
    assert_time(ks_business_add(p, T("2026-04-30T18:00:00+08:00"), HOUR),
                "2026-05-06T09:30:00+08:00");
    /* into the make-up Saturday 05-09 */
    assert_time(ks_business_add(p, T("2026-05-08T18:20:00+08:00"), 30 * MIN),
                "2026-05-09T09:20:00+08:00");
    /* several days: 2 business days of 9.5 h from Monday 09:00 */
    assert_time(ks_business_add(p, T("2026-03-09T09:00:00+08:00"), 19 * HOUR),
                "2026-03-10T18:30:00+08:00");
    assert_int_equal(ks_business_add(p, T("2026-03-10T20:00:00+08:00"), 0),
                     T("2026-03-10T20:00:00+08:00"));
    assert_int_equal(ks_business_add(p, KS_TIME_NONE, MIN), KS_TIME_NONE);
}

static void same_day_end(void **state)
{
    (void)state;
    const ks_policy *p = g_pol;
    assert_time(ks_business_day_end(p, T("2026-03-10T10:00:00+08:00")),
                "2026-03-10T18:30:00+08:00");
    assert_time(ks_business_day_end(p, T("2026-03-10T06:00:00+08:00")),
                "2026-03-10T18:30:00+08:00");
    assert_time(ks_business_day_end(p, T("2026-03-10T18:30:00+08:00")),
                "2026-03-11T18:30:00+08:00");
    assert_time(ks_business_day_end(p, T("2026-03-14T11:00:00+08:00")),
                "2026-03-16T18:30:00+08:00");
    assert_time(ks_business_day_end(p, T("2026-05-09T11:00:00+08:00")),
                "2026-05-09T18:30:00+08:00");
    assert_time(ks_business_day_end(p, T("2026-09-30T20:00:00+08:00")),
                "2026-10-08T18:30:00+08:00");
}

static void workdays_add(void **state)
{
    (void)state;
    const ks_policy *p = g_pol;
    /* across 国庆 (10-01..10-07) and the make-up Saturday 10-10 */
    assert_time(ks_workdays_add(p, T("2026-09-30T10:00:00+08:00"), 6),
                "2026-10-14T10:00:00+08:00");
    /* the make-up Sunday 09-20 counts */
    assert_time(ks_workdays_add(p, T("2026-09-18T10:00:00+08:00"), 1),
                "2026-09-20T10:00:00+08:00");
    /* time of day clamped into business hours */
    assert_time(ks_workdays_add(p, T("2026-03-10T20:00:00+08:00"), 1),
                "2026-03-11T18:30:00+08:00");
    assert_time(ks_workdays_add(p, T("2026-03-13T07:00:00+08:00"), 1),
                "2026-03-16T09:00:00+08:00");
    /* 春节 (02-15..02-23), with the make-up Saturday 02-14 before it */
    assert_time(ks_workdays_add(p, T("2026-02-13T12:00:00+08:00"), 2),
                "2026-02-24T12:00:00+08:00");
}

static void time_zone_edges(void **state)
{
    (void)state;
    const ks_policy *p = g_pol;
    /* Friday 23:59 local is still Friday; Saturday 00:00 local is 16:00
     * UTC on Friday, and not a working day */
    assert_true(ks_is_workday(p, T("2026-03-13T23:59:59+08:00")));
    assert_false(ks_is_workday(p, T("2026-03-14T00:00:00+08:00")));
    assert_false(ks_is_workday(p, T("2026-03-13T16:00:00Z")));
    /* Monday 00:00 local is Sunday 16:00 UTC: a working day here */
    assert_true(ks_is_workday(p, T("2026-03-15T16:00:00Z")));
    assert_true(ks_is_business_time(p, T("2026-03-16T09:00:00+08:00")));
    assert_false(ks_is_business_time(p, T("2026-03-16T08:59:59+08:00")));
    assert_false(ks_is_business_time(p, T("2026-03-16T18:30:00+08:00")));
    assert_false(ks_is_workday(p, T("2026-10-01T12:00:00+08:00")));
    assert_true(ks_is_workday(p, T("2026-10-10T12:00:00+08:00")));
    /* a western zone, and times before 1970 (floor division) */
    ks_policy *w = parse_ok(g_pol, "timezone: \"-05:00\"\n");
    assert_true(ks_is_workday(w, T("2026-03-14T04:59:00Z")));   /* Fri */
    assert_false(ks_is_workday(w, T("2026-03-14T05:00:00Z")));  /* Sat */
    assert_time(ks_business_day_end(w, T("2026-03-13T20:00:00-05:00")),
                "2026-03-16T18:30:00-05:00");
    ks_policy_free(w);
    ks_policy *u = parse_ok(g_pol, "timezone: \"+00:00\"\n");
    assert_true(ks_is_workday(u, -1));          /* Wed 1969-12-31 */
    assert_false(ks_is_business_time(u, -1));   /* 23:59:59.999 */
    assert_false(ks_is_workday(u, -4 * 86400000LL));  /* Sun 1969-12-28 */
    ks_policy_free(u);
}

static void due_by_clock(void **state)
{
    (void)state;
    const ks_policy *p = g_pol;
    int64_t fri = T("2026-03-13T18:29:00+08:00");
    assert_time(ks_policy_due(p, "reply", fri), "2026-03-16T09:02:00+08:00");
    assert_int_equal(ks_policy_due(p, "callback", fri), fri + 30 * MIN);
    assert_int_equal(ks_policy_due(p, "refund", fri), fri + 48 * HOUR);
    assert_time(ks_policy_due(p, "tracking", fri), "2026-03-13T18:30:00+08:00");
    assert_time(ks_policy_due(p, "platform_review", fri),
                "2026-03-23T18:29:00+08:00");
    assert_int_equal(ks_policy_due(p, "no_such_rule", fri), KS_TIME_NONE);
    assert_int_equal(ks_policy_due(p, "reply", KS_TIME_NONE), KS_TIME_NONE);
    assert_int_equal(ks_policy_due(NULL, "reply", fri), KS_TIME_NONE);
}

/* A hand-built policy with no working day must not hang. */
static void absurd_input_ends(void **state)
{
    (void)state;
    ks_policy p = {0};
    p.work_start_min = 540;
    p.work_end_min = 1110;
    int64_t t = T("2026-03-10T10:00:00+08:00");
    assert_int_equal(ks_business_add(&p, t, MIN), KS_TIME_NONE);
    assert_int_equal(ks_workdays_add(&p, t, 1), KS_TIME_NONE);
    assert_int_equal(ks_business_day_end(&p, t), KS_TIME_NONE);
    assert_int_equal(ks_business_add(g_pol, t, INT64_MAX), KS_TIME_NONE);
    assert_int_equal(ks_workdays_add(g_pol, t, 1 << 30), KS_TIME_NONE);
    assert_int_equal(ks_business_add(g_pol, INT64_MAX, MIN), KS_TIME_NONE);
    assert_false(ks_is_workday(g_pol, INT64_MIN + 1));
}

/* ---- allocation failures ------------------------------------------------ */

/* Fails allocation 1, 2, ... of one parse until it succeeds: each run
 * ends in KS_ENOMEM or in the full result, with nothing left allocated. */
static void oom_run(const ks_policy *base, const char *text, int sticky)
{
    ks_set_allocator(kt_malloc, kt_realloc, kt_free);
    for (long n = 1;; n++) {
        kt_calls = 0;
        kt_live = 0;
        kt_fail_at = n;
        kt_sticky = sticky;
        ks_diags d = {0};
        ks_policy *p = NULL;
        int rc = ks_policy_parse(base, text, strlen(text), "t.yaml", &p, &d);
        int ok = kt_calls < n;   /* no allocation failed */
        if (rc == KS_OK) {
            assert_int_equal(d.n, 0);
            assert_int_equal(p->ndeadlines, g_pol->ndeadlines);
            assert_int_equal(p->nholidays, g_pol->nholidays);
            assert_int_equal(p->ncarriers, g_pol->ncarriers + (base != NULL));
        } else {
            assert_int_equal(rc, KS_ENOMEM);
            assert_null(p);
        }
        ks_policy_free(p);
        ks_diags_free(&d);
        if (kt_live != 0)
            fprintf(stderr, "failing allocation %ld: %ld left\n", n, kt_live);
        assert_int_equal(kt_live, 0);
        if (ok) {
            assert_int_equal(rc, KS_OK);
            break;
        }
    }
    kt_fail_at = 0;
    ks_set_allocator(NULL, NULL, NULL);
}

static void oom_shipped(void **state)
{
    (void)state;
    oom_run(NULL, g_text, 0);
    oom_run(NULL, g_text, 1);
}

static void oom_overlay(void **state)
{
    (void)state;
    static const char overlay[] =
        "deadlines:\n  - {name: reply, within: 5m, source: shop}\n"
        "  - {name: gift, clock: same_day}\n"
        "windows:\n  - {category: toys, days: 30}\n"
        "  - {category: food, days: 3, source: shop}\n"
        "carriers:\n  sf: 1\n  best: 4\n"
        "holidays: [\"2026-10-01\", {from: \"2026-02-15\", to: "
        "\"2026-02-23\"}]\n"
        "perishable: [cake, food, fresh]\n"
        "planner:\n  ladder: [0.5, 1]\n";
    /* the overlay's own counts differ from the base: check them here */
    ks_policy *p = parse_ok(g_pol, overlay);
    assert_int_equal(p->ndeadlines, g_pol->ndeadlines + 1);
    assert_int_equal(p->nholidays, 10);
    ks_policy_free(p);
    static const char same_counts[] =
        "deadlines:\n  - {name: reply, within: 5m, source: shop}\n"
        "windows:\n  - {category: food, days: 3, source: shop}\n"
        "carriers:\n  sf: 1\n  best: 4\n"
        "perishable: [cake, food, fresh]\n"
        "planner:\n  ladder: [0.5, 1]\n";
    oom_run(g_pol, same_counts, 0);
    oom_run(g_pol, same_counts, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_file),
        cmocka_unit_test(lookups),
        cmocka_unit_test(overlay_keeps_the_rest),
        cmocka_unit_test(overlay_merges_and_replaces),
        cmocka_unit_test(errors_keys_and_types),
        cmocka_unit_test(errors_values),
        cmocka_unit_test(errors_deadlines),
        cmocka_unit_test(errors_standalone),
        cmocka_unit_test(business_add),
        cmocka_unit_test(same_day_end),
        cmocka_unit_test(workdays_add),
        cmocka_unit_test(time_zone_edges),
        cmocka_unit_test(due_by_clock),
        cmocka_unit_test(absurd_input_ends),
        cmocka_unit_test(oom_shipped),
        cmocka_unit_test(oom_overlay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
