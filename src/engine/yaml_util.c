/* libyaml document helpers (see yaml_util.h). */
#include "yaml_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ks_ydoc_load(ks_ydoc *d, const char *name, const char *text, size_t len,
                 ks_diags *diags)
{
    yaml_parser_t parser;
    memset(d, 0, sizeof *d);
    d->name = name;
    if (!yaml_parser_initialize(&parser))
        return KS_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = KS_OK;
    if (!yaml_parser_load(&parser, &d->doc)) {
        char where[512];
        snprintf(where, sizeof where, "%s:%zu:%zu", name,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1);
        ks_diags_add(diags, 0, where, "YAML syntax error: %s%s%s",
                     parser.problem ? parser.problem : "unknown",
                     parser.context ? " " : "",
                     parser.context ? parser.context : "");
        rc = KS_ERULES;
    } else {
        d->loaded = 1;
        yaml_document_t extra;
        if (yaml_parser_load(&parser, &extra)) {
            if (yaml_document_get_root_node(&extra)) {
                char where[512];
                snprintf(where, sizeof where, "%s:%zu:1", name,
                         extra.start_mark.line + 1);
                ks_diags_add(diags, 0, where,
                             "only one YAML document per file is allowed");
                rc = KS_ERULES;
            }
            yaml_document_delete(&extra);
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

void ks_ydoc_free(ks_ydoc *d)
{
    if (d->loaded)
        yaml_document_delete(&d->doc);
    d->loaded = 0;
}

yaml_node_t *ks_ynode(ks_ydoc *d, int id)
{
    return yaml_document_get_node(&d->doc, id);
}

const char *ks_ywhere(const ks_ydoc *d, const yaml_node_t *n, char *buf,
                      size_t sz)
{
    snprintf(buf, sz, "%s:%zu:%zu", d->name, n->start_mark.line + 1,
             n->start_mark.column + 1);
    return buf;
}

const char *ks_yscalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                            : NULL;
}

yaml_node_t *ks_yget(ks_ydoc *d, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        const char *k = ks_yscalar(ks_ynode(d, p->key));
        if (k && strcmp(k, key) == 0)
            return ks_ynode(d, p->value);
    }
    return NULL;
}

int ks_ycheck_keys(ks_ydoc *d, yaml_node_t *map, const char *const *keys,
                   const char *what, ks_diags *diags)
{
    int bad = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = ks_ynode(d, p->key);
        const char *k = ks_yscalar(kn);
        const char *const *q = keys;
        while (k && *q && strcmp(*q, k) != 0)
            q++;
        const yaml_node_pair_t *first = map->data.mapping.pairs.start;
        for (; k && first < p; first++) {
            const char *fk = ks_yscalar(ks_ynode(d, first->key));
            if (fk && strcmp(fk, k) == 0)
                break;
        }
        if (k && *q && first == p)
            continue;
        char where[512];
        ks_ywhere(d, kn, where, sizeof where);
        if (k && first < p) {   /* YAML keeps one of the two: say so */
            size_t line = ks_ynode(d, first->key)->start_mark.line + 1;
            ks_diags_add(diags, 0, where,
                         "duplicate key \"%.64s\" in %s (first on line %zu)",
                         k, what, line);
        } else {
            ks_diags_add(diags, 0, where, "unknown key \"%.64s\" in %s",
                         k ? k : "(not a scalar)", what);
        }
        bad++;
    }
    return bad;
}

int ks_ybool(const yaml_node_t *n, int *out)
{
    const char *s = ks_yscalar(n);
    if (!s)
        return -1;
    if (!strcmp(s, "true") || !strcmp(s, "yes")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(s, "false") || !strcmp(s, "no")) {
        *out = 0;
        return 0;
    }
    return -1;
}

int ks_yuint(const yaml_node_t *n, long *out)
{
    const char *s = ks_yscalar(n);
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || v < 0 || v > 100000000)
        return -1;
    *out = v;
    return 0;
}
