/*
 * Fuzz harness: arbitrary bytes as one rule file through ks_pack_load.
 *
 * Checks: a load either succeeds with no error diagnostics and a pack
 * with at least one rule, or fails with KS_ERULES, no pack and at least
 * one error; every diagnostic is located in the file ("fuzz.yaml:L:C"
 * with L, C >= 1, or "fuzz.yaml" for pack-wide problems) or names the
 * compiled pattern. A loaded pack's words are non-empty, valid UTF-8 and
 * already normalised; its examples run, and it judges a fixed
 * conversation with sane findings.
 */
#include "kesu/kesu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "fuzz_common.h"

#define NAME "fuzz.yaml"

static void check_where(const char *w)
{
    size_t n = strlen(NAME);
    if (strncmp(w, "pattern ", 8) == 0 || strcmp(w, "pack") == 0)
        return;
    CHECK(strncmp(w, NAME, n) == 0);
    if (w[n] == '\0')
        return;
    unsigned long line = 0, col = 0;
    char tail;
    CHECK(sscanf(w + n, ":%lu:%lu%c", &line, &col, &tail) == 2);
    CHECK(line >= 1 && col >= 1);
}

static int check_word(const char *w, const char *list, void *arg)
{
    ks_text *t = arg;
    size_t len = strlen(w);
    CHECK(len > 0);
    CHECK(list != NULL && list[0] != '\0');
    CHECK(ks_utf8_validate(w, len, NULL) == KS_OK);
    /* words are stored normalised: normalising again keeps them, unless
     * they hold a code point of the fold bug (test_known_bugs.c) */
    int stable = 1;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += ks_utf8_decode(w + i, &cp);
        stable &= ks_fold_cp(cp) == cp;
    }
    CHECK(ks_normalize(w, len, t) == KS_OK);
    if (stable && (t->len != len || memcmp(t->norm, w, len) != 0)) {
        fprintf(stderr, "fuzz_pack: word \"%s\" of list %s is not "
                        "normalised (\"%s\")\n", w, list, t->norm);
        abort();
    }
    return 0;
}

static const char *const chat[][2] = {
    {"customer", "我要去315曝光你们,东西坏了"},
    {"agent", "去淘 宝买吧,加我ＶＸ"},
    {"customer", "???"},
    {"agent", "抱歉亲,非常抱歉"},
    {"system", ""},
};

static void judge(const ks_pack *p)
{
    ks_conv c;
    memset(&c, 0, sizeof c);
    c.id = ks_strdup("fuzz");
    c.nmsgs = sizeof chat / sizeof chat[0];
    c.msgs = ks_calloc(c.nmsgs, sizeof *c.msgs);
    CHECK(c.id && c.msgs);
    c.order.price = c.order.cost = -1;
    c.order.shelf_life_days = -1;
    c.order.ordered_at = c.order.shipped_at = c.order.delivered_at =
        KS_TIME_NONE;
    for (size_t i = 0; i < c.nmsgs; i++) {
        ks_msg *m = &c.msgs[i];
        m->at = 1717552800000LL + (int64_t)i * 200000;
        m->from = !strcmp(chat[i][0], "customer") ? KS_FROM_CUSTOMER
                  : !strcmp(chat[i][0], "agent")  ? KS_FROM_AGENT
                                                  : KS_FROM_SYSTEM;
        m->event = m->from == KS_FROM_SYSTEM ? KS_EV_END : KS_EV_NONE;
        m->text = ks_strdup(chat[i][1]);
        CHECK(m->text);
        m->text_len = strlen(m->text);
    }
    ks_scanner *s;
    ks_result r = {0};
    CHECK(ks_scanner_new(p, &s) == KS_OK);
    CHECK(ks_qa(s, &c, &r) == KS_OK);
    CHECK((unsigned)r.risk < KS_RISK_COUNT);
    for (size_t i = 0; i < r.nfindings; i++) {
        const ks_finding *f = &r.findings[i];
        CHECK(f->msg < c.nmsgs);
        CHECK(f->start <= f->end);
        CHECK(f->end <= ks_utf8_count(c.msgs[f->msg].text,
                                      c.msgs[f->msg].text_len));
        CHECK(f->rule && f->advice);
        CHECK(ks_incident_level(f->code) >= 'A' &&
              ks_incident_level(f->code) <= 'C');
    }
    ks_result_free(&r);
    ks_scanner_free(s);
    ks_conv_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;   /* large packs only slow the search down */
    ks_source src = {NAME, (const char *)data, size};
    ks_pack *p = (ks_pack *)&src;
    ks_diags d = {0};
    int rc = ks_pack_load(&src, 1, &p, &d);
    for (size_t i = 0; i < d.n; i++) {
        check_where(d.items[i].where);
        CHECK(d.items[i].msg && d.items[i].msg[0]);
    }
    if (rc != KS_OK) {
        CHECK(rc == KS_ERULES);
        CHECK(p == NULL);
        CHECK(d.errors >= 1);
        ks_diags_free(&d);
        return 0;
    }
    CHECK(p != NULL);
    CHECK(d.errors == 0);
    ks_diags_free(&d);

    ks_pack_stats st;
    ks_pack_get_stats(p, &st);
    CHECK(st.rules >= 1);
    ks_text t = {0};
    CHECK(ks_pack_each_word(p, check_word, &t) == KS_OK);
    ks_text_free(&t);
    size_t failed = ks_pack_check_examples(p, &d);
    CHECK(failed <= st.examples);
    CHECK(d.errors == failed);
    for (size_t i = 0; i < d.n; i++)
        check_where(d.items[i].where);
    ks_diags_free(&d);
    judge(p);
    ks_pack_free(p);
    return 0;
}

/* ---- structure-aware mutation ------------------------------------------
 * Byte-level mutations rarely keep a rule file loadable. Half of the time
 * this mutator edits it line by line instead — duplicates, drops or swaps
 * a line, replaces a value after "key: " (with a name of a list or
 * condition of the file, a speaker, a flag, a window, a code...), inserts
 * a step key, or a word into a "[...]" list — so that loaded packs with
 * unusual rules reach the engine. libFuzzer calls it; so does
 * tests/fuzz/driver.c. */

#include "fuzz_rng.h"

#define MAX_LINES 2048

static const char *const values[] = {
    "true", "false", "agent", "customer", "system", "any", "before", "after",
    "end", "transfer", "rating", "{turns: 1}", "{turns: 3}", "{seconds: 30}",
    "{turns: 2, seconds: 600}", "0", "1", "180", "A", "B", "C", "critical",
    "high", "elevated", "product", "logistics", "diversion", "attitude",
    "slow_response", "forced_end", "[food]", "x", "\"\"", "[]", "{}",
    "[淘宝, tb]", "\"[淘桃]宝\"", "不要引流"};

static const char *const step_lines[] = {
    "      absent: true", "      next: true", "      dir: before",
    "      evidence: true", "      within: {turns: 1}",
    "      within: {seconds: 60}", "      reply_delay_over: 60",
    "    - by: agent", "    - by: customer", "    - event: end",
    "  unless_category: [food]", "  level: A", "  advice: 先安抚",
    "      by: any"};

static const char *const words[] = {
    "淘 宝", "ＶＸ", "tb", "1TB", "北京东路", "[ab]c", "體驗", "\"315\"",
    "\"??\"", "抱歉", "呵呵", "a", "\"[淘]\"", "京东"};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    g_mut_rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 1;
    if (seed % 2 == 0 || size == 0)
        return LLVMFuzzerMutate(data, size, max_size);
    char *text = malloc(size + 1);
    if (!text)
        return LLVMFuzzerMutate(data, size, max_size);
    memcpy(text, data, size);
    text[size] = '\0';
    /* lines, and the names the file defines */
    char *line[MAX_LINES];
    const char *names[64];
    size_t nl = 0, nn = 0;
    for (char *p = text; p && nl < MAX_LINES;) {
        line[nl++] = p;
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        const char *k = strstr(p, "- list: ");
        if (!k)
            k = strstr(p, "- condition: ");
        if (k && nn < 64)
            names[nn++] = strchr(k, ':') + 2;
        p = e ? e + 1 : NULL;
    }
    char extra[256];
    const char *ins = NULL;   /* a line to insert before line `at` */
    size_t at = rnd_below((unsigned)nl);
    size_t drop = (size_t)-1, dup = (size_t)-1;
    switch (rnd_below(6)) {
    case 0:
        dup = at;
        break;
    case 1:
        drop = at;
        break;
    case 2:
        if (at + 1 < nl) {
            char *t = line[at];
            line[at] = line[at + 1];
            line[at + 1] = t;
        }
        break;
    case 3: {   /* replace the value after "key: " */
        char *c = strstr(line[at], ": ");
        if (!c)
            break;
        const char *v = nn && rnd_below(2)
                            ? names[rnd_below((unsigned)nn)]
                            : values[rnd_below(sizeof values / sizeof *values)];
        snprintf(extra, sizeof extra, "%.*s: %s", (int)(c - line[at]),
                 line[at], v);
        line[at] = extra;
        break;
    }
    case 4:     /* insert a step key, or a reference to a name */
        if (nn && rnd_below(2)) {
            static const char *const keys[] = {"has", "lacks", "has_all",
                                               "use"};
            snprintf(extra, sizeof extra, "      %s: %s",
                     keys[rnd_below(4)], names[rnd_below((unsigned)nn)]);
            ins = extra;
        } else {
            ins = step_lines[rnd_below(sizeof step_lines /
                                       sizeof *step_lines)];
        }
        break;
    default: {  /* a word into a flow list */
        char *b = strchr(line[at], '[');
        if (!b || !strstr(line[at], ": "))
            break;
        snprintf(extra, sizeof extra, "%.*s%s, %s", (int)(b - line[at] + 1),
                 line[at], words[rnd_below(sizeof words / sizeof *words)],
                 b + 1);
        line[at] = extra;
        break;
    }
    }
    return fuzz_join_lines(text, line, nl, at, drop, dup, ins, data, size,
                           max_size);
}
