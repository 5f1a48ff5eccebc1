/* kesu command line: dispatch to one file per subcommand. */
#include "cli.h"
#include "desk.h"
#include "../io/hugemem.h"

#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"qa", cmd_qa, "inspect chat transcripts for service incidents"},
    {"rules", cmd_rules, "check, test or export a rule pack"},
    {"eval", cmd_eval, "measure a rule pack against labelled conversations"},
    {"train", cmd_train, "train the n-gram model on labelled conversations"},
    {"case", cmd_case, "work complaint cases through the after-sales flow"},
    {"import", cmd_import, "turn complaint conversations into cases"},
    {"serve", cmd_serve, "run the HTTP API (reply guard, imports, incidents)"},
    {"user", cmd_user, "accounts and API tokens for kesu serve"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: kesu COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`kesu COMMAND --help` describes a command.\n");
}

int main(int argc, char **argv)
{
    ks_mem_tune();
    if (argc < 2) {
        usage(stderr);
        return KS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return KS_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("kesu %s\n", KS_VERSION);
        return KS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "kesu: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return KS_EXIT_USAGE;
}
