/* Error messages and the diagnostics list. */
#include "kesu/error.h"
#include "kesu/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ks_strerror(int rc)
{
    switch (rc) {
    case KS_OK:
        return "success";
#define KS_ERR_CASE(code, name, msg) \
    case KS_##name:                  \
        return msg;
        KS_ERRNO_MAP(KS_ERR_CASE)
#undef KS_ERR_CASE
    default:
        return "unknown error";
    }
}

int ks_diags_add(ks_diags *d, int warning, const char *where,
                 const char *fmt, ...)
{
    if (ks_grow(&d->items, &d->cap, d->n, sizeof *d->items, 8))
        return KS_ENOMEM;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ks_diag *e = &d->items[d->n];
    e->warning = warning;
    e->where = ks_strdup(where ? where : "");
    e->msg = ks_strdup(buf);
    if (!e->where || !e->msg) {
        ks_free(e->where);
        ks_free(e->msg);
        return KS_ENOMEM;
    }
    d->n++;
    if (!warning)
        d->errors++;
    return KS_OK;
}

void ks_diags_clear(ks_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        ks_free(d->items[i].where);
        ks_free(d->items[i].msg);
    }
    d->n = 0;
    d->errors = 0;
}

void ks_diags_free(ks_diags *d)
{
    ks_diags_clear(d);
    ks_free(d->items);
    memset(d, 0, sizeof *d);
}
