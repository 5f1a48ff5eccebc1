/*
 * `kesu serve --demo`: a database to try kesu on. A fresh database gets
 * the demo accounts (one per role, fixed passwords printed at start: the
 * demo listens on loopback) and the example conversations, moved in time
 * so that their day is yesterday, imported as `kesu import` would (QA
 * results, findings, a case for each complaint). A database that already
 * has accounts is served as it is.
 */
#include "serve_demo.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kesu/alloc.h"

#define DAY_MS 86400000LL

const demo_user demo_users[] = {
    {"admin", KS_ROLE_admin, NULL, NULL, "kesu-admin", "管理员 admin"},
    {"boss", KS_ROLE_owner, "s1", NULL, "kesu-boss", "店主 owner"},
    {"lead1", KS_ROLE_lead, "s1", "t1", "kesu-lead1", "组长 lead (t1)"},
    {"lead2", KS_ROLE_lead, "s1", "t2", "kesu-lead2", "组长 lead (t2)"},
    {"a07", KS_ROLE_agent, "s1", "t1", "kesu-a07", "客服 agent (t1)"},
    {"a03", KS_ROLE_agent, "s1", "t1", "kesu-a03", "客服 agent (t1)"},
    {"a05", KS_ROLE_agent, "s1", "t1", "kesu-a05", "客服 agent (t1)"},
    {"a02", KS_ROLE_agent, "s1", "t2", "kesu-a02", "客服 agent (t2)"},
    {"a09", KS_ROLE_agent, "s1", "t2", "kesu-a09", "客服 agent (t2)"},
};
const size_t demo_nusers = sizeof demo_users / sizeof demo_users[0];

/* Moves every timestamp string in the tree by delta ms. */
static void shift_times(cJSON *node, int64_t delta, int offset_min)
{
    for (cJSON *it = node ? node->child : NULL; it; it = it->next) {
        int64_t t;
        char buf[40];
        if (cJSON_IsString(it) && strlen(it->valuestring) >= 19 &&
            ks_time_parse(it->valuestring, &t) == KS_OK) {
            ks_time_format(t + delta, offset_min, buf);
            cJSON_SetValuestring(it, buf);
        } else {
            shift_times(it, delta, offset_min);
        }
    }
}

/* The latest timestamp in the tree, or KS_TIME_NONE. */
static int64_t latest(const cJSON *node, int64_t best)
{
    for (const cJSON *it = node ? node->child : NULL; it; it = it->next) {
        int64_t t;
        if (cJSON_IsString(it) && strlen(it->valuestring) >= 19 &&
            ks_time_parse(it->valuestring, &t) == KS_OK)
            best = best == KS_TIME_NONE || t > best ? t : best;
        else
            best = latest(it, best);
    }
    return best;
}

int demo_shift_lines(char **lines, size_t n, int64_t now, int offset_min)
{
    cJSON **docs = calloc(n ? n : 1, sizeof *docs);
    int64_t last = KS_TIME_NONE;
    if (!docs)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!(docs[i] = cJSON_Parse(lines[i])))
            continue;   /* the importer will report it */
        last = latest(docs[i], last);
    }
    /* Whole days, so that times of day (and business hours) stay. */
    int64_t delta = 0;
    if (last != KS_TIME_NONE) {
        int64_t off = (int64_t)offset_min * 60000;
        int64_t today = (now + off) / DAY_MS, day = (last + off) / DAY_MS;
        delta = (today - 1 - day) * DAY_MS;
    }
    int rc = KS_OK;
    for (size_t i = 0; i < n; i++) {
        if (!docs[i])
            continue;
        shift_times(docs[i], delta, offset_min);
        char *text = cJSON_PrintUnformatted(docs[i]);
        cJSON_Delete(docs[i]);
        if (!text) {
            rc = KS_ENOMEM;
            continue;
        }
        free(lines[i]);
        lines[i] = text;
    }
    free(docs);
    return rc;
}

int demo_add_users(ks_store *st, int64_t now, ks_diags *d)
{
    for (size_t i = 0; i < demo_nusers; i++) {
        const demo_user *u = &demo_users[i];
        char hash[KS_PWHASH_MAX];
        int rc = ks_password_hash(u->password, hash);
        if (rc != KS_OK)
            return rc;
        ks_user row = {0, (char *)u->name, u->role, (char *)u->shop,
                       (char *)u->team, hash, 0, 0};
        if ((rc = ks_store_user_add(st, &row, now, NULL, d)) != KS_OK)
            return rc;
    }
    return KS_OK;
}

void demo_print_logins(FILE *f, const char *url)
{
    fprintf(f, "\nkesu demo — open %s in a browser and log in as:\n", url);
    for (size_t i = 0; i < demo_nusers; i++)
        fprintf(f, "  %-6s  password %-11s  %s\n", demo_users[i].name,
                demo_users[i].password, demo_users[i].what);
    fprintf(f, "(demo passwords: for a demo on this machine only)\n\n");
}

/* ---- the example conversations ----------------------------------------- */

typedef struct demo_import {
    size_t convs, cases;
} demo_import;

static void counted(void *arg, const ks_import_item *it)
{
    demo_import *di = arg;
    di->convs += it->stored;
    di->cases += it->case_new;
}

/* Reads the lines of path (at most 10,000); NULL with d explaining. */
static char **read_lines(const char *path, size_t *n, ks_diags *d)
{
    FILE *f = fopen(path, "rb");
    char **lines = NULL, *line = NULL;
    size_t cap = 0, len = 0;
    *n = 0;
    if (!f) {
        ks_diags_add(d, 0, path, "the demo conversations cannot be read");
        return NULL;
    }
    ssize_t got;
    while (*n < 10000 && (got = getline(&line, &len, f)) > 0) {
        if (ks_grow(&lines, &cap, *n, sizeof *lines, 32)) {
            ks_diags_add(d, 0, path, "out of memory");
            break;
        }
        lines[(*n)++] = line;
        line = NULL;
        len = 0;
    }
    free(line);
    fclose(f);
    return lines;
}

/* Judges and imports each line with b's pack. */
static int import_lines(ks_store *st, const ks_pack *pack, char **lines,
                        size_t n, int64_t now, demo_import *di, ks_diags *d)
{
    ks_scanner *sc = NULL;
    ks_importer *im = NULL;
    ks_import_opts o = {st, pack, NULL, 64, "demo", now, counted, di};
    ks_result res = {0};
    int rc = ks_scanner_new(pack, &sc);
    o.scanner = sc;
    if (rc == KS_OK)
        rc = ks_importer_new(&o, &im);
    for (size_t i = 0; rc == KS_OK && i < n; i++) {
        ks_conv c;
        char where[32];
        snprintf(where, sizeof where, "demo line %zu", i + 1);
        if (ks_conv_from_json(lines[i], strlen(lines[i]), &c, d, where))
            continue;
        rc = ks_qa(sc, &c, &res);
        if (rc == KS_OK)
            rc = ks_import_conv(im, &c, lines[i], strlen(lines[i]), &res, i);
        ks_conv_free(&c);
    }
    if (rc == KS_OK)
        rc = ks_import_flush(im);
    ks_importer_free(im);
    ks_result_free(&res);
    ks_scanner_free(sc);
    return rc;
}

int demo_import_file(ks_store *st, const ks_pack *pack, const char *path,
                     int64_t now, int offset_min, size_t *convs,
                     size_t *cases, ks_diags *d)
{
    size_t n = 0;
    char **lines = read_lines(path, &n, d);
    demo_import di = {0, 0};
    int rc = lines ? demo_shift_lines(lines, n, now, offset_min) : KS_EINVAL;
    if (rc == KS_OK)
        rc = import_lines(st, pack, lines, n, now, &di, d);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    *convs = di.convs;
    *cases = di.cases;
    return rc;
}
