/*
 * A line reader for JSON Lines input with a hard limit on line length: a
 * longer line is skipped (reported, never buffered whole), so a 10 GB line
 * cannot exhaust memory.
 */
#ifndef KS_LINES_H
#define KS_LINES_H

#include <stdio.h>
#include <stddef.h>

typedef struct ks_linereader {
    FILE *f;
    char *buf;
    size_t cap;          /* max_line + read chunk */
    size_t start, end;   /* unread bytes are buf[start..end) */
    size_t max_line;
    size_t lineno;       /* number of the line last returned (1-based) */
    int eof;
    int err;             /* errno of a read error */
} ks_linereader;

int ks_lr_open(ks_linereader *r, FILE *f, size_t max_line);
/* Returns 1 with a line (without its '\n'; *too_long set and *len = 0 when
 * the line exceeded max_line), 0 at end of input, -1 on a read error. */
int ks_lr_next(ks_linereader *r, const char **line, size_t *len, int *too_long);
void ks_lr_close(ks_linereader *r);

#endif
