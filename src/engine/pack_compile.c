/*
 * Every word of every list -> one Vectorscan block-mode database, so a
 * message is scanned once whatever the size of the pack. Literals are
 * compiled as fully escaped expressions (Vectorscan recognises them as
 * literals); regexes get leftmost start-of-match so evidence can be shown.
 */
#include "pack_int.h"
#include "kesu/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *escape_literal(const ks_lit *l)
{
    char *out = ks_malloc(l->len * 4 + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < l->len; i++) {
        snprintf(o, 5, "\\x%02x", (unsigned char)l->text[i]);
        o += 4;
    }
    *o = '\0';
    return out;
}

const char *ks_regex_check(const char *re, char *buf, size_t bufsz)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    /* A full compile, not hs_expression_info(): only compiling finds
     * patterns that are too large, and the lead needs that error located
     * at the regex, not at the whole pack. */
    if (hs_compile(re, HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST, HS_MODE_BLOCK,
                   NULL, &db, &err) != HS_SUCCESS) {
        snprintf(buf, bufsz, "%s", err ? err->message : "invalid regex");
        hs_free_compile_error(err);
        return buf;
    }
    hs_free_database(db);
    hs_expr_info_t *info = NULL;
    if (hs_expression_info(re, HS_FLAG_UTF8, &info, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        return NULL;
    }
    int empty = info->min_width == 0;
    free(info);   /* allocated with the misc allocator, malloc by default */
    if (empty) {
        snprintf(buf, bufsz, "regex can match the empty string");
        return buf;
    }
    return NULL;
}

int ks_pack_compile(ks_pack *p, ks_diags *d)
{
    if (p->nlits == 0)
        return KS_OK;
    const char **exprs = ks_calloc(p->nlits, sizeof *exprs);
    unsigned *flags = ks_calloc(p->nlits, sizeof *flags);
    unsigned *ids = ks_calloc(p->nlits, sizeof *ids);
    int rc = KS_OK;
    if (!exprs || !flags || !ids) {
        rc = KS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < p->nlits; i++) {
        const ks_lit *l = &p->lits[i];
        ids[i] = (unsigned)i;
        if (l->is_regex) {
            exprs[i] = l->text;
            flags[i] = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
        } else if (!(exprs[i] = escape_literal(l))) {
            rc = KS_ENOMEM;
            goto out;
        }
    }
    hs_compile_error_t *err = NULL;
    if (hs_compile_multi(exprs, flags, ids, (unsigned)p->nlits, HS_MODE_BLOCK,
                         NULL, &p->db, &err) != HS_SUCCESS) {
        int at = err ? err->expression : -1;
        char where[64] = "pack";
        if (at >= 0)
            snprintf(where, sizeof where, "pattern %d", at);
        ks_diags_add(d, 0, where, "Vectorscan refused the pack: %s%s%s",
                     err ? err->message : "unknown error",
                     at >= 0 ? " in " : "", at >= 0 ? p->lits[at].text : "");
        hs_free_compile_error(err);
        rc = KS_ERULES;
    }
out:
    if (exprs)
        for (size_t i = 0; i < p->nlits; i++)
            if (!p->lits[i].is_regex)
                ks_free((void *)exprs[i]);
    ks_free(exprs);
    ks_free(flags);
    ks_free(ids);
    return rc;
}
