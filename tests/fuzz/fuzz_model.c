/*
 * Fuzz harness: arbitrary bytes as a model file (include/kesu/model.h)
 * through ks_model_parse, and a model that parses through ks_model_write,
 * ks_model_score and, as the model of a small pack, ks_qa.
 *
 * Checks: a parse either succeeds with no diagnostic, or fails with
 * KS_ERULES, no model and at least one error, each located as
 * "fuzz.tsv:LINE" with LINE a line of the input. What ks_model_write
 * writes parses again with the same codes and features, and from then on
 * writing is a fixed point (the first write may round a weight to 0).
 * Scores are finite, 0 for codes the model does not score, and the same
 * for the model and its written-and-read copy. In ks_qa each suspicion
 * is a code the model scores past its threshold and no rule found, with
 * rule "model.CODE", the pack's advice, score as ks_model_score gives it,
 * and evidence on an agent message inside its text.
 */
#include "kesu/kesu.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define NAME "fuzz.tsv"

static void check_where(const char *w, size_t lines)
{
    size_t n = strlen(NAME);
    CHECK(strncmp(w, NAME, n) == 0);
    unsigned long line = 0;
    char tail;
    CHECK(sscanf(w + n, ":%lu%c", &line, &tail) == 1);
    CHECK(line >= 1 && line <= lines);
}

/* Parses text; on success the model, else NULL after the checks. */
static ks_model *parse(const char *text, size_t len)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    ks_model *m = (ks_model *)&lines;
    ks_diags d = {0};
    int rc = ks_model_parse(NAME, text, len, &m, &d);
    for (size_t i = 0; i < d.n; i++) {
        check_where(d.items[i].where, lines);
        CHECK(d.items[i].msg && d.items[i].msg[0]);
        CHECK(!d.items[i].warning);
    }
    if (rc != KS_OK) {
        CHECK(rc == KS_ERULES);
        CHECK(m == NULL);
        CHECK(d.errors >= 1);
        ks_diags_free(&d);
        return NULL;
    }
    CHECK(m != NULL);
    CHECK(d.n == 0);
    ks_diags_free(&d);
    uint32_t codes = ks_model_codes(m);
    CHECK(codes != 0 && (codes >> KS_INC_COUNT) == 0);
    return m;
}

static char *write_model(const ks_model *m, size_t *len)
{
    char *t = NULL;
    CHECK(ks_model_write(m, &t, len) == KS_OK);
    CHECK(t != NULL && strlen(t) == *len);
    return t;
}

/* ---- a fixed conversation ---------------------------------------------- */

static const struct {
    char who;       /* c, a, s (system: text is the event) */
    int at;         /* seconds */
    const char *text;
} chat[] = {
    {'c', 0, "在吗？东西坏了，我要给差评"},
    {'a', 700, "你自己 看不懂吗？ＯＫ，聽不懂就算了"},
    {'s', 800, "timeout"},
    {'c', 900, "什么态度，我要投诉"},
    {'a', 930, "抱歉亲，您加我vx，去淘宝搜一下"},
    {'a', 940, "好 的"},
    {'s', 1000, "end"},
};

static void make_conv(ks_conv *c)
{
    memset(c, 0, sizeof *c);
    c->id = ks_strdup("fuzz");
    c->nmsgs = sizeof chat / sizeof chat[0];
    c->msgs = ks_calloc(c->nmsgs, sizeof *c->msgs);
    CHECK(c->id && c->msgs);
    c->order.price = c->order.cost = -1;
    c->order.shelf_life_days = -1;
    c->order.ordered_at = c->order.shipped_at = c->order.delivered_at =
        KS_TIME_NONE;
    for (size_t i = 0; i < c->nmsgs; i++) {
        ks_msg *m = &c->msgs[i];
        m->at = 1717552800000LL + (int64_t)chat[i].at * 1000;
        m->from = chat[i].who == 'c'   ? KS_FROM_CUSTOMER
                  : chat[i].who == 'a' ? KS_FROM_AGENT
                                       : KS_FROM_SYSTEM;
        m->event = m->from != KS_FROM_SYSTEM ? KS_EV_NONE
                   : !strcmp(chat[i].text, "end") ? KS_EV_END
                                                  : KS_EV_TIMEOUT;
        m->text = ks_strdup(m->from == KS_FROM_SYSTEM ? "" : chat[i].text);
        CHECK(m->text);
        m->text_len = strlen(m->text);
    }
}

static void score(const ks_model *m, const ks_conv *c,
                  double s[KS_INC_COUNT])
{
    CHECK(ks_model_score(m, c, s) == KS_OK);
    uint32_t codes = ks_model_codes(m);
    for (int k = 0; k < KS_INC_COUNT; k++) {
        CHECK(isfinite(s[k]));
        if (!(codes >> k & 1))
            CHECK(s[k] == 0.0);
    }
}

/* ---- the model in a pack ------------------------------------------------ */

static const char pack_yaml[] =
    "- list: plat\n"
    "  words: [淘宝, vx]\n"
    "- rule: div\n"
    "  code: diversion\n"
    "  advice: 不要引流\n"
    "  steps:\n"
    "    - by: agent\n"
    "      has: plat\n";

/* One compiled database kept across inputs: the pack's rules never
 * change, so only the first load pays Vectorscan's compile. */
static char *g_key, *g_db;
static size_t g_dblen;

static int cache_get(void *arg, const char *key, char **data, size_t *len)
{
    (void)arg;
    if (!g_key || strcmp(key, g_key) != 0 || !(*data = malloc(g_dblen)))
        return -1;
    memcpy(*data, g_db, g_dblen);
    *len = g_dblen;
    return 0;
}

static void cache_put(void *arg, const char *key, const char *data,
                      size_t len)
{
    (void)arg;
    char *k = malloc(strlen(key) + 1), *d = malloc(len ? len : 1);
    if (!k || !d) {
        free(k);
        free(d);
        return;
    }
    strcpy(k, key);
    memcpy(d, data, len);
    free(g_key);
    free(g_db);
    g_key = k;
    g_db = d;
    g_dblen = len;
}

static int has_code(const ks_finding *f, size_t n, ks_incident code)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].code == code)
            return 1;
    return 0;
}

static void judge(const ks_model *m, const char *text, size_t len,
                  const ks_conv *c, const double s[KS_INC_COUNT])
{
    ks_source src[] = {{"t.yaml", pack_yaml, sizeof pack_yaml - 1},
                       {NAME, text, len}};
    ks_db_cache cache = {cache_get, cache_put, NULL, NULL};
    ks_pack *p = NULL;
    ks_diags d = {0};
    CHECK(ks_pack_load_cached(src, 2, &cache, &p, &d) == KS_OK);
    CHECK(p != NULL && d.errors == 0);
    ks_diags_free(&d);
    ks_scanner *sc;
    ks_result r = {0};
    CHECK(ks_scanner_new(p, &sc) == KS_OK);
    CHECK(ks_qa(sc, c, &r) == KS_OK);
    uint32_t codes = ks_model_codes(m), seen = 0;
    for (size_t i = 0; i < r.nsuspects; i++) {
        const ks_finding *f = &r.suspects[i];
        CHECK(codes >> f->code & 1);
        CHECK(!(seen >> f->code & 1));
        seen |= 1u << f->code;
        CHECK(!has_code(r.findings, r.nfindings, f->code));
        char rule[64];
        snprintf(rule, sizeof rule, "model.%s", ks_incident_name(f->code));
        CHECK(f->rule && strcmp(f->rule, rule) == 0);
        CHECK(f->advice == ks_pack_advice(p, NULL, f->code));
        CHECK(f->score > 0);
        CHECK(fabs(f->score - s[f->code]) <= 1e-9 * (1 + fabs(s[f->code])));
        CHECK(f->msg < c->nmsgs);
        CHECK(c->msgs[f->msg].from == KS_FROM_AGENT);
        CHECK(f->start < f->end);
        CHECK(f->end <= ks_utf8_count(c->msgs[f->msg].text,
                                      c->msgs[f->msg].text_len));
        CHECK(i == 0 || r.suspects[i - 1].msg <= f->msg);
    }
    /* every code scored past its threshold that no rule found is a
     * suspicion, unless no agent phrase weighs for it */
    for (int k = 0; k < KS_INC_COUNT; k++)
        if (s[k] <= 0 || has_code(r.findings, r.nfindings, (ks_incident)k))
            CHECK(!(seen >> k & 1));
    ks_result_free(&r);
    ks_scanner_free(sc);
    ks_pack_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;   /* large models only slow the search down */
    const char *text = (const char *)data;
    ks_model *m = parse(text, size);
    if (!m)
        return 0;
    size_t n1, n2, n3;
    char *t1 = write_model(m, &n1);
    ks_model *m2 = parse(t1, n1);
    CHECK(m2 != NULL);
    CHECK(ks_model_codes(m2) == ks_model_codes(m));
    CHECK(ks_model_features(m2) == ks_model_features(m));
    char *t2 = write_model(m2, &n2);
    ks_model *m3 = parse(t2, n2);
    CHECK(m3 != NULL);
    char *t3 = write_model(m3, &n3);
    CHECK(n2 == n3 && memcmp(t2, t3, n2) == 0);

    ks_conv c;
    make_conv(&c);
    double s[KS_INC_COUNT], s2[KS_INC_COUNT], s3[KS_INC_COUNT];
    score(m, &c, s);
    score(m2, &c, s2);
    score(m3, &c, s3);
    CHECK(memcmp(s2, s3, sizeof s2) == 0);
    judge(m, text, size, &c, s);

    ks_conv_free(&c);
    ks_free(t1);
    ks_free(t2);
    ks_free(t3);
    ks_model_free(m);
    ks_model_free(m2);
    ks_model_free(m3);
    return 0;
}

/* ---- structure-aware mutation ------------------------------------------
 * Byte-level mutations rarely keep a model file readable. Half of the
 * time this mutator edits it line by line instead — duplicates, drops or
 * swaps a line, inserts a code or feature line built from the format's
 * parts, or replaces a number — so that unusual models that parse reach
 * the writer, the scorer and ks_qa. libFuzzer calls it; so does
 * tests/fuzz/driver.c. */

#include "fuzz_rng.h"

#define MAX_LINES 2048

static const char *const codes[] = {
    "attitude", "diversion", "harassment", "poor_service", "shirking",
    "slow_response", "negligence", "nosuch", "key_info"};
static const char *const keys[] = {
    "A:你", "A:看不懂", "A:听不懂", "A:不懂", "A:自己", "A:好", "A:抱歉",
    "A:vx", "A:淘宝", "A:?", "A:,", "C:差评", "C:态度", "C:在吗", "E:end",
    "E:timeout", "E:transfer", "E:rating", "S:last_agent",
    "S:last_customer", "S:gap>=600s", "S:gap>=60s", "S:noagent", "A:態度",
    "A:看 不", "X:y", "A:", "A:好的吧呢"};
static const char *const numbers[] = {
    "0", "1", "-1", "0.5", "-2.25", "7", "1e6", "-1e6", "1000001", "1e-9",
    "nan", "inf", "0x10", "3.", ".5", "-0", "99999.99999", "1e-320",
    "1e60", "-1e300"};

static const char *pick(const char *const *v, size_t n)
{
    return v[rnd_below((unsigned)n)];
}
#define PICK(v) pick((v), sizeof(v) / sizeof *(v))

static void make_line(char *out, size_t cap)
{
    if (rnd_below(4) == 0) {
        snprintf(out, cap, "code %s bias %s threshold %s", PICK(codes),
                 PICK(numbers), PICK(numbers));
        return;
    }
    int k = snprintf(out, cap, "%s\t", PICK(keys));
    for (unsigned i = 0, n = rnd_below(4); i < n && k > 0 &&
                                            (size_t)k < cap; i++)
        k += snprintf(out + k, cap - (size_t)k, "%s%s=%s", i ? " " : "",
                      PICK(codes), PICK(numbers));
}

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
    char *line[MAX_LINES];
    size_t nl = 0;
    for (char *p = text; p && nl < MAX_LINES;) {
        line[nl++] = p;
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        p = e ? e + 1 : NULL;
    }
    char extra[512];
    const char *ins = NULL;     /* a line to insert before line `at` */
    size_t at = rnd_below((unsigned)nl);
    size_t drop = (size_t)-1, dup = (size_t)-1;
    switch (rnd_below(5)) {
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
    case 3: {   /* replace the number after a '=' or a space */
        char *c = strrchr(line[at], rnd_below(2) ? '=' : ' ');
        if (!c)
            break;
        snprintf(extra, sizeof extra, "%.*s%s", (int)(c - line[at] + 1),
                 line[at], PICK(numbers));
        line[at] = extra;
        break;
    }
    default:
        make_line(extra, sizeof extra);
        ins = extra;
        break;
    }
    return fuzz_join_lines(text, line, nl, at, drop, dup, ins, data, size,
                           max_size);
}
