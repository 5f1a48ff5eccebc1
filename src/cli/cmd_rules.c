/* `kesu rules check|test|words|stats`: work on a rule pack. */
#include "cli.h"

#include <string.h>

static const char usage[] =
    "usage: kesu rules check|test|words|stats [--rules DIR]\n"
    "\n"
    "  check   load the pack, print every error and warning with file:line\n"
    "  test    run the example conversations written beside each rule\n"
    "  words   print every literal word of the pack, one per line\n"
    "          (normalised form, e.g. for rg -F -f / grep -F -f)\n"
    "  stats   print the pack's size\n"
    "\n"
    "exit status: 0 fine; 1 some examples failed; 2 the pack has errors.\n";

static int print_word(const char *w, const char *list, void *arg)
{
    (void)list;
    (void)arg;
    return puts(w) < 0;
}

static void print_stats(const ks_pack *p, const char *dir)
{
    ks_pack_stats st;
    ks_pack_get_stats(p, &st);
    printf("%s: %zu lists, %zu words, %zu regexes", dir, st.lists, st.words,
           st.regexes);
    if (st.regexes_as_strings)  /* why the database has more patterns */
        printf(" (%zu found as their %zu strings)", st.regexes_as_strings,
               st.regex_strings);
    printf(", %zu rules, %zu examples, database %zu bytes", st.rules,
           st.examples, st.db_bytes);
    if (st.model_codes)
        printf("; n-gram model: %zu features, %zu codes", st.model_features,
               st.model_codes);
    putchar('\n');
}

static int run_tests(const ks_pack *p)
{
    ks_pack_stats st;
    ks_diags d = {0};
    ks_pack_get_stats(p, &st);
    size_t failed = ks_pack_check_examples(p, &d);
    ks_print_diags(stdout, &d);
    ks_diags_free(&d);
    printf("examples: %zu passed, %zu failed\n", st.examples - failed,
           failed);
    return failed ? KS_EXIT_BADINPUT : KS_EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
    const char *rules = NULL;
    int help = 0;
    ks_opt opts[] = {{"rules", &rules, NULL}, {"help", NULL, &help},
                     {NULL, NULL, NULL}};
    char *pos[1];
    int npos = ks_parse_opts("rules", argc, argv, opts, pos, 1);
    if (help) {
        fputs(usage, stdout);
        return KS_EXIT_OK;
    }
    static const char *const verbs[] = {"check", "test", "words", "stats"};
    int verb = -1;
    for (int i = 0; npos == 1 && i < 4; i++)
        if (!strcmp(pos[0], verbs[i]))
            verb = i;
    if (verb < 0) {
        if (npos >= 0)
            fprintf(stderr, "kesu rules: expected check, test, words or "
                            "stats\n");
        fputs(usage, stderr);
        return KS_EXIT_USAGE;
    }
    const char *dir = rules ? rules : ks_default_rules();
    ks_pack *p = ks_cli_load_pack(dir, verb >= 1);
    if (!p)
        return KS_EXIT_USAGE;
    int rc = KS_EXIT_OK;
    switch (verb) {
    case 0:
    case 3:
        print_stats(p, dir);
        break;
    case 1:
        rc = run_tests(p);
        break;
    case 2:
        if (ks_pack_each_word(p, print_word, NULL))
            rc = KS_EXIT_FAIL;
        break;
    }
    ks_pack_free(p);
    return rc;
}
