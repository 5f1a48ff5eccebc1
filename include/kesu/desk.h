/*
 * The complaint desk's operations on a stored case: what `kesu case` and
 * `kesu serve` both do (the analysis, the case as JSON, and every change:
 * create, move, set, promise, keep, resolve, note). Each change is checked
 * first (input, flow guards, policy deadlines) and saved with exactly one
 * audit event; a refusal saves nothing.
 *
 * The caller loads the case (ks_store_case_get) and decides who may touch
 * it; these functions take it from there. On a refusal the in-memory case
 * may be partly changed: discard it.
 */
#ifndef KESU_DESK_H
#define KESU_DESK_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/case.h"
#include "kesu/plan.h"
#include "kesu/policy.h"
#include "kesu/script.h"
#include "kesu/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What every operation works with. */
typedef struct ks_desk_env {
    ks_store *store;           /* NULL: analysis without store counts */
    const ks_policy *policy;   /* required */
    const ks_scripts *scripts; /* NULL: no scripts rendered */
    int64_t now;
    const char *actor;         /* audit log and note author */
    int traditional;           /* scripts in traditional script */
} ks_desk_env;

/* Facts that new, move and set record; each optional. */
#define KS_FACT_UNSET (-2)
typedef struct ks_case_facts {
    /* KS_FACT_UNSET, or -1 unknown, 0 no, 1 yes */
    int other_units_bad, transit_damage, person_checked;
    int risk;                  /* ks_risk, -1 unset */
    int set_causes;            /* causes given (may be 0: none) */
    uint32_t causes;
    int refused_offer;         /* the customer turned one more offer down */
    int batch_issue;           /* flag as a batch quality issue */
    const char *note, *evidence, *conv;   /* NULL unset; "" is refused */
} ks_case_facts;

KS_API void ks_case_facts_init(ks_case_facts *f);
/* Did f set anything? */
KS_API int ks_case_facts_any(const ks_case_facts *f);

/* ISO 8601 in the policy's zone ("2024-06-05T10:00:00+08:00"). */
KS_API const char *ks_desk_iso(const ks_desk_env *e, int64_t t,
                               char buf[40]);

/* Fault analysis and plan for a case (batch and customer counts from the
 * store when there is one). Free both even on failure. */
KS_API int ks_desk_analyse(const ks_desk_env *e, const ks_case *c,
                           ks_fault_result *fr, ks_plan *pl);
/* Renders script `id` with the case's variables (plus the category's
 * after-sales days and today's date); NULL when unknown. Free with
 * free(). */
KS_API char *ks_desk_render(const ks_desk_env *e, const ks_case *c,
                            const char *id, double amount);
/* The sum an offer's script quotes: in a 2选1 the group's amount. */
KS_API double ks_plan_script_amount(const ks_plan *pl, size_t i);

/* The case as `kesu case show --format json` prints it (case, fault,
 * plan with offers and their scripts, promises); *out is a JSON object
 * text, free with free(). */
KS_API int ks_desk_case_json(const ks_desk_env *e, const ks_case *c,
                             char **out);

/*
 * Changes. Return KS_OK (saved, c updated), KS_EINVAL (bad input; d
 * names the field), KS_ESTATE (refused by the flow or the case's state;
 * d's message is the reason, citing the seed), KS_ENOENT (keep: no such
 * promise), or a store error.
 */
/* c holds what was given (customer, shop, agent, order, feedback_at,
 * safety); stamps the times, raises a safety case to critical, applies
 * f, creates it (c->id set). */
KS_API int ks_desk_create(const ks_desk_env *e, ks_case *c,
                          const ks_case_facts *f, ks_diags *d);
KS_API int ks_desk_move(const ks_desk_env *e, ks_case *c, ks_state to,
                        const ks_case_facts *f, ks_diags *d);
/* KS_EINVAL when f sets nothing. */
KS_API int ks_desk_set(const ks_desk_env *e, ks_case *c,
                       const ks_case_facts *f, ks_diags *d);
/* due_at KS_TIME_NONE: the policy's deadline of the kind (else a day). */
KS_API int ks_desk_promise(const ks_desk_env *e, ks_case *c,
                           ks_promise_kind kind, const char *text,
                           int64_t due_at, ks_diags *d);
KS_API int ks_desk_keep(const ks_desk_env *e, ks_case *c, int64_t promise,
                        const char *note, ks_diags *d);
/* amount < 0: none. Moves to resolving (a refusal stays negotiating) and
 * adds the promises the remedy implies. */
KS_API int ks_desk_resolve(const ks_desk_env *e, ks_case *c, ks_remedy r,
                           double amount, const char *note, ks_diags *d);
KS_API int ks_desk_note(const ks_desk_env *e, ks_case *c, const char *text,
                        ks_diags *d);

#ifdef __cplusplus
}
#endif
#endif
