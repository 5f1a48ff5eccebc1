/* ISO 8601 times (ks_time_parse). */
#include "kt.h"

static int64_t parse_ok(const char *s)
{
    int64_t ms = 12345;
    int rc = ks_time_parse(s, &ms);
    if (rc != KS_OK) {
        fprintf(stderr, "\"%s\" rejected (%d)\n", s, rc);
        fail();
    }
    return ms;
}

static void parse_bad(const char *s)
{
    int64_t ms = 0;
    if (ks_time_parse(s, &ms) != KS_EPARSE) {
        fprintf(stderr, "\"%s\" accepted as %lld\n", s, (long long)ms);
        fail();
    }
}

static void zones(void **state)
{
    (void)state;
    /* 2024-06-05T10:00:00+08:00 == 2024-06-05T02:00:00Z */
    assert_int_equal(parse_ok("2024-06-05T10:00:00+08:00"), KT_T0);
    assert_int_equal(parse_ok("2024-06-05T02:00:00Z"), KT_T0);
    assert_int_equal(parse_ok("2024-06-04T21:00:00-05:00"), KT_T0);
    assert_int_equal(parse_ok("2024-06-05T07:30:00+05:30"), KT_T0);
    assert_int_equal(parse_ok("2024-06-05T02:00:00+00:00"), KT_T0);
    assert_int_equal(parse_ok("2024-06-05T02:00:00-00:00"), KT_T0);
    /* a space instead of T (RFC 3339 allows it) */
    assert_int_equal(parse_ok("2024-06-05 10:00:00+08:00"), KT_T0);
}

static void epoch_and_calendar(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1970-01-01T08:00:00+08:00"), 0);
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1000);
    assert_int_equal(parse_ok("2000-03-01T00:00:00Z"), 951868800000LL);
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), 1709164800000LL);
    assert_int_equal(parse_ok("2100-12-31T23:59:59Z"), 4133980799000LL);
    /* crossing midnight and a year boundary through the offset */
    assert_int_equal(parse_ok("2024-01-01T07:59:59+08:00"),
                     parse_ok("2023-12-31T23:59:59Z"));
}

static void fractions(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-06-05T10:00:00.5+08:00"), KT_T0 + 500);
    assert_int_equal(parse_ok("2024-06-05T10:00:00.25Z") -
                         parse_ok("2024-06-05T10:00:00Z"), 250);
    assert_int_equal(parse_ok("2024-06-05T10:00:00.123+08:00"), KT_T0 + 123);
    /* digits past milliseconds are truncated, not an error */
    assert_int_equal(parse_ok("2024-06-05T10:00:00.123456+08:00"),
                     KT_T0 + 123);
    assert_int_equal(parse_ok("2024-06-05T10:00:00.999999999+08:00"),
                     KT_T0 + 999);
    assert_int_equal(parse_ok("2024-06-05T10:00:00.000+08:00"), KT_T0);
}

static void invalid_dates(void **state)
{
    (void)state;
    parse_bad("2024-02-30T10:00:00+08:00");
    parse_bad("2023-02-29T10:00:00+08:00");     /* not a leap year */
    parse_bad("1900-02-29T10:00:00Z");          /* century, not leap */
    parse_bad("2024-04-31T10:00:00Z");
    parse_bad("2024-13-01T10:00:00Z");
    parse_bad("2024-00-10T10:00:00Z");
    parse_bad("2024-06-00T10:00:00Z");
    parse_bad("2024-06-32T10:00:00Z");
    parse_bad("2024-06-05T24:00:00Z");
    parse_bad("2024-06-05T10:60:00Z");
    parse_bad("2024-06-05T10:00:61Z");
}

static void malformed(void **state)
{
    (void)state;
    parse_bad("2024-06-05T10:00:00");           /* no zone: ambiguous */
    parse_bad("2024-06-05");
    parse_bad("");
    parse_bad("2024-06-05T10:00+08:00");
    parse_bad("2024-6-05T10:00:00Z");
    parse_bad("2024/06/05T10:00:00Z");
    parse_bad("2024-06-05X10:00:00Z");
    parse_bad("2024-06-05T10:00:00.Z");         /* empty fraction */
    parse_bad("2024-06-05T10:00:00+0800");
    parse_bad("2024-06-05T10:00:00+08");
    parse_bad("2024-06-05T10:00:00+8:00");
    parse_bad("2024-06-05T10:00:00+24:00");
    parse_bad("2024-06-05T10:00:00+08:60");
    parse_bad("2024-06-05T10:00:00Zjunk");
    parse_bad("2024-06-05T10:00:00+08:00 ");
    parse_bad("2024-06-05T10:00:00z");
    parse_bad(" 2024-06-05T10:00:00Z");
    parse_bad("２０２４-06-05T10:00:00Z");      /* full-width digits */
    parse_bad("abcd-ef-ghTij:kl:mnZ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zones),
        cmocka_unit_test(epoch_and_calendar),
        cmocka_unit_test(fractions),
        cmocka_unit_test(invalid_dates),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
