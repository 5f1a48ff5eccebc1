/*
 * SPEC 3.1 JSON -> ks_conv, through cJSON (chosen for speed over jansson;
 * see README, "JSON library").
 *
 * Every rejected input adds exactly one error naming the JSON path, so a
 * lead can find the broken field in a million-line export.
 */
#include "kesu/conv.h"
#include "kesu/alloc.h"
#include "kesu/text.h"

#include <cJSON.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    ks_diags *diags;
    const char *prefix;
} ctx;

#define WHERE_MAX 4400 /* a PATH_MAX file name, its line and a JSON path */

static int fail(ctx *c, const char *path, const char *msg)
{
    char where[WHERE_MAX];
    snprintf(where, sizeof where, "%s%s%s", c->prefix,
             *c->prefix && *path ? ": " : "", path);
    ks_diags_add(c->diags, 0, where, "%s", msg);
    return KS_EPARSE;
}

/* fail() for the field `key` of the object at `path`: the location is
 * only formatted on failure, never on the hot path. */
static int fail_at(ctx *c, const char *path, const char *key, const char *msg)
{
    char p[200];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    return fail(c, p, msg);
}

static void warn_unknown(ctx *c, const char *path, const char *key)
{
    char where[WHERE_MAX];
    snprintf(where, sizeof where, "%s%s%s", c->prefix,
             *c->prefix && *path ? ": " : "", path);
    ks_diags_add(c->diags, 1, where, "unknown field \"%.64s\" ignored", key);
}

static int known(const char *key, const char *const *keys)
{
    for (; *keys; keys++)
        if (strcmp(key, *keys) == 0)
            return 1;
    return 0;
}

static void check_keys(ctx *c, const cJSON *obj, const char *path,
                       const char *const *keys)
{
    for (const cJSON *it = obj->child; it; it = it->next)
        if (!known(it->string, keys))
            warn_unknown(c, path, it->string);
}

/* String field `key` (node v, NULL when absent) of the object at path;
 * absent or null -> *out = NULL. */
static int str_node(ctx *c, const cJSON *v, const char *key, const char *path,
                    int required, char **out)
{
    *out = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return fail_at(c, path, key, "required field is missing");
        return KS_OK;
    }
    if (!cJSON_IsString(v))
        return fail_at(c, path, key, "must be a string");
    *out = ks_strdup(v->valuestring);
    return *out ? KS_OK : KS_ENOMEM;
}

static int get_str(ctx *c, const cJSON *obj, const char *key,
                   const char *path, int required, char **out)
{
    return str_node(c, cJSON_GetObjectItemCaseSensitive(obj, key), key, path,
                    required, out);
}

static int time_node(ctx *c, const cJSON *v, const char *key, const char *path,
                     int64_t *out)
{
    *out = KS_TIME_NONE;
    if (!v || cJSON_IsNull(v))
        return KS_OK;
    if (!cJSON_IsString(v) || ks_time_parse(v->valuestring, out) != KS_OK)
        return fail_at(c, path, key, "must be an ISO 8601 time such as "
                                     "2024-06-05T10:00:00+08:00");
    return KS_OK;
}

static int get_time(ctx *c, const cJSON *obj, const char *key,
                    const char *path, int64_t *out)
{
    return time_node(c, cJSON_GetObjectItemCaseSensitive(obj, key), key, path,
                     out);
}

static int get_num(ctx *c, const cJSON *obj, const char *key,
                   const char *path, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = -1;
    if (!v || cJSON_IsNull(v))
        return KS_OK;
    if (!cJSON_IsNumber(v))
        return fail_at(c, path, key, "must be a number");
    if (v->valuedouble < 0)
        return fail_at(c, path, key, "must not be negative");
    *out = v->valuedouble;
    return KS_OK;
}

static int parse_order(ctx *c, const cJSON *o, ks_order *ord)
{
    static const char *const keys[] = {
        "id", "sku", "batch", "category", "price", "cost", "ordered_at",
        "shipped_at", "delivered_at", "carrier", "region", "shelf_life_days",
        NULL};
    if (!cJSON_IsObject(o))
        return fail(c, "order", "must be an object");
    check_keys(c, o, "order", keys);
    double shelf;
    int rc;
    if ((rc = get_str(c, o, "id", "order", 0, &ord->id)) ||
        (rc = get_str(c, o, "sku", "order", 0, &ord->sku)) ||
        (rc = get_str(c, o, "batch", "order", 0, &ord->batch)) ||
        (rc = get_str(c, o, "category", "order", 0, &ord->category)) ||
        (rc = get_str(c, o, "carrier", "order", 0, &ord->carrier)) ||
        (rc = get_str(c, o, "region", "order", 0, &ord->region)) ||
        (rc = get_num(c, o, "price", "order", &ord->price)) ||
        (rc = get_num(c, o, "cost", "order", &ord->cost)) ||
        (rc = get_num(c, o, "shelf_life_days", "order", &shelf)) ||
        (rc = get_time(c, o, "ordered_at", "order", &ord->ordered_at)) ||
        (rc = get_time(c, o, "shipped_at", "order", &ord->shipped_at)) ||
        (rc = get_time(c, o, "delivered_at", "order", &ord->delivered_at)))
        return rc;
    if (shelf > 1e6)
        return fail(c, "order.shelf_life_days", "is out of range");
    ord->shelf_life_days = shelf < 0 ? -1 : (int)shelf;
    return KS_OK;
}

static int parse_from(ctx *c, const cJSON *v, const char *path, ks_msg *msg)
{
    if (!v)
        return fail_at(c, path, "from", "required field is missing");
    if (!cJSON_IsString(v))
        return fail_at(c, path, "from", "must be a string");
    for (int f = KS_FROM_CUSTOMER; f <= KS_FROM_SYSTEM; f++)
        if (strcmp(v->valuestring, ks_from_name((ks_from)f)) == 0) {
            msg->from = (ks_from)f;
            return KS_OK;
        }
    return fail_at(c, path, "from",
                   "must be \"customer\", \"agent\" or \"system\"");
}

static int parse_event(ctx *c, const cJSON *v, const char *path, ks_msg *msg)
{
    if (msg->from != KS_FROM_SYSTEM) {
        if (v)
            return fail_at(c, path, "event",
                           "only system messages carry an event");
        return KS_OK;
    }
    if (!v)
        return fail_at(c, path, "event", "a system message needs an event "
                                         "(end, transfer, timeout, rating)");
    if (cJSON_IsString(v))
        for (int e = KS_EV_END; e <= KS_EV_RATING; e++)
            if (strcmp(v->valuestring, ks_event_name((ks_event)e)) == 0) {
                msg->event = (ks_event)e;
                return KS_OK;
            }
    return fail_at(c, path, "event", "must be \"end\", \"transfer\", "
                                     "\"timeout\" or \"rating\"");
}

static int parse_msg(ctx *c, const cJSON *m, size_t idx, ks_msg *msg)
{
    char path[48] = "messages[", digits[24];
    size_t nd = 0, pl = 9;
    do   /* by hand: this runs once per message, snprintf showed in profiles */
        digits[nd++] = (char)('0' + idx % 10);
    while ((idx /= 10) && nd < sizeof digits);
    while (nd)
        path[pl++] = digits[--nd];
    path[pl++] = ']';
    path[pl] = '\0';
    if (!cJSON_IsObject(m))
        return fail(c, path, "must be an object");
    /* one pass over the fields: messages are most of the input, and
     * looking each field up by name cost more than parsing them */
    const cJSON *id = NULL, *at = NULL, *from = NULL, *text = NULL,
                *event = NULL;
    for (const cJSON *it = m->child; it; it = it->next) {
        const char *k = it->string;
        const cJSON **slot = !strcmp(k, "text")    ? &text
                             : !strcmp(k, "from")  ? &from
                             : !strcmp(k, "at")    ? &at
                             : !strcmp(k, "id")    ? &id
                             : !strcmp(k, "event") ? &event
                                                   : NULL;
        if (!slot)
            warn_unknown(c, path, k);
        else if (!*slot)   /* the first of duplicate keys, as cJSON's lookup */
            *slot = it;
    }
    int rc;
    if ((rc = str_node(c, id, "id", path, 0, &msg->id)) ||
        (rc = time_node(c, at, "at", path, &msg->at)) ||
        (rc = parse_from(c, from, path, msg)) ||
        (rc = parse_event(c, event, path, msg)) ||
        (rc = str_node(c, text, "text", path, msg->from != KS_FROM_SYSTEM,
                       &msg->text)))
        return rc;
    if (!msg->text && !(msg->text = ks_strdup("")))
        return KS_ENOMEM;
    msg->text_len = strlen(msg->text);
    return KS_OK;
}

static int parse_messages(ctx *c, const cJSON *arr, ks_conv *conv)
{
    if (!arr)
        return fail(c, "messages", "required field is missing");
    if (!cJSON_IsArray(arr))
        return fail(c, "messages", "must be an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    conv->msgs = ks_calloc(n ? n : 1, sizeof *conv->msgs);
    if (!conv->msgs)
        return KS_ENOMEM;
    size_t i = 0;
    for (const cJSON *m = arr->child; m; m = m->next, i++) {
        conv->nmsgs = i + 1;
        conv->msgs[i].at = KS_TIME_NONE;
        int rc = parse_msg(c, m, i, &conv->msgs[i]);
        if (rc)
            return rc;
    }
    conv->nmsgs = i;
    return KS_OK;
}

static int parse_conv(ctx *c, const cJSON *root, ks_conv *conv)
{
    static const char *const keys[] = {"id", "channel", "shop", "agent",
                                       "customer", "order", "messages", NULL};
    if (!cJSON_IsObject(root))
        return fail(c, "", "a conversation must be a JSON object");
    check_keys(c, root, "", keys);
    int rc;
    if ((rc = get_str(c, root, "id", "", 1, &conv->id)) ||
        (rc = get_str(c, root, "channel", "", 0, &conv->channel)) ||
        (rc = get_str(c, root, "shop", "", 0, &conv->shop)) ||
        (rc = get_str(c, root, "agent", "", 0, &conv->agent)) ||
        (rc = get_str(c, root, "customer", "", 0, &conv->customer)))
        return rc;
    const cJSON *order = cJSON_GetObjectItemCaseSensitive(root, "order");
    conv->order.price = conv->order.cost = -1;
    conv->order.shelf_life_days = -1;
    conv->order.ordered_at = conv->order.shipped_at =
        conv->order.delivered_at = KS_TIME_NONE;
    if (order && !cJSON_IsNull(order)) {
        conv->has_order = 1;
        if ((rc = parse_order(c, order, &conv->order)))
            return rc;
    }
    return parse_messages(c, cJSON_GetObjectItemCaseSensitive(root, "messages"),
                          conv);
}

/* Offset of a \u0000 escape in the raw JSON, or len. cJSON would end
 * the string there and silently drop the rest of a message. */
static size_t find_nul_escape(const char *s, size_t len)
{
    const char *p = s, *end = s + len;
    while ((p = memchr(p, '\\', (size_t)(end - p))) && end - p >= 6) {
        size_t i = (size_t)(p - s);
        if (p[1] == 'u' && !memcmp(p + 2, "0000", 4)) {
            size_t bs = 0;
            while (bs < i + 1 && s[i - bs] == '\\')
                bs++;
            if (bs % 2 == 1)
                return i;
        }
        p += p[1] == '\\' ? 2 : 1;   /* an escaped backslash escapes nothing */
    }
    return len;
}

int ks_conv_from_json(const char *json, size_t len, ks_conv *out,
                      ks_diags *diags, const char *where_prefix)
{
    ctx c = {diags, where_prefix ? where_prefix : ""};
    memset(out, 0, sizeof *out);
    size_t bad;
    if (ks_utf8_validate(json, len, &bad) != KS_OK) {
        char where[WHERE_MAX];
        snprintf(where, sizeof where, "%s%sbyte %zu", c.prefix,
                 *c.prefix ? ": " : "", bad + 1);
        ks_diags_add(diags, 0, where, "invalid UTF-8 (text must be UTF-8)");
        return KS_EUTF8;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        size_t col = end && end >= json ? (size_t)(end - json) : 0;
        char where[WHERE_MAX];
        snprintf(where, sizeof where, "%s%scolumn %zu", c.prefix,
                 *c.prefix ? ": " : "", ks_utf8_count(json, col) + 1);
        ks_diags_add(diags, 0, where, "broken JSON");
        return KS_EPARSE;
    }
    size_t rest = end ? (size_t)(end - json) : len;
    while (rest < len && strchr(" \t\r\n", json[rest]))
        rest++;
    size_t nul = find_nul_escape(json, len);
    if (rest < len || nul < len) {
        char where[WHERE_MAX];
        size_t at = rest < len ? rest : nul;
        snprintf(where, sizeof where, "%s%scolumn %zu", c.prefix,
                 *c.prefix ? ": " : "", ks_utf8_count(json, at) + 1);
        ks_diags_add(diags, 0, where, rest < len
                     ? "unexpected text after the conversation (one "
                       "conversation per line)"
                     : "\\u0000 (NUL) is not allowed in a string");
        cJSON_Delete(root);
        return KS_EPARSE;
    }
    int rc = parse_conv(&c, root, out);
    cJSON_Delete(root);
    if (rc) {
        if (rc == KS_ENOMEM)
            fail(&c, "", "out of memory");
        ks_conv_free(out);
    }
    return rc;
}

static void order_free(ks_order *o)
{
    ks_free(o->id);
    ks_free(o->sku);
    ks_free(o->batch);
    ks_free(o->category);
    ks_free(o->carrier);
    ks_free(o->region);
}

void ks_conv_free(ks_conv *c)
{
    for (size_t i = 0; i < c->nmsgs; i++) {
        ks_free(c->msgs[i].id);
        ks_free(c->msgs[i].text);
    }
    ks_free(c->msgs);
    order_free(&c->order);
    ks_free(c->id);
    ks_free(c->channel);
    ks_free(c->shop);
    ks_free(c->agent);
    ks_free(c->customer);
    memset(c, 0, sizeof *c);
}

/* ---- the fast path (ks_conv_from_json_fast) -----------------------------
 * A recursive-descent reader for exactly the SPEC 3.1 shape, in strict
 * JSON. It never reports anything: whatever it is not sure to read the
 * way the cJSON path above would (an unknown or duplicate field, a wrong
 * type, an escape in a key, a control character in a string, a lone
 * surrogate, a number cJSON could read differently, any error) makes it
 * give up with KS_EPARSE, and the caller asks ks_conv_from_json(). Every
 * string is decoded into buf->mem, which is sized up front so that the
 * pointers stay valid: a decoded string and its NUL never take more bytes
 * than its quoted form. */

#define F_NO KS_EPARSE

typedef struct fast {
    const unsigned char *p, *end;
    char *o;                    /* next free byte of buf->mem */
} fast;

static inline void f_ws(fast *f)
{
    while (f->p < f->end &&
           (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
        f->p++;
}

/* Skips white space and the character c; 0 if c is not next. */
static inline int f_char(fast *f, unsigned char c)
{
    f_ws(f);
    if (f->p < f->end && *f->p == c) {
        f->p++;
        return 1;
    }
    return 0;
}

/* A key: raw bytes between quotes, no escape; then the colon. */
static int f_key(fast *f, const char **k, size_t *n)
{
    f_ws(f);
    if (f->p >= f->end || *f->p != '"')
        return F_NO;
    const unsigned char *s = ++f->p;
    while (f->p < f->end && *f->p != '"' && *f->p != '\\' && *f->p >= 0x20)
        f->p++;
    if (f->p >= f->end || *f->p != '"')
        return F_NO;
    *k = (const char *)s;
    *n = (size_t)(f->p - s);
    f->p++;
    return f_char(f, ':') ? KS_OK : F_NO;
}

#define KEY_IS(k, n, lit) ((n) == sizeof lit - 1 && !memcmp(k, lit, n))

static int hex4(const unsigned char *s, uint32_t *cp)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return F_NO;
    }
    *cp = v;
    return KS_OK;
}

/* A string value, decoded into the buffer, or null (*out = NULL). */
/* The end of the run at p of bytes a string holds as they are: up to a
 * '"', a '\\' or a control character. Eight bytes at a time (SWAR): a
 * string's text is most of a line, and this loop was the parser's
 * hottest. The lowest flagged byte is exact (a borrow only runs upward). */
static const unsigned char *plain_run(const unsigned char *p,
                                      const unsigned char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
    while (end - p >= 8) {
        uint64_t x, a, b;
        memcpy(&x, p, 8);
        a = x ^ (ones * '"');
        b = x ^ (ones * '\\');
        uint64_t m = (((a - ones) & ~a) | ((b - ones) & ~b) |
                      ((x - ones * 0x20) & ~x)) & high;
        if (m)
            return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && *p >= 0x20)
        p++;
    return p;
}

static int f_str(fast *f, char **out)
{
    f_ws(f);
    const unsigned char *p = f->p, *end = f->end;
    if (p < end && *p == 'n') {
        if (end - p < 4 || memcmp(p, "null", 4))
            return F_NO;
        f->p = p + 4;
        *out = NULL;
        return KS_OK;
    }
    if (p >= end || *p != '"')
        return F_NO;
    p++;
    char *o = f->o, *start = o;
    for (;;) {
        const unsigned char *q = plain_run(p, end);
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        p = q;
        if (p >= end || *p < 0x20)
            return F_NO;
        if (*p == '"')
            break;
        if (end - p < 2)
            return F_NO;
        char c;
        switch (p[1]) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
            uint32_t cp;
            /* NUL is an error and surrogates are cJSON's to judge */
            if (end - p < 6 || hex4(p + 2, &cp) || cp == 0 ||
                (cp >= 0xD800 && cp <= 0xDFFF))
                return F_NO;
            o += ks_utf8_encode(cp, o);
            p += 6;
            continue;
        }
        default:
            return F_NO;
        }
        *o++ = c;
        p += 2;
    }
    *o++ = '\0';
    f->p = p + 1;
    f->o = o;
    *out = start;
    return KS_OK;
}

/* A number (strict JSON, short enough for cJSON to read whole) or null
 * (*out = -1, as an absent field). Negative numbers are errors. */
static int f_num(fast *f, double *out)
{
    f_ws(f);
    const unsigned char *s = f->p, *p = s, *end = f->end;
    if (p < end && *p == 'n') {
        if (end - p < 4 || memcmp(p, "null", 4))
            return F_NO;
        f->p = p + 4;
        *out = -1;
        return KS_OK;
    }
#define DIG(x) ((x) < end && *(x) >= '0' && *(x) <= '9')
    if (p < end && *p == '0')
        p++;
    else if (DIG(p))
        while (DIG(p))
            p++;
    else
        return F_NO;            /* including a minus sign: an error */
    if (p < end && *p == '.') {
        if (!DIG(p + 1))
            return F_NO;
        for (p++; DIG(p); p++)
            ;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!DIG(p))
            return F_NO;
        while (DIG(p))
            p++;
    }
#undef DIG
    char tmp[48];
    size_t n = (size_t)(p - s);
    if (n >= sizeof tmp)
        return F_NO;
    /* as cJSON: strtod reads the locale's decimal point */
    char dp = *localeconv()->decimal_point;
    for (size_t i = 0; i < n; i++)
        tmp[i] = s[i] == '.' ? dp : (char)s[i];
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    f->p = p;
    return KS_OK;
}

/* A time string or null. */
static int f_time(fast *f, int64_t *out)
{
    char *s, *mark = f->o;
    if (f_str(f, &s))
        return F_NO;
    *out = KS_TIME_NONE;
    if (s && ks_time_parse(s, out) != KS_OK)
        return F_NO;
    f->o = mark;                /* the text is not kept */
    return KS_OK;
}

/* The fields of an object, one call of `field` per key; duplicate keys
 * (bit per known key, from `field`) make it give up. */
static int f_object(fast *f, void *arg,
                    int (*field)(fast *f, void *arg, const char *k, size_t n,
                                 unsigned *bit))
{
    if (!f_char(f, '{'))
        return F_NO;
    if (f_char(f, '}'))
        return KS_OK;
    unsigned seen = 0;
    for (;;) {
        const char *k;
        size_t n;
        unsigned bit = 0;
        if (f_key(f, &k, &n) || field(f, arg, k, n, &bit) || (seen & bit))
            return F_NO;
        seen |= bit;
        if (f_char(f, ','))
            continue;
        return f_char(f, '}') ? KS_OK : F_NO;
    }
}

static int f_order_field(fast *f, void *arg, const char *k, size_t n,
                         unsigned *bit)
{
    ks_order *o = arg;
    double v;
    switch (n) {
    case 2:
        if (KEY_IS(k, n, "id"))
            return *bit = 1u << 0, f_str(f, &o->id);
        break;
    case 3:
        if (KEY_IS(k, n, "sku"))
            return *bit = 1u << 1, f_str(f, &o->sku);
        break;
    case 4:
        if (KEY_IS(k, n, "cost")) {
            *bit = 1u << 2;
            if (f_num(f, &v) || (v < 0 && v != -1))
                return F_NO;
            o->cost = v;
            return KS_OK;
        }
        break;
    case 5:
        if (KEY_IS(k, n, "batch"))
            return *bit = 1u << 3, f_str(f, &o->batch);
        if (KEY_IS(k, n, "price")) {
            *bit = 1u << 4;
            if (f_num(f, &v) || (v < 0 && v != -1))
                return F_NO;
            o->price = v;
            return KS_OK;
        }
        break;
    case 6:
        if (KEY_IS(k, n, "region"))
            return *bit = 1u << 5, f_str(f, &o->region);
        break;
    case 7:
        if (KEY_IS(k, n, "carrier"))
            return *bit = 1u << 6, f_str(f, &o->carrier);
        break;
    case 8:
        if (KEY_IS(k, n, "category"))
            return *bit = 1u << 7, f_str(f, &o->category);
        break;
    case 10:
        if (KEY_IS(k, n, "ordered_at"))
            return *bit = 1u << 8, f_time(f, &o->ordered_at);
        if (KEY_IS(k, n, "shipped_at"))
            return *bit = 1u << 9, f_time(f, &o->shipped_at);
        break;
    case 12:
        if (KEY_IS(k, n, "delivered_at"))
            return *bit = 1u << 10, f_time(f, &o->delivered_at);
        break;
    case 15:
        if (KEY_IS(k, n, "shelf_life_days")) {
            *bit = 1u << 11;
            /* null and absent are -1, and a negative number an error */
            if (f_num(f, &v) || (v < 0 && v != -1) || v > 1e6)
                return F_NO;
            o->shelf_life_days = v < 0 ? -1 : (int)v;
            return KS_OK;
        }
        break;
    }
    return F_NO;
}

typedef struct f_msgctx {
    ks_msg *m;
    char *from, *event;
    size_t from_len;
    int has_event;
} f_msgctx;

/* f_str() into *out, and its length (the text has no NUL: \u0000 is
 * refused) */
static int f_str_len(fast *f, char **out, size_t *len)
{
    char *o = f->o;
    int rc = f_str(f, out);
    *len = *out ? (size_t)(f->o - o) - 1 : 0;
    return rc;
}

static int is_word(const char *s, size_t n, const char *w, size_t wn)
{
    return n == wn && !memcmp(s, w, n);
}

static int f_msg_field(fast *f, void *arg, const char *k, size_t n,
                       unsigned *bit)
{
    f_msgctx *mc = arg;
    switch (n) {
    case 2:
        if (KEY_IS(k, n, "id"))
            return *bit = 1u << 0, f_str(f, &mc->m->id);
        if (KEY_IS(k, n, "at"))
            return *bit = 1u << 1, f_time(f, &mc->m->at);
        break;
    case 4:
        if (KEY_IS(k, n, "text"))
            return *bit = 1u << 2, f_str_len(f, &mc->m->text,
                                             &mc->m->text_len);
        if (KEY_IS(k, n, "from"))
            return *bit = 1u << 3, f_str_len(f, &mc->from, &mc->from_len);
        break;
    case 5:
        if (KEY_IS(k, n, "event")) {
            *bit = 1u << 4;
            mc->has_event = 1;
            return f_str(f, &mc->event);
        }
        break;
    }
    return F_NO;
}

static char f_empty[1];

static int f_msg(fast *f, ks_msg *m)
{
    memset(m, 0, sizeof *m);
    m->at = KS_TIME_NONE;
    f_msgctx mc = {m, NULL, NULL, 0, 0};
    if (f_object(f, &mc, f_msg_field) || !mc.from)
        return F_NO;
    if (is_word(mc.from, mc.from_len, "customer", 8))
        m->from = KS_FROM_CUSTOMER;
    else if (is_word(mc.from, mc.from_len, "agent", 5))
        m->from = KS_FROM_AGENT;
    else if (is_word(mc.from, mc.from_len, "system", 6))
        m->from = KS_FROM_SYSTEM;
    else
        return F_NO;
    if (m->from != KS_FROM_SYSTEM) {
        if (mc.has_event || !m->text)
            return F_NO;
    } else {
        if (!mc.event)
            return F_NO;
        int e;
        for (e = KS_EV_END; e <= KS_EV_RATING; e++)
            if (!strcmp(mc.event, ks_event_name((ks_event)e)))
                break;
        if (e > KS_EV_RATING)
            return F_NO;
        m->event = (ks_event)e;
        if (!m->text) {
            m->text = f_empty;
            m->text_len = 0;
        }
    }
    return KS_OK;
}

static int f_msgs(fast *f, ks_conv_buf *b, ks_conv *c)
{
    if (!f_char(f, '['))
        return F_NO;
    size_t n = 0;
    if (!f_char(f, ']'))
        for (;;) {
            if (n == b->capmsgs &&
                ks_grow(&b->msgs, &b->capmsgs, n, sizeof *b->msgs, 64))
                return F_NO;
            if (f_msg(f, &b->msgs[n]))
                return F_NO;
            n++;
            if (f_char(f, ','))
                continue;
            if (!f_char(f, ']'))
                return F_NO;
            break;
        }
    if (!b->msgs &&
        ks_grow(&b->msgs, &b->capmsgs, 0, sizeof *b->msgs, 64))
        return F_NO;
    c->msgs = b->msgs;
    c->nmsgs = n;
    return KS_OK;
}

typedef struct f_convctx {
    ks_conv_buf *b;
    ks_conv *c;
} f_convctx;

static int f_conv_field(fast *f, void *arg, const char *k, size_t n,
                        unsigned *bit)
{
    f_convctx *cc = arg;
    ks_conv *c = cc->c;
    switch (n) {
    case 2:
        if (KEY_IS(k, n, "id"))
            return *bit = 1u << 0, f_str(f, &c->id);
        break;
    case 4:
        if (KEY_IS(k, n, "shop"))
            return *bit = 1u << 1, f_str(f, &c->shop);
        break;
    case 5:
        if (KEY_IS(k, n, "agent"))
            return *bit = 1u << 2, f_str(f, &c->agent);
        if (KEY_IS(k, n, "order")) {
            *bit = 1u << 3;
            f_ws(f);
            if (f->end - f->p >= 4 && !memcmp(f->p, "null", 4)) {
                f->p += 4;
                return KS_OK;
            }
            c->has_order = 1;
            return f_object(f, &c->order, f_order_field);
        }
        break;
    case 7:
        if (KEY_IS(k, n, "channel"))
            return *bit = 1u << 4, f_str(f, &c->channel);
        break;
    case 8:
        if (KEY_IS(k, n, "customer"))
            return *bit = 1u << 5, f_str(f, &c->customer);
        if (KEY_IS(k, n, "messages"))
            return *bit = 1u << 6, f_msgs(f, cc->b, c);
        break;
    }
    return F_NO;
}

int ks_conv_from_json_fast(ks_conv_buf *b, const char *json, size_t len,
                           ks_conv *out)
{
    memset(out, 0, sizeof *out);
    if (len + 16 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < len + 16)
            cap *= 2;
        char *m = ks_realloc(b->mem, cap);
        if (!m)
            return F_NO;
        b->mem = m;
        b->cap = cap;
    }
    if (ks_utf8_validate(json, len, NULL) != KS_OK)
        return F_NO;
    fast f = {(const unsigned char *)json, (const unsigned char *)json + len,
              b->mem};
    out->order.price = out->order.cost = -1;
    out->order.shelf_life_days = -1;
    out->order.ordered_at = out->order.shipped_at = out->order.delivered_at =
        KS_TIME_NONE;
    f_convctx cc = {b, out};
    if (f_object(&f, &cc, f_conv_field) || !out->id || !out->msgs) {
        memset(out, 0, sizeof *out);
        return F_NO;
    }
    f_ws(&f);
    if (f.p != f.end) {
        memset(out, 0, sizeof *out);
        return F_NO;
    }
    return KS_OK;
}

void ks_conv_buf_free(ks_conv_buf *b)
{
    ks_free(b->mem);
    ks_free(b->msgs);
    memset(b, 0, sizeof *b);
}
