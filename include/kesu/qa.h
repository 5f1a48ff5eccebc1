/*
 * The QA engine: one conversation in, risk, causes and service-incident
 * findings out (SPEC 3.2).
 *
 * A ks_scanner holds one thread's scratch space (Vectorscan scratch,
 * normalisation buffers); it is not thread-safe, but any number of
 * scanners may share one pack. ks_qa() reuses the result's storage.
 */
#ifndef KESU_QA_H
#define KESU_QA_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/codes.h"
#include "kesu/conv.h"
#include "kesu/pack.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ks_finding {
    ks_incident code;
    const char *rule;     /* rule name; owned by the pack */
    const char *advice;   /* coaching advice; owned by the pack */
    size_t msg;           /* index into conv->msgs */
    uint32_t start, end;  /* code point span in that message's text */
    double score;         /* the model's score less its threshold: > 0
                             for its findings and suspicions, < 0 for a
                             withheld finding; 0 for a rule's finding */
} ks_finding;

/* Findings are what the rules found, joined by the pack's n-gram model
 * (include/kesu/model.h) per code:
 *   - a code the model scores at or past its promote level is a finding
 *     (rule "model.CODE") though no rule found it;
 *   - one it scores past the threshold but below promote is a suspicion,
 *     for a lead to review: there the model is less precise on
 *     near-misses the rules were written against (a correct refusal, a
 *     factual claim), yet finds phrasings no rule knows;
 *   - the rules' findings of a code it scores below its withhold level
 *     are withheld: kept apart, with the score, so a lead can see what
 *     the rules said and why it was not counted. */
typedef struct ks_result {
    ks_risk risk;
    uint32_t causes;       /* bit (1u << ks_cause) per cause shown */
    ks_finding *findings;  /* in message order */
    size_t nfindings;
    size_t cap;
    ks_finding *suspects;  /* in message order; rule "model.CODE" */
    size_t nsuspects;
    size_t capsuspects;
    ks_finding *withheld;  /* in message order; the rules' names */
    size_t nwithheld;
    size_t capwithheld;
} ks_result;

typedef struct ks_scanner ks_scanner;

KS_API int ks_scanner_new(const ks_pack *p, ks_scanner **out);
KS_API void ks_scanner_free(ks_scanner *s);

/* Judges one conversation. The result stays valid until the next call
 * with the same result or ks_result_free(). */
KS_API int ks_qa(ks_scanner *s, const ks_conv *c, ks_result *r);

/* Judges n conversations as ks_qa() would each, into res[k] with its
 * status in rcs[k], faster: one scan per speaker covers them all (a scan
 * has a fixed cost, and a chat's text is short). Returns KS_OK. */
KS_API int ks_qa_many(ks_scanner *s, const ks_conv *const *convs, size_t n,
                      ks_result *res, int *rcs);
KS_API void ks_result_free(ks_result *r);

/* Whether the rule called name fires on c; s must be a scanner of p.
 * KS_ENOENT when the pack has no such rule. */
KS_API int ks_qa_rule_named(ks_scanner *s, const ks_pack *p,
                            const ks_conv *c, const char *name, int *fired);

/* Whether ks_qa() asks the pack's n-gram model for its verdicts (on by
 * default when the pack has a model); off, the rules alone decide.
 * Scoring every n-gram of a chat is a third of the work on a large
 * archive. The reply guard turns it off: a draft is a few words, not the
 * whole conversations the model was trained on. */
KS_API void ks_scanner_model(ks_scanner *s, int on);

/* Stage timings gathered by ks_qa() when enabled (for benchmarks). */
typedef struct ks_qa_timing {
    uint64_t normalise_ns, match_ns, rules_ns;
    uint64_t hits_ns;   /* matches into each message's hits, reply clock */
} ks_qa_timing;
KS_API void ks_scanner_timing(ks_scanner *s, int enable, ks_qa_timing *out);

#ifdef __cplusplus
}
#endif
#endif
