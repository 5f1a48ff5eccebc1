/*
 * Scripts (话术) as data: templates per flow stage, cause and remedy with
 * {variables} from the case, rendered in simplified or traditional script.
 * The shipped set is rules/desk/scripts.yaml; the planner names its
 * scripts by id.
 */
#ifndef KESU_SCRIPT_H
#define KESU_SCRIPT_H

#include <stddef.h>
#include "kesu/case.h"
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ks_script {
    char *id;            /* "offer.two_choice", "soothe.product", ... */
    int stage;           /* ks_state it belongs to, -1 for any */
    int cause;           /* ks_cause, -1 for any */
    int remedy;          /* ks_remedy, -1 for any */
    char *title;         /* short label for people */
    char *text;          /* template, simplified Chinese, {var} slots */
    char *source;        /* seed / section it comes from, may be NULL */
    int incident;        /* ks_incident it rewrites, -1 for none: such a
                            script is what to say instead of a reply that
                            caused that incident (the reply guard), and
                            ks_script_pick never answers with it */
} ks_script;

typedef struct ks_scripts {
    ks_script *items;
    size_t n;
} ks_scripts;

/* Parses a scripts YAML text; errors as "name:line:col" in d (unknown
 * keys, duplicate ids, unknown stage/cause/remedy names, unbalanced or
 * unknown {variables}). */
KS_API int ks_scripts_parse(const char *text, size_t len, const char *name,
                            ks_scripts **out, ks_diags *d);
KS_API void ks_scripts_free(ks_scripts *s);

KS_API const ks_script *ks_script_get(const ks_scripts *s, const char *id);
/* The most specific script for a stage, cause and remedy (-1 = any):
 * exact matches beat wildcards; NULL when none fits. */
KS_API const ks_script *ks_script_pick(const ks_scripts *s, int stage,
                                       int cause, int remedy);

/* The rewrite for a reply that caused incident code; NULL when none. */
KS_API const ks_script *ks_script_for_incident(const ks_scripts *s,
                                               int code);

typedef struct ks_var {
    const char *name;    /* without braces */
    const char *value;
} ks_var;

/* Renders a template: {name} is replaced by its value; a variable missing
 * from vars renders as "[name]" so the agent sees what to fill in. With
 * traditional set, the result is converted to traditional script (OpenCC
 * data, generated at build time). *out is allocated. */
KS_API int ks_script_render(const ks_script *sc, const ks_var *vars,
                            size_t nvars, int traditional, char **out);

/* Simplified -> traditional, code point by code point. */
KS_API int ks_to_traditional(const char *in, size_t len, char **out);

/* The variables every case provides: customer, product (sku), order,
 * price, amount, deadline, tracking, agent, shop. Fills vars/bufs from the
 * case; returns the count. bufs must hold at least 512 bytes. */
KS_API size_t ks_case_vars(const ks_case *c, double amount,
                           const char *tracking, ks_var *vars,
                           size_t maxvars, char *bufs, size_t bufcap);

#ifdef __cplusplus
}
#endif
#endif
