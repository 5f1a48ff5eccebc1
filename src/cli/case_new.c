/* `kesu case new`: opens a case from options. All values are checked
 * before anything is written; the store validates the whole case again. */
#include "case_cmd.h"

#include <stdlib.h>
#include <string.h>

typedef struct new_opts {
    ks_desk_opts d;
    ks_facts f;
    const char *customer, *shop, *agent, *summary;
    const char *order_id, *sku, *batch, *category, *carrier, *region;
    const char *price, *cost, *ordered_at, *shipped_at, *delivered_at,
        *shelf_life, *feedback_at;
    int safety;
} new_opts;

static int dup_into(char **dst, const char *v)
{
    if (!v)
        return 0;
    *dst = ks_strdup(v);
    return *dst ? 0 : -1;
}

static int order_strings(const new_opts *o, ks_case *c)
{
    ks_order *od = &c->order;
    return dup_into(&od->id, o->order_id) || dup_into(&od->sku, o->sku) ||
           dup_into(&od->batch, o->batch) ||
           dup_into(&od->category, o->category) ||
           dup_into(&od->carrier, o->carrier) ||
           dup_into(&od->region, o->region);
}

static int order_values(const char *cmd, const new_opts *o, ks_case *c)
{
    ks_order *od = &c->order;
    long shelf;
    if ((o->price && ks_arg_money(cmd, "price", o->price, &od->price)) ||
        (o->cost && ks_arg_money(cmd, "cost", o->cost, &od->cost)) ||
        (o->ordered_at &&
         ks_arg_time(cmd, "ordered-at", o->ordered_at, &od->ordered_at)) ||
        (o->shipped_at &&
         ks_arg_time(cmd, "shipped-at", o->shipped_at, &od->shipped_at)) ||
        (o->delivered_at && ks_arg_time(cmd, "delivered-at",
                                        o->delivered_at, &od->delivered_at)))
        return -1;
    if (o->shelf_life) {
        if (ks_arg_int(cmd, "shelf-life-days", o->shelf_life, 0, 36500,
                       &shelf))
            return -1;
        od->shelf_life_days = (int)shelf;
    }
    return 0;
}

static int has_order(const new_opts *o)
{
    return o->order_id || o->sku || o->batch || o->category || o->carrier ||
           o->region || o->price || o->cost || o->ordered_at ||
           o->shipped_at || o->delivered_at || o->shelf_life;
}

/* The case from the options; the desk stamps and checks it. */
static int build(ks_desk *dk, const new_opts *o, ks_case *c,
                 ks_case_facts *f)
{
    const char *cmd = "case new";
    if (!o->customer || !*o->customer) {
        fprintf(stderr, "kesu case new: --customer is required (the buyer's "
                        "id)\n");
        return -1;
    }
    if (dup_into(&c->customer, o->customer) || dup_into(&c->shop, o->shop) ||
        dup_into(&c->agent, o->agent) || dup_into(&c->summary, o->summary))
        return -1;
    c->has_order = has_order(o);
    if (c->has_order && (order_strings(o, c) || order_values(cmd, o, c)))
        return -1;
    if (o->feedback_at &&
        ks_arg_time(cmd, "feedback-at", o->feedback_at, &c->feedback_at))
        return -1;
    c->safety = o->safety;
    (void)dk;
    return ks_facts_parse(cmd, &o->f, f);
}

int ks_case_new(int argc, char **argv)
{
    new_opts o = {0};
    ks_opt opts[] = {
        KS_DESK_OPTS(o.d), KS_FACT_OPTS(o.f),
        {"customer", &o.customer, NULL}, {"shop", &o.shop, NULL},
        {"agent", &o.agent, NULL}, {"summary", &o.summary, NULL},
        {"order-id", &o.order_id, NULL}, {"sku", &o.sku, NULL},
        {"batch", &o.batch, NULL}, {"category", &o.category, NULL},
        {"carrier", &o.carrier, NULL}, {"region", &o.region, NULL},
        {"price", &o.price, NULL}, {"cost", &o.cost, NULL},
        {"ordered-at", &o.ordered_at, NULL},
        {"shipped-at", &o.shipped_at, NULL},
        {"delivered-at", &o.delivered_at, NULL},
        {"shelf-life-days", &o.shelf_life, NULL},
        {"feedback-at", &o.feedback_at, NULL},
        {"safety", NULL, &o.safety}, {0}};
    char *pos[1];
    if (ks_parse_opts("case new", argc, argv, opts, pos, 0) < 0)
        return KS_EXIT_USAGE;
    ks_desk dk;
    int rc = ks_desk_open(&dk, &o.d, "case new", 1);
    if (rc)
        return rc;
    ks_case c;
    ks_case_facts f;
    ks_case_init(&c);
    if (build(&dk, &o, &c, &f)) {
        rc = KS_EXIT_BADINPUT;
    } else {
        ks_diags d = {0};
        ks_desk_env env = ks_desk_env_of(&dk);
        int sr = ks_desk_create(&env, &c, &f, &d);
        c.id = sr ? 0 : c.id;
        rc = ks_case_result("case new", &c, sr, &d);
        ks_diags_free(&d);
        if (!rc)
            rc = ks_case_done(&dk, &c, "created");
        else if (rc == KS_EXIT_BADINPUT)
            fprintf(stderr, "kesu case new: no case created\n");
    }
    ks_case_free(&c);
    ks_desk_close(&dk);
    return rc;
}
