/* Private to the command line: label files of labelled corpora (`kesu
 * eval`, `kesu train`), one JSON object per line:
 * {"id":…, "codes":[…], "risk":…, "causes":[…]}. */
#ifndef KS_LABELS_H
#define KS_LABELS_H

#include <stdint.h>
#include <stddef.h>

typedef struct ks_label {
    char *id;
    uint32_t codes;         /* bit per ks_incident */
    int risk;               /* -1 when not given */
    uint32_t causes;        /* bit per ks_cause */
    int seen;               /* a conversation had this id */
} ks_label;

typedef struct ks_labels {
    ks_label *v;            /* sorted by id */
    size_t n;
} ks_labels;

/* Reads path; bad lines are reported on stderr as "path:line: error:"
 * and skipped. Returns 0, or -1 when the file could not be read or had a
 * bad line. */
int ks_labels_load(const char *cmd, const char *path, ks_labels *out);
ks_label *ks_labels_find(const ks_labels *ls, const char *id);
/* Labels no conversation claimed. */
size_t ks_labels_unseen(const ks_labels *ls);
void ks_labels_free(ks_labels *ls);

#endif
