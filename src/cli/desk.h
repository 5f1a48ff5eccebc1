/* Private to the CLI: what the case commands share (store, policy,
 * scripts, clock, output format). */
#ifndef KS_CLI_DESK_H
#define KS_CLI_DESK_H

#include <stdint.h>
#include <stdio.h>
#include "cli.h"

typedef struct ks_desk {
    ks_store *store;
    ks_policy *policy;
    ks_scripts *scripts;
    int64_t now;            /* --now, $KESU_NOW or the clock */
    const char *actor;      /* --actor, $USER or "cli" */
    int json;               /* --format json */
    int traditional;        /* --traditional: scripts in 繁體 */
} ks_desk;

/* The options every case command takes; values filled by ks_parse_opts. */
typedef struct ks_desk_opts {
    const char *db, *policy, *scripts, *now, *actor, *format;
    int traditional;
} ks_desk_opts;

#define KS_DESK_OPTS(o)                                              \
    {"db", &(o).db, NULL}, {"policy", &(o).policy, NULL},            \
    {"scripts", &(o).scripts, NULL}, {"now", &(o).now, NULL},        \
    {"actor", &(o).actor, NULL}, {"format", &(o).format, NULL},      \
    {"traditional", NULL, &(o).traditional}

/* Opens everything; prints the reason and returns an exit code != 0 on
 * failure. with_store 0 skips the database (planning only). */
int ks_desk_open(ks_desk *dk, const ks_desk_opts *o, const char *cmd,
                 int with_store);
void ks_desk_close(ks_desk *dk);

/* Parsers for option values; each prints "kesu CMD: --NAME: ..." and
 * returns -1 when the value is bad. */
int ks_arg_time(const char *cmd, const char *name, const char *v,
                int64_t *out);
int ks_arg_money(const char *cmd, const char *name, const char *v,
                 double *out);
int ks_arg_int(const char *cmd, const char *name, const char *v, long min,
               long max, long *out);
int ks_arg_id(const char *cmd, const char *v, int64_t *out);
int ks_arg_tristate(const char *cmd, const char *name, const char *v,
                    int *out);   /* yes/bad/1, no/fine/0, unknown/-1 */
int ks_arg_duration(const char *cmd, const char *name, const char *v,
                    int64_t *ms);   /* 30m, 24h, 7d */
int ks_arg_causes(const char *cmd, const char *v, uint32_t *out);

/* Local time in the policy's zone: "2024-06-05 10:00". */
const char *ks_fmt_time(const ks_desk *dk, int64_t t, char buf[32]);
/* "2h15m", "3d4h" for a positive duration. */
const char *ks_fmt_span(int64_t ms, char buf[32]);
/* ISO 8601 with the policy's offset, for JSON. */
const char *ks_fmt_iso(const ks_desk *dk, int64_t t, char buf[40]);

/* Loads case id, printing "case N not found" on failure (exit code). */
int ks_desk_load(ks_desk *dk, const char *cmd, int64_t id, ks_case *c);
/* The library's view of the desk (include/kesu/desk.h). */
ks_desk_env ks_desk_env_of(const ks_desk *dk);

/* Show a case: the text view and the JSON view (case_show.c). */
int ks_case_print(ks_desk *dk, const ks_case *c, FILE *f);

int cmd_case(int argc, char **argv);
int cmd_import(int argc, char **argv);

#endif
