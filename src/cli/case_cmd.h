/* Private to `kesu case`: the subcommands and what they share. */
#ifndef KS_CLI_CASE_CMD_H
#define KS_CLI_CASE_CMD_H

#include <cjson/cJSON.h>
#include "desk.h"

/* Fact options accepted by new, move and set. */
typedef struct ks_facts {
    const char *other_units, *transit_damage, *person_checked, *risk,
        *causes, *note, *evidence, *conv;
    int refused_offer, batch_issue;
} ks_facts;

#define KS_FACT_OPTS(f)                                                    \
    {"other-units", &(f).other_units, NULL},                               \
    {"transit-damage", &(f).transit_damage, NULL},                         \
    {"person-checked", &(f).person_checked, NULL},                         \
    {"risk", &(f).risk, NULL}, {"causes", &(f).causes, NULL},              \
    {"note", &(f).note, NULL}, {"evidence", &(f).evidence, NULL},          \
    {"conv", &(f).conv, NULL},                                             \
    {"refused-offer", NULL, &(f).refused_offer},                           \
    {"batch-issue", NULL, &(f).batch_issue}

/* Reads the fact options into f; -1 after printing an error. */
int ks_facts_parse(const char *cmd, const ks_facts *fa, ks_case_facts *f);
/* The exit code for a desk operation's result, after printing why it was
 * refused (d is cleared). */
int ks_case_result(const char *cmd, const ks_case *c, int rc, ks_diags *d);
int ks_case_done(ks_desk *dk, const ks_case *c, const char *what);
void ks_case_usage(FILE *f);

int ks_case_new(int argc, char **argv);
int ks_case_list(int argc, char **argv);
int ks_case_move(int argc, char **argv);
int ks_case_set(int argc, char **argv);
int ks_case_promise(int argc, char **argv);
int ks_case_resolve(int argc, char **argv);
int ks_case_due(int argc, char **argv);

#endif
