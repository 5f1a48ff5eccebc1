/* Private: state shared by the pack loader's files. */
#ifndef KS_PACK_LOAD_INT_H
#define KS_PACK_LOAD_INT_H

#include "pack_int.h"
#include "yaml_util.h"

typedef struct ks_cond_def {
    const char *name;   /* points into the YAML document */
    size_t doc;
    yaml_node_t *node;
    int used;
} ks_cond_def;

typedef struct ks_litset ks_litset;

typedef struct ks_loader {
    ks_diags *d;
    ks_ydoc *docs;
    size_t ndocs;
    ks_pack *p;
    ks_litset *ls;
    ks_cond_def *conds;
    size_t nconds;
    const ks_db_cache *cache;
} ks_loader;

/* Adds a located error ("%s" in fmt takes arg); returns KS_ERULES. */
int ks_ld_error(ks_loader *L, ks_ydoc *doc, const yaml_node_t *n,
                const char *fmt, const char *arg);
int ks_ld_find_list(const ks_loader *L, const char *name);
/* Parses one `- rule:` entry into L->p->rules (pack_rule.c). */
int ks_ld_rule(ks_loader *L, size_t di, yaml_node_t *item);
/* Parses the `- reply_clock:` entry into L->p->clock (pack_clock.c). */
int ks_ld_reply_clock(ks_loader *L, size_t di, yaml_node_t *item);
/* Parses a rule's examples into r (pack_examples.c). */
int ks_ld_examples(ks_loader *L, ks_ydoc *doc, yaml_node_t *seq, ks_rule *r);

#endif
