/* UTF-8 decoding, encoding and offsets (RFC 3629); validation is in
 * utf8_valid.c. */
#include "kesu/text.h"
#include "utf8_int.h"

#include <string.h>

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
