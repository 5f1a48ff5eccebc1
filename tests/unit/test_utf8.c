/* UTF-8 validation, decoding, encoding and offsets (include/kesu/text.h). */
#include "kt.h"

/* Validates s (with explicit length) and returns the rc; *off gets the
 * reported bad offset or SIZE_MAX. */
static int val(const char *s, size_t len, size_t *off)
{
    *off = SIZE_MAX;
    return ks_utf8_validate(s, len, off);
}

#define GOOD(lit)                                                       \
    do {                                                                \
        size_t o_;                                                      \
        assert_int_equal(val(lit, sizeof(lit) - 1, &o_), KS_OK);        \
    } while (0)

#define BAD(lit, at)                                                    \
    do {                                                                \
        size_t o_;                                                      \
        assert_int_equal(val(lit, sizeof(lit) - 1, &o_), KS_EUTF8);     \
        assert_int_equal(o_, (at));                                     \
    } while (0)

static void valid_text(void **state)
{
    (void)state;
    GOOD("");
    GOOD("plain ascii\x7f");
    GOOD("\xc2\x80");                 /* U+0080, smallest 2-byte */
    GOOD("\xdf\xbf");                 /* U+07FF */
    GOOD("\xe0\xa0\x80");             /* U+0800, smallest 3-byte */
    GOOD("淘宝 體驗 ＶＸ");
    GOOD("\xed\x9f\xbf");             /* U+D7FF, just below surrogates */
    GOOD("\xee\x80\x80");             /* U+E000, just above */
    GOOD("\xef\xbf\xbf");             /* U+FFFF */
    GOOD("\xf0\x90\x80\x80");         /* U+10000 */
    GOOD("\xf4\x8f\xbf\xbf");         /* U+10FFFF, the last code point */
    GOOD("a\0b");                     /* NUL is a valid code point */
    /* the NUL-terminated form is not needed: only len bytes are read */
    size_t o;
    assert_int_equal(val("ab\xff", 2, &o), KS_OK);
}

static void overlongs(void **state)
{
    (void)state;
    BAD("\xc0\x80", 0);               /* overlong NUL */
    BAD("\xc1\xbf", 0);               /* overlong U+007F */
    BAD("ab\xe0\x80\x80", 2);         /* overlong 3-byte */
    BAD("ab\xe0\x9f\xbf", 2);         /* overlong U+07FF */
    BAD("\xf0\x80\x80\x80", 0);       /* overlong 4-byte */
    BAD("x\xf0\x8f\xbf\xbf", 1);      /* overlong U+FFFF */
}

static void surrogates(void **state)
{
    (void)state;
    BAD("\xed\xa0\x80", 0);           /* U+D800 */
    BAD("淘\xed\xbf\xbf", 3);         /* U+DFFF after a 3-byte char */
    BAD("\xed\xa0\xbd\xed\xb8\x80", 0); /* CESU-8 pair */
}

static void above_max(void **state)
{
    (void)state;
    BAD("\xf4\x90\x80\x80", 0);       /* U+110000 */
    BAD("ok\xf5\x80\x80\x80", 2);
    BAD("\xf7\xbf\xbf\xbf", 0);
    BAD("\xf8\x88\x80\x80\x80", 0);   /* old 5-byte form */
    BAD("\xfc\x84\x80\x80\x80\x80", 0);
    BAD("\xfe", 0);
    BAD("\xff", 0);
}

static void truncated_and_stray(void **state)
{
    (void)state;
    BAD("\xc3", 0);                   /* lead byte at the end */
    BAD("abc\xe6\xb7", 3);            /* 3-byte char cut short */
    BAD("淘宝\xf0\x9f\x98", 6);       /* 4-byte char cut short */
    BAD("\x80", 0);                   /* stray continuation */
    BAD("宝\xbf", 3);
    BAD("\xe6\x41\x41", 0);           /* lead followed by ASCII */
    BAD("\xe6\xb7\x41", 0);
    BAD("\xf0\x9f\x98\x41", 0);
    BAD("\xc3\xc3\xa9", 0);           /* lead followed by another lead */
    /* a length that cuts a valid character is reported at its start */
    size_t o;
    assert_int_equal(val("a淘", 3, &o), KS_EUTF8);
    assert_int_equal(o, 1);
    /* NULL bad_off is allowed */
    assert_int_equal(ks_utf8_validate("\xff", 1, NULL), KS_EUTF8);
}

/* The first bad sequence is reported, not a later one. */
static void first_error_wins(void **state)
{
    (void)state;
    BAD("a\xc0\xafz\xff", 1);
    BAD("\xe4\xbd\xa0\xe5\xa5\xbd\xed\xa0\x80\xff", 6);
}

/* decode(encode(cp)) == cp for every scalar value, and the lengths agree
 * with the validator. */
static void encode_decode_roundtrip(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char buf[5] = {0};
        size_t n = ks_utf8_encode(cp, buf);
        size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (n != want || ks_utf8_validate(buf, n, NULL) != KS_OK) {
            fprintf(stderr, "U+%04X: encoded in %zu bytes\n", cp, n);
            fail();
        }
        uint32_t back = 0xFFFFFFFF;
        assert_int_equal(ks_utf8_decode(buf, &back), n);
        if (back != cp) {
            fprintf(stderr, "U+%04X decoded as U+%04X\n", cp, back);
            fail();
        }
    }
}

static void count_and_offset(void **state)
{
    (void)state;
    const char *s = "去淘 宝a😀Ｖ";   /* 去 淘 ' ' 宝 a 😀 Ｖ */
    size_t len = strlen(s);
    assert_int_equal(len, 3 + 3 + 1 + 3 + 1 + 4 + 3);
    assert_int_equal(ks_utf8_count(s, len), 7);
    static const size_t off[] = {0, 3, 6, 7, 10, 11, 15, 18};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(ks_utf8_offset(s, len, i), off[i]);
    /* past the end: the length */
    assert_int_equal(ks_utf8_offset(s, len, 100), len);
    assert_int_equal(ks_utf8_count("", 0), 0);
    assert_int_equal(ks_utf8_offset("", 0, 0), 0);
}

/* The definition, written independently of the library: the first
 * offset where no well-formed character starts, or SIZE_MAX. */
static size_t ref_bad(const unsigned char *s, size_t len)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || len - i < n)
            return i;
        uint32_t cp = n == 1 ? c : c & (0x7F >> n);
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return SIZE_MAX;
}

/* Long random texts (the vector path takes 16 bytes at a time) of
 * characters of every length with rare damage, at every alignment: the
 * verdict and the offset named must be the definition's. */
static void long_texts_match_definition(void **state)
{
    (void)state;
    static const unsigned char odd[] = {0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                        0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5,
                                        0xFF, 0xA0, 0x9F, 0x8F, 0x90};
    static const uint32_t cps[] = {'a', '{', 0x7F, 0x80, 0x7FF, 0x800, 0x6DD8,
                                   0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000,
                                   0x1F600, 0x10FFFF, 0x6C49};
    unsigned char buf[200];
    uint32_t seed = 12345;
    size_t bad_seen = 0;
    for (int round = 0; round < 200000; round++) {
        size_t len = 0, want = (size_t)(seed % 120);
        while (len + 4 <= want) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            if (r % 3 == 0)
                buf[len++] = (unsigned char)('a' + r % 26);
            else
                len += ks_utf8_encode(cps[r % (sizeof cps / sizeof *cps)],
                                      (char *)buf + len);
        }
        seed = seed * 1103515245u + 12345u;
        if (len && seed % 4 == 0)       /* damage one byte */
            buf[(seed >> 8) % len] = odd[(seed >> 16) % sizeof odd];
        if (len && seed % 7 == 0)       /* or cut the text short */
            len -= (seed >> 4) % 3 < len ? (seed >> 4) % 3 : 0;
        size_t want_bad = ref_bad(buf, len), got = SIZE_MAX;
        int rc = ks_utf8_validate((const char *)buf, len, &got);
        assert_int_equal(rc, want_bad == SIZE_MAX ? KS_OK : KS_EUTF8);
        assert_int_equal(got, want_bad);
        bad_seen += want_bad != SIZE_MAX;
    }
    assert_true(bad_seen > 20000);      /* both verdicts were exercised */
}

/* Every 1-, 2- and 3-byte sequence after 15 ASCII bytes and before 15
 * more, so each pair straddles the first block's end one way or another. */
static void every_short_sequence_in_a_block(void **state)
{
    (void)state;
    unsigned char buf[48];
    for (uint32_t v = 0; v < (1u << 24); v += 7) {
        for (size_t at = 13; at <= 16; at++) {
            memset(buf, 'x', sizeof buf);
            buf[at] = (unsigned char)(v >> 16);
            buf[at + 1] = (unsigned char)(v >> 8);
            buf[at + 2] = (unsigned char)v;
            size_t got = SIZE_MAX, want = ref_bad(buf, sizeof buf);
            int rc = ks_utf8_validate((const char *)buf, sizeof buf, &got);
            if ((rc == KS_OK) != (want == SIZE_MAX) || got != want)
                fail_msg("%06x at %zu: got %d/%zu, want %zu", (unsigned)v, at,
                         rc, got, want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text),
        cmocka_unit_test(overlongs),
        cmocka_unit_test(surrogates),
        cmocka_unit_test(above_max),
        cmocka_unit_test(truncated_and_stray),
        cmocka_unit_test(first_error_wins),
        cmocka_unit_test(encode_decode_roundtrip),
        cmocka_unit_test(count_and_offset),
        cmocka_unit_test(long_texts_match_definition),
        cmocka_unit_test(every_short_sequence_in_a_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
