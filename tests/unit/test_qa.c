/* The QA engine (ks_qa) on small packs written here: matching, evidence
 * spans, and the step language of rules. */
#include "kt.h"

/* ---- word matching and evidence ---------------------------------------- */

static const char match_pack[] =
    "- list: plat\n"
    "  words: [\"[淘桃]宝\", tb, vx, jd, 京东, v信, taobao]\n"
    "  except: [北京东路, 京东方]\n"
    "- rule: div\n"
    "  code: diversion\n"
    "  advice: 不要引流\n"
    "  steps:\n"
    "    - by: agent\n"
    "      has: plat\n";

/* Judges one agent message (after a customer greeting); returns the
 * evidence of rule div on it, or NULL when it does not fire. */
static const char *div_evidence(const ks_pack *p, const char *text,
                                char *buf, size_t bufsz)
{
    kt_line l[] = {{'c', 0, "在吗"}, {'a', 30, text}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    const ks_finding *f = kt_finding(&r, "div", 1);
    const char *out = NULL;
    if (f) {
        assert_int_equal(f->code, KS_INC_diversion);
        assert_string_equal(f->advice, "不要引流");
        assert_true(f->start < f->end);
        assert_true(f->end <= ks_utf8_count(text, strlen(text)));
        out = kt_cps(text, f->start, f->end, buf, bufsz);
    }
    assert_int_equal(r.nfindings, f ? 1 : 0);
    ks_result_free(&r);
    ks_conv_free(&c);
    return out;
}

#define EVIDENCE(p, text, want)                                             \
    do {                                                                    \
        char b_[256];                                                       \
        const char *got_ = div_evidence((p), (text), b_, sizeof b_);        \
        if (!got_ || strcmp(got_, (want)) != 0) {                           \
            fprintf(stderr, "\"%s\": want evidence \"%s\", got %s%s%s\n",   \
                    (text), (want), got_ ? "\"" : "",                       \
                    got_ ? got_ : "no finding", got_ ? "\"" : "");          \
            fail();                                                         \
        }                                                                   \
    } while (0)

#define NO_FINDING(p, text)                                                 \
    do {                                                                    \
        char b_[256];                                                       \
        const char *got_ = div_evidence((p), (text), b_, sizeof b_);        \
        if (got_) {                                                         \
            fprintf(stderr, "\"%s\": want no finding, got \"%s\"\n",        \
                    (text), got_);                                          \
            fail();                                                         \
        }                                                                   \
    } while (0)

static int setup_match(void **state)
{
    *state = kt_pack(match_pack);
    return 0;
}

static int teardown_pack(void **state)
{
    ks_pack_free(*state);
    return 0;
}

/* Evidence is a code point span of the ORIGINAL text, even when the word
 * was disguised. */
static void evidence_on_original_text(void **state)
{
    const ks_pack *p = *state;
    EVIDENCE(p, "去淘宝看看", "淘宝");
    EVIDENCE(p, "去淘 宝看看", "淘 宝");
    EVIDENCE(p, "去淘.宝看看", "淘.宝");
    EVIDENCE(p, "去淘寶看看", "淘寶");
    EVIDENCE(p, "您去桃 宝搜一下同款", "桃 宝");
    EVIDENCE(p, "加我ＶＸ，我私下给您便宜点", "ＶＸ");
    EVIDENCE(p, "加我V.X吧", "V.X");
    EVIDENCE(p, "淘\u200b宝", "淘\u200b宝");
    EVIDENCE(p, "去 TB 买", "TB");
    EVIDENCE(p, "京 东 自 营店", "京 东");
    EVIDENCE(p, "加v 信", "v 信");
    EVIDENCE(p, "TaoBao上有", "TaoBao");
    EVIDENCE(p, "😀😀去淘宝", "淘宝");    /* 4-byte characters before */
    /* the leftmost hit is the evidence */
    EVIDENCE(p, "淘宝和京东都有", "淘宝");
    EVIDENCE(p, "京东和淘宝都有", "京东");
}

/* Short ASCII words stand alone: not inside 1TB, TB-200 or "tbs". */
static void short_ascii_words_bounded(void **state)
{
    const ks_pack *p = *state;
    NO_FINDING(p, "买个1TB的硬盘");
    NO_FINDING(p, "容量 1 TB");
    NO_FINDING(p, "型号TB-200");
    NO_FINDING(p, "型号 TB 200");
    NO_FINDING(p, "2 tbs of sugar");
    NO_FINDING(p, "atb");
    NO_FINDING(p, "JD2000");
    NO_FINDING(p, "VX-1 型号");
    NO_FINDING(p, "vxx");
    NO_FINDING(p, "2TB/1TB 都有货");
    EVIDENCE(p, "去tb买", "tb");
    EVIDENCE(p, "TB上有", "TB");
    EVIDENCE(p, "tb", "tb");
    EVIDENCE(p, "(tb)", "tb");
    EVIDENCE(p, "上 JD 看看", "JD");
    /* long ASCII words are distinctive enough inside URLs */
    EVIDENCE(p, "www.taobao.com", "taobao");
}

/* except: phrases suppress a word inside them, not elsewhere. */
static void except_phrases(void **state)
{
    const ks_pack *p = *state;
    NO_FINDING(p, "我们仓库在上海北京东路");
    NO_FINDING(p, "北京 东路");               /* disguised exception too */
    NO_FINDING(p, "京东方的屏幕");
    EVIDENCE(p, "北京东路的京东店", "京东");
    /* the evidence offsets are those of the second 京东 */
    kt_line l[] = {{'a', 0, "北京东路的京东店"}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    assert_int_equal(r.nfindings, 1);
    assert_int_equal(r.findings[0].start, 5);
    assert_int_equal(r.findings[0].end, 7);
    assert_int_equal(r.findings[0].msg, 0);
    ks_result_free(&r);
    ks_conv_free(&c);
}

/* by: agent: the customer naming a platform is not an incident. */
static void speaker_matters(void **state)
{
    const ks_pack *p = *state;
    kt_line l[] = {{'c', 0, "我在淘宝看到更便宜的"},
                   {'a', 30, "亲,我们是官方正品"},
                   {'s', 60, "end"}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    assert_int_equal(r.nfindings, 0);
    assert_int_equal(r.risk, KS_RISK_normal);
    assert_int_equal(r.causes, 0);
    ks_result_free(&r);
    ks_conv_free(&c);
}

/* ---- steps ------------------------------------------------------------- */

static const char step_pack[] =
    "- list: complain\n  words: [坏了]\n"
    "- list: soothe\n  words: [抱歉]\n"
    "- list: ask\n  words: [怎么保存]\n"
    "- list: promise\n  words: [补发]\n"
    "- list: done\n  words: [单号]\n"
    "- list: threat\n  words: [\"315\"]\n"
    "- list: rude\n  words: [呵呵]\n"
    "- list: rude2\n  words: [随便]\n"
    "- list: noreturn\n  words: [不能退]\n"
    "- list: disagree\n  words: [不同意]\n"
    "- list: angry\n  words: [\"???\"]\n"
    "- list: late\n  words: [还没到]\n"
    "- list: cheap\n  words: [便宜]\n"
    "- list: fake\n  words: [假货]\n"
    "- list: brand\n  words: [正品]\n"
    /* absent step between two positive steps */
    "- rule: absent_between\n  code: poor_service\n  advice: x\n  steps:\n"
    "    - by: customer\n      has: complain\n"
    "    - by: agent\n      has: soothe\n      absent: true\n"
    "    - by: agent\n      has: ask\n      within: {turns: 4}\n"
    /* absent step at the end, with its own window */
    "- rule: absent_end\n  code: unkept_promise\n  advice: x\n  steps:\n"
    "    - by: agent\n      has: promise\n"
    "    - by: agent\n      has: done\n      absent: true\n"
    "      within: {turns: 3}\n"
    /* dir: before */
    "- rule: dir_before\n  code: shirking\n  advice: x\n  steps:\n"
    "    - by: agent\n      has: ask\n"
    "    - by: customer\n      has: complain\n      dir: before\n"
    /* next: true, evidence on the customer's message */
    "- rule: next_only\n  code: sensitive_mishandled\n  advice: x\n"
    "  steps:\n"
    "    - by: customer\n      has: threat\n      evidence: true\n"
    "    - by: agent\n      next: true\n      lacks: soothe\n"
    /* within turns */
    "- rule: within_turns\n  code: attitude\n  advice: x\n  steps:\n"
    "    - by: customer\n      has: complain\n"
    "    - by: agent\n      has: rude\n      within: {turns: 2}\n"
    /* within seconds */
    "- rule: within_seconds\n  code: defamation\n  advice: x\n  steps:\n"
    "    - by: customer\n      has: complain\n"
    "    - by: agent\n      has: rude2\n      within: {seconds: 60}\n"
    /* reply delay */
    "- rule: slow\n  code: slow_response\n  advice: x\n  steps:\n"
    "    - by: agent\n      reply_delay_over: 180\n"
    /* unless_category */
    "- rule: unless\n  code: wrong_answer\n  advice: x\n"
    "  unless_category: [food, fresh]\n  steps:\n"
    "    - by: agent\n      has: noreturn\n"
    /* a system event step */
    "- rule: ended\n  code: forced_end\n  advice: x\n  steps:\n"
    "    - by: customer\n      has: disagree\n"
    "    - event: end\n      within: {turns: 1}\n"
    /* has_all and lacks */
    "- rule: all_of\n  code: false_promotion\n  advice: x\n  steps:\n"
    "    - by: agent\n      has_all: [cheap, brand]\n      lacks: fake\n";

static int setup_steps(void **state)
{
    *state = kt_pack(step_pack);
    return 0;
}

/* Runs lines through the step pack; returns how often rule fired and the
 * message of its first finding in *msg. */
static size_t run_n(const ks_pack *p, const kt_line *l, size_t n,
                    const char *category, const char *rule, size_t *msg,
                    ks_result *keep)
{
    ks_conv c;
    ks_result r = {0};
    kt_conv_n(&c, l, n, category);
    kt_qa(p, &c, &r);
    size_t cnt = kt_count(&r, rule);
    for (size_t i = 0; i < r.nfindings && msg; i++)
        if (!strcmp(r.findings[i].rule, rule)) {
            *msg = r.findings[i].msg;
            break;
        }
    if (keep) {
        *keep = r;
    } else {
        ks_result_free(&r);
    }
    ks_conv_free(&c);
    return cnt;
}

#define RUN(p, lines, rule, msg) \
    run_n((p), (lines), sizeof(lines) / sizeof((lines)[0]), NULL, (rule), \
          (msg), NULL)

static void absent_between_steps(void **state)
{
    const ks_pack *p = *state;
    size_t m = 99;
    kt_line fires[] = {{'c', 0, "火腿坏了"}, {'a', 30, "你是怎么保存的"}};
    assert_int_equal(RUN(p, fires, "absent_between", &m), 1);
    assert_int_equal(m, 1);   /* evidence: the agent's question */
    kt_line soothed[] = {{'c', 0, "火腿坏了"}, {'a', 30, "抱歉"},
                         {'a', 60, "你是怎么保存的"}};
    assert_int_equal(RUN(p, soothed, "absent_between", NULL), 0);
    /* soothing after the question does not clean it */
    kt_line late[] = {{'c', 0, "火腿坏了"}, {'a', 30, "你是怎么保存的"},
                      {'a', 60, "抱歉"}};
    assert_int_equal(RUN(p, late, "absent_between", &m), 1);
    assert_int_equal(m, 1);
    /* soothing in the same message as the question: not in the gap */
    kt_line same[] = {{'c', 0, "火腿坏了"}, {'a', 30, "抱歉,你是怎么保存的"}};
    assert_int_equal(RUN(p, same, "absent_between", NULL), 1);
    /* outside the window of the last step */
    kt_line far[] = {{'c', 0, "火腿坏了"}, {'c', 10, "人呢"}, {'c', 20, "在吗"},
                     {'c', 30, "?"}, {'c', 40, "??"},
                     {'a', 50, "你是怎么保存的"}};
    assert_int_equal(RUN(p, far, "absent_between", NULL), 0);
    kt_line edge[] = {{'c', 0, "火腿坏了"}, {'c', 10, "人呢"}, {'c', 20, "在吗"},
                      {'c', 30, "?"}, {'a', 50, "你是怎么保存的"}};
    assert_int_equal(RUN(p, edge, "absent_between", &m), 1);
    assert_int_equal(m, 4);
}

static void absent_at_end(void **state)
{
    const ks_pack *p = *state;
    size_t m = 99;
    kt_line unkept[] = {{'c', 0, "东西坏了"}, {'a', 30, "明天给您补发"},
                        {'c', 60, "好的"}};
    assert_int_equal(RUN(p, unkept, "absent_end", &m), 1);
    assert_int_equal(m, 1);
    kt_line kept[] = {{'a', 30, "明天给您补发"}, {'c', 60, "好的"},
                      {'a', 90, "单号SF123"}};
    assert_int_equal(RUN(p, kept, "absent_end", NULL), 0);
    /* the customer saying 单号 does not count: by: agent */
    kt_line cust[] = {{'a', 30, "明天给您补发"}, {'c', 60, "单号呢"}};
    assert_int_equal(RUN(p, cust, "absent_end", NULL), 1);
    /* fulfilled, but outside the absent step's window of 3 turns */
    kt_line toolate[] = {{'a', 0, "明天给您补发"}, {'c', 10, "好"},
                         {'c', 20, "好"}, {'c', 30, "好"},
                         {'a', 40, "单号SF123"}};
    assert_int_equal(RUN(p, toolate, "absent_end", NULL), 1);
    kt_line intime[] = {{'a', 0, "明天给您补发"}, {'c', 10, "好"},
                        {'c', 20, "好"}, {'a', 30, "单号SF123"}};
    assert_int_equal(RUN(p, intime, "absent_end", NULL), 0);
}

static void direction_before(void **state)
{
    const ks_pack *p = *state;
    size_t m = 99;
    kt_line before[] = {{'c', 0, "火腿坏了"}, {'a', 30, "你是怎么保存的"}};
    assert_int_equal(RUN(p, before, "dir_before", &m), 1);
    assert_int_equal(m, 1);
    kt_line after[] = {{'a', 0, "你是怎么保存的"}, {'c', 30, "火腿坏了"}};
    assert_int_equal(RUN(p, after, "dir_before", NULL), 0);
}

static void next_message_only(void **state)
{
    const ks_pack *p = *state;
    size_t m = 99;
    kt_line cold[] = {{'c', 0, "我要打315"}, {'a', 30, "随你"}};
    ks_result r;
    assert_int_equal(run_n(p, cold, 2, NULL, "next_only", &m, &r), 1);
    /* evidence: true puts the finding on the customer's message */
    assert_int_equal(m, 0);
    const ks_finding *f = kt_finding(&r, "next_only", 0);
    assert_non_null(f);
    assert_int_equal(f->start, 3);
    assert_int_equal(f->end, 6);
    ks_result_free(&r);
    /* only the agent's next message counts */
    kt_line soothed[] = {{'c', 0, "我要打315"}, {'a', 30, "抱歉"},
                         {'a', 60, "随你"}};
    assert_int_equal(RUN(p, soothed, "next_only", NULL), 0);
    /* customer messages in between are skipped */
    kt_line skip[] = {{'c', 0, "我要打315"}, {'c', 10, "快点"},
                      {'a', 30, "随你"}};
    assert_int_equal(RUN(p, skip, "next_only", &m), 1);
    assert_int_equal(m, 0);
    /* no agent reply at all: nothing to judge */
    kt_line none[] = {{'c', 0, "我要打315"}};
    assert_int_equal(RUN(p, none, "next_only", NULL), 0);
}

static void within_turns(void **state)
{
    const ks_pack *p = *state;
    kt_line t1[] = {{'c', 0, "坏了"}, {'a', 30, "呵呵"}};
    assert_int_equal(RUN(p, t1, "within_turns", NULL), 1);
    kt_line t2[] = {{'c', 0, "坏了"}, {'c', 10, "人呢"}, {'a', 30, "呵呵"}};
    assert_int_equal(RUN(p, t2, "within_turns", NULL), 1);
    kt_line t3[] = {{'c', 0, "坏了"}, {'c', 10, "人呢"}, {'c', 20, "人呢"},
                    {'a', 30, "呵呵"}};
    assert_int_equal(RUN(p, t3, "within_turns", NULL), 0);
}

static void within_seconds(void **state)
{
    const ks_pack *p = *state;
    kt_line s60[] = {{'c', 0, "坏了"}, {'a', 60, "随便"}};
    assert_int_equal(RUN(p, s60, "within_seconds", NULL), 1);
    kt_line s61[] = {{'c', 0, "坏了"}, {'a', 61, "随便"}};
    assert_int_equal(RUN(p, s61, "within_seconds", NULL), 0);
    /* without times the window cannot be measured and does not apply */
    kt_line none[] = {{'c', -1, "坏了"}, {'a', -1, "随便"}};
    assert_int_equal(RUN(p, none, "within_seconds", NULL), 1);
}

static void reply_delay(void **state)
{
    const ks_pack *p = *state;
    size_t m = 99;
    ks_result r;
    kt_line slow[] = {{'c', 0, "在吗"}, {'a', 181, "在的亲"}};
    assert_int_equal(run_n(p, slow, 2, NULL, "slow", &m, &r), 1);
    assert_int_equal(m, 1);
    /* no word asked for: the whole message is the evidence */
    assert_int_equal(r.findings[0].start, 0);
    assert_int_equal(r.findings[0].end, 3);
    ks_result_free(&r);
    kt_line exact[] = {{'c', 0, "在吗"}, {'a', 180, "在的亲"}};
    assert_int_equal(RUN(p, exact, "slow", NULL), 0);
    /* measured from the earliest unanswered customer message */
    kt_line two[] = {{'c', 0, "在吗"}, {'c', 100, "人呢"}, {'a', 200, "在"}};
    assert_int_equal(RUN(p, two, "slow", NULL), 1);
    /* a second round starts a new clock */
    kt_line rounds[] = {{'c', 0, "在吗"}, {'a', 10, "在"}, {'c', 100, "发货了吗"},
                        {'a', 281, "发了"}, {'a', 900, "还有事吗"}};
    assert_int_equal(RUN(p, rounds, "slow", &m), 1);
    assert_int_equal(m, 3);
    /* an agent message with nothing to answer is never slow */
    kt_line first[] = {{'a', 0, "欢迎光临"}, {'a', 1000, "在吗亲"}};
    assert_int_equal(RUN(p, first, "slow", NULL), 0);
    kt_line notime[] = {{'c', -1, "在吗"}, {'a', -1, "在"}};
    assert_int_equal(RUN(p, notime, "slow", NULL), 0);
}

/* ---- the reply clock ------------------------------------------------------ */

static const char clock_pack[] =
    "- reply_clock:\n"
    "    acks: acks\n"
    "    promises:\n"
    "      - {list: soon, seconds: 600}\n"
    "      - {list: today, until: close}\n"
    "    business_hours: {start: \"09:00\", end: \"18:30\", "
    "timezone: \"+08:00\"}\n"
    "- list: acks\n  words: [好, 好的, 谢谢, 我等]\n"
    "- list: soon\n  words: [稍等]\n  regex: [\"10分钟内\"]\n"
    "- list: today\n  words: [下班前]\n"
    "- rule: slow\n  code: slow_response\n  advice: x\n  steps:\n"
    "    - by: agent\n      reply_delay_over: 180\n";

/* KT_T0 is 10:00 Beijing time; these are seconds after it. */
#define H 3600

static void reply_clock(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(clock_pack);
    size_t m = 99;
    /* a bare acknowledgement starts no wait; one with a question does */
    kt_line ack[] = {{'c', 0, "在吗"}, {'a', 10, "在"}, {'c', 20, "好的!谢谢~"},
                     {'a', 1000, "还有事吗"}};
    assert_int_equal(RUN(p, ack, "slow", NULL), 0);
    kt_line ask[] = {{'c', 0, "在吗"}, {'a', 10, "在"},
                     {'c', 20, "好的 那什么时候发货"}, {'a', 1000, "明天"}};
    assert_int_equal(RUN(p, ask, "slow", &m), 1);
    assert_int_equal(m, 3);
    /* a customer who writes while a promise runs waits for the promise */
    kt_line kept[] = {{'c', 0, "坏了"}, {'a', 30, "10分钟内给您答复"},
                      {'c', 60, "快点"}, {'a', 500, "查到了"}};
    assert_int_equal(RUN(p, kept, "slow", NULL), 0);
    kt_line late[] = {{'c', 0, "坏了"}, {'a', 30, "10分钟内给您答复"},
                      {'c', 60, "快点"}, {'a', 700, "查到了"}};
    assert_int_equal(RUN(p, late, "slow", &m), 1);
    assert_int_equal(m, 3);
    /* the agent's own follow-up is due when promised */
    kt_line hold[] = {{'c', 0, "坏了"}, {'a', 30, "稍等"}, {'a', 500, "好了"}};
    assert_int_equal(RUN(p, hold, "slow", NULL), 0);
    kt_line held[] = {{'c', 0, "坏了"}, {'a', 30, "稍等"}, {'c', 40, "好"},
                      {'a', 700, "好了"}};
    assert_int_equal(RUN(p, held, "slow", &m), 1);
    assert_int_equal(m, 3);
    /* a later "稍等" does not shorten a longer promise */
    kt_line longer[] = {{'c', 0, "坏了"}, {'a', 30, "下班前给您结果"},
                        {'c', 60, "好,我等"}, {'a', 70, "好的,稍等"},
                        {'a', 3 * H, "有结果了"}};
    assert_int_equal(RUN(p, longer, "slow", NULL), 0);
    /* a chase after the deadline is a new wait (unkept_promise's case) */
    kt_line broke[] = {{'c', 0, "坏了"}, {'a', 30, "10分钟内给您答复"},
                       {'c', 40, "好"}, {'c', 2000, "人呢"}, {'a', 2100, "在"}};
    assert_int_equal(RUN(p, broke, "slow", NULL), 0);
    /* business hours: a night message answered after the opening is not
     * measured; one answered at night by an agent on duty is */
    kt_line night[] = {{'c', 16 * H, "在吗"}, {'a', 23 * H + 360, "在的"}};
    assert_int_equal(RUN(p, night, "slow", NULL), 0);
    kt_line duty[] = {{'c', 12 * H, "在吗"}, {'a', 12 * H + 1200, "在的"}};
    assert_int_equal(RUN(p, duty, "slow", NULL), 1);
    /* 18:20 to 09:10: twenty minutes of business time */
    kt_line overnight[] = {{'c', 8 * H + 1200, "在吗"},
                           {'a', 23 * H + 600, "在的"}};
    assert_int_equal(RUN(p, overnight, "slow", NULL), 1);
    /* 18:28 to 09:00: two minutes of business time */
    kt_line closing[] = {{'c', 8 * H + 1680, "在吗"}, {'a', 23 * H, "在的"}};
    assert_int_equal(RUN(p, closing, "slow", NULL), 0);
    ks_pack_free(p);
}
#undef H

static void unless_category(void **state)
{
    const ks_pack *p = *state;
    kt_line l[] = {{'c', 0, "拆开了能退吗"}, {'a', 30, "拆封了就不能退了"}};
    assert_int_equal(run_n(p, l, 2, "food", "unless", NULL, NULL), 0);
    assert_int_equal(run_n(p, l, 2, "fresh", "unless", NULL, NULL), 0);
    assert_int_equal(run_n(p, l, 2, "clothing", "unless", NULL, NULL), 1);
    assert_int_equal(run_n(p, l, 2, NULL, "unless", NULL, NULL), 1);
}

static void system_event_step(void **state)
{
    const ks_pack *p = *state;
    size_t m = 99;
    kt_line l[] = {{'c', 0, "我不同意"}, {'s', 30, "end"}};
    assert_int_equal(RUN(p, l, "ended", &m), 1);
    assert_int_equal(m, 0);   /* no agent step: the first step's message */
    kt_line transfer[] = {{'c', 0, "我不同意"}, {'s', 30, "transfer"}};
    assert_int_equal(RUN(p, transfer, "ended", NULL), 0);
    kt_line later[] = {{'c', 0, "我不同意"}, {'a', 10, "好的"},
                       {'s', 30, "end"}};
    assert_int_equal(RUN(p, later, "ended", NULL), 0);
}

static void has_all_and_lacks(void **state)
{
    const ks_pack *p = *state;
    ks_result r;
    kt_line both[] = {{'a', 0, "正品而且便宜"}};
    assert_int_equal(run_n(p, both, 1, NULL, "all_of", NULL, &r), 1);
    /* evidence: the leftmost hit of the lists asked for */
    assert_int_equal(r.findings[0].start, 0);
    assert_int_equal(r.findings[0].end, 2);
    ks_result_free(&r);
    kt_line one[] = {{'a', 0, "很便宜"}};
    assert_int_equal(RUN(p, one, "all_of", NULL), 0);
    kt_line other[] = {{'a', 0, "正品"}};
    assert_int_equal(RUN(p, other, "all_of", NULL), 0);
    kt_line fake[] = {{'a', 0, "便宜的正品不是假货"}};
    assert_int_equal(RUN(p, fake, "all_of", NULL), 0);
    /* has_all needs both in one message, not across messages */
    kt_line split[] = {{'a', 0, "便宜"}, {'a', 10, "正品"}};
    assert_int_equal(RUN(p, split, "all_of", NULL), 0);
}

/* Every rule fires once per anchoring message; the findings come in
 * message order, then by start. */
static void findings_ordered(void **state)
{
    const ks_pack *p = *state;
    kt_line l[] = {{'c', 0, "坏了"},                 /* 0 */
                   {'a', 10, "呵呵,怎么保存的"},     /* 1 */
                   {'c', 20, "坏了"},                /* 2 */
                   {'a', 30, "正品便宜,呵呵"}};      /* 3 */
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    assert_true(r.nfindings >= 3);
    for (size_t i = 1; i < r.nfindings; i++) {
        const ks_finding *a = &r.findings[i - 1], *b = &r.findings[i];
        if (a->msg > b->msg || (a->msg == b->msg && a->start > b->start)) {
            kt_dump(&c, &r);
            fail();
        }
    }
    assert_fires(&c, &r, "within_turns", 1, "呵呵");
    assert_fires(&c, &r, "within_turns", 3, "呵呵");
    assert_fires(&c, &r, "absent_between", 1, "怎么保存");
    assert_fires(&c, &r, "all_of", 3, "正品");
    ks_result_free(&r);
    ks_conv_free(&c);
}

/* ---- outputs: risk, causes, one finding per code and message ---------- */

static const char out_pack[] =
    "- list: angry\n  words: [气死]\n"
    "- list: threat\n  words: [\"315\", 曝光]\n"
    "- list: escalate\n  words: [差评]\n"
    "- list: broken\n  words: [坏了]\n"
    "- list: late\n  words: [还没到]\n"
    "- list: leak\n  words: [手机号]\n"
    /* critical is defined before high: the highest wins, not the last */
    "- rule: r_crit\n  risk: critical\n  steps:\n"
    "    - by: customer\n      has: threat\n"
    "- rule: r_elev\n  risk: elevated\n  steps:\n"
    "    - by: customer\n      has: angry\n"
    "- rule: r_high\n  risk: high\n  steps:\n"
    "    - by: customer\n      has: escalate\n"
    "- rule: c_prod\n  cause: product\n  steps:\n"
    "    - by: customer\n      has: broken\n"
    "- rule: c_log\n  cause: logistics\n  steps:\n"
    "    - by: customer\n      has: late\n"
    "- rule: h1\n  code: harassment\n  advice: one\n  steps:\n"
    "    - by: agent\n      has: leak\n"
    "- rule: h2\n  code: harassment\n  advice: two\n  steps:\n"
    "    - by: agent\n      has: leak\n";

static void judge(const ks_pack *p, const kt_line *l, size_t n, ks_result *r)
{
    ks_conv c;
    kt_conv_n(&c, l, n, NULL);
    kt_qa(p, &c, r);
    ks_conv_free(&c);
}

static void risk_is_highest_level(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(out_pack);
    ks_result r = {0};
    kt_line none[] = {{'c', 0, "你好"}, {'a', 10, "您好"}};
    judge(p, none, 2, &r);
    assert_int_equal(r.risk, KS_RISK_normal);
    kt_line elev[] = {{'c', 0, "气死我了"}};
    judge(p, elev, 1, &r);
    assert_int_equal(r.risk, KS_RISK_elevated);
    kt_line high[] = {{'c', 0, "气死我了"}, {'c', 10, "给你差评"}};
    judge(p, high, 2, &r);
    assert_int_equal(r.risk, KS_RISK_high);
    kt_line crit[] = {{'c', 0, "我要去315"}, {'c', 5, "气死我了"},
                      {'c', 10, "给你差评"}};
    judge(p, crit, 3, &r);
    assert_int_equal(r.risk, KS_RISK_critical);
    /* the same result is reused: back to normal on a quiet conversation */
    judge(p, none, 2, &r);
    assert_int_equal(r.risk, KS_RISK_normal);
    assert_int_equal(r.nfindings, 0);
    /* agents' words do not raise the risk (by: customer) */
    kt_line agent[] = {{'a', 0, "别去315"}};
    judge(p, agent, 1, &r);
    assert_int_equal(r.risk, KS_RISK_normal);
    ks_result_free(&r);
    ks_pack_free(p);
}

static void causes_bitmask(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(out_pack);
    ks_result r = {0};
    kt_line none[] = {{'c', 0, "你好"}};
    judge(p, none, 1, &r);
    assert_int_equal(r.causes, 0);
    kt_line prod[] = {{'c', 0, "东西坏了"}, {'c', 10, "又坏了"}};
    judge(p, prod, 2, &r);
    assert_int_equal(r.causes, 1u << KS_CAUSE_product);
    kt_line both[] = {{'c', 0, "东西坏了"}, {'c', 10, "快递还没到"}};
    judge(p, both, 2, &r);
    assert_int_equal(r.causes,
                     (1u << KS_CAUSE_product) | (1u << KS_CAUSE_logistics));
    judge(p, none, 1, &r);
    assert_int_equal(r.causes, 0);
    ks_result_free(&r);
    ks_pack_free(p);
}

static void one_finding_per_code_and_message(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(out_pack);
    ks_result r = {0};
    kt_line l[] = {{'a', 0, "你的手机号我知道"}, {'a', 10, "手机号"}};
    judge(p, l, 2, &r);
    assert_int_equal(r.nfindings, 2);
    assert_int_equal(r.findings[0].msg, 0);
    assert_int_equal(r.findings[1].msg, 1);
    assert_int_equal(r.findings[0].code, KS_INC_harassment);
    assert_int_equal(r.findings[0].start, 2);
    assert_int_equal(r.findings[0].end, 5);
    assert_string_equal(r.findings[0].rule, "h1");
    assert_string_equal(r.findings[0].advice, "one");
    ks_result_free(&r);
    ks_pack_free(p);
}

/* Conversations without messages, with empty texts and only events.
 * Regression: with a fresh result and no finding, ks_qa() called
 * qsort(NULL, 0, ...), which aborts under gcc's UBSan (build-asan). */
static void degenerate_conversations(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(out_pack);
    ks_result r = {0};
    judge(p, NULL, 0, &r);
    assert_int_equal(r.nfindings, 0);
    assert_int_equal(r.risk, KS_RISK_normal);
    kt_line l[] = {{'c', 0, ""}, {'s', 1, "end"}, {'a', 2, ""},
                   {'s', 3, "rating"}};
    judge(p, l, 4, &r);
    assert_int_equal(r.nfindings, 0);
    ks_result_free(&r);
    ks_pack_free(p);
}

/* Many scanners may share one pack; results do not depend on what a
 * scanner judged before. */
static void scanners_share_a_pack(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(match_pack);
    ks_scanner *s1, *s2;
    assert_int_equal(ks_scanner_new(p, &s1), KS_OK);
    assert_int_equal(ks_scanner_new(p, &s2), KS_OK);
    kt_line a[] = {{'a', 0, "去淘 宝"}};
    kt_line b[] = {{'c', 0, "你好"}, {'a', 10, "您好,北京东路"},
                   {'a', 20, "加我ＶＸ"}};
    ks_conv ca, cb;
    kt_conv(&ca, a);
    kt_conv(&cb, b);
    ks_result r1 = {0}, r2 = {0};
    for (int i = 0; i < 50; i++) {
        assert_int_equal(ks_qa(s1, i % 2 ? &ca : &cb, &r1), KS_OK);
        assert_int_equal(ks_qa(s2, i % 2 ? &cb : &ca, &r2), KS_OK);
        const ks_result *ra = i % 2 ? &r1 : &r2, *rb = i % 2 ? &r2 : &r1;
        assert_int_equal(ra->nfindings, 1);
        assert_int_equal(ra->findings[0].start, 1);
        assert_int_equal(ra->findings[0].end, 4);
        assert_int_equal(rb->nfindings, 1);
        assert_int_equal(rb->findings[0].msg, 2);
        assert_int_equal(rb->findings[0].start, 2);
        assert_int_equal(rb->findings[0].end, 4);
    }
    ks_qa_timing t;
    ks_scanner_timing(s1, 1, NULL);
    assert_int_equal(ks_qa(s1, &ca, &r1), KS_OK);
    ks_scanner_timing(s1, 0, &t);
    assert_true(t.normalise_ns + t.match_ns + t.rules_ns > 0);
    ks_result_free(&r1);
    ks_result_free(&r2);
    ks_conv_free(&ca);
    ks_conv_free(&cb);
    ks_scanner_free(s1);
    ks_scanner_free(s2);
    ks_scanner_free(NULL);
    ks_pack_free(p);
}

/* Regression: only the first 256 exception matches of a message were
 * kept, so from the 257th 北京东路 on, the 京东 inside it counted again. */
static void many_exceptions(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(match_pack);
    static char text[400 * 12 + 16];
    for (int i = 0; i < 400; i++)
        memcpy(text + i * 12, "北京东路", 12);
    kt_line l[] = {{'a', 0, text}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    size_t n = r.nfindings;
    /* ... and a real 京东 after them is still found */
    strcpy(text + 400 * 12, "京东");
    ks_conv c2;
    ks_result r2 = {0};
    kt_line l2[] = {{'a', 0, text}};
    kt_conv(&c2, l2);
    kt_qa(p, &c2, &r2);
    size_t n2 = r2.nfindings;
    uint32_t start = n2 ? r2.findings[0].start : 0;
    ks_result_free(&r);
    ks_result_free(&r2);
    ks_conv_free(&c);
    ks_conv_free(&c2);
    ks_pack_free(p);
    assert_int_equal(n, 0);
    assert_int_equal(n2, 1);
    assert_int_equal(start, 1600);
}

/* Occurrences of a word that do not count (inside 1TB, or inside an
 * exception) must not hide a later one that does, however many there
 * are. */
static void rejected_occurrences_do_not_hide_later_ones(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(match_pack);
    static const struct {
        const char *unit, *tail;
        uint32_t start;          /* of the tail's word, per repetition */
    } cases[] = {
        {"1TB,", "去tb买", 1},        /* bounded-rejected "tb" */
        {"北京东路", "京东", 0},      /* excepted "京东" */
        {"型号TB-200 ", "加我vx", 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        static const int reps[] = {1, 63, 64, 65, 300, 5000};
        for (size_t i = 0; i < sizeof reps / sizeof reps[0]; i++) {
            size_t ul = strlen(cases[k].unit);
            char *text = malloc(ul * (size_t)reps[i] + 32);
            assert_non_null(text);
            for (int r = 0; r < reps[i]; r++)
                memcpy(text + ul * (size_t)r, cases[k].unit, ul);
            strcpy(text + ul * (size_t)reps[i], cases[k].tail);
            kt_line l[] = {{'a', 0, text}};
            ks_conv c;
            ks_result r = {0};
            kt_conv(&c, l);
            kt_qa(p, &c, &r);
            uint32_t want = (uint32_t)(ks_utf8_count(cases[k].unit, ul) *
                                       (size_t)reps[i]) + cases[k].start;
            int ok = r.nfindings == 1 && r.findings[0].start == want;
            if (!ok)
                fprintf(stderr, "\"%s\" x %d + \"%s\": %zu findings, "
                                "first at %u; want one at %u\n",
                        cases[k].unit, reps[i], cases[k].tail, r.nfindings,
                        r.nfindings ? r.findings[0].start : 0, want);
            ks_result_free(&r);
            ks_conv_free(&c);
            free(text);
            if (!ok) {
                ks_pack_free(p);
                fail();
            }
        }
    }
    ks_pack_free(p);
}

/* Regression (found by these tests): a message was scanned only up to its
 * 65536th word match and every word after that point was silently
 * missed: "?" x 70000 followed by "我要去315投诉" came out "elevated"
 * (the ?? list), not "critical". Want: the threat found, or the
 * conversation reported as not judged (rc != KS_OK) — never silently. */
static void match_limit_hides_no_later_words(void **state)
{
    (void)state;
    ks_pack *p = kt_pack("- list: anger\n  words: [\"??\"]\n"
                         "- list: threat\n  words: [\"315\"]\n"
                         "- rule: angry\n  risk: elevated\n  steps:\n"
                         "    - by: customer\n      has: anger\n"
                         "- rule: legal\n  risk: critical\n  steps:\n"
                         "    - by: customer\n      has: threat\n");
    size_t n = 70000;
    char *text = malloc(n + 64);
    assert_non_null(text);
    memset(text, '?', n);
    strcpy(text + n, "我要去315投诉");
    kt_line l[] = {{'c', 0, text}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    ks_scanner *s = NULL;
    assert_int_equal(ks_scanner_new(p, &s), KS_OK);
    int rc = ks_qa(s, &c, &r);
    ks_risk risk = r.risk;
    if (rc == KS_OK && risk != KS_RISK_critical)
        fprintf(stderr, "\"?\" x %zu + \"我要去315投诉\": risk %s, "
                        "want critical\n", n, ks_risk_name(risk));
    ks_scanner_free(s);
    ks_result_free(&r);
    ks_conv_free(&c);
    ks_pack_free(p);
    free(text);
    assert_true(rc != KS_OK || risk == KS_RISK_critical);
}

/* Regex words: evidence from the leftmost start of match. */
static void regex_words(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(
        "- list: phone\n  regex: [\"1[3-9][0-9]{9}\"]\n"
        "- rule: leak\n  code: harassment\n  advice: x\n  steps:\n"
        "    - by: agent\n      has: phone\n");
    kt_line l[] = {{'a', 0, "您的手机13812345678已登记"}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    assert_fires(&c, &r, "leak", 0, "13812345678");
    ks_result_free(&r);
    ks_conv_free(&c);
    ks_pack_free(p);
}

/* Regression (src/engine/qa.c build_views): when no message of a conversation
 * has a word hit and the scanner is fresh, s->hits is NULL and
 * `s->hits + s->hit_off[i]` applies an offset to a null pointer —
 * undefined behaviour that clang's -fsanitize=undefined reports ("applying
 * zero offset to null pointer", qa.c build_views) and that stops
 * tests/fuzz/run-libfuzzer (`make fuzz`) within seconds. gcc's UBSan does
 * not check it: build with clang -fsanitize=undefined to see it guard.
 * (The same scenario, a fresh ks_result and no finding, used to call
 * qsort(NULL, 0, ...) in ks_qa() — fixed, and aborting every gcc UBSan
 * run before that.) */
static void null_hits_offset(void **state)
{
    (void)state;
    ks_pack *p = kt_pack("- list: plat\n  words: [淘宝]\n"
                         "- rule: div\n  code: diversion\n  advice: x\n"
                         "  steps:\n    - by: agent\n      has: plat\n");
    kt_line l[] = {{'c', 0, "在吗"}, {'a', 10, "在的"}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    assert_int_equal(r.nfindings, 0);
    ks_result_free(&r);
    ks_conv_free(&c);
    ks_pack_free(p);
}

/* The messages of a conversation are scanned joined by '\n', per speaker,
 * with regex spans found only where needed (src/engine/qa.c): none of it
 * may show. A regex never matches across two messages; ^ and $ keep their
 * meaning in a message holding '\n'; a regex's evidence is its leftmost
 * match; an exception still hides a keep_all regex or word it overlaps; a
 * list only agent rules use is not looked for in customer messages. */
static const char *rule_evidence(const ks_pack *p, char who, const char *text,
                                 const char *rule, char *buf, size_t bufsz)
{
    kt_line l[] = {{'c', 0, "请问加"}, {who, 30, text}, {'c', 40, "微信"}};
    ks_conv c;
    ks_result r = {0};
    kt_conv(&c, l);
    kt_qa(p, &c, &r);
    const ks_finding *f = kt_finding(&r, rule, 1);
    const char *out = f ? kt_cps(text, f->start, f->end, buf, bufsz) : NULL;
    for (size_t i = 0; i < r.nfindings; i++)   /* only message 1 can fire */
        assert_int_equal(r.findings[i].msg, 1);
    ks_result_free(&r);
    ks_conv_free(&c);
    return out;
}

static void joined_scan_is_per_message(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(
        "- list: curt\n  regex: [\"^(好的|嗯)$\"]\n"
        "- list: ask\n  regex: [\"吗[?!]*$\"]\n"
        "- list: wx\n  regex: [\"加.{0,3}微\"]\n"
        "- list: insult\n  words: [笨]\n  regex: [\"你(真|好)?笨\"]\n"
        "  except: [笨鸟先飞]\n"
        "- rule: curt\n  code: attitude\n  advice: x\n  steps:\n"
        "    - by: agent\n      has: curt\n"
        "- rule: ask\n  code: slow_response\n  advice: x\n  steps:\n"
        "    - by: customer\n      has: ask\n"
        "- rule: wx\n  code: diversion\n  advice: x\n  steps:\n"
        "    - by: any\n      has: wx\n"
        "- rule: insult\n  code: harassment\n  advice: x\n  steps:\n"
        "    - by: agent\n      has: insult\n"
        "- list: edge\n  regex: [\"^好|行$\", \"价格\\\\$\"]\n"
        "- rule: edge\n  code: wrong_answer\n  advice: x\n  steps:\n"
        "    - by: agent\n      has: edge\n"
        "- list: neg\n  regex: [\"问[^?]{0,4}吗\"]\n"
        "- rule: neg\n  code: defamation\n  advice: x\n  steps:\n"
        "    - by: customer\n      has: neg\n"
        "- list: colon\n  regex: [\"^(电话)?[:,]?12315$\"]\n"
        "- rule: colon\n  code: confidentiality\n  advice: x\n  steps:\n"
        "    - by: agent\n      has: colon\n");
    char b[256];
    const char *ev;
#define EV(who, text, rule, want)                                           \
    do {                                                                    \
        ev = rule_evidence(p, who, text, rule, b, sizeof b);                \
        if ((want) ? !ev || strcmp(ev, (want) ? (want) : "") : ev != NULL) { \
            fprintf(stderr, "%c \"%s\" rule %s: want %s, got %s\n", who,    \
                    text, rule, (want) ? (want) : "none", ev ? ev : "none"); \
            fail();                                                         \
        }                                                                   \
    } while (0)
    EV('a', "好的", "curt", "好的");
    EV('a', "嗯\n好的", "curt", NULL);       /* ^ and $ of the message */
    EV('a', "好的\n嗯", "curt", NULL);
    EV('a', "嗯\n", "curt", "嗯");           /* $ before a final '\n' */
    EV('c', "好的", "curt", NULL);           /* an agent rule's list */
    EV('c', "有货吗", "ask", "吗");
    EV('c', "有货吗?!", "ask", "吗?!");
    EV('c', "有货吗\n还有吗", "ask", "吗");
    EV('a', "好", "wx", NULL);               /* 请问加 | 好 | 微信 */
    EV('a', "加我微", "wx", "加我微");
    EV('a', "加加微", "wx", "加加微");       /* the leftmost start */
    EV('a', "你真笨", "insult", "你真笨");
    EV('a', "我笨", "insult", "笨");
    EV('a', "笨鸟先飞", "insult", NULL);      /* the exception hides 笨 */
    EV('a', "笨鸟先飞嘛你好笨", "insult", "你好笨");
    EV('a', "你笨鸟先飞", "insult", NULL);    /* 你笨 overlaps it too */
    /* in the joined scan ^ and $ are the '\n's around each message */
    EV('a', "好啊", "edge", "好");           /* ^ binds to its branch */
    EV('a', "不行", "edge", "行");
    EV('a', "我好", "edge", NULL);
    EV('a', "行不", "edge", NULL);
    EV('a', "价格$", "edge", "价格$");       /* an escaped $ */
    EV('a', "价格", "edge", NULL);
    /* a negated class does not run from 请问加 into the next message, yet
     * matches a '\n' inside one; [:,] is a class, not [:alpha:] */
    EV('c', "吗", "neg", NULL);
    EV('c', "问题\n吗", "neg", "问题\n吗");
    EV('c', "问过?吗", "neg", NULL);
    EV('a', "电话:12315", "colon", "电话:12315");
    EV('a', "12315", "colon", "12315");
    EV('a', "a:12315", "colon", NULL);
#undef EV
    ks_pack_free(p);
}

/* ks_qa_many() judges a batch as ks_qa() judges each conversation: no
 * match runs from one conversation into the next, the reply clock and
 * exceptions stay per conversation, and a conversation the batch scan
 * fails on (too many matches) gets the error it gets alone while the
 * others are judged. */
static void many_equals_one_by_one(void **state)
{
    (void)state;
    ks_pack *p = kt_pack(
        "- list: wx\n  words: [微信]\n  regex: [\"加.{0,3}微\", \"^行$\"]\n"
        "  except: [微信支付]\n"
        "- list: anger\n  words: [\"??\"]\n  except: [\"?!?\"]\n"
        "- list: ask\n  regex: [\"吗[?!]*$\"]\n"
        "- rule: wx\n  code: diversion\n  advice: x\n  steps:\n"
        "    - by: agent\n      has: wx\n"
        "- rule: angry\n  risk: elevated\n  steps:\n"
        "    - by: customer\n      has: anger\n"
        "- rule: slow\n  code: slow_response\n  advice: x\n  steps:\n"
        "    - by: customer\n      has: ask\n"
        "    - by: agent\n      reply_delay_over: 60\n");
    size_t flood = 3u << 20;       /* over the per message match limit
                                      (every ?? is kept: anger has an
                                      exception) */
    char *big = malloc(flood + 1);
    assert_non_null(big);
    memset(big, '?', flood);
    big[flood] = '\0';
    kt_line a[] = {{'c', 0, "有货吗"}, {'a', 300, "加"}};
    kt_line b[] = {{'a', 0, "我微信"}, {'c', 10, "行"}, {'a', 20, "行"}};
    kt_line c[] = {{'c', 0, big}, {'a', 5, "加我微"}};
    kt_line d[] = {{'a', 0, "用微信支付"}, {'c', 5, "??"}};
    kt_line e[] = {{'s', 0, "end"}};
    const kt_line *ls[] = {a, b, c, d, e, a};
    size_t ns[] = {2, 3, 2, 2, 1, 2};
    enum { N = 6 };
    ks_conv conv[N];
    const ks_conv *ptr[N];
    for (size_t k = 0; k < N; k++) {
        kt_conv_n(&conv[k], ls[k], ns[k], NULL);
        ptr[k] = &conv[k];
    }
    ks_scanner *s = NULL;
    assert_int_equal(ks_scanner_new(p, &s), KS_OK);
    ks_result many[N], one = {0};
    int rcs[N];
    memset(many, 0, sizeof many);
    assert_int_equal(ks_qa_many(s, ptr, N, many, rcs), KS_OK);
    for (size_t k = 0; k < N; k++) {
        int rc = ks_qa(s, &conv[k], &one);
        assert_int_equal(rcs[k], rc);
        if (rc)
            continue;
        assert_int_equal(many[k].risk, one.risk);
        assert_int_equal(many[k].causes, one.causes);
        assert_int_equal(many[k].nfindings, one.nfindings);
        for (size_t f = 0; f < one.nfindings; f++) {
            assert_string_equal(many[k].findings[f].rule,
                                one.findings[f].rule);
            assert_int_equal(many[k].findings[f].msg, one.findings[f].msg);
            assert_int_equal(many[k].findings[f].start,
                             one.findings[f].start);
            assert_int_equal(many[k].findings[f].end, one.findings[f].end);
        }
    }
    /* what each should be, so the comparison cannot pass on nothing */
    assert_int_equal(rcs[2], KS_ETOOBIG);
    assert_non_null(kt_finding(&many[0], "slow", 1));
    assert_null(kt_finding(&many[0], "wx", 1));     /* 加 | 我微信 */
    assert_non_null(kt_finding(&many[1], "wx", 0)); /* 微信 */
    assert_non_null(kt_finding(&many[1], "wx", 2)); /* ^行$ */
    assert_int_equal(many[1].nfindings, 2);
    assert_null(kt_finding(&many[3], "wx", 0));     /* 微信支付 */
    assert_int_equal(many[3].risk, KS_RISK_elevated);
    assert_int_equal(many[4].nfindings, 0);
    assert_non_null(kt_finding(&many[5], "slow", 1));
    for (size_t k = 0; k < N; k++) {
        ks_result_free(&many[k]);
        ks_conv_free(&conv[k]);
    }
    ks_result_free(&one);
    ks_scanner_free(s);
    ks_pack_free(p);
    free(big);
}

int main(void)
{
    const struct CMUnitTest match[] = {
        cmocka_unit_test(evidence_on_original_text),
        cmocka_unit_test(short_ascii_words_bounded),
        cmocka_unit_test(except_phrases),
        cmocka_unit_test(speaker_matters),
    };
    const struct CMUnitTest steps[] = {
        cmocka_unit_test(absent_between_steps),
        cmocka_unit_test(absent_at_end),
        cmocka_unit_test(direction_before),
        cmocka_unit_test(next_message_only),
        cmocka_unit_test(within_turns),
        cmocka_unit_test(within_seconds),
        cmocka_unit_test(reply_delay),
        cmocka_unit_test(reply_clock),
        cmocka_unit_test(unless_category),
        cmocka_unit_test(system_event_step),
        cmocka_unit_test(has_all_and_lacks),
        cmocka_unit_test(findings_ordered),
    };
    const struct CMUnitTest outputs[] = {
        cmocka_unit_test(risk_is_highest_level),
        cmocka_unit_test(causes_bitmask),
        cmocka_unit_test(one_finding_per_code_and_message),
        cmocka_unit_test(degenerate_conversations),
        cmocka_unit_test(scanners_share_a_pack),
        cmocka_unit_test(regex_words),
        cmocka_unit_test(many_exceptions),
        cmocka_unit_test(rejected_occurrences_do_not_hide_later_ones),
        cmocka_unit_test(match_limit_hides_no_later_words),
        cmocka_unit_test(null_hits_offset),
        cmocka_unit_test(joined_scan_is_per_message),
        cmocka_unit_test(many_equals_one_by_one),
    };
    int fails = 0;
    fails += cmocka_run_group_tests_name("match", match, setup_match,
                                         teardown_pack);
    fails += cmocka_run_group_tests_name("steps", steps, setup_steps,
                                         teardown_pack);
    fails += cmocka_run_group_tests_name("outputs", outputs, NULL, NULL);
    return fails;
}
