/* Text normalisation and its offset map (ks_normalize, ks_fold_cp). */
#include "kt.h"

static ks_text g_t;

/* Checks the invariants every normalisation must keep (text.h): map has
 * len+1 entries, every byte of one normalised character maps to the same
 * source code point, the map never goes backwards, stays below the number
 * of source code points, and map[len] is that number. */
static void check_map(const char *src, size_t len, const ks_text *t)
{
    size_t ncp = ks_utf8_count(src, len);
    assert_true(t->len <= t->cap);
    assert_int_equal(t->norm[t->len], '\0');
    assert_int_equal(ks_utf8_validate(t->norm, t->len, NULL), KS_OK);
    if (t->map[t->len] != ncp) {
        fprintf(stderr, "\"%s\": map[len] = %u, want %zu\n", src,
                t->map[t->len], ncp);
        fail();
    }
    size_t i = 0;
    uint32_t last = 0;
    while (i < t->len) {
        uint32_t cp;
        size_t n = ks_utf8_decode(t->norm + i, &cp);
        for (size_t k = 0; k < n; k++)
            if (t->map[i + k] != t->map[i]) {
                fprintf(stderr, "\"%s\": bytes of one character map to "
                                "%u and %u\n", src, t->map[i], t->map[i + k]);
                fail();
            }
        if (t->map[i] >= ncp || t->map[i] < last) {
            fprintf(stderr, "\"%s\": map[%zu] = %u (previous %u, %zu code "
                            "points)\n", src, i, t->map[i], last, ncp);
            fail();
        }
        last = t->map[i];
        i += n;
    }
}

static const char *norm(const char *src)
{
    assert_int_equal(ks_normalize(src, strlen(src), &g_t), KS_OK);
    check_map(src, strlen(src), &g_t);
    return g_t.norm;
}

#define NORM(src, want) assert_string_equal(norm(src), (want))

static int teardown(void **state)
{
    (void)state;
    ks_text_free(&g_t);
    return 0;
}

static void traditional_to_simplified(void **state)
{
    (void)state;
    NORM("淘寶", "淘宝");
    NORM("體驗", "体验");
    NORM("京東自營", "京东自营");
    NORM("薇信 聯繫", "薇信联系");
    NORM("這個東西壞了", "这个东西坏了");
    NORM("淘宝", "淘宝");               /* simplified stays */
    assert_int_equal(ks_fold_cp(0x5BF6 /* 寶 */), 0x5B9D /* 宝 */);
    assert_int_equal(ks_fold_cp(0x9AD4 /* 體 */), 0x4F53 /* 体 */);
}

static void full_width_and_case(void **state)
{
    (void)state;
    NORM("ＶＸ", "vx");
    NORM("加我ＶＸ", "加我vx");
    NORM("ＡＢＣ１２３", "abc123");
    NORM("TaoBao JD", "taobao jd");
    NORM("ＴＢ", "tb");
    NORM("Ｔａｏｂａｏ", "taobao");
    NORM("！？", "!?");
    assert_int_equal(ks_fold_cp('V'), 'v');
    assert_int_equal(ks_fold_cp(0xFF36 /* Ｖ */), 'v');
    assert_int_equal(ks_fold_cp(0xFF58 /* ｘ */), 'x');
    assert_int_equal(ks_fold_cp(0x3000), ' ');
    assert_int_equal(ks_fold_cp('z'), 'z');
    assert_int_equal(ks_fold_cp('7'), '7');
    /* only ASCII case is folded */
    NORM("Ä", "Ä");
}

static void separators_inside_words(void **state)
{
    (void)state;
    NORM("淘.宝", "淘宝");
    NORM("淘 宝", "淘宝");
    NORM("淘*宝", "淘宝");
    NORM("淘_宝", "淘宝");
    NORM("淘-宝", "淘宝");
    NORM("淘/宝", "淘宝");
    NORM("淘·宝", "淘宝");
    NORM("淘　宝", "淘宝");            /* ideographic space */
    NORM("去淘 宝看看", "去淘宝看看");
    NORM("京 东 自 营", "京东自营");
    NORM("淘  宝", "淘宝");
    NORM("淘 . 宝", "淘宝");           /* a run of three */
    NORM("微 x", "微x");               /* CJK on one side is enough */
    NORM("t.b", "tb");
    NORM("v*x", "vx");
    NORM("p.d.d", "pdd");
    NORM("T.B", "tb");
    /* decorative symbols hide a word as well as a dot does */
    NORM("淘❤宝", "淘宝");
    NORM("淘★☆★宝", "淘宝");
    NORM("加我薇🌟信", "加我薇信");
    NORM("拼💗多多", "拼多多");
    NORM("dou🎵音", "dou音");
    NORM("淘🌸宝", "淘宝");
    NORM("淘 ✨ 宝", "淘宝");
}

static void separators_kept(void **state)
{
    (void)state;
    NORM("1 TB", "1 tb");               /* ASCII tokens stay apart */
    NORM("hello world", "hello world");
    NORM("t b", "t b");                 /* a space between letters stays */
    NORM("TB-200", "tb-200");
    NORM("29.9元", "29.9元");           /* decimal point between digits */
    NORM("a.1", "a.1");
    NORM("淘    宝", "淘    宝");       /* four separators: not a disguise */
    NORM(" 淘宝 ", " 淘宝 ");          /* nothing on the outer side */
    NORM("淘宝.", "淘宝.");
    NORM("淘，宝", "淘,宝");            /* punctuation is not a separator */
    NORM("淘❤❤❤❤宝", "淘❤❤❤❤宝");     /* four: decoration, not a disguise */
    NORM("你真懂😏啊", "你真懂😏啊");   /* faces are tone, not decoration */
    NORM("好评👍谢谢", "好评👍谢谢");   /* so are hands */
    NORM("v❤123", "v❤123");           /* letters and digits only: kept */
    NORM("薇信❤", "薇信❤");
    NORM("去🍑宝搜", "去🍑宝搜");       /* 🍑 is 桃: a syllable, not decoration */
    NORM("闲🐟上", "闲🐟上");
}

static void invisible_dropped(void **state)
{
    (void)state;
    NORM("淘\u200b宝", "淘宝");
    NORM("\ufeff微信", "微信");
    NORM("t\u200bb", "tb");
    NORM("t\u200db", "tb");
    NORM("淘\u00ad宝", "淘宝");
    NORM("淘\u2060宝", "淘宝");
    NORM("淘\u200b \u200b宝", "淘宝");
    NORM("\u200b", "");
    NORM("1 \u200bTB", "1 tb");         /* dropped inside a kept run too */
}

static void empty_and_reuse(void **state)
{
    (void)state;
    NORM("", "");
    assert_int_equal(g_t.len, 0);
    assert_int_equal(g_t.map[0], 0);
    /* a long text then a short one through the same buffers */
    char big[4096];
    for (size_t i = 0; i + 3 < sizeof big; i += 3)
        memcpy(big + i, "寶", 3);
    big[sizeof big - 1 - (sizeof big - 1) % 3] = '\0';
    norm(big);
    assert_int_equal(g_t.len, strlen(big));
    NORM("ＡB", "ab");
    assert_int_equal(g_t.len, 2);
    assert_int_equal(g_t.map[2], 2);
}

/* The map of the documented examples, entry by entry. */
static void offset_map(void **state)
{
    (void)state;
    /* 去0 淘1 ' '2 宝3 看4 看5 */
    NORM("去淘 宝看看", "去淘宝看看");
    static const uint32_t m1[] = {0, 0, 0, 1, 1, 1, 3, 3, 3,
                                  4, 4, 4, 5, 5, 5, 6};
    assert_int_equal(g_t.len, 15);
    assert_memory_equal(g_t.map, m1, sizeof m1);

    NORM("ＶＸ", "vx");
    static const uint32_t m2[] = {0, 1, 2};
    assert_memory_equal(g_t.map, m2, sizeof m2);

    NORM("淘\u200b宝", "淘宝");
    static const uint32_t m3[] = {0, 0, 0, 2, 2, 2, 3};
    assert_memory_equal(g_t.map, m3, sizeof m3);

    NORM("a😀B", "a😀b");
    static const uint32_t m4[] = {0, 1, 1, 1, 1, 2, 3};
    assert_memory_equal(g_t.map, m4, sizeof m4);

    /* 1 ' ' T B */
    NORM("1 TB", "1 tb");
    static const uint32_t m5[] = {0, 1, 2, 3, 4};
    assert_memory_equal(g_t.map, m5, sizeof m5);

    /* t . b: the dot is gone, b keeps its own index */
    NORM("xt.b", "xtb");
    static const uint32_t m6[] = {0, 1, 3, 4};
    assert_memory_equal(g_t.map, m6, sizeof m6);

    /* 京0 ' '1 东2 ' '3 自4 ' '5 营6 */
    NORM("京 东 自 营", "京东自营");
    static const uint32_t m7[] = {0, 0, 0, 2, 2, 2, 4, 4, 4, 6, 6, 6, 7};
    assert_memory_equal(g_t.map, m7, sizeof m7);
}

/* A character whose simplified form needs four bytes (U+346E -> U+2B748)
 * grows the text; the map must follow. */
static void growth_to_four_bytes(void **state)
{
    (void)state;
    uint32_t f = ks_fold_cp(0x346E);
    char src[64] = "", want[64] = "", enc[5] = {0};
    for (int i = 0; i < 5; i++) {
        enc[ks_utf8_encode(0x346E, enc)] = '\0';
        strcat(src, enc);
        enc[ks_utf8_encode(f, enc)] = '\0';
        strcat(want, enc);
    }
    NORM(src, want);
    if (f >= 0x10000) {
        assert_int_equal(g_t.len, 20);
        for (size_t i = 0; i < 20; i++)
            assert_int_equal(g_t.map[i], i / 4);
    }
}

/* Every separator and invisible character combination of up to four
 * characters keeps the map invariants (checked by norm()). */
static void map_invariants_exhaustive_small(void **state)
{
    (void)state;
    static const char *const parts[] = {"淘", "宝", "t", "B", "1", " ",
                                        ".", "*", "\u200b", "ＶＸ", "寶",
                                        "😀", "，", "-", "❤", "🌟"};
    const size_t np = sizeof parts / sizeof parts[0];
    char buf[64];
    for (size_t a = 0; a < np; a++)
        for (size_t b = 0; b < np; b++)
            for (size_t c = 0; c < np; c++)
                for (size_t d = 0; d < np; d++) {
                    snprintf(buf, sizeof buf, "%s%s%s%s", parts[a], parts[b],
                             parts[c], parts[d]);
                    norm(buf);
                }
}

/* Regression: OpenCC's pairs are not closed (薴 -> 苧 -> 苎), so folding
 * was not idempotent and a word written 薴 never matched the simplified
 * 苎. Every folded code point must be a fixed point of the fold, and
 * normalising normalised text must change nothing. */
static void fold_is_idempotent(void **state)
{
    (void)state;
    size_t bad = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        uint32_t f = ks_fold_cp(cp), ff = ks_fold_cp(f);
        if (ff != f && bad++ < 10)
            fprintf(stderr, "fold(U+%04X) = U+%04X but fold(U+%04X) = "
                            "U+%04X\n", cp, f, f, ff);
    }
    assert_int_equal(bad, 0);
    assert_int_equal(ks_fold_cp(0x85B4 /* 薴 */), ks_fold_cp(0x82CE /* 苎 */));
    static const char *const texts[] = {
        "去淘 宝看看,ＶＸ", "薴麻", "t.b 1 TB 淘    宝", "體驗 京 东 自 营",
        "\u200b淘\u00ad宝\ufeff"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char once[256];
        snprintf(once, sizeof once, "%s", norm(texts[i]));
        NORM(once, once);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(traditional_to_simplified, teardown),
        cmocka_unit_test_teardown(full_width_and_case, teardown),
        cmocka_unit_test_teardown(separators_inside_words, teardown),
        cmocka_unit_test_teardown(separators_kept, teardown),
        cmocka_unit_test_teardown(invisible_dropped, teardown),
        cmocka_unit_test_teardown(empty_and_reuse, teardown),
        cmocka_unit_test_teardown(offset_map, teardown),
        cmocka_unit_test_teardown(growth_to_four_bytes, teardown),
        cmocka_unit_test_teardown(map_invariants_exhaustive_small, teardown),
        cmocka_unit_test_teardown(fold_is_idempotent, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
