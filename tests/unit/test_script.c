/* Scripts (话术) as data (script.h): the shipped rules/desk/scripts.yaml,
 * the loader's located diagnostics, pick, render, traditional script and
 * the case's variables. */
#include "kt.h"
#include "kt_oom.h"

/* Full-width punctuation, spelled out so the sources stay unambiguous. */
#define FW_COMMA "\xEF\xBC\x8C" /* ， */

static ks_scripts *parse_ok(const char *yaml)
{
    ks_diags d = {0};
    ks_scripts *s = NULL;
    int rc = ks_scripts_parse(yaml, strlen(yaml), "t.yaml", &s, &d);
    if (rc != KS_OK || d.n) {
        fprintf(stderr, "scripts did not parse (rc %d):\n%s\n", rc, yaml);
        kt_print_diags(&d);
    }
    assert_int_equal(rc, KS_OK);
    assert_int_equal(d.n, 0);
    assert_non_null(s);
    ks_diags_free(&d);
    return s;
}

static char *read_shipped(size_t *len)
{
    FILE *f = fopen(KS_RULES_DIR "/desk/scripts.yaml", "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static ks_scripts *load_shipped(void)
{
    size_t len;
    char *text = read_shipped(&len);
    ks_diags d = {0};
    ks_scripts *s = NULL;
    int rc = ks_scripts_parse(text, len, "rules/desk/scripts.yaml", &s, &d);
    if (rc != KS_OK || d.n)
        kt_print_diags(&d);
    assert_int_equal(rc, KS_OK);
    assert_int_equal(d.n, 0);
    ks_diags_free(&d);
    free(text);
    return s;
}

/* The ids the planner and the desk name. */
static const char *const required_ids[] = {
    "soothe.apology",     "soothe.product",      "soothe.safety",
    "verify.facts",       "offer.two_choice",    "offer.ladder",
    "offer.full_refund",  "offer.full_remedy",   "offer.return_refund",
    "offer.exchange",     "refuse.out_of_window", "promise.tracking",
    "promise.callback",   "escalate.lead",       "close.thanks"};

static const ks_var all_vars[] = {
    {"customer", "王小明"}, {"product", "火腿肠"},   {"order", "TB1001"},
    {"price", "29.90"},     {"amount", "10.00"},     {"deadline", "6月5日 10:30"},
    {"tracking", "SF123"},  {"agent", "小笑"},       {"shop", "双汇旗舰店"},
    {"days", "7"},          {"date", "6月5日"}};
#define N_ALL_VARS (sizeof all_vars / sizeof all_vars[0])

/* Every incident a transcript can show has a rewrite for the reply guard,
 * and the desk's picker never answers with one. */
static void shipped_rewrites(void **state)
{
    (void)state;
    ks_scripts *s = load_shipped();
    for (int c = 0; c < KS_INC_COUNT; c++) {
        const ks_script *sc = ks_script_for_incident(s, c);
        if (!sc)
            fprintf(stderr, "no rewrite for %s\n", ks_incident_name(c));
        assert_non_null(sc);
        assert_int_equal(sc->incident, c);
    }
    for (int st = -1; st < KS_STATE_COUNT; st++)
        for (int cause = -1; cause < KS_CAUSE_COUNT; cause++) {
            const ks_script *sc = ks_script_pick(s, st, cause, -1);
            assert_true(!sc || sc->incident < 0);
        }
    assert_null(ks_script_for_incident(s, -1));
    assert_null(ks_script_for_incident(NULL, 0));
    ks_scripts_free(s);
}

static void shipped_file_is_complete(void **state)
{
    (void)state;
    ks_scripts *s = load_shipped();
    for (size_t i = 0; i < sizeof required_ids / sizeof *required_ids; i++) {
        const ks_script *sc = ks_script_get(s, required_ids[i]);
        if (!sc)
            fprintf(stderr, "missing script %s\n", required_ids[i]);
        assert_non_null(sc);
    }
    /* every entry cites its seed, has a title, uses the 亲/您 register and
     * renders completely when the case provides every variable */
    for (size_t i = 0; i < s->n; i++) {
        const ks_script *sc = &s->items[i];
        assert_non_null(sc->source);
        assert_true(strstr(sc->source, "seed") != NULL);
        assert_non_null(sc->title);
        assert_true(strstr(sc->text, "亲") == sc->text);
        assert_non_null(strstr(sc->text, "您"));
        char *out = NULL;
        assert_int_equal(ks_script_render(sc, all_vars, N_ALL_VARS, 0, &out),
                         KS_OK);
        if (strchr(out, '[') || strchr(out, '{'))
            fprintf(stderr, "%s left a slot: %s\n", sc->id, out);
        assert_null(strchr(out, '['));
        assert_null(strchr(out, '{'));
        ks_free(out);
        assert_int_equal(ks_script_render(sc, all_vars, N_ALL_VARS, 1, &out),
                         KS_OK);
        ks_free(out);
    }
    /* the seeds' own wording is kept where the desk relies on it */
    assert_non_null(strstr(ks_script_get(s, "escalate.lead")->text,
                           "您的方案我们会考虑"));
    assert_non_null(strstr(ks_script_get(s, "promise.callback")->text,
                           "预计{deadline}给您答复"));
    assert_non_null(strstr(ks_script_get(s, "refuse.out_of_window")->text,
                           "{days}天的售后期"));
    assert_non_null(strstr(ks_script_get(s, "promise.tracking")->text,
                           "{tracking}"));
    assert_non_null(strstr(ks_script_get(s, "offer.two_choice")->text,
                           "¥{amount}"));
    assert_null(ks_script_get(s, "no.such.script"));
    assert_null(ks_script_get(s, NULL));
    assert_null(ks_script_get(NULL, "soothe.apology"));
    ks_scripts_free(s);
}

static const char *pick_id(const ks_scripts *s, int stage, int cause,
                           int remedy)
{
    const ks_script *sc = ks_script_pick(s, stage, cause, remedy);
    return sc ? sc->id : "(none)";
}

static void shipped_stage_defaults(void **state)
{
    (void)state;
    ks_scripts *s = load_shipped();
    static const struct {
        ks_state st;
        const char *id;
    } defaults[] = {{KS_STATE_soothing, "soothe.apology"},
                    {KS_STATE_verifying, "verify.facts"},
                    {KS_STATE_negotiating, "negotiate.ask"},
                    {KS_STATE_resolving, "resolve.progress"},
                    {KS_STATE_closed, "close.thanks"},
                    {KS_STATE_escalated, "escalate.platform"}};
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++)
        assert_string_equal(pick_id(s, (int)defaults[i].st, -1, -1),
                            defaults[i].id);
    assert_string_equal(pick_id(s, KS_STATE_soothing, KS_CAUSE_logistics, -1),
                        "soothe.logistics");
    assert_string_equal(pick_id(s, KS_STATE_soothing, KS_CAUSE_shipping, -1),
                        "soothe.shipping");
    assert_string_equal(pick_id(s, KS_STATE_soothing, KS_CAUSE_product, -1),
                        "soothe.product");
    /* a cause without its own script falls back to the stage default */
    assert_string_equal(
        pick_id(s, KS_STATE_soothing, KS_CAUSE_misunderstanding, -1),
        "soothe.apology");
    assert_string_equal(pick_id(s, KS_STATE_negotiating, KS_CAUSE_product,
                                KS_REMEDY_compensate),
                        "offer.two_choice");
    assert_string_equal(
        pick_id(s, KS_STATE_negotiating, -1, KS_REMEDY_refuse),
        "refuse.out_of_window");
    assert_string_equal(
        pick_id(s, KS_STATE_negotiating, -1, KS_REMEDY_full_remedy),
        "offer.full_remedy");
    assert_string_equal(pick_id(s, KS_STATE_resolving, -1, KS_REMEDY_reship),
                        "promise.tracking");
    ks_scripts_free(s);
}

static void pick_most_specific(void **state)
{
    (void)state;
    ks_scripts *s = parse_ok("- id: any\n"
                             "  text: x\n"
                             "- id: sooth\n"
                             "  stage: soothing\n"
                             "  text: x\n"
                             "- id: sooth.product\n"
                             "  stage: 安抚\n"           /* 中文 name */
                             "  cause: product\n"
                             "  text: x\n"
                             "- id: product.refund\n"
                             "  cause: product\n"
                             "  remedy: refund\n"
                             "  text: x\n"
                             "- id: sooth.product.again\n"
                             "  stage: soothing\n"
                             "  cause: product\n"
                             "  text: x\n"
                             "- id: nego.refund\n"
                             "  stage: negotiating\n"
                             "  cause: any\n"
                             "  remedy: refund\n"
                             "  text: x\n"
                             "- id: product\n"
                             "  cause: product\n"
                             "  text: x\n");
    assert_int_equal(s->n, 7);
    assert_int_equal(ks_script_get(s, "sooth.product")->stage,
                     KS_STATE_soothing);
    assert_int_equal(ks_script_get(s, "nego.refund")->cause, -1);
    assert_int_equal(ks_script_get(s, "any")->stage, -1);
    assert_string_equal(ks_script_get(s, "any")->title, "any");
    assert_null(ks_script_get(s, "any")->source);

    assert_string_equal(pick_id(s, KS_STATE_soothing, -1, -1), "sooth");
    /* two fields beat one; the tie with sooth.product.again keeps file
     * order */
    assert_string_equal(pick_id(s, KS_STATE_soothing, KS_CAUSE_product, -1),
                        "sooth.product");
    assert_string_equal(pick_id(s, KS_STATE_negotiating, KS_CAUSE_product,
                                KS_REMEDY_refund),
                        "product.refund");
    assert_string_equal(pick_id(s, KS_STATE_negotiating, KS_CAUSE_service,
                                KS_REMEDY_refund),
                        "nego.refund");
    assert_string_equal(pick_id(s, KS_STATE_closed, KS_CAUSE_product, -1),
                        "product");
    /* an unknown cause (-1) is matched only by scripts open on cause */
    assert_string_equal(pick_id(s, KS_STATE_new, -1, -1), "any");
    assert_string_equal(pick_id(s, -1, -1, -1), "any");
    assert_string_equal(pick_id(s, KS_STATE_new, KS_CAUSE_logistics, -1),
                        "any");
    assert_null(ks_script_pick(NULL, KS_STATE_new, -1, -1));
    ks_scripts_free(s);

    s = parse_ok("- id: only\n  stage: closed\n  text: x\n");
    assert_null(ks_script_pick(s, KS_STATE_soothing, -1, -1));
    assert_string_equal(pick_id(s, KS_STATE_closed, KS_CAUSE_product,
                                KS_REMEDY_refund),
                        "only");
    ks_scripts_free(s);

    s = parse_ok("");
    assert_int_equal(s->n, 0);
    assert_null(ks_script_pick(s, KS_STATE_new, -1, -1));
    ks_scripts_free(s);
}

static char *render(const char *text, const ks_var *vars, size_t n,
                    int traditional)
{
    ks_script sc = {.id = "t", .stage = -1, .cause = -1, .remedy = -1,
                    .title = "t", .text = (char *)text};
    char *out = NULL;
    assert_int_equal(ks_script_render(&sc, vars, n, traditional, &out),
                     KS_OK);
    assert_non_null(out);
    return out;
}

static void render_variables(void **state)
{
    (void)state;
    char *out = render(
        "{customer}|{product}|{order}|{price}|{amount}|{deadline}|"
        "{tracking}|{agent}|{shop}|{days}|{date}",
        all_vars, N_ALL_VARS, 0);
    assert_string_equal(out, "王小明|火腿肠|TB1001|29.90|10.00|6月5日 10:30|"
                             "SF123|小笑|双汇旗舰店|7|6月5日");
    ks_free(out);

    /* missing, NULL and empty values show the slot to fill in */
    const ks_var some[] = {{"product", "火腿肠"}, {"amount", NULL},
                           {"tracking", ""}};
    out = render("补偿¥{amount},补发{product},单号{tracking},{days}天", some,
                 3, 0);
    assert_string_equal(out,
                        "补偿¥[amount],补发火腿肠,单号[tracking],[days]天");
    ks_free(out);
    out = render("亲,{customer}您好", NULL, 0, 0);
    assert_string_equal(out, "亲,[customer]您好");
    ks_free(out);
    /* the first of two same-named variables wins; values are not
     * re-expanded */
    const ks_var twice[] = {{"order", "{order}"}, {"order", "B"}};
    out = render("{order}{order}", twice, 2, 0);
    assert_string_equal(out, "{order}{order}");
    ks_free(out);
    /* a hand-made (unparsed) template: malformed braces stay as they are */
    out = render("a{b {} c} {d{product}", some, 3, 0);
    assert_string_equal(out, "a{b {} c} {d火腿肠");
    ks_free(out);
    out = render("", NULL, 0, 0);
    assert_string_equal(out, "");
    ks_free(out);

    char *o = (char *)1;
    ks_script sc = {.text = NULL};
    assert_int_equal(ks_script_render(&sc, NULL, 0, 0, &o), KS_EINVAL);
    assert_null(o);
    assert_int_equal(ks_script_render(NULL, NULL, 0, 0, &o), KS_EINVAL);
    sc.text = "x";
    assert_int_equal(ks_script_render(&sc, NULL, 2, 0, &o), KS_EINVAL);
    assert_int_equal(ks_script_render(&sc, NULL, 0, 0, NULL), KS_EINVAL);
}

static void render_traditional(void **state)
{
    (void)state;
    const ks_var v[] = {{"product", "火腿肠"}, {"tracking", "SF123"}};
    char *out = render("亲" FW_COMMA "给您补发{product}" FW_COMMA
                       "单号{tracking}" FW_COMMA "出库前已经质检" FW_COMMA
                       "{amount}",
                       v, 2, 1);
    assert_string_equal(out, "親" FW_COMMA "給您補發火腿腸" FW_COMMA
                             "單號SF123" FW_COMMA "出庫前已經質檢" FW_COMMA
                             "[amount]");
    ks_free(out);

    /* the shipped scripts convert too */
    ks_scripts *s = load_shipped();
    assert_int_equal(ks_script_render(ks_script_get(s, "promise.tracking"), v,
                                      2, 1, &out),
                     KS_OK);
    assert_non_null(strstr(out, "給您補發的火腿腸已經發出了"));
    assert_non_null(strstr(out, "補發單號是SF123"));
    ks_free(out);
    ks_scripts_free(s);

    /* a variable value that is not UTF-8 cannot be converted */
    const ks_var bad[] = {{"product", "\xff"}};
    ks_script sc = {.text = "{product}"};
    out = (char *)1;
    assert_int_equal(ks_script_render(&sc, bad, 1, 1, &out), KS_EUTF8);
    assert_null(out);
}

static void to_traditional(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"", ""},
        {"abc 123 ¥29.90", "abc 123 ¥29.90"},
        {"给您补发", "給您補發"},
        {"质检", "質檢"},
        {"售后", "售後"},
        {"亲,您的退款已经提交", "親,您的退款已經提交"},
        {"𠀀😀", "𠀀😀"},           /* 4-byte characters pass through */
        {"繁體", "繁體"},           /* already traditional */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = NULL;
        assert_int_equal(
            ks_to_traditional(cases[i].in, strlen(cases[i].in), &out), KS_OK);
        assert_string_equal(out, cases[i].want);
        ks_free(out);
    }
    /* a length, not a NUL, ends the input */
    char *out = NULL;
    assert_int_equal(ks_to_traditional("发\0发", 7, &out), KS_OK);
    assert_memory_equal(out, "發\0發", 7);
    assert_int_equal(out[7], '\0');
    ks_free(out);
    assert_int_equal(ks_to_traditional(NULL, 0, &out), KS_OK);
    assert_string_equal(out, "");
    ks_free(out);

    static const char *const bad[] = {
        "\xff", "abc\x80", "\xe5\xa5", "发\xe5", "\xed\xa0\x80" /* surrogate */,
        "\xc0\xaf" /* overlong */, "\xf4\x90\x80\x80" /* > U+10FFFF */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        out = (char *)1;
        assert_int_equal(ks_to_traditional(bad[i], strlen(bad[i]), &out),
                         KS_EUTF8);
        assert_null(out);
    }
    assert_int_equal(ks_to_traditional(NULL, 3, &out), KS_EINVAL);
    assert_int_equal(ks_to_traditional("a", 1, NULL), KS_EINVAL);
}

static const char *var_of(const ks_var *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            return v[i].value;
    return NULL;
}

static void case_variables(void **state)
{
    (void)state;
    ks_case c;
    ks_case_init(&c);
    c.customer = ks_strdup("王小明");
    c.agent = ks_strdup("小笑");
    c.shop = ks_strdup("双汇旗舰店");
    c.has_order = 1;
    c.order.id = ks_strdup("TB1001");
    c.order.sku = ks_strdup("火腿肠");
    c.order.price = 29.9;
    /* 2024-06-05T02:30Z = 10:30 in Beijing; the kept one is earlier but
     * does not count, nor does the open one without a due time */
    size_t k;
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_callback, NULL, KT_T0,
                                         KT_T0 + 600000LL, &k),
                     KS_OK);
    c.promises[k].kept_at = KT_T0 + 60000;
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_tracking, NULL, KT_T0,
                                         KT_T0 + 86400000LL, NULL),
                     KS_OK);
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_reply, NULL, KT_T0,
                                         KT_T0 + 1800000LL, NULL),
                     KS_OK);
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_other, NULL, KT_T0,
                                         KS_TIME_NONE, NULL),
                     KS_OK);

    ks_var v[16];
    char bufs[512];
    size_t n = ks_case_vars(&c, 15, "SF123", v, 16, bufs, sizeof bufs);
    assert_int_equal(n, 9);
    static const char *const order[] = {"customer", "product", "order",
                                        "price",    "amount",  "deadline",
                                        "tracking", "agent",   "shop"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(v[i].name, order[i]);
    assert_string_equal(var_of(v, n, "customer"), "王小明");
    assert_string_equal(var_of(v, n, "product"), "火腿肠");
    assert_string_equal(var_of(v, n, "order"), "TB1001");
    assert_string_equal(var_of(v, n, "price"), "29.90");
    assert_string_equal(var_of(v, n, "amount"), "15.00");
    assert_string_equal(var_of(v, n, "deadline"), "6月5日 10:30");
    assert_string_equal(var_of(v, n, "tracking"), "SF123");
    assert_string_equal(var_of(v, n, "agent"), "小笑");
    assert_string_equal(var_of(v, n, "shop"), "双汇旗舰店");

    /* no amount, no tracking, no open promise: left out, so the script
     * shows [amount] */
    for (size_t i = 0; i < c.npromises; i++)
        c.promises[i].kept_at = KT_T0;
    n = ks_case_vars(&c, -1, NULL, v, 16, bufs, sizeof bufs);
    assert_int_equal(n, 6);
    assert_null(var_of(v, n, "amount"));
    assert_null(var_of(v, n, "tracking"));
    assert_null(var_of(v, n, "deadline"));
    n = ks_case_vars(&c, 0, "", v, 16, bufs, sizeof bufs);
    assert_string_equal(var_of(v, n, "amount"), "0.00");
    assert_null(var_of(v, n, "tracking"));

    /* midnight rolls the date over; times before 1970 work too */
    c.promises[0].kept_at = KS_TIME_NONE;
    c.promises[0].due_at = 1735661100000LL;     /* 2024-12-31T16:05Z */
    n = ks_case_vars(&c, -1, NULL, v, 16, bufs, sizeof bufs);
    assert_string_equal(var_of(v, n, "deadline"), "1月1日 00:05");
    c.promises[0].due_at = -8LL * 3600 * 1000 - 1;  /* 1969-12-31T15:59:59.999Z */
    n = ks_case_vars(&c, -1, NULL, v, 16, bufs, sizeof bufs);
    assert_string_equal(var_of(v, n, "deadline"), "12月31日 23:59");
    c.promises[0].due_at = 951782400000LL;      /* 2000-02-29T00:00Z */
    n = ks_case_vars(&c, -1, NULL, v, 16, bufs, sizeof bufs);
    assert_string_equal(var_of(v, n, "deadline"), "2月29日 08:00");

    /* limits: maxvars truncates, a small buffer drops formatted values */
    n = ks_case_vars(&c, 15, "SF123", v, 2, bufs, sizeof bufs);
    assert_int_equal(n, 2);
    char tiny[4];
    n = ks_case_vars(&c, 15, "SF123", v, 16, tiny, sizeof tiny);
    assert_null(var_of(v, n, "price"));
    assert_null(var_of(v, n, "amount"));
    assert_string_equal(var_of(v, n, "tracking"), "SF123");
    n = ks_case_vars(&c, 15, NULL, v, 16, NULL, 0);
    assert_null(var_of(v, n, "amount"));
    assert_string_equal(var_of(v, n, "customer"), "王小明");
    assert_int_equal(ks_case_vars(NULL, 1, NULL, v, 16, bufs, 512), 0);

    /* no order: no product, order or price */
    c.has_order = 0;
    n = ks_case_vars(&c, -1, NULL, v, 16, bufs, sizeof bufs);
    assert_null(var_of(v, n, "product"));
    assert_null(var_of(v, n, "price"));
    c.has_order = 1;
    c.order.price = -1;
    n = ks_case_vars(&c, -1, NULL, v, 16, bufs, sizeof bufs);
    assert_null(var_of(v, n, "price"));
    assert_string_equal(var_of(v, n, "product"), "火腿肠");

    /* end to end: the shipped callback script for this case */
    c.promises[0].due_at = KT_T0 + 1800000LL;   /* 10:30 */
    n = ks_case_vars(&c, -1, NULL, v, 16, bufs, sizeof bufs);
    ks_scripts *s = load_shipped();
    char *out = NULL;
    assert_int_equal(ks_script_render(ks_script_get(s, "promise.callback"),
                                      v, n, 0, &out),
                     KS_OK);
    assert_non_null(strstr(out, "预计6月5日 10:30给您答复"));
    ks_free(out);
    ks_scripts_free(s);
    ks_case_free(&c);
}

/* Is there an error at exactly `where` (or, when where ends in ':', at a
 * location starting with it) whose message contains msg? */
static int has_error(const ks_diags *d, const char *where, const char *msg)
{
    size_t wl = strlen(where);
    int prefix = wl && where[wl - 1] == ':';
    for (size_t i = 0; i < d->n; i++) {
        const ks_diag *e = &d->items[i];
        if (!e->warning && strstr(e->msg, msg) &&
            (prefix ? strncmp(e->where, where, wl) == 0
                    : strcmp(e->where, where) == 0))
            return 1;
    }
    return 0;
}

#define assert_diag_at(d, where, msg)                                       \
    do {                                                                    \
        if (!has_error((d), (where), (msg))) {                              \
            fprintf(stderr, "expected an error at %s containing \"%s\"; "  \
                            "got:\n", (where), (msg));                      \
            kt_print_diags(d);                                              \
            fail();                                                         \
        }                                                                   \
    } while (0)

/* One malformed input, where its (first) error must be, and what it says. */
static const struct {
    const char *yaml, *where, *msg;
} bad_inputs[] = {
    {"- id: a\n  text: x\n  txet: y\n", "t.yaml:3:3", "unknown key \"txet\""},
    {"- text: x\n", "t.yaml:1:3", "needs an id"},
    {"- id: a\n  text: x\n- title: t\n  text: y\n", "t.yaml:3:3",
     "needs an id"},
    {"- id: a\n  title: t\n", "t.yaml:1:3", "script \"a\" has no text"},
    {"- id: a\n  text: \"\"\n", "t.yaml:2:9", "text is empty"},
    {"- id: a\n  text: x\n- id: b\n  text: y\n- id: a\n  text: z\n",
     "t.yaml:5:7", "duplicate id \"a\" (first defined at t.yaml:1:7)"},
    {"- id: Offer Two\n  text: x\n", "t.yaml:1:7", "id \"Offer Two\""},
    {"- id: a\n  stage: sooth\n  text: x\n", "t.yaml:2:10",
     "unknown stage \"sooth\""},
    {"- id: a\n  incident: rudeness\n  text: x\n", "t.yaml:2:13",
     "unknown incident \"rudeness\""},
    {"- id: a\n  stage: soothing\n  incident: attitude\n  text: x\n",
     "t.yaml:3:13", "leave stage, cause and remedy out"},
    {"- id: a\n  stage: \"\"\n  text: x\n", "t.yaml:2:10",
     "stage needs a name"},
    {"- id: a\n  cause: weather\n  text: x\n", "t.yaml:2:10",
     "unknown cause \"weather\" (known: product, logistics"},
    {"- id: a\n  remedy: cash\n  text: x\n", "t.yaml:2:11",
     "unknown remedy \"cash\""},
    {"- id: a\n  text: [x]\n", "t.yaml:2:9", "text must be a string"},
    {"- id: [a]\n  text: x\n", "t.yaml:1:7", "id must be a string"},
    {"- id: a\n  text: 亲{customer您好\n", "t.yaml:2:10",
     "\"{\" is not closed"},
    {"- id: a\n  text: 亲{customer{product}\n", "t.yaml:2:10",
     "\"{\" is not closed"},
    {"- id: a\n  text: 亲customer}您好\n", "t.yaml:2:18",
     "\"}\" without an opening \"{\""},
    {"- id: a\n  text: \"{{customer}}\"\n", "t.yaml:2:10",
     "\"{{\" is not allowed"},
    {"- id: a\n  text: 亲{name}您好\n", "t.yaml:2:10",
     "unknown variable {name}"},
    {"- id: a\n  text: 亲{ customer }您好\n", "t.yaml:2:10",
     "unknown variable { customer }"},
    {"- id: a\n  text: 亲{}您好\n", "t.yaml:2:10", "empty \"{}\""},
    {"- id: a\n  text: |\n    第一行{order}\n    第二行{oops}\n",
     "t.yaml:4:8", "unknown variable {oops}"},
    {"- id: a\n  text: >-\n    一{customer}\n\n    二}\n", "t.yaml:5:6",
     "\"}\" without"},
    {"- id: a\n  text: 'It''s {shop} {x}'\n", "t.yaml:2:23",
     "unknown variable {x}"},
    {"id: a\ntext: x\n", "t.yaml:1:1", "list of entries"},
    {"- hello\n", "t.yaml:1:3", "each entry must be a mapping"},
    {"- id: a\n  text: \"x\n", "t.yaml:", "YAML syntax error"},
    {"- id: a\n  text: x\n---\n- id: b\n  text: y\n", "t.yaml:3:",
     "only one YAML document"},
};

static void malformed_inputs_located(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_inputs / sizeof *bad_inputs; i++) {
        ks_diags d = {0};
        ks_scripts *s = (ks_scripts *)1;
        const char *y = bad_inputs[i].yaml;
        int rc = ks_scripts_parse(y, strlen(y), "t.yaml", &s, &d);
        if (rc != KS_ERULES ||
            !has_error(&d, bad_inputs[i].where, bad_inputs[i].msg))
            fprintf(stderr, "input %zu (rc %d):\n%s", i, rc, y);
        assert_int_equal(rc, KS_ERULES);
        assert_null(s);
        assert_diag_at(&d, bad_inputs[i].where, bad_inputs[i].msg);
        ks_diags_free(&d);
    }
}

static void all_mistakes_reported(void **state)
{
    (void)state;
    const char *y = "- id: a\n"
                    "  stage: nope\n"
                    "  colour: red\n"
                    "  text: \"{x} and }\"\n"
                    "- id: b\n"
                    "  text: fine {amount}\n"
                    "- id: a\n"
                    "  text: again\n";
    ks_diags d = {0};
    ks_scripts *s = NULL;
    assert_int_equal(ks_scripts_parse(y, strlen(y), "t.yaml", &s, &d),
                     KS_ERULES);
    assert_null(s);
    assert_diag_at(&d, "t.yaml:2:10", "unknown stage");
    assert_diag_at(&d, "t.yaml:3:3", "unknown key \"colour\"");
    assert_diag_at(&d, "t.yaml:4:10", "unknown variable {x}");
    assert_diag_at(&d, "t.yaml:4:18", "\"}\" without");
    /* the first "a" was broken, so the second is not a duplicate */
    assert_int_equal(d.errors, 4);
    ks_diags_free(&d);

    /* diagnostics may be left out; the result code still tells */
    assert_int_equal(ks_scripts_parse(y, strlen(y), NULL, &s, NULL),
                     KS_ERULES);
    assert_int_equal(ks_scripts_parse(NULL, 1, "t", &s, NULL), KS_EINVAL);
    assert_int_equal(ks_scripts_parse("", 0, "t", NULL, NULL), KS_EINVAL);
    ks_scripts_free(NULL);
}

/* ---- allocation failures ------------------------------------------------ */

static void out_of_memory(void **state)
{
    (void)state;
    size_t len;
    char *text = read_shipped(&len);
    ks_set_allocator(kt_malloc, kt_realloc, kt_free);
    kt_sticky = 1;   /* every allocation from the Nth on fails */
    int done = 0;
    for (long n = 1; !done && n < 100000; n++) {
        kt_calls = 0;
        kt_fail_at = n;
        kt_live = 0;
        ks_scripts *s = NULL;
        int rc = ks_scripts_parse(text, len, "s.yaml", &s, NULL);
        if (rc == KS_OK) {
            char *out = NULL;
            const ks_var v[] = {{"product", "火腿肠"}};
            rc = ks_script_render(ks_script_get(s, "promise.tracking"), v, 1,
                                  1, &out);
            ks_free(out);
            done = rc == KS_OK;
        }
        ks_scripts_free(s);
        kt_fail_at = 0;
        assert_true(rc == KS_OK || rc == KS_ENOMEM);
        assert_int_equal(kt_live, 0);
    }
    ks_set_allocator(NULL, NULL, NULL);
    kt_sticky = 0;
    assert_true(done);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_file_is_complete),
        cmocka_unit_test(shipped_rewrites),
        cmocka_unit_test(shipped_stage_defaults),
        cmocka_unit_test(pick_most_specific),
        cmocka_unit_test(render_variables),
        cmocka_unit_test(render_traditional),
        cmocka_unit_test(to_traditional),
        cmocka_unit_test(case_variables),
        cmocka_unit_test(malformed_inputs_located),
        cmocka_unit_test(all_mistakes_reported),
        cmocka_unit_test(out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
