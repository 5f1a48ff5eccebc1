/*
 * Normalisation (see include/kesu/text.h).
 *
 * Invariants: out->map has one entry per byte of out->norm, and every byte
 * of one normalised character maps to the same source code point, so a
 * match that starts and ends on character boundaries in the normalised
 * text maps to a contiguous code point span of the source.
 *
 * Separator removal is deliberately narrow: a run of at most three
 * separator characters (spaces, dots and the like, or decorative symbols
 * such as ❤ and ★) is removed only between two word characters of
 * which at least one is CJK (淘 宝, 京.东, 淘❤宝), or between two ASCII letters
 * when the run is made only of dots and stars (t.b, v*x). Spaces between
 * ASCII words and digits stay, so "1 TB" is still two tokens.
 */
#include "kesu/text.h"
#include "kesu/alloc.h"
#include "utf8_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const uint32_t ks_t2s_pairs[][2];
extern const size_t ks_t2s_npairs;

enum { C_OTHER = 0, C_DROP = 1, C_SEP = 2, C_DOT = 4, C_ALPHA = 8,
       C_DIGIT = 16, C_CJK = 32 };

static uint32_t g_fold[0x10000];
static unsigned char g_class[0x10000];
/* Per code point below 0x10000: its folded form (bits 0-23) and that
 * form's class (bits 24-31), in one lookup per character. */
static uint32_t g_fc[0x10000];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int cmp_pair(const void *key, const void *elem)
{
    uint32_t k = *(const uint32_t *)key;
    uint32_t e = ((const uint32_t *)elem)[0];
    return k < e ? -1 : k > e;
}

static uint32_t t2s_lookup(uint32_t cp)
{
    const uint32_t *p = bsearch(&cp, ks_t2s_pairs, ks_t2s_npairs,
                                sizeof ks_t2s_pairs[0], cmp_pair);
    return p ? p[1] : cp;
}

static uint32_t fold_slow(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        cp -= 0xFEE0;                   /* full-width ASCII */
    else if (cp == 0x3000)
        cp = ' ';
    else if (cp >= 0x24B6 && cp <= 0x24CF)
        cp = 'a' + (cp - 0x24B6);       /* circled capitals */
    else if (cp >= 0x24D0 && cp <= 0x24E9)
        cp = 'a' + (cp - 0x24D0);       /* circled small letters */
    else if (cp == 0x2795 || cp == 0xFE62)
        cp = '+';
    if (cp >= 'A' && cp <= 'Z')
        cp += 32;
    /* OpenCC's pairs are not closed (薴 -> 苧 -> 苎): follow them to a
     * fixed point, or a word and a message could fold differently. */
    for (int i = 0; i < 4; i++) {
        uint32_t next = t2s_lookup(cp);
        if (next == cp)
            break;
        cp = next;
    }
    /* Variants that mean the same to a reader: the polite 您 is 你 for
     * matching, and the traditional characters OpenCC keeps one by one
     * (著, 瞭, 祇) take their usual simplified form. */
    switch (cp) {
    case 0x60A8: /* 您 */
    case 0x59B3: /* 妳 */
        return 0x4F60; /* 你 */
    case 0x8457: /* 著 */
        return 0x7740; /* 着 */
    case 0x77AD: /* 瞭 */
        return 0x4E86; /* 了 */
    case 0x7947: /* 祇 */
        return 0x53EA; /* 只 */
    default:
        return cp;
    }
}

static int is_cjk(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* Decorative symbols people put inside a word to slip past a filter (淘❤宝,
 * 薇🌟信, 拼💗多多, dou🎵音): hearts, stars, sparkles, flowers, notes,
 * ribbons, shapes. Left out on purpose: faces and hands (😏 or 👍 is a tone
 * the rules read) and pictures that stand for a syllable (🍑宝 is 桃宝,
 * 闲🐟 is 闲鱼: fruit, food and animals are words, not decoration). */
static int is_decoration(uint32_t f)
{
    return (f >= 0x25A0 && f <= 0x25FF) ||    /* geometric shapes ●◆□ */
           (f >= 0x2600 && f <= 0x27BF) ||    /* symbols, dingbats ★♥❤✨ */
           (f >= 0x2B50 && f <= 0x2B55) ||    /* ⭐ ⭕ */
           f == 0x1F31F || f == 0x1F320 ||    /* 🌟 🌠 */
           (f >= 0x1F337 && f <= 0x1F33C) ||  /* 🌷🌸🌹🌺🌻🌼 */
           f == 0x1F380 || (f >= 0x1F388 && f <= 0x1F38A) || /* 🎀🎈🎉🎊 */
           f == 0x1F3B5 || f == 0x1F3B6 ||    /* 🎵 🎶 */
           (f >= 0x1F490 && f <= 0x1F49F) ||  /* 💐💓💕💗💞 */
           f == 0x1F5A4 || f == 0x1F90D || f == 0x1F90E || f == 0x1F9E1 ||
           (f >= 0x1FA75 && f <= 0x1FA77);    /* coloured hearts */
}

static unsigned char class_slow(uint32_t f)
{
    if ((f >= 0x200B && f <= 0x200F) || f == 0x2060 || f == 0xFEFF ||
        f == 0x00AD || (f >= 0xFE00 && f <= 0xFE0F))
        return C_DROP;
    if (f == '.' || f == '*' || f == 0x00B7 || f == 0x2022 || f == 0x30FB)
        return C_SEP | C_DOT;
    if (f == ' ' || f == '\t' || f == '_' || f == '-' || f == '~' ||
        f == '|' || f == '/' || f == '\\' || f == '#' || f == 0x4E36 ||
        f == 0x00A0 || is_decoration(f))
        return C_SEP;
    if (f >= 'a' && f <= 'z')
        return C_ALPHA;
    if (f >= '0' && f <= '9')
        return C_DIGIT;
    return is_cjk(f) ? C_CJK : C_OTHER;
}

static unsigned class_of(uint32_t folded)
{
    return folded < 0x10000 ? g_class[folded] : class_slow(folded);
}

static void build_tables(void)
{
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        g_fold[cp] = fold_slow(cp);
        g_class[cp] = class_slow(g_fold[cp]);
    }
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        g_fc[cp] = g_fold[cp] | (uint32_t)class_of(g_fold[cp]) << 24;
}

/* The folded form of the character at s (its bytes in *n) and that
 * form's class in *cls. */
static uint32_t fold_at(const char *s, size_t *n, unsigned *cls)
{
    uint32_t cp;
    *n = ks_u8_decode(s, &cp);
    if (cp < 0x10000) {
        uint32_t fc = g_fc[cp];
        *cls = fc >> 24;
        return fc & 0xFFFFFFu;
    }
    uint32_t f = fold_slow(cp);
    *cls = class_of(f);
    return f;
}

uint32_t ks_fold_cp(uint32_t cp)
{
    pthread_once(&g_once, build_tables);
    return cp < 0x10000 ? g_fold[cp] : fold_slow(cp);
}

static int grow(ks_text *t, size_t need)
{
    if (need <= t->cap)
        return KS_OK;
    size_t cap = t->cap ? t->cap : 64;
    while (cap < need)
        cap *= 2;
    char *n = ks_realloc(t->norm, cap + 1);
    if (!n)
        return KS_ENOMEM;
    t->norm = n;
    uint32_t *m = ks_realloc(t->map, (cap + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    t->map = m;
    t->cap = cap;
    return KS_OK;
}

static void emit(ks_text *t, uint32_t f, uint32_t src_cp)
{
    size_t n = ks_u8_encode(f, t->norm + t->len);
    for (size_t k = 0; k < n; k++)
        t->map[t->len + k] = src_cp;
    t->len += n;
}

/* Emits src[i..j) (separators and invisible characters) unchanged but
 * for folding, dropping the invisible ones. */
static void emit_run(ks_text *t, const char *src, size_t i, size_t j,
                     uint32_t cpi)
{
    while (i < j) {
        size_t n;
        unsigned c;
        uint32_t f = fold_at(src + i, &n, &c);
        if (!(c & C_DROP))
            emit(t, f, cpi);
        i += n;
        cpi++;
    }
}

/* A word character on each side decides whether a separator run hides a
 * word; see the file comment. */
static int drop_run(unsigned prev, unsigned next, int count, int dots_only)
{
    if (count > 3)
        return 0;
    int pw = prev & (C_ALPHA | C_DIGIT | C_CJK);
    int nw = next & (C_ALPHA | C_DIGIT | C_CJK);
    if (!pw || !nw)
        return 0;
    if ((prev & C_CJK) || (next & C_CJK))
        return 1;
    return dots_only && (prev & C_ALPHA) && (next & C_ALPHA);
}

int ks_normalize(const char *src, size_t len, ks_text *out)
{
    out->len = 0;
    return ks_normalize_append(src, len, out);
}

int ks_normalize_append(const char *src, size_t len, ks_text *out)
{
    pthread_once(&g_once, build_tables);
    /* t2s may turn a 3-byte character into a 4-byte one; nothing else
     * grows, so 4/3 of the input bounds the output. */
    int rc = grow(out, out->len + len + len / 3 + 4);
    if (rc)
        return rc;
    size_t i = 0;
    uint32_t cpi = 0;
    unsigned prev = C_OTHER;
    while (i < len) {
        size_t n;
        unsigned c;
        uint32_t f = fold_at(src + i, &n, &c);
        if (c & C_DROP) {
            i += n;
            cpi++;
            continue;
        }
        if (c & C_SEP) {
            size_t j = i;
            uint32_t k = cpi;
            int count = 0, dots_only = 1;
            unsigned next = C_OTHER;
            while (j < len) {
                size_t n2;
                unsigned cl2;
                fold_at(src + j, &n2, &cl2);
                if (!(cl2 & (C_SEP | C_DROP))) {
                    next = cl2;
                    break;
                }
                if (cl2 & C_SEP) {
                    count++;
                    dots_only &= (cl2 & C_DOT) != 0;
                }
                j += n2;
                k++;
            }
            if (!drop_run(prev, next, count, dots_only))
                emit_run(out, src, i, j, cpi);
            /* emitted or not, the run is done in one pass: a long run of
             * spaces must not be rescanned once per character */
            prev = C_SEP;
            i = j;
            cpi = k;
            continue;
        }
        emit(out, f, cpi);
        prev = c;
        i += n;
        cpi++;
    }
    out->norm[out->len] = '\0';
    out->map[out->len] = cpi;
    return KS_OK;
}

void ks_text_free(ks_text *t)
{
    ks_free(t->norm);
    ks_free(t->map);
    memset(t, 0, sizeof *t);
}
