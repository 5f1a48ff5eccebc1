/*
 * `kesu train`: fits the n-gram model (include/kesu/model.h) on labelled
 * corpora and writes the model file a pack loads beside its rules.
 */
#include "cli.h"
#include "labels.h"
#include "../io/lines.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: kesu train --out FILE [OPTIONS] CORPUS_DIR...\n"
    "\n"
    "Trains the n-gram model on labelled corpora and writes it to FILE\n"
    "(put it in a rule directory as NAME.tsv and `kesu qa` uses it). Each\n"
    "CORPUS_DIR holds corpus.jsonl (SPEC 3.1) and labels.jsonl (as for\n"
    "`kesu eval`). Each directory counts as one writer: a code's threshold\n"
    "is chosen on scores of directories left out of training, and the\n"
    "precision and recall printed are those out-of-directory scores.\n"
    "\n"
    "options:\n"
    "  --codes A,B,...      codes to model (default: every code but\n"
    "                       those judged from the clock and events:\n"
    "                       sensitive_mishandled, forced_end,\n"
    "                       slow_response; and negligence)\n"
    "  --min-weight X       leave weights below X out of the file "
    "(default 0.1)\n"
    "  --epochs N           training passes (default 12)\n"
    "  --beta X             thresholds maximise F-beta (default 1; below 1\n"
    "                       favours precision)\n"
    "  --min-train-precision X\n"
    "                       raise a threshold until the model is this\n"
    "                       precise on its own training data (default\n"
    "                       0.95; 0 = no floor)\n"
    "  --promote-margin X|never\n"
    "                       a code the model scores X past its threshold,\n"
    "                       and past every training conversation not\n"
    "                       labelled with it, is a finding though no rule\n"
    "                       found it (default 0.5, from 0.001 to 100)\n"
    "  --withhold-margin X|never\n"
    "                       the rules' findings of a code the model scores\n"
    "                       X below its threshold are withheld (default\n"
    "                       1.0, from 0.001 to 100)\n";

static int parse_codes(const char *s, uint32_t *out)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        int c = ks_incident_from_name(tok);
        if (c < 0) {
            fprintf(stderr, "kesu train: unknown code \"%s\"\n", tok);
            return -1;
        }
        *out |= 1u << c;
    }
    return 0;
}

/* Adds one line's conversation with its label; 0 when it was added. */
static int add_line(ks_trainer *t, const char *path, size_t lineno,
                    const char *line, size_t len, ks_labels *ls,
                    unsigned group)
{
    char where[4200];
    ks_diags d = {0};
    ks_conv c;
    snprintf(where, sizeof where, "%s:%zu", path, lineno);
    int rc = ks_conv_from_json(line, len, &c, &d, where);
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    if (rc)
        return -1;
    ks_label *l = ks_labels_find(ls, c.id);
    if (!l)
        fprintf(stderr, "%s: error: conversation \"%s\" has no label\n",
                where, c.id);
    else {
        l->seen = 1;
        if ((rc = ks_trainer_add(t, &c, l->codes, group)))
            fprintf(stderr, "%s: error: %s\n", where, ks_strerror(rc));
    }
    ks_conv_free(&c);
    return l && !rc ? 0 : -1;
}

static int add_corpus(ks_trainer *t, const char *path, ks_labels *ls,
                      unsigned group, size_t *added)
{
    FILE *f = fopen(path, "rb");
    ks_linereader lr;
    if (!f || ks_lr_open(&lr, f, 10u << 20)) {
        fprintf(stderr, "kesu train: cannot read %s: %s\n", path,
                strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    const char *line;
    size_t len;
    int too_long, bad = 0, r;
    while ((r = ks_lr_next(&lr, &line, &len, &too_long)) == 1) {
        if (too_long)
            fprintf(stderr, "%s:%zu: error: line longer than 10 MiB\n", path,
                    lr.lineno);
        if (too_long || (len && add_line(t, path, lr.lineno, line, len, ls,
                                         group)))
            bad = 1;
        else
            *added += len != 0;
    }
    if (r < 0)
        fprintf(stderr, "kesu train: read error in %s\n", path);
    ks_lr_close(&lr);
    fclose(f);
    return bad || r < 0 ? -1 : 0;
}

/* One labelled corpus directory; every problem reported, -1 if any. */
static int add_dir(ks_trainer *t, const char *dir, unsigned group,
                   size_t *added)
{
    char lpath[4096], cpath[4096];
    snprintf(lpath, sizeof lpath, "%s/labels.jsonl", dir);
    snprintf(cpath, sizeof cpath, "%s/corpus.jsonl", dir);
    ks_labels ls = {0};
    /* the corpus is read even after a bad label line, so that every
     * problem is reported at once */
    int rc = ks_labels_load("train", lpath, &ls);
    rc |= add_corpus(t, cpath, &ls, group, added);
    size_t unseen = ks_labels_unseen(&ls);
    if (rc == 0 && unseen) {
        fprintf(stderr, "%s: error: %zu labels without a conversation\n",
                lpath, unseen);
        rc = -1;
    }
    ks_labels_free(&ls);
    return rc;
}

/* A level, or "never". */
static void print_level(double v)
{
    if (isinf(v))
        printf(" %9s", "never");
    else
        printf(" %9.3f", v);
}

static void print_report(const ks_model *m, const ks_train_report *r)
{
    printf("%zu conversations in %zu corpora, %zu features kept\n\n",
           r->convs, r->groups, r->features);
    printf("%-16s %9s %9s %9s %7s %9s %9s %9s\n", "code", "positives",
           "unseen at", "precision", "recall", "threshold", "promote",
           "withhold");
    for (int c = 0; c < KS_INC_COUNT; c++) {
        if (!(ks_model_codes(m) >> c & 1))
            continue;
        printf("%-16s %9zu %9.3f %9.3f %7.3f %9.3f",
               ks_incident_name((ks_incident)c), r->positives[c],
               r->oof_threshold[c], r->oof_p[c], r->oof_r[c],
               r->threshold[c]);
        print_level(r->promote[c]);
        print_level(r->withhold[c]);
        putchar('\n');
    }
    if (r->groups < 2)
        printf("\n(one corpus only: nothing is measured on unseen "
               "writers; thresholds start at probability 0.5)\n");
    else
        printf("\n(\"unseen at\": the threshold where F-beta peaks when "
               "each corpus is scored by a\nmodel trained without it, with "
               "that precision and recall; \"threshold\": the\nsame, "
               "raised until the model is --min-train-precision precise on "
               "its training data)\n");
    printf("(at or past \"promote\" a code is found, past the threshold "
           "suspected; below\n\"withhold\" the rules' findings of it are "
           "withheld)\n");
}

/* Written beside the target and renamed, so a reader never sees half a
 * model. */
static int write_model(const ks_model *m, const char *path)
{
    char *text, tmp[4200];
    size_t len;
    int rc = ks_model_write(m, &text, &len);
    if (rc) {
        fprintf(stderr, "kesu train: %s\n", ks_strerror(rc));
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(text, 1, len, f) == len;
    ok = f && fclose(f) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
        fprintf(stderr, "kesu train: cannot write %s: %s\n", path,
                strerror(errno));
        remove(tmp);
    }
    ks_free(text);
    return ok ? 0 : -1;
}

/* A number option within [lo, hi]; absent leaves *out alone. */
static int num_opt(const char *name, const char *v, double lo, double hi,
                   double *out)
{
    if (!v)
        return 0;
    char *end;
    double x = strtod(v, &end);
    if (*end || end == v || !(x >= lo && x <= hi)) {
        fprintf(stderr, "kesu train: --%s wants a number from %g to %g\n",
                name, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

/* A margin option: a number within [0.001, 100], or "never" (-1). */
static int margin_opt(const char *name, const char *v, double *out)
{
    if (v && !strcmp(v, "never")) {
        *out = -1;
        return 0;
    }
    if (v && num_opt(name, v, 0.001, 100, out)) {
        fprintf(stderr, "kesu train: --%s also takes \"never\"\n", name);
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, const char **outp,
                      ks_train_opts *o, char **dirs, int *ndirs)
{
    const char *codes = NULL, *minw = NULL, *epochs = NULL, *beta = NULL,
               *floor = NULL, *promote = NULL, *withhold = NULL;
    int help = 0;
    ks_opt opts[] = {{"out", outp, NULL},         {"codes", &codes, NULL},
                     {"min-weight", &minw, NULL}, {"epochs", &epochs, NULL},
                     {"beta", &beta, NULL},
                     {"min-train-precision", &floor, NULL},
                     {"promote-margin", &promote, NULL},
                     {"withhold-margin", &withhold, NULL},
                     {"help", NULL, &help},       {NULL, NULL, NULL}};
    *ndirs = ks_parse_opts("train", argc, argv, opts, dirs, 64);
    if (help) {
        fputs(usage, stdout);
        return 1;
    }
    double ep = 12;
    int bad = *ndirs < 0 ||
              num_opt("min-weight", minw, 0, 100, &o->min_weight) ||
              num_opt("epochs", epochs, 1, 1000, &ep) ||
              num_opt("beta", beta, 0.01, 10, &o->beta) ||
              num_opt("min-train-precision", floor, 0, 1,
                      &o->min_train_precision) ||
              margin_opt("promote-margin", promote, &o->promote_margin) ||
              margin_opt("withhold-margin", withhold, &o->withhold_margin) ||
              (codes && parse_codes(codes, &o->codes));
    if (!bad && (*ndirs < 1 || !*outp)) {
        fprintf(stderr, "kesu train: need --out FILE and at least one "
                        "CORPUS_DIR\n");
        bad = 1;
    }
    if (bad) {
        fputs(usage, stderr);
        return -1;
    }
    o->epochs = (int)ep;
    if (minw && o->min_weight == 0)
        o->min_weight = -1;     /* keep every weight */
    if (floor && o->min_train_precision == 0)
        o->min_train_precision = -1;    /* no floor */
    return 0;
}

int cmd_train(int argc, char **argv)
{
    const char *out = NULL;
    ks_train_opts o = {0};
    char *dirs[64];
    int ndirs;
    int a = parse_args(argc, argv, &out, &o, dirs, &ndirs);
    if (a)
        return a > 0 ? KS_EXIT_OK : KS_EXIT_USAGE;
    ks_trainer *t;
    if (ks_trainer_new(&t)) {
        fprintf(stderr, "kesu train: out of memory\n");
        return KS_EXIT_FAIL;
    }
    size_t added = 0;
    int bad = 0;
    for (int i = 0; i < ndirs; i++)
        bad |= add_dir(t, dirs[i], (unsigned)i, &added) != 0;
    ks_model *m = NULL;
    ks_train_report rep;
    int rc = KS_OK;
    if (bad)
        fprintf(stderr, "kesu train: nothing written: fix the input first "
                        "(a model should not learn from half a corpus)\n");
    else if (added == 0)
        fprintf(stderr, "kesu train: no conversations to learn from\n");
    else if ((rc = ks_trainer_fit(t, &o, &m, &rep)))
        fprintf(stderr, "kesu train: %s\n", ks_strerror(rc));
    ks_trainer_free(t);
    if (!m)
        return bad ? KS_EXIT_BADINPUT : KS_EXIT_FAIL;
    print_report(m, &rep);
    int wrc = write_model(m, out);
    if (!wrc)
        printf("wrote %s\n", out);
    ks_model_free(m);
    return wrc ? KS_EXIT_FAIL : KS_EXIT_OK;
}
