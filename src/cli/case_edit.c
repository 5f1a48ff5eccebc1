/* `kesu case move|set|promise|resolve`: changes to one case. Each reads
 * its options, loads the case and hands the change to the desk library
 * (include/kesu/desk.h), which checks it (flow guards, policy deadlines)
 * and saves it with one audit event; a refusal saves nothing. */
#include "case_cmd.h"

#include <stdlib.h>
#include <string.h>

typedef struct edit {
    ks_desk dk;
    ks_desk_env env;
    ks_case c;
    ks_diags d;
    const char *cmd;
} edit;

/* Opens the desk and loads the case named by the first positional. */
static int edit_open(edit *e, const char *cmd, const ks_desk_opts *o,
                     const char *idarg)
{
    int64_t id;
    memset(e, 0, sizeof *e);
    e->cmd = cmd;
    ks_case_init(&e->c);
    if (ks_arg_id(cmd, idarg, &id))
        return KS_EXIT_USAGE;
    int rc = ks_desk_open(&e->dk, o, cmd, 1);
    if (rc)
        return rc;
    e->env = ks_desk_env_of(&e->dk);
    return ks_desk_load(&e->dk, cmd, id, &e->c);
}

static void edit_close(edit *e)
{
    ks_diags_free(&e->d);
    ks_case_free(&e->c);
    ks_desk_close(&e->dk);
}

/* The exit code of a desk operation, with its confirmation. */
static int edit_done(edit *e, int rc, const char *what)
{
    rc = ks_case_result(e->cmd, &e->c, rc, &e->d);
    return rc ? rc : ks_case_done(&e->dk, &e->c, what);
}

int ks_case_move(int argc, char **argv)
{
    ks_desk_opts o = {0};
    ks_facts f = {0};
    ks_case_facts cf;
    ks_opt opts[] = {KS_DESK_OPTS(o), KS_FACT_OPTS(f), {0}};
    char *pos[2];
    edit e;
    int n = ks_parse_opts("case move", argc, argv, opts, pos, 2);
    if (n != 2) {
        if (n >= 0)
            fprintf(stderr, "usage: kesu case move ID STATE\n");
        return KS_EXIT_USAGE;
    }
    int to = ks_state_from_name(pos[1]);
    if (to < 0) {
        fprintf(stderr, "kesu case move: unknown state \"%s\" (new, soothing, "
                        "verifying, negotiating, resolving, closed, "
                        "escalated, or 安抚 核实 协商 处理中 完结 平台介入)\n",
                pos[1]);
        return KS_EXIT_USAGE;
    }
    int rc = edit_open(&e, "case move", &o, pos[0]);
    if (!rc && ks_facts_parse(e.cmd, &f, &cf))
        rc = KS_EXIT_BADINPUT;
    if (!rc) {
        ks_state from = e.c.state;
        int mr = ks_desk_move(&e.env, &e.c, (ks_state)to, &cf, &e.d);
        if (mr == KS_ESTATE && e.d.n) {
            fprintf(stderr, "kesu case move: case #%lld stays %s: %s\n",
                    (long long)e.c.id, ks_state_name(from), e.d.items[0].msg);
            rc = KS_EXIT_BADINPUT;
        } else {
            rc = edit_done(&e, mr, "moved");
        }
    }
    edit_close(&e);
    return rc;
}

int ks_case_set(int argc, char **argv)
{
    ks_desk_opts o = {0};
    ks_facts f = {0};
    ks_case_facts cf;
    ks_opt opts[] = {KS_DESK_OPTS(o), KS_FACT_OPTS(f), {0}};
    char *pos[1];
    edit e;
    int n = ks_parse_opts("case set", argc, argv, opts, pos, 1);
    if (n != 1) {
        if (n == 0)
            fprintf(stderr, "usage: kesu case set ID [facts]\n");
        return KS_EXIT_USAGE;
    }
    int rc = edit_open(&e, "case set", &o, pos[0]);
    if (!rc) {
        if (ks_facts_parse(e.cmd, &f, &cf))
            rc = KS_EXIT_BADINPUT;
        else if (!ks_case_facts_any(&cf))
            fprintf(stderr, "kesu case set: nothing to set (see kesu case "
                            "--help)\n"), rc = KS_EXIT_USAGE;
        else
            rc = edit_done(&e, ks_desk_set(&e.env, &e.c, &cf, &e.d),
                           "updated");
    }
    edit_close(&e);
    return rc;
}

static int keep_promise(edit *e, const char *pid_arg, const char *note)
{
    int64_t pid;
    if (ks_arg_id(e->cmd, pid_arg, &pid))
        return KS_EXIT_USAGE;
    return edit_done(e, ks_desk_keep(&e->env, &e->c, pid, note, &e->d),
                     "promise kept");
}

static int new_promise(edit *e, const char *kind, const char *text,
                       const char *due, const char *within)
{
    int k = ks_promise_from_name(kind);
    int64_t at = KS_TIME_NONE, span;
    if (k < 0) {
        fprintf(stderr, "kesu case promise: unknown kind \"%s\" (reply, "
                        "callback, tracking, reship, refund, compensate, "
                        "evidence, other)\n", kind);
        return KS_EXIT_USAGE;
    }
    if (due && within) {
        fprintf(stderr, "kesu case promise: give --due or --within, not "
                        "both\n");
        return KS_EXIT_USAGE;
    }
    if (due && ks_arg_time(e->cmd, "due", due, &at))
        return KS_EXIT_USAGE;
    if (within) {
        if (ks_arg_duration(e->cmd, "within", within, &span))
            return KS_EXIT_USAGE;
        at = e->dk.now + span;
    }
    return edit_done(e, ks_desk_promise(&e->env, &e->c, (ks_promise_kind)k,
                                        text, at, &e->d),
                     "promise recorded");
}

int ks_case_promise(int argc, char **argv)
{
    ks_desk_opts o = {0};
    const char *text = NULL, *due = NULL, *within = NULL, *keep = NULL,
               *note = NULL;
    ks_opt opts[] = {KS_DESK_OPTS(o), {"text", &text, NULL},
                     {"due", &due, NULL}, {"within", &within, NULL},
                     {"keep", &keep, NULL}, {"note", &note, NULL}, {0}};
    char *pos[2];
    edit e;
    int n = ks_parse_opts("case promise", argc, argv, opts, pos, 2);
    if (n < 0)
        return KS_EXIT_USAGE;
    if (n != (keep ? 1 : 2)) {
        fprintf(stderr, "usage: kesu case promise ID KIND [--text T] [--due "
                        "TIME | --within 2h]\n"
                        "       kesu case promise ID --keep PROMISE_ID\n");
        return KS_EXIT_USAGE;
    }
    int rc = edit_open(&e, "case promise", &o, pos[0]);
    if (!rc)
        rc = keep ? keep_promise(&e, keep, note)
                  : new_promise(&e, pos[1], text, due, within);
    edit_close(&e);
    return rc;
}

int ks_case_resolve(int argc, char **argv)
{
    ks_desk_opts o = {0};
    const char *amount = NULL, *note = NULL;
    ks_opt opts[] = {KS_DESK_OPTS(o), {"amount", &amount, NULL},
                     {"note", &note, NULL}, {0}};
    char *pos[2];
    edit e;
    double amt = -1;
    int n = ks_parse_opts("case resolve", argc, argv, opts, pos, 2);
    if (n != 2) {
        if (n >= 0)
            fprintf(stderr, "usage: kesu case resolve ID REMEDY [--amount "
                            "X]\n");
        return KS_EXIT_USAGE;
    }
    int r = ks_remedy_from_name(pos[1]);
    if (r <= KS_REMEDY_none) {
        fprintf(stderr, "kesu case resolve: unknown remedy \"%s\" (refund, "
                        "partial_refund, return_refund, exchange, reship, "
                        "compensate, full_remedy, refuse)\n", pos[1]);
        return KS_EXIT_USAGE;
    }
    if (amount && ks_arg_money("case resolve", "amount", amount, &amt))
        return KS_EXIT_USAGE;
    int rc = edit_open(&e, "case resolve", &o, pos[0]);
    if (!rc)
        rc = edit_done(&e, ks_desk_resolve(&e.env, &e.c, (ks_remedy)r, amt,
                                           note, &e.d),
                       "remedy agreed");
    edit_close(&e);
    return rc;
}
