/*
 * Importing judged conversations: each conversation is stored with its QA
 * result and findings (for the incident list and the scorecards), and a
 * conversation the engine finds a complaint in (a cause, or high or
 * critical risk) opens one case — both idempotently by conversation id,
 * so importing the same file twice changes nothing.
 *
 * Writes are grouped in batches, one transaction each. A conversation is
 * reported to the caller's function only after its batch committed, so
 * whatever was reported is stored, even if the process dies right after.
 * `kesu import` and `kesu serve`'s POST /api/v1/conversations both import
 * through this.
 */
#ifndef KESU_IMPORT_H
#define KESU_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/qa.h"
#include "kesu/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What became of one conversation (valid during the report call only). */
typedef struct ks_import_item {
    const char *conv;        /* the conversation id */
    size_t tag;              /* the caller's tag (a line number) */
    int stored;              /* 1: stored now; 0: it was stored before */
    size_t nfindings;        /* its findings */
    int complaint;           /* a cause, or high or critical risk */
    int64_t case_id;         /* its case (new or earlier); 0 when none */
    int case_new;            /* 1: the case was opened by this import */
    const char *rejected;    /* the case was refused: why; else NULL */
    ks_risk risk;
    uint32_t causes;
    int safety;              /* the case is a safety case (risk.harm) */
} ks_import_item;

typedef void (*ks_import_fn)(void *arg, const ks_import_item *it);

typedef struct ks_import_opts {
    ks_store *store;
    const ks_pack *pack;
    ks_scanner *scanner;     /* a scanner of pack, for the safety rule; it
                                may be the one that judged the input */
    size_t batch;            /* conversations per transaction; 0 = 64 */
    const char *actor;       /* in the audit trail ("import", a user) */
    int64_t now;             /* the cases' creation time */
    ks_import_fn report;     /* may be NULL */
    void *arg;
} ks_import_opts;

typedef struct ks_importer ks_importer;

KS_API int ks_importer_new(const ks_import_opts *o, ks_importer **out);
/*
 * Imports conversation c, its JSON text (json, len bytes: stored as the
 * conversation's text) and its result r. Nothing is reported until the
 * batch commits (here, when it is full, or at ks_import_flush()).
 * KS_EINVAL: c or r cannot be stored (no id, a finding outside c); the
 * batch goes on. KS_EDB or KS_ENOMEM: the open batch was rolled back
 * unreported, and every later call fails the same way.
 */
KS_API int ks_import_conv(ks_importer *im, const ks_conv *c,
                          const char *json, size_t len, const ks_result *r,
                          size_t tag);
/* Commits the open batch and reports it. */
KS_API int ks_import_flush(ks_importer *im);
/* Rolls back a batch not flushed (nothing of it reported), frees im. */
KS_API void ks_importer_free(ks_importer *im);

/* The SPEC 3.2 result line of c and r (without a newline), in *out
 * (free with ks_free()), its length in *len (may be NULL). */
KS_API int ks_result_json(const ks_conv *c, const ks_result *r, char **out,
                          size_t *len);

#ifdef __cplusplus
}
#endif
#endif
