/* kesu serve: the HTTP API (src/server) on a store and a rule pack. */
#include "cli.h"
#include "../server/server.h"
#include "serve_demo.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KS_WEB_DIR   /* set by CMake: the build's web directory */
#define KS_WEB_DIR "web"
#endif

static const char usage[] =
    "usage: kesu serve [OPTIONS]\n"
    "  --listen HOST:PORT   address to listen on (127.0.0.1:8080; port 0 =\n"
    "                       any free port, printed at start)\n"
    "  --db PATH            SQLite database (kesu.db, or $KESU_DB)\n"
    "  --rules DIR          rules directory: QA pack, desk/policy.yaml and\n"
    "                       desk/scripts.yaml (default: the shipped rules)\n"
    "  --policy FILE        the shop's policy overlay (see rules/desk/POLICY.md)\n"
    "  --threads N          worker threads (default: cores)\n"
    "  --rate N             requests per second per credential (200; 0 = off)\n"
    "  --burst N            requests a credential may send at once (2x rate)\n"
    "  --max-connections N  concurrent connections (1024)\n"
    "  --timeout S          idle connection timeout in seconds (30)\n"
    "  --no-access-log      no JSON access log on stderr\n"
    "  --demo               try kesu: a fresh database (default kesu-demo.db)\n"
    "                       gets demo accounts, printed at start, and the\n"
    "                       example conversations of examples/demo.jsonl\n"
    "  --import-limit N     largest POST /conversations body in bytes (64 MiB)\n"
    "  --max-line N         longest conversation line imported (4 MiB)\n"
    "  --web DIR            the dashboard's built files, served at / (default:\n"
    "                       the build's web directory)\n"
    "Stops on SIGTERM or SIGINT after finishing in-flight requests.\n";

typedef struct serve_opts {
    const char *listen, *db, *rules, *policy, *threads, *rate, *burst,
        *conns, *timeout, *import_limit, *max_line, *web;
    int no_log, demo, help;
} serve_opts;

/* Reads a number option within [min, max]; -1 after printing why. */
static int num(const char *name, const char *v, double min, double max,
               double *out)
{
    char *end;
    double d = v ? strtod(v, &end) : 0;
    if (!v)
        return 0;
    if (end == v || *end || d < min || d > max) {
        fprintf(stderr, "kesu serve: --%s: expected a number from %g to %g, "
                        "not \"%s\"\n", name, min, max, v);
        return -1;
    }
    *out = d;
    return 0;
}

static int parse_listen(const char *v, srv_config *cfg)
{
    const char *colon = v ? strrchr(v, ':') : NULL;
    double port;
    if (!v)
        return 0;
    if (!colon || (size_t)(colon - v) >= sizeof cfg->host ||
        num("listen", colon + 1, 0, 65535, &port))
        goto bad;
    memcpy(cfg->host, v, (size_t)(colon - v));
    cfg->host[colon - v] = '\0';
    cfg->port = (uint16_t)port;
    return 0;
bad:
    fprintf(stderr, "kesu serve: --listen: expected HOST:PORT, not \"%s\"\n",
            v);
    return -1;
}

static int configure(const serve_opts *o, srv_config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double threads = cores > 0 ? (double)cores : 2, rate = 200, burst = -1,
           conns = 1024, timeout = 30, import_limit = 64 << 20,
           max_line = 4 << 20;
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 8080;
    if (parse_listen(o->listen, cfg) ||
        num("threads", o->threads, 1, 256, &threads) ||
        num("rate", o->rate, 0, 1e9, &rate) ||
        num("burst", o->burst, 1, 1e9, &burst) ||
        num("max-connections", o->conns, 1, 1e6, &conns) ||
        num("timeout", o->timeout, 1, 3600, &timeout) ||
        num("import-limit", o->import_limit, 1024, 1e12, &import_limit) ||
        num("max-line", o->max_line, 256, 1 << 30, &max_line))
        return -1;
    cfg->db = o->db ? o->db : o->demo ? NULL : getenv("KESU_DB");
    if (!cfg->db || !*cfg->db)
        cfg->db = o->demo ? "kesu-demo.db" : "kesu.db";
    cfg->rules = o->rules ? o->rules : ks_default_rules();
    cfg->policy = o->policy;
    cfg->threads = (unsigned)threads;
    cfg->rate = rate;
    cfg->burst = burst > 0 ? burst : 2 * rate;
    cfg->conn_limit = (unsigned)conns;
    cfg->timeout_s = (unsigned)timeout;
    cfg->json_limit = 1u << 20;
    cfg->import_limit = (size_t)import_limit;
    cfg->line_limit = (size_t)max_line;
    cfg->access_log = !o->no_log;
    cfg->web = o->web ? o->web : KS_WEB_DIR;
    return 0;
}

/* The first rule book; NULL after printing why. */
static srv_books *load_books(const srv_config *cfg)
{
    ks_diags d = {0};
    srv_book *b = srv_book_load(cfg, &d);
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    srv_books *bs = b ? srv_books_new(b) : NULL;
    if (!b)
        fprintf(stderr, "kesu serve: the rules in %s were not loaded\n",
                cfg->rules);
    else if (!bs)
        srv_book_release(b);
    return bs;
}

/* The API works without the dashboard; say so at start, not only at /. */
static void check_web(const char *dir)
{
    char index[PATH_MAX];
    snprintf(index, sizeof index, "%s/index.html", dir);
    if (access(index, R_OK))
        fprintf(stderr, "kesu serve: no dashboard in %s (index.html "
                        "missing): the API works, / answers 503\n", dir);
}

/* Opens the store once before the pool starts, so the schema is created
 * and migrated by one connection, not raced by several. */
static int check_store(const char *db)
{
    ks_store *st = NULL;
    ks_diags d = {0};
    int rc = ks_store_open(db, &st, &d);
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    if (rc != KS_OK) {
        fprintf(stderr, "kesu serve: cannot open the database %s: %s\n", db,
                ks_strerror(rc));
        return -1;
    }
    ks_store_close(st);
    return 0;
}

/* The demo's conversations: examples/demo.jsonl beside the rules. */
static void demo_file(const char *rules, char *out, size_t cap)
{
    snprintf(out, cap, "%s/../examples/demo.jsonl", rules);
}

/* --demo: seeds a database without accounts, then prints the logins. */
static int seed_demo(const srv_config *cfg, srv_books *books)
{
    ks_store *st = NULL;
    ks_user *users = NULL;
    size_t nusers = 0, convs = 0, cases = 0;
    ks_diags d = {0};
    srv_book *b = srv_book_current(books);
    int64_t now = srv_now_ms();
    char path[PATH_MAX], url[128];
    int rc = ks_store_open(cfg->db, &st, &d);
    if (rc == KS_OK)
        rc = ks_store_user_list(st, &users, &nusers);
    ks_users_free(users, nusers);
    if (rc == KS_OK && nusers == 0) {
        demo_file(cfg->rules, path, sizeof path);
        rc = demo_add_users(st, now, &d);
        if (rc == KS_OK)
            rc = demo_import_file(st, b->pack, path, now,
                                  b->policy->utc_offset_min, &convs, &cases,
                                  &d);
        if (rc == KS_OK)
            fprintf(stderr, "kesu serve: demo data in %s: %zu conversations, "
                            "%zu cases\n", cfg->db, convs, cases);
    }
    ks_print_diags(stderr, &d);
    ks_diags_free(&d);
    if (rc != KS_OK)
        fprintf(stderr, "kesu serve: the demo database %s could not be "
                        "seeded: %s\n", cfg->db,
                st ? ks_store_errmsg(st) : ks_strerror(rc));
    if (st)
        ks_store_close(st);
    srv_book_release(b);
    snprintf(url, sizeof url, "http://%s:%u/", cfg->host, cfg->port);
    if (rc == KS_OK)
        demo_print_logins(stdout, cfg->port ? url : "the address below");
    fflush(stdout);
    return rc == KS_OK ? 0 : -1;
}

int cmd_serve(int argc, char **argv)
{
    serve_opts o = {0};
    const ks_opt opts[] = {
        {"listen", &o.listen, NULL}, {"db", &o.db, NULL},
        {"rules", &o.rules, NULL}, {"policy", &o.policy, NULL},
        {"threads", &o.threads, NULL},
        {"rate", &o.rate, NULL}, {"burst", &o.burst, NULL},
        {"max-connections", &o.conns, NULL}, {"timeout", &o.timeout, NULL},
        {"no-access-log", NULL, &o.no_log}, {"demo", NULL, &o.demo},
        {"help", NULL, &o.help},
        {"import-limit", &o.import_limit, NULL},
        {"max-line", &o.max_line, NULL},
        {"web", &o.web, NULL},
        {NULL, NULL, NULL}};
    srv_config cfg;
    if (ks_parse_opts("serve", argc, argv, opts, NULL, 0) != 0 ||
        configure(&o, &cfg)) {
        fputs(usage, o.help ? stdout : stderr);
        return o.help ? KS_EXIT_OK : KS_EXIT_USAGE;
    }
    if (check_store(cfg.db))
        return KS_EXIT_FAIL;
    check_web(cfg.web);
    srv_shared sh = {&cfg, load_books(&cfg), NULL, NULL, NULL};
    if (sh.books && o.demo && seed_demo(&cfg, sh.books)) {
        srv_books_free(sh.books);
        return KS_EXIT_FAIL;
    }
    sh.limiter = srv_limiter_new(cfg.rate, cfg.burst);
    /* 10 attempts at once, then one per 6 s per name; 30, then 1/s per
     * client address. */
    sh.login_name = srv_limiter_new(1.0 / 6, 10);
    sh.login_addr = srv_limiter_new(1.0, 30);
    int rc = sh.books && sh.limiter && sh.login_name && sh.login_addr &&
                     srv_run(&sh) == 0
                 ? KS_EXIT_OK : KS_EXIT_FAIL;
    srv_limiter_free(sh.limiter);
    srv_limiter_free(sh.login_name);
    srv_limiter_free(sh.login_addr);
    srv_books_free(sh.books);
    return rc;
}
