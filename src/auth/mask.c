/*
 * Masking personal data in free text (ks_mask_personal, auth.h).
 *
 * The text is decoded to code points once; masks are spans of code
 * points, so a replacement never cuts a UTF-8 sequence. Two detectors:
 *
 * Mobile numbers. A digit run (ASCII or full-width digits, groups joined
 * by one space, '-', U+3000 or '－') is split into its groups; any
 * consecutive groups holding exactly 11 digits that start 1[3-9] are a
 * number, shown as its first 3 and last 4 digits ("138****5678"). A run
 * touching a letter, '_' or another digit, or a decimal point with a
 * digit, is not a phone: tracking numbers (SF1234567890123, YT1381234
 * 5678 glued to letters), order numbers (longer runs), prices
 * (13800000000.00) and dates (2024-06-05: 8 digits) stay. "+86" before a
 * glued 13-digit run is kept and the rest masked.
 *
 * Detailed addresses. Inside one stretch of address characters (CJK,
 * letters, digits, '-', '#', spaces; punctuation ends it), a house marker
 * (a number followed by 号 栋 幢 单元 室 楼 弄 组 层 户 座) counts only when,
 * walking back, a place word (路 街 道 巷 村 镇 乡 小区 花园 大厦 …) comes
 * before any division suffix (省 市 区 县 旗 盟 自治州) within 40
 * characters. Everything after that division is masked up to the last
 * house marker (and the digits glued to it): "四川省成都市武侯区人民南路
 * 四段12号3栋2单元" -> "四川省成都市武侯区****". So "18号发货", "3号链接"
 * and "成都市18号能到吗" (a date, a listing, no place word) stay readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kesu/alloc.h"
#include "kesu/auth.h"
#include "kesu/text.h"

enum { KS_ADDR_WINDOW = 40, KS_ADDR_GAP = 20, KS_MAX_GROUPS = 64 };

typedef struct span {
    size_t a, b;         /* code points [a, b) replaced */
    char rep[24];        /* by this text */
    int phone;           /* a mobile number (aligned: keep 3 + 4 digits) */
} span;

typedef struct masker {
    const uint32_t *cp;  /* n code points, cp[n] = 0 */
    size_t n;
    span *spans;
    size_t nspans, cap;
} masker;

/* ---- character classes -------------------------------------------------- */

static int digit_val(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 0xFF10 && c <= 0xFF19)   /* full-width ０-９ */
        return (int)(c - 0xFF10);
    return -1;
}

static int is_alpha(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A);
}

static int is_word(uint32_t c)
{
    return digit_val(c) >= 0 || is_alpha(c) || c == '_';
}

static int is_sep(uint32_t c)
{
    return c == ' ' || c == '-' || c == 0x3000 || c == 0xFF0D;
}

static int is_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

static int is_cn_numeral(uint32_t c)
{
    static const char nums[] = "零〇一二三四五六七八九十百千两";
    char buf[5];
    size_t k = ks_utf8_encode(c, buf);
    buf[k] = '\0';
    return c >= 0x3007 && strstr(nums, buf) != NULL;
}

static int in_set(uint32_t c, const char *set)
{
    char buf[5];
    size_t k = ks_utf8_encode(c, buf);
    buf[k] = '\0';
    return c > 0x7F && strstr(set, buf) != NULL;
}

static int add_span(masker *m, size_t a, size_t b, const char *rep)
{
    if (ks_grow(&m->spans, &m->cap, m->nspans, sizeof *m->spans, 8))
        return KS_ENOMEM;
    span *s = &m->spans[m->nspans++];
    s->a = a;
    s->b = b;
    snprintf(s->rep, sizeof s->rep, "%s", rep);
    s->phone = 0;
    return KS_OK;
}

static int masked(const masker *m, size_t i)
{
    for (size_t k = 0; k < m->nspans; k++)
        if (i >= m->spans[k].a && i < m->spans[k].b)
            return 1;
    return 0;
}

/* ---- phone numbers -------------------------------------------------------- */

typedef struct group {
    size_t a, b;         /* code points [a, b), all digits */
} group;

/* May a phone end before code point i (end of text, or no word char and
 * no decimal point followed by a digit)? */
static int right_free(const masker *m, size_t i)
{
    if (i >= m->n)
        return 1;
    if (is_word(m->cp[i]))
        return 0;
    return !((m->cp[i] == '.' || m->cp[i] == 0xFF0E) &&
             digit_val(m->cp[i + 1]) >= 0);
}

static int left_free(const masker *m, size_t i)
{
    if (i == 0)
        return 1;
    uint32_t p = m->cp[i - 1];
    if (is_word(p))
        return 0;
    return !((p == '.' || p == 0xFF0E) && i >= 2 &&
             digit_val(m->cp[i - 2]) >= 0);
}

/* Masks [a, b) if its digits are a mainland mobile number. */
static int try_phone(masker *m, size_t a, size_t b, const char *prefix)
{
    char d[12];
    size_t k = 0;
    for (size_t i = a; i < b; i++) {
        int v = digit_val(m->cp[i]);
        if (v >= 0) {
            if (k == 11)
                return KS_OK;
            d[k++] = (char)('0' + v);
        }
    }
    if (k != 11 || d[0] != '1' || d[1] < '3')
        return KS_OK;
    char rep[24];
    snprintf(rep, sizeof rep, "%s%.3s****%.4s", prefix, d, d + 7);
    if (add_span(m, a, b, rep))
        return KS_ENOMEM;
    m->spans[m->nspans - 1].phone = 1;
    return KS_OK;
}

/* The groups of one digit run starting at i; returns how many. */
static size_t run_groups(const masker *m, size_t i, group *g)
{
    size_t ng = 0;
    while (ng < KS_MAX_GROUPS && i < m->n && digit_val(m->cp[i]) >= 0) {
        g[ng].a = i;
        while (i < m->n && digit_val(m->cp[i]) >= 0)
            i++;
        g[ng++].b = i;
        if (i + 1 < m->n && is_sep(m->cp[i]) &&
            digit_val(m->cp[i + 1]) >= 0 && !masked(m, i + 1))
            i++;
        else
            break;
    }
    return ng;
}

/* "+8613812345678": the country code glued to the number. */
static int try_plus86(masker *m, const group *g)
{
    size_t a = g->a;
    if (a == 0 || m->cp[a - 1] != '+' || g->b - a != 13 ||
        digit_val(m->cp[a]) != 8 || digit_val(m->cp[a + 1]) != 6)
        return 0;
    return try_phone(m, a + 2, g->b, "") == KS_OK && m->nspans &&
           m->spans[m->nspans - 1].a == a + 2;
}

/* Tries every stretch of consecutive groups holding 11 digits. */
static int phones_in_run(masker *m, const group *g, size_t ng, int lfree,
                         int rfree)
{
    for (size_t i = 0; i < ng; i++) {
        if (i == 0 && !lfree)
            continue;
        size_t digits = 0, j = i;
        for (; j < ng && digits < 11; j++)
            digits += g[j].b - g[j].a;
        if (digits != 11 || (j == ng && !rfree))
            continue;
        size_t before = m->nspans;
        if (try_phone(m, g[i].a, g[j - 1].b, "") != KS_OK)
            return KS_ENOMEM;
        if (m->nspans > before)
            i = j - 1;   /* the next number starts after this one */
    }
    return KS_OK;
}

static int mask_phones(masker *m)
{
    group g[KS_MAX_GROUPS];
    size_t i = 0;
    while (i < m->n) {
        if (digit_val(m->cp[i]) < 0 || masked(m, i) ||
            (i > 0 && digit_val(m->cp[i - 1]) >= 0)) {
            i++;
            continue;
        }
        size_t ng = run_groups(m, i, g);
        size_t end = g[ng - 1].b;
        if (!(ng == 1 && try_plus86(m, g)) &&
            phones_in_run(m, g, ng, left_free(m, i), right_free(m, end)))
            return KS_ENOMEM;
        i = end;
    }
    return KS_OK;
}

/* ---- addresses ------------------------------------------------------------ */

static const char g_units[] = "号栋幢室楼弄组层户座";
static const char g_places1[] = "路街道巷弄村镇乡苑屯";
static const char *const g_places2[] = {"胡同", "小区", "花园", "大厦",
                                        "公寓", "社区", "广场", "园区",
                                        "家园", "新村"};
static const char g_divisions[] = "省市区县旗盟";

static int is_addr_char(uint32_t c)
{
    return is_cjk(c) || is_word(c) || c == '-' || c == '#' || c == ' ' ||
           c == 0x3000 || c == 0xFF0D || c == 0xFF03;
}

static int cp_is(const masker *m, size_t i, const char *utf8)
{
    uint32_t c;
    size_t k = 0;
    while (*utf8) {
        utf8 += ks_utf8_decode(utf8, &c);
        if (i + k >= m->n || m->cp[i + k] != c)
            return 0;
        k++;
    }
    return 1;
}

/* Length in code points of the two-character place word ending at i. */
static int place2_ending(const masker *m, size_t i)
{
    if (i == 0)
        return 0;
    for (size_t k = 0; k < sizeof g_places2 / sizeof g_places2[0]; k++)
        if (cp_is(m, i - 1, g_places2[k]))
            return 1;
    return 0;
}

/* The end of a house marker (numeral + unit) starting at numeral i, or 0. */
static size_t marker_end(const masker *m, size_t i, size_t seg_end)
{
    size_t j = i;
    while (j < seg_end &&
           (digit_val(m->cp[j]) >= 0 || is_cn_numeral(m->cp[j])))
        j++;
    if (j == i || j >= seg_end)
        return 0;
    if (cp_is(m, j, "单元"))
        return j + 2;
    return in_set(m->cp[j], g_units) ? j + 1 : 0;
}

/* Where masking starts for a marker whose numeral begins at i: just after
 * the nearest division suffix, if a place word lies between; else 0. */
static size_t detail_start(const masker *m, size_t i, size_t seg_start)
{
    int place = 0;
    size_t stop = i > seg_start + KS_ADDR_WINDOW ? i - KS_ADDR_WINDOW
                                                 : seg_start;
    for (size_t j = i; j-- > stop;) {
        if (place2_ending(m, j)) {
            place = 1;
            j--;
            continue;
        }
        if (in_set(m->cp[j], g_places1)) {
            place = 1;
            continue;
        }
        int div = in_set(m->cp[j], g_divisions) ||
                  (j >= 2 && cp_is(m, j - 2, "自治州"));
        if (div)
            return place ? j + 1 : 0;
    }
    return 0;
}

/* Digits, letters, '-' and '#' glued to the end of an address. */
static size_t swallow(const masker *m, size_t i, size_t seg_end)
{
    while (i < seg_end && (is_word(m->cp[i]) || m->cp[i] == '-' ||
                           m->cp[i] == '#' || m->cp[i] == 0xFF03))
        i++;
    return i;
}

static int addresses_in(masker *m, size_t s, size_t e)
{
    size_t a = 0, b = 0;
    for (size_t i = s; i < e; i++) {
        int starts = (digit_val(m->cp[i]) >= 0 || is_cn_numeral(m->cp[i])) &&
                     (i == s || !(digit_val(m->cp[i - 1]) >= 0 ||
                                  is_cn_numeral(m->cp[i - 1])));
        size_t me = starts ? marker_end(m, i, e) : 0;
        if (!me)
            continue;
        if (b && i <= b + KS_ADDR_GAP) {
            b = me;   /* the next part of the same address */
        } else {
            size_t p = detail_start(m, i, s);
            if (p) {
                if (b && add_span(m, a, swallow(m, b, e), "****"))
                    return KS_ENOMEM;
                a = p;
                b = me;
            }
        }
        i = me - 1;
    }
    return b ? add_span(m, a, swallow(m, b, e), "****") : KS_OK;
}

static int mask_addresses(masker *m)
{
    size_t i = 0;
    while (i < m->n) {
        while (i < m->n && !is_addr_char(m->cp[i]))
            i++;
        size_t s = i;
        while (i < m->n && is_addr_char(m->cp[i]))
            i++;
        if (i > s && addresses_in(m, s, i))
            return KS_ENOMEM;
    }
    return KS_OK;
}

/* ---- putting it together ---------------------------------------------------- */

static int by_start(const void *x, const void *y)
{
    const span *a = x, *b = y;
    return a->a < b->a ? -1 : a->a > b->a;
}

/* Copies text with the spans replaced; off[i] is the byte offset of code
 * point i (off[n] = len). */
static char *render(const masker *m, const char *text, const size_t *off,
                    size_t len)
{
    char *out = ks_malloc(len + m->nspans * sizeof m->spans[0].rep + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (size_t k = 0; k < m->nspans; k++) {
        const span *s = &m->spans[k];
        memcpy(out + o, text + off[i], off[s->a] - off[i]);
        o += off[s->a] - off[i];
        memcpy(out + o, s->rep, strlen(s->rep));
        o += strlen(s->rep);
        i = s->b;
    }
    memcpy(out + o, text + off[i], len - off[i]);
    out[o + len - off[i]] = '\0';
    return out;
}

/* The aligned rendering: each masked code point becomes one '*', so code
 * point offsets into the text stay valid (a mobile number keeps its first
 * 3 and last 4 digits, and its separators). */
static char *render_aligned(const masker *m, const char *text,
                            const size_t *off, size_t len)
{
    char *out = ks_malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (size_t k = 0; k < m->nspans; k++) {
        const span *s = &m->spans[k];
        memcpy(out + o, text + off[i], off[s->a] - off[i]);
        o += off[s->a] - off[i];
        for (size_t j = s->a, digit = 0; j < s->b; j++) {
            int keep = s->phone && (digit_val(m->cp[j]) < 0 || digit < 3 ||
                                    digit >= 7);
            if (s->phone && digit_val(m->cp[j]) >= 0)
                digit++;
            o += keep ? ks_utf8_encode(m->cp[j], out + o) : (out[o] = '*', 1);
        }
        i = s->b;
    }
    memcpy(out + o, text + off[i], len - off[i]);
    out[o + len - off[i]] = '\0';
    return out;
}

static int decode(const char *text, size_t len, uint32_t **cp, size_t **off,
                  size_t *n)
{
    size_t count = ks_utf8_count(text, len);
    *cp = ks_malloc((count + 1) * sizeof **cp);
    *off = ks_malloc((count + 1) * sizeof **off);
    if (!*cp || !*off)
        return KS_ENOMEM;
    size_t b = 0;
    for (size_t i = 0; i < count; i++) {
        (*off)[i] = b;
        b += ks_utf8_decode(text + b, &(*cp)[i]);
    }
    (*cp)[count] = 0;
    (*off)[count] = len;
    *n = count;
    return KS_OK;
}

static int mask(const char *text, size_t len, int aligned, char **out)
{
    if (!out || (!text && len))
        return KS_EINVAL;
    *out = NULL;
    if (!text)
        text = "";
    if (ks_utf8_validate(text, len, NULL))
        return KS_EUTF8;
    uint32_t *cp = NULL;
    size_t *off = NULL;
    masker m = {0};
    int rc = decode(text, len, &cp, &off, &m.n);
    m.cp = cp;
    /* Addresses first: a number glued to a house marker is part of it. */
    if (rc == KS_OK)
        rc = mask_addresses(&m);
    if (rc == KS_OK)
        rc = mask_phones(&m);
    if (rc == KS_OK) {
        if (m.nspans)
            qsort(m.spans, m.nspans, sizeof *m.spans, by_start);
        *out = aligned ? render_aligned(&m, text, off, len)
                       : render(&m, text, off, len);
        rc = *out ? KS_OK : KS_ENOMEM;
    }
    ks_free(cp);
    ks_free(off);
    ks_free(m.spans);
    return rc;
}

int ks_mask_personal(const char *text, size_t len, char **out)
{
    return mask(text, len, 0, out);
}

int ks_mask_personal_aligned(const char *text, size_t len, char **out)
{
    return mask(text, len, 1, out);
}
