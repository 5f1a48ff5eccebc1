/* `kesu user`: accounts for kesu serve, from the command line (the first
 * admin is made here). Passwords come from stdin, never from argv (which
 * other users of the machine can read in ps); tokens and generated
 * passwords are printed once and stored only hashed. */
#include "desk.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { KS_PASSWORD_MIN = 8, KS_PASSWORD_MAX = 1024, KS_GEN_PASSWORD = 20 };

static const char *const user_usage =
    "usage: kesu user COMMAND [ARGS] [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  add NAME --role R [--shop S] [--team T] [--password-stdin]\n"
    "                      a new account; R is agent, lead, owner or admin;\n"
    "                      every role but admin needs --shop. Without\n"
    "                      --password-stdin a random password is printed "
    "once\n"
    "  token NAME [--label L] [--expires 30d]\n"
    "                      a new API token, printed once on stdout\n"
    "  revoke TOKEN_ID     the token stops working at once\n"
    "  list                accounts and tokens (never secrets)\n"
    "  passwd NAME --password-stdin\n"
    "                      a new password (ends the user's sessions)\n"
    "  disable NAME [--enable]\n"
    "                      lock an account out (or let it in again)\n"
    "\n"
    "options: --db PATH (default $KESU_DB or ./kesu.db), --now TIME\n"
    "  (default $KESU_NOW or the clock). A password read from stdin is 8 to\n"
    "  1024 bytes of UTF-8 (one line; the newline is dropped).\n"
    "\n"
    "exit status: 0 done, 1 refused or bad input (nothing changed),\n"
    "  2 usage, 3 database error.\n";

/* Everything a `kesu user` command may be given. */
typedef struct user_opts {
    const char *db, *now, *role, *shop, *team, *label, *expires;
    int password_stdin, enable, help;
} user_opts;

typedef struct user_ctx {
    ks_store *store;
    int64_t now;
} user_ctx;

static int open_ctx(user_ctx *u, const user_opts *o)
{
    memset(u, 0, sizeof *u);
    const char *now = o->now ? o->now : getenv("KESU_NOW");
    if (now && *now) {
        if (ks_arg_time("user", "now", now, &u->now))
            return KS_EXIT_USAGE;
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        u->now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    const char *db = o->db ? o->db : getenv("KESU_DB");
    if (!db || !*db)
        db = "kesu.db";
    ks_diags d = {0};
    int rc = ks_store_open(db, &u->store, &d);
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    if (rc != KS_OK) {
        fprintf(stderr, "kesu user: cannot open the database %s: %s\n", db,
                ks_strerror(rc));
        return KS_EXIT_FAIL;
    }
    return KS_EXIT_OK;
}

/* Exit status for a store failure: refusals are bad input, the rest is
 * the database's. */
static int store_fail(const user_ctx *u, const char *what, int rc)
{
    fprintf(stderr, "kesu user %s: %s\n", what, ks_store_errmsg(u->store));
    return rc == KS_EDB || rc == KS_EIO || rc == KS_ENOMEM ? KS_EXIT_FAIL
                                                           : KS_EXIT_BADINPUT;
}

/* ---- passwords -------------------------------------------------------- */

/* One line from stdin, without its line end; -1 after saying why. */
static int read_password(char *buf, size_t cap)
{
    size_t n = fread(buf, 1, cap - 1, stdin);
    buf[n] = '\0';
    char *nl = memchr(buf, '\n', n);
    if (nl) {
        n = (size_t)(nl - buf);
        if (n && buf[n - 1] == '\r')
            n--;
    } else if (n == cap - 1) {
        fprintf(stderr, "kesu user: the password is longer than %d bytes\n",
                KS_PASSWORD_MAX);
        return -1;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n) || ks_utf8_validate(buf, n, NULL)) {
        fprintf(stderr, "kesu user: the password is not UTF-8 text\n");
        return -1;
    }
    if (ks_utf8_count(buf, n) < KS_PASSWORD_MIN) {
        fprintf(stderr, "kesu user: the password needs at least %d "
                        "characters\n", KS_PASSWORD_MIN);
        return -1;
    }
    return 0;
}

/* The password to set: from stdin, or a random one (shown is set). */
static int get_password(const user_opts *o, char *pw, size_t cap, int *shown)
{
    *shown = 0;
    if (o->password_stdin)
        return read_password(pw, cap);
    char text[KS_TOKEN_TEXT];
    unsigned char hash[32];
    if (ks_token_new(text, hash) != KS_OK) {
        fprintf(stderr, "kesu user: no randomness for a password\n");
        return -1;
    }
    /* 20 base64url characters: 120 random bits, short enough to type */
    snprintf(pw, cap, "%.*s", KS_GEN_PASSWORD, text + 3);
    *shown = 1;
    return 0;
}

static int hash_password(const char *pw, char out[KS_PWHASH_MAX])
{
    int rc = ks_password_hash(pw, out);
    if (rc != KS_OK)
        fprintf(stderr, "kesu user: cannot hash the password: %s\n",
                ks_strerror(rc));
    return rc;
}

/* ---- commands ------------------------------------------------------------ */

static int user_add(user_ctx *u, const char *name, const user_opts *o)
{
    int role = ks_role_from_name(o->role);
    if (role < 0) {
        fprintf(stderr, "kesu user add: --role: unknown role \"%s\" (agent, "
                        "lead, owner or admin)\n", o->role ? o->role : "");
        return o->role ? KS_EXIT_BADINPUT : KS_EXIT_USAGE;
    }
    char pw[KS_PASSWORD_MAX + 2], hash[KS_PWHASH_MAX];
    int shown;
    if (get_password(o, pw, sizeof pw, &shown) ||
        hash_password(pw, hash) != KS_OK)
        return KS_EXIT_BADINPUT;
    ks_user nu = {.name = (char *)name, .role = (ks_role)role,
                  .shop = (char *)o->shop, .team = (char *)o->team,
                  .pwhash = hash};
    ks_diags d = {0};
    int64_t id;
    int rc = ks_store_user_add(u->store, &nu, u->now, &id, &d);
    /* Every refusal at once (a bad name and a missing shop, say). */
    for (size_t k = 0; rc != KS_OK && k < d.n; k++)
        fprintf(stderr, "kesu user add: %s: %s\n", d.items[k].where,
                d.items[k].msg);
    int told = d.n > 0;
    ks_diags_free(&d);
    if (rc != KS_OK)
        return told ? KS_EXIT_BADINPUT : store_fail(u, "add", rc);
    printf("user %s added: %s%s%s\n", name, ks_role_name((ks_role)role),
           o->shop ? ", shop " : "", o->shop ? o->shop : "");
    if (shown)
        printf("password (shown once): %s\n", pw);
    memset(pw, 0, sizeof pw);
    return KS_EXIT_OK;
}

static int find_user(user_ctx *u, const char *name, ks_user *out)
{
    int rc = ks_store_user_get(u->store, name, out);
    if (rc == KS_ENOENT)
        fprintf(stderr, "kesu user: no user \"%s\"\n", name);
    else if (rc != KS_OK)
        return store_fail(u, "get", rc);
    return rc == KS_OK ? KS_EXIT_OK : KS_EXIT_BADINPUT;
}

static const char *day_of(int64_t t, char buf[32])
{
    if (t == KS_TIME_NONE)
        return "never";
    time_t s = (time_t)(t / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%MZ", &tm);
    return buf;
}

static int user_token(user_ctx *u, const char *name, const user_opts *o)
{
    int64_t ttl = 0, id;
    if (o->expires && ks_arg_duration("user token", "expires", o->expires,
                                      &ttl))
        return KS_EXIT_USAGE;
    if (o->expires && ttl == 0) {
        fprintf(stderr, "kesu user token: --expires must be longer than 0\n");
        return KS_EXIT_USAGE;
    }
    ks_user usr;
    int ex = find_user(u, name, &usr);
    if (ex)
        return ex;
    int disabled = usr.disabled;
    int64_t uid = usr.id;
    ks_user_free(&usr);
    if (disabled) {
        fprintf(stderr, "kesu user token: %s is disabled\n", name);
        return KS_EXIT_BADINPUT;
    }
    char text[KS_TOKEN_TEXT];
    unsigned char hash[32];
    int rc = ks_token_new(text, hash);
    if (rc == KS_OK)
        rc = ks_store_token_add(u->store, uid, hash, o->label, u->now,
                                o->expires ? u->now + ttl : KS_TIME_NONE,
                                &id);
    if (rc != KS_OK)
        return store_fail(u, "token", rc);
    char buf[32];
    fprintf(stderr, "kesu user token: token %lld for %s, expires %s; shown "
                    "once, stored hashed\n", (long long)id, name,
            day_of(o->expires ? u->now + ttl : KS_TIME_NONE, buf));
    printf("%s\n", text);
    return KS_EXIT_OK;
}

static int user_revoke(user_ctx *u, const char *arg)
{
    char *end;
    long long id = strtoll(arg, &end, 10);
    if (end == arg || *end || id <= 0) {
        fprintf(stderr, "kesu user revoke: \"%s\" is not a token number "
                        "(see kesu user list)\n", arg);
        return KS_EXIT_USAGE;
    }
    int rc = ks_store_token_revoke(u->store, id);
    if (rc == KS_ENOENT) {
        fprintf(stderr, "kesu user revoke: no token %lld\n", id);
        return KS_EXIT_BADINPUT;
    }
    if (rc != KS_OK)
        return store_fail(u, "revoke", rc);
    printf("token %lld revoked\n", id);
    return KS_EXIT_OK;
}

static int list_tokens(user_ctx *u)
{
    ks_token_row *t;
    size_t n;
    int rc = ks_store_token_list(u->store, 0, &t, &n);
    if (rc != KS_OK)
        return store_fail(u, "list", rc);
    printf("\n%-6s %-20s %-20s %-18s %s\n", "TOKEN", "USER", "LABEL",
           "EXPIRES", "STATE");
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        const char *state = t[i].revoked ? "revoked"
                            : (t[i].expires_at != KS_TIME_NONE &&
                               t[i].expires_at <= u->now) ? "expired"
                                                          : "active";
        printf("%-6lld %-20s %-20s %-18s %s\n", (long long)t[i].id, t[i].user,
               t[i].label ? t[i].label : "-", day_of(t[i].expires_at, buf),
               state);
    }
    ks_token_rows_free(t, n);
    return KS_EXIT_OK;
}

static int user_list(user_ctx *u)
{
    ks_user *us;
    size_t n;
    int rc = ks_store_user_list(u->store, &us, &n);
    if (rc != KS_OK)
        return store_fail(u, "list", rc);
    printf("%-20s %-6s %-16s %-16s %s\n", "USER", "ROLE", "SHOP", "TEAM",
           "STATE");
    for (size_t i = 0; i < n; i++)
        printf("%-20s %-6s %-16s %-16s %s\n", us[i].name,
               ks_role_name(us[i].role), us[i].shop ? us[i].shop : "-",
               us[i].team ? us[i].team : "-",
               us[i].disabled ? "disabled" : "active");
    ks_users_free(us, n);
    return list_tokens(u);
}

static int user_passwd(user_ctx *u, const char *name, const user_opts *o)
{
    if (!o->password_stdin) {
        fprintf(stderr, "kesu user passwd: give the password on stdin with "
                        "--password-stdin\n");
        return KS_EXIT_USAGE;
    }
    char pw[KS_PASSWORD_MAX + 2], hash[KS_PWHASH_MAX];
    int shown;
    if (get_password(o, pw, sizeof pw, &shown) ||
        hash_password(pw, hash) != KS_OK)
        return KS_EXIT_BADINPUT;
    memset(pw, 0, sizeof pw);
    int rc = ks_store_user_set_password(u->store, name, hash);
    if (rc == KS_ENOENT) {
        fprintf(stderr, "kesu user passwd: no user \"%s\"\n", name);
        return KS_EXIT_BADINPUT;
    }
    if (rc != KS_OK)
        return store_fail(u, "passwd", rc);
    printf("password of %s changed; its sessions ended\n", name);
    return KS_EXIT_OK;
}

static int user_disable(user_ctx *u, const char *name, const user_opts *o)
{
    int rc = ks_store_user_disable(u->store, name, !o->enable);
    if (rc == KS_ENOENT) {
        fprintf(stderr, "kesu user disable: no user \"%s\"\n", name);
        return KS_EXIT_BADINPUT;
    }
    if (rc != KS_OK)
        return store_fail(u, "disable", rc);
    printf("%s %s\n", name, o->enable ? "enabled" : "disabled");
    return KS_EXIT_OK;
}

/* ---- dispatch --------------------------------------------------------------- */

/* Subcommands by name, with how many positionals each takes. */
static int run(user_ctx *u, const char *sub, char **pos, int npos,
               const user_opts *o)
{
    static const struct {
        const char *name;
        int npos;
    } subs[] = {{"add", 1},    {"token", 1},  {"revoke", 1},
                {"list", 0},   {"passwd", 1}, {"disable", 1}};
    size_t i = 0;
    while (i < sizeof subs / sizeof subs[0] && strcmp(sub, subs[i].name))
        i++;
    if (i == sizeof subs / sizeof subs[0] || npos != subs[i].npos) {
        fprintf(stderr, i == sizeof subs / sizeof subs[0]
                            ? "kesu user: unknown command \"%s\"\n\n"
                            : "kesu user %s: wrong number of arguments\n\n",
                sub);
        fputs(user_usage, stderr);
        return KS_EXIT_USAGE;
    }
    switch (i) {
    case 0: return user_add(u, pos[0], o);
    case 1: return user_token(u, pos[0], o);
    case 2: return user_revoke(u, pos[0]);
    case 3: return user_list(u);
    case 4: return user_passwd(u, pos[0], o);
    default: return user_disable(u, pos[0], o);
    }
}

int cmd_user(int argc, char **argv)
{
    user_opts o = {0};
    const ks_opt opts[] = {
        {"db", &o.db, NULL},         {"now", &o.now, NULL},
        {"role", &o.role, NULL},     {"shop", &o.shop, NULL},
        {"team", &o.team, NULL},     {"label", &o.label, NULL},
        {"expires", &o.expires, NULL},
        {"password-stdin", NULL, &o.password_stdin},
        {"enable", NULL, &o.enable}, {"help", NULL, &o.help},
        {NULL, NULL, NULL},
    };
    char *pos[3];
    int npos = ks_parse_opts("user", argc, argv, opts, pos, 3);
    if (o.help) {
        fputs(user_usage, stdout);
        return KS_EXIT_OK;
    }
    if (npos < 1) {
        if (npos == 0)
            fputs(user_usage, stderr);
        return KS_EXIT_USAGE;
    }
    user_ctx u;
    int ex = open_ctx(&u, &o);
    if (ex == KS_EXIT_OK)
        ex = run(&u, pos[0], pos + 1, npos - 1, &o);
    ks_store_close(u.store);
    return ex;
}
