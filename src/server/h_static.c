/*
 * The dashboard's files: GET (and HEAD) of any path outside /api is served
 * from the web directory (the vite build, `kesu serve --web DIR`). They
 * hold no data, so they need no credential; the data comes from /api/v1
 * with the session the page logs into.
 *
 * What can be read: a path is split into segments with the router's rules
 * (no empty, "." or ".." segment), a segment may not start with a dot
 * (no hidden files), and the file, once resolved with realpath(), must be
 * a regular file inside the resolved web directory (so a symbolic link
 * cannot lead out of it). A path naming no file is a page of the
 * dashboard's own router and gets index.html, except under /assets/,
 * where a missing file is a 404 (a stale bundle should fail loudly, not
 * run HTML as a script).
 *
 * Every file is sent with a strict Content-Security-Policy: scripts,
 * styles and connections only from this origin, no inline script, no
 * framing; the build makes no inline script, so nothing needs an
 * exception.
 */
#include "server.h"

#include <microhttpd.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSP                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; "            \
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "          \
    "manifest-src 'self'; base-uri 'none'; form-action 'self'; "           \
    "frame-ancestors 'none'"

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t e = strlen(types[i].ext);
        if (n > e && !strcmp(path + n - e, types[i].ext))
            return types[i].type;
    }
    return "application/octet-stream";
}

int srv_static_wants(const srv_req *r)
{
    if (strcmp(r->method_name, "GET") && strcmp(r->method_name, "HEAD"))
        return 0;
    return strncmp(r->path, "/api", 4) ||
           (r->path[4] != '\0' && r->path[4] != '/');
}

/* Are all of path's segments ones the router accepts, none hidden? */
static int safe_path(const char *path)
{
    if (path[0] != '/')
        return 0;
    if (!path[1])
        return 1;   /* "/" itself */
    for (const char *s = path + 1;;) {
        size_t n = strcspn(s, "/");
        if (!srv_segment_ok(s, n) || s[0] == '.')
            return 0;
        if (!s[n])
            return 1;
        s += n + 1;
    }
}

/* Resolves rel inside dir: 0 with the real path in out when it names a
 * regular file inside dir, else -1. */
static int resolve(const char *dir, const char *rel, char out[PATH_MAX])
{
    char joined[PATH_MAX], root[PATH_MAX];
    struct stat st;
    if (!realpath(dir, root) ||
        snprintf(joined, sizeof joined, "%s%s", root, rel) >=
            (int)sizeof joined ||
        !realpath(joined, out))
        return -1;
    size_t rn = strlen(root);
    if (strncmp(out, root, rn) || out[rn] != '/' || stat(out, &st) ||
        !S_ISREG(st.st_mode))
        return -1;
    return 0;
}

static void add_headers(struct MHD_Response *resp, const char *file,
                        int immutable)
{
    MHD_add_response_header(resp, "Content-Type", content_type(file));
    /* asset names carry a content hash: they never change; the rest
     * (index.html above all) is checked again on every load */
    MHD_add_response_header(resp, "Cache-Control",
                            immutable ? "public, max-age=31536000, immutable"
                                      : "no-cache");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

/* Queues the file at real path file. 0, or -1 when it cannot be read. */
static int send_file(srv_req *r, const char *file, int immutable)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    /* takes fd, also on failure */
    struct MHD_Response *resp =
        MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp)
        return -1;
    add_headers(resp, file, immutable);
    r->status = 200;
    MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    r->out.len = (size_t)st.st_size;   /* for the access log */
    r->responded = 1;
    return 0;
}

/* Answers r (a GET/HEAD outside /api): the file, index.html, or a JSON
 * error left in r for the caller to send. */
void srv_static(srv_req *r)
{
    const char *dir = r->sh->cfg->web;
    char file[PATH_MAX];
    int asset = !strncmp(r->path, "/assets/", 8);
    if (!dir || resolve(dir, "/index.html", file)) {
        srv_errorf(r, SRV_E_unavailable, NULL,
                   "the dashboard is not built: no index.html in %s (run "
                   "`make build`, or start with --web DIR); the API at "
                   "/api/v1 works",
                   dir ? dir : "(no web directory)");
        return;
    }
    if (strlen(r->path) + 1 >= sizeof r->path || !safe_path(r->path)) {
        /* (a path that filled r->path may have been cut short) */
        srv_error(r, SRV_E_not_found, "no such file", NULL);
        return;
    }
    if (strcmp(r->path, "/") && !resolve(dir, r->path, file)) {
        if (send_file(r, file, asset) == 0)
            return;
    } else if (asset) {
        srv_error(r, SRV_E_not_found, "no such file", NULL);
        return;
    } else if (!resolve(dir, "/index.html", file) &&
               send_file(r, file, 0) == 0) {
        return;
    }
    srv_error(r, SRV_E_internal, "the file could not be read", NULL);
}
