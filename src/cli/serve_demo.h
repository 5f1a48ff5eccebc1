/* `kesu serve --demo`: seeding a demo database (serve_demo.c). */
#ifndef KS_CLI_SERVE_DEMO_H
#define KS_CLI_SERVE_DEMO_H

#include <stdio.h>
#include "kesu/kesu.h"
#include "kesu/import.h"

typedef struct demo_user {
    const char *name;
    ks_role role;
    const char *shop, *team;
    const char *password;
    const char *what;        /* shown next to the login */
} demo_user;

extern const demo_user demo_users[];
extern const size_t demo_nusers;

/* Moves the timestamps of n SPEC 3.1 lines (replaced in place, malloc'ed)
 * by whole days so that the newest falls on the day before now's. */
int demo_shift_lines(char **lines, size_t n, int64_t now, int offset_min);
/* The demo accounts; KS_ESTATE (explained in d) when one exists. */
int demo_add_users(ks_store *st, int64_t now, ks_diags *d);
void demo_print_logins(FILE *f, const char *url);
/* Judges the conversations of path (shifted as above) with pack and
 * imports them as `kesu import` does; counts what was stored. */
int demo_import_file(ks_store *st, const ks_pack *pack, const char *path,
                     int64_t now, int offset_min, size_t *convs,
                     size_t *cases, ks_diags *d);

#endif
