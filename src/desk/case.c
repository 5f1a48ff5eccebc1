/* The case model: life cycle, deep copy, validation and the name tables of
 * include/kesu/case.h. */
#include "kesu/alloc.h"
#include "kesu/case.h"
#include "kesu/text.h"

#include <stdio.h>
#include <string.h>

#define NAME_TABLE(tab, MAP)                  \
    static const struct {                     \
        const char *name, *zh;                \
    } tab[] = {                               \
        MAP(NAME_ROW)                         \
    };
#define NAME_ROW(name, zh) {#name, zh},
NAME_TABLE(states, KS_STATE_MAP)
NAME_TABLE(faults, KS_FAULT_MAP)
NAME_TABLE(promises, KS_PROMISE_MAP)
NAME_TABLE(remedies, KS_REMEDY_MAP)
#undef NAME_ROW
#undef NAME_TABLE

#define NAMES(fn, tab, type, count)                                   \
    const char *ks_##fn##_name(type v)                                 \
    {                                                                  \
        return (unsigned)v < (count) ? tab[v].name : "?";              \
    }                                                                  \
    const char *ks_##fn##_zh(type v)                                   \
    {                                                                  \
        return (unsigned)v < (count) ? tab[v].zh : "?";                \
    }                                                                  \
    int ks_##fn##_from_name(const char *name)                          \
    {                                                                  \
        for (int i = 0; name && i < (int)(count); i++)                 \
            if (!strcmp(tab[i].name, name) || !strcmp(tab[i].zh, name)) \
                return i;                                              \
        return -1;                                                     \
    }
NAMES(state, states, ks_state, KS_STATE_COUNT)
NAMES(fault, faults, ks_fault, KS_FAULT_COUNT)
NAMES(promise, promises, ks_promise_kind, KS_PROMISE_COUNT)
NAMES(remedy, remedies, ks_remedy, KS_REMEDY_COUNT)
#undef NAMES

static void order_init(ks_order *o)
{
    memset(o, 0, sizeof *o);
    o->price = o->cost = -1;
    o->ordered_at = o->shipped_at = o->delivered_at = KS_TIME_NONE;
    o->shelf_life_days = -1;
}

void ks_case_init(ks_case *c)
{
    memset(c, 0, sizeof *c);
    order_init(&c->order);
    c->risk = KS_RISK_normal;
    c->state = c->prev_state = KS_STATE_new;
    c->fault = KS_FAULT_unknown;
    c->other_units_bad = c->transit_damage = c->person_checked = -1;
    c->feedback_at = c->created_at = c->updated_at = c->closed_at =
        KS_TIME_NONE;
    c->remedy = KS_REMEDY_none;
    c->remedy_amount = -1;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ks_free(v[i]);
    ks_free(v);
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

void ks_case_free(ks_case *c)
{
    if (!c)
        return;
    ks_free(c->shop);
    ks_free(c->customer);
    ks_free(c->agent);
    ks_free(c->summary);
    order_free(&c->order);
    strv_free(c->convs, c->nconvs);
    strv_free(c->evidence, c->nevidence);
    for (size_t i = 0; i < c->npromises; i++)
        ks_free(c->promises[i].text);
    ks_free(c->promises);
    for (size_t i = 0; i < c->nnotes; i++) {
        ks_free(c->notes[i].author);
        ks_free(c->notes[i].text);
    }
    ks_free(c->notes);
    ks_case_init(c);
}

/* Copies an optional string; returns 0 on failure of a non-NULL copy. */
static int dup_opt(char **dst, const char *src)
{
    *dst = src ? ks_strdup(src) : NULL;
    return !src || *dst;
}

static int strv_copy(char ***dst, const char *const *src, size_t n)
{
    *dst = NULL;
    if (!n)
        return 1;
    *dst = ks_calloc(n, sizeof **dst);
    if (!*dst)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((*dst)[i] = ks_strdup(src[i])))
            return 0;
    return 1;
}

static int order_copy(ks_order *d, const ks_order *s)
{
    *d = *s;
    d->id = d->sku = d->batch = d->category = d->carrier = d->region = NULL;
    return dup_opt(&d->id, s->id) && dup_opt(&d->sku, s->sku) &&
           dup_opt(&d->batch, s->batch) &&
           dup_opt(&d->category, s->category) &&
           dup_opt(&d->carrier, s->carrier) &&
           dup_opt(&d->region, s->region);
}

static int children_copy(ks_case *d, const ks_case *s)
{
    if (!strv_copy(&d->convs, (const char *const *)s->convs, s->nconvs) ||
        !strv_copy(&d->evidence, (const char *const *)s->evidence,
                   s->nevidence))
        return 0;
    if (s->npromises) {
        d->promises = ks_calloc(s->npromises, sizeof *d->promises);
        if (!d->promises)
            return 0;
        for (size_t i = 0; i < s->npromises; i++) {
            d->promises[i] = s->promises[i];
            if (!dup_opt(&d->promises[i].text, s->promises[i].text))
                return 0;
        }
    }
    if (s->nnotes) {
        d->notes = ks_calloc(s->nnotes, sizeof *d->notes);
        if (!d->notes)
            return 0;
        for (size_t i = 0; i < s->nnotes; i++) {
            d->notes[i].at = s->notes[i].at;
            if (!dup_opt(&d->notes[i].author, s->notes[i].author) ||
                !dup_opt(&d->notes[i].text, s->notes[i].text))
                return 0;
        }
    }
    return 1;
}

int ks_order_copy(ks_order *d, const ks_order *s)
{
    if (order_copy(d, s))
        return KS_OK;
    order_free(d);
    order_init(d);
    return KS_ENOMEM;
}

int ks_case_copy(ks_case *d, const ks_case *s)
{
    *d = *s;
    /* Clear every pointer first so a failure part-way frees cleanly. */
    d->shop = d->customer = d->agent = d->summary = NULL;
    memset(&d->order, 0, sizeof d->order);
    d->convs = d->evidence = NULL;
    d->promises = NULL;
    d->notes = NULL;
    int ok = dup_opt(&d->shop, s->shop) &&
             dup_opt(&d->customer, s->customer) &&
             dup_opt(&d->agent, s->agent) &&
             dup_opt(&d->summary, s->summary) &&
             order_copy(&d->order, &s->order) && children_copy(d, s);
    if (!ok) {
        ks_case_free(d);
        return KS_ENOMEM;
    }
    return KS_OK;
}

static int strv_push(char ***v, size_t *n, const char *s)
{
    size_t cap = *n;   /* arrays are kept exact-size: cap == n */
    char *copy = ks_strdup(s);
    if (!copy)
        return KS_ENOMEM;
    char **nv = ks_realloc(*v, (cap + 1) * sizeof *nv);
    if (!nv) {
        ks_free(copy);
        return KS_ENOMEM;
    }
    nv[(*n)++] = copy;
    *v = nv;
    return KS_OK;
}

int ks_case_add_conv(ks_case *c, const char *conv_id)
{
    if (!conv_id || !*conv_id)
        return KS_EINVAL;
    for (size_t i = 0; i < c->nconvs; i++)
        if (!strcmp(c->convs[i], conv_id))
            return KS_OK;
    return strv_push(&c->convs, &c->nconvs, conv_id);
}

int ks_case_add_evidence(ks_case *c, const char *ref)
{
    if (!ref || !*ref)
        return KS_EINVAL;
    return strv_push(&c->evidence, &c->nevidence, ref);
}

int ks_case_add_note(ks_case *c, int64_t at, const char *author,
                     const char *text)
{
    if (!text || !*text)
        return KS_EINVAL;
    ks_note n = {at, NULL, NULL};
    if (!dup_opt(&n.author, author) || !(n.text = ks_strdup(text))) {
        ks_free(n.author);
        return KS_ENOMEM;
    }
    ks_note *nv = ks_realloc(c->notes, (c->nnotes + 1) * sizeof *nv);
    if (!nv) {
        ks_free(n.author);
        ks_free(n.text);
        return KS_ENOMEM;
    }
    nv[c->nnotes++] = n;
    c->notes = nv;
    return KS_OK;
}

int ks_case_add_promise(ks_case *c, ks_promise_kind kind, const char *text,
                        int64_t made_at, int64_t due_at, size_t *index)
{
    if ((unsigned)kind >= KS_PROMISE_COUNT)
        return KS_EINVAL;
    ks_promise p = {0, kind, NULL, made_at, due_at, KS_TIME_NONE};
    if (!dup_opt(&p.text, text))
        return KS_ENOMEM;
    ks_promise *nv =
        ks_realloc(c->promises, (c->npromises + 1) * sizeof *nv);
    if (!nv) {
        ks_free(p.text);
        return KS_ENOMEM;
    }
    if (index)
        *index = c->npromises;
    nv[c->npromises++] = p;
    c->promises = nv;
    return KS_OK;
}

size_t ks_case_open_promises(const ks_case *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->npromises; i++)
        n += c->promises[i].kept_at == KS_TIME_NONE;
    return n;
}

/* ---- validation ------------------------------------------------------ */

static void check_text(const char *field, const char *s, ks_diags *d)
{
    if (s && ks_utf8_validate(s, strlen(s), NULL) != KS_OK)
        ks_diags_add(d, 0, field, "not valid UTF-8");
}

static void check_order_times(const ks_case *c, ks_diags *d)
{
    static const char *const names[] = {"order.ordered_at",
                                        "order.shipped_at",
                                        "order.delivered_at", "feedback_at"};
    int64_t t[4] = {KS_TIME_NONE, KS_TIME_NONE, KS_TIME_NONE, c->feedback_at};
    if (c->has_order) {
        t[0] = c->order.ordered_at;
        t[1] = c->order.shipped_at;
        t[2] = c->order.delivered_at;
    }
    int last = -1;   /* the latest earlier time that is set */
    for (int i = 0; i < 4; i++) {
        if (t[i] == KS_TIME_NONE)
            continue;
        if (last >= 0 && t[i] < t[last])
            ks_diags_add(d, 0, names[i], "is before %s: dates out of order",
                         names[last]);
        last = i;
    }
}

static void check_order(const ks_case *c, ks_diags *d)
{
    if (!c->has_order)
        return;
    const ks_order *o = &c->order;
    /* -1 is "unknown"; any other negative is a typing error. */
    if (o->price < 0 && o->price != -1)
        ks_diags_add(d, 0, "order.price", "negative price %.2f", o->price);
    if (o->cost < 0 && o->cost != -1)
        ks_diags_add(d, 0, "order.cost", "negative cost %.2f", o->cost);
    if (o->shelf_life_days < -1)
        ks_diags_add(d, 0, "order.shelf_life_days", "negative shelf life");
    check_text("order.id", o->id, d);
    check_text("order.sku", o->sku, d);
    check_text("order.batch", o->batch, d);
    check_text("order.category", o->category, d);
    check_text("order.carrier", o->carrier, d);
    check_text("order.region", o->region, d);
}

static void check_promises(const ks_case *c, ks_diags *d)
{
    char where[48];
    for (size_t i = 0; i < c->npromises; i++) {
        const ks_promise *p = &c->promises[i];
        snprintf(where, sizeof where, "promises[%zu]", i);
        if ((unsigned)p->kind >= KS_PROMISE_COUNT)
            ks_diags_add(d, 0, where, "unknown promise kind");
        if (p->made_at == KS_TIME_NONE || p->due_at == KS_TIME_NONE)
            ks_diags_add(d, 0, where, "needs both made and due times");
        else if (p->due_at < p->made_at)
            ks_diags_add(d, 0, where, "due before it was made");
        if (p->kept_at != KS_TIME_NONE && p->made_at != KS_TIME_NONE &&
            p->kept_at < p->made_at)
            ks_diags_add(d, 0, where, "kept before it was made");
        check_text(where, p->text, d);
    }
}

static void check_enums(const ks_case *c, ks_diags *d)
{
    if ((unsigned)c->state >= KS_STATE_COUNT)
        ks_diags_add(d, 0, "state", "unknown state");
    if ((unsigned)c->prev_state >= KS_STATE_COUNT)
        ks_diags_add(d, 0, "prev_state", "unknown state");
    if ((unsigned)c->risk >= KS_RISK_COUNT)
        ks_diags_add(d, 0, "risk", "unknown risk level");
    if ((unsigned)c->fault >= KS_FAULT_COUNT)
        ks_diags_add(d, 0, "fault", "unknown fault");
    if ((unsigned)c->remedy >= KS_REMEDY_COUNT)
        ks_diags_add(d, 0, "remedy", "unknown remedy");
    if (c->causes >> KS_CAUSE_COUNT)
        ks_diags_add(d, 0, "causes", "unknown cause bit");
    if (c->remedy_amount < 0 && c->remedy_amount != -1)
        ks_diags_add(d, 0, "remedy_amount", "negative amount %.2f",
                     c->remedy_amount);
}

int ks_case_validate(const ks_case *c, ks_diags *d)
{
    size_t before = d->errors;
    if (!c->customer || !*c->customer)
        ks_diags_add(d, 0, "customer", "missing: every case names a customer");
    check_text("customer", c->customer, d);
    check_text("shop", c->shop, d);
    check_text("agent", c->agent, d);
    check_text("summary", c->summary, d);
    check_enums(c, d);
    check_order(c, d);
    check_order_times(c, d);
    check_promises(c, d);
    for (size_t i = 0; i < c->nnotes; i++)
        check_text("notes", c->notes[i].text, d);
    for (size_t i = 0; i < c->nconvs; i++)
        check_text("conversations", c->convs[i], d);
    return d->errors > before ? KS_EINVAL : KS_OK;
}
