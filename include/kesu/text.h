/*
 * Text normalisation with an offset map back to the original text.
 *
 * ks_normalize() turns a message into the form every word list is matched
 * against: traditional -> simplified script (OpenCC's t2s character data,
 * followed to a fixed point), full-width -> half-width, ASCII case folded,
 * 您/妳 -> 你, invisible characters dropped, and separators that disguise
 * a word (淘.宝, 淘 宝, 京 东 自 营, 淘❤宝, t.b) removed. For each byte of
 * the normalised text, map[] gives the index of the original code point
 * it came from, so a match found in the normalised text can be shown on
 * the original words.
 */
#ifndef KESU_TEXT_H
#define KESU_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ks_text {
    char *norm;        /* normalised UTF-8, NUL-terminated */
    size_t len;        /* bytes in norm */
    uint32_t *map;     /* len+1 entries: source code point of each byte;
                          map[len] = number of source code points */
    size_t cap;        /* allocated bytes of norm (map has cap+1) */
} ks_text;

/* Checks that s[0..len) is well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF). On failure returns KS_EUTF8 and sets
 * *bad_off (if not NULL) to the byte offset of the first bad sequence. */
KS_API int ks_utf8_validate(const char *s, size_t len, size_t *bad_off);

/* Decodes one code point at s (which must be valid UTF-8); returns its
 * length in bytes. */
KS_API size_t ks_utf8_decode(const char *s, uint32_t *cp);

/* Encodes cp into out (at least 4 bytes); returns the length. */
KS_API size_t ks_utf8_encode(uint32_t cp, char *out);

/* Number of code points in valid UTF-8 s[0..len). */
KS_API size_t ks_utf8_count(const char *s, size_t len);

/* Byte offset of code point index cp_index in valid UTF-8 s[0..len). */
KS_API size_t ks_utf8_offset(const char *s, size_t len, size_t cp_index);

/* Folds one code point: t2s, full-width, case. Returns the folded code
 * point; pure and table-driven. */
KS_API uint32_t ks_fold_cp(uint32_t cp);

/* Normalises valid UTF-8 src[0..len) into out, reusing out's buffers.
 * Zero-initialise out before first use; free with ks_text_free(). */
KS_API int ks_normalize(const char *src, size_t len, ks_text *out);
/* Like ks_normalize(), but appends to out->norm: map[] entries of the
 * appended bytes count code points from the start of src, and
 * map[out->len] is src's number of code points. */
KS_API int ks_normalize_append(const char *src, size_t len, ks_text *out);
KS_API void ks_text_free(ks_text *t);

#ifdef __cplusplus
}
#endif
#endif
