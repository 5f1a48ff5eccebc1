/* UTF-8 validation, decoding and offsets (RFC 3629). */
#include "kesu/text.h"
#include "utf8_int.h"

#include <string.h>

int ks_utf8_validate(const char *str, size_t len, size_t *bad_off)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            /* JSON structure is ASCII: skip it eight bytes at a time */
            while (i + 8 <= len) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            if (i < len && s[i] < 0x80)
                i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0)
                lo = 0xA0;          /* overlong */
            else if (c == 0xED)
                hi = 0x9F;          /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;          /* above U+10FFFF */
        } else {
            goto bad;
        }
        if (len - i < n)
            goto bad;
        if (s[i + 1] < lo || s[i + 1] > hi)
            goto bad;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
        i += n;
        continue;
    bad:
        if (bad_off)
            *bad_off = i;
        return KS_EUTF8;
    }
    return KS_OK;
}

size_t ks_utf8_decode(const char *str, uint32_t *cp)
{
    return ks_u8_decode(str, cp);
}

size_t ks_utf8_encode(uint32_t cp, char *out)
{
    return ks_u8_encode(cp, out);
}

size_t ks_utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

size_t ks_utf8_offset(const char *s, size_t len, size_t cp_index)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == cp_index)
                return i;
            n++;
        }
    }
    return len;
}
