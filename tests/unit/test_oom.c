/*
 * Allocation failure injection through ks_set_allocator(): for N = 1, 2,
 * ... the Nth engine allocation fails (and, in "sticky" mode, every one
 * after it too). Each run must end in KS_ENOMEM or in the same result as
 * without failure, never crash, and leave no engine allocation live.
 * (This found a leak in load_list() and ks_qa() returning KS_OK with
 * findings missing after a failed allocation in the match callback.)
 */
#include "kt.h"
#include "kt_oom.h"

static void arm(long n, int sticky)
{
    kt_calls = 0;
    kt_fail_at = n;
    kt_sticky = sticky;
}

static void disarm(void) { kt_fail_at = 0; }

/* A pack that takes every loader path: lists with classes, exceptions and
 * regexes, conditions, rules of the three kinds, windows, categories and
 * examples. */
static const char pack_yaml[] =
    "- list: plat\n"
    "  words: [\"[淘桃陶]宝\", tb, 京东, ＶＸ]\n"
    "  except: [北京东路]\n"
    "  regex: [\"taobao\\\\.com\"]\n"
    "- list: sorry\n  words: [抱歉, 不好意思]\n"
    "- list: threat\n  words: [\"315\", 曝光]\n"
    "- list: broken\n  words: [坏了]\n"
    "- condition: threatens\n  by: customer\n  has: threat\n"
    "- rule: div\n  code: diversion\n  advice: 不要引流\n"
    "  unless_category: [parts]\n  steps:\n"
    "    - by: agent\n      has: plat\n      lacks: sorry\n"
    "  examples:\n"
    "    - fires: true\n      chat:\n        - customer: 有货吗\n"
    "        - agent: 去淘 宝看看\n"
    "    - fires: false\n      category: parts\n      chat:\n"
    "        - agent: 去淘宝看看\n"
    "- rule: sens\n  code: sensitive_mishandled\n  advice: 先安抚\n  steps:\n"
    "    - use: threatens\n      evidence: true\n"
    "    - by: agent\n      next: true\n      lacks: sorry\n"
    "      within: {turns: 3, seconds: 600}\n"
    "- rule: risk\n  risk: critical\n  steps:\n    - use: threatens\n"
    "- rule: cause\n  cause: product\n  steps:\n"
    "    - by: customer\n      has: broken\n"
    "    - by: agent\n      has: sorry\n      absent: true\n";

static int load(ks_pack **p, ks_diags *d)
{
    ks_source s = {"oom.yaml", pack_yaml, sizeof pack_yaml - 1};
    return ks_pack_load(&s, 1, p, d);
}

static void pack_load_fails_cleanly(int sticky)
{
    ks_pack *p = NULL;
    ks_diags d = {0};
    ks_pack_stats want, got;
    long base = kt_live;
    disarm();
    assert_int_equal(load(&p, &d), KS_OK);
    ks_pack_get_stats(p, &want);
    ks_pack_free(p);
    ks_diags_free(&d);
    assert_int_equal(kt_live, base);

    long n, bad = 0;
    for (n = 1;; n++) {
        arm(n, sticky);
        p = (ks_pack *)1;
        int rc = load(&p, &d);
        long calls = kt_calls;
        disarm();
        if (rc == KS_OK) {
            assert_non_null(p);
            ks_pack_get_stats(p, &got);
            assert_memory_equal(&got, &want, sizeof got);
            ks_pack_free(p);
        } else if (rc != KS_ENOMEM || p != NULL) {
            fprintf(stderr, "failing allocation %ld: rc %d (%s), pack %p\n",
                    n, rc, ks_strerror(rc), (void *)p);
            kt_print_diags(&d);
            bad++;
        }
        ks_diags_free(&d);
        if (kt_live != base) {
            fprintf(stderr, "failing allocation %ld (%s): %ld allocations "
                            "leaked by ks_pack_load\n", n,
                    sticky ? "sticky" : "once", kt_live - base);
            base = kt_live;
            bad++;
        }
        if (calls < n) {
            assert_int_equal(rc, KS_OK);
            break;
        }
    }
    assert_true(n > 50);   /* the pack really allocates */
    assert_int_equal(bad, 0);
}

static void pack_load_once(void **state)
{
    (void)state;
    pack_load_fails_cleanly(0);
}

static void pack_load_sticky(void **state)
{
    (void)state;
    pack_load_fails_cleanly(1);
}

static int same_result(const ks_result *a, const ks_result *b)
{
    if (a->risk != b->risk || a->causes != b->causes ||
        a->nfindings != b->nfindings)
        return 0;
    for (size_t i = 0; i < a->nfindings; i++) {
        const ks_finding *x = &a->findings[i], *y = &b->findings[i];
        if (x->code != y->code || x->msg != y->msg || x->start != y->start ||
            x->end != y->end || strcmp(x->rule, y->rule))
            return 0;
    }
    return 1;
}

static void qa_fails_cleanly(int sticky)
{
    ks_pack *p = NULL;
    ks_diags d = {0};
    long base0 = kt_live;
    disarm();
    assert_int_equal(load(&p, &d), KS_OK);
    ks_diags_free(&d);
    kt_line l[] = {{'c', 0, "火腿坏了,我要去315曝光你们"},
                   {'a', 30, "随便你,去淘 宝买吧"},
                   {'c', 60, "北京东路的京东店更好"},
                   {'a', 90, "加我ＶＸ"},
                   {'s', 120, "end"}};
    ks_conv c;
    kt_conv(&c, l);
    ks_result want = {0};
    kt_qa(p, &c, &want);
    assert_true(want.nfindings >= 3);
    assert_int_equal(want.risk, KS_RISK_critical);
    long base = kt_live;

    long n, bad = 0;
    for (n = 1;; n++) {
        arm(n, sticky);
        ks_scanner *s = NULL;
        ks_result r = {0};
        int rc = ks_scanner_new(p, &s);
        if (rc == KS_OK)
            rc = ks_qa(s, &c, &r);
        long calls = kt_calls;
        disarm();
        if (rc != KS_OK && rc != KS_ENOMEM) {
            fprintf(stderr, "failing allocation %ld: rc %d\n", n, rc);
            bad++;
        }
        if (rc == KS_OK && !same_result(&r, &want)) {
            fprintf(stderr, "failing allocation %ld (%s): ks_qa returned "
                            "KS_OK with a different result; want:\n", n,
                    sticky ? "sticky" : "once");
            kt_dump(&c, &want);
            fprintf(stderr, "  got:\n");
            kt_dump(&c, &r);
            bad++;
        }
        /* a failed ks_qa leaves a scanner and result that can be reused */
        if (s && rc == KS_ENOMEM) {
            assert_int_equal(ks_qa(s, &c, &r), KS_OK);
            assert_true(same_result(&r, &want));
        }
        ks_result_free(&r);
        ks_scanner_free(s);
        if (kt_live != base) {
            fprintf(stderr, "failing allocation %ld: %ld allocations "
                            "leaked by ks_qa\n", n, kt_live - base);
            base = kt_live;
            bad++;
        }
        if (calls < n)
            break;
    }
    assert_true(n > 5);
    ks_result_free(&want);
    ks_conv_free(&c);
    ks_pack_free(p);
    assert_int_equal(bad, 0);
    assert_int_equal(kt_live, base0);
}

static void qa_once(void **state)
{
    (void)state;
    qa_fails_cleanly(0);
}

static void qa_sticky(void **state)
{
    (void)state;
    qa_fails_cleanly(1);
}

static void conv_json_fails_cleanly(void **state)
{
    (void)state;
    static const char j[] =
        "{\"id\":\"c\",\"agent\":\"a\",\"shop\":\"s\",\"channel\":\"chat\","
        "\"customer\":\"b\",\"order\":{\"id\":\"o\",\"sku\":\"k\","
        "\"category\":\"food\",\"carrier\":\"zto\",\"price\":1},"
        "\"messages\":[{\"id\":\"m1\",\"from\":\"customer\",\"text\":\"hi\"},"
        "{\"from\":\"system\",\"event\":\"end\"}],\"x\":1}";
    long n, base = kt_live;
    for (n = 1;; n++) {
        ks_conv c;
        ks_diags d = {0};
        arm(n, 0);
        int rc = ks_conv_from_json(j, sizeof j - 1, &c, &d, "line 1");
        long calls = kt_calls;
        disarm();
        if (rc == KS_OK) {
            assert_string_equal(c.id, "c");
            assert_int_equal(c.nmsgs, 2);
            assert_string_equal(c.msgs[1].text, "");
            ks_conv_free(&c);
        } else {
            assert_int_equal(rc, KS_ENOMEM);
            assert_null(c.msgs);
        }
        ks_diags_free(&d);
        assert_int_equal(kt_live, base);
        if (calls < n)
            break;
    }
    assert_true(n > 10);
}

static void normalize_fails_cleanly(void **state)
{
    (void)state;
    ks_text t = {0};
    long base = kt_live;
    arm(1, 0);
    assert_int_equal(ks_normalize("淘 宝", strlen("淘 宝"), &t), KS_ENOMEM);
    arm(2, 0);
    assert_int_equal(ks_normalize("淘 宝", strlen("淘 宝"), &t), KS_ENOMEM);
    disarm();
    assert_int_equal(ks_normalize("淘 宝", strlen("淘 宝"), &t), KS_OK);
    assert_string_equal(t.norm, "淘宝");
    ks_text_free(&t);
    assert_int_equal(kt_live, base);
}

int main(void)
{
    ks_set_allocator(kt_malloc, kt_realloc, kt_free);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalize_fails_cleanly),
        cmocka_unit_test(conv_json_fails_cleanly),
        cmocka_unit_test(pack_load_once),
        cmocka_unit_test(pack_load_sticky),
        cmocka_unit_test(qa_once),
        cmocka_unit_test(qa_sticky),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ks_set_allocator(NULL, NULL, NULL);
    return rc;
}
