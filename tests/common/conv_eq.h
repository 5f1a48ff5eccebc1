/*
 * Shared by the unit and fuzz tests (private to tests/): whether two
 * parsed conversations are the same, field by field — how the fast SPEC
 * 3.1 reader is held to the cJSON reader.
 */
#ifndef KS_TEST_CONV_EQ_H
#define KS_TEST_CONV_EQ_H

#include <string.h>
#include "kesu/conv.h"

static inline int kt_str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Same numbers, bit for bit (-0.0 included). */
static inline int kt_num_eq(double a, double b)
{
    return !memcmp(&a, &b, sizeof a);
}

static inline int kt_order_eq(const ks_order *x, const ks_order *y)
{
    return kt_str_eq(x->id, y->id) && kt_str_eq(x->sku, y->sku) &&
           kt_str_eq(x->batch, y->batch) &&
           kt_str_eq(x->category, y->category) &&
           kt_str_eq(x->carrier, y->carrier) &&
           kt_str_eq(x->region, y->region) && kt_num_eq(x->price, y->price) &&
           kt_num_eq(x->cost, y->cost) && x->ordered_at == y->ordered_at &&
           x->shipped_at == y->shipped_at &&
           x->delivered_at == y->delivered_at &&
           x->shelf_life_days == y->shelf_life_days;
}

static inline int kt_conv_eq(const ks_conv *a, const ks_conv *b)
{
    if (!kt_str_eq(a->id, b->id) || !kt_str_eq(a->channel, b->channel) ||
        !kt_str_eq(a->shop, b->shop) || !kt_str_eq(a->agent, b->agent) ||
        !kt_str_eq(a->customer, b->customer) ||
        a->has_order != b->has_order || a->nmsgs != b->nmsgs ||
        !kt_order_eq(&a->order, &b->order))
        return 0;
    for (size_t i = 0; i < a->nmsgs; i++) {
        const ks_msg *m = &a->msgs[i], *n = &b->msgs[i];
        if (!kt_str_eq(m->id, n->id) || m->at != n->at ||
            m->from != n->from || m->event != n->event ||
            !kt_str_eq(m->text, n->text) || m->text_len != n->text_len)
            return 0;
    }
    return 1;
}

#endif
