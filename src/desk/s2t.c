/*
 * Simplified -> traditional script, code point by code point (see
 * include/kesu/script.h), for rendering scripts (话术) to customers who read
 * traditional characters.
 *
 * The table is OpenCC's s2t character data, generated at build time
 * (tools/gen_fold_table.pl -> build/gen/s2t_table.c), sorted by the
 * simplified code point. Being per code point, the conversion takes
 * OpenCC's first candidate for a character with several traditional forms
 * (后 -> 後, 发 -> 發): there is no phrase context, so a script should avoid
 * such characters where the first candidate is wrong (头发, 干净).
 */
#include "kesu/script.h"
#include "kesu/alloc.h"
#include "kesu/text.h"

#include <stdint.h>
#include <stdlib.h>

extern const uint32_t ks_s2t_pairs[][2];
extern const size_t ks_s2t_npairs;

static int cmp_pair(const void *key, const void *elem)
{
    uint32_t k = *(const uint32_t *)key;
    uint32_t e = ((const uint32_t *)elem)[0];
    return k < e ? -1 : k > e;
}

static uint32_t s2t_lookup(uint32_t cp)
{
    if (cp < 0x3400)        /* the table starts at CJK Extension A */
        return cp;
    const uint32_t *p = bsearch(&cp, ks_s2t_pairs, ks_s2t_npairs,
                                sizeof ks_s2t_pairs[0], cmp_pair);
    return p ? p[1] : cp;
}

/* Converts in[0..len) (valid UTF-8) into dst, or only measures it when dst
 * is NULL; returns the output length in bytes. */
static size_t convert(const char *in, size_t len, char *dst)
{
    size_t n = 0;
    char enc[4];
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += ks_utf8_decode(in + i, &cp);
        size_t k = ks_utf8_encode(s2t_lookup(cp), dst ? dst + n : enc);
        n += k;
    }
    return n;
}

int ks_to_traditional(const char *in, size_t len, char **out)
{
    if (!out || (!in && len))
        return KS_EINVAL;
    *out = NULL;
    if (!in)
        in = "";
    if (ks_utf8_validate(in, len, NULL) != KS_OK)
        return KS_EUTF8;
    /* A character never grows by more than one byte (3 -> 4), so the
     * measured size cannot overflow for any input that fits in memory. */
    size_t n = convert(in, len, NULL);
    char *buf = ks_malloc(n + 1);
    if (!buf)
        return KS_ENOMEM;
    convert(in, len, buf);
    buf[n] = '\0';
    *out = buf;
    return KS_OK;
}
