/* The fixed vocabularies of SPEC 2.2-2.4 (codes.h) and the diagnostics
 * list (error.h). */
#include "kt.h"

/* SPEC 2.4, copied by hand: the wire names and their fixed levels. */
static const struct {
    const char *name;
    char level;
} spec_incidents[] = {
    {"attitude", 'A'},          {"harassment", 'A'},
    {"defamation", 'A'},        {"confidentiality", 'A'},
    {"dishonesty", 'A'},        {"diversion", 'A'},
    {"sensitive_mishandled", 'A'}, {"negligence", 'A'},
    {"forced_end", 'A'},        {"poor_service", 'B'},
    {"false_promotion", 'B'},   {"shirking", 'B'},
    {"unkept_promise", 'B'},    {"process_b", 'B'},
    {"wrong_answer", 'C'},      {"key_info", 'C'},
    {"slow_response", 'C'},
};

static const char *const spec_causes[] = {
    "product", "logistics", "shipping", "after_sales", "service",
    "promise", "misunderstanding", "unreasonable", "malicious_review"};

static void incidents_match_spec(void **state)
{
    (void)state;
    size_t n = sizeof spec_incidents / sizeof spec_incidents[0];
    assert_int_equal(KS_INC_COUNT, n);
    for (size_t i = 0; i < n; i++) {
        int k = ks_incident_from_name(spec_incidents[i].name);
        assert_true(k >= 0);
        assert_string_equal(ks_incident_name((ks_incident)k),
                            spec_incidents[i].name);
        assert_int_equal(ks_incident_level((ks_incident)k),
                         spec_incidents[i].level);
        assert_true(strlen(ks_incident_zh((ks_incident)k)) > 0);
    }
    assert_int_equal(ks_incident_from_name("bribery"), -1);
    assert_int_equal(ks_incident_from_name(""), -1);
    assert_int_equal(ks_incident_from_name("Diversion"), -1);
    assert_string_equal(ks_incident_zh(KS_INC_diversion), "引流");
}

static void causes_match_spec(void **state)
{
    (void)state;
    size_t n = sizeof spec_causes / sizeof spec_causes[0];
    assert_int_equal(KS_CAUSE_COUNT, n);
    /* causes fit the result's bitmask */
    assert_true(KS_CAUSE_COUNT <= 32);
    for (size_t i = 0; i < n; i++) {
        int k = ks_cause_from_name(spec_causes[i]);
        assert_true(k >= 0);
        assert_string_equal(ks_cause_name((ks_cause)k), spec_causes[i]);
        assert_true(strlen(ks_cause_zh((ks_cause)k)) > 0);
    }
    assert_int_equal(ks_cause_from_name("weather"), -1);
}

static void risks_ordered(void **state)
{
    (void)state;
    static const char *const order[] = {"normal", "elevated", "high",
                                        "critical"};
    assert_int_equal(KS_RISK_COUNT, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ks_risk_from_name(order[i]), i);
        assert_string_equal(ks_risk_name((ks_risk)i), order[i]);
    }
    assert_true(KS_RISK_critical > KS_RISK_high);
    assert_true(KS_RISK_high > KS_RISK_elevated);
    assert_true(KS_RISK_elevated > KS_RISK_normal);
    assert_int_equal(ks_risk_from_name("severe"), -1);
}

static void from_and_event_names(void **state)
{
    (void)state;
    assert_string_equal(ks_from_name(KS_FROM_CUSTOMER), "customer");
    assert_string_equal(ks_from_name(KS_FROM_AGENT), "agent");
    assert_string_equal(ks_from_name(KS_FROM_SYSTEM), "system");
    assert_string_equal(ks_event_name(KS_EV_END), "end");
    assert_string_equal(ks_event_name(KS_EV_TRANSFER), "transfer");
    assert_string_equal(ks_event_name(KS_EV_TIMEOUT), "timeout");
    assert_string_equal(ks_event_name(KS_EV_RATING), "rating");
}

static void diags_list(void **state)
{
    (void)state;
    ks_diags d = {0};
    assert_int_equal(ks_diags_add(&d, 1, "a.yaml:1:2", "w %d", 1), KS_OK);
    for (int i = 0; i < 20; i++)
        assert_int_equal(ks_diags_add(&d, 0, NULL, "e%d %s", i, "x"), KS_OK);
    assert_int_equal(d.n, 21);
    assert_int_equal(d.errors, 20);
    assert_string_equal(d.items[0].where, "a.yaml:1:2");
    assert_string_equal(d.items[0].msg, "w 1");
    assert_int_equal(d.items[0].warning, 1);
    assert_string_equal(d.items[20].where, "");
    assert_string_equal(d.items[20].msg, "e19 x");
    /* long messages are cut, never overflow */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(ks_diags_add(&d, 0, big, "%s", big), KS_OK);
    assert_string_equal(d.items[21].where, big);
    assert_true(strlen(d.items[21].msg) < sizeof big);
    ks_diags_clear(&d);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(ks_diags_add(&d, 0, "w", "again"), KS_OK);
    assert_int_equal(d.n, 1);
    ks_diags_free(&d);
    assert_null(d.items);
    assert_int_equal(d.n, 0);
    ks_diags_free(&d);
    /* every error code has its own message */
    for (int rc = KS_ENOENT; rc <= KS_OK; rc++) {
        assert_string_not_equal(ks_strerror(rc), "unknown error");
        for (int o = rc + 1; o <= KS_OK; o++)
            assert_string_not_equal(ks_strerror(rc), ks_strerror(o));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(incidents_match_spec),
        cmocka_unit_test(causes_match_spec),
        cmocka_unit_test(risks_ordered),
        cmocka_unit_test(from_and_event_names),
        cmocka_unit_test(diags_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
