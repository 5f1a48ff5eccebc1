/* `kesu case`: the complaint desk from the command line. Every change is
 * checked (input, flow guards) before the store is touched, and is saved
 * with one audit event. */
#include "case_cmd.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char *const case_usage =
    "usage: kesu case COMMAND [ARGS] [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  new --customer ID [order and fact options]   open a case\n"
    "  show ID                 the case, fault reasoning, plan and scripts\n"
    "  list [--state S] [--risk R] [--agent A] [--customer C] [--open]\n"
    "  move ID STATE [facts]   next flow step: soothing verifying "
    "negotiating\n"
    "                          resolving closed escalated (or 安抚 核实 ...)\n"
    "  set ID [facts]          record facts, risk, causes, a refused offer\n"
    "  promise ID KIND [--text T] [--due TIME | --within 2h]\n"
    "  promise ID --keep PROMISE_ID       a promise was kept\n"
    "  resolve ID REMEDY [--amount X]     agree the remedy (reship, refund,\n"
    "                          partial_refund, return_refund, exchange,\n"
    "                          compensate, full_remedy, refuse)\n"
    "  due [--within 24h]      promises due or overdue, riskiest first\n"
    "  verify                  check the audit hash chain\n"
    "\n"
    "options for every command:\n"
    "  --db PATH        case database (default $KESU_DB or ./kesu.db)\n"
    "  --policy FILE    shop policy overlaid on rules/desk/policy.yaml\n"
    "  --scripts FILE   scripts instead of rules/desk/scripts.yaml\n"
    "  --now TIME       the current time (ISO 8601; default $KESU_NOW or "
    "the clock)\n"
    "  --actor NAME     who acts, for the audit log (default $USER)\n"
    "  --format F       text (default) or json\n"
    "  --traditional    scripts in traditional script\n"
    "\n"
    "facts (new, move, set): --other-units yes|no  --transit-damage yes|no\n"
    "  --person-checked yes|no  --risk R  --causes a,b  --note TEXT\n"
    "  --evidence REF  --conv ID  --refused-offer  --batch-issue\n"
    "\n"
    "exit status: 0 done, 1 refused or bad input (nothing changed),\n"
    "  2 usage, 3 database or file error; verify: 1 when the chain is "
    "broken.\n";

void ks_case_usage(FILE *f) { fputs(case_usage, f); }

/* ---- facts shared by new, move and set -------------------------------- */

int ks_facts_parse(const char *cmd, const ks_facts *fa, ks_case_facts *f)
{
    ks_case_facts_init(f);
    if ((fa->other_units &&
         ks_arg_tristate(cmd, "other-units", fa->other_units,
                         &f->other_units_bad)) ||
        (fa->transit_damage &&
         ks_arg_tristate(cmd, "transit-damage", fa->transit_damage,
                         &f->transit_damage)) ||
        (fa->person_checked &&
         ks_arg_tristate(cmd, "person-checked", fa->person_checked,
                         &f->person_checked)))
        return -1;
    if (fa->risk && (f->risk = ks_risk_from_name(fa->risk)) < 0) {
        fprintf(stderr, "kesu %s: --risk: unknown level \"%s\" (normal, "
                        "elevated, high, critical)\n", cmd, fa->risk);
        return -1;
    }
    if (fa->causes) {
        if (ks_arg_causes(cmd, fa->causes, &f->causes))
            return -1;
        f->set_causes = 1;
    }
    f->refused_offer = fa->refused_offer;
    f->batch_issue = fa->batch_issue;
    f->note = fa->note;
    f->evidence = fa->evidence;
    f->conv = fa->conv;
    return 0;
}

int ks_case_result(const char *cmd, const ks_case *c, int rc, ks_diags *d)
{
    if (rc == KS_OK)
        return KS_EXIT_OK;
    if (rc == KS_EINVAL) {
        ks_print_diags(stderr, d);
    } else {
        for (size_t i = 0; i < d->n; i++)
            fprintf(stderr, "kesu %s: %s\n", cmd, d->items[i].msg);
        ks_diags_clear(d);
    }
    if (rc == KS_EINVAL || rc == KS_ESTATE || rc == KS_ENOENT) {
        if (c->id)
            fprintf(stderr, "kesu %s: case %lld not changed\n", cmd,
                    (long long)c->id);
        return KS_EXIT_BADINPUT;
    }
    fprintf(stderr, "kesu %s: %s\n", cmd, ks_strerror(rc));
    return KS_EXIT_FAIL;
}

/* Prints the short confirmation of a change, or the case as JSON. */
int ks_case_done(ks_desk *dk, const ks_case *c, const char *what)
{
    if (dk->json)
        return ks_case_print(dk, c, stdout);
    printf("case #%lld %s — now %s %s\n", (long long)c->id, what,
           ks_state_zh(c->state), ks_state_name(c->state));
    return KS_EXIT_OK;
}

/* ---- verify ------------------------------------------------------------ */

static int case_verify(int argc, char **argv)
{
    ks_desk_opts o = {0};
    ks_opt opts[] = {KS_DESK_OPTS(o), {0}};
    char *pos[1];
    ks_desk dk;
    if (ks_parse_opts("case verify", argc, argv, opts, pos, 0) < 0)
        return KS_EXIT_USAGE;
    int rc = ks_desk_open(&dk, &o, "case verify", 1);
    if (rc)
        return rc;
    int64_t bad_seq = 0, bad_case = 0;
    size_t checked = 0;
    ks_diags d = {0};
    int vr = ks_store_verify(dk.store, &bad_seq, &bad_case, &checked, &d);
    if (vr == KS_OK) {
        printf("audit chain intact: %zu events checked\n", checked);
    } else if (vr == KS_ECORRUPT) {
        ks_print_diags(stdout, &d);
        printf("audit chain BROKEN at event %lld (case #%lld): records after "
               "this point cannot be trusted\n",
               (long long)bad_seq, (long long)bad_case);
        rc = KS_EXIT_BADINPUT;
    } else {
        ks_print_diags(stderr, &d);
        fprintf(stderr, "kesu case verify: %s (%s)\n", ks_strerror(vr),
                ks_store_errmsg(dk.store));
        rc = KS_EXIT_FAIL;
    }
    ks_diags_free(&d);
    ks_desk_close(&dk);
    return rc;
}

/* ---- show ---------------------------------------------------------------- */

static int case_show(int argc, char **argv)
{
    ks_desk_opts o = {0};
    ks_opt opts[] = {KS_DESK_OPTS(o), {0}};
    char *pos[1];
    int64_t id;
    ks_desk dk;
    ks_case c;
    int n = ks_parse_opts("case show", argc, argv, opts, pos, 1);
    if (n != 1) {
        if (n == 0)
            fprintf(stderr, "usage: kesu case show ID\n");
        return KS_EXIT_USAGE;
    }
    if (ks_arg_id("case show", pos[0], &id))
        return KS_EXIT_USAGE;
    int rc = ks_desk_open(&dk, &o, "case show", 1);
    if (rc)
        return rc;
    rc = ks_desk_load(&dk, "case show", id, &c);
    if (!rc)
        rc = ks_case_print(&dk, &c, stdout);
    ks_case_free(&c);
    ks_desk_close(&dk);
    return rc;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
} subs[] = {
    {"new", ks_case_new},       {"show", case_show},
    {"list", ks_case_list},     {"move", ks_case_move},
    {"set", ks_case_set},       {"promise", ks_case_promise},
    {"resolve", ks_case_resolve}, {"due", ks_case_due},
    {"verify", case_verify},
};

int cmd_case(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        ks_case_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? KS_EXIT_USAGE : KS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(argv[1], subs[i].name))
            return subs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "kesu case: unknown command \"%s\"\n\n", argv[1]);
    ks_case_usage(stderr);
    return KS_EXIT_USAGE;
}
