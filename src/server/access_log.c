/*
 * The access log: one JSON line per request on stderr, written with a
 * single write() so that lines from different threads never interleave.
 * It names the path (no query string: it may hold search terms), the
 * status, the response size, the time taken and the user; never a token,
 * a cookie or a body. Phone numbers and addresses in a path are masked.
 */
#include "server.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void put_time(jbuf *b, uint64_t now_us)
{
    time_t sec = (time_t)(now_us / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03uZ",
             (unsigned)(now_us / 1000 % 1000));
    jb_strz(b, ts);
}

void srv_access_log(const srv_req *r, uint64_t bytes, uint64_t now_us)
{
    char path[sizeof r->path + 64];
    srv_mask(r->path, path, sizeof path);
    jbuf local = {0}, *b = r->th ? &r->th->log : &local;
    jb_reset(b);
    jb_lit(b, "{\"time\":");
    put_time(b, now_us);
    jb_key(b, "method");
    jb_strz(b, r->method_name);
    jb_key(b, "path");
    jb_strz(b, path);
    jb_key(b, "status");
    jb_int(b, r->status);
    jb_key(b, "bytes");
    jb_int(b, (int64_t)bytes);
    jb_key(b, "us");
    jb_int(b, (int64_t)(now_us - r->t0_us));
    jb_key(b, "user");
    jb_strz(b, r->authed ? r->who.name : NULL);
    jb_lit(b, "}\n");
    if (!b->oom && write(STDERR_FILENO, b->p, b->len) < 0)
        b->oom = 1;   /* nowhere to report a failing log */
    jb_free(&local);
}
