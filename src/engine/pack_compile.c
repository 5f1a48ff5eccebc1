/*
 * Every word of every list -> one Vectorscan block-mode database, so a
 * message is scanned once whatever the size of the pack. Literals are
 * compiled as fully escaped expressions (Vectorscan recognises them as
 * literals); regexes get leftmost start-of-match so evidence can be shown.
 */
#include "pack_int.h"
#include "kesu/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *escape_bytes(const char *text, size_t len)
{
    char *out = ks_malloc(len * 4 + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < len; i++) {
        snprintf(o, 5, "\\x%02x", (unsigned char)text[i]);
        o += 4;
    }
    *o = '\0';
    return out;
}

const char *ks_regex_check(const char *re, char *buf, size_t bufsz)
{
    /* Syntax only: a full compile per regex would cost more than the whole
     * pack's; a pattern too large to compile is located by the pack
     * compile instead (lit->where). */
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *err = NULL;
    if (hs_expression_info(re, HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST, &info,
                           &err) != HS_SUCCESS) {
        snprintf(buf, bufsz, "%s", err ? err->message : "invalid regex");
        hs_free_compile_error(err);
        return buf;
    }
    int empty = info->min_width == 0;
    free(info);   /* allocated with the misc allocator, malloc by default */
    if (empty) {
        snprintf(buf, bufsz, "regex can match the empty string");
        return buf;
    }
    return NULL;
}

/* The class opened by the '[' at t[i]: returns the index of its closing
 * ']' (len if none), sets *neg for [^...] and *nl when the class as
 * written could match '\n': a positive class holding an escape that could
 * stand for it (\s, \n, \x0a, \p{..}: any letter escape but \w \d \h
 * \V), a POSIX class ([:space:]) or a control character. A negated class
 * never can in join[]: join_expr() adds \n to it. */
static size_t class_end(const char *t, size_t len, size_t i, int *neg,
                        int *nl)
{
    size_t j = i + 1;
    *neg = j < len && t[j] == '^';
    *nl = 0;
    if (*neg)
        j++;
    if (j < len && t[j] == ']')      /* a leading ']' is a member */
        j++;
    for (; j < len && t[j] != ']'; j++) {
        char c = t[j];
        if (c == '\\' && j + 1 < len) {
            c = t[++j];
            if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9')) && !strchr("wdhV", c))
                *nl = 1;
        } else if (c == '[' && j + 1 < len && t[j + 1] == ':') {
            *nl = 1;
        } else if ((unsigned char)c < 0x20) {
            *nl = 1;
        }
    }
    if (*neg)
        *nl = 0;
    return j;
}

/* May a regex stand in join[] (multi-line, no start of match), scanned
 * over the messages joined by '\n'? Then its matches must be exactly
 * those it has in each message alone, which holds when it cannot match
 * '\n' (so no match crosses from one message into the next) and, for ^
 * and $, when the message holds no '\n' itself (qa.c checks): in
 * multi-line mode they match at the '\n' between messages as at the ends
 * of one message, and \b sees '\n' as the non-word character it sees past
 * the ends. So: no buffer anchors (\A, \z, \Z), no inline options, and no
 * escape that could stand for '\n' (\s, \S, \W, \D, \H, \v, \R, \n,
 * \x0a, \p{Cc}, ...): only \w \d \h \V \b \B and escaped punctuation; no
 * control character; classes as class_end() says. Also counts the
 * negated classes (join_expr() adds 2 bytes to each). Set once per
 * literal by set_speakers(): in_db() asks for every database. */
static void set_joinable(ks_lit *l)
{
    const char *t = l->text;
    l->joinable = l->is_regex;
    l->negated = 0;
    for (size_t i = 0; l->joinable && i < l->len; i++) {
        if (t[i] == '\\') {
            char c = i + 1 < l->len ? t[++i] : 'z';
            if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9')) && !strchr("wdhVbB", c))
                l->joinable = 0;
        } else if (t[i] == '(' && i + 1 < l->len && t[i + 1] == '?') {
            l->joinable = 0;
        } else if (t[i] == '[') {
            int neg, nl;
            i = class_end(t, l->len, i, &neg, &nl);
            l->joinable = !nl;
            l->negated += (size_t)neg;
        } else if ((unsigned char)t[i] < 0x20) {
            l->joinable = 0;
        }
    }
}

/* In join[], a regex's leading ^ and trailing $ (multi-line) become the
 * '\n' that opens and closes every message of the joined text: the same
 * matches, but Vectorscan then finds them from a literal instead of
 * checking the anchor at every line (about a fifth of the regexes' scan
 * on the bench archive). A match then ends one byte later, on the closing
 * '\n' (qa.c: on_join). "^a|b" -> "\na|b" keeps its meaning: ^ binds to
 * its branch as \n does. Not when a quantifier follows ^, nor for an
 * escaped $. */
static void set_nl_edges(ks_lit *l)
{
    const char *t = l->text;
    size_t n = l->len, bs = 0;
    l->nl_head = n > 1 && t[0] == '^' && !strchr("?*+{", t[1]);
    while (bs + 1 < n && t[n - 2 - bs] == '\\')
        bs++;
    l->nl_tail = n > 1 && t[n - 1] == '$' && bs % 2 == 0 &&
                 !(l->nl_head && n == 2);
}

/* The expression join[] compiles for regex l (set_nl_edges()); a negated
 * class gets \n added, so no match runs from one message into the next
 * ([^?] is [^?\n]: the same in a message without '\n', and qa.c scans a
 * message holding '\n' alone when its speaker has such a regex). */
static char *join_expr(const ks_lit *l)
{
    char *out = ks_malloc(l->len + 3 + 2 * l->negated);
    if (!out)
        return NULL;
    size_t o = 0, from = l->nl_head ? 1 : 0;
    size_t to = l->len - (l->nl_tail ? 1 : 0);
    const char *t = l->text;
    if (l->nl_head) {
        memcpy(out, "\\n", 2);
        o = 2;
    }
    for (size_t i = from; i < to; i++) {
        if (t[i] == '\\' && i + 1 < to) {
            out[o++] = t[i++];
        } else if (t[i] == '[') {
            int neg, nl;
            size_t j = class_end(t, to, i, &neg, &nl);
            memcpy(out + o, t + i, j - i);
            o += j - i;
            if (neg) {
                memcpy(out + o, "\\n", 2);
                o += 2;
            }
            i = j;
            if (j == to)
                break;
        }
        out[o++] = t[i];
    }
    if (l->nl_tail) {
        memcpy(out + o, "\\n", 2);
        o += 2;
    }
    out[o] = '\0';
    return out;
}

/* Which speakers' messages can a rule see each literal in? A list matters
 * on the messages of the speakers of the rule steps that name it (has,
 * has_all, lacks); a step for anyone, on every message. Elsewhere its hits
 * could change nothing: a step only looks at lists of messages of its own
 * speaker, and evidence only at the step's message. */
static int set_speakers(ks_pack *p)
{
    unsigned char *lm = ks_calloc(p->nlists ? p->nlists : 1, 1);
    if (!lm)
        return KS_ENOMEM;
    for (size_t r = 0; r < p->nrules; r++)
        for (size_t k = 0; k < p->rules[r].nsteps; k++) {
            const ks_pred *pr = &p->rules[r].steps[k].pred;
            unsigned m = pr->by == KS_BY_ANY ? 7u : 1u << pr->by;
            for (size_t l = 0; l < p->nlists; l++)
                if ((pr->has && KS_BIT_GET(pr->has, l)) ||
                    (pr->has_all && KS_BIT_GET(pr->has_all, l)) ||
                    (pr->lacks && KS_BIT_GET(pr->lacks, l)))
                    lm[l] |= (unsigned char)m;
        }
    /* The reply clock reads promises on agent messages, and acks on the
     * customer's normalised text (which only a scanned speaker has). */
    for (size_t i = 0; i < p->clock.npromises; i++)
        lm[p->clock.promises[i].list] |= 1u << KS_FROM_AGENT;
    for (size_t l = 0; p->clock.acks && l < p->nlists; l++)
        if (KS_BIT_GET(p->clock.acks, l))
            lm[l] |= 1u << KS_FROM_CUSTOMER;
    for (size_t i = 0; i < p->nlits; i++) {
        ks_lit *l = &p->lits[i];
        l->nl_head = l->nl_tail = 0;
        set_joinable(l);
        if (l->joinable)
            set_nl_edges(l);
        l->speakers = 0;
        l->is_except = 0;
        for (size_t t = 0; t < l->ntargets; t++) {
            l->speakers |= lm[l->targets[t] >> 1];
            l->is_except |= (int)(l->targets[t] & 1u);
        }
    }
    ks_free(lm);
    return KS_OK;
}

/* Is literal i in the database (som or join) of speaker f? */
static int in_db(const ks_pack *p, size_t i, int som, int f)
{
    const ks_lit *l = &p->lits[i];
    if (!(l->speakers & (1u << f)))
        return 0;
    if (som)
        return l->is_regex;
    return !l->is_regex || (l->joinable && !l->expanded);
}

/* Does join[f] hold the strings of expanded regex i? */
static int in_join_x(const ks_pack *p, size_t i, int f)
{
    return p->lits[i].expanded && (p->lits[i].speakers & (1u << f));
}

void ks_pack_free_expansions(ks_pack *p)
{
    for (size_t i = 0; p->xs && i < p->nlits; i++)
        ks_rx_strings_free(&p->xs[i]);
    ks_free(p->xs);
    ks_free(p->xmap);
    p->xs = NULL;
    p->xmap = NULL;
    p->nx = 0;
    for (size_t i = 0; i < p->nlits; i++)
        p->lits[i].expanded = 0;
}

/* Most strings one regex, and the whole pack, may be expanded to: the
 * shipped pack's 130 finite regexes make about 26,000, which Vectorscan
 * finds as fast as its 2,500 words. */
enum { RX_STRINGS_MAX = 4096, RX_STRINGS_TOTAL = 1 << 17 };

/* Expands every finite regex a join[] database would hold (rx_expand.c);
 * a regex left out (not finite, too many strings, no memory) is simply
 * compiled as a regex. */
static int expand_regexes(ks_pack *p)
{
    ks_pack_free_expansions(p);
    if (!p->nlits)
        return KS_OK;
    if (!(p->xs = ks_calloc(p->nlits, sizeof *p->xs)))
        return KS_ENOMEM;
    size_t cap = 0;
    for (size_t i = 0; i < p->nlits; i++) {
        ks_lit *l = &p->lits[i];
        ks_rx_strings *x = &p->xs[i];
        if (!l->speakers || !l->joinable)
            continue;
        int rc = ks_rx_expand(l->text, l->len, RX_STRINGS_MAX, x);
        if (rc == 1 && p->nx + x->n > RX_STRINGS_TOTAL) {
            ks_rx_strings_free(x);
            continue;
        }
        while (rc == 1 && p->nx + x->n > cap)
            if (ks_grow(&p->xmap, &cap, cap, sizeof *p->xmap, 256))
                rc = KS_ENOMEM;
        if (rc < 0) {
            ks_pack_free_expansions(p);
            return KS_ENOMEM;
        }
        if (!rc)
            continue;
        for (size_t k = 0; k < x->n; k++)
            p->xmap[p->nx++] = (ks_xref){
                (uint32_t)i, (uint32_t)k,
                x->buf[x->off[k] + x->len[k] - 1] == '\n'};
        l->expanded = 1;
    }
    return KS_OK;
}

/* FNV-1a, 64 bits: one value, then bytes; the cache keys below and the
 * map's checksum. */
static uint64_t fnv_step(uint64_t h, uint64_t v)
{
    return (h ^ v) * 1099511628211ull;
}

static uint64_t fnv_bytes(uint64_t h, const void *b, size_t n)
{
    const unsigned char *c = b;
    for (size_t i = 0; i < n; i++)
        h = fnv_step(h, c[i]);
    return h;
}

/* A key: the two hashes, each from its own offset, in hex. */
static const uint64_t key_seed[2] = {1469598103934665603ull,
                                     0x84222325cbf29ce4ull};

static void key_hex(const uint64_t h[2], char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0],
             (unsigned long long)h[1]);
}

/* The map from join[] pattern ids to expanded regexes goes through the
 * cache too: expanding the shipped pack's finite regexes is 9 ms of a
 * 41 ms load. Its key is what expand_regexes() reads: the limits and each
 * regex it may expand. The strings themselves are made again only when a
 * database must be compiled. */
static void xmap_key(const ks_pack *p, char out[33])
{
    uint64_t h[2] = {key_seed[0], key_seed[1]};
    char head[64];
    snprintf(head, sizeof head, "xmap/1 %d %d", (int)RX_STRINGS_MAX,
             (int)RX_STRINGS_TOTAL);
    for (int k = 0; k < 2; k++) {
        h[k] = fnv_bytes(h[k], head, strlen(head));
        for (size_t i = 0; i < p->nlits; i++) {
            const ks_lit *l = &p->lits[i];
            if (!l->speakers || !l->joinable)
                continue;
            h[k] = fnv_step(h[k], i);
            h[k] = fnv_step(fnv_bytes(h[k], l->text, l->len), 0xFF);
        }
    }
    key_hex(h, out);
}

static void put_u32(unsigned char *b, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        b[k] = (unsigned char)(v >> (8 * k));
}

static uint32_t get_u32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

/* "KSX1", then per expanded regex: its literal, its string count and a
 * byte per string (it ends with '\n'); little-endian u32s; last, the
 * FNV-1a of the rest, so a damaged file is not taken for a map (the
 * databases of the same key would report ids it does not hold). */
static void xmap_to_cache(const ks_pack *p, const ks_db_cache *c,
                          const char *key)
{
    if (!c || !c->put)
        return;
    size_t n = 0;
    for (size_t i = 0; i < p->nlits; i++)
        n += p->lits[i].expanded ? 8 : 0;
    unsigned char *b = ks_malloc(4 + n + p->nx + 8), *o = b;
    if (!b)
        return;
    memcpy(o, "KSX1", 4);
    o += 4;
    for (size_t x = 0, i = 0; i < p->nlits; i++) {
        if (!p->lits[i].expanded)
            continue;
        size_t k = x;
        while (k < p->nx && p->xmap[k].lit == i)
            k++;
        put_u32(o, (uint32_t)i);
        put_u32(o + 4, (uint32_t)(k - x));
        o += 8;
        for (; x < k; x++)
            *o++ = (unsigned char)p->xmap[x].tail;
    }
    uint64_t h = fnv_bytes(key_seed[0], b, (size_t)(o - b));
    put_u32(o, (uint32_t)h);
    put_u32(o + 4, (uint32_t)(h >> 32));
    o += 8;
    c->put(c->arg, key, (const char *)b, (size_t)(o - b));
    ks_free(b);
}

/* The map from a cached entry, checked against the pack; 0 if there is
 * none or it does not fit (then nothing is set). */
static int xmap_decode(ks_pack *p, const unsigned char *b, size_t len)
{
    if (len < 12 || memcmp(b, "KSX1", 4))
        return 0;
    len -= 8;
    uint64_t h = fnv_bytes(key_seed[0], b, len);
    if (get_u32(b + len) != (uint32_t)h || get_u32(b + len + 4) != h >> 32)
        return 0;
    size_t cap = 0, at = 4;
    long last = -1;
    while (at < len) {
        if (len - at < 8)
            goto bad;
        uint32_t i = get_u32(b + at), n = get_u32(b + at + 4);
        at += 8;
        if (i >= p->nlits || (long)i <= last || !p->lits[i].speakers ||
            !p->lits[i].joinable || n > RX_STRINGS_MAX || len - at < n ||
            p->nx + n > RX_STRINGS_TOTAL)
            goto bad;
        /* ks_grow doubles once: loop, as xmap_expand does, for an entry
         * with more strings than the map has room left */
        while (p->nx + n > cap)
            if (ks_grow(&p->xmap, &cap, cap, sizeof *p->xmap, 256))
                goto bad;
        for (uint32_t k = 0; k < n; k++)
            p->xmap[p->nx++] = (ks_xref){i, k, b[at + k] != 0};
        at += n;
        p->lits[i].expanded = 1;
        last = i;
    }
    return 1;
bad:
    ks_pack_free_expansions(p);
    return 0;
}

static int xmap_from_cache(ks_pack *p, const ks_db_cache *c, const char *key)
{
    char *data = NULL;
    size_t len = 0;
    ks_pack_free_expansions(p);
    if (!c || !c->get || c->get(c->arg, key, &data, &len) != 0)
        return 0;
    int ok = xmap_decode(p, (const unsigned char *)data, len);
    if (c->release)
        c->release(c->arg, data, len);
    else
        free(data);
    return ok;
}

/* FNV-1a over everything a database depends on, as 2 x 64 bits with
 * different offsets, in hex: collisions across one user's packs are not
 * a practical concern for a cache, and a wrong hit would still have to
 * deserialise as a database of the same pattern count. */
static void cache_key(const ks_pack *p, int som, int f, char out[33])
{
    uint64_t h[2] = {key_seed[0], key_seed[1]};
    const char *ver = hs_version();
    const char *kind = som ? "som/1" : "join/4";
    for (int k = 0; k < 2; k++) {
        h[k] = fnv_bytes(h[k], ver, strlen(ver));
        h[k] = fnv_bytes(h[k], kind, strlen(kind));
        for (size_t i = 0; i < p->nlits; i++) {
            const ks_lit *l = &p->lits[i];
            int x = !som && in_join_x(p, i, f);
            if (!x && !in_db(p, i, som, f))
                continue;
            h[k] = fnv_step(h[k], i);
            h[k] = fnv_step(h[k], (uint64_t)(l->is_regex + 2 + 2 * x));
            if (!som && l->is_regex)
                h[k] = fnv_step(h[k], (uint64_t)(l->nl_head * 2 + l->nl_tail));
            h[k] = fnv_step(fnv_bytes(h[k], l->text, l->len), 0xFF);
        }
        for (size_t x = 0; !som && x < p->nx; x++) {
            if (!in_join_x(p, p->xmap[x].lit, f))
                continue;   /* its strings follow from its text; where
                               they start in the ids, from the others' */
            h[k] = fnv_step(h[k], x + p->nlits);
            h[k] = fnv_step(h[k], p->xmap[x].lit);
        }
    }
    key_hex(h, out);
}

static hs_database_t *from_cache(const ks_db_cache *c, const char *key)
{
    char *data = NULL;
    size_t len = 0;
    if (!c || !c->get || c->get(c->arg, key, &data, &len) != 0)
        return NULL;
    hs_database_t *db = NULL;
    if (hs_deserialize_database(data, len, &db) != HS_SUCCESS)
        db = NULL;
    if (c->release)
        c->release(c->arg, data, len);
    else
        free(data);
    return db;
}

static void to_cache(hs_database_t *db, const ks_db_cache *c, const char *key)
{
    char *data = NULL;
    size_t len = 0;
    if (!db || !c || !c->put ||
        hs_serialize_database(db, &data, &len) != HS_SUCCESS)
        return;
    c->put(c->arg, key, data, len);
    free(data);
}

static int compile(ks_pack *p, int som, int f, hs_database_t **db,
                   ks_diags *d);

/* Do speakers f and g have the same database of this kind? */
static int same_db(const ks_pack *p, int som, int f, int g)
{
    for (size_t i = 0; i < p->nlits; i++)
        if (in_db(p, i, som, f) != in_db(p, i, som, g) ||
            (!som && in_join_x(p, i, f) != in_join_x(p, i, g)))
            return 0;
    return 1;
}

size_t ks_pack_dbs(const ks_pack *p, hs_database_t **dbs)
{
    size_t n = 0;
    for (int k = 0; k < 6; k++) {
        hs_database_t *db = k < 3 ? p->join[k] : p->som[k - 3];
        size_t j;
        for (j = 0; j < n && dbs[j] != db; j++)
            ;
        if (db && j == n)
            dbs[n++] = db;
    }
    return n;
}

void ks_pack_free_dbs(ks_pack *p)
{
    hs_database_t *dbs[6];
    size_t n = ks_pack_dbs(p, dbs);
    for (size_t i = 0; i < n; i++)
        hs_free_database(dbs[i]);
    memset(p->join, 0, sizeof p->join);
    memset(p->som, 0, sizeof p->som);
}

int ks_pack_compile(ks_pack *p, const ks_db_cache *cache, ks_diags *d)
{
    int rc = set_speakers(p);
    if (rc)
        return rc;
    char xkey[33];
    xmap_key(p, xkey);
    if (!xmap_from_cache(p, cache, xkey)) {
        if ((rc = expand_regexes(p)))
            return rc;
        xmap_to_cache(p, cache, xkey);
    }
    for (int f = 0; f < 3; f++) {
        p->som_always[f] = p->neg_class[f] = 0;
        for (size_t i = 0; i < p->nlits; i++) {
            if (!in_db(p, i, 1, f))
                continue;
            if (!p->lits[i].joinable)
                p->som_always[f] = 1;
            else if (p->lits[i].negated)
                p->neg_class[f] = 1;
        }
    }
    /* the regexes with start of match first: their errors are the ones
     * a pack author can act on */
    for (int som = 1; som >= 0; som--)
        for (int f = 0; f < 3; f++) {
            hs_database_t **db = som ? &p->som[f] : &p->join[f];
            int g;
            for (g = 0; g < f && !same_db(p, som, f, g); g++)
                ;
            if (g < f) {
                *db = som ? p->som[g] : p->join[g];
                continue;
            }
            char key[33];
            cache_key(p, som, f, key);
            if ((*db = from_cache(cache, key)))
                continue;
            /* the same map again, now with the strings to compile */
            if (!som && !p->xs && p->nx && (rc = expand_regexes(p))) {
                ks_pack_free_dbs(p);
                return rc;
            }
            if ((rc = compile(p, som, f, db, d))) {
                ks_pack_free_dbs(p);
                return rc;
            }
            to_cache(*db, cache, key);
        }
    return KS_OK;
}

/* The database of speaker f: som, its regexes with leftmost start of
 * match; else its literals and joinable regexes. *db stays NULL when
 * there is no pattern for it. */
static int compile(ks_pack *p, int som, int f, hs_database_t **db,
                   ks_diags *d)
{
    size_t max = p->nlits + (som ? 0 : p->nx) + 1;
    const char **exprs = ks_calloc(max, sizeof *exprs);
    unsigned *flags = ks_calloc(max, sizeof *flags);
    unsigned *ids = ks_calloc(max, sizeof *ids);
    size_t n = 0;
    int rc = KS_OK;
    *db = NULL;
    if (!exprs || !flags || !ids) {
        rc = KS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < p->nlits; i++) {
        const ks_lit *l = &p->lits[i];
        if (!in_db(p, i, som, f))
            continue;
        if (l->is_regex && som) {
            exprs[n] = l->text;
            flags[n] = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
        } else if (l->is_regex) {
            if (!(exprs[n] = join_expr(l))) {
                rc = KS_ENOMEM;
                goto out;
            }
            flags[n] = HS_FLAG_UTF8 | HS_FLAG_MULTILINE;
        } else if (!(exprs[n] = escape_bytes(l->text, l->len))) {
            rc = KS_ENOMEM;
            goto out;
        }
        ids[n++] = (unsigned)i;
    }
    for (size_t x = 0; !som && x < p->nx; x++) {
        const ks_rx_strings *xs = &p->xs[p->xmap[x].lit];
        size_t k = p->xmap[x].str;
        if (!in_join_x(p, p->xmap[x].lit, f))
            continue;
        if (!(exprs[n] = escape_bytes(xs->buf + xs->off[k], xs->len[k]))) {
            rc = KS_ENOMEM;
            goto out;
        }
        ids[n++] = (unsigned)(p->nlits + x);
    }
    hs_compile_error_t *err = NULL;
    if (n && hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK,
                              NULL, db, &err) != HS_SUCCESS) {
        int at = err && err->expression >= 0 ? (int)ids[err->expression] : -1;
        if (at >= (int)p->nlits)
            at = (int)p->xmap[at - (int)p->nlits].lit;
        const char *where = at >= 0 && p->lits[at].where ? p->lits[at].where
                                                          : "pack";
        ks_diags_add(d, 0, where, "bad regex: %s%s%s",
                     err ? err->message : "unknown error",
                     at >= 0 ? ": " : "", at >= 0 ? p->lits[at].text : "");
        hs_free_compile_error(err);
        *db = NULL;
        rc = KS_ERULES;
    }
out:
    for (size_t i = 0; exprs && !som && i < n; i++)
        ks_free((void *)exprs[i]);  /* som[]'s are the regexes' own text */
    ks_free(exprs);
    ks_free(flags);
    ks_free(ids);
    return rc;
}
