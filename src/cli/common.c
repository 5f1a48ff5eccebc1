/* Helpers shared by the subcommands. */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ks_parse_opts(const char *cmd, int argc, char **argv, const ks_opt *opts,
                  char **pos, int maxpos)
{
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (!strcmp(a, "--"))
                a = ++i < argc ? argv[i] : NULL;
            if (!a)
                break;
            if (npos == maxpos) {
                fprintf(stderr, "kesu %s: unexpected argument \"%s\"\n", cmd,
                        a);
                return -1;
            }
            pos[npos++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const ks_opt *o = opts;
        while (o->name && (strlen(o->name) != nlen ||
                           strncmp(o->name, name, nlen) != 0))
            o++;
        if (!o->name) {
            fprintf(stderr, "kesu %s: unknown option \"--%.*s\" (see kesu %s "
                            "--help)\n", cmd, (int)nlen, name, cmd);
            return -1;
        }
        if (o->flag) {
            if (eq) {
                fprintf(stderr, "kesu %s: --%s takes no value\n", cmd,
                        o->name);
                return -1;
            }
            *o->flag = 1;
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            fprintf(stderr, "kesu %s: --%s needs a value\n", cmd, o->name);
            return -1;
        }
    }
    return npos;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *ks_default_rules(void)
{
    static char buf[PATH_MAX];
    const char *env = getenv("KESU_RULES");
    if (env && *env)
        return env;
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 16);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash) {
            strcpy(slash, "/../rules");
            if (is_dir(buf)) {
                static char real[PATH_MAX];
                return realpath(buf, real) ? real : buf;
            }
            strcpy(slash, "/rules");
            if (is_dir(buf))
                return buf;
        }
    }
    return "rules";
}

void ks_print_diags(FILE *f, ks_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "%s: %s: %s\n", d->items[i].where,
                d->items[i].warning ? "warning" : "error", d->items[i].msg);
    ks_diags_clear(d);
}

ks_pack *ks_cli_load_pack(const char *dir, int quiet_warnings)
{
    ks_diags d = {0};
    ks_pack *p = NULL;
    int rc = ks_pack_load_dir(dir, &p, &d);
    size_t nerr = d.errors;
    if (rc || !quiet_warnings)
        ks_print_diags(stderr, &d);
    if (rc)
        fprintf(stderr, "kesu: rule pack %s not loaded (%zu error%s)\n", dir,
                nerr, nerr == 1 ? "" : "s");
    ks_diags_free(&d);
    return p;
}

void ks_json_str(FILE *f, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', f);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fwrite(s + run, 1, i - run, f);
        run = i + 1;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        }
    }
    fwrite(s + run, 1, len - run, f);
    putc('"', f);
}
