/*
 * Private to the engine: the n-gram model's form in memory, its features
 * and its use by the QA engine (qa.c).
 */
#ifndef KS_MODEL_INT_H
#define KS_MODEL_INT_H

#include "kesu/model.h"
#include "kesu/text.h"

#define KS_BLOOM_LOG 18
#define KS_BLOOM_BIT(h) ((size_t)((h) >> 40) & ((1u << KS_BLOOM_LOG) - 1))

/* A model: for each of its ncodes codes a bias and threshold (logit
 * space), and per feature a row of ncodes weights. Features are found by
 * the 64-bit hash of their key ("A:哪有空"), in an open-addressing table. */
struct ks_model {
    int ncodes;
    int code[KS_INC_COUNT];     /* slot k -> ks_incident */
    int slot[KS_INC_COUNT];     /* ks_incident -> slot, or -1 */
    double bias[KS_INC_COUNT], thr[KS_INC_COUNT];  /* by slot */
    /* By slot: a score at or above promote[k] makes the code a finding
     * though no rule found it; one below withhold[k] withholds the
     * rules' findings of the code. HUGE_VAL and -HUGE_VAL: never. */
    double promote[KS_INC_COUNT], withhold[KS_INC_COUNT];
    char *rule[KS_INC_COUNT];   /* "model.attitude", by slot */
    size_t nfeat, capfeat;
    char **key;                 /* per feature, its key */
    uint64_t *hash;             /* per feature */
    float *w;                   /* nfeat * ncodes */
    uint64_t *table;            /* per slot: the hash's upper 32 bits
                                   << 32 | feature index + 1; 0 = empty */
    size_t mask;                /* table size - 1 */
    uint64_t *bloom;            /* KS_BLOOM_BITS bits, one per hash
                                   (bits 40..) of a feature: most of a
                                   chat's n-grams are no feature, and this
                                   says so from a block that stays in
                                   cache */
};

/* Message i's normalised text (len bytes) and, when map is not NULL, the
 * source code point of each byte (map[len] = code point count). */
typedef const char *(*ks_model_text_fn)(void *arg, size_t i, size_t *len,
                                        const uint32_t **map);

/* A ks_model_text_fn that normalises message i of c into t on demand
 * (the text is valid until the next call); rc keeps the first error. */
typedef struct ks_own_text {
    const ks_conv *c;
    ks_text t;
    int rc;
} ks_own_text;
const char *ks_own_text_fn(void *arg, size_t i, size_t *len,
                           const uint32_t **map);

/* One feature of a conversation: its hash, key (kind letter, ':' and
 * body; NULL for an n-gram unless asked for) and, for an n-gram, where:
 * message, byte offset in the normalised text, length in characters. */
typedef struct ks_feat {
    uint64_t hash;
    const char *key;
    size_t keylen;
    size_t msg;
    uint32_t at;
    int nchars;
} ks_feat;

typedef void (*ks_feat_fn)(void *arg, const ks_feat *f);

/* Calls fn for every feature occurrence of c (an n-gram once per place);
 * an n-gram's key is given only when keys is set. */
void ks_feat_each(const ks_conv *c, ks_model_text_fn text, void *targ,
                  int keys, ks_feat_fn fn, void *arg);
/* The agent n-grams of one message's normalised text t[0..len). */
void ks_feat_agent(const char *t, size_t len, size_t msg, ks_feat_fn fn,
                   void *arg);
uint64_t ks_feat_hash(const char *key, size_t len);
/* White space, which n-grams skip. */
int ks_feat_space(uint32_t cp);

/* Index of the feature with hash h, or -1. */
long ks_model_find(const ks_model *m, uint64_t h);
/* Adds a feature (key copied) with ncodes weights; KS_EINVAL if its hash
 * is taken. */
int ks_model_add_feature(ks_model *m, const char *key, size_t len,
                         const float *w);
/* An empty model for the codes in mask. */
int ks_model_new(uint32_t codes, ks_model **out);

/* Reusable per-thread scratch for scoring. */
typedef struct ks_model_scratch {
    uint32_t *seen;             /* per feature: generation last counted */
    size_t cap;
    uint32_t gen;
} ks_model_scratch;
void ks_model_scratch_free(ks_model_scratch *s);

/* Raw scores (bias + weights, before the threshold) by slot. */
int ks_model_raw(const ks_model *m, ks_model_scratch *s, const ks_conv *c,
                 ks_model_text_fn text, void *targ, double *raw);

/* Evidence for code (a slot's ks_incident): the agent message and the
 * code point span of its phrase that weighs most; *msg = c->nmsgs when no
 * agent message has a positive weight. */
void ks_model_evidence(const ks_model *m, int code, const ks_conv *c,
                       ks_model_text_fn text, void *targ, size_t *msg,
                       uint32_t *start, uint32_t *end);

#endif
