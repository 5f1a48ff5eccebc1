/*
 * Scripts (话术) as data: the YAML loader, lookup, the most-specific pick,
 * the {variable} renderer and the case's variables (see
 * include/kesu/script.h; the file format is rules/desk/SCRIPTS.md).
 *
 * Invariants: a parsed ks_scripts has unique non-empty ids and templates
 * whose braces only ever enclose a known variable name, so rendering a
 * parsed script never meets a malformed slot. The loader reports every
 * problem with file:line:col and goes on, so a lead sees all mistakes at
 * once; on any error nothing is returned.
 */
#include "kesu/script.h"
#include "kesu/alloc.h"
#include "kesu/codes.h"
#include "../engine/yaml_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The variables a template may use (SCRIPTS.md lists what each holds). */
static const char *const known_vars[] = {
    "customer", "product", "order", "price", "amount", "deadline",
    "tracking", "agent", "shop", "days", "date", NULL};
#define KNOWN_VARS_TEXT \
    "customer, product, order, price, amount, deadline, tracking, agent, " \
    "shop, days, date"

static const char *const script_keys[] = {"id",    "stage", "cause",
                                          "remedy", "incident", "title",
                                          "text",  "source", NULL};

/* ---- parsing ------------------------------------------------------------ */

typedef struct sp {
    ks_ydoc doc;
    const char *src;         /* the YAML text, to locate braces in it */
    size_t len;
    ks_diags *d;
    size_t errors;
    int nomem;
    ks_scripts *s;
    size_t cap;              /* allocated entries of s->items */
    const yaml_node_t **idn; /* id node of each item (duplicate messages) */
} sp;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void err_where(sp *p, const char *where, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ks_diags_add(p->d, 0, where, "%s", msg) != KS_OK)
        p->nomem = 1;
    p->errors++;
}

#define ERR_AT(p, node, ...)                                              \
    do {                                                                  \
        char w_[512];                                                     \
        err_where((p), ks_ywhere(&(p)->doc, (node), w_, sizeof w_),       \
                  __VA_ARGS__);                                           \
    } while (0)

/* Byte offset in the source of libyaml's (line, column) mark; columns
 * count characters, as libyaml does. SIZE_MAX when out of range. */
static size_t mark_offset(const sp *p, size_t line, size_t col)
{
    const unsigned char *s = (const unsigned char *)p->src;
    size_t i = 0;
    if (p->len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        i = 3;                  /* libyaml does not count the BOM */
    for (size_t l = 0; l < line; i++) {
        if (i >= p->len)
            return SIZE_MAX;
        if (s[i] == '\n')
            l++;
    }
    for (size_t c = 0; c < col; c++) {
        if (i >= p->len)
            return SIZE_MAX;
        i++;
        while (i < p->len && (s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* "file:line:col" of the ord-th (0-based) occurrence of ch inside scalar
 * n, found in the source text; the node's own location if not found (a
 * brace written as an escape in a double-quoted string). */
static const char *brace_where(const sp *p, const yaml_node_t *n, char ch,
                               size_t ord, char *buf, size_t sz)
{
    size_t line = n->start_mark.line, col = n->start_mark.column;
    size_t i = mark_offset(p, line, col);
    size_t end = mark_offset(p, n->end_mark.line, n->end_mark.column);
    if (end == SIZE_MAX)
        end = p->len;
    size_t seen = 0;
    for (; i < end; i++) {
        unsigned char c = (unsigned char)p->src[i];
        if (c == (unsigned char)ch && seen++ == ord) {
            snprintf(buf, sz, "%s:%zu:%zu", p->doc.name, line + 1, col + 1);
            return buf;
        }
        if (c == '\n') {
            line++;
            col = 0;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
    }
    return ks_ywhere(&p->doc, n, buf, sz);
}

static int known_var(const char *name, size_t len)
{
    for (const char *const *v = known_vars; *v; v++)
        if (strlen(*v) == len && memcmp(*v, name, len) == 0)
            return 1;
    return 0;
}

/* Checks the braces of template t (scalar node n): every "{" opens a known
 * variable closed by "}" before any other brace. */
static void check_template(sp *p, const yaml_node_t *n, const char *t)
{
    char w[512];
    size_t nopen = 0, nclose = 0;   /* braces seen so far, per kind */
    size_t i = 0;
    while (t[i]) {
        if (t[i] == '}') {
            err_where(p, brace_where(p, n, '}', nclose++, w, sizeof w),
                      "\"}\" without an opening \"{\" (braces only mark "
                      "{variables})");
            i++;
            continue;
        }
        if (t[i] != '{') {
            i++;
            continue;
        }
        size_t at = nopen++;
        if (t[i + 1] == '{') {
            err_where(p, brace_where(p, n, '{', at, w, sizeof w),
                      "\"{{\" is not allowed: braces only mark {variables}");
            i++;            /* the second "{" is looked at on its own */
            continue;
        }
        size_t j = i + 1;
        while (t[j] && t[j] != '{' && t[j] != '}')
            j++;
        if (t[j] != '}') {
            err_where(p, brace_where(p, n, '{', at, w, sizeof w),
                      "\"{\" is not closed by \"}\"");
            i = j;
            continue;
        }
        size_t vlen = j - i - 1;
        if (vlen == 0)
            err_where(p, brace_where(p, n, '{', at, w, sizeof w),
                      "empty \"{}\": name a variable (" KNOWN_VARS_TEXT ")");
        else if (!known_var(t + i + 1, vlen))
            err_where(p, brace_where(p, n, '{', at, w, sizeof w),
                      "unknown variable {%.*s} (known: " KNOWN_VARS_TEXT ")",
                      vlen > 40 ? 40 : (int)vlen, t + i + 1);
        nclose++;
        i = j + 1;
    }
}

/* The string value of key in map: NULL when absent or bad (bad ones are
 * reported). A value containing a NUL character is refused. */
static const char *get_str(sp *p, yaml_node_t *map, const char *key,
                           yaml_node_t **node)
{
    yaml_node_t *n = ks_yget(&p->doc, map, key);
    if (node)
        *node = n;
    if (!n)
        return NULL;
    const char *v = ks_yscalar(n);
    if (!v) {
        ERR_AT(p, n, "%s must be a string, not a list or mapping", key);
        return NULL;
    }
    if (strlen(v) != n->data.scalar.length) {
        ERR_AT(p, n, "%s contains a NUL character", key);
        return NULL;
    }
    return v;
}

enum { NAME_STAGE, NAME_CAUSE, NAME_REMEDY };

/* Known names of one vocabulary, comma-separated, into buf. */
static const char *names_text(int kind, char *buf, size_t sz)
{
    size_t n = 0, count = kind == NAME_STAGE   ? KS_STATE_COUNT
                         : kind == NAME_CAUSE ? KS_CAUSE_COUNT
                                              : KS_REMEDY_COUNT;
    buf[0] = '\0';
    for (size_t i = 0; i < count && n < sz; i++) {
        const char *name = kind == NAME_STAGE ? ks_state_name((ks_state)i)
                           : kind == NAME_CAUSE
                               ? ks_cause_name((ks_cause)i)
                               : ks_remedy_name((ks_remedy)i);
        int k = snprintf(buf + n, sz - n, "%s%s", i ? ", " : "", name);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    return buf;
}

/* stage/cause/remedy: a name (English wire name or 中文) or "any"; absent
 * means any. Sets *out (-1 = any). */
static void get_name(sp *p, yaml_node_t *map, const char *key, int kind,
                     int *out)
{
    yaml_node_t *n;
    const char *v = get_str(p, map, key, &n);
    *out = -1;
    if (!v || strcmp(v, "any") == 0)
        return;
    int k = kind == NAME_STAGE   ? ks_state_from_name(v)
            : kind == NAME_CAUSE ? ks_cause_from_name(v)
                                 : ks_remedy_from_name(v);
    if (k >= 0) {
        *out = k;
        return;
    }
    char names[512];
    if (!*v)
        ERR_AT(p, n, "%s needs a name (leave the key out for any %s)", key,
               key);
    else
        ERR_AT(p, n, "unknown %s \"%.64s\" (known: %s, or any)", key, v,
               names_text(kind, names, sizeof names));
}

/* incident: the code of SPEC 2.4 the script rewrites (a reply guard
 * script); it cannot be combined with stage, cause or remedy. */
static void get_incident(sp *p, yaml_node_t *map, ks_script *sc)
{
    yaml_node_t *n;
    const char *v = get_str(p, map, "incident", &n);
    sc->incident = -1;
    if (!v)
        return;
    sc->incident = ks_incident_from_name(v);
    if (sc->incident < 0) {
        char names[768];
        size_t k = 0;
        names[0] = '\0';
        for (int i = 0; i < KS_INC_COUNT && k < sizeof names; i++)
            k += (size_t)snprintf(names + k, sizeof names - k, "%s%s",
                                  i ? ", " : "",
                                  ks_incident_name((ks_incident)i));
        ERR_AT(p, n, "unknown incident \"%.64s\" (known: %s)", v, names);
    } else if (sc->stage >= 0 || sc->cause >= 0 || sc->remedy >= 0) {
        ERR_AT(p, n, "a script with incident: is a rewrite for the reply "
                     "guard; leave stage, cause and remedy out");
    }
}

static int valid_id(const char *id)
{
    if (!*id)
        return 0;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return 0;
    return 1;
}

static void script_clear(ks_script *sc)
{
    ks_free(sc->id);
    ks_free(sc->title);
    ks_free(sc->text);
    ks_free(sc->source);
}

static void load_entry(sp *p, yaml_node_t *item)
{
    if (item->type != YAML_MAPPING_NODE) {
        ERR_AT(p, item, "each entry must be a mapping (- id: …, text: …)");
        return;
    }
    size_t before = p->errors;
    if (ks_ycheck_keys(&p->doc, item, script_keys, "a script", p->d) > 0)
        p->errors++;
    yaml_node_t *idn, *textn;
    const char *id = get_str(p, item, "id", &idn);
    const char *text = get_str(p, item, "text", &textn);
    const char *title = get_str(p, item, "title", NULL);
    const char *source = get_str(p, item, "source", NULL);
    ks_script sc = {0};
    get_name(p, item, "stage", NAME_STAGE, &sc.stage);
    get_name(p, item, "cause", NAME_CAUSE, &sc.cause);
    get_name(p, item, "remedy", NAME_REMEDY, &sc.remedy);
    get_incident(p, item, &sc);
    if (!idn) {
        ERR_AT(p, item, "a script needs an id");
    } else if (id && !valid_id(id)) {
        ERR_AT(p, idn, "id \"%.64s\" must be lowercase letters, digits, "
                       "\"_\", \".\" or \"-\" (e.g. offer.two_choice)", id);
        id = NULL;
    }
    if (id) {
        for (size_t i = 0; i < p->s->n; i++)
            if (strcmp(p->s->items[i].id, id) == 0) {
                char first[512];
                ks_ywhere(&p->doc, p->idn[i], first, sizeof first);
                ERR_AT(p, idn, "duplicate id \"%s\" (first defined at %s)",
                       id, first);
                id = NULL;
                break;
            }
    }
    if (!textn)
        ERR_AT(p, item, "script \"%.64s\" has no text",
               id ? id : "(no id)");
    else if (text && !*text)
        ERR_AT(p, textn, "text is empty");
    else if (text)
        check_template(p, textn, text);
    if (p->errors != before || !id || !text)
        return;         /* reported; keep looking for more mistakes */

    sc.id = ks_strdup(id);
    sc.text = ks_strdup(text);
    sc.title = ks_strdup(title && *title ? title : id);
    sc.source = source && *source ? ks_strdup(source) : NULL;
    if (!sc.id || !sc.text || !sc.title || (source && *source && !sc.source) ||
        ks_grow(&p->s->items, &p->cap, p->s->n, sizeof *p->s->items, 16)) {
        script_clear(&sc);
        p->nomem = 1;
        return;
    }
    const yaml_node_t **idn2 = ks_realloc(p->idn, p->cap * sizeof *idn2);
    if (!idn2) {
        script_clear(&sc);
        p->nomem = 1;
        return;
    }
    p->idn = idn2;
    p->idn[p->s->n] = idn;
    p->s->items[p->s->n++] = sc;
}

int ks_scripts_parse(const char *text, size_t len, const char *name,
                     ks_scripts **out, ks_diags *d)
{
    if (!out || (!text && len))
        return KS_EINVAL;
    *out = NULL;
    ks_diags local = {0};
    sp p = {.src = text ? text : "", .len = len, .d = d ? d : &local};
    int rc = ks_ydoc_load(&p.doc, name ? name : "<scripts>", p.src, len,
                          p.d);
    if (rc == KS_OK) {
        p.s = ks_calloc(1, sizeof *p.s);
        if (!p.s)
            rc = KS_ENOMEM;
    }
    if (rc == KS_OK) {
        yaml_node_t *root = yaml_document_get_root_node(&p.doc.doc);
        if (root && root->type != YAML_SEQUENCE_NODE) {
            ERR_AT(&p, root, "a scripts file is a list of entries "
                             "(- id: …, stage: …, text: …)");
        } else if (root) {
            for (yaml_node_item_t *it = root->data.sequence.items.start;
                 it < root->data.sequence.items.top && !p.nomem; it++)
                load_entry(&p, ks_ynode(&p.doc, *it));
        }
        rc = p.nomem ? KS_ENOMEM : p.errors ? KS_ERULES : KS_OK;
    }
    ks_ydoc_free(&p.doc);
    ks_free(p.idn);
    if (rc == KS_OK)
        *out = p.s;
    else
        ks_scripts_free(p.s);
    ks_diags_free(&local);
    return rc;
}

void ks_scripts_free(ks_scripts *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        script_clear(&s->items[i]);
    ks_free(s->items);
    ks_free(s);
}

/* ---- lookup ------------------------------------------------------------- */

const ks_script *ks_script_get(const ks_scripts *s, const char *id)
{
    if (!s || !id)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].id, id) == 0)
            return &s->items[i];
    return NULL;
}

/* A script's field matches a wanted value when the script leaves it open
 * (-1) or names exactly that value; a wanted -1 (unknown) is matched only
 * by an open field, so a cause-specific script never answers a case whose
 * cause is unknown. */
static int field_fits(int have, int want)
{
    return have < 0 || have == want;
}

const ks_script *ks_script_pick(const ks_scripts *s, int stage, int cause,
                                int remedy)
{
    if (!s)
        return NULL;
    const ks_script *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < s->n; i++) {
        const ks_script *sc = &s->items[i];
        if (sc->incident >= 0 || !field_fits(sc->stage, stage) || !field_fits(sc->cause, cause) ||
            !field_fits(sc->remedy, remedy))
            continue;
        int score = (sc->stage >= 0) + (sc->cause >= 0) + (sc->remedy >= 0);
        if (score > best_score) {       /* strict: ties keep file order */
            best = sc;
            best_score = score;
        }
    }
    return best;
}

const ks_script *ks_script_for_incident(const ks_scripts *s, int code)
{
    for (size_t i = 0; s && code >= 0 && i < s->n; i++)
        if (s->items[i].incident == code)
            return &s->items[i];
    return NULL;
}

/* ---- rendering ---------------------------------------------------------- */

static const char *var_value(const ks_var *vars, size_t nvars,
                             const char *name, size_t len)
{
    for (size_t i = 0; i < nvars; i++)
        if (vars[i].name && strlen(vars[i].name) == len &&
            memcmp(vars[i].name, name, len) == 0)
            return vars[i].value && *vars[i].value ? vars[i].value : NULL;
    return NULL;
}

/* Expands template t into dst, or only measures it when dst is NULL;
 * returns the length. A brace that does not open a well-formed {name} (a
 * template that was not parsed) is copied as it is. */
static size_t expand(const char *t, const ks_var *vars, size_t nvars,
                     char *dst)
{
    size_t n = 0;
#define PUT(s, l)                          \
    do {                                   \
        if (dst)                           \
            memcpy(dst + n, (s), (l));     \
        n += (l);                          \
    } while (0)
    for (size_t i = 0; t[i];) {
        size_t j = i + 1;
        if (t[i] == '{') {
            while (t[j] && t[j] != '{' && t[j] != '}')
                j++;
        }
        if (t[i] != '{' || t[j] != '}' || j == i + 1) {
            PUT(t + i, 1);
            i++;
            continue;
        }
        const char *name = t + i + 1;
        size_t len = j - i - 1;
        const char *v = var_value(vars, nvars, name, len);
        if (v) {
            PUT(v, strlen(v));
        } else {
            PUT("[", 1);
            PUT(name, len);
            PUT("]", 1);
        }
        i = j + 1;
    }
#undef PUT
    return n;
}

int ks_script_render(const ks_script *sc, const ks_var *vars, size_t nvars,
                     int traditional, char **out)
{
    if (!out)
        return KS_EINVAL;
    *out = NULL;
    if (!sc || !sc->text || (nvars && !vars))
        return KS_EINVAL;
    size_t n = expand(sc->text, vars, nvars, NULL);
    char *buf = ks_malloc(n + 1);
    if (!buf)
        return KS_ENOMEM;
    expand(sc->text, vars, nvars, buf);
    buf[n] = '\0';
    if (!traditional) {
        *out = buf;
        return KS_OK;
    }
    int rc = ks_to_traditional(buf, n, out);
    ks_free(buf);
    return rc;
}

/* ---- the case's variables ----------------------------------------------- */

typedef struct varbuf {
    ks_var *vars;
    size_t max, n;
    char *buf;
    size_t cap, used;
} varbuf;

static void put_var(varbuf *b, const char *name, const char *value)
{
    if (value && *value && b->n < b->max)
        b->vars[b->n++] = (ks_var){name, value};
}

/* Formats into the caller's buffer; NULL (the variable is left out) when
 * it does not fit. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static const char *put_fmt(varbuf *b, const char *fmt, ...)
{
    if (!b->buf || b->used >= b->cap)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->buf + b->used, b->cap - b->used, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= b->cap - b->used)
        return NULL;
    const char *s = b->buf + b->used;
    b->used += (size_t)k + 1;
    return s;
}

static const char *money(varbuf *b, double v)
{
    if (!(v >= 0) || !isfinite(v) || v > 1e12)
        return NULL;
    return put_fmt(b, "%.2f", v + 0.0);     /* + 0.0: no "-0.00" */
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* "6月5日 10:30", Beijing time (UTC+8, no daylight saving). */
static const char *beijing_time(varbuf *b, int64_t ms)
{
    int64_t s = floor_div(ms, 1000) + 8 * 3600;
    int64_t days = floor_div(s, 86400);
    int64_t sod = s - days * 86400;
    /* civil_from_days (H. Hinnant): days since 1970-01-01 -> month, day */
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    return put_fmt(b, "%d月%d日 %02d:%02d", month, day, (int)(sod / 3600),
                   (int)(sod % 3600 / 60));
}

size_t ks_case_vars(const ks_case *c, double amount, const char *tracking,
                    ks_var *vars, size_t maxvars, char *bufs, size_t bufcap)
{
    if (!c || !vars)
        return 0;
    varbuf b = {vars, maxvars, 0, bufs, bufcap, 0};
    put_var(&b, "customer", c->customer);
    if (c->has_order) {
        put_var(&b, "product", c->order.sku);
        put_var(&b, "order", c->order.id);
        put_var(&b, "price", money(&b, c->order.price));
    }
    put_var(&b, "amount", money(&b, amount));
    int64_t due = KS_TIME_NONE;
    for (size_t i = 0; i < c->npromises; i++) {
        const ks_promise *pr = &c->promises[i];
        if (pr->kept_at == KS_TIME_NONE && pr->due_at != KS_TIME_NONE &&
            (due == KS_TIME_NONE || pr->due_at < due))
            due = pr->due_at;
    }
    if (due != KS_TIME_NONE)
        put_var(&b, "deadline", beijing_time(&b, due));
    put_var(&b, "tracking", tracking);
    put_var(&b, "agent", c->agent);
    put_var(&b, "shop", c->shop);
    return b.n;
}
