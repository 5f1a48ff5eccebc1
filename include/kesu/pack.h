/*
 * Rule packs: word lists, reusable conditions and rules, loaded from YAML
 * text (see rules/README.md for the language) and compiled into one
 * Vectorscan database.
 *
 * ks_pack_load() is pure: it takes the texts of the pack's files and
 * returns a compiled pack or located diagnostics ("file:line:col"). Reading
 * a directory is ks_pack_load_dir(), at the I/O edge. A pack is immutable
 * once built and may be shared by any number of threads, each with its
 * own ks_scanner (include/kesu/qa.h).
 */
#ifndef KESU_PACK_H
#define KESU_PACK_H

#include <stddef.h>
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ks_pack ks_pack;

typedef struct ks_source {
    const char *name;   /* shown in diagnostics, e.g. "rules/lists.yaml" */
    const char *text;   /* YAML text, need not be NUL-terminated */
    size_t len;
} ks_source;

/*
 * Compiling a large pack's database takes Vectorscan a second or more, so
 * a program may hand the loader a cache for compiled databases. key is a
 * digest of everything the database is compiled from (patterns, flags,
 * Vectorscan version); get() returns 0 and a buffer the caller frees with
 * free(), or non-zero on a miss; put() stores a copy. Both are optional
 * best-effort: a failing cache only costs the compile.
 */
typedef struct ks_db_cache {
    int (*get)(void *arg, const char *key, char **data, size_t *len);
    void (*put)(void *arg, const char *key, const char *data, size_t len);
    void *arg;
    /* gives back data from get; NULL: free(data) */
    void (*release)(void *arg, char *data, size_t len);
} ks_db_cache;

/* ks_pack_load() with a database cache (NULL: none). */
KS_API int ks_pack_load_cached(const ks_source *srcs, size_t n,
                               const ks_db_cache *cache, ks_pack **out,
                               ks_diags *diags);

/* Builds a pack from n sources. A source whose name ends in ".tsv" is
 * the pack's n-gram model (include/kesu/model.h); a pack has at most
 * one. Errors and warnings go to diags; returns KS_ERULES if any error
 * was found (then *out is NULL). */
KS_API int ks_pack_load(const ks_source *srcs, size_t n, ks_pack **out,
                        ks_diags *diags);

/* Reads every *.yaml file of dir and its *.tsv model file, if any (sorted
 * by name), and loads them, with the compiled database cached as files
 * under $KESU_CACHE_DIR, else $XDG_CACHE_HOME/kesu, else ~/.cache/kesu
 * (KESU_CACHE_DIR=off disables it). I/O errors are reported in diags
 * too. */
KS_API int ks_pack_load_dir(const char *dir, ks_pack **out, ks_diags *diags);

KS_API void ks_pack_free(ks_pack *p);

typedef struct ks_pack_stats {
    size_t lists;       /* word lists */
    size_t words;       /* distinct literal patterns after expansion */
    size_t regexes;     /* regular-expression patterns */
    size_t regexes_as_strings; /* of them, finite ones matched as the
                                  strings they stand for ("(有|一)个?洞") */
    size_t regex_strings;      /* ... those strings */
    size_t rules;       /* incident, risk and cause rules */
    size_t examples;    /* example conversations attached to rules */
    size_t db_bytes;    /* size of the compiled Vectorscan database */
    size_t model_features;  /* weighted features of the n-gram model */
    size_t model_codes;     /* codes it may propose; 0 = no model */
} ks_pack_stats;

KS_API void ks_pack_get_stats(const ks_pack *p, ks_pack_stats *st);

/* Calls fn once per distinct literal word (normalised form), with the
 * name of the first list that holds it; stops early if fn returns != 0. */
KS_API int ks_pack_each_word(const ks_pack *p,
                             int (*fn)(const char *word, const char *list,
                                       void *arg),
                             void *arg);

/* One rule of a pack, as listed to people (kesu serve's GET /rules). */
typedef struct ks_rule_info {
    const char *name;   /* "diversion.platform" */
    const char *kind;   /* "incident", "risk" or "cause" */
    const char *code;   /* the incident code, risk level or cause name */
    const char *where;  /* file:line of its definition */
} ks_rule_info;

/* Calls fn once per rule in pack order; stops early if fn returns != 0
 * (and returns that). */
KS_API int ks_pack_each_rule(const ks_pack *p,
                             int (*fn)(const ks_rule_info *r, void *arg),
                             void *arg);

/* Runs every example conversation of every rule and reports each one
 * whose outcome differs from what the example says, as an error located
 * at the example. Returns the number of failing examples. */
KS_API size_t ks_pack_check_examples(const ks_pack *p, ks_diags *diags);

/* The coaching advice (诊断思路) of the rule named rule, else (rule NULL
 * or unknown) of the pack's first rule for incident code; NULL when the
 * pack has neither. Owned by the pack. */
KS_API const char *ks_pack_advice(const ks_pack *p, const char *rule,
                                  int code);

#ifdef __cplusplus
}
#endif
#endif
