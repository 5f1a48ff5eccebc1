/* Rule pack loading from in-memory sources (ks_pack_load): located
 * errors and warnings, statistics, words, examples. */
#include "kt.h"

/* A valid base: lines 1-12. Error cases append to it so that the line
 * numbers below are those of the appended text. */
#define BASE                                 \
    "- list: plat\n"              /* 1 */    \
    "  words: [淘宝, tb]\n"       /* 2 */    \
    "- list: sorry\n"             /* 3 */    \
    "  words: [抱歉]\n"           /* 4 */    \
    "- rule: div\n"               /* 5 */    \
    "  code: diversion\n"         /* 6 */    \
    "  level: A\n"                /* 7 */    \
    "  advice: 不要引流\n"        /* 8 */    \
    "  steps:\n"                  /* 9 */    \
    "    - by: agent\n"           /* 10 */   \
    "      has: plat\n"           /* 11 */   \
    "      lacks: sorry\n"        /* 12 */

/* Loads yaml expecting failure with an error located exactly at where
 * whose message contains msg. */
static void expect_error(const char *yaml, const char *where, const char *msg)
{
    ks_pack *p = (ks_pack *)1;
    ks_diags d = {0};
    int rc = kt_load("t.yaml", yaml, &p, &d);
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        if (!d.items[i].warning && !strcmp(d.items[i].where, where) &&
            strstr(d.items[i].msg, msg))
            found = 1;
    if (rc != KS_ERULES || p != NULL || !found || d.errors == 0) {
        fprintf(stderr, "want KS_ERULES and an error at %s containing "
                        "\"%s\"; got rc %d, pack %p:\n--\n%s--\n",
                where, msg, rc, (void *)p, yaml);
        kt_print_diags(&d);
        fail();
    }
    ks_diags_free(&d);
}

static void base_loads(void **state)
{
    (void)state;
    ks_pack *p = NULL;
    ks_diags d = {0};
    assert_int_equal(kt_load("t.yaml", BASE, &p, &d), KS_OK);
    assert_non_null(p);
    assert_int_equal(d.n, 0);
    ks_pack_stats st;
    ks_pack_get_stats(p, &st);
    assert_int_equal(st.lists, 2);
    assert_int_equal(st.words, 3);
    assert_int_equal(st.regexes, 0);
    assert_int_equal(st.rules, 1);
    assert_int_equal(st.examples, 0);
    assert_true(st.db_bytes > 0);
    ks_pack_free(p);
    ks_pack_free(NULL);
    ks_diags_free(&d);
}

static void yaml_syntax_errors(void **state)
{
    (void)state;
    expect_error(BASE "- list: a\n  words: [x, y\n- rule: r\n", "t.yaml:15:7",
                 "YAML syntax error");
    expect_error(BASE "- list: a\n\twords: [x]\n", "t.yaml:14:1",
                 "YAML syntax error");
    expect_error(BASE "- list: a\n  desc: \"open\n", "t.yaml:15:1",
                 "YAML syntax error");
    expect_error("list: a\n", "t.yaml:1:1", "a rule file is a list");
    expect_error(BASE "---\n- list: b\n  words: [y]\n", "t.yaml:13:1",
                 "only one YAML document");
    expect_error(BASE "- just a string\n", "t.yaml:13:3",
                 "must be a mapping");
    expect_error(BASE "- list: a\n  rule: b\n  words: [x]\n", "t.yaml:13:3",
                 "exactly one of list:, condition:, rule: or reply_clock:");
    expect_error("", "t.yaml", "defines no rules");
    expect_error("- list: a\n  words: [x]\n", "t.yaml", "defines no rules");
}

/* `- reply_clock:`: every bad value is located (lines 13+ after BASE). */
static void reply_clock_errors(void **state)
{
    (void)state;
#define CLOCK BASE "- reply_clock:\n"
    expect_error(CLOCK "    ackz: sorry\n", "t.yaml:14:5",
                 "unknown key \"ackz\" in reply_clock");
    expect_error(CLOCK "    acks: nope\n", "t.yaml:14:11",
                 "unknown list \"nope\"");
    expect_error(CLOCK "    acks: [sorry, nah]\n", "t.yaml:14:19",
                 "unknown list \"nah\"");
    expect_error(CLOCK "    promises: sorry\n", "t.yaml:14:15",
                 "promises: expects a list");
    expect_error(CLOCK "    promises:\n      - {list: sorry, seconds: -5}\n",
                 "t.yaml:15:32", "seconds: expects a positive");
    expect_error(CLOCK "    promises:\n      - {list: sorry, until: noon}\n",
                 "t.yaml:15:30", "until: expects close");
    expect_error(CLOCK "    promises:\n      - {list: sorry}\n",
                 "t.yaml:15:9", "exactly one of seconds: or until:");
    expect_error(CLOCK "    promises:\n      - {list: sorry, until: close}\n",
                 "t.yaml:14:5", "until: close needs business_hours");
    expect_error(CLOCK "    business_hours: {start: \"25:00\", end: \"18:30\","
                       " timezone: \"+08:00\"}\n",
                 "t.yaml:14:29", "expects \"HH:MM\", not \"25:00\"");
    expect_error(CLOCK "    business_hours: {start: \"19:00\", end: \"18:30\","
                       " timezone: \"+08:00\"}\n",
                 "t.yaml:14:43", "end: must be after start");
    expect_error(CLOCK "    business_hours: {start: \"09:00\", end: \"18:30\","
                       " timezone: \"08:00\"}\n",
                 "t.yaml:14:62", "timezone: expects");
    expect_error(CLOCK "    business_hours: {start: \"09:00\"}\n",
                 "t.yaml:14:21", "business_hours needs end:");
    expect_error(CLOCK "    acks: sorry\n- reply_clock:\n    acks: sorry\n",
                 "t.yaml:16:5", "a pack has one reply_clock");
#undef CLOCK
}

static void unknown_keys(void **state)
{
    (void)state;
    /* in a rule */
    expect_error(BASE "  colour: red\n", "t.yaml:13:3",
                 "unknown key \"colour\" in a rule");
    /* in a step */
    expect_error(BASE "      hass: plat\n", "t.yaml:13:7",
                 "unknown key \"hass\" in a step");
    /* in a list */
    expect_error(BASE "- list: x\n  word: [a]\n  words: [b]\n", "t.yaml:14:3",
                 "unknown key \"word\" in a list");
    /* a key given twice: YAML would keep one of the two silently */
    expect_error(BASE "- list: x\n  words: [a]\n  words: [b]\n", "t.yaml:15:3",
                 "duplicate key \"words\" in a list (first on line 14)");
    expect_error(BASE "      has: plat\n", "t.yaml:13:7",
                 "duplicate key \"has\" in a step (first on line 11)");
    /* in a condition */
    expect_error(BASE "- condition: c\n  by: agent\n  hsa: plat\n",
                 "t.yaml:15:3", "unknown key \"hsa\" in a condition");
    /* in within: */
    expect_error(BASE "      within: {turns: 2, minutes: 3}\n", "t.yaml:13:26",
                 "unknown key \"minutes\" in within");
    /* in an example and a chat line */
    expect_error(BASE "  examples:\n    - fires: true\n      fire: x\n"
                      "      chat:\n        - agent: 淘宝\n",
                 "t.yaml:15:7", "unknown key \"fire\" in an example");
    expect_error(BASE "  examples:\n    - fires: true\n      chat:\n"
                      "        - agnet: 淘宝\n",
                 "t.yaml:16:11", "unknown key \"agnet\" in a chat line");
}

static void unknown_references(void **state)
{
    (void)state;
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: customer\n      has: [plat, nolist]\n",
                 "t.yaml:17:19", "unknown list \"nolist\"");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: customer\n      lacks: nolist\n",
                 "t.yaml:17:14", "unknown list \"nolist\"");
    expect_error(BASE "- condition: c\n  by: agent\n  has: ghost\n"
                      "- rule: r2\n  risk: high\n  steps:\n    - use: c\n",
                 "t.yaml:15:8", "unknown list \"ghost\"");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - use: nocond\n",
                 "t.yaml:16:12", "unknown condition \"nocond\"");
    expect_error(BASE "- rule: r2\n  code: bribery\n  advice: x\n  steps:\n"
                      "    - by: agent\n",
                 "t.yaml:14:9", "unknown incident code \"bribery\"");
    expect_error(BASE "- rule: r2\n  cause: weather\n  steps:\n"
                      "    - by: customer\n",
                 "t.yaml:14:10", "unknown cause \"weather\"");
}

static void duplicates(void **state)
{
    (void)state;
    expect_error(BASE "- list: plat\n  words: [x]\n", "t.yaml:13:9",
                 "list \"plat\" is defined twice");
    expect_error(BASE "- rule: div\n  risk: high\n  steps:\n"
                      "    - by: customer\n",
                 "t.yaml:13:9", "rule \"div\" is defined twice");
    expect_error(BASE "- condition: c\n  by: agent\n- condition: c\n"
                      "  by: customer\n",
                 "t.yaml:15:14", "condition \"c\" is defined twice");
}

static void bad_words(void **state)
{
    (void)state;
    expect_error(BASE "- list: re\n  regex: [\"a(b\"]\n", "t.yaml:14:11",
                 "bad regex");
    expect_error(BASE "- list: re\n  regex: [\"x*\"]\n", "t.yaml:14:11",
                 "bad regex");
    expect_error(BASE "- list: w\n  words: [\"[淘桃宝\"]\n", "t.yaml:14:11",
                 "unclosed '['");
    expect_error(BASE "- list: w\n  words: [\"a[]b\"]\n", "t.yaml:14:11",
                 "empty character class");
    expect_error(BASE "- list: w\n  words: [\"\"]\n", "t.yaml:14:11",
                 "non-empty");
    expect_error(BASE "- list: w\n  words: [\"\u200b\"]\n", "t.yaml:14:11",
                 "empty after normalisation");
    expect_error(BASE "- list: w\n  words: [\"[ab][cd][ef][gh][ij][kl][mn]"
                      "[op][qr]\"]\n",
                 "t.yaml:14:11", "more than 256");
    expect_error(BASE "- list: w\n  desc: nothing\n", "t.yaml:13:3",
                 "neither words nor regex");
    expect_error(BASE "- list: w\n  words: tb\n", "t.yaml:14:10",
                 "expected a list of words");
}

static void rule_shape_errors(void **state)
{
    (void)state;
    /* level mismatch for a code */
    expect_error(BASE "- rule: r2\n  code: attitude\n  level: B\n"
                      "  advice: x\n  steps:\n    - by: agent\n",
                 "t.yaml:15:10", "level is fixed: A");
    expect_error(BASE "- rule: r2\n  code: slow_response\n  level: A\n"
                      "  advice: x\n  steps:\n    - by: agent\n",
                 "t.yaml:15:10", "level is fixed: C");
    /* level on a risk rule */
    expect_error(BASE "- rule: r2\n  risk: high\n  level: A\n  steps:\n"
                      "    - by: customer\n",
                 "t.yaml:15:10", "incident rules only");
    /* missing advice */
    expect_error(BASE "- rule: r2\n  code: shirking\n  steps:\n"
                      "    - by: agent\n      has: plat\n",
                 "t.yaml:13:9", "needs advice");
    /* first step absent */
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n      has: plat\n      absent: true\n"
                      "    - by: customer\n",
                 "t.yaml:16:5", "first step cannot be absent");
    /* no steps / empty steps */
    expect_error(BASE "- rule: r2\n  risk: high\n", "t.yaml:13:9",
                 "needs steps");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps: []\n", "t.yaml:13:9",
                 "needs steps");
    /* zero or two outputs */
    expect_error(BASE "- rule: r2\n  steps:\n    - by: agent\n", "t.yaml:13:3",
                 "exactly one of code:");
    expect_error(BASE "- rule: r2\n  risk: high\n  cause: product\n  steps:\n"
                      "    - by: agent\n",
                 "t.yaml:13:3", "exactly one of code:");
    expect_error(BASE "- rule: r2\n  risk: normal\n  steps:\n"
                      "    - by: agent\n",
                 "t.yaml:14:9", "elevated, high or critical");
    /* step values */
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: boss\n",
                 "t.yaml:16:11", "by: must be");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - event: closed\n",
                 "t.yaml:16:14", "event: must be");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n      next: maybe\n",
                 "t.yaml:17:13", "expects true or false");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n    - has: plat\n      next: true\n",
                 "t.yaml:17:7", "next: true needs by:");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n    - by: agent\n      absent: true\n"
                      "      evidence: true\n",
                 "t.yaml:17:7", "absent step cannot be the evidence");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n      dir: sideways\n",
                 "t.yaml:17:12", "dir: expects");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n      within: {turns: 0}\n",
                 "t.yaml:17:23", "positive whole number");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n      within: {seconds: -5}\n",
                 "t.yaml:17:25", "positive whole number");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n      within: 5\n",
                 "t.yaml:17:15", "within: expects");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n      reply_delay_over: 3m\n",
                 "t.yaml:17:25", "reply_delay_over: expects seconds");
    expect_error(BASE "- rule: r2\n  risk: high\n  unless_category: food\n"
                      "  steps:\n    - by: agent\n",
                 "t.yaml:15:20", "unless_category: expects a list");
    expect_error(BASE "- rule: r2\n  risk: high\n  steps:\n"
                      "    - by: agent\n    - by: agent\n    - by: agent\n"
                      "    - by: agent\n    - by: agent\n    - by: agent\n"
                      "    - by: agent\n    - by: agent\n    - by: agent\n",
                 "t.yaml:16:5", "at most 8 steps");
}

static void example_errors(void **state)
{
    (void)state;
    expect_error(BASE "  examples:\n    - chat:\n        - agent: x\n",
                 "t.yaml:14:7", "needs fires:");
    expect_error(BASE "  examples:\n    - fires: true\n", "t.yaml:14:7",
                 "needs chat:");
    expect_error(BASE "  examples:\n    - fires: true\n      chat:\n"
                      "        - system: explode\n",
                 "t.yaml:16:11", "unknown system event \"explode\"");
    expect_error(BASE "  examples:\n    - fires: true\n      chat:\n"
                      "        - {agent: a, customer: b}\n",
                 "t.yaml:16:11", "exactly one speaker");
    expect_error(BASE "  examples:\n    - fires: true\n      chat:\n"
                      "        - {agent: a, after: soon}\n",
                 "t.yaml:16:29", "after: expects seconds");
}

/* Every error of a file is reported in one load, not just the first. */
static void all_errors_at_once(void **state)
{
    (void)state;
    const char *y = BASE
        "- list: plat\n"                    /* 13: duplicate */
        "  words: [x]\n"
        "- rule: r2\n"                      /* 15 */
        "  code: attitude\n"
        "  level: C\n"                      /* 17: level */
        "  advice: x\n"
        "  steps:\n"
        "    - by: agent\n"
        "      has: nolist\n"               /* 21: unknown list */
        "      colour: red\n";              /* 22: unknown key */
    ks_pack *p = NULL;
    ks_diags d = {0};
    assert_int_equal(kt_load("t.yaml", y, &p, &d), KS_ERULES);
    assert_null(p);
    assert_diag(&d, 0, "t.yaml:13:9", "defined twice");
    assert_diag(&d, 0, "t.yaml:17:10", "level is fixed");
    assert_diag(&d, 0, "t.yaml:21:12", "unknown list");
    assert_diag(&d, 0, "t.yaml:22:7", "unknown key \"colour\"");
    assert_int_equal(d.errors, 4);
    ks_diags_free(&d);
}

static void unused_warnings(void **state)
{
    (void)state;
    const char *y = BASE
        "- list: spare\n"                   /* 13 */
        "  words: [备用]\n"
        "- condition: idle\n"               /* 15 */
        "  by: agent\n";
    ks_pack *p = NULL;
    ks_diags d = {0};
    assert_int_equal(kt_load("t.yaml", y, &p, &d), KS_OK);
    assert_non_null(p);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.n, 2);
    assert_diag(&d, 1, "t.yaml:13:9", "list \"spare\" is not used");
    assert_diag(&d, 1, "t.yaml:15:3", "condition \"idle\" is not used");
    ks_pack_free(p);
    ks_diags_free(&d);
}

/* Lists and conditions may be defined in any file; errors name the file
 * they are in. */
static void several_files(void **state)
{
    (void)state;
    const char *lists = "- list: plat\n  words: [淘宝]\n"
                        "- condition: agent_plat\n  by: agent\n  has: plat\n";
    const char *rules = "- rule: div\n  code: diversion\n  advice: x\n"
                        "  steps:\n    - use: agent_plat\n";
    const char *broken = "- rule: r\n  risk: high\n  steps:\n"
                         "    - by: customer\n      has: nolist\n";
    ks_source srcs[3] = {{"rules/00-lists.yaml", lists, strlen(lists)},
                         {"rules/20-rules.yaml", rules, strlen(rules)},
                         {"rules/30-broken.yaml", broken, strlen(broken)}};
    ks_pack *p = NULL;
    ks_diags d = {0};
    assert_int_equal(ks_pack_load(srcs, 2, &p, &d), KS_OK);
    assert_int_equal(d.n, 0);
    ks_pack_free(p);
    assert_int_equal(ks_pack_load(srcs, 3, &p, &d), KS_ERULES);
    assert_null(p);
    assert_diag(&d, 0, "rules/30-broken.yaml:5:12", "unknown list \"nolist\"");
    ks_diags_clear(&d);
    /* texts need not be NUL-terminated: only len bytes are read */
    char buf[256];
    size_t n = strlen(rules);
    memcpy(buf, rules, n);
    memcpy(buf + n, "  colour: red\n", 15);
    srcs[1].text = buf;
    srcs[1].len = n;
    assert_int_equal(ks_pack_load(srcs, 2, &p, &d), KS_OK);
    ks_pack_free(p);
    ks_diags_free(&d);
}

static int collect_word(const char *w, const char *list, void *arg)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 1024 - n, "%s%s=%s", n ? " " : "", w, list);
    return 0;
}

static int stop_at_first(const char *w, const char *list, void *arg)
{
    (void)w;
    (void)list;
    ++*(int *)arg;
    return 7;
}

/* Words are stored normalised and expanded; identical literals are one
 * word; exceptions are not words; regexes are counted apart. */
static void words_and_stats(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(
        "- list: plat\n"
        "  words: [\"[淘桃]宝\", 淘寶, ＴＢ, \"京 东\"]\n"
        "  except: [北京东路]\n"
        "  regex: [\"taobao\\\\.com\"]\n"
        "- list: other\n"
        "  words: [桃宝, vx]\n"
        "- rule: r\n  code: diversion\n  advice: x\n  steps:\n"
        "    - by: agent\n      has: [plat, other]\n"
        "  examples:\n    - fires: true\n      chat:\n"
        "        - agent: 去淘宝\n");
    ks_pack_stats st;
    ks_pack_get_stats(p, &st);
    assert_int_equal(st.lists, 2);
    /* 淘宝 桃宝 tb 京东 vx; the exception 北京东路 is a pattern but not
     * a word to look for, as `kesu rules words` agrees */
    assert_int_equal(st.words, 5);
    assert_int_equal(st.regexes, 1);
    assert_int_equal(st.rules, 1);
    assert_int_equal(st.examples, 1);
    char out[1024] = "";
    assert_int_equal(ks_pack_each_word(p, collect_word, out), KS_OK);
    assert_string_equal(out, "淘宝=plat 桃宝=plat tb=plat 京东=plat vx=other");
    int calls = 0;
    assert_int_equal(ks_pack_each_word(p, stop_at_first, &calls), 7);
    assert_int_equal(calls, 1);
    ks_pack_free(p);
}

/* Examples beside a rule are run by ks_pack_check_examples, and a wrong
 * one is reported at the example's location. */
static void examples_checked(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(BASE
        "  examples:\n"                            /* 13 */
        "    - fires: true\n"                      /* 14: passes */
        "      chat:\n"
        "        - customer: 有货吗\n"
        "        - agent: 去淘 宝看看\n"
        "    - fires: false\n"                     /* 18: passes */
        "      chat:\n"
        "        - agent: 抱歉,淘宝没有\n"
        "    - fires: false\n"                     /* 21: wrong */
        "      chat:\n"
        "        - agent: 淘寶有\n"
        "    - fires: true\n"                      /* 24: wrong */
        "      chat:\n"
        "        - agent: 1TB 的硬盘\n"
        "- rule: slow\n"                           /* 27 */
        "  risk: elevated\n"
        "  steps:\n"
        "    - by: agent\n"
        "      reply_delay_over: 60\n"
        "  examples:\n"
        "    - fires: true\n"                      /* 33: passes */
        "      chat:\n"
        "        - customer: 在吗\n"
        "        - {agent: 在, after: 61}\n"
        "    - fires: true\n"                      /* 37: wrong */
        "      chat:\n"
        "        - customer: 在吗\n"
        "        - agent: 在\n");
    ks_diags d = {0};
    assert_int_equal(ks_pack_check_examples(p, &d), 3);
    assert_int_equal(d.errors, 3);
    assert_diag(&d, 0, "t.yaml:21:7", "fires but should not");
    assert_diag(&d, 0, "t.yaml:24:7", "should fire but does not");
    assert_diag(&d, 0, "t.yaml:37:7", "should fire but does not");
    ks_pack_free(p);
    ks_diags_free(&d);
}

/* A pack may be loaded, used and freed many times (no global state). */
static void reload(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++) {
        ks_pack *p = kt_pack(BASE);
        ks_pack_free(p);
    }
}

/* An in-memory ks_db_cache for the tests. */
typedef struct mem_cache {
    char *key[32], *val[32];
    size_t len[32], n, gets, hits;
} mem_cache;

static int mem_get(void *arg, const char *key, char **data, size_t *len)
{
    mem_cache *m = arg;
    m->gets++;
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->key[i], key)) {
            *data = malloc(m->len[i]);
            assert_non_null(*data);
            memcpy(*data, m->val[i], m->len[i]);
            *len = m->len[i];
            m->hits++;
            return 0;
        }
    return -1;
}

static void mem_put(void *arg, const char *key, const char *data, size_t len)
{
    mem_cache *m = arg;
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->key[i], key)) {      /* a put replaces */
            free(m->val[i]);
            m->val[i] = malloc(len);
            memcpy(m->val[i], data, len);
            m->len[i] = len;
            return;
        }
    assert_true(m->n < 32);
    m->key[m->n] = strdup(key);
    m->val[m->n] = malloc(len);
    memcpy(m->val[m->n], data, len);
    m->len[m->n++] = len;
}

static void mem_clear(mem_cache *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->key[i]);
        free(m->val[i]);
    }
    m->n = 0;
}

static size_t mem_count(const mem_cache *m, const char *prefix)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        k += !strncmp(m->key[i], prefix, strlen(prefix));
    return k;
}

static int cached_load(mem_cache *m, const char *yaml, ks_diags *d)
{
    ks_db_cache c = {mem_get, mem_put, m, NULL};
    ks_source s = {"t.yaml", yaml, strlen(yaml)};
    ks_pack *p = NULL;
    int rc = ks_pack_load_cached(&s, 1, &c, &p, d);
    ks_pack_free(p);
    return rc;
}

/* A list whose regexes passed their checks is remembered in the cache
 * and not checked again; a list with a bad regex never is, so its error
 * comes back on every load. */
static void regex_checks_cached(void **state)
{
    (void)state;
    mem_cache m = {0};
    const char *bad = BASE "- list: re\n  regex: [\"a(b\", \"c+d\"]\n";
    const char *good = BASE "- list: re\n  regex: [\"a(b|c)\", \"c+d\"]\n";
    for (int i = 0; i < 2; i++) {
        ks_diags d = {0};
        assert_int_equal(cached_load(&m, bad, &d), KS_ERULES);
        int found = 0;
        for (size_t k = 0; k < d.n; k++)
            found |= !d.items[k].warning &&
                     !strcmp(d.items[k].where, "t.yaml:14:11") &&
                     strstr(d.items[k].msg, "bad regex") != NULL;
        assert_true(found);
        ks_diags_free(&d);
        assert_int_equal(mem_count(&m, "rx-"), 0);
    }
    for (int i = 0; i < 2; i++) {
        ks_diags d = {0};
        size_t hits = m.hits;
        assert_int_equal(cached_load(&m, good, &d), KS_OK);
        assert_int_equal(d.errors, 0);
        ks_diags_free(&d);
        assert_int_equal(mem_count(&m, "rx-"), 1);
        if (i == 1)
            assert_true(m.hits > hits);   /* the list and the databases */
    }
    mem_clear(&m);
}

/* A YAML pack whose only way to fire is a finite regex (expanded to its
 * strings in the agent's database) and whose examples say so. */
#define XPACK                                                           \
    "- list: plat\n"                                                    \
    "  regex: [\"(淘|桃)(宝|寳)(店|网)?\"]\n"                           \
    "- rule: div\n"                                                     \
    "  code: diversion\n"                                               \
    "  level: A\n"                                                      \
    "  advice: 不要引流\n"                                              \
    "  steps: [{by: agent, has: plat}]\n"                               \
    "  examples:\n"                                                     \
    "    - {fires: true, chat: [{agent: 去桃寳网买}]}\n"                \
    "    - {fires: true, chat: [{agent: 淘宝}]}\n"                      \
    "    - {fires: false, chat: [{agent: 淘气}]}\n"

static void load_and_check_xpack(mem_cache *m)
{
    ks_db_cache c = {mem_get, mem_put, m, NULL};
    ks_source s = {"t.yaml", XPACK, strlen(XPACK)};
    ks_pack *p = NULL;
    ks_diags d = {0};
    assert_int_equal(ks_pack_load_cached(&s, 1, &c, &p, &d), KS_OK);
    ks_pack_stats st;
    ks_pack_get_stats(p, &st);
    assert_int_equal(st.regexes_as_strings, 1);
    assert_int_equal(st.regex_strings, 12);
    assert_int_equal(ks_pack_check_examples(p, &d), 0);
    ks_diags_free(&d);
    ks_pack_free(p);
}

static long find_val(const mem_cache *m, const char *magic)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->len[i] >= 4 && !memcmp(m->val[i], magic, 4))
            return (long)i;
    return -1;
}

/* The id -> regex map of expanded regexes is cached beside the
 * databases; a pack loaded from it matches the same, also when the
 * databases are gone (they are compiled from strings expanded again) or
 * the map's entry is damaged (it is ignored). */
static void expansions_cached(void **state)
{
    (void)state;
    mem_cache m = {0};
    load_and_check_xpack(&m);
    long x = find_val(&m, "KSX1");
    assert_true(x >= 0);
    size_t n = m.n, hits = m.hits;
    load_and_check_xpack(&m);            /* everything from the cache */
    assert_int_equal(m.n, n);
    assert_true(m.hits > hits);
    for (size_t i = 0; i < m.n; i++)     /* databases gone, map kept */
        if ((long)i != x)
            m.key[i][0] = '!';
    load_and_check_xpack(&m);
    /* damaged: every byte in turn, and cut short */
    unsigned char *good = malloc(m.len[x]);
    size_t glen = m.len[x];
    memcpy(good, m.val[x], glen);
    for (size_t b = 0; b <= glen; b++) {
        memcpy(m.val[x], good, glen);
        if (b < glen)
            m.val[x][b] ^= 0x01;
        m.len[x] = b < glen ? glen : glen - 1;
        load_and_check_xpack(&m);
        /* put back whole by the load that could not use it */
        assert_int_equal(m.len[x], glen);
        assert_memory_equal(m.val[x], good, glen);
    }
    free(good);
    mem_clear(&m);
}

/* A regex whose strings outnumber twice the map's first block (256): the
 * map read back from the cache must grow more than once for one entry
 * (it grew once and wrote past the block; ASan saw it, the normal build
 * aborted in realloc on a later load). */
#define XPACK_BIG                                                       \
    "- list: plat\n"                                                    \
    "  regex: [\"(淘|桃|陶|萄)(宝|寳|保|包)(店|网|铺|家|城|商)"          \
    "(一|二|三|四|五|六|七|八|九|十)(号|楼|区)\"]\n"                     \
    "- rule: div\n"                                                     \
    "  code: diversion\n"                                               \
    "  level: A\n"                                                      \
    "  advice: 不要引流\n"                                              \
    "  steps: [{by: agent, has: plat}]\n"                               \
    "  examples:\n"                                                     \
    "    - {fires: true, chat: [{agent: 去萄包商十区买}]}\n"            \
    "    - {fires: true, chat: [{agent: 淘宝店一号}]}\n"                \
    "    - {fires: false, chat: [{agent: 淘宝店}]}\n"

static void big_expansion_cached(void **state)
{
    (void)state;
    mem_cache m = {0};
    for (int round = 0; round < 3; round++) {
        ks_db_cache c = {mem_get, mem_put, &m, NULL};
        ks_source s = {"t.yaml", XPACK_BIG, strlen(XPACK_BIG)};
        ks_pack *p = NULL;
        ks_diags d = {0};
        size_t hits = m.hits;
        assert_int_equal(ks_pack_load_cached(&s, 1, &c, &p, &d), KS_OK);
        if (round > 0)
            assert_true(m.hits > hits);
        ks_pack_stats st;
        ks_pack_get_stats(p, &st);
        assert_int_equal(st.regexes_as_strings, 1);
        assert_int_equal(st.regex_strings, 4 * 4 * 6 * 10 * 3);
        assert_int_equal(ks_pack_check_examples(p, &d), 0);
        ks_diags_free(&d);
        ks_pack_free(p);
    }
    mem_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_loads),
        cmocka_unit_test(yaml_syntax_errors),
        cmocka_unit_test(unknown_keys),
        cmocka_unit_test(reply_clock_errors),
        cmocka_unit_test(unknown_references),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(bad_words),
        cmocka_unit_test(rule_shape_errors),
        cmocka_unit_test(example_errors),
        cmocka_unit_test(all_errors_at_once),
        cmocka_unit_test(unused_warnings),
        cmocka_unit_test(several_files),
        cmocka_unit_test(words_and_stats),
        cmocka_unit_test(examples_checked),
        cmocka_unit_test(reload),
        cmocka_unit_test(regex_checks_cached),
        cmocka_unit_test(expansions_cached),
        cmocka_unit_test(big_expansion_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
