/*
 * Private to the server: a growable byte buffer for building JSON
 * responses. Appends never fail visibly: on out-of-memory the buffer
 * remembers it (oom) and ignores further appends, so a handler writes its
 * whole answer and checks once at the end.
 */
#ifndef KS_SRV_JBUF_H
#define KS_SRV_JBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct jbuf {
    char *p;      /* bytes, NUL-terminated when len > 0 (owned) */
    size_t len;
    size_t cap;
    int oom;      /* an append failed; the content is incomplete */
} jbuf;

void jb_raw(jbuf *b, const char *s, size_t n);
void jb_lit(jbuf *b, const char *s);               /* raw NUL-terminated */
void jb_str(jbuf *b, const char *s, size_t n);     /* JSON string literal */
void jb_strz(jbuf *b, const char *s);              /* same; NULL -> null */
void jb_int(jbuf *b, int64_t v);
/* ,"key": — a comma unless the previous byte opens an object or array. */
void jb_key(jbuf *b, const char *key);
void jb_reset(jbuf *b);                            /* len = 0, keeps memory */
void jb_free(jbuf *b);
/* Hands the bytes to the caller (who frees them) and empties b. */
char *jb_take(jbuf *b, size_t *len);

#endif
