/* Bounded line reader (see lines.h). */
#include "lines.h"
#include "kesu/alloc.h"

#include <errno.h>
#include <string.h>

#define CHUNK (1u << 20)

int ks_lr_open(ks_linereader *r, FILE *f, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->max_line = max_line;
    r->cap = max_line + CHUNK;
    r->buf = ks_malloc(r->cap);
    return r->buf ? 0 : -1;
}

void ks_lr_close(ks_linereader *r)
{
    ks_free(r->buf);
    r->buf = NULL;
}

/* Reads more input after moving unread bytes to the front. */
static int fill(ks_linereader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t room = r->cap - r->end;
    if (room == 0)
        return 1;
    size_t got = fread(r->buf + r->end, 1, room, r->f);
    r->end += got;
    if (got == 0) {
        if (ferror(r->f)) {
            r->err = errno;
            return -1;
        }
        r->eof = 1;
    }
    return 0;
}

/* Discards input up to and including the next newline. */
static int skip_line(ks_linereader *r)
{
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl) {
            r->start = (size_t)(nl - r->buf) + 1;
            return 0;
        }
        r->start = r->end = 0;
        if (r->eof)
            return 0;
        if (fill(r) < 0)
            return -1;
    }
}

int ks_lr_next(ks_linereader *r, const char **line, size_t *len, int *too_long)
{
    size_t scanned = 0;
    *too_long = 0;
    for (;;) {
        char *p = r->buf + r->start + scanned;
        char *nl = memchr(p, '\n', r->end - r->start - scanned);
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            r->lineno++;
            if (n > r->max_line) {
                *too_long = 1;
                *len = 0;
            } else {
                *line = r->buf + r->start;
                *len = n && (*line)[n - 1] == '\r' ? n - 1 : n;
            }
            r->start += n + 1;
            return 1;
        }
        scanned = r->end - r->start;
        if (scanned > r->max_line) {
            r->lineno++;
            *too_long = 1;
            *len = 0;
            return skip_line(r) < 0 ? -1 : 1;
        }
        if (r->eof) {
            if (scanned == 0)
                return 0;
            r->lineno++;
            *line = r->buf + r->start;
            *len = scanned;
            r->start = r->end;
            return 1;
        }
        if (fill(r) < 0)
            return -1;
    }
}
