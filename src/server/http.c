/*
 * The HTTP core on libmicrohttpd: a pool of epoll threads, one srv_req per
 * request, limits enforced before a handler runs, JSON answers only, and
 * a graceful stop.
 *
 * A request's life: on the first callback the headers are known, so the
 * route, the rate limit, the credential and a declared Content-Length are
 * checked at once and a refusal is answered before any body is read. Body
 * chunks are then collected (or streamed to the route's chunk function)
 * up to the route's limit; past it the rest is discarded and the answer
 * is 413. The final callback runs the handler. The completion callback
 * writes the access log line and frees the request.
 */
#include "server.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Past this many times the limit, a client still sending is cut off. */
#define DISCARD_FACTOR 4

static atomic_int inflight;

uint64_t srv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t srv_now_ms(void) { return (int64_t)(srv_now_us() / 1000); }

const char *srv_header(const srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *srv_query(const srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static int method_of(const char *m)
{
    static const char *names[] = {"GET", "POST", "PUT", "DELETE"};
    for (int i = 0; i < M_OTHER; i++)
        if (!strcmp(m, names[i]))
            return i;
    return M_OTHER;
}

/* Queues r's answer (r->out, or an internal error if building it ran out
 * of memory). */
static enum MHD_Result respond(srv_req *r)
{
    if (r->responded)   /* a file, queued by srv_static() */
        return MHD_YES;
    if (r->out.oom || (!r->out.len && !r->status))
        srv_error(r, SRV_E_internal, "the answer could not be built", NULL);
    if (r->out.oom)   /* the error itself did not fit: a fixed text */
        return MHD_NO;
    jb_lit(&r->out, "\n");
    size_t len;
    char *body = jb_take(&r->out, &len);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    r->out.len = len;   /* remembered for the log; the bytes belong to MHD */
    MHD_add_response_header(resp, "Content-Type",
                            "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->allow[0])
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->retry_after) {
        char s[16];
        snprintf(s, sizeof s, "%u", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", s);
    }
    enum MHD_Result ok = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    r->responded = 1;
    return ok;
}

/* The checks made as soon as the headers are in. 0: go on reading;
 * -1: r holds the refusal. */
static int admit(srv_req *r)
{
    srv_err err;
    r->route = srv_route_find(r->method, r->path, r->param, sizeof r->param,
                              &err, r->allow, sizeof r->allow);
    int file = !r->route && err == SRV_E_not_found && srv_static_wants(r);
    if (!r->route && !file) {
        srv_error(r, err, err == SRV_E_not_found ? "no such endpoint"
                                                 : "method not allowed here",
                  NULL);
        return -1;
    }
    unsigned char key[32];
    srv_rate_key(r, key);
    unsigned wait = srv_limiter_take(r->sh->limiter, key, r->t0_us);
    if (wait) {
        r->retry_after = wait;
        srv_errorf(r, SRV_E_rate_limited, NULL,
                   "too many requests; retry in %u s", wait);
        return -1;
    }
    if (file) {   /* the dashboard's files: no body, no credential */
        srv_static(r);
        return -1;
    }
    r->limit = r->route->flags & R_IMPORT ? r->sh->cfg->import_limit
                                          : r->sh->cfg->json_limit;
    const char *cl = srv_header(r, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > r->limit) {
        srv_errorf(r, SRV_E_too_large, "body",
                   "the body is larger than %zu bytes", r->limit);
        return -1;
    }
    if ((r->route->flags & R_AUTH) && srv_authenticate(r))
        return -1;
    return 0;
}

static srv_req *req_new(struct MHD_Connection *c, const srv_shared *sh,
                        const char *url, const char *method)
{
    srv_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    atomic_fetch_add(&inflight, 1);
    r->conn = c;
    r->sh = sh;
    r->th = srv_thread_get();
    if (r->th)
        srv_thread_sync(r->th, sh);
    r->t0_us = srv_now_us();
    r->method = method_of(method);
    /* HEAD is kept by name: the dashboard's files answer it */
    r->method_name = r->method != M_OTHER ? method
                     : strcmp(method, "HEAD") ? "OTHER" : "HEAD";
    snprintf(r->path, sizeof r->path, "%s", url);
    return r;
}

/* Takes one body chunk; past the limit the bytes are dropped. 0, or -1
 * to cut the connection off. */
static int take_chunk(srv_req *r, const char *data, size_t n)
{
    r->received += n;
    if (r->received > r->limit) {
        r->too_large = 1;
        jb_free(&r->body);
        return r->received / DISCARD_FACTOR > r->limit ? -1 : 0;
    }
    if (r->route->flags & R_RAWBODY)
        r->route->chunk(r, data, n);
    else
        jb_raw(&r->body, data, n);
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)version;
    srv_req *r = *con_cls;
    if (!r) {
        if (!(r = *con_cls = req_new(c, cls, url, method)))
            return MHD_NO;
        if (!r->th) {
            srv_error(r, SRV_E_internal, "out of memory", NULL);
            return respond(r);
        }
        return admit(r) ? respond(r) : MHD_YES;
    }
    if (r->responded) {   /* refused early: drain what the client sends */
        *size = 0;
        return MHD_YES;
    }
    if (*size) {
        int cut = take_chunk(r, data, *size);
        *size = 0;
        return cut ? MHD_NO : MHD_YES;
    }
    if (r->too_large)
        srv_errorf(r, SRV_E_too_large, "body",
                   "the body is larger than %zu bytes", r->limit);
    else if (r->body.oom)
        srv_error(r, SRV_E_internal, "out of memory", NULL);
    else {
        if (r->route->flags & R_RAWBODY)
            r->route->chunk(r, NULL, 0);
        r->route->handler(r);
    }
    return respond(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)c;
    srv_req *r = *con_cls;
    const srv_shared *sh = cls;
    if (!r)
        return;
    if (!r->responded && why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        r->status = 499;   /* the client went away first (nginx's code) */
    if (sh->cfg->access_log)
        srv_access_log(r, r->responded ? r->out.len : 0, srv_now_us());
    if (r->stream_free)
        r->stream_free(r->stream);
    jb_free(&r->body);
    jb_free(&r->out);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&inflight, 1);
}

/* ---- the daemon's life ------------------------------------------------ */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes %XX in place like libmicrohttpd does, except %00: decoded, it
 * would end the path early ("/x%00.json" read as "/x"), so it stays as
 * written and matches no route. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    char *o = s;
    for (const char *i = s; *i; i++) {
        int hi = *i == '%' ? hexval(i[1]) : -1;
        int lo = hi >= 0 ? hexval(i[2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0)) {
            *o++ = *i;
            continue;
        }
        *o++ = (char)(hi * 16 + lo);
        i += 2;
    }
    *o = '\0';
    return (size_t)(o - s);
}

static struct MHD_Daemon *start(srv_shared *sh)
{
    const srv_config *cfg = sh->cfg;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, cfg->host, &sa.sin_addr) != 1) {
        fprintf(stderr, "kesu serve: --listen: \"%s\" is not an IPv4 "
                        "address\n", cfg->host);
        return NULL;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, cfg->port, NULL, NULL, on_request, sh,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->conn_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s,
        /* bounds the request line and headers a client may send */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, sh,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_END);
    if (!d)
        fprintf(stderr, "kesu serve: cannot listen on %s:%u\n", cfg->host,
                (unsigned)cfg->port);
    return d;
}

static uint16_t bound_port(struct MHD_Daemon *d, uint16_t asked)
{
    const union MHD_DaemonInfo *i =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return i && i->port ? i->port : asked;
}

/* Stops accepting, lets in-flight requests finish (at most grace_ms),
 * then stops the pool. */
static void drain_and_stop(struct MHD_Daemon *d, int grace_ms)
{
    MHD_socket s = MHD_quiesce_daemon(d);
    if (s != MHD_INVALID_SOCKET)
        close(s);
    for (int waited = 0; atomic_load(&inflight) > 0 && waited < grace_ms;
         waited += 10)
        usleep(10 * 1000);
    MHD_stop_daemon(d);
}

int srv_run(srv_shared *sh)
{
    /* Blocked before the pool starts, so only this thread takes them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *d = start(sh);
    if (!d)
        return -1;
    printf("kesu serve: listening on http://%s:%u/ (%u threads)\n",
           sh->cfg->host, (unsigned)bound_port(d, sh->cfg->port),
           sh->cfg->threads);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "kesu serve: %s: finishing in-flight requests\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    drain_and_stop(d, 10000);
    srv_threads_free();
    return 0;
}
