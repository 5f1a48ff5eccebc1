/*
 * JSON errors: every refused request gets
 * {"error":{"code":"<stable_snake_case>","message":"<human>","where":...}}
 * with an HTTP status that follows from the code (one table, server.h).
 */
#include "server.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *name;
    unsigned status;
} errs[] = {
#define SRV_ERR_ROW(name, status) {#name, status},
    SRV_ERROR_MAP(SRV_ERR_ROW)
#undef SRV_ERR_ROW
};

void srv_error(srv_req *r, srv_err e, const char *message, const char *where)
{
    if ((unsigned)e >= SRV_E_COUNT)
        e = SRV_E_internal;
    r->status = errs[e].status;
    jb_reset(&r->out);
    jb_lit(&r->out, "{\"error\":{\"code\":\"");
    jb_lit(&r->out, errs[e].name);
    jb_lit(&r->out, "\",\"message\":");
    jb_strz(&r->out, message ? message : errs[e].name);
    jb_lit(&r->out, ",\"where\":");
    jb_strz(&r->out, where);
    jb_lit(&r->out, "}}");
}

void srv_error_diags(srv_req *r, srv_err e, const char *message,
                     const ks_diags *d)
{
    srv_error(r, e, message, d && d->n ? d->items[0].where : NULL);
    if (!d || !d->n || r->out.oom)
        return;
    r->out.len -= 2;   /* reopen the error object: drop its "}}" */
    jb_lit(&r->out, ",\"details\":[");
    for (size_t i = 0; i < d->n && i < 50; i++) {
        jb_lit(&r->out, i ? ",{" : "{");
        jb_key(&r->out, "where"), jb_strz(&r->out, d->items[i].where);
        jb_key(&r->out, "message"), jb_strz(&r->out, d->items[i].msg);
        jb_key(&r->out, "warning"),
            jb_lit(&r->out, d->items[i].warning ? "true" : "false");
        jb_lit(&r->out, "}");
    }
    jb_lit(&r->out, "]}}");
}

void srv_errorf(srv_req *r, srv_err e, const char *where, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_error(r, e, msg, where);
}
