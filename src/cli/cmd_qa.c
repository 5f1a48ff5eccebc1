/* `kesu qa FILE|-`: the service-quality inspector. */
#include "cli.h"
#include "qa_stream.h"
#include "report.h"
#include "../io/hugemem.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: kesu qa [OPTIONS] FILE|-\n"
    "\n"
    "Reads conversations (SPEC 3.1 JSON Lines; - for stdin) and reports\n"
    "every service incident with its evidence and coaching advice, and each\n"
    "conversation's risk and complaint causes.\n"
    "\n"
    "options:\n"
    "  --format text|jsonl  readable report (default) or SPEC 3.2 JSON Lines\n"
    "  --rules DIR          rule pack directory (default: the shipped pack)\n"
    "  --all                text report: list clean conversations too\n"
    "  --color auto|always|never   highlight evidence (default auto)\n"
    "  --max-line BYTES     longest accepted input line (default 4194304)\n"
    "  --stats              print time per stage and throughput on stderr\n"
    "  --no-model           the rules alone: skip the n-gram model's findings,\n"
    "                       suspicions and withholdings (faster on large\n"
    "                       archives)\n"
    "  --threads N          worker threads for --format jsonl (default: the\n"
    "                       number of cores; output stays in input order)\n"
    "\n"
    "exit status: 0 all lines judged; 1 some lines were rejected (reported\n"
    "on stderr with file:line); 2 usage or rule pack error; 3 input could\n"
    "not be read.\n";

static void on_jsonl(void *arg, const ks_conv *c, const ks_result *r)
{
    ks_report_jsonl(arg, c, r);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v < 1024 || v > (1ull << 31))
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_threads(const char *s, int *out)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : (long)sysconf(_SC_NPROCESSORS_ONLN);
    if (s && (!*s || *end || v < 1 || v > 64))
        return -1;
    *out = v < 1 ? 1 : v > 64 ? 64 : (int)v;
    return 0;
}

static int want_color(const char *mode)
{
    if (!strcmp(mode, "always"))
        return 1;
    if (!strcmp(mode, "never"))
        return 0;
    if (strcmp(mode, "auto"))
        return -1;
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && *nc);
}

/* Validates the options; returns NULL or the message for the user. */
static const char *check_args(int npos, const char *format, const char *color,
                              int *use_color, const char *maxl,
                              size_t *max_line, const char *threads_s,
                              int *threads)
{
    if (npos != 1)
        return "expected one input FILE (or - for stdin)";
    if (strcmp(format, "text") && strcmp(format, "jsonl"))
        return "--format must be text or jsonl";
    if ((*use_color = want_color(color)) < 0)
        return "--color must be auto, always or never";
    if (parse_size(maxl, max_line))
        return "--max-line must be a byte count from 1024 to 2^31";
    if (parse_threads(threads_s, threads))
        return "--threads must be a number from 1 to 64";
    return NULL;
}

int cmd_qa(int argc, char **argv)
{
    const char *format = "text", *rules = NULL, *color = "auto";
    const char *maxl = "4194304", *threads_s = NULL;
    int help = 0, all = 0, stats = 0, no_model = 0;
    ks_opt opts[] = {{"format", &format, NULL}, {"rules", &rules, NULL},
                     {"color", &color, NULL},   {"max-line", &maxl, NULL},
                     {"all", NULL, &all},       {"help", NULL, &help},
                     {"stats", NULL, &stats},   {"no-model", NULL, &no_model},
                     {"threads", &threads_s, NULL},
                     {NULL, NULL, NULL}};
    char *pos[1];
    int npos = ks_parse_opts("qa", argc, argv, opts, pos, 1);
    if (help) {
        fputs(usage, stdout);
        return KS_EXIT_OK;
    }
    size_t max_line;
    int use_color, threads;
    const char *bad = npos < 0 ? "" : check_args(npos, format, color, &use_color,
                                                maxl, &max_line, threads_s,
                                                &threads);
    if (bad) {
        if (*bad)
            fprintf(stderr, "kesu qa: %s\n", bad);
        fputs(usage, stderr);
        return KS_EXIT_USAGE;
    }
    ks_mem_keep_freed();
    ks_qa_stream_timing(stats);
    ks_qa_no_model = no_model;
    uint64_t t0 = ks_qa_now_ns();
    ks_pack *p = ks_cli_load_pack(rules ? rules : ks_default_rules(), 1);
    if (!p)
        return KS_EXIT_USAGE;
    uint64_t load_ns = ks_qa_now_ns() - t0;
    ks_stream_stats st;
    int rc;
    if (!strcmp(format, "jsonl")) {
        if (threads > 1)
            rc = ks_qa_stream_jsonl_parallel(pos[0], p, max_line, threads,
                                             &st);
        else
            rc = ks_qa_stream(pos[0], p, max_line, on_jsonl, stdout, &st);
    } else {
        ks_text_report *t = ks_text_report_new(stdout, use_color, all);
        rc = t ? ks_qa_stream(pos[0], p, max_line, ks_text_report_conv, t, &st)
               : -1;
        if (t) /* no summary when nothing could be read at all */
            ks_text_report_finish(t, &st, rc == 0 || st.lines > 0);
    }
    ks_pack_free(p);
    st.load_ns = load_ns;
    if (stats)
        ks_print_stage_stats(stderr, &st);
    if (fflush(stdout) != 0) {
        perror("kesu qa: writing output");
        return KS_EXIT_FAIL;
    }
    if (rc)
        return KS_EXIT_FAIL;
    return st.bad ? KS_EXIT_BADINPUT : KS_EXIT_OK;
}
