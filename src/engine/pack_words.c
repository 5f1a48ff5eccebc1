/*
 * Word lists -> literal patterns.
 *
 * A word may hold character classes, "[淘桃陶]宝", expanded here (at most
 * KS_MAX_EXPANSIONS literals per word). Each literal is normalised exactly
 * like message text, so "淘寶", "ＴＢ" and "淘 宝" in a list all become
 * the pattern a message would show. Identical literals from different
 * lists share one pattern with several targets.
 */
#include "pack_int.h"
#include "kesu/alloc.h"
#include "kesu/text.h"

#include <string.h>

#define KS_MAX_EXPANSIONS 256
#define KS_MAX_WORD 512

struct ks_litset {
    ks_lit *lits;
    size_t n, cap;
    size_t *slots;      /* open addressing: index+1, 0 = empty */
    size_t nslots;
    size_t nregex;
    ks_text scratch;
};

int ks_litset_new(ks_litset **out)
{
    ks_litset *ls = ks_calloc(1, sizeof *ls);
    if (!ls)
        return KS_ENOMEM;
    ls->nslots = 1024;
    ls->slots = ks_calloc(ls->nslots, sizeof *ls->slots);
    if (!ls->slots) {
        ks_free(ls);
        return KS_ENOMEM;
    }
    *out = ls;
    return KS_OK;
}

static void lit_free(ks_lit *l)
{
    ks_free(l->where);
    ks_free(l->text);
    ks_free(l->targets);
}

void ks_litset_free(ks_litset *ls)
{
    if (!ls)
        return;
    for (size_t i = 0; i < ls->n; i++)
        lit_free(&ls->lits[i]);
    ks_free(ls->lits);
    ks_free(ls->slots);
    ks_text_free(&ls->scratch);
    ks_free(ls);
}

static uint64_t hash(const char *s, size_t n, int is_regex)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)is_regex;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int rehash(ks_litset *ls)
{
    size_t nslots = ls->nslots * 2;
    size_t *slots = ks_calloc(nslots, sizeof *slots);
    if (!slots)
        return KS_ENOMEM;
    for (size_t i = 0; i < ls->n; i++) {
        ks_lit *l = &ls->lits[i];
        size_t k = hash(l->text, l->len, l->is_regex) & (nslots - 1);
        while (slots[k])
            k = (k + 1) & (nslots - 1);
        slots[k] = i + 1;
    }
    ks_free(ls->slots);
    ls->slots = slots;
    ls->nslots = nslots;
    return KS_OK;
}

static int add_target(ks_lit *l, uint32_t target)
{
    for (size_t i = 0; i < l->ntargets; i++)
        if (l->targets[i] == target)
            return KS_OK;
    uint32_t *t = ks_realloc(l->targets, (l->ntargets + 1) * sizeof *t);
    if (!t)
        return KS_ENOMEM;
    t[l->ntargets++] = target;
    l->targets = t;
    return KS_OK;
}

static int is_token(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Short ASCII ends ("tb", "jd", "v信") and numbers ("12315") must stand
 * alone; long words ("taobao") are distinctive enough inside URLs. */
static void set_bounds(ks_lit *l)
{
    size_t lead = 0, trail = 0;
    while (lead < l->len && is_token((unsigned char)l->text[lead]))
        lead++;
    while (trail < l->len && is_token((unsigned char)l->text[l->len - 1 - trail]))
        trail++;
    int digits_only = 1;
    for (size_t i = 0; i < l->len; i++)
        digits_only &= l->text[i] >= '0' && l->text[i] <= '9';
    l->pure_alnum = lead == l->len;
    l->bound_left = lead > 0 && (lead <= 4 || digits_only);
    l->bound_right = trail > 0 && (trail <= 4 || digits_only);
}

static int insert(ks_litset *ls, const char *text, size_t len, int is_regex,
                  uint32_t target)
{
    size_t k = hash(text, len, is_regex) & (ls->nslots - 1);
    while (ls->slots[k]) {
        ks_lit *l = &ls->lits[ls->slots[k] - 1];
        if (l->is_regex == is_regex && l->len == len &&
            memcmp(l->text, text, len) == 0)
            return add_target(l, target);
        k = (k + 1) & (ls->nslots - 1);
    }
    if (ks_grow(&ls->lits, &ls->cap, ls->n, sizeof *ls->lits, 256))
        return KS_ENOMEM;
    ks_lit *l = &ls->lits[ls->n];
    memset(l, 0, sizeof *l);
    l->text = ks_strndup(text, len);
    if (!l->text)
        return KS_ENOMEM;
    l->len = len;
    l->is_regex = is_regex;
    if (!is_regex)
        set_bounds(l);
    if (add_target(l, target)) {
        lit_free(l);
        return KS_ENOMEM;
    }
    ls->slots[k] = ++ls->n;
    ls->nregex += is_regex != 0;
    return ls->n * 2 > ls->nslots ? rehash(ls) : KS_OK;
}

/* One parsed piece of a word: a fixed string or a class of characters. */
typedef struct piece {
    const char *alts[64];   /* start of each alternative */
    size_t lens[64];
    size_t n;
} piece;

static int parse_pieces(const char *w, piece *ps, size_t *np, const char **err)
{
    size_t n = 0;
    const char *p = w;
    while (*p) {
        if (n == 32) {
            *err = "word has too many parts";
            return KS_EINVAL;
        }
        piece *pc = &ps[n++];
        pc->n = 0;
        if (*p == '[') {
            p++;
            while (*p && *p != ']') {
                if (pc->n == 64) {
                    *err = "character class holds more than 64 characters";
                    return KS_EINVAL;
                }
                uint32_t cp;
                size_t l = ks_utf8_decode(p, &cp);
                pc->alts[pc->n] = p;
                pc->lens[pc->n++] = l;
                p += l;
            }
            if (*p != ']') {
                *err = "unclosed '[' in word";
                return KS_EINVAL;
            }
            if (pc->n == 0) {
                *err = "empty character class '[]' in word";
                return KS_EINVAL;
            }
            p++;
        } else {
            const char *s = p;
            while (*p && *p != '[')
                p++;
            pc->alts[0] = s;
            pc->lens[0] = (size_t)(p - s);
            pc->n = 1;
        }
    }
    *np = n;
    return KS_OK;
}

int ks_litset_add_word(ks_litset *ls, const char *word, uint32_t list,
                       int is_except, const char **err)
{
    piece ps[32];
    size_t np = 0, total = 1;
    *err = NULL;
    if (strlen(word) > KS_MAX_WORD) {
        *err = "word is longer than 512 bytes";
        return KS_EINVAL;
    }
    int rc = parse_pieces(word, ps, &np, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < np; i++) {
        total *= ps[i].n;
        if (total > KS_MAX_EXPANSIONS) {
            *err = "word expands to more than 256 variants";
            return KS_EINVAL;
        }
    }
    char buf[KS_MAX_WORD + 1];
    uint32_t target = list << 1 | (is_except ? 1u : 0u);
    for (size_t v = 0; v < total; v++) {
        size_t len = 0, rest = v;
        for (size_t i = 0; i < np; i++) {
            size_t k = rest % ps[i].n;
            rest /= ps[i].n;
            memcpy(buf + len, ps[i].alts[k], ps[i].lens[k]);
            len += ps[i].lens[k];
        }
        if ((rc = ks_normalize(buf, len, &ls->scratch)))
            return rc;
        if (ls->scratch.len == 0) {
            *err = "word is empty after normalisation";
            return KS_EINVAL;
        }
        if ((rc = insert(ls, ls->scratch.norm, ls->scratch.len, 0, target)))
            return rc;
    }
    return (int)total;
}

int ks_litset_add_regex(ks_litset *ls, const char *re, uint32_t list,
                        int is_except, const char *where)
{
    size_t before = ls->n;
    int rc = insert(ls, re, strlen(re), 1, list << 1 | (is_except ? 1u : 0u));
    if (rc == KS_OK && ls->n > before &&
        !(ls->lits[ls->n - 1].where = ks_strdup(where)))
        return KS_ENOMEM;
    return rc;
}

void ks_litset_finish(ks_litset *ls, ks_pack *p)
{
    /* which lists have exceptions decides which words keep every match */
    uint8_t *has_exc = ks_calloc(p->nlists ? p->nlists : 1, 1);
    for (size_t i = 0; has_exc && i < ls->n; i++)
        for (size_t t = 0; t < ls->lits[i].ntargets; t++)
            if (ls->lits[i].targets[t] & 1u)
                has_exc[ls->lits[i].targets[t] >> 1] = 1;
    for (size_t i = 0; i < ls->n; i++) {
        ks_lit *l = &ls->lits[i];
        l->keep_all = !has_exc;    /* out of memory: keep all, still right */
        for (size_t t = 0; has_exc && t < l->ntargets; t++)
            l->keep_all |= (l->targets[t] & 1u) || has_exc[l->targets[t] >> 1];
    }
    ks_free(has_exc);
    p->lits = ls->lits;
    p->nlits = ls->n;
    p->nregex = ls->nregex;
    ls->lits = NULL;
    ls->n = ls->cap = 0;
}
