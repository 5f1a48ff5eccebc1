/*
 * `kesu eval`: precision and recall of a rule pack per incident code
 * against labelled conversations, so a lead can check a custom pack (and
 * CI can hold the shipped one to its bar).
 */
#include "cli.h"
#include "labels.h"
#include "qa_stream.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: kesu eval --labels LABELS [OPTIONS] CORPUS\n"
    "\n"
    "LABELS holds one JSON object per line: {\"id\":…, \"codes\":[…],\n"
    "\"risk\":…, \"causes\":[…]}. Prints per incident code the true and\n"
    "false positives, misses, precision and recall.\n"
    "\n"
    "options:\n"
    "  --rules DIR            rule pack (default: the shipped pack)\n"
    "  --min-precision X      fail (exit 1) if a code's precision < X\n"
    "  --min-recall X         fail (exit 1) if a code's recall < X\n"
    "  --with-suspected       count the model's suspicions as findings\n"
    "  --no-model             the rules alone (no model verdicts)\n"
    "  --verbose              list every conversation the pack got wrong\n";

typedef struct eval {
    ks_labels labels;
    size_t tp[KS_INC_COUNT], fp[KS_INC_COUNT], fn[KS_INC_COUNT];
    size_t ctp[KS_CAUSE_COUNT], cfp[KS_CAUSE_COUNT], cfn[KS_CAUSE_COUNT];
    size_t risk_ok, risk_n, unlabelled;
    int verbose;
    int suspected;          /* suspicions count as findings */
} eval;

static void note_miss(eval *ev, const char *id, const char *what, int k)
{
    if (ev->verbose)
        printf("  %s: %s %s\n", id, what,
               ks_incident_name((ks_incident)k));
}

static void on_conv(void *arg, const ks_conv *c, const ks_result *r)
{
    eval *ev = arg;
    ks_label *l = ks_labels_find(&ev->labels, c->id);
    if (!l) {
        ev->unlabelled++;
        return;
    }
    l->seen = 1;
    uint32_t got = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        got |= 1u << r->findings[i].code;
    for (size_t i = 0; ev->suspected && i < r->nsuspects; i++)
        got |= 1u << r->suspects[i].code;
    for (int k = 0; k < KS_INC_COUNT; k++) {
        int want = l->codes >> k & 1u, have = got >> k & 1u;
        ev->tp[k] += want && have;
        ev->fp[k] += !want && have;
        ev->fn[k] += want && !have;
        if (want != have)
            note_miss(ev, c->id, have ? "extra" : "missed", k);
    }
    for (int k = 0; k < KS_CAUSE_COUNT; k++) {
        int want = l->causes >> k & 1u, have = r->causes >> k & 1u;
        ev->ctp[k] += want && have;
        ev->cfp[k] += !want && have;
        ev->cfn[k] += want && !have;
    }
    if (l->risk >= 0) {
        ev->risk_n++;
        ev->risk_ok += l->risk == (int)r->risk;
        if (ev->verbose && l->risk != (int)r->risk)
            printf("  %s: risk %s, labelled %s\n", c->id,
                   ks_risk_name(r->risk), ks_risk_name((ks_risk)l->risk));
    }
}

static double ratio(size_t a, size_t b) { return b ? (double)a / b : 1.0; }

static int report(const eval *ev, double minp, double minr)
{
    int fail = 0;
    printf("\n%-22s %5s %7s %4s %4s %4s %9s %7s\n", "code", "level",
           "support", "tp", "fp", "fn", "precision", "recall");
    for (int k = 0; k < KS_INC_COUNT; k++) {
        size_t sup = ev->tp[k] + ev->fn[k];
        if (!sup && !ev->fp[k])
            continue;
        double p = ratio(ev->tp[k], ev->tp[k] + ev->fp[k]);
        double r = ratio(ev->tp[k], sup);
        int bad = p < minp || r < minr;
        fail |= bad;
        printf("%-22s %5c %7zu %4zu %4zu %4zu %9.3f %7.3f%s\n",
               ks_incident_name((ks_incident)k),
               ks_incident_level((ks_incident)k), sup, ev->tp[k], ev->fp[k],
               ev->fn[k], p, r, bad ? "  << below bar" : "");
    }
    printf("\n%-22s %7s %4s %4s %4s %9s %7s\n", "cause", "support", "tp",
           "fp", "fn", "precision", "recall");
    for (int k = 0; k < KS_CAUSE_COUNT; k++) {
        size_t sup = ev->ctp[k] + ev->cfn[k];
        if (sup || ev->cfp[k])
            printf("%-22s %7zu %4zu %4zu %4zu %9.3f %7.3f\n",
                   ks_cause_name((ks_cause)k), sup, ev->ctp[k], ev->cfp[k],
                   ev->cfn[k], ratio(ev->ctp[k], ev->ctp[k] + ev->cfp[k]),
                   ratio(ev->ctp[k], sup));
    }
    printf("\nrisk level exact: %zu/%zu (%.3f)\n", ev->risk_ok, ev->risk_n,
           ratio(ev->risk_ok, ev->risk_n));
    return fail;
}

int cmd_eval(int argc, char **argv)
{
    const char *labels = NULL, *rules = NULL, *minp = "0", *minr = "0";
    int help = 0, no_model = 0;
    eval ev = {0};
    ks_opt opts[] = {{"labels", &labels, NULL},   {"rules", &rules, NULL},
                     {"min-precision", &minp, NULL},
                     {"min-recall", &minr, NULL}, {"verbose", NULL, &ev.verbose},
                     {"with-suspected", NULL, &ev.suspected},
                     {"no-model", NULL, &no_model},
                     {"help", NULL, &help},       {NULL, NULL, NULL}};
    char *pos[1];
    int npos = ks_parse_opts("eval", argc, argv, opts, pos, 1);
    if (help) {
        fputs(usage, stdout);
        return KS_EXIT_OK;
    }
    char *e1, *e2;
    double mp = strtod(minp, &e1), mr = strtod(minr, &e2);
    if (npos != 1 || !labels || *e1 || *e2 || mp < 0 || mp > 1 || mr < 0 ||
        mr > 1) {
        if (npos >= 0)
            fprintf(stderr, "kesu eval: need --labels FILE and one CORPUS; "
                            "thresholds are numbers from 0 to 1\n");
        fputs(usage, stderr);
        return KS_EXIT_USAGE;
    }
    ks_pack *p = ks_cli_load_pack(rules ? rules : ks_default_rules(), 1);
    if (!p)
        return KS_EXIT_USAGE;
    ks_stream_stats st;
    ks_qa_no_model = no_model;
    int rc = ks_labels_load("eval", labels, &ev.labels);
    if (rc == 0)
        rc = ks_qa_stream(pos[0], p, 4u << 20, on_conv, &ev, &st);
    int status = KS_EXIT_FAIL;
    if (rc == 0) {
        size_t unseen = ks_labels_unseen(&ev.labels);
        printf("%zu conversations judged, %zu lines rejected, %zu without "
               "label, %zu labels without conversation\n", st.convs, st.bad,
               ev.unlabelled, unseen);
        int fail = report(&ev, mp, mr) || st.bad || ev.unlabelled || unseen;
        status = fail ? KS_EXIT_BADINPUT : KS_EXIT_OK;
    }
    ks_labels_free(&ev.labels);
    ks_pack_free(p);
    return status;
}
