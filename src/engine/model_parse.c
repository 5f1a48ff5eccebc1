/*
 * Reading a model file (format in rules/README.md):
 *
 *   kesu-model 1
 *   code attitude bias -2.1 threshold -0.4 promote 0.6 withhold -1.4
 *   A:哪有空<TAB>attitude=1.25 poor_service=0.31
 *
 * A lead may edit the file by hand (drop a phrase, add one), so every
 * problem is reported as name:line and reading goes on to find them all;
 * a key that can never match (traditional script, white space, an
 * unknown event) is an error rather than silent dead weight.
 */
#include "model_int.h"
#include "kesu/alloc.h"
#include "kesu/text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 4096

typedef struct parser {
    const char *name;
    size_t line;
    ks_diags *d;
    ks_model *m;
    uint32_t codes;         /* declared so far */
    double bias[KS_INC_COUNT], thr[KS_INC_COUNT];
    double promote[KS_INC_COUNT], withhold[KS_INC_COUNT];
    int header, errors;
    int told_no_codes;
    ks_text norm;
} parser;

static int fail(parser *p, const char *fmt, const char *arg)
{
    char where[512];
    snprintf(where, sizeof where, "%s:%zu", p->name, p->line);
    ks_diags_add(p->d, 0, where, fmt, arg ? arg : "");
    p->errors++;
    return KS_ERULES;
}

static int number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* A bounded number: ks_model_write() prints it with %.6f, and a longer
 * number would not fit the fields of a code line when read back. */
static int bounded(const char *s, double *out)
{
    return number(s, out) || fabs(*out) > 1e6 ? -1 : 0;
}

/* The optional "promote P" and "withhold W" after the threshold, in any
 * order, each at most once. */
static int margins(parser *p, int c, char *rest)
{
    char *save = NULL;
    for (char *kw = strtok_r(rest, " \t", &save); kw;
         kw = strtok_r(NULL, " \t", &save)) {
        int pro = !strcmp(kw, "promote");
        double *v = pro ? &p->promote[c] : &p->withhold[c];
        if ((!pro && strcmp(kw, "withhold")) || fabs(*v) != HUGE_VAL)
            return fail(p, "after the threshold a code line may hold "
                           "\"promote NUMBER\" and \"withhold NUMBER\", "
                           "each once; not \"%s\"", kw);
        const char *num = strtok_r(NULL, " \t", &save);
        if (!num || bounded(num, v))
            return fail(p, "%s must be followed by a finite number of at "
                           "most 1e6 in size", kw);
        if (pro ? *v < p->thr[c] : *v > p->thr[c])
            return fail(p, pro ? "promote must not be below the threshold%s"
                               : "withhold must not be above the "
                                 "threshold%s", NULL);
    }
    return KS_OK;
}

/* "code NAME bias X threshold Y [promote P] [withhold W]" */
static int code_line(parser *p, char *s)
{
    if (p->m)
        return fail(p, "code lines must come before the features%s", NULL);
    char name[64], bias[64], thr[64], kw1[16], kw2[16];
    int used = 0;
    if (sscanf(s, "code %63s %15s %63s %15s %63s%n", name, kw1, bias, kw2,
               thr, &used) != 5 ||
        strcmp(kw1, "bias") || strcmp(kw2, "threshold"))
        return fail(p, "expected \"code NAME bias NUMBER threshold "
                       "NUMBER\"%s", NULL);
    int c = ks_incident_from_name(name);
    if (c < 0)
        return fail(p, "unknown incident code \"%s\"", name);
    if (p->codes >> c & 1)
        return fail(p, "code \"%s\" declared twice", name);
    if (bounded(bias, &p->bias[c]) || bounded(thr, &p->thr[c]))
        return fail(p, "bias and threshold must be finite numbers of at "
                       "most 1e6 in size%s", NULL);
    p->promote[c] = HUGE_VAL;
    p->withhold[c] = -HUGE_VAL;
    p->codes |= 1u << c;
    return margins(p, c, s + used);
}

/* The model is built at the first feature, once every code is known. */
static int start_features(parser *p)
{
    if (p->m)
        return KS_OK;
    if (!p->codes)  /* said once, not for each of thousands of lines */
        return p->told_no_codes++ ? KS_ERULES
                                  : fail(p, "no \"code\" line before the "
                                            "first feature%s", NULL);
    int rc = ks_model_new(p->codes, &p->m);
    if (rc)
        return rc;
    for (int k = 0; k < p->m->ncodes; k++) {
        p->m->bias[k] = p->bias[p->m->code[k]];
        p->m->thr[k] = p->thr[p->m->code[k]];
        p->m->promote[k] = p->promote[p->m->code[k]];
        p->m->withhold[k] = p->withhold[p->m->code[k]];
    }
    return KS_OK;
}

static int check_text_key(parser *p, const char *key, const char *body)
{
    size_t n = ks_utf8_count(body, strlen(body));
    if ((key[0] == 'A' && n > 3) || (key[0] == 'C' && n != 2))
        return fail(p, "\"%s\": agent keys hold 1-3 characters, customer "
                       "keys 2", key);
    for (const char *s = body; *s;) {
        uint32_t cp;
        s += ks_utf8_decode(s, &cp);
        if (ks_feat_space(cp))
            return fail(p, "\"%s\" holds white space, which n-grams skip",
                        key);
    }
    if (ks_normalize(body, strlen(body), &p->norm))
        return KS_ENOMEM;
    if (strcmp(p->norm.norm, body) != 0)
        return fail(p, "\"%s\" can never match: text is normalised first "
                       "(simplified script, half-width, lower case)", key);
    return KS_OK;
}

static int check_fact_key(parser *p, const char *key, const char *body)
{
    static const char *const events[] = {"end", "transfer", "timeout",
                                         "rating", NULL};
    static const char *const facts[] = {
        "last_agent", "last_customer", "last_none", "noagent", "gap>=60s",
        "gap>=180s", "gap>=600s", "gap>=1800s", NULL};
    const char *const *v = key[0] == 'E' ? events : facts;
    for (; *v; v++)
        if (strcmp(*v, body) == 0)
            return KS_OK;
    return fail(p, "\"%s\": unknown event or chat fact", key);
}

static int check_key(parser *p, const char *key)
{
    if (!strchr("ACES", key[0]) || key[1] != ':' || !key[2])
        return fail(p, "\"%s\": a key is A:, C:, E: or S: and a body",
                    key);
    if (key[0] == 'A' || key[0] == 'C')
        return check_text_key(p, key, key + 2);
    return check_fact_key(p, key, key + 2);
}

/* "code=weight code=weight ..." */
static int weights(parser *p, char *s, float *w)
{
    int seen[KS_INC_COUNT] = {0};
    memset(w, 0, (size_t)p->m->ncodes * sizeof *w);
    for (char *tok = s, *next; *tok; tok = next) {
        next = tok + strcspn(tok, " ");
        if (*next)
            *next++ = '\0';
        if (!*tok)
            continue;
        char *eq = strchr(tok, '=');
        double v;
        if (!eq)
            return fail(p, "\"%s\": expected code=weight", tok);
        *eq = '\0';
        int c = ks_incident_from_name(tok);
        if (c < 0 || p->m->slot[c] < 0)
            return fail(p, "\"%s\" is not a code declared above", tok);
        if (seen[c]++)
            return fail(p, "\"%s\" given twice on the line", tok);
        if (number(eq + 1, &v) || fabs(v) > 1e6)
            return fail(p, "weight of \"%s\" is not a number", tok);
        w[p->m->slot[c]] = (float)v;
    }
    return KS_OK;
}

static int feature_line(parser *p, char *s)
{
    int rc = start_features(p);
    if (rc)
        return rc;
    char *tab = strchr(s, '\t');
    if (!tab)
        return fail(p, "expected KEY, a tab, then code=weight pairs%s",
                    NULL);
    *tab = '\0';
    float w[KS_INC_COUNT];
    if ((rc = check_key(p, s)) || (rc = weights(p, tab + 1, w)))
        return rc;
    rc = ks_model_add_feature(p->m, s, strlen(s), w);
    if (rc == KS_EINVAL)
        return fail(p, "\"%s\" given twice", s);
    return rc;
}

static int one_line(parser *p, char *s)
{
    if (!*s || *s == '#')
        return KS_OK;
    if (!p->header) {
        p->header = 1;
        if (strcmp(s, "kesu-model 1") != 0)
            return fail(p, "the first line must be \"kesu-model 1\"%s",
                        NULL);
        return KS_OK;
    }
    if (strncmp(s, "code ", 5) == 0)
        return code_line(p, s);
    return feature_line(p, s);
}

static int each_line(parser *p, const char *text, size_t len)
{
    char buf[MAX_LINE + 1];
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t raw = nl ? (size_t)(nl - (text + i)) : len - i, n = raw;
        p->line++;
        if (n && text[i + n - 1] == '\r')
            n--;
        int rc = KS_OK;
        if (n > MAX_LINE)
            rc = fail(p, "line longer than 4096 bytes%s", NULL);
        else {
            memcpy(buf, text + i, n);
            buf[n] = '\0';
            rc = one_line(p, buf);
        }
        if (rc == KS_ENOMEM)
            return rc;
        i += raw + (nl != NULL);
    }
    return KS_OK;
}

int ks_model_parse(const char *name, const char *text, size_t len,
                   ks_model **out, ks_diags *d)
{
    parser p = {.name = name, .d = d};
    size_t bad;
    *out = NULL;
    if (ks_utf8_validate(text, len, &bad) != KS_OK) {
        p.line = 1;
        for (size_t i = 0; i < bad; i++)
            p.line += text[i] == '\n';
        fail(&p, "invalid UTF-8%s", NULL);
        return KS_ERULES;
    }
    int rc = each_line(&p, text, len);
    if (rc == KS_OK && !p.header) {
        p.line = 1;
        rc = fail(&p, "empty model file%s", NULL);
    } else if (rc == KS_OK && !p.m)
        rc = start_features(&p);
    ks_text_free(&p.norm);
    if (rc == KS_OK && p.errors)
        rc = KS_ERULES;
    if (rc) {
        ks_model_free(p.m);
        return rc == KS_ENOMEM ? rc : KS_ERULES;
    }
    *out = p.m;
    return KS_OK;
}
