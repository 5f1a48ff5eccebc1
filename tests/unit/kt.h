/*
 * Helpers shared by the cmocka unit tests (private to tests/unit).
 *
 * kt_pack()      builds a pack from one YAML text, failing the test (with
 *                every diagnostic printed) if it does not load;
 * kt_conv()      builds a conversation from a table of lines;
 * kt_qa()        judges it with a fresh scanner;
 * kt_cps()       copies the code point span [start,end) of a UTF-8 text;
 * kt_has_diag()  looks for a diagnostic by location prefix and message.
 */
#ifndef KT_H
#define KT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kesu/kesu.h"

/* 2024-06-05T10:00:00+08:00 */
#define KT_T0 1717552800000LL

static inline void kt_print_diags(const ks_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "    diag: %s: %s: %s\n", d->items[i].where,
                d->items[i].warning ? "warning" : "error", d->items[i].msg);
}

/* Loads srcs; returns the rc and leaves diagnostics in *d. */
static inline int kt_load(const char *name, const char *yaml, ks_pack **p,
                          ks_diags *d)
{
    ks_source s = {name, yaml, strlen(yaml)};
    return ks_pack_load(&s, 1, p, d);
}

static inline ks_pack *kt_pack(const char *yaml)
{
    ks_diags d = {0};
    ks_pack *p = NULL;
    int rc = kt_load("t.yaml", yaml, &p, &d);
    if (rc != KS_OK || d.errors) {
        fprintf(stderr, "pack did not load (rc %d):\n%s\n", rc, yaml);
        kt_print_diags(&d);
    }
    assert_int_equal(rc, KS_OK);
    assert_non_null(p);
    ks_diags_free(&d);
    return p;
}

/* Does d hold an entry of kind `warning` whose where starts with `where`
 * and whose message contains `msg`? */
static inline int kt_has_diag(const ks_diags *d, int warning,
                              const char *where, const char *msg)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].warning == warning &&
            strncmp(d->items[i].where, where, strlen(where)) == 0 &&
            strstr(d->items[i].msg, msg))
            return 1;
    return 0;
}

#define assert_diag(d, warning, where, msg)                                 \
    do {                                                                    \
        if (!kt_has_diag((d), (warning), (where), (msg))) {                 \
            fprintf(stderr, "expected %s at \"%s\" containing \"%s\"; "     \
                            "got:\n", (warning) ? "warning" : "error",      \
                    (where), (msg));                                        \
            kt_print_diags(d);                                              \
            fail();                                                         \
        }                                                                   \
    } while (0)

/* One line of a test conversation: who is 'c', 'a' or 's' (system, text
 * is the event name); at is seconds after KT_T0 (-1: no time). */
typedef struct kt_line {
    char who;
    int at;
    const char *text;
} kt_line;

static inline void kt_conv_n(ks_conv *c, const kt_line *l, size_t n,
                             const char *category)
{
    memset(c, 0, sizeof *c);
    c->id = ks_strdup("t-1");
    c->agent = ks_strdup("a1");
    c->order.price = c->order.cost = -1;
    c->order.shelf_life_days = -1;
    c->order.ordered_at = c->order.shipped_at = c->order.delivered_at =
        KS_TIME_NONE;
    if (category) {
        c->has_order = 1;
        c->order.category = ks_strdup(category);
    }
    c->msgs = ks_calloc(n ? n : 1, sizeof *c->msgs);
    assert_non_null(c->msgs);
    c->nmsgs = n;
    for (size_t i = 0; i < n; i++) {
        ks_msg *m = &c->msgs[i];
        char id[16];
        snprintf(id, sizeof id, "m%zu", i + 1);
        m->id = ks_strdup(id);
        m->at = l[i].at < 0 ? KS_TIME_NONE : KT_T0 + (int64_t)l[i].at * 1000;
        if (l[i].who == 's') {
            m->from = KS_FROM_SYSTEM;
            m->event = !strcmp(l[i].text, "end")        ? KS_EV_END
                       : !strcmp(l[i].text, "transfer") ? KS_EV_TRANSFER
                       : !strcmp(l[i].text, "timeout")  ? KS_EV_TIMEOUT
                                                        : KS_EV_RATING;
            m->text = ks_strdup("");
        } else {
            m->from = l[i].who == 'c' ? KS_FROM_CUSTOMER : KS_FROM_AGENT;
            m->event = KS_EV_NONE;
            m->text = ks_strdup(l[i].text);
        }
        assert_non_null(m->text);
        m->text_len = strlen(m->text);
    }
}

#define kt_conv(c, lines) \
    kt_conv_n((c), (lines), sizeof(lines) / sizeof((lines)[0]), NULL)

/* Judges c with a fresh scanner into r (which the caller frees). */
static inline void kt_qa(const ks_pack *p, const ks_conv *c, ks_result *r)
{
    ks_scanner *s = NULL;
    assert_int_equal(ks_scanner_new(p, &s), KS_OK);
    assert_int_equal(ks_qa(s, c, r), KS_OK);
    ks_scanner_free(s);
}

/* Copies code points [start,end) of s into buf. */
static inline const char *kt_cps(const char *s, uint32_t start, uint32_t end,
                                 char *buf, size_t bufsz)
{
    size_t len = strlen(s);
    size_t b = ks_utf8_offset(s, len, start), e = ks_utf8_offset(s, len, end);
    snprintf(buf, bufsz, "%.*s", (int)(e - b), s + b);
    return buf;
}

/* The finding of rule `rule` on message msg, or NULL. */
static inline const ks_finding *kt_finding(const ks_result *r,
                                           const char *rule, size_t msg)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (!strcmp(r->findings[i].rule, rule) && r->findings[i].msg == msg)
            return &r->findings[i];
    return NULL;
}

static inline size_t kt_count(const ks_result *r, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        n += !strcmp(r->findings[i].rule, rule);
    return n;
}

static inline void kt_dump(const ks_conv *c, const ks_result *r)
{
    fprintf(stderr, "    risk %s causes 0x%x, %zu findings\n",
            ks_risk_name(r->risk), r->causes, r->nfindings);
    for (size_t i = 0; i < r->nfindings; i++) {
        char buf[256];
        const ks_finding *f = &r->findings[i];
        fprintf(stderr, "    %s msg %zu [%u,%u) \"%s\"\n", f->rule, f->msg,
                f->start, f->end,
                kt_cps(c->msgs[f->msg].text, f->start, f->end, buf,
                       sizeof buf));
    }
}

/* Asserts that rule fired on message msg with evidence text ev (NULL:
 * any evidence). */
#define assert_fires(c, r, rule, msg, ev)                                    \
    do {                                                                     \
        const ks_finding *f_ = kt_finding((r), (rule), (msg));               \
        if (!f_) {                                                           \
            fprintf(stderr, "expected rule %s on message %d; got:\n",        \
                    (rule), (int)(msg));                                     \
            kt_dump((c), (r));                                               \
            fail();                                                          \
        }                                                                    \
        if ((ev) != NULL) {                                                  \
            char b_[256];                                                    \
            assert_string_equal(kt_cps((c)->msgs[(msg)].text, f_->start,     \
                                       f_->end, b_, sizeof b_),              \
                                (const char *)(ev));                         \
        }                                                                    \
    } while (0)

#define assert_silent(c, r, rule)                                            \
    do {                                                                     \
        if (kt_count((r), (rule))) {                                         \
            fprintf(stderr, "rule %s should not fire; got:\n", (rule));      \
            kt_dump((c), (r));                                               \
            fail();                                                          \
        }                                                                    \
    } while (0)

#endif
