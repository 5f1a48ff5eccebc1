/* The n-gram model (include/kesu/model.h): reading a model file and its
 * located errors, writing it back, training on a small labelled set, and
 * its verdicts in ks_qa() beside the rules' findings: findings of its
 * own, suspicions and withheld findings. */
#include "kt.h"

#include <limits.h>
#include <math.h>

#define NAME "m.tsv"
#define ATT (1u << KS_INC_attitude)

/* ---- reading: located errors ------------------------------------------ */

/* Parses text (NUL-terminated) as NAME; returns the rc, the diagnostics
 * in *d and the model in *m. */
static int parse(const char *text, ks_model **m, ks_diags *d)
{
    *m = (ks_model *)1;
    return ks_model_parse(NAME, text, strlen(text), m, d);
}

static int has_error_at(const ks_diags *d, const char *where,
                        const char *msg)
{
    for (size_t i = 0; i < d->n; i++)
        if (!d->items[i].warning && !strcmp(d->items[i].where, where) &&
            strstr(d->items[i].msg, msg))
            return 1;
    return 0;
}

/* Parsing text fails with an error exactly at where ("m.tsv:LINE")
 * whose message contains msg. */
static void expect_error(const char *text, const char *where,
                         const char *msg)
{
    ks_model *m;
    ks_diags d = {0};
    int rc = parse(text, &m, &d);
    if (rc != KS_ERULES || m != NULL || d.errors == 0 ||
        !has_error_at(&d, where, msg)) {
        fprintf(stderr, "want KS_ERULES and an error at %s containing "
                        "\"%s\"; got rc %d, model %p:\n--\n%s--\n",
                where, msg, rc, (void *)m, text);
        kt_print_diags(&d);
        fail();
    }
    ks_diags_free(&d);
}

static ks_model *parse_ok(const char *text)
{
    ks_model *m;
    ks_diags d = {0};
    int rc = parse(text, &m, &d);
    if (rc != KS_OK || d.n) {
        fprintf(stderr, "model did not parse cleanly (rc %d):\n%s\n", rc,
                text);
        kt_print_diags(&d);
    }
    assert_int_equal(rc, KS_OK);
    assert_int_equal(d.n, 0);
    assert_non_null(m);
    ks_diags_free(&d);
    return m;
}

/* Lines 1-3: header and two codes; error cases append from line 4. */
#define HEAD                                                   \
    "kesu-model 1\n"                                /* 1 */    \
    "code attitude bias -1.5 threshold 0.25\n"      /* 2 */    \
    "code diversion bias -2 threshold -0.5\n"       /* 3 */

static void parses_valid_file(void **state)
{
    (void)state;
    ks_model *m = parse_ok("# a comment before the header\n\n" HEAD
                           "# and between lines\n"
                           "A:听不懂\tattitude=2.5\n"
                           "A:加\tdiversion=1 attitude=-0.25\n"
                           "C:差评\tattitude=0.5\n"
                           "E:end\tattitude=0.125\n"
                           "S:gap>=600s\tdiversion=0.5\n"
                           "S:last_agent\t\n");
    assert_int_equal(ks_model_codes(m), ATT | 1u << KS_INC_diversion);
    assert_int_equal(ks_model_features(m), 6);
    ks_model_free(m);
    ks_model_free(NULL);
}

static void header_and_code_lines(void **state)
{
    (void)state;
    expect_error("code attitude bias 0 threshold 0\nA:你\tattitude=1\n",
                 NAME ":1", "the first line must be \"kesu-model 1\"");
    expect_error("kesu-model 2\n", NAME ":1", "kesu-model 1");
    expect_error("", NAME ":1", "empty model file");
    expect_error("# only a comment\n", NAME ":1", "empty model file");
    expect_error("kesu-model 1\n", NAME ":1", "no \"code\" line");
    expect_error(HEAD "code nosuch bias 0 threshold 0\n", NAME ":4",
                 "unknown incident code \"nosuch\"");
    expect_error(HEAD "code attitude bias 0 threshold 0\n", NAME ":4",
                 "code \"attitude\" declared twice");
    expect_error(HEAD "A:你\tattitude=1\ncode harassment bias 0 threshold 0\n",
                 NAME ":5", "code lines must come before the features");
    expect_error(HEAD "code harassment bias 0\n", NAME ":4",
                 "expected \"code NAME bias NUMBER threshold NUMBER\"");
    expect_error(HEAD "code harassment bias 0 threshold 0 extra\n",
                 NAME ":4", "may hold \"promote NUMBER\" and \"withhold "
                            "NUMBER\", each once; not \"extra\"");
    expect_error(HEAD "code harassment weight 0 threshold 0\n", NAME ":4",
                 "expected \"code NAME");
    expect_error("kesu-model 1\nA:你\tattitude=1\n", NAME ":2",
                 "no \"code\" line before the first feature");
}

/* The optional levels after the threshold: in either order, each once,
 * bounded, promote not below the threshold and withhold not above. */
static void level_lines(void **state)
{
    (void)state;
    ks_model *m = parse_ok(HEAD "code harassment bias 0 threshold 0.5 "
                                "withhold -1 promote 2\n"
                                "code shirking bias 0 threshold 0 promote 0"
                                "\ncode key_info bias 0 threshold 0 "
                                "withhold 0\nA:你\tattitude=1\n");
    ks_model_free(m);
    expect_error(HEAD "code harassment bias 0 threshold 0 promote\n",
                 NAME ":4", "promote must be followed by a finite number");
    expect_error(HEAD "code harassment bias 0 threshold 0 withhold nan\n",
                 NAME ":4", "withhold must be followed by a finite number");
    expect_error(HEAD "code harassment bias 0 threshold 0 promote 2e6\n",
                 NAME ":4", "at most 1e6");
    expect_error(HEAD "code harassment bias 0 threshold 0 promote 1 "
                      "promote 2\n", NAME ":4", "each once; not "
                                                "\"promote\"");
    expect_error(HEAD "code harassment bias 0 threshold 0.5 promote 0.4\n",
                 NAME ":4", "promote must not be below the threshold");
    expect_error(HEAD "code harassment bias 0 threshold 0.5 withhold 0.6\n",
                 NAME ":4", "withhold must not be above the threshold");
}

static void bad_numbers(void **state)
{
    (void)state;
    static const char *const bad[] = {"nan", "NaN", "inf", "-inf",
                                      "infinity", "1e999", "x", "1.5x",
                                      "0x", "", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 HEAD "code harassment bias %s threshold 0\n", bad[i]);
        expect_error(text, NAME ":4", bad[i][0] ? "finite numbers"
                                                : "expected \"code NAME");
        snprintf(text, sizeof text,
                 HEAD "code harassment bias 0 threshold %s\n", bad[i]);
        expect_error(text, NAME ":4", bad[i][0] ? "finite numbers"
                                                : "expected \"code NAME");
        snprintf(text, sizeof text, HEAD "A:你\tattitude=%s\n", bad[i]);
        expect_error(text, NAME ":4", "weight of \"attitude\" is not a "
                                      "number");
    }
    expect_error(HEAD "A:你\tattitude=2e6\n", NAME ":4", "not a number");
    /* bias and threshold are bounded too, so that what ks_model_write()
     * prints of them reads back */
    expect_error(HEAD "code harassment bias 1e60 threshold 0\n", NAME ":4",
                 "at most 1e6");
    expect_error(HEAD "code harassment bias 0 threshold -1000001\n",
                 NAME ":4", "at most 1e6");
    ks_model *m = parse_ok("kesu-model 1\n"
                           "code attitude bias -1e6 threshold 1e6\n"
                           "A:你\tattitude=-1e6\n");
    char *t;
    size_t n;
    assert_int_equal(ks_model_write(m, &t, &n), KS_OK);
    ks_model_free(m);
    m = parse_ok(t);
    ks_model_free(m);
    ks_free(t);
    expect_error(HEAD "A:你\tattitude\n", NAME ":4",
                 "\"attitude\": expected code=weight");
}

static void bad_keys(void **state)
{
    (void)state;
    expect_error(HEAD "X:你\tattitude=1\n", NAME ":4",
                 "\"X:你\": a key is A:, C:, E: or S:");
    expect_error(HEAD "A你\tattitude=1\n", NAME ":4", "a key is A:");
    expect_error(HEAD "A:\tattitude=1\n", NAME ":4", "a key is A:");
    expect_error(HEAD "\tattitude=1\n", NAME ":4", "a key is A:");
    expect_error(HEAD "A:你 attitude=1\n", NAME ":4",
                 "expected KEY, a tab, then code=weight");
    expect_error(HEAD "A:态度很差\tattitude=1\n", NAME ":4",
                 "\"A:态度很差\": agent keys hold 1-3 characters");
    expect_error(HEAD "C:态\tattitude=1\n", NAME ":4",
                 "\"C:态\": agent keys hold 1-3 characters, customer keys 2");
    expect_error(HEAD "C:态度差\tattitude=1\n", NAME ":4", "customer keys 2");
    expect_error(HEAD "A:态 度\tattitude=1\n", NAME ":4",
                 "\"A:态 度\" holds white space");
    expect_error(HEAD "A:态\xe3\x80\x80度\tattitude=1\n", NAME ":4",
                 "holds white space");
    /* text is normalised before its n-grams are taken: a key in
     * traditional script, full-width or upper case never matches */
    expect_error(HEAD "A:態度\tattitude=1\n", NAME ":4",
                 "\"A:態度\" can never match: text is normalised first");
    expect_error(HEAD "C:聽不\tattitude=1\n", NAME ":4", "can never match");
    expect_error(HEAD "A:ＶＸ\tdiversion=1\n", NAME ":4", "can never match");
    expect_error(HEAD "A:VX\tdiversion=1\n", NAME ":4", "can never match");
    expect_error(HEAD "E:hangup\tattitude=1\n", NAME ":4",
                 "\"E:hangup\": unknown event or chat fact");
    expect_error(HEAD "S:gap>=61s\tattitude=1\n", NAME ":4",
                 "unknown event or chat fact");
    expect_error(HEAD "E:last_agent\tattitude=1\n", NAME ":4",
                 "unknown event or chat fact");
    expect_error(HEAD "S:end\tattitude=1\n", NAME ":4",
                 "unknown event or chat fact");
}

static void bad_weights_and_duplicates(void **state)
{
    (void)state;
    expect_error(HEAD "A:你\tharassment=1\n", NAME ":4",
                 "\"harassment\" is not a code declared above");
    expect_error(HEAD "A:你\tnosuch=1\n", NAME ":4",
                 "\"nosuch\" is not a code declared above");
    expect_error(HEAD "A:你\tattitude=1 attitude=2\n", NAME ":4",
                 "\"attitude\" given twice on the line");
    expect_error(HEAD "A:你\tattitude=1\nA:我\tattitude=1\n"
                      "A:你\tdiversion=1\n",
                 NAME ":6", "\"A:你\" given twice");
}

/* The line of the first bad byte, counting every newline before it. */
static void invalid_utf8(void **state)
{
    (void)state;
    expect_error(HEAD "A:你\tattitude=1\n\xff\n", NAME ":5",
                 "invalid UTF-8");
    expect_error("\xe4\xbd\n", NAME ":1", "invalid UTF-8");
    expect_error(HEAD "\n\nA:\xe4\xbd\tattitude=1\n", NAME ":6",
                 "invalid UTF-8");
    /* an overlong encoding is not UTF-8 either */
    expect_error(HEAD "\xc0\xaf\n", NAME ":4", "invalid UTF-8");
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);
    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, c, n);
    memcpy(s + h + n, tail, t + 1);
    return s;
}

static void long_lines(void **state)
{
    (void)state;
    /* 4096 bytes (before LF or CRLF) is the longest line */
    char *s = repeat(HEAD "#", 'x', 4095, "\nA:你\tattitude=1\n");
    ks_model *m = parse_ok(s);
    ks_model_free(m);
    free(s);
    s = repeat(HEAD "#", 'x', 4095, "\r\nA:你\tattitude=1\r\n");
    m = parse_ok(s);
    ks_model_free(m);
    free(s);
    s = repeat(HEAD "#", 'x', 4096, "\nA:你\tattitude=1\n");
    expect_error(s, NAME ":4", "line longer than 4096 bytes");
    free(s);
    s = repeat(HEAD "A:你\tattitude=1", ' ', 5000, "\n");
    expect_error(s, NAME ":4", "line longer than 4096 bytes");
    free(s);
}

/* Reading goes on after an error, so a hand-edited file shows them all. */
static void every_error_reported(void **state)
{
    (void)state;
    const char *text = HEAD                          /* 1-3 */
        "A:你\tattitude=1\n"                         /* 4 */
        "A:態度\tattitude=1\n"                       /* 5 */
        "A:好\tattitude=1\n"                         /* 6 */
        "E:hangup\tattitude=1\n"                     /* 7 */
        "A:你\tdiversion=1\n"                        /* 8 */
        "code harassment bias 0 threshold 0\n"       /* 9 */
        "A:行\tattitude=inf\n";                      /* 10 */
    ks_model *m;
    ks_diags d = {0};
    assert_int_equal(parse(text, &m, &d), KS_ERULES);
    assert_null(m);
    if (d.errors != 5)
        kt_print_diags(&d);
    assert_int_equal(d.errors, 5);
    assert_true(has_error_at(&d, NAME ":5", "can never match"));
    assert_true(has_error_at(&d, NAME ":7", "unknown event"));
    assert_true(has_error_at(&d, NAME ":8", "given twice"));
    assert_true(has_error_at(&d, NAME ":9", "before the features"));
    assert_true(has_error_at(&d, NAME ":10", "not a number"));
    ks_diags_free(&d);
}

static void crlf_accepted(void **state)
{
    (void)state;
    ks_model *m = parse_ok("kesu-model 1\r\n"
                           "code attitude bias -1 threshold 0.5\r\n"
                           "\r\n# note\r\n"
                           "A:听不懂\tattitude=3\r\n"
                           "E:timeout\tattitude=1\r\n");
    assert_int_equal(ks_model_codes(m), ATT);
    assert_int_equal(ks_model_features(m), 2);
    /* the weight was read, not its "\r" left on the number */
    char *t;
    size_t n;
    assert_int_equal(ks_model_write(m, &t, &n), KS_OK);
    assert_non_null(strstr(t, "A:听不懂\tattitude=3.0000\n"));
    assert_null(strchr(t, '\r'));
    ks_free(t);
    ks_model_free(m);
    /* a line number counts CRLF lines too */
    expect_error("kesu-model 1\r\ncode attitude bias 0 threshold 0\r\n"
                 "A:態\tattitude=1\r\n",
                 NAME ":3", "can never match");
}

/* ---- scoring ----------------------------------------------------------- */

/* Builds a conversation of lines with ks_conv_from_json. */
static void conv_json(ks_conv *c, const char *const *who,
                      const char *const *text, size_t n)
{
    char json[4096];
    size_t k = (size_t)snprintf(json, sizeof json,
                                "{\"id\":\"c\",\"messages\":[");
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(json + k, sizeof json - k,
                              "%s{\"id\":\"m%zu\",\"at\":\"2024-06-05T10:"
                              "%02zu:00+08:00\",\"from\":\"%s\",\"text\":"
                              "\"%s\"}",
                              i ? "," : "", i + 1, i, who[i], text[i]);
    k += (size_t)snprintf(json + k, sizeof json - k, "]}");
    assert_true(k < sizeof json);
    ks_diags d = {0};
    int rc = ks_conv_from_json(json, k, c, &d, "test");
    if (rc)
        kt_print_diags(&d);
    assert_int_equal(rc, KS_OK);
    ks_diags_free(&d);
}

/* Two lines: the customer's, then the agent's reply. */
static void chat(ks_conv *c, const char *customer, const char *agent)
{
    const char *who[] = {"customer", "agent"};
    const char *text[] = {customer, agent};
    conv_json(c, who, text, 2);
}

/* score = bias + sum(weights) / sqrt(features found + 1) - threshold;
 * an n-gram said twice counts once; codes not modelled score 0. */
static void score_formula(void **state)
{
    (void)state;
    ks_model *m = parse_ok("kesu-model 1\n"
                           "code attitude bias -1 threshold 0.5\n"
                           "code diversion bias 0.25 threshold 0\n"
                           "A:听不懂\tattitude=3 diversion=-1\n"
                           "C:在吗\tattitude=1\n"
                           "S:last_agent\tdiversion=2\n"
                           "A:滚\tattitude=9\n");
    ks_conv c;
    chat(&c, "在吗", "听 不 懂，听不懂");
    double s[KS_INC_COUNT];
    assert_int_equal(ks_model_score(m, &c, s), KS_OK);
    /* found: A:听不懂, C:在吗, S:last_agent */
    assert_float_equal(s[KS_INC_attitude], -1 + 4 / 2.0 - 0.5, 1e-6);
    assert_float_equal(s[KS_INC_diversion], 0.25 + 1 / 2.0, 1e-6);
    for (int k = 0; k < KS_INC_COUNT; k++)
        if (k != KS_INC_attitude && k != KS_INC_diversion)
            assert_true(s[k] == 0.0);
    ks_conv_free(&c);
    /* normalised before the n-grams: traditional script matches too */
    chat(&c, "你好", "聽不懂");
    assert_int_equal(ks_model_score(m, &c, s), KS_OK);
    assert_float_equal(s[KS_INC_attitude], -1 + 3 / 1.7320508 - 0.5, 1e-6);
    ks_conv_free(&c);
    ks_model_free(m);
}

/* ---- writing ------------------------------------------------------------ */

static char *write_text(const ks_model *m)
{
    char *t = NULL;
    size_t n = 0;
    assert_int_equal(ks_model_write(m, &t, &n), KS_OK);
    assert_non_null(t);
    assert_int_equal(strlen(t), n);
    return t;
}

/* The |largest weight| of a feature line of written text. */
static double line_top(const char *line)
{
    double top = 0;
    /* after the key, which may hold '=' ("S:gap>=60s") */
    for (const char *p = strchr(strchr(line, '\t'), '=');
         p && p < strchr(line, '\n');
         p = strchr(p + 1, '=')) {
        double v = fabs(strtod(p + 1, NULL));
        if (v > top)
            top = v;
    }
    return top;
}

/* Feature lines (after "kesu-model 1" and the code lines) are listed by
 * largest |weight| first. */
static void assert_sorted(const char *text)
{
    const char *l = strstr(text, "kesu-model 1\n");
    assert_non_null(l);
    double prev = INFINITY;
    size_t n = 0;
    for (l = strchr(l, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
        if (strncmp(l, "code ", 5) == 0)
            continue;
        double top = line_top(l);
        assert_true(top <= prev);
        prev = top;
        n++;
    }
    assert_true(n > 0);
}

static void write_round_trip(void **state)
{
    (void)state;
    ks_model *m = parse_ok(HEAD
                           "A:你\tattitude=0.5\n"
                           "A:加\tdiversion=4 attitude=-0.25\n"
                           "C:差评\tattitude=-7.125\n"
                           "E:end\tattitude=0.5\n"
                           "S:gap>=600s\tdiversion=2\n"
                           "A:听不懂\tattitude=3\n");
    char *t1 = write_text(m);
    assert_sorted(t1);
    /* the header first, codes in code order, then largest |weight| first
     * (ties by key) */
    const char *h = strstr(t1, "kesu-model 1\n");
    assert_non_null(h);
    assert_true(h == t1 || h[-1] == '\n');
    assert_non_null(strstr(t1, "\ncode attitude bias -1.500000 threshold "
                               "0.250000\ncode diversion bias -2.000000 "
                               "threshold -0.500000\n"
                               "C:差评\tattitude=-7.1250\n"
                               "A:加\tattitude=-0.2500 diversion=4.0000\n"
                               "A:听不懂\tattitude=3.0000\n"
                               "S:gap>=600s\tdiversion=2.0000\n"
                               "A:你\tattitude=0.5000\n"
                               "E:end\tattitude=0.5000\n"));
    ks_model *m2 = NULL;
    ks_diags d = {0};
    assert_int_equal(ks_model_parse("w.tsv", t1, strlen(t1), &m2, &d),
                     KS_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(ks_model_codes(m2), ks_model_codes(m));
    assert_int_equal(ks_model_features(m2), ks_model_features(m));
    char *t2 = write_text(m2);
    assert_string_equal(t1, t2);
    ks_free(t1);
    ks_free(t2);
    ks_model_free(m);
    ks_model_free(m2);
    /* levels are written only when set, promote before withhold */
    m = parse_ok("kesu-model 1\ncode attitude bias -1.5 threshold 0.25 "
                 "withhold -1 promote 1\ncode diversion bias 0 threshold 0 "
                 "withhold -0.5\nA:你\tattitude=1\n");
    t1 = write_text(m);
    assert_non_null(strstr(t1, "\ncode attitude bias -1.500000 threshold "
                               "0.250000 promote 1.000000 withhold "
                               "-1.000000\ncode diversion bias 0.000000 "
                               "threshold 0.000000 withhold -0.500000\n"));
    m2 = parse_ok(t1);
    t2 = write_text(m2);
    assert_string_equal(t1, t2);
    ks_free(t1);
    ks_free(t2);
    ks_model_free(m);
    ks_model_free(m2);
}

/* ---- training ---------------------------------------------------------- */

static const char *const questions[] = {
    "这个怎么安装啊", "说明书在哪里", "开关在哪", "怎么充不进电",
    "这个按钮是干嘛的", "为什么一直闪红灯", "怎么连不上手机",
    "屏幕不亮了怎么办", "这个要怎么设置", "声音怎么调小",
};
static const char *const rude[] = {
    "你自己看不懂吗", "说明书上写着呢，你自己看不懂吗",
    "你自己看不懂吗？图上画着", "这都问，你自己看不懂吗",
    "你自己看不懂吗，第一页就有",
};
static const char *const polite[] = {
    "亲，不好意思，我来帮您看看", "您好，请您稍等，我帮您查一下",
    "亲，您可以按照说明书第二页操作哦", "好的亲，我这边给您发个视频教程",
    "抱歉给您添麻烦了，我帮您处理",
};

/* 40 chats in groups 0 and 1 (and 2 when groups is 3); every other one
 * is an attitude positive. */
static void add_set(ks_trainer *t, unsigned groups)
{
    for (size_t i = 0; i < 40; i++) {
        ks_conv c;
        int pos = i % 2 == 0;
        chat(&c, questions[i % 10],
             pos ? rude[(i / 2) % 5] : polite[(i / 2) % 5]);
        assert_int_equal(ks_trainer_add(t, &c, pos ? ATT : 0,
                                        (unsigned)(i / 2) % groups),
                         KS_OK);
        ks_conv_free(&c);
    }
}

static ks_model *fit(ks_trainer *t, uint32_t codes, ks_train_report *rep)
{
    ks_train_opts o = {.codes = codes};
    ks_model *m = NULL;
    assert_int_equal(ks_trainer_fit(t, &o, &m, rep), KS_OK);
    assert_non_null(m);
    return m;
}

static void training(void **state)
{
    (void)state;
    ks_trainer *t = NULL;
    assert_int_equal(ks_trainer_new(&t), KS_OK);
    add_set(t, 2);
    ks_train_report rep;
    memset(&rep, 0xff, sizeof rep);
    ks_model *m = fit(t, ATT, &rep);
    assert_int_equal(ks_model_codes(m), ATT);
    assert_int_equal(rep.convs, 40);
    assert_int_equal(rep.groups, 2);
    assert_int_equal(rep.positives[KS_INC_attitude], 20);
    assert_int_equal(rep.positives[KS_INC_diversion], 0);
    assert_int_equal(rep.features, ks_model_features(m));
    assert_true(rep.features > 0);

    /* a new chat with the phrase is proposed, a polite one is not */
    ks_conv c;
    double s[KS_INC_COUNT];
    chat(&c, "这个灯怎么关", "你自己看不懂吗？");
    assert_int_equal(ks_model_score(m, &c, s), KS_OK);
    if (!(s[KS_INC_attitude] > 0))
        fprintf(stderr, "positive scored %f\n", s[KS_INC_attitude]);
    assert_true(s[KS_INC_attitude] > 0);
    ks_conv_free(&c);
    chat(&c, "这个灯怎么关", "亲，不好意思，我帮您看看说明书");
    assert_int_equal(ks_model_score(m, &c, s), KS_OK);
    if (!(s[KS_INC_attitude] < 0))
        fprintf(stderr, "polite scored %f\n", s[KS_INC_attitude]);
    assert_true(s[KS_INC_attitude] < 0);
    ks_conv_free(&c);

    /* what it wrote reads back as the same model */
    char *t1 = write_text(m);
    assert_sorted(t1);
    ks_model *back = parse_ok(t1);
    char *t2 = write_text(back);
    assert_string_equal(t1, t2);
    ks_free(t2);
    ks_model_free(back);
    ks_model_free(m);
    ks_free(t1);
    ks_trainer_free(t);
}

/* Same data and options: the same file, byte for byte. */
static void training_deterministic(void **state)
{
    (void)state;
    ks_trainer *a = NULL, *b = NULL;
    assert_int_equal(ks_trainer_new(&a), KS_OK);
    assert_int_equal(ks_trainer_new(&b), KS_OK);
    add_set(a, 3);
    add_set(b, 3);
    ks_train_report ra, rb;
    ks_model *m1 = fit(a, ATT, &ra), *m2 = fit(a, ATT, NULL),
             *m3 = fit(b, ATT, &rb);
    assert_int_equal(ra.groups, 3);
    char *t1 = write_text(m1), *t2 = write_text(m2), *t3 = write_text(m3);
    assert_string_equal(t1, t2);
    assert_string_equal(t1, t3);
    assert_memory_equal(&ra, &rb, sizeof ra);
    ks_free(t1);
    ks_free(t2);
    ks_free(t3);
    ks_model_free(m1);
    ks_model_free(m2);
    ks_model_free(m3);
    ks_trainer_free(a);
    ks_trainer_free(b);
}

static void training_codes_and_errors(void **state)
{
    (void)state;
    ks_trainer *t = NULL;
    assert_int_equal(ks_trainer_new(&t), KS_OK);
    ks_model *m = (ks_model *)1;
    assert_int_equal(ks_trainer_fit(t, NULL, &m, NULL), KS_EINVAL);
    assert_null(m);
    ks_conv c;
    chat(&c, "在吗", "你好");   /* UINT_MAX means "no group left out" */
    assert_int_equal(ks_trainer_add(t, &c, ATT, UINT_MAX), KS_EINVAL);
    ks_conv_free(&c);
    add_set(t, 2);
    uint32_t two = ATT | 1u << KS_INC_poor_service;
    m = fit(t, two, NULL);
    assert_int_equal(ks_model_codes(m), two);
    ks_model_free(m);
    /* 0: the phrase codes; bits past the last code are ignored */
    m = fit(t, 0, NULL);
    assert_int_equal(ks_model_codes(m), KS_MODEL_PHRASE_CODES);
    ks_model_free(m);
    m = fit(t, ATT | 1u << 31, NULL);
    assert_int_equal(ks_model_codes(m), ATT);
    ks_model_free(m);
    ks_trainer_free(t);
    ks_trainer_free(NULL);
}

/* ---- in a pack: suspicions beside the rules' findings ------------------- */

static const char rule_yaml[] =
    "- list: rude\n"
    "  words: [滚蛋]\n"
    "- rule: att\n"
    "  code: attitude\n"
    "  advice: 注意态度，耐心解释\n"
    "  steps:\n"
    "    - by: agent\n"
    "      has: rude\n";

static const char model_tsv[] =
    "kesu-model 1\n"
    "code attitude bias -1 threshold 0\n"
    "A:听不懂\tattitude=5\n"
    "A:不懂\tattitude=2\n"
    "A:好\tattitude=-3\n"
    "A:抱歉\tattitude=-6\n";

static int load2(const char *tsv_name, const char *tsv, ks_pack **p,
                 ks_diags *d)
{
    ks_source src[] = {{"t.yaml", rule_yaml, strlen(rule_yaml)},
                       {tsv_name, tsv, strlen(tsv)}};
    *p = NULL;
    return ks_pack_load(src, 2, p, d);
}

static int setup_model_pack(void **state)
{
    ks_diags d = {0};
    ks_pack *p;
    int rc = load2("m.tsv", model_tsv, &p, &d);
    if (rc || d.n)
        kt_print_diags(&d);
    assert_int_equal(rc, KS_OK);
    assert_int_equal(d.n, 0);
    ks_diags_free(&d);
    *state = p;
    return 0;
}

static int teardown_pack(void **state)
{
    ks_pack_free(*state);
    return 0;
}

/* Judges customer/agent lines ending with agent text; expects one
 * suspicion on the last message whose evidence is want. */
static void expect_suspect(const ks_pack *p, const char *agent,
                           const char *want)
{
    kt_line l[] = {{'c', 0, "这个怎么用"}, {'a', 20, "您好，在的"},
                   {'c', 40, "还是不会"}, {'a', 60, agent}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    assert_int_equal(r.nfindings, 0);
    if (r.nsuspects != 1) {
        fprintf(stderr, "\"%s\": want one suspicion, got %zu\n", agent,
                r.nsuspects);
        fail();
    }
    const ks_finding *f = &r.suspects[0];
    assert_int_equal(f->code, KS_INC_attitude);
    assert_string_equal(f->rule, "model.attitude");
    assert_string_equal(f->advice, "注意态度，耐心解释");
    assert_true(f->score > 0);
    assert_int_equal(f->msg, 3);
    assert_true(f->start < f->end);
    assert_true(f->end <= ks_utf8_count(agent, strlen(agent)));
    char buf[256];
    const char *got = kt_cps(agent, f->start, f->end, buf, sizeof buf);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "\"%s\": want evidence \"%s\" got \"%s\" [%u,%u)\n",
                agent, want, got, f->start, f->end);
        fail();
    }
    /* the score is the model's margin over the threshold */
    double s[KS_INC_COUNT];
    ks_model *m = NULL;
    ks_diags d = {0};
    assert_int_equal(ks_model_parse("m.tsv", model_tsv, strlen(model_tsv),
                                    &m, &d), KS_OK);
    assert_int_equal(ks_model_score(m, &c, s), KS_OK);
    assert_float_equal(f->score, s[KS_INC_attitude], 1e-9);
    ks_model_free(m);
    ks_diags_free(&d);
    ks_result_free(&r);
    ks_conv_free(&c);
}

static void suspicion_with_evidence(void **state)
{
    const ks_pack *p = *state;
    expect_suspect(p, "你自己听不懂吗", "听不懂");
    /* spans are of the original text: traditional script, full-width
     * letters (shorter once normalised) and spaces inside the phrase */
    expect_suspect(p, "ＯＫ，你們自己聽不懂嗎", "聽不懂");
    expect_suspect(p, "你自己 听 不懂吗", "听 不懂");
    expect_suspect(p, "ＡＢＣ說了 聽　不 懂 嗎？", "聽　不 懂");
}

static void no_suspicion(void **state)
{
    const ks_pack *p = *state;
    /* the rule already found attitude in the chat: no second opinion */
    kt_line l[] = {{'c', 0, "这个怎么用"}, {'a', 20, "你自己听不懂吗"},
                   {'c', 40, "什么态度"}, {'a', 60, "滚蛋"}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    assert_fires(&c, &r, "att", 3, "滚蛋");
    assert_int_equal(r.nfindings, 1);
    assert_int_equal(r.nsuspects, 0);
    ks_conv_free(&c);
    /* under the threshold */
    kt_line l2[] = {{'c', 0, "这个怎么用"}, {'a', 20, "抱歉，听不懂的话我再说一遍"}};
    kt_conv(&c, l2);
    kt_qa(p, &c, &r);
    assert_int_equal(r.nfindings, 0);
    assert_int_equal(r.nsuspects, 0);
    ks_conv_free(&c);
    ks_result_free(&r);
}

/* ks_qa_many proposes what ks_qa does. */
static void suspicion_in_batch(void **state)
{
    const ks_pack *p = *state;
    kt_line l1[] = {{'c', 0, "在吗"}, {'a', 10, "你自己 聽不懂吗"}};
    kt_line l2[] = {{'c', 0, "在吗"}, {'a', 10, "您好"}};
    ks_conv c1, c2;
    kt_conv(&c1, l1);
    kt_conv(&c2, l2);
    const ks_conv *cs[] = {&c1, &c2, &c1};
    ks_result res[3] = {{0}};
    int rcs[3];
    ks_scanner *s = NULL;
    assert_int_equal(ks_scanner_new(p, &s), KS_OK);
    assert_int_equal(ks_qa_many(s, cs, 3, res, rcs), KS_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rcs[i], KS_OK);
    assert_int_equal(res[0].nsuspects, 1);
    assert_int_equal(res[1].nsuspects, 0);
    assert_int_equal(res[2].nsuspects, 1);
    for (int i = 0; i < 3; i += 2) {
        assert_int_equal(res[i].suspects[0].msg, 1);
        assert_int_equal(res[i].suspects[0].start, 4);
        assert_int_equal(res[i].suspects[0].end, 7);
    }
    for (int i = 0; i < 3; i++)
        ks_result_free(&res[i]);
    ks_scanner_free(s);
    ks_conv_free(&c1);
    ks_conv_free(&c2);
}

/* The same weights with levels: "你自己听不懂吗" scores -1 + 7/sqrt(3)
 * = 3.04, past promote; "不懂" -1 + 2/sqrt(2) = 0.41, past the threshold
 * only; "抱歉，好，滚蛋" -1 - 9/sqrt(3) = -6.2, below withhold; "滚蛋" -1,
 * above it. */
static const char model_levels_tsv[] =
    "kesu-model 1\n"
    "code attitude bias -1 threshold 0 promote 3 withhold -2\n"
    "A:听不懂\tattitude=5\n"
    "A:不懂\tattitude=2\n"
    "A:好\tattitude=-3\n"
    "A:抱歉\tattitude=-6\n";

/* Judges one agent line on s; the result in r. */
static void judge_line(ks_scanner *s, const char *agent, ks_result *r)
{
    kt_line l[] = {{'c', 0, "这个怎么用"}, {'a', 20, agent}};
    ks_conv c;
    kt_conv(&c, l);
    assert_int_equal(ks_qa(s, &c, r), KS_OK);
    ks_conv_free(&c);
}

static void verdicts(void **state)
{
    (void)state;
    ks_pack *p;
    ks_diags d = {0};
    assert_int_equal(load2("m.tsv", model_levels_tsv, &p, &d), KS_OK);
    ks_diags_free(&d);
    ks_scanner *s = NULL;
    assert_int_equal(ks_scanner_new(p, &s), KS_OK);
    ks_result r = {0};
    /* promoted: a finding of the model's, with its score */
    judge_line(s, "你自己听不懂吗", &r);
    assert_int_equal(r.nfindings, 1);
    assert_int_equal(r.nsuspects, 0);
    assert_string_equal(r.findings[0].rule, "model.attitude");
    assert_float_equal(r.findings[0].score, -1 + 7 / sqrt(3), 1e-5);
    assert_string_equal(r.findings[0].advice, "注意态度，耐心解释");
    /* past the threshold only: a suspicion */
    judge_line(s, "不懂", &r);
    assert_int_equal(r.nfindings, 0);
    assert_int_equal(r.nsuspects, 1);
    assert_int_equal(r.nwithheld, 0);
    /* the rule's finding withheld, with the model's score */
    judge_line(s, "抱歉，好，滚蛋", &r);
    assert_int_equal(r.nfindings, 0);
    assert_int_equal(r.nsuspects, 0);
    assert_int_equal(r.nwithheld, 1);
    assert_string_equal(r.withheld[0].rule, "att");
    assert_int_equal(r.withheld[0].msg, 1);
    assert_float_equal(r.withheld[0].score, -1 - 9 / sqrt(3), 1e-5);
    /* above withhold: the rule's finding stands */
    judge_line(s, "滚蛋", &r);
    assert_int_equal(r.nfindings, 1);
    assert_int_equal(r.nwithheld, 0);
    assert_string_equal(r.findings[0].rule, "att");
    assert_true(r.findings[0].score == 0);
    /* the model off: the rules alone */
    ks_scanner_model(s, 0);
    judge_line(s, "你自己听不懂吗", &r);
    assert_int_equal(r.nfindings + r.nsuspects + r.nwithheld, 0);
    judge_line(s, "抱歉，好，滚蛋", &r);
    assert_int_equal(r.nfindings, 1);
    assert_int_equal(r.nwithheld, 0);
    ks_scanner_model(s, 1);
    judge_line(s, "抱歉，好，滚蛋", &r);
    assert_int_equal(r.nwithheld, 1);
    ks_result_free(&r);
    ks_scanner_free(s);
    ks_pack_free(p);
}

static void pack_model_errors(void **state)
{
    (void)state;
    ks_pack *p;
    ks_diags d = {0};
    /* a second .tsv source */
    ks_source src[] = {{"t.yaml", rule_yaml, strlen(rule_yaml)},
                       {"a.tsv", model_tsv, strlen(model_tsv)},
                       {"b.tsv", model_tsv, strlen(model_tsv)}};
    p = (ks_pack *)1;
    assert_int_equal(ks_pack_load(src, 3, &p, &d), KS_ERULES);
    assert_null(p);
    assert_diag(&d, 0, "b.tsv", "a second model file");
    ks_diags_free(&d);
    /* a model error is located in its file and fails the pack */
    assert_int_equal(load2("m.tsv", "kesu-model 1\n"
                                    "code attitude bias 0 threshold 0\n"
                                    "A:態度\tattitude=1\n",
                           &p, &d), KS_ERULES);
    assert_null(p);
    assert_diag(&d, 0, "m.tsv:3", "can never match");
    ks_diags_free(&d);
    /* a code no rule gives advice for: a warning, the pack loads */
    assert_int_equal(load2("m.tsv", "kesu-model 1\n"
                                    "code attitude bias 0 threshold 0\n"
                                    "code harassment bias 0 threshold 0\n"
                                    "A:滚\tharassment=1\n",
                           &p, &d), KS_OK);
    assert_non_null(p);
    assert_int_equal(d.errors, 0);
    assert_diag(&d, 1, "m.tsv", "the model proposes harassment, but no "
                                "rule gives advice for it");
    assert_false(kt_has_diag(&d, 1, "m.tsv", "proposes attitude"));
    ks_pack_free(p);
    ks_diags_free(&d);
    /* only a name ending in .tsv is a model */
    assert_int_equal(load2("m.tsv.yaml", model_tsv, &p, &d), KS_ERULES);
    assert_null(p);
    ks_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_valid_file),
        cmocka_unit_test(header_and_code_lines),
        cmocka_unit_test(level_lines),
        cmocka_unit_test(bad_numbers),
        cmocka_unit_test(bad_keys),
        cmocka_unit_test(bad_weights_and_duplicates),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(long_lines),
        cmocka_unit_test(every_error_reported),
        cmocka_unit_test(crlf_accepted),
        cmocka_unit_test(score_formula),
        cmocka_unit_test(write_round_trip),
        cmocka_unit_test(training),
        cmocka_unit_test(training_deterministic),
        cmocka_unit_test(training_codes_and_errors),
        cmocka_unit_test_setup_teardown(suspicion_with_evidence,
                                        setup_model_pack, teardown_pack),
        cmocka_unit_test_setup_teardown(no_suspicion, setup_model_pack,
                                        teardown_pack),
        cmocka_unit_test_setup_teardown(suspicion_in_batch,
                                        setup_model_pack, teardown_pack),
        cmocka_unit_test(verdicts),
        cmocka_unit_test(pack_model_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
