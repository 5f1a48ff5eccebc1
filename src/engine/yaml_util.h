/* Private: small helpers over libyaml's document API, with locations. */
#ifndef KS_YAML_UTIL_H
#define KS_YAML_UTIL_H

#include <yaml.h>
#include "kesu/error.h"

typedef struct ks_ydoc {
    const char *name;       /* source name for locations */
    yaml_document_t doc;
    int loaded;
} ks_ydoc;

/* Parses text into d->doc; on error adds a located diagnostic. */
int ks_ydoc_load(ks_ydoc *d, const char *name, const char *text, size_t len,
                 ks_diags *diags);
void ks_ydoc_free(ks_ydoc *d);

yaml_node_t *ks_ynode(ks_ydoc *d, int id);
/* "file:line:col" of a node, into buf. */
const char *ks_ywhere(const ks_ydoc *d, const yaml_node_t *n, char *buf,
                      size_t sz);
/* Scalar value or NULL when the node is not a scalar. */
const char *ks_yscalar(const yaml_node_t *n);
/* Value node for key in a mapping, or NULL. */
yaml_node_t *ks_yget(ks_ydoc *d, yaml_node_t *map, const char *key);
/* Reports every key of map not in keys (NULL-terminated) as an error;
 * returns the number reported. */
int ks_ycheck_keys(ks_ydoc *d, yaml_node_t *map, const char *const *keys,
                   const char *what, ks_diags *diags);
/* Parses a YAML boolean; returns 0 and sets *out, or -1. */
int ks_ybool(const yaml_node_t *n, int *out);
/* Parses a non-negative integer scalar; returns 0 or -1. */
int ks_yuint(const yaml_node_t *n, long *out);

#endif
