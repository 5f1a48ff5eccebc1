/*
 * The strings a simple regex matches, when they are few: "(有|一)(个|块)?洞"
 * is the five words 有洞 一洞 有个洞 一个洞 ... Vectorscan finds a set of
 * words far faster than a regex whose matches all begin with a character as
 * common as 有 or 一 (on the bench archive, the shipped pack's finite
 * regexes cost as much as all 2,500 of its words), so pack_compile.c puts
 * their strings in the joined database instead of the regex.
 *
 * Only a small, exact subset is expanded: characters, escaped punctuation,
 * \d, positive classes of characters and ASCII ranges, groups ( ) and (?: )
 * with |, and ?, {m} and {m,n} quantifiers; a leading ^ and a trailing $
 * become the '\n' that closes each message in the joined text (as
 * set_nl_edges() does for a regex). Anything else (., *, +, \w, \b,
 * negated classes, lazy quantifiers, inline options) leaves the regex to
 * Vectorscan, as does a language of more than `cap` strings.
 */
#include "pack_int.h"
#include "kesu/alloc.h"

#include <string.h>

typedef struct sset {
    char *buf;          /* the strings, back to back */
    size_t blen, bcap;
    size_t *off, *len;
    size_t n, cap;
} sset;

typedef struct parser {
    const char *t;
    size_t n, i;
    size_t cap;         /* most strings a set may hold */
    int fail;           /* not in the subset, too many strings, or no memory */
    int oom;            /* ... no memory */
} parser;

enum { MAX_REPEAT = 16 };

static void sset_free(sset *s)
{
    ks_free(s->buf);
    ks_free(s->off);
    ks_free(s->len);
    memset(s, 0, sizeof *s);
}

/* Room for n strings of `bytes` bytes in all. */
static int sset_reserve(parser *P, sset *s, size_t n, size_t bytes)
{
    if (n > s->cap) {
        size_t *o = ks_realloc(s->off, n * sizeof *o);
        if (o)
            s->off = o;
        size_t *l = o ? ks_realloc(s->len, n * sizeof *l) : NULL;
        if (!l) {
            P->fail = P->oom = 1;
            return -1;
        }
        s->len = l;
        s->cap = n;
    }
    if (bytes > s->bcap) {
        char *nbuf = ks_realloc(s->buf, bytes);
        if (!nbuf) {
            P->fail = P->oom = 1;
            return -1;
        }
        s->buf = nbuf;
        s->bcap = bytes;
    }
    return 0;
}

static int sset_add(parser *P, sset *s, const char *a, size_t na,
                    const char *b, size_t nb)
{
    if (s->n == P->cap) {
        P->fail = 1;
        return -1;
    }
    size_t need = s->blen + na + nb;
    if (sset_reserve(P, s, s->n < s->cap ? s->cap : s->cap * 2 + 16,
                     need <= s->bcap ? s->bcap : need * 2 + 64))
        return -1;
    if (na)
        memcpy(s->buf + s->blen, a, na);
    if (nb)
        memcpy(s->buf + s->blen + na, b, nb);
    s->off[s->n] = s->blen;
    s->len[s->n++] = na + nb;
    s->blen = need;
    return 0;
}

/* *a = *a x b (every string of a followed by every string of b). */
static void sset_product(parser *P, sset *a, const sset *b)
{
    sset out = {0};
    if (a->n * b->n > P->cap) {
        P->fail = 1;
        return;
    }
    sset_reserve(P, &out, a->n * b->n, a->blen * b->n + b->blen * a->n);
    for (size_t i = 0; i < a->n && !P->fail; i++)
        for (size_t j = 0; j < b->n && !P->fail; j++)
            sset_add(P, &out, a->buf + a->off[i], a->len[i],
                     b->buf + b->off[j], b->len[j]);
    sset_free(a);
    *a = out;
}

static void sset_union(parser *P, sset *a, const sset *b)
{
    for (size_t j = 0; j < b->n && !P->fail; j++)
        sset_add(P, a, b->buf + b->off[j], b->len[j], NULL, 0);
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* Bytes of the UTF-8 character starting with lead byte c. */
static size_t char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static void add_digits(parser *P, sset *s)
{
    for (char d = '0'; d <= '9' && !P->fail; d++)
        sset_add(P, s, &d, 1, NULL, 0);
}

/* [...] at P->i (past the '['): its characters. */
static void parse_class(parser *P, sset *s)
{
    const char *t = P->t;
    if (P->i < P->n && (t[P->i] == '^' || t[P->i] == ']')) {
        P->fail = 1;
        return;
    }
    while (!P->fail && P->i < P->n && t[P->i] != ']') {
        char c = t[P->i];
        if (c == '[') {                 /* [:alpha:] and the like */
            P->fail = 1;
        } else if (c == '\\' && P->i + 1 < P->n) {
            char e = t[P->i + 1];
            P->i += 2;
            if (e == 'd')
                add_digits(P, s);
            else if (is_alnum(e))
                P->fail = 1;
            else
                sset_add(P, s, &e, 1, NULL, 0);
        } else if (P->i + 2 < P->n && t[P->i + 1] == '-' &&
                   t[P->i + 2] != ']') {
            int lo = (unsigned char)c, hi = (unsigned char)t[P->i + 2];
            if (lo < 0x20 || hi >= 0x7F || hi < lo || c == '\\' ||
                hi == '\\')
                P->fail = 1;
            for (int x = lo; !P->fail && x <= hi; x++) {
                char ch = (char)x;
                sset_add(P, s, &ch, 1, NULL, 0);
            }
            P->i += 3;
        } else {
            size_t k = char_len((unsigned char)c);
            if (P->i + k > P->n || (k == 1 && (unsigned char)c < 0x20))
                P->fail = 1;
            else if (P->i + k + 1 < P->n && t[P->i + k] == '-' &&
                     t[P->i + k + 1] != ']')
                P->fail = 1;    /* a range of code points: [一-十] */
            else
                sset_add(P, s, t + P->i, k, NULL, 0);
            P->i += k;
        }
    }
    if (P->i >= P->n)
        P->fail = 1;
    P->i++;                             /* the ']' */
}

static void parse_alt(parser *P, sset *out);

static void parse_atom(parser *P, sset *s)
{
    const char *t = P->t;
    char c = t[P->i];
    if (c == '(') {
        P->i++;
        if (P->i < P->n && t[P->i] == '?') {
            if (P->i + 1 >= P->n || t[P->i + 1] != ':') {
                P->fail = 1;
                return;
            }
            P->i += 2;
        }
        parse_alt(P, s);
        if (P->i >= P->n || t[P->i] != ')')
            P->fail = 1;
        P->i++;
    } else if (c == '[') {
        P->i++;
        parse_class(P, s);
    } else if (c == '\\') {
        if (P->i + 1 >= P->n) {
            P->fail = 1;
            return;
        }
        char e = t[P->i + 1];
        P->i += 2;
        if (e == 'd')
            add_digits(P, s);
        else if (is_alnum(e))
            P->fail = 1;
        else
            sset_add(P, s, &e, 1, NULL, 0);
    } else if (c == '^' || c == '$') {
        P->i++;
        sset_add(P, s, "\n", 1, NULL, 0);
    } else if (strchr(".*+?{}|)]", c) || (unsigned char)c < 0x20) {
        P->fail = 1;
    } else {
        size_t k = char_len((unsigned char)c);
        if (P->i + k > P->n)
            P->fail = 1;
        else
            sset_add(P, s, t + P->i, k, NULL, 0);
        P->i += k;
    }
}

static int read_int(parser *P, size_t *v)
{
    size_t start = P->i;
    *v = 0;
    while (P->i < P->n && P->t[P->i] >= '0' && P->t[P->i] <= '9' &&
           *v <= MAX_REPEAT)
        *v = *v * 10 + (size_t)(P->t[P->i++] - '0');
    return P->i > start;
}

/* A quantifier after an atom: the union of atom^k for k in [m, n]. */
static void parse_quant(parser *P, sset *atom)
{
    if (P->i >= P->n)
        return;
    size_t m = 1, n = 1;
    char c = P->t[P->i];
    if (c == '?') {
        m = 0;
        P->i++;
    } else if (c == '{') {
        P->i++;
        if (!read_int(P, &m)) {
            P->fail = 1;
            return;
        }
        n = m;
        if (P->i < P->n && P->t[P->i] == ',') {
            P->i++;
            if (!read_int(P, &n))
                P->fail = 1;   /* {m,}: unbounded */
        }
        if (P->i >= P->n || P->t[P->i] != '}' || n < m || n > MAX_REPEAT)
            P->fail = 1;
        P->i++;
    } else if (c == '*' || c == '+') {
        P->fail = 1;
    } else {
        return;
    }
    if (P->i < P->n && strchr("?+", P->t[P->i]))
        P->fail = 1;                    /* lazy or possessive */
    sset all = {0}, pow = {0};
    sset_add(P, &pow, "", 0, NULL, 0);
    for (size_t k = 0; k <= n && !P->fail; k++) {
        if (k >= m)
            sset_union(P, &all, &pow);
        if (k < n)
            sset_product(P, &pow, atom);
    }
    sset_free(&pow);
    sset_free(atom);
    *atom = all;
}

static void parse_seq(parser *P, sset *out)
{
    sset_add(P, out, "", 0, NULL, 0);
    while (!P->fail && P->i < P->n && P->t[P->i] != '|' &&
           P->t[P->i] != ')') {
        sset atom = {0};
        parse_atom(P, &atom);
        if (!P->fail)
            parse_quant(P, &atom);
        if (!P->fail)
            sset_product(P, out, &atom);
        sset_free(&atom);
    }
}

static void parse_alt(parser *P, sset *out)
{
    for (;;) {
        sset br = {0};
        parse_seq(P, &br);
        sset_union(P, out, &br);
        sset_free(&br);
        if (P->fail || P->i >= P->n || P->t[P->i] != '|')
            return;
        P->i++;
    }
}

/* Each string must be some text, with '\n' (^ or $) only at its ends. */
static int well_formed(const sset *s)
{
    for (size_t k = 0; k < s->n; k++) {
        const char *x = s->buf + s->off[k];
        size_t n = s->len[k];
        size_t lo = n && x[0] == '\n', hi = n - (n > lo && x[n - 1] == '\n');
        if (hi <= lo || memchr(x + lo, '\n', hi - lo))
            return 0;
    }
    return 1;
}

int ks_rx_expand(const char *re, size_t len, size_t cap, ks_rx_strings *out)
{
    memset(out, 0, sizeof *out);
    parser P = {re, len, 0, cap, 0, 0};
    sset s = {0};
    parse_alt(&P, &s);
    if (P.fail || P.i != len || !well_formed(&s)) {
        sset_free(&s);
        return P.oom ? KS_ENOMEM : 0;
    }
    out->buf = s.buf;
    out->off = s.off;
    out->len = s.len;
    out->n = s.n;
    return 1;
}

void ks_rx_strings_free(ks_rx_strings *x)
{
    ks_free(x->buf);
    ks_free(x->off);
    ks_free(x->len);
    memset(x, 0, sizeof *x);
}
