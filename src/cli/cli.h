/* Private to the kesu command line: subcommands and shared helpers. */
#ifndef KS_CLI_H
#define KS_CLI_H

#include <stdio.h>
#include "kesu/kesu.h"

/* Exit codes, documented in the README. */
enum { KS_EXIT_OK = 0, KS_EXIT_BADINPUT = 1, KS_EXIT_USAGE = 2,
       KS_EXIT_FAIL = 3 };

int cmd_qa(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);

/* Table-driven option parsing: long options only ("--name value" or
 * "--name=value"); positional arguments are collected in order. */
typedef struct ks_opt {
    const char *name;
    const char **value;    /* for options taking a value */
    int *flag;             /* for switches */
} ks_opt;

/* Returns the number of positionals (stored in pos, at most maxpos), or
 * -1 after printing an error for an unknown option or missing value. */
int ks_parse_opts(const char *cmd, int argc, char **argv, const ks_opt *opts,
                  char **pos, int maxpos);

/* Default rule directory: $KESU_RULES, else the pack shipped beside the
 * binary (../rules from build/kesu), else ./rules. */
const char *ks_default_rules(void);

/* Loads a pack and prints its diagnostics to stderr; NULL on failure. */
ks_pack *ks_cli_load_pack(const char *dir, int quiet_warnings);

/* Prints diagnostics as "where: error: msg" to f and clears them. */
void ks_print_diags(FILE *f, ks_diags *d);

/* Writes s[0..len) as a JSON string literal. */
void ks_json_str(FILE *f, const char *s, size_t len);

#endif
