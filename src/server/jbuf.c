/* Growable JSON output buffer (see jbuf.h). */
#include "jbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(jbuf *b, size_t n)
{
    if (b->oom)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void jb_raw(jbuf *b, const char *s, size_t n)
{
    if (reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void jb_lit(jbuf *b, const char *s) { jb_raw(b, s, strlen(s)); }

void jb_str(jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* worst case: every byte becomes \u00XX */
    if (reserve(b, n * 6 + 2))
        return;
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            memcpy(o, "u00", 3);
            o[3] = hex[c >> 4];
            o[4] = hex[c & 15];
            o += 5;
        }
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->p);
}

void jb_strz(jbuf *b, const char *s)
{
    if (s)
        jb_str(b, s, strlen(s));
    else
        jb_lit(b, "null");
}

void jb_int(jbuf *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    jb_raw(b, tmp, (size_t)n);
}

void jb_key(jbuf *b, const char *key)
{
    char last = b->len ? b->p[b->len - 1] : '{';
    if (last != '{' && last != '[')
        jb_raw(b, ",", 1);
    jb_strz(b, key);
    jb_raw(b, ":", 1);
}

void jb_reset(jbuf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->p)
        b->p[0] = '\0';
}

void jb_free(jbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

char *jb_take(jbuf *b, size_t *len)
{
    char *p = b->p;
    *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}
