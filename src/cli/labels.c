/* Label files of labelled corpora (labels.h). */
#include "labels.h"
#include "kesu/alloc.h"
#include "kesu/codes.h"
#include "../io/lines.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_label(const void *a, const void *b)
{
    return strcmp(((const ks_label *)a)->id, ((const ks_label *)b)->id);
}

static int set_bits(const cJSON *arr, int (*lookup)(const char *),
                    uint32_t *out)
{
    const cJSON *it;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return -1;
    cJSON_ArrayForEach(it, arr)
    {
        int k = cJSON_IsString(it) ? lookup(it->valuestring) : -1;
        if (k < 0)
            return -1;
        *out |= 1u << k;
    }
    return 0;
}

static int parse_label(const char *line, size_t len, ks_label *l)
{
    cJSON *o = cJSON_ParseWithLength(line, len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    const cJSON *risk = cJSON_GetObjectItemCaseSensitive(o, "risk");
    int rc = -1;
    memset(l, 0, sizeof *l);
    l->risk = -1;
    if (cJSON_IsString(id) &&
        !set_bits(cJSON_GetObjectItemCaseSensitive(o, "codes"),
                  ks_incident_from_name, &l->codes) &&
        !set_bits(cJSON_GetObjectItemCaseSensitive(o, "causes"),
                  ks_cause_from_name, &l->causes) &&
        (!risk || (cJSON_IsString(risk) &&
                   (l->risk = ks_risk_from_name(risk->valuestring)) >= 0))) {
        l->id = ks_strdup(id->valuestring);
        rc = l->id ? 0 : -1;
    }
    cJSON_Delete(o);
    return rc;
}

static int add(ks_labels *ls, const ks_label *l)
{
    ks_label *nv = ks_realloc(ls->v, (ls->n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    ls->v = nv;
    ls->v[ls->n++] = *l;
    return 0;
}

int ks_labels_load(const char *cmd, const char *path, ks_labels *out)
{
    FILE *f = fopen(path, "rb");
    ks_linereader lr;
    if (!f || ks_lr_open(&lr, f, 1u << 20)) {
        fprintf(stderr, "kesu %s: cannot read %s\n", cmd, path);
        if (f)
            fclose(f);
        return -1;
    }
    const char *line;
    size_t len;
    int too_long, rc = 0;
    while (ks_lr_next(&lr, &line, &len, &too_long) == 1) {
        if (!too_long && len == 0)
            continue;
        ks_label l;
        if (too_long || parse_label(line, len, &l)) {
            fprintf(stderr,
                    "%s:%zu: error: bad label line (want {\"id\":…, "
                    "\"codes\":[…], \"risk\":…, \"causes\":[…]})\n",
                    path, lr.lineno);
            rc = -1;
            continue;
        }
        if (add(out, &l)) {
            ks_free(l.id);
            rc = -1;
            break;
        }
    }
    ks_lr_close(&lr);
    fclose(f);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_label);
    return rc;
}

ks_label *ks_labels_find(const ks_labels *ls, const char *id)
{
    ks_label key = {.id = (char *)id};
    return ls->n ? bsearch(&key, ls->v, ls->n, sizeof key, cmp_label) : NULL;
}

size_t ks_labels_unseen(const ks_labels *ls)
{
    size_t n = 0;
    for (size_t i = 0; i < ls->n; i++)
        n += !ls->v[i].seen;
    return n;
}

void ks_labels_free(ks_labels *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        ks_free(ls->v[i].id);
    ks_free(ls->v);
    memset(ls, 0, sizeof *ls);
}
