/*
 * Fuzz harness: one JSON line through ks_conv_from_json and, when it
 * parses, through ks_qa with the shipped rule pack.
 *
 * The pack is loaded once, from $KS_RULES or the directory compiled in as
 * KS_RULES_DIR (if it does not load — the rules may be mid-edit — a small
 * built-in pack is used and a warning printed, so that the harness still
 * runs). Checks: a rejected line has exactly one error, located under the
 * prefix, and leaves the conversation empty; an accepted one has valid
 * UTF-8 texts and consistent events; a line the fast reader
 * (ks_conv_from_json_fast) takes is one ks_conv_from_json accepts without
 * a diagnostic, read the same; every finding points at a real
 * message and a code point span inside its text, the findings are sorted
 * and unique per code and message, and judging the same conversation
 * twice gives the same result.
 */
#include "kesu/kesu.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KS_RULES_DIR
#define KS_RULES_DIR "rules"
#endif


#include "fuzz_common.h"
#include "../common/conv_eq.h"

static const char fallback_pack[] =
    "- list: plat\n  words: [\"[淘桃]宝\", tb, 京东, vx]\n"
    "  except: [北京东路]\n"
    "- list: sorry\n  words: [抱歉]\n"
    "- list: threat\n  words: [\"315\", 曝光]\n  regex: [\"1[3-9][0-9]{9}\"]\n"
    "- rule: div\n  code: diversion\n  advice: x\n  steps:\n"
    "    - by: agent\n      has: plat\n"
    "- rule: sens\n  code: sensitive_mishandled\n  advice: x\n  steps:\n"
    "    - by: customer\n      has: threat\n      evidence: true\n"
    "    - by: agent\n      next: true\n      lacks: sorry\n"
    "- rule: slow\n  code: slow_response\n  advice: x\n  steps:\n"
    "    - by: agent\n      reply_delay_over: 180\n"
    "- rule: risk\n  risk: critical\n  steps:\n"
    "    - by: customer\n      has: threat\n"
    "- rule: cause\n  cause: product\n  steps:\n"
    "    - by: customer\n      has: sorry\n"
    "    - by: agent\n      has: sorry\n      absent: true\n";

static ks_pack *g_pack;
static ks_scanner *g_scanner;
static char **g_words;      /* the pack's words: the mutator's dictionary */
static size_t g_nwords;

static int add_word(const char *w, const char *list, void *arg)
{
    (void)list;
    (void)arg;
    char **v = realloc(g_words, (g_nwords + 1) * sizeof *v);
    if (!v)
        return 1;
    g_words = v;
    g_words[g_nwords] = strdup(w);
    g_nwords += g_words[g_nwords] != NULL;
    return 0;
}

static void init(void)
{
    const char *dir = getenv("KS_RULES");
    ks_diags d = {0};
    if (!dir || !*dir)
        dir = KS_RULES_DIR;
    if (ks_pack_load_dir(dir, &g_pack, &d) != KS_OK) {
        fprintf(stderr, "fuzz_conv: warning: rule pack %s does not load "
                        "(%zu errors); using the built-in pack\n",
                dir, d.errors);
        ks_diags_clear(&d);
        ks_source s = {"fallback.yaml", fallback_pack,
                       sizeof fallback_pack - 1};
        CHECK(ks_pack_load(&s, 1, &g_pack, &d) == KS_OK);
    }
    ks_diags_free(&d);
    CHECK(ks_scanner_new(g_pack, &g_scanner) == KS_OK);
    ks_pack_each_word(g_pack, add_word, NULL);
}

static void check_result(const ks_conv *c, const ks_result *r)
{
    CHECK((unsigned)r->risk < KS_RISK_COUNT);
    CHECK(r->causes < (1u << KS_CAUSE_COUNT));
    for (size_t i = 0; i < r->nfindings; i++) {
        const ks_finding *f = &r->findings[i];
        CHECK((unsigned)f->code < KS_INC_COUNT);
        CHECK(f->rule != NULL && f->rule[0] != '\0');
        CHECK(f->advice != NULL);
        CHECK(f->msg < c->nmsgs);
        const ks_msg *m = &c->msgs[f->msg];
        size_t ncp = ks_utf8_count(m->text, m->text_len);
        CHECK(f->start <= f->end);
        CHECK(f->end <= ncp);
        CHECK(ncp == 0 || f->start < f->end);
        if (i > 0) {
            const ks_finding *p = &r->findings[i - 1];
            CHECK(p->msg < f->msg ||
                  (p->msg == f->msg && p->start <= f->start));
        }
        for (size_t k = 0; k < i; k++)
            CHECK(r->findings[k].code != f->code ||
                  r->findings[k].msg != f->msg);
    }
}

static int same(const ks_result *a, const ks_result *b)
{
    if (a->risk != b->risk || a->causes != b->causes ||
        a->nfindings != b->nfindings)
        return 0;
    for (size_t i = 0; i < a->nfindings; i++)
        if (a->findings[i].code != b->findings[i].code ||
            a->findings[i].msg != b->findings[i].msg ||
            a->findings[i].start != b->findings[i].start ||
            a->findings[i].end != b->findings[i].end ||
            a->findings[i].rule != b->findings[i].rule)
            return 0;
    return 1;
}

static ks_conv_buf g_fast;   /* the fast reader's memory, reused */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_pack)
        init();
    ks_conv c, fast;
    ks_diags d = {0};
    int frc = ks_conv_from_json_fast(&g_fast, (const char *)data, size, &fast);
    CHECK(frc == KS_OK || frc == KS_EPARSE);
    int rc = ks_conv_from_json((const char *)data, size, &c, &d, "fuzz:1");
    if (frc == KS_OK)
        CHECK(rc == KS_OK && d.n == 0 && kt_conv_eq(&fast, &c));
    else
        CHECK(fast.id == NULL && fast.msgs == NULL);
    if (rc != KS_OK) {
        CHECK(rc == KS_EPARSE || rc == KS_EUTF8);
        CHECK(d.errors == 1);
        CHECK(c.id == NULL && c.msgs == NULL && c.nmsgs == 0);
        for (size_t i = 0; i < d.n; i++)
            CHECK(strncmp(d.items[i].where, "fuzz:1", 6) == 0);
        ks_diags_free(&d);
        return 0;
    }
    CHECK(d.errors == 0);
    for (size_t i = 0; i < d.n; i++)
        CHECK(d.items[i].warning &&
              strncmp(d.items[i].where, "fuzz:1", 6) == 0);
    ks_diags_free(&d);

    CHECK(c.id != NULL);
    CHECK(ks_utf8_validate(c.id, strlen(c.id), NULL) == KS_OK);
    for (size_t i = 0; i < c.nmsgs; i++) {
        const ks_msg *m = &c.msgs[i];
        CHECK(m->text != NULL);
        CHECK(m->text_len == strlen(m->text));
        CHECK(ks_utf8_validate(m->text, m->text_len, NULL) == KS_OK);
        CHECK((unsigned)m->from <= KS_FROM_SYSTEM);
        CHECK((m->from == KS_FROM_SYSTEM) == (m->event != KS_EV_NONE));
    }
    if (c.has_order)
        CHECK(c.order.shelf_life_days >= -1);

    ks_result r1 = {0}, r2 = {0};
    int qrc = ks_qa(g_scanner, &c, &r1);
    /* a message with an absurd number of word matches is refused */
    CHECK(qrc == KS_OK || qrc == KS_ETOOBIG);
    if (qrc == KS_OK) {
        check_result(&c, &r1);
        CHECK(ks_qa(g_scanner, &c, &r2) == KS_OK);
        CHECK(same(&r1, &r2));
    }
    ks_result_free(&r1);
    ks_result_free(&r2);
    ks_conv_free(&c);
    return 0;
}

/* ---- structure-aware mutation ------------------------------------------
 * Most byte-level mutations of a JSON line only exercise the JSON
 * reader. Half of the time this mutator parses the input and changes the
 * conversation instead — a word of the pack (or a disguise) inserted into
 * a text at a character boundary, a speaker, an event, a time, a category,
 * a message duplicated or dropped — so that ks_qa sees many conversations
 * that parse. libFuzzer calls it; so does tests/fuzz/driver.c. */

#include "fuzz_rng.h"

static const char *const disguises[] = {
    " ", ".", "*", "·", "\u3000", "\u200b", "\ufeff", "ＶＸ", "Ｔｂ", "寶",
    "體驗", "1TB", "TB-200", "北京东路", "京东方", "抱歉", "非常抱歉", "您好",
    "？？？", "!!!", "315", "12315", "😀", "a", "Z", "9"};

static void mutate_text(cJSON *msg)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(msg, "text");
    const char *old = cJSON_IsString(t) ? t->valuestring : "";
    size_t len = strlen(old), ncp = ks_utf8_count(old, len);
    const char *ins;
    if (g_nwords && rnd_below(2))
        ins = g_words[rnd_below((unsigned)g_nwords)];
    else
        ins = disguises[rnd_below(sizeof disguises / sizeof disguises[0])];
    size_t at = ks_utf8_offset(old, len, rnd_below((unsigned)ncp + 1));
    size_t il = strlen(ins);
    char *buf = malloc(len + il + 1);
    if (!buf)
        return;
    memcpy(buf, old, at);
    memcpy(buf + at, ins, il);
    memcpy(buf + at + il, old + at, len - at + 1);
    if (cJSON_IsString(t))
        cJSON_SetValuestring(t, buf);
    else
        cJSON_AddStringToObject(msg, "text", buf);
    free(buf);
}

/* Inserts item at index at (0..n); the array owns it afterwards, or it is
 * freed (some cJSON versions refuse to insert at the end). */
static void insert_at(cJSON *arr, int at, cJSON *item)
{
    if (!item)
        return;
    int ok = at >= cJSON_GetArraySize(arr) ? cJSON_AddItemToArray(arr, item)
                                           : cJSON_InsertItemInArray(arr, at,
                                                                     item);
    if (!ok)
        cJSON_Delete(item);
}

static void set_str(cJSON *obj, const char *key, const char *val)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (val)
        cJSON_AddStringToObject(obj, key, val);
}

static void mutate_conv(cJSON *root)
{
    cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
    if (!cJSON_IsArray(msgs)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "messages");
        msgs = cJSON_AddArrayToObject(root, "messages");
        if (!msgs)
            return;
    }
    int n = cJSON_GetArraySize(msgs);
    if (n == 0 || rnd_below(8) == 0) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "from", rnd_below(2) ? "agent" : "customer");
        cJSON_AddStringToObject(m, "text", "");
        insert_at(msgs, (int)rnd_below((unsigned)n + 1), m);
        n++;
    }
    cJSON *m = cJSON_GetArrayItem(msgs, (int)rnd_below((unsigned)n));
    if (!cJSON_IsObject(m))
        return;
    static const char *const from[] = {"customer", "agent", "system"};
    static const char *const events[] = {"end", "transfer", "timeout",
                                         "rating"};
    static const char *const cats[] = {"food", "fresh", "parts", "clothing",
                                       "digital"};
    char at[40];
    switch (rnd_below(10)) {
    case 0: {
        int f = (int)rnd_below(3);
        set_str(m, "from", from[f]);
        set_str(m, "event", f == 2 ? events[rnd_below(4)] : NULL);
        if (f == 2)
            cJSON_DeleteItemFromObjectCaseSensitive(m, "text");
        else if (!cJSON_GetObjectItemCaseSensitive(m, "text"))
            cJSON_AddStringToObject(m, "text", "");
        break;
    }
    case 1:
        snprintf(at, sizeof at, "2024-06-05T%02u:%02u:%02u+08:00",
                 10 + rnd_below(3), rnd_below(60), rnd_below(60));
        set_str(m, "at", at);
        break;
    case 2:
        if (n > 1)
            cJSON_DeleteItemFromArray(msgs, (int)rnd_below((unsigned)n));
        break;
    case 3:
        insert_at(msgs, (int)rnd_below((unsigned)n + 1),
                  cJSON_Duplicate(m, 1));
        break;
    case 4: {
        cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "order");
        if (!cJSON_IsObject(o)) {
            cJSON_DeleteItemFromObjectCaseSensitive(root, "order");
            o = cJSON_AddObjectToObject(root, "order");
        }
        if (o)
            set_str(o, "category", cats[rnd_below(5)]);
        break;
    }
    default:
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "event")))
            mutate_text(m);
        break;
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    if (!g_pack)
        init();
    g_mut_rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 1;
    if (seed % 2 == 0)
        return LLVMFuzzerMutate(data, size, max_size);
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    int k = 1 + (int)rnd_below(3);
    while (k--)
        mutate_conv(root);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    size_t n = out ? strlen(out) : 0;
    if (!out || n > max_size) {
        free(out);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    memcpy(data, out, n);
    free(out);
    return n;
}
