/* The SPEC 3.1 JSON reader (ks_conv_from_json). */
#include "kt.h"
#include "../common/conv_eq.h"

static const char good[] =
    "{\"id\":\"c-1001\",\"channel\":\"chat\",\"shop\":\"s1\",\"agent\":\"a07\","
    "\"customer\":\"b123\","
    "\"order\":{\"id\":\"o9\",\"sku\":\"ham-60g\",\"batch\":\"2024-05-03A\","
    "\"category\":\"food\",\"price\":29.9,\"cost\":12.0,"
    "\"ordered_at\":\"2024-06-01T09:00:00+08:00\","
    "\"shipped_at\":\"2024-06-01T18:00:00+08:00\","
    "\"delivered_at\":null,\"carrier\":\"zto\",\"region\":\"四川\","
    "\"shelf_life_days\":180},"
    "\"messages\":["
    "{\"id\":\"m1\",\"at\":\"2024-06-05T10:00:00+08:00\",\"from\":\"customer\","
    "\"text\":\"火腿肠\\\"臭\\\"了\\n\\u6dd8宝\"},"
    "{\"id\":\"m2\",\"at\":\"2024-06-05T10:00:40+08:00\",\"from\":\"agent\","
    "\"text\":\"抱歉 😀\"},"
    "{\"at\":\"2024-06-05T10:09:00+08:00\",\"from\":\"system\","
    "\"event\":\"end\"},"
    "{\"from\":\"system\",\"event\":\"transfer\"},"
    "{\"from\":\"system\",\"event\":\"timeout\"},"
    "{\"from\":\"system\",\"event\":\"rating\",\"text\":\"1\"}]}";

static void good_conversation(void **state)
{
    (void)state;
    ks_conv c;
    ks_diags d = {0};
    int rc = ks_conv_from_json(good, sizeof good - 1, &c, &d, "line 1");
    kt_print_diags(&d);
    assert_int_equal(rc, KS_OK);
    assert_int_equal(d.n, 0);
    assert_string_equal(c.id, "c-1001");
    assert_string_equal(c.channel, "chat");
    assert_string_equal(c.shop, "s1");
    assert_string_equal(c.agent, "a07");
    assert_string_equal(c.customer, "b123");
    assert_true(c.has_order);
    assert_string_equal(c.order.id, "o9");
    assert_string_equal(c.order.sku, "ham-60g");
    assert_string_equal(c.order.batch, "2024-05-03A");
    assert_string_equal(c.order.category, "food");
    assert_string_equal(c.order.carrier, "zto");
    assert_string_equal(c.order.region, "四川");
    assert_true(c.order.price > 29.89 && c.order.price < 29.91);
    assert_true(c.order.cost > 11.99 && c.order.cost < 12.01);
    assert_int_equal(c.order.shelf_life_days, 180);
    assert_int_equal(c.order.ordered_at, 1717203600000LL);
    assert_int_equal(c.order.shipped_at, 1717236000000LL);
    assert_true(c.order.delivered_at == KS_TIME_NONE);
    assert_int_equal(c.nmsgs, 6);

    assert_string_equal(c.msgs[0].id, "m1");
    assert_int_equal(c.msgs[0].at, KT_T0);
    assert_int_equal(c.msgs[0].from, KS_FROM_CUSTOMER);
    assert_int_equal(c.msgs[0].event, KS_EV_NONE);
    assert_string_equal(c.msgs[0].text, "火腿肠\"臭\"了\n淘宝");
    assert_int_equal(c.msgs[0].text_len, strlen("火腿肠\"臭\"了\n淘宝"));

    assert_int_equal(c.msgs[1].from, KS_FROM_AGENT);
    assert_int_equal(c.msgs[1].at, KT_T0 + 40000);
    assert_string_equal(c.msgs[1].text, "抱歉 😀");

    assert_null(c.msgs[2].id);
    assert_int_equal(c.msgs[2].from, KS_FROM_SYSTEM);
    assert_int_equal(c.msgs[2].event, KS_EV_END);
    assert_string_equal(c.msgs[2].text, "");
    assert_int_equal(c.msgs[2].text_len, 0);
    assert_true(c.msgs[3].at == KS_TIME_NONE);
    assert_int_equal(c.msgs[3].event, KS_EV_TRANSFER);
    assert_int_equal(c.msgs[4].event, KS_EV_TIMEOUT);
    assert_int_equal(c.msgs[5].event, KS_EV_RATING);
    ks_conv_free(&c);
    /* ks_conv_free leaves an empty conversation that may be freed again */
    assert_null(c.msgs);
    ks_conv_free(&c);
    ks_diags_free(&d);
}

static void minimal_conversation(void **state)
{
    (void)state;
    const char *j = "{\"id\":\"x\",\"messages\":[]}";
    ks_conv c;
    ks_diags d = {0};
    assert_int_equal(ks_conv_from_json(j, strlen(j), &c, &d, NULL), KS_OK);
    assert_int_equal(d.n, 0);
    assert_string_equal(c.id, "x");
    assert_null(c.agent);
    assert_null(c.channel);
    assert_false(c.has_order);
    assert_true(c.order.price < 0);
    assert_int_equal(c.nmsgs, 0);
    ks_conv_free(&c);
    /* order: null is the same as no order */
    j = "{\"id\":\"x\",\"order\":null,\"agent\":null,\"messages\":[]}";
    assert_int_equal(ks_conv_from_json(j, strlen(j), &c, &d, NULL), KS_OK);
    assert_false(c.has_order);
    assert_null(c.agent);
    ks_conv_free(&c);
    /* the length bounds the input: trailing bytes are not read */
    j = "{\"id\":\"x\",\"messages\":[]}GARBAGE\xff";
    assert_int_equal(ks_conv_from_json(j, 24, &c, &d, NULL), KS_OK);
    ks_conv_free(&c);
    ks_diags_free(&d);
}

typedef struct bad_case {
    const char *json;
    int rc;
    const char *where;  /* exact */
    const char *msg;    /* substring */
} bad_case;

static const bad_case bad[] = {
    /* paths of the JSON reader */
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"customer\",\"text\":\"a\"},"
     "{\"from\":\"agnt\",\"text\":\"b\"}]}",
     KS_EPARSE, "line 7: messages[1].from", "customer"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"customer\",\"text\":\"a\"},"
     "{\"text\":\"b\"}]}",
     KS_EPARSE, "line 7: messages[1].from", "missing"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":7,\"text\":\"a\"}]}",
     KS_EPARSE, "line 7: messages[0].from", "string"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":5}]}",
     KS_EPARSE, "line 7: messages[0].text", "string"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\"}]}",
     KS_EPARSE, "line 7: messages[0].text", "missing"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\","
     "\"at\":\"yesterday\"}]}",
     KS_EPARSE, "line 7: messages[0].at", "ISO 8601"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\","
     "\"at\":1717552800}]}",
     KS_EPARSE, "line 7: messages[0].at", "ISO 8601"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\","
     "\"at\":\"2024-02-30T10:00:00+08:00\"}]}",
     KS_EPARSE, "line 7: messages[0].at", "ISO 8601"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\","
     "\"id\":3}]}",
     KS_EPARSE, "line 7: messages[0].id", "string"},
    {"{\"id\":\"c\",\"messages\":[\"hello\"]}",
     KS_EPARSE, "line 7: messages[0]", "object"},
    {"{\"id\":\"c\",\"messages\":{}}", KS_EPARSE, "line 7: messages", "array"},
    {"{\"id\":\"c\"}", KS_EPARSE, "line 7: messages", "missing"},
    /* system messages and events */
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"customer\",\"text\":\"a\"},"
     "{\"from\":\"agent\",\"text\":\"b\"},{\"from\":\"system\"}]}",
     KS_EPARSE, "line 7: messages[2].event", "needs an event"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"system\",\"event\":\"close\"}]}",
     KS_EPARSE, "line 7: messages[0].event", "end"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"system\",\"event\":1}]}",
     KS_EPARSE, "line 7: messages[0].event", "end"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\","
     "\"event\":\"end\"}]}",
     KS_EPARSE, "line 7: messages[0].event", "only system"},
    /* the conversation itself */
    {"{\"messages\":[]}", KS_EPARSE, "line 7: id", "missing"},
    {"{\"id\":null,\"messages\":[]}", KS_EPARSE, "line 7: id", "missing"},
    {"{\"id\":42,\"messages\":[]}", KS_EPARSE, "line 7: id", "string"},
    {"{\"id\":\"c\",\"agent\":[\"a07\"],\"messages\":[]}",
     KS_EPARSE, "line 7: agent", "string"},
    {"{\"id\":\"c\",\"shop\":true,\"messages\":[]}",
     KS_EPARSE, "line 7: shop", "string"},
    {"[{\"id\":\"c\"}]", KS_EPARSE, "line 7", "object"},
    {"\"c\"", KS_EPARSE, "line 7", "object"},
    /* the order */
    {"{\"id\":\"c\",\"order\":[],\"messages\":[]}",
     KS_EPARSE, "line 7: order", "object"},
    {"{\"id\":\"c\",\"order\":{\"price\":\"29.9\"},\"messages\":[]}",
     KS_EPARSE, "line 7: order.price", "number"},
    {"{\"id\":\"c\",\"order\":{\"cost\":-1},\"messages\":[]}",
     KS_EPARSE, "line 7: order.cost", "negative"},
    {"{\"id\":\"c\",\"order\":{\"sku\":1},\"messages\":[]}",
     KS_EPARSE, "line 7: order.sku", "string"},
    {"{\"id\":\"c\",\"order\":{\"shipped_at\":\"soon\"},\"messages\":[]}",
     KS_EPARSE, "line 7: order.shipped_at", "ISO 8601"},
    {"{\"id\":\"c\",\"order\":{\"shelf_life_days\":1e300},\"messages\":[]}",
     KS_EPARSE, "line 7: order.shelf_life_days", "range"},
    /* broken JSON: the column (1-based, in characters) */
    {"{\"id\": }", KS_EPARSE, "line 7: column 8", "broken JSON"},
    {"", KS_EPARSE, "line 7: column 1", "broken JSON"},
    {"{\"id\":\"c\",\"messages\":[", KS_EPARSE, "line 7: column",
     "broken JSON"},
    /* invalid UTF-8: the byte (1-based) */
    {"{\"id\":\"\xe4\xb8\",\"messages\":[]}", KS_EUTF8, "line 7: byte 8",
     "UTF-8"},
    {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"ab\xc0\xaf"
     "\"}]}", KS_EUTF8, "line 7: byte 49", "UTF-8"},
    {"\xff{}", KS_EUTF8, "line 7: byte 1", "UTF-8"},
    {"{\"id\":\"\xed\xa0\x80\",\"messages\":[]}", KS_EUTF8, "line 7: byte 8",
     "UTF-8"},
};

static void errors_name_the_path(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const bad_case *b = &bad[i];
        ks_conv c;
        memset(&c, 0x5a, sizeof c);
        ks_diags d = {0};
        int rc = ks_conv_from_json(b->json, strlen(b->json), &c, &d,
                                   "line 7");
        int ok = rc == b->rc && d.errors == 1 &&
                 kt_has_diag(&d, 0, b->where, b->msg);
        /* the location must be exactly where, not just start with it */
        for (size_t k = 0; ok && k < d.n; k++)
            if (!d.items[k].warning && strcmp(d.items[k].where, b->where) &&
                strcmp(b->where, "line 7: column") != 0)
                ok = 0;
        if (!ok) {
            fprintf(stderr, "case %zu: %s\n  want rc %d, one error at \"%s\" "
                            "with \"%s\"; got rc %d, %zu errors:\n",
                    i, b->json, b->rc, b->where, b->msg, rc, d.errors);
            kt_print_diags(&d);
            fail();
        }
        /* *out is left empty */
        assert_null(c.msgs);
        assert_null(c.id);
        assert_int_equal(c.nmsgs, 0);
        ks_diags_free(&d);
    }
}

static void no_prefix(void **state)
{
    (void)state;
    const char *j = "{\"id\":\"c\",\"messages\":[{\"from\":\"x\"}]}";
    ks_conv c;
    ks_diags d = {0};
    assert_int_equal(ks_conv_from_json(j, strlen(j), &c, &d, NULL), KS_EPARSE);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].where, "messages[0].from");
    ks_diags_clear(&d);
    j = "{\"id\":\"c\",}";
    assert_int_equal(ks_conv_from_json(j, strlen(j), &c, &d, ""), KS_EPARSE);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].where, "column 11");
    ks_diags_free(&d);
}

/* The column of broken JSON points at the offending character (the
 * JSON library may point one character past it), counted in characters,
 * not bytes. */
static void broken_json_column(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        unsigned col;
    } cases[] = {
        {"{\"id\": }", 8},
        {"{\"id\":\"淘宝\",,}", 12},
        {"{\"id\":\"淘宝淘宝淘宝\" x}", 16},
        {"{\"t\":\"😀😀😀😀\",\"x\":tru}", 17},
        {"{\"id\":\"c\",\"messages\":[{\"from\":\"agent\"\"text\":1}]}", 38},
        {"{\"id\":'c'}", 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ks_conv c;
        ks_diags d = {0};
        int rc = ks_conv_from_json(cases[i].json, strlen(cases[i].json), &c,
                                   &d, "line 2");
        unsigned col = 0;
        int ok = rc == KS_EPARSE && d.n == 1 &&
                 sscanf(d.items[0].where, "line 2: column %u", &col) == 1 &&
                 col >= cases[i].col && col <= cases[i].col + 1;
        if (!ok) {
            fprintf(stderr, "%s: want column %u, got rc %d:\n",
                    cases[i].json, cases[i].col, rc);
            kt_print_diags(&d);
            fail();
        }
        ks_diags_free(&d);
    }
}

/* Unknown fields are warnings: the conversation is still parsed. */
static void unknown_fields_warn(void **state)
{
    (void)state;
    const char *j =
        "{\"id\":\"c\",\"colour\":\"red\",\"order\":{\"sku\":\"s\",\"qty\":2},"
        "\"messages\":[{\"from\":\"agent\",\"text\":\"hi\",\"mood\":1}]}";
    ks_conv c;
    ks_diags d = {0};
    assert_int_equal(ks_conv_from_json(j, strlen(j), &c, &d, "line 3"),
                     KS_OK);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.n, 3);
    /* located at the line itself, without a dangling ": " */
    assert_true(kt_has_diag(&d, 1, "line 3", "\"colour\""));
    for (size_t i = 0; i < d.n; i++)
        if (strstr(d.items[i].msg, "colour"))
            assert_string_equal(d.items[i].where, "line 3");
    assert_diag(&d, 1, "line 3: order", "\"qty\"");
    assert_diag(&d, 1, "line 3: messages[0]", "\"mood\"");
    assert_string_equal(c.id, "c");
    assert_string_equal(c.order.sku, "s");
    assert_int_equal(c.nmsgs, 1);
    assert_string_equal(c.msgs[0].text, "hi");
    ks_conv_free(&c);
    ks_diags_free(&d);
}

/* Many conversations through one diags list: each error is added once. */
static void diags_accumulate(void **state)
{
    (void)state;
    ks_diags d = {0};
    for (int i = 0; i < 100; i++) {
        ks_conv c;
        char where[32];
        snprintf(where, sizeof where, "line %d", i + 1);
        const char *j = i % 2 ? "{\"id\":1}" : "{\"id\":\"ok\",\"messages\":[]}";
        int rc = ks_conv_from_json(j, strlen(j), &c, &d, where);
        if (rc == KS_OK)
            ks_conv_free(&c);
    }
    assert_int_equal(d.errors, 50);
    assert_int_equal(d.n, 50);
    assert_string_equal(d.items[49].where, "line 100: id");
    assert_string_equal(ks_strerror(KS_EPARSE), "malformed input");
    assert_string_equal(ks_strerror(KS_EUTF8), "invalid UTF-8");
    assert_string_equal(ks_strerror(12345), "unknown error");
    ks_diags_free(&d);
}

/* Regression (found by these tests): bytes after the JSON object were
 * ignored, so a line holding two conversations silently lost the
 * second. */
static void trailing_content_rejected(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "{\"id\":\"a\",\"messages\":[]} {\"id\":\"b\",\"messages\":[]}",
        "{\"id\":\"a\",\"messages\":[]}garbage",
        "{\"id\":\"a\",\"messages\":[]}]",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        ks_conv c;
        ks_diags d = {0};
        int rc = ks_conv_from_json(inputs[i], strlen(inputs[i]), &c, &d,
                                   "line 1");
        if (rc == KS_OK)
            ks_conv_free(&c);
        if (rc != KS_EPARSE || d.errors != 1 ||
            strncmp(d.items[0].where, "line 1", 6) != 0) {
            fprintf(stderr, "%s\n  accepted (rc %d, %zu errors)\n",
                    inputs[i], rc, d.errors);
            kt_print_diags(&d);
            ks_diags_free(&d);
            fail();
        }
        ks_diags_free(&d);
    }
    /* trailing white space is fine */
    const char *j = "{\"id\":\"a\",\"messages\":[]} \t\r\n";
    ks_conv c;
    ks_diags d = {0};
    assert_int_equal(ks_conv_from_json(j, strlen(j), &c, &d, NULL), KS_OK);
    assert_int_equal(d.n, 0);
    ks_conv_free(&c);
}

/* Regression: a "\u0000" escape cut the text there (and hid every word
 * after it from the QA engine). Now either the whole text is kept or the
 * line is rejected with one located error. */
static void nul_escape_not_dropped(void **state)
{
    (void)state;
    const char *j = "{\"id\":\"a\",\"messages\":[{\"from\":\"agent\","
                    "\"text\":\"\\u0000去淘宝\"}]}";
    ks_conv c;
    ks_diags d = {0};
    int rc = ks_conv_from_json(j, strlen(j), &c, &d, "line 1");
    int ok = rc == KS_EPARSE ? d.errors == 1 && kt_has_diag(&d, 0, "line 1", "")
                             : rc == KS_OK && c.msgs[0].text_len == 10;
    if (!ok)
        fprintf(stderr, "%s\n  rc %d, text_len %zu (want 10 bytes or a "
                        "rejection)\n",
                j, rc, rc == KS_OK ? c.msgs[0].text_len : 0);
    if (rc == KS_OK)
        ks_conv_free(&c);
    ks_diags_free(&d);
    assert_true(ok);
}

/* Regression: the location was built in fixed buffers (160 bytes for
 * "byte N" / "column N", 256 for paths), so a long where_prefix (kesu qa
 * passes "FILE:LINE") lost the line number and the column or path. */
static void long_prefix_keeps_location(void **state)
{
    (void)state;
    char prefix[320];
    memset(prefix, 'd', 300);
    memcpy(prefix + 300, ".jsonl:12", 10);
    static const struct {
        const char *json, *suffix;
    } cases[] = {
        {"{\"id\": }", ": column 8"},
        {"{\"id\":\"\xff\"}", ": byte 8"},
        {"{\"id\":\"a\",\"messages\":[{\"from\":\"x\"}]}", ": messages[0].from"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ks_conv c;
        ks_diags d = {0};
        assert_int_not_equal(ks_conv_from_json(cases[i].json,
                                               strlen(cases[i].json), &c, &d,
                                               prefix),
                             KS_OK);
        char want[400];
        snprintf(want, sizeof want, "%s%s", prefix, cases[i].suffix);
        int ok = d.n == 1 && strcmp(d.items[0].where, want) == 0;
        if (!ok)
            fprintf(stderr, "case %zu: where is \"...%s\", want \"...%s\"\n",
                    i, d.n ? d.items[0].where + strlen(d.items[0].where) -
                                 (strlen(d.items[0].where) > 24 ? 24 : 0)
                           : "(none)",
                    want + strlen(want) - 24);
        ks_diags_free(&d);
        assert_true(ok);
    }
}

/* ---- the fast path (ks_conv_from_json_fast) ---------------------------- */

/* Lines on the fast path: it must read them as ks_conv_from_json does. */
static const char *const fast_good[] = {
    good,
    "{\"id\":\"x\",\"messages\":[]}",
    "  {\"messages\" : [ ] ,\t\"id\" : \"x\" }\r\n ",
    "{\"id\":\"\",\"channel\":null,\"shop\":\"s\",\"agent\":null,"
    "\"customer\":\"\\u5ba2\\u6237\",\"order\":null,\"messages\":[]}",
    "{\"id\":\"e\",\"messages\":[{\"from\":\"agent\",\"text\":"
    "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u4E2D\\uffff 加v\"}]}",
    "{\"id\":\"n\",\"messages\":[{\"id\":null,\"at\":null,\"from\":\"agent\","
    "\"text\":\"\"},{\"from\":\"system\",\"event\":\"rating\",\"text\":null},"
    "{\"text\":\"bye\",\"event\":\"end\",\"from\":\"system\"}]}",
    "{\"id\":\"o\",\"order\":{},\"messages\":[]}",
    "{\"id\":\"o\",\"order\":{\"price\":0,\"cost\":1.5e-3,"
    "\"shelf_life_days\":30.7,\"delivered_at\":\"2024-06-05T10:00:00Z\","
    "\"ordered_at\":\"2024-06-05 10:00:00.5-03:30\",\"shipped_at\":null,"
    "\"id\":null,\"sku\":\"s\",\"batch\":\"b\",\"category\":\"food\","
    "\"carrier\":\"sf\",\"region\":\"\\u56db\\u5ddd\"},\"messages\":[]}",
    "{\"id\":\"o\",\"order\":{\"price\":1E+2,\"cost\":0.0,"
    "\"shelf_life_days\":1000000},\"messages\":[]}",
    "{\"id\":\"o\",\"order\":{\"price\":1e400,\"cost\":null,"
    "\"shelf_life_days\":null},\"messages\":[]}",
    "{\"id\":\"😀\",\"messages\":[{\"from\":\"customer\",\"text\":\"😀亲\"}]}",
};

static void fast_reads_as_cjson(void **state)
{
    (void)state;
    ks_conv_buf b = {0};
    for (int round = 0; round < 2; round++)   /* the buffer is reused */
        for (size_t i = 0; i < sizeof fast_good / sizeof fast_good[0]; i++) {
            const char *j = fast_good[i];
            ks_conv fast, slow;
            ks_diags d = {0};
            int rc = ks_conv_from_json_fast(&b, j, strlen(j), &fast);
            if (rc != KS_OK)
                fprintf(stderr, "not on the fast path: %s\n", j);
            assert_int_equal(rc, KS_OK);
            assert_int_equal(ks_conv_from_json(j, strlen(j), &slow, &d, NULL),
                             KS_OK);
            assert_int_equal(d.n, 0);
            if (!kt_conv_eq(&fast, &slow))
                fprintf(stderr, "read differently: %s\n", j);
            assert_true(kt_conv_eq(&fast, &slow));
            ks_conv_free(&slow);
            ks_diags_free(&d);
        }
    /* a long line after short ones, then a short one again */
    size_t n = 200000;
    char *big = malloc(n + 100);
    assert_non_null(big);
    int k = sprintf(big, "{\"id\":\"big\",\"messages\":[{\"from\":\"agent\","
                         "\"text\":\"");
    memset(big + k, 'a', n);
    strcpy(big + k + n, "\"}]}");
    ks_conv c;
    assert_int_equal(ks_conv_from_json_fast(&b, big, strlen(big), &c), KS_OK);
    assert_int_equal(c.msgs[0].text_len, n);
    assert_int_equal(ks_conv_from_json_fast(&b, fast_good[1],
                                            strlen(fast_good[1]), &c), KS_OK);
    assert_string_equal(c.id, "x");
    free(big);
    ks_conv_buf_free(&b);
    ks_conv_buf_free(&b);   /* may be freed again */
}

/* Lines the fast path leaves to ks_conv_from_json: every error, every
 * warning, and the JSON it is not sure to read the same way. */
static const char *const fast_declines[] = {
    "{\"id\":\"c\",\"colour\":\"red\",\"messages\":[]}",             /* warning */
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\",\"x\":1}]}",
    "{\"id\":\"c\",\"order\":{\"colour\":1},\"messages\":[]}",
    "{\"id\":\"c\",\"id\":\"d\",\"messages\":[]}",                   /* duplicates */
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\","
    "\"text\":\"b\"}]}",
    "{\"id\":\"c\",\"order\":null,\"order\":{},\"messages\":[]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"\\u0000x\"}]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":"
    "\"\\ud83d\\ude00\"}]}",                                          /* surrogates */
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"\\ud83d\"}]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"\\x\"}]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"\\u12\"}]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\tb\"}]}",
    "{\"i\\u0064\":\"c\",\"messages\":[]}",                          /* key escape */
    "{\"id\":\"c\",\"order\":{\"price\":01},\"messages\":[]}",       /* numbers */
    "{\"id\":\"c\",\"order\":{\"price\":+1},\"messages\":[]}",
    "{\"id\":\"c\",\"order\":{\"price\":-0},\"messages\":[]}",
    "{\"id\":\"c\",\"order\":{\"price\":1.},\"messages\":[]}",
    "{\"id\":\"c\",\"order\":{\"price\":.5},\"messages\":[]}",
    "{\"id\":\"c\",\"order\":{\"price\":1e},\"messages\":[]}",
    "{\"id\":\"c\",\"order\":{\"price\":"
    "1234567890123456789012345678901234567890123456789},\"messages\":[]}",
    "{\"id\":\"c\",\"messages\":[]}\f",                             /* white space */
    "\f{\"id\":\"c\",\"messages\":[]}",
    "{\"id\":\"c\",\"messages\":[]} x",                             /* trailing */
    "{\"id\":\"c\",\"messages\":[]}{}",
    "{\"id\":\"c\",\"messages\":[],}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\"},]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\",}]}",
    "{\"id\":\"c\",\"order\":nul,\"messages\":[]}",
    "{\"id\":\"c\",\"channel\":nullx,\"messages\":[]}",
    "{\"id\":\"c\",\"messages\":null}",
    "{\"id\":\"c\",\"messages\":[null]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"system\",\"event\":null}]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"event\":null,"
    "\"text\":\"a\"}]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":null,\"text\":\"a\"}]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":null}]}",
    "{\"id\":\"c\",\"order\":{\"shelf_life_days\":1000001},\"messages\":[]}",
    "{\"id\":\"c\",\"order\":{\"ordered_at\":5},\"messages\":[]}",
    "{\"id\":\"c\",\"messages\":[{\"from\":\"agent\",\"text\":\"a\","
    "\"at\":\"2024-06-05T10:00:00\"}]}",
    "{\"id\":true,\"messages\":[]}",
    "{\"id\":\"c\",\"messages\":[]",
};

static void fast_declines_the_rest(void **state)
{
    (void)state;
    ks_conv_buf b = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ks_conv c;
        memset(&c, 0x5a, sizeof c);
        assert_int_equal(ks_conv_from_json_fast(&b, bad[i].json,
                                                strlen(bad[i].json), &c),
                         KS_EPARSE);
        assert_null(c.id);
        assert_null(c.msgs);
        assert_int_equal(c.nmsgs, 0);
    }
    for (size_t i = 0; i < sizeof fast_declines / sizeof fast_declines[0];
         i++) {
        const char *j = fast_declines[i];
        ks_conv c;
        if (ks_conv_from_json_fast(&b, j, strlen(j), &c) != KS_EPARSE)
            fprintf(stderr, "on the fast path: %s\n", j);
        assert_int_equal(ks_conv_from_json_fast(&b, j, strlen(j), &c),
                         KS_EPARSE);
        assert_null(c.id);
    }
    ks_conv_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_conversation),
        cmocka_unit_test(minimal_conversation),
        cmocka_unit_test(errors_name_the_path),
        cmocka_unit_test(no_prefix),
        cmocka_unit_test(broken_json_column),
        cmocka_unit_test(unknown_fields_warn),
        cmocka_unit_test(diags_accumulate),
        cmocka_unit_test(trailing_content_rejected),
        cmocka_unit_test(nul_escape_not_dropped),
        cmocka_unit_test(long_prefix_keeps_location),
        cmocka_unit_test(fast_reads_as_cjson),
        cmocka_unit_test(fast_declines_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
