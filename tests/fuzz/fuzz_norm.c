/*
 * Fuzz harness: UTF-8 validation and text normalisation.
 *
 * Any byte string: ks_utf8_validate must agree with an independent
 * validator (verdict and offset of the first bad sequence). The valid
 * prefix is then normalised and every documented invariant of the offset
 * map is checked (include/kesu/text.h), plus what normalisation promises
 * about its output: no ASCII capitals, no full-width ASCII, no invisible
 * characters, bounded growth, and a second normalisation changes nothing
 * (except for the code points listed by bug_fold_not_idempotent in
 * tests/unit/test_known_bugs.c, which are skipped here).
 */
#include "kesu/kesu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "fuzz_common.h"

/* Independent RFC 3629 validator: decode, then check the code point's
 * range and shortest form. Returns the length of the valid prefix. */
static size_t ref_valid_prefix(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

static int fold_is_stable(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += ks_utf8_decode(s + i, &cp);
        uint32_t f = ks_fold_cp(cp);
        if (ks_fold_cp(f) != f)
            return 0;
    }
    return 1;
}

static void check_text(const char *src, size_t len, const ks_text *t)
{
    size_t ncp = ks_utf8_count(src, len);
    CHECK(t->len <= t->cap);
    CHECK(t->len <= len + len / 3 + 4);
    CHECK(t->norm[t->len] == '\0');
    CHECK(t->map[t->len] == ncp);
    CHECK(ks_utf8_validate(t->norm, t->len, NULL) == KS_OK);
    size_t i = 0;
    uint32_t last = 0;
    while (i < t->len) {
        uint32_t cp;
        size_t n = ks_utf8_decode(t->norm + i, &cp);
        CHECK(i + n <= t->len);
        for (size_t k = 1; k < n; k++)
            CHECK(t->map[i + k] == t->map[i]);
        CHECK(t->map[i] < ncp);
        CHECK(t->map[i] >= last);
        /* the source character it came from folds to it, or it is kept
         * unchanged */
        uint32_t src_cp;
        size_t off = ks_utf8_offset(src, len, t->map[i]);
        ks_utf8_decode(src + off, &src_cp);
        CHECK(ks_fold_cp(src_cp) == cp);
        CHECK(!(cp >= 'A' && cp <= 'Z'));
        CHECK(!(cp >= 0xFF01 && cp <= 0xFF5E));
        CHECK(!(cp >= 0x200B && cp <= 0x200F) && cp != 0xFEFF &&
              cp != 0x2060 && cp != 0x00AD);
        last = t->map[i];
        i += n;
    }
}

static void check_utf8_helpers(const char *s, size_t len)
{
    size_t ncp = ks_utf8_count(s, len), prev = 0;
    for (size_t k = 0; k < ncp && k < 4096; k++) {
        size_t off = ks_utf8_offset(s, len, k);
        CHECK(off < len);
        CHECK(k == 0 ? off == 0 : off > prev);
        uint32_t cp;
        size_t n = ks_utf8_decode(s + off, &cp);
        char buf[4];
        CHECK(ks_utf8_encode(cp, buf) == n);
        CHECK(memcmp(buf, s + off, n) == 0);
        prev = off;
    }
    CHECK(ks_utf8_offset(s, len, ncp) == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ks_text reused;      /* exercises buffer reuse across calls */
    const char *s = (const char *)data;
    size_t bad = (size_t)-1;
    int rc = ks_utf8_validate(s, size, &bad);
    size_t valid = ref_valid_prefix(data, size);
    if (valid == size) {
        CHECK(rc == KS_OK);
    } else {
        CHECK(rc == KS_EUTF8);
        CHECK(bad == valid);
        CHECK(ks_utf8_validate(s, bad, NULL) == KS_OK);
    }
    check_utf8_helpers(s, valid);

    ks_text t = {0};
    CHECK(ks_normalize(s, valid, &t) == KS_OK);
    check_text(s, valid, &t);
    CHECK(ks_normalize(s, valid, &reused) == KS_OK);
    CHECK(reused.len == t.len && memcmp(reused.norm, t.norm, t.len) == 0 &&
          memcmp(reused.map, t.map, (t.len + 1) * sizeof *t.map) == 0);

    if (fold_is_stable(s, valid)) {
        ks_text t2 = {0};
        CHECK(ks_normalize(t.norm, t.len, &t2) == KS_OK);
        check_text(t.norm, t.len, &t2);
        if (t2.len != t.len || memcmp(t2.norm, t.norm, t.len) != 0) {
            fprintf(stderr, "fuzz_norm: not idempotent: \"%.*s\" -> "
                            "\"%.*s\" -> \"%.*s\"\n", (int)valid, s,
                    (int)t.len, t.norm, (int)t2.len, t2.norm);
            abort();
        }
        ks_text_free(&t2);
    }
    ks_text_free(&t);
    return 0;
}
