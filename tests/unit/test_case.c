/* The case model and the flow state machine (include/kesu/case.h). */
#include "kt.h"

static void mk(ks_case *c)
{
    ks_case_init(c);
    c->customer = ks_strdup("b123");
}

static int move(ks_case *c, ks_state to, char *why, size_t cap)
{
    return ks_flow_move(c, to, KT_T0, why, cap);
}

static void test_names(void **st)
{
    (void)st;
    assert_int_equal(ks_state_from_name("soothing"), KS_STATE_soothing);
    assert_int_equal(ks_state_from_name("安抚"), KS_STATE_soothing);
    assert_int_equal(ks_state_from_name("平台介入"), KS_STATE_escalated);
    assert_int_equal(ks_state_from_name("nonsense"), -1);
    assert_int_equal(ks_state_from_name(NULL), -1);
    assert_string_equal(ks_state_zh(KS_STATE_verifying), "核实");
    assert_string_equal(ks_remedy_name(KS_REMEDY_reship), "reship");
    assert_int_equal(ks_promise_from_name("tracking"), KS_PROMISE_tracking);
    assert_int_equal(ks_fault_from_name("批量质量问题"), KS_FAULT_batch);
    assert_string_equal(ks_state_name((ks_state)99), "?");
}

static void test_happy_path(void **st)
{
    (void)st;
    ks_case c;
    char why[256];
    mk(&c);
    assert_int_equal(move(&c, KS_STATE_soothing, why, sizeof why), KS_OK);
    assert_int_equal(move(&c, KS_STATE_verifying, why, sizeof why), KS_OK);
    assert_int_equal(move(&c, KS_STATE_negotiating, why, sizeof why), KS_OK);
    c.remedy = KS_REMEDY_reship;
    assert_int_equal(move(&c, KS_STATE_resolving, why, sizeof why), KS_OK);
    assert_int_equal(move(&c, KS_STATE_closed, why, sizeof why), KS_OK);
    assert_int_equal(c.closed_at, KT_T0);
    ks_state next[KS_STATE_COUNT];
    assert_int_equal(ks_flow_next(&c, next), 0);
    ks_case_free(&c);
}

static void test_soothe_before_asking(void **st)
{
    (void)st;
    ks_case c;
    char why[256] = "";
    mk(&c);
    assert_int_equal(move(&c, KS_STATE_verifying, why, sizeof why),
                     KS_ESTATE);
    assert_non_null(strstr(why, "seed 000"));
    assert_int_equal(c.state, KS_STATE_new);
    assert_int_equal(move(&c, KS_STATE_closed, why, sizeof why), KS_ESTATE);
    assert_non_null(strstr(why, "no move from new to closed"));
    ks_case_free(&c);
}

static void test_safety_needs_person_checked(void **st)
{
    (void)st;
    ks_case c;
    char why[256] = "";
    mk(&c);
    c.safety = 1;
    assert_int_equal(move(&c, KS_STATE_soothing, why, sizeof why), KS_OK);
    assert_int_equal(move(&c, KS_STATE_verifying, why, sizeof why),
                     KS_ESTATE);
    assert_non_null(strstr(why, "seed 002"));
    c.person_checked = 1;
    assert_int_equal(move(&c, KS_STATE_verifying, why, sizeof why), KS_OK);
    ks_case_free(&c);
}

static void test_resolve_and_close_guards(void **st)
{
    (void)st;
    ks_case c;
    char why[256] = "";
    mk(&c);
    c.state = KS_STATE_negotiating;
    assert_int_equal(move(&c, KS_STATE_resolving, why, sizeof why),
                     KS_ESTATE);
    assert_non_null(strstr(why, "remedy"));
    c.remedy = KS_REMEDY_reship;
    assert_int_equal(move(&c, KS_STATE_resolving, why, sizeof why), KS_OK);
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_tracking, "单号",
                                         KT_T0, KT_T0 + 3600000, NULL),
                     KS_OK);
    assert_int_equal(move(&c, KS_STATE_closed, why, sizeof why), KS_ESTATE);
    assert_non_null(strstr(why, "tracking"));
    c.promises[0].kept_at = KT_T0 + 60000;
    assert_int_equal(move(&c, KS_STATE_closed, why, sizeof why), KS_OK);
    ks_case_free(&c);
}

static void test_escalation_remembers(void **st)
{
    (void)st;
    ks_case c;
    char why[256];
    mk(&c);
    c.state = KS_STATE_verifying;
    assert_int_equal(move(&c, KS_STATE_escalated, why, sizeof why), KS_OK);
    assert_int_equal(c.prev_state, KS_STATE_verifying);
    assert_int_equal(move(&c, KS_STATE_soothing, why, sizeof why),
                     KS_ESTATE);
    assert_int_equal(move(&c, KS_STATE_closed, why, sizeof why), KS_OK);
    assert_int_equal(move(&c, KS_STATE_soothing, why, sizeof why),
                     KS_ESTATE);
    assert_non_null(strstr(why, "final"));
    ks_case_free(&c);
}

static void test_validate(void **st)
{
    (void)st;
    ks_case c;
    ks_diags d = {0};
    ks_case_init(&c);
    assert_int_equal(ks_case_validate(&c, &d), KS_EINVAL);
    assert_true(kt_has_diag(&d, 0, "customer", "missing"));
    ks_diags_clear(&d);
    c.customer = ks_strdup("b1");
    c.has_order = 1;
    c.order.price = -3;
    c.order.ordered_at = KT_T0;
    c.order.delivered_at = KT_T0 - 1000;
    c.feedback_at = KT_T0 + 1000;
    assert_int_equal(ks_case_validate(&c, &d), KS_EINVAL);
    assert_true(kt_has_diag(&d, 0, "order.price", "negative"));
    assert_true(kt_has_diag(&d, 0, "order.delivered_at", "out of order"));
    assert_int_equal(d.errors, 2);
    ks_diags_clear(&d);
    c.order.price = 29.9;
    c.order.delivered_at = KT_T0 + 10;
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_callback, NULL,
                                         KT_T0, KT_T0 - 1, NULL), KS_OK);
    assert_int_equal(ks_case_validate(&c, &d), KS_EINVAL);
    assert_true(kt_has_diag(&d, 0, "promises[0]", "due before"));
    ks_diags_clear(&d);
    c.promises[0].due_at = KT_T0 + 1;
    ks_free(c.customer);
    c.customer = ks_strdup("b\xff");
    assert_int_equal(ks_case_validate(&c, &d), KS_EINVAL);
    assert_true(kt_has_diag(&d, 0, "customer", "UTF-8"));
    ks_diags_free(&d);
    ks_case_free(&c);
}

static void test_copy(void **st)
{
    (void)st;
    ks_case c, d;
    mk(&c);
    c.has_order = 1;
    c.order.sku = ks_strdup("ham-60g");
    assert_int_equal(ks_case_add_conv(&c, "c-1"), KS_OK);
    assert_int_equal(ks_case_add_conv(&c, "c-1"), KS_OK);  /* no dup */
    assert_int_equal(c.nconvs, 1);
    assert_int_equal(ks_case_add_note(&c, KT_T0, "a07", "已安抚"), KS_OK);
    assert_int_equal(ks_case_add_evidence(&c, "c-1#m3"), KS_OK);
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_reship, "补发一包",
                                         KT_T0, KT_T0 + 1, NULL), KS_OK);
    assert_int_equal(ks_case_copy(&d, &c), KS_OK);
    ks_case_free(&c);
    assert_string_equal(d.order.sku, "ham-60g");
    assert_string_equal(d.convs[0], "c-1");
    assert_string_equal(d.notes[0].text, "已安抚");
    assert_string_equal(d.promises[0].text, "补发一包");
    assert_int_equal(ks_case_open_promises(&d), 1);
    ks_case_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_happy_path),
        cmocka_unit_test(test_soothe_before_asking),
        cmocka_unit_test(test_safety_needs_person_checked),
        cmocka_unit_test(test_resolve_and_close_guards),
        cmocka_unit_test(test_escalation_remembers),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
