/*
 * The n-gram model: a statistical second opinion beside the rules.
 *
 * Rules find what their authors thought of; a new writer's phrasing ("哪有
 * 空一个个回") slips past them. The model is one logistic regression per
 * incident code over a conversation's binary features: character 1-3-grams
 * of the agent's normalised text (include/kesu/text.h), 2-grams of the
 * customer's, system events, who spoke last and the longest wait for an
 * agent. Its verdict joins the rules' in three ways (ks_result,
 * include/kesu/qa.h), per code:
 *   - a score at or past the code's promote level makes it a finding
 *     though no rule found it;
 *   - a score past the threshold, below promote, makes it a suspicion
 *     for a lead to review;
 *   - a score below the withhold level withholds the rules' findings of
 *     the code: the rules fired on words the model has learnt to see in
 *     near-misses.
 * The evidence of a model finding or suspicion is the agent phrase whose
 * n-grams weigh most for the code.
 *
 * The levels are measured, not guessed: scripts/blind-replay replays the
 * rules as they stood before each blind corpus was seen, with a model
 * trained without that corpus, and docs/research/model-verdicts.md gives
 * the figures behind the defaults of ks_train_opts.
 *
 * The model is data: a text file under rules/ (rules/README.md describes
 * it) written by ks_model_write() from ks_trainer_fit(), i.e. `kesu
 * train` over labelled corpora. Parsing, scoring and training are pure.
 */
#ifndef KESU_MODEL_H
#define KESU_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/codes.h"
#include "kesu/conv.h"
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ks_model ks_model;

/* Parses a model file's text; name locates diagnostics ("name:line").
 * Returns KS_ERULES (with every problem in d) when malformed. */
KS_API int ks_model_parse(const char *name, const char *text, size_t len,
                          ks_model **out, ks_diags *d);
KS_API void ks_model_free(ks_model *m);

/* Bit (1u << code) for each incident code the model scores. */
KS_API uint32_t ks_model_codes(const ks_model *m);
/* Features (n-grams and others) that carry a weight. */
KS_API size_t ks_model_features(const ks_model *m);

/* Scores conversation c: score[code] minus that code's threshold, so > 0
 * means the model proposes the code; 0.0 for codes it does not score. */
KS_API int ks_model_score(const ks_model *m, const ks_conv *c,
                          double score[KS_INC_COUNT]);

/* Training. A trainer collects labelled conversations, each in a group
 * (its corpus): thresholds are chosen on scores of conversations whose
 * group was left out of training, so they hold on unseen writers. */
typedef struct ks_trainer ks_trainer;

typedef struct ks_train_opts {
    uint32_t codes;     /* codes to model; 0 = KS_MODEL_PHRASE_CODES */
    int epochs;         /* SGD passes; 0 = 12 */
    double l2;          /* L2 penalty; 0 = 1e-5 */
    int min_df;         /* keep features in at least this many
                           conversations; 0 = 3 */
    double min_weight;  /* drop |weight| below this from the file; 0 =
                           0.1; < 0 keeps all */
    double beta;        /* thresholds maximise F-beta: < 1 favours
                           precision; 0 = 1 */
    double min_train_precision; /* ... raised until the model's precision
                           on its own training data is at least this;
                           0 = 0.95, < 0 = no floor */
    double promote_margin; /* a code is promoted from suspicion to
                           finding at this much past its threshold, and
                           past the score of every training conversation
                           not labelled with it; 0 = 0.5, < 0 = never */
    double withhold_margin; /* the rules' findings of a code are withheld
                           when its score is this much below the
                           threshold; 0 = 1.0, < 0 = never */
} ks_train_opts;

/* The codes an agent's words show. Not the ones judged from the clock
 * and the events (a slow reply, ending or transferring a chat, a threat
 * left unanswered), where the rules' timing beats n-grams, nor
 * negligence, which a transcript cannot show. */
#define KS_MODEL_PHRASE_CODES                                               \
    (((1u << KS_INC_COUNT) - 1) &                                           \
     ~((1u << KS_INC_negligence) | (1u << KS_INC_sensitive_mishandled) |    \
       (1u << KS_INC_forced_end) | (1u << KS_INC_slow_response)))

/* What training measured, per modelled code, on the left-out groups. */
typedef struct ks_train_report {
    size_t convs, groups, features;
    double threshold[KS_INC_COUNT];      /* final (after the floor) */
    double oof_threshold[KS_INC_COUNT];  /* where out-of-group F-beta
                                            peaks */
    double oof_p[KS_INC_COUNT], oof_r[KS_INC_COUNT]; /* at oof_threshold */
    double promote[KS_INC_COUNT];        /* HUGE_VAL: never */
    double withhold[KS_INC_COUNT];       /* -HUGE_VAL: never */
    size_t positives[KS_INC_COUNT];
} ks_train_report;

KS_API int ks_trainer_new(ks_trainer **out);
KS_API void ks_trainer_free(ks_trainer *t);
/* Adds c labelled with codes (bit per ks_incident) in group (any value
 * below UINT_MAX, which stands for "no group left out"). */
KS_API int ks_trainer_add(ks_trainer *t, const ks_conv *c, uint32_t codes,
                          unsigned group);
/* Fits the model (deterministic: same data and options, same model).
 * With fewer than two groups every threshold is 0.5 probability. */
KS_API int ks_trainer_fit(ks_trainer *t, const ks_train_opts *o,
                          ks_model **out, ks_train_report *rep);

/* The model file's text (NUL-terminated, caller frees with ks_free()). */
KS_API int ks_model_write(const ks_model *m, char **text, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
