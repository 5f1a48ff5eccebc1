/*
 * Fault analysis (seed 000 §二, §五) and the resolution planner (seed 000
 * §三, §四, §六; seed 002; seed 003's refund types; SPEC 2.5's legal
 * floors). Pure functions over a case and the policy; every conclusion
 * comes with the reasoning lines shown to the agent.
 */
#ifndef KESU_PLAN_H
#define KESU_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/case.h"
#include "kesu/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A growable list of owned strings (reasoning lines, checklist items). */
typedef struct ks_lines {
    char **items;
    size_t n, cap;
} ks_lines;
KS_API int ks_lines_addf(ks_lines *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
KS_API void ks_lines_free(ks_lines *l);

typedef struct ks_fault_input {
    const ks_case *c;        /* order, feedback_at, other_units_bad,
                                transit_damage, safety */
    int batch_reports;       /* cases about the same sku+batch, this one
                                included (from storage); 0 if unknown */
    int64_t now;             /* used when feedback_at is unknown */
} ks_fault_input;

typedef struct ks_fault_result {
    ks_fault fault;
    int seller_side;         /* product, batch or logistics: the shop's */
    int in_window;           /* feedback within the after-sales window:
                                1, 0, or -1 when dates are missing */
    int past_shelf_life;     /* 1, 0, or -1 unknown */
    int transit_days;        /* shipped (or ordered) -> delivered, -1 */
    int feedback_days;       /* delivered -> feedback, -1 */
    ks_lines why;            /* reasoning, one line per fact, Chinese */
} ks_fault_result;

KS_API int ks_fault_analyze(const ks_fault_input *in, const ks_policy *p,
                            ks_fault_result *out);
KS_API void ks_fault_result_free(ks_fault_result *r);

typedef struct ks_plan_input {
    const ks_case *c;
    const ks_fault_result *fault;
    int prior_orders;        /* customer history: earlier orders */
    int prior_complaints;    /* earlier complaints (habitual claimant?) */
    int refused_offers;      /* offers the customer has turned down: the
                                ladder climbs one step per refusal */
} ks_plan_input;

typedef struct ks_offer {
    ks_remedy remedy;
    double amount;           /* yuan; < 0 when not a sum */
    int step;                /* ladder step (1-based), 0 if not a ladder */
    int choice_group;        /* offers sharing a group are one 2选1 */
    const char *script;      /* id of the matching script (script.h) */
    char *why;               /* one line, Chinese */
} ks_offer;

typedef struct ks_plan {
    ks_lines checklist;      /* do these first (safety: seed 002) */
    ks_offer *offers;        /* in the order to make them */
    size_t noffers;
    ks_remedy refund_type;   /* seed 003 table: refund / return_refund /
                                exchange for this cause x responsibility */
    const char *responsibility; /* "seller" or "buyer" */
    ks_lines refund_advice;  /* the table row's advice */
    ks_lines tips;           /* legal risk tips that apply */
    int escalate_to_lead;    /* critical risk or safety */
    int flag_batch;          /* report to 质检/召回/下架 */
} ks_plan;

KS_API int ks_plan_make(const ks_plan_input *in, const ks_policy *p,
                        ks_plan *out);
KS_API void ks_plan_free(ks_plan *pl);

#ifdef __cplusplus
}
#endif
#endif
