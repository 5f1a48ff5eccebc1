/*
 * YAML rule pack -> ks_pack (the language is documented in
 * rules/README.md).
 *
 * Loading runs in passes over all files, so a rule may use a list or a
 * condition defined in any file: (1) parse every file, (2) lists and
 * conditions, (3) rules, (4) unused-definition warnings and compilation.
 * Every problem is reported with file:line:col and loading goes on, so a
 * lead sees all mistakes at once; unknown keys are errors, never ignored.
 */
#include "pack_int.h"
#include "pack_load_int.h"
#include "kesu/alloc.h"
#include "kesu/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const list_keys[] = {"list", "desc", "words", "regex",
                                        "except", NULL};
static const char *const cond_keys[] = {"condition", "desc", "by", "has",
                                        "has_all", "lacks", "event",
                                        "reply_delay_over", NULL};

int ks_ld_error(ks_loader *L, ks_ydoc *doc, const yaml_node_t *n,
                const char *fmt, const char *arg)
{
    char where[512];
    ks_ywhere(doc, n, where, sizeof where);
    ks_diags_add(L->d, 0, where, fmt, arg ? arg : "");
    return KS_ERULES;
}

int ks_ld_find_list(const ks_loader *L, const char *name)
{
    for (size_t i = 0; i < L->p->nlists; i++)
        if (strcmp(L->p->lists[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Checking a regex costs about as much as loading the rest of the pack
 * from the cache, so a list whose regexes all passed is remembered in the
 * database cache, keyed by the Vectorscan version and the regexes: the
 * next load of the same list skips the checks. A list with a bad regex is
 * never remembered, so its errors are reported every time. */
static void regex_list_key(yaml_node_t *seq, ks_ydoc *doc, char out[40])
{
    uint64_t h[2] = {1469598103934665603ull, 0x84222325cbf29ce4ull};
    const char *ver = hs_version();
    for (int k = 0; k < 2; k++) {
        for (const char *c = ver; *c; c++)
            h[k] = (h[k] ^ (unsigned char)*c) * 1099511628211ull;
        for (yaml_node_item_t *it = seq->data.sequence.items.start;
             it < seq->data.sequence.items.top; it++) {
            const char *w = ks_yscalar(ks_ynode(doc, *it));
            for (const char *c = w ? w : ""; *c; c++)
                h[k] = (h[k] ^ (unsigned char)*c) * 1099511628211ull;
            h[k] = (h[k] ^ 0xFF) * 1099511628211ull;
        }
    }
    snprintf(out, 40, "rx-%016llx%016llx", (unsigned long long)h[0],
             (unsigned long long)h[1]);
}

static const char regex_ok[] = "regexes checked\n";

static int regexes_checked(const ks_loader *L, const char *key)
{
    char *data = NULL;
    size_t len = 0;
    if (!L->cache || !L->cache->get ||
        L->cache->get(L->cache->arg, key, &data, &len) != 0)
        return 0;
    int ok = len == sizeof regex_ok - 1 && !memcmp(data, regex_ok, len);
    if (L->cache->release)
        L->cache->release(L->cache->arg, data, len);
    else
        free(data);
    return ok;
}

static int add_list_words(ks_loader *L, ks_ydoc *doc, yaml_node_t *seq,
                          uint32_t id, int is_except, int is_regex)
{
    if (!seq)
        return KS_OK;
    if (seq->type != YAML_SEQUENCE_NODE)
        return ks_ld_error(L, doc, seq, "expected a list of words%s", NULL);
    int rc = KS_OK;
    char key[40];
    int checked = 0;
    if (is_regex && L->cache) {
        regex_list_key(seq, doc, key);
        checked = regexes_checked(L, key);
    }
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++) {
        yaml_node_t *wn = ks_ynode(doc, *it);
        const char *w = ks_yscalar(wn);
        if (!w || !*w) {
            rc = ks_ld_error(L, doc, wn, "a word must be a non-empty string%s",
                             wn && wn->type == YAML_MAPPING_NODE
                                 ? " (quote a word that contains \": \")"
                                 : NULL);
            continue;
        }
        if (is_regex) {
            char buf[256];
            const char *msg = checked ? NULL
                                      : ks_regex_check(w, buf, sizeof buf);
            if (msg) {
                rc = ks_ld_error(L, doc, wn, "bad regex: %s", msg);
                continue;
            }
            char where[512];
            if (ks_litset_add_regex(L->ls, w, id, is_except,
                                    ks_ywhere(doc, wn, where, sizeof where)))
                return KS_ENOMEM;
            continue;
        }
        const char *err;
        int n = ks_litset_add_word(L->ls, w, id, is_except, &err);
        if (n == KS_ENOMEM)
            return n;
        if (n < 0)
            rc = ks_ld_error(L, doc, wn, "%s", err);
    }
    if (is_regex && L->cache && L->cache->put && !checked && rc == KS_OK)
        L->cache->put(L->cache->arg, key, regex_ok, sizeof regex_ok - 1);
    return rc;
}

static int load_list(ks_loader *L, ks_ydoc *doc, yaml_node_t *item)
{
    int bad = ks_ycheck_keys(doc, item, list_keys, "a list", L->d);
    yaml_node_t *nn = ks_yget(doc, item, "list");
    const char *name = ks_yscalar(nn);
    if (!name || !*name)
        return ks_ld_error(L, doc, item, "list needs a name%s", NULL);
    int dup = ks_ld_find_list(L, name);
    if (dup >= 0)
        return ks_ld_error(L, doc, nn, "list \"%s\" is defined twice", name);
    yaml_node_t *words = ks_yget(doc, item, "words");
    yaml_node_t *regex = ks_yget(doc, item, "regex");
    if (!words && !regex)
        return ks_ld_error(L, doc, item, "list \"%s\" has neither words nor "
                                         "regex", name);
    ks_list *lists = ks_realloc(L->p->lists,
                                (L->p->nlists + 1) * sizeof *lists);
    if (!lists)
        return KS_ENOMEM;
    L->p->lists = lists;
    ks_list *l = &lists[L->p->nlists];
    char where[512];
    l->name = ks_strdup(name);
    l->where = ks_strdup(ks_ywhere(doc, nn, where, sizeof where));
    l->used = 0;
    uint32_t id = (uint32_t)L->p->nlists++;   /* ks_pack_free owns it now */
    if (!l->name || !l->where)
        return KS_ENOMEM;
    int rc1 = add_list_words(L, doc, words, id, 0, 0);
    int rc2 = add_list_words(L, doc, regex, id, 0, 1);
    int rc3 = add_list_words(L, doc, ks_yget(doc, item, "except"), id, 1, 0);
    if (rc1 == KS_ENOMEM || rc2 == KS_ENOMEM || rc3 == KS_ENOMEM)
        return KS_ENOMEM;
    return bad || rc1 || rc2 || rc3 ? KS_ERULES : KS_OK;
}

static int load_condition(ks_loader *L, size_t di, yaml_node_t *item)
{
    ks_ydoc *doc = &L->docs[di];
    int bad = ks_ycheck_keys(doc, item, cond_keys, "a condition", L->d);
    yaml_node_t *nn = ks_yget(doc, item, "condition");
    const char *name = ks_yscalar(nn);
    if (!name || !*name)
        return ks_ld_error(L, doc, item, "condition needs a name%s", NULL);
    for (size_t i = 0; i < L->nconds; i++)
        if (strcmp(L->conds[i].name, name) == 0)
            return ks_ld_error(L, doc, nn, "condition \"%s\" is defined twice",
                               name);
    ks_cond_def *c = ks_realloc(L->conds, (L->nconds + 1) * sizeof *c);
    if (!c)
        return KS_ENOMEM;
    L->conds = c;
    L->conds[L->nconds++] = (ks_cond_def){name, di, item, 0};
    return bad ? KS_ERULES : KS_OK;
}

/* Which kind of entry item is (0 list, 1 condition, 2 rule, 3 reply
 * clock), or -1. With
 * report set, a malformed entry is reported (done once, in the first pass). */
static int item_kind(ks_loader *L, ks_ydoc *doc, yaml_node_t *item, int report)
{
    static const char *const kinds[] = {"list", "condition", "rule",
                                        "reply_clock"};
    int kind = -1, n = 0;
    if (item->type == YAML_MAPPING_NODE)
        for (int k = 0; k < 4; k++)
            if (ks_yget(doc, item, kinds[k])) {
                kind = k;
                n++;
            }
    if (n == 1)
        return kind;
    if (report)
        ks_ld_error(L, doc, item, "each entry must be a mapping with exactly "
                                  "one of list:, condition:, rule: or "
                                  "reply_clock:%s", NULL);
    return -1;
}

/* Runs fn over every entry of every file whose kind is `want`; the first
 * pass (want == 0) also reports malformed files and entries. */
static int each_item(ks_loader *L, int want,
                     int (*fn)(ks_loader *, size_t, yaml_node_t *))
{
    int rc = KS_OK;
    for (size_t di = 0; di < L->ndocs; di++) {
        ks_ydoc *doc = &L->docs[di];
        yaml_node_t *root = yaml_document_get_root_node(&doc->doc);
        if (!root)
            continue;
        if (root->type != YAML_SEQUENCE_NODE) {
            if (want == 0)
                rc = ks_ld_error(L, doc, root, "a rule file is a list of "
                                               "entries (- list: …, "
                                               "- condition: …, - rule: …)%s",
                                 NULL);
            continue;
        }
        for (yaml_node_item_t *it = root->data.sequence.items.start;
             it < root->data.sequence.items.top; it++) {
            yaml_node_t *item = ks_ynode(doc, *it);
            int kind = item_kind(L, doc, item, want == 0);
            if (kind < 0 && want == 0)
                rc = KS_ERULES;
            if (kind != want)
                continue;
            int r = fn(L, di, item);
            if (r == KS_ENOMEM)
                return r;
            if (r)
                rc = KS_ERULES;
        }
    }
    return rc;
}

static int list_item(ks_loader *L, size_t di, yaml_node_t *item)
{
    return load_list(L, &L->docs[di], item);
}

static int cond_item(ks_loader *L, size_t di, yaml_node_t *item)
{
    return load_condition(L, di, item);
}

static int rule_item(ks_loader *L, size_t di, yaml_node_t *item)
{
    return ks_ld_rule(L, di, item);
}

static void warn_unused(ks_loader *L)
{
    for (size_t i = 0; i < L->p->nlists; i++)
        if (!L->p->lists[i].used)
            ks_diags_add(L->d, 1, L->p->lists[i].where,
                         "list \"%s\" is not used by any rule or condition",
                         L->p->lists[i].name);
    for (size_t i = 0; i < L->nconds; i++)
        if (!L->conds[i].used) {
            char where[512];
            ks_ywhere(&L->docs[L->conds[i].doc], L->conds[i].node, where,
                      sizeof where);
            ks_diags_add(L->d, 1, where,
                         "condition \"%s\" is not used by any rule",
                         L->conds[i].name);
        }
}

static int load_all(ks_loader *L, const ks_source *srcs, size_t n)
{
    int rc = KS_OK;
    for (size_t i = 0; i < n; i++) {
        int r = ks_ydoc_load(&L->docs[i], srcs[i].name, srcs[i].text,
                             srcs[i].len, L->d);
        if (r == KS_ENOMEM)
            return r;
        if (r)
            rc = KS_ERULES;
        L->ndocs = i + 1;
    }
    if (rc)
        return rc;
    if ((rc = each_item(L, 0, list_item)) == KS_ENOMEM)
        return rc;
    int rc2 = each_item(L, 1, cond_item);
    if (rc2 == KS_ENOMEM)
        return rc2;
    L->p->bitwords = (L->p->nlists + 63) / 64;
    if (!L->p->bitwords)
        L->p->bitwords = 1;
    int rc4 = each_item(L, 3, ks_ld_reply_clock);
    if (rc4 == KS_ENOMEM)
        return rc4;
    int rc3 = each_item(L, 2, rule_item);
    if (rc3 == KS_ENOMEM)
        return rc3;
    if (rc || rc2 || rc3 || rc4)
        return KS_ERULES;
    if (L->p->nrules == 0) {
        ks_diags_add(L->d, 0, n ? srcs[0].name : "pack",
                     "the pack defines no rules");
        return KS_ERULES;
    }
    warn_unused(L);
    ks_litset_finish(L->ls, L->p);
    if (ks_clock_finish(L->p))
        return KS_ENOMEM;
    return ks_pack_compile(L->p, L->cache, L->d);
}

int ks_pack_load(const ks_source *srcs, size_t n, ks_pack **out,
                 ks_diags *diags)
{
    return ks_pack_load_cached(srcs, n, NULL, out, diags);
}

static int load_yaml(const ks_source *srcs, size_t n,
                     const ks_db_cache *cache, ks_pack **out,
                     ks_diags *diags)
{
    ks_loader L = {0};
    *out = NULL;
    L.d = diags;
    L.cache = cache;
    L.p = ks_calloc(1, sizeof *L.p);
    L.docs = ks_calloc(n ? n : 1, sizeof *L.docs);
    int rc = !L.p || !L.docs ? KS_ENOMEM : ks_litset_new(&L.ls);
    if (rc == KS_OK)
        rc = load_all(&L, srcs, n);
    for (size_t i = 0; i < L.ndocs; i++)
        ks_ydoc_free(&L.docs[i]);
    ks_free(L.docs);
    ks_free(L.conds);
    ks_litset_free(L.ls);
    if (rc == KS_ENOMEM)
        ks_diags_add(diags, 0, "pack", "out of memory while loading");
    if (rc) {
        ks_pack_free(L.p);
        return rc == KS_ENOMEM ? rc : KS_ERULES;
    }
    *out = L.p;
    return KS_OK;
}

static int is_model(const ks_source *s)
{
    size_t l = strlen(s->name);
    return l > 4 && strcmp(s->name + l - 4, ".tsv") == 0;
}

/* The model needs the rules (for advice), so it is read after them. */
static int load_model(ks_pack *p, const ks_source *srcs, size_t n,
                      ks_diags *d)
{
    const ks_source *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!is_model(&srcs[i]))
            continue;
        if (first) {
            ks_diags_add(d, 0, srcs[i].name, "a second model file (the "
                         "pack already has %s)", first->name);
            return KS_ERULES;
        }
        first = &srcs[i];
    }
    if (!first)
        return KS_OK;
    int rc = ks_model_parse(first->name, first->text, first->len, &p->model,
                            d);
    for (int c = 0; rc == KS_OK && c < KS_INC_COUNT; c++)
        if ((ks_model_codes(p->model) >> c & 1) &&
            !ks_pack_advice(p, NULL, c))
            ks_diags_add(d, 1, first->name, "the model proposes %s, but "
                         "no rule gives advice for it", ks_incident_name(c));
    return rc;
}

int ks_pack_load_cached(const ks_source *srcs, size_t n,
                        const ks_db_cache *cache, ks_pack **out,
                        ks_diags *diags)
{
    ks_source *yaml = ks_calloc(n ? n : 1, sizeof *yaml);
    size_t ny = 0;
    *out = NULL;
    if (!yaml) {
        ks_diags_add(diags, 0, "pack", "out of memory while loading");
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_model(&srcs[i]))
            yaml[ny++] = srcs[i];
    int rc = load_yaml(yaml, ny, cache, out, diags);
    ks_free(yaml);
    if (rc == KS_OK && (rc = load_model(*out, srcs, n, diags))) {
        ks_pack_free(*out);
        *out = NULL;
        if (rc != KS_ENOMEM)
            rc = KS_ERULES;
    }
    return rc;
}
