/*
 * Case storage (store.h) on SQLite: round trips, child replacement,
 * validation and constraint failures writing nothing, lists, due
 * promises, counts, transactions, migrations and the audit chain against
 * tampering done with raw SQL. Each test gets its own temporary directory.
 */
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kt_db.h"

#define HOUR 3600000LL
#define DAY (24 * HOUR)

/* ---- building cases ----------------------------------------------------- */

/* A minimal valid case. */
static void small_case(ks_case *c, const char *customer, const char *shop)
{
    ks_case_init(c);
    c->customer = ks_strdup(customer);
    c->shop = shop ? ks_strdup(shop) : NULL;
}

/* A case with every field set to something other than its default. */
static void full_case(ks_case *c)
{
    ks_case_init(c);
    c->shop = ks_strdup("旗舰店");
    c->customer = ks_strdup("买家小王");
    c->agent = ks_strdup("客服小李");
    c->summary = ks_strdup("充电宝起火 power bank caught fire");
    c->has_order = 1;
    c->order.id = ks_strdup("O-20240601-7");
    c->order.sku = ks_strdup("PB-10000");
    c->order.batch = ks_strdup("B2405");
    c->order.category = ks_strdup("数码");
    c->order.carrier = ks_strdup("顺丰");
    c->order.region = ks_strdup("浙江");
    c->order.price = 129.5;
    c->order.cost = 61.25;
    c->order.ordered_at = KT_T0 - 10 * DAY;
    c->order.shipped_at = KT_T0 - 9 * DAY;
    c->order.delivered_at = KT_T0 - 7 * DAY;
    c->order.shelf_life_days = 730;
    assert_int_equal(ks_case_add_conv(c, "c-1001"), KS_OK);
    assert_int_equal(ks_case_add_conv(c, "c-1002"), KS_OK);
    assert_int_equal(ks_case_add_evidence(c, "c-1001#m3"), KS_OK);
    assert_int_equal(ks_case_add_evidence(c, "https://img.example/1.jpg"),
                     KS_OK);
    c->causes = (1u << KS_CAUSE_product) | (1u << KS_CAUSE_service);
    c->risk = KS_RISK_critical;
    c->state = KS_STATE_escalated;
    c->prev_state = KS_STATE_negotiating;
    c->fault = KS_FAULT_product;
    c->safety = 1;
    c->batch_issue = 1;
    c->other_units_bad = 0;
    c->transit_damage = 1;
    c->person_checked = 1;
    c->feedback_at = KT_T0 - 2 * DAY;
    c->created_at = KT_T0 - DAY;
    c->closed_at = KT_T0 + DAY;
    c->refused_offers = 2;
    c->remedy = KS_REMEDY_full_remedy;
    c->remedy_amount = 258.0;
    assert_int_equal(ks_case_add_promise(c, KS_PROMISE_callback, "半小时回电",
                                         KT_T0, KT_T0 + HOUR / 2, NULL),
                     KS_OK);
    assert_int_equal(ks_case_add_promise(c, KS_PROMISE_refund, NULL, KT_T0,
                                         KT_T0 + DAY, NULL),
                     KS_OK);
    c->promises[1].kept_at = KT_T0 + HOUR;
    assert_int_equal(ks_case_add_note(c, KT_T0, "组长", "先确认人身安全"),
                     KS_OK);
    assert_int_equal(ks_case_add_note(c, KT_T0 + 1, NULL, "已寄回检测"),
                     KS_OK);
}

static int64_t create_ok(ks_store *s, ks_case *c, int64_t now)
{
    ks_diags d = {0};
    int rc = ks_store_case_create(s, c, "test", now, &d);
    if (rc != KS_OK) {
        fprintf(stderr, "create: %s (%s)\n", ks_strerror(rc),
                ks_store_errmsg(s));
        kt_print_diags(&d);
    }
    assert_int_equal(rc, KS_OK);
    assert_true(c->id > 0);
    ks_diags_free(&d);
    return c->id;
}

static void assert_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_same_order(const ks_order *a, const ks_order *b)
{
    assert_str_eq(a->id, b->id);
    assert_str_eq(a->sku, b->sku);
    assert_str_eq(a->batch, b->batch);
    assert_str_eq(a->category, b->category);
    assert_str_eq(a->carrier, b->carrier);
    assert_str_eq(a->region, b->region);
    assert_true(a->price == b->price);
    assert_true(a->cost == b->cost);
    assert_int_equal(a->ordered_at, b->ordered_at);
    assert_int_equal(a->shipped_at, b->shipped_at);
    assert_int_equal(a->delivered_at, b->delivered_at);
    assert_int_equal(a->shelf_life_days, b->shelf_life_days);
}

static void assert_same_children(const ks_case *a, const ks_case *b)
{
    assert_int_equal(a->nconvs, b->nconvs);
    for (size_t i = 0; i < a->nconvs; i++)
        assert_string_equal(a->convs[i], b->convs[i]);
    assert_int_equal(a->nevidence, b->nevidence);
    for (size_t i = 0; i < a->nevidence; i++)
        assert_string_equal(a->evidence[i], b->evidence[i]);
    assert_int_equal(a->npromises, b->npromises);
    for (size_t i = 0; i < a->npromises; i++) {
        const ks_promise *p = &a->promises[i], *q = &b->promises[i];
        assert_int_equal(p->id, q->id);
        assert_int_equal(p->kind, q->kind);
        assert_str_eq(p->text, q->text);
        assert_int_equal(p->made_at, q->made_at);
        assert_int_equal(p->due_at, q->due_at);
        assert_int_equal(p->kept_at, q->kept_at);
    }
    assert_int_equal(a->nnotes, b->nnotes);
    for (size_t i = 0; i < a->nnotes; i++) {
        assert_int_equal(a->notes[i].at, b->notes[i].at);
        assert_str_eq(a->notes[i].author, b->notes[i].author);
        assert_str_eq(a->notes[i].text, b->notes[i].text);
    }
}

static void assert_same_case(const ks_case *a, const ks_case *b)
{
    assert_int_equal(a->id, b->id);
    assert_str_eq(a->shop, b->shop);
    assert_str_eq(a->customer, b->customer);
    assert_str_eq(a->agent, b->agent);
    assert_str_eq(a->summary, b->summary);
    assert_int_equal(a->has_order, b->has_order);
    assert_same_order(&a->order, &b->order);
    assert_int_equal(a->causes, b->causes);
    assert_int_equal(a->risk, b->risk);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->prev_state, b->prev_state);
    assert_int_equal(a->fault, b->fault);
    assert_int_equal(a->safety, b->safety);
    assert_int_equal(a->batch_issue, b->batch_issue);
    assert_int_equal(a->other_units_bad, b->other_units_bad);
    assert_int_equal(a->transit_damage, b->transit_damage);
    assert_int_equal(a->person_checked, b->person_checked);
    assert_int_equal(a->feedback_at, b->feedback_at);
    assert_int_equal(a->created_at, b->created_at);
    assert_int_equal(a->updated_at, b->updated_at);
    assert_int_equal(a->closed_at, b->closed_at);
    assert_int_equal(a->refused_offers, b->refused_offers);
    assert_int_equal(a->remedy, b->remedy);
    assert_true(a->remedy_amount == b->remedy_amount);
    assert_same_children(a, b);
}

/* ---- round trips and saves ------------------------------------------- */

static void round_trip_every_field(void **state)
{
    kt_db *f = *state;
    ks_case c, got;
    full_case(&c);
    create_ok(f->s, &c, KT_T0);
    assert_int_equal(c.updated_at, KT_T0);    /* stamped by the store */
    assert_int_equal(c.created_at, KT_T0 - DAY); /* given, so kept */
    assert_true(c.promises[0].id > 0 && c.promises[1].id > 0);
    assert_int_equal(ks_store_case_get(f->s, c.id, &got), KS_OK);
    assert_same_case(&c, &got);
    ks_case_free(&got);

    /* The defaults (NULLs, unknowns, no order) survive as well. */
    ks_case e;
    small_case(&e, "匿名", NULL);
    create_ok(f->s, &e, KT_T0 + 5);
    assert_int_equal(e.created_at, KT_T0 + 5);
    assert_int_equal(ks_store_case_get(f->s, e.id, &got), KS_OK);
    assert_same_case(&e, &got);
    ks_case_free(&got);

    assert_int_equal(ks_store_case_get(f->s, 999, &got), KS_ENOENT);
    assert_string_equal(ks_store_errmsg(f->s), "not found");
    assert_int_equal(ks_store_case_get(f->s, c.id, &got), KS_OK);
    assert_string_equal(ks_store_errmsg(f->s), "");   /* cleared */
    ks_case_free(&got);
    int64_t id = 0;
    assert_int_equal(ks_store_case_by_conv(f->s, "c-1002", &id), KS_OK);
    assert_int_equal(id, c.id);
    assert_int_equal(ks_store_case_by_conv(f->s, "c-none", &id), KS_ENOENT);
    ks_case_free(&c);
    ks_case_free(&e);
}

static void save_replaces_children_keeps_promise_ids(void **state)
{
    kt_db *f = *state;
    ks_case c, got;
    full_case(&c);
    create_ok(f->s, &c, KT_T0);
    int64_t kept_id = c.promises[0].id, dropped_id = c.promises[1].id;

    /* Drop a link, an evidence item and promise 1; change promise 0;
     * add a promise and a note. */
    ks_free(c.convs[1]);
    c.nconvs = 1;
    ks_free(c.evidence[0]);
    c.evidence[0] = ks_strdup("c-1001#m9");
    ks_free(c.promises[1].text);
    c.npromises = 1;
    c.promises[0].kept_at = KT_T0 + HOUR / 4;
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_tracking, "单号",
                                         KT_T0 + HOUR, KT_T0 + 2 * HOUR,
                                         NULL),
                     KS_OK);
    assert_int_equal(ks_case_add_note(&c, KT_T0 + HOUR, "a", "补发"), KS_OK);
    c.state = KS_STATE_resolving;
    c.risk = KS_RISK_high;
    ks_diags d = {0};
    assert_int_equal(ks_store_case_save(f->s, &c, "lead", KT_T0 + HOUR,
                                        "update", "{\"why\":\"test\"}", &d),
                     KS_OK);
    assert_int_equal(c.promises[0].id, kept_id);
    assert_true(c.promises[1].id > 0 && c.promises[1].id != kept_id &&
                c.promises[1].id != dropped_id);
    assert_int_equal(c.updated_at, KT_T0 + HOUR);

    assert_int_equal(ks_store_case_get(f->s, c.id, &got), KS_OK);
    assert_same_case(&c, &got);
    ks_case_free(&got);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM promises"), 2);
    int64_t id = 0;
    assert_int_equal(ks_store_case_by_conv(f->s, "c-1002", &id), KS_ENOENT);

    /* Two events, in order, the second with the given type and data. */
    ks_audit *ev = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_events(f->s, c.id, &ev, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].type, "create");
    assert_non_null(strstr(ev[0].data, "\"customer\":\"买家小王\""));
    assert_string_equal(ev[1].type, "update");
    assert_string_equal(ev[1].actor, "lead");
    assert_string_equal(ev[1].data, "{\"why\":\"test\"}");
    assert_int_equal(ev[1].seq, 2);
    assert_memory_equal(ev[1].prev, ev[0].hash, 32);
    ks_audits_free(ev, n);

    /* A promise id of another case is refused, and nothing changes. */
    ks_case o;
    small_case(&o, "other", NULL);
    assert_int_equal(ks_case_add_promise(&o, KS_PROMISE_reply, NULL, KT_T0,
                                         KT_T0 + 1, NULL),
                     KS_OK);
    create_ok(f->s, &o, KT_T0);
    o.promises[0].id = kept_id;
    assert_int_equal(ks_store_case_save(f->s, &o, "x", KT_T0 + 2, "update",
                                        NULL, &d),
                     KS_EINVAL);
    assert_diag(&d, 0, "promises[0]", "is not a promise of case");
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM audit"), 3);

    /* Unknown ids: ENOENT. */
    o.id = 4242;
    o.promises[0].id = 0;
    assert_int_equal(ks_store_case_save(f->s, &o, "x", KT_T0, "update", NULL,
                                        &d),
                     KS_ENOENT);
    ks_diags_free(&d);
    ks_case_free(&o);
    ks_case_free(&c);
}

static void validation_failure_writes_nothing(void **state)
{
    kt_db *f = *state;
    ks_case c;
    ks_case_init(&c);   /* no customer */
    assert_int_equal(ks_case_add_conv(&c, "c-1"), KS_OK);
    ks_diags d = {0};
    assert_int_equal(ks_store_case_create(f->s, &c, "t", KT_T0, &d),
                     KS_EINVAL);
    assert_diag(&d, 0, "customer", "missing");
    assert_non_null(strstr(ks_store_errmsg(f->s), "customer: missing"));
    assert_int_equal(c.id, 0);
    assert_int_equal(c.created_at, KS_TIME_NONE);  /* stamps undone */
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM cases"), 0);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM case_convs"), 0);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM audit"), 0);

    /* A save of a stored case that became invalid changes nothing. */
    c.customer = ks_strdup("客户");
    create_ok(f->s, &c, KT_T0);
    c.order.price = -3;
    c.has_order = 1;
    ks_diags_clear(&d);
    assert_int_equal(ks_store_case_save(f->s, &c, "t", KT_T0 + 1, "update",
                                        NULL, &d),
                     KS_EINVAL);
    assert_diag(&d, 0, "order.price", "negative");
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM audit"), 1);
    assert_int_equal(kt_raw_int(f->path, "SELECT has_order FROM cases"), 0);

    /* Event data that is not a JSON object is refused too. */
    c.order.price = 3;
    ks_diags_clear(&d);
    assert_int_equal(ks_store_case_save(f->s, &c, "t", KT_T0 + 1, "update",
                                        "not json", &d),
                     KS_EINVAL);
    assert_diag(&d, 0, "data", "not a JSON object");
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM audit"), 1);
    ks_diags_free(&d);
    ks_case_free(&c);
}

static void duplicate_conversation_refused(void **state)
{
    kt_db *f = *state;
    ks_case a, b;
    small_case(&a, "甲", NULL);
    assert_int_equal(ks_case_add_conv(&a, "c-1"), KS_OK);
    create_ok(f->s, &a, KT_T0);

    small_case(&b, "乙", NULL);
    assert_int_equal(ks_case_add_conv(&b, "c-2"), KS_OK);
    assert_int_equal(ks_case_add_conv(&b, "c-1"), KS_OK);
    assert_int_equal(ks_case_add_promise(&b, KS_PROMISE_reply, NULL, KT_T0,
                                         KT_T0 + 1, NULL),
                     KS_OK);
    ks_diags d = {0};
    assert_int_equal(ks_store_case_create(f->s, &b, "t", KT_T0, &d),
                     KS_EINVAL);
    assert_diag(&d, 0, "convs[1]", "c-1 is already linked to case 1");
    assert_non_null(strstr(ks_store_errmsg(f->s), "c-1"));
    assert_int_equal(b.id, 0);
    assert_int_equal(b.promises[0].id, 0);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM promises"), 0);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM audit"), 1);
    int64_t id = 0;
    assert_int_equal(ks_store_case_by_conv(f->s, "c-2", &id), KS_ENOENT);

    /* Inside an explicit transaction only the failed create is undone. */
    ks_case c;
    small_case(&c, "丙", NULL);
    assert_int_equal(ks_case_add_conv(&c, "c-3"), KS_OK);
    assert_int_equal(ks_store_begin(f->s), KS_OK);
    create_ok(f->s, &c, KT_T0);
    ks_diags_clear(&d);
    assert_int_equal(ks_store_case_create(f->s, &b, "t", KT_T0, &d),
                     KS_EINVAL);
    assert_int_equal(ks_store_commit(f->s), KS_OK);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM cases"), 2);
    assert_int_equal(ks_store_case_by_conv(f->s, "c-3", &id), KS_OK);
    assert_int_equal(id, c.id);

    /* The same conversation twice in one case (ks_case_add_conv would
     * not add it twice; a case built by hand can). */
    ks_case t;
    small_case(&t, "丁", NULL);
    assert_int_equal(ks_case_add_conv(&t, "c-9"), KS_OK);
    char **v = ks_realloc(t.convs, 2 * sizeof *v);
    assert_non_null(v);
    t.convs = v;
    t.convs[t.nconvs++] = ks_strdup("c-9");
    ks_diags_clear(&d);
    assert_int_equal(ks_store_case_create(f->s, &t, "t", KT_T0, &d),
                     KS_EINVAL);
    assert_diag(&d, 0, "convs[1]", "c-9 is listed twice");
    assert_int_equal(ks_store_verify(f->s, NULL, NULL, NULL, NULL), KS_OK);
    ks_diags_free(&d);
    ks_case_free(&a);
    ks_case_free(&b);
    ks_case_free(&c);
    ks_case_free(&t);
}

/* ---- lists, due promises, counts -------------------------------------- */

typedef struct spec {
    const char *customer, *shop, *agent;
    ks_risk risk;
    ks_state state;
    int64_t now;
} spec;

static int64_t make(ks_store *s, const spec *p)
{
    ks_case c;
    small_case(&c, p->customer, p->shop);
    c.agent = p->agent ? ks_strdup(p->agent) : NULL;
    c.risk = p->risk;
    c.state = p->state;
    int64_t id = create_ok(s, &c, p->now);
    ks_case_free(&c);
    return id;
}

static void list_filters_and_order(void **state)
{
    kt_db *f = *state;
    static const spec sp[] = {
        {"u1", "s1", "a1", KS_RISK_normal, KS_STATE_new, KT_T0 + 1},
        {"u2", "s1", "a2", KS_RISK_critical, KS_STATE_soothing, KT_T0 + 2},
        {"u3", "s2", "a1", KS_RISK_normal, KS_STATE_closed, KT_T0 + 3},
        {"u1", "s1", "a1", KS_RISK_high, KS_STATE_verifying, KT_T0 + 4},
        {"u4", "s2", "a2", KS_RISK_critical, KS_STATE_new, KT_T0 + 5},
    };
    int64_t ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = make(f->s, &sp[i]);
    ks_case_row *r = NULL;
    size_t n = 0;

    assert_int_equal(ks_store_case_list(f->s, NULL, &r, &n), KS_OK);
    assert_int_equal(n, 5);
    /* risk desc, then newest first */
    static const int want[] = {4, 1, 3, 2, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(r[i].id, ids[want[i]]);
    assert_string_equal(r[0].customer, "u4");
    assert_string_equal(r[0].agent, "a2");
    assert_int_equal(r[0].risk, KS_RISK_critical);
    assert_int_equal(r[0].updated_at, KT_T0 + 5);
    assert_int_equal(r[0].next_due, KS_TIME_NONE);
    ks_case_rows_free(r, n);

    ks_case_filter fl = {.state = -1, .min_risk = -1, .shop = "s1",
                         .customer = "u1"};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].id, ids[3]);
    assert_int_equal(r[1].id, ids[0]);
    ks_case_rows_free(r, n);

    /* the same through the customer index alone, and shop with agent */
    fl = (ks_case_filter){.state = -1, .min_risk = -1, .customer = "u1"};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].id, ids[3]);
    ks_case_rows_free(r, n);
    fl = (ks_case_filter){.state = -1, .min_risk = -1, .shop = "s1",
                          .agent = "a1"};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].id, ids[3]);
    assert_int_equal(r[1].id, ids[0]);
    ks_case_rows_free(r, n);

    fl = (ks_case_filter){.state = -1, .min_risk = KS_RISK_high,
                          .agent = "a2"};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].id, ids[4]);
    assert_int_equal(r[1].id, ids[1]);
    ks_case_rows_free(r, n);

    fl = (ks_case_filter){.state = -1, .min_risk = -1, .open_only = 1,
                          .shop = "s2"};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].id, ids[4]);
    ks_case_rows_free(r, n);

    fl = (ks_case_filter){.state = KS_STATE_new, .min_risk = -1};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 2);
    ks_case_rows_free(r, n);

    /* paging */
    fl = (ks_case_filter){.state = -1, .min_risk = -1, .limit = 2,
                          .offset = 2};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].id, ids[3]);
    assert_int_equal(r[1].id, ids[2]);
    ks_case_rows_free(r, n);

    /* an agents list (a lead's team), applied before the limit */
    static const char *const team[] = {"a2", "nobody"};
    fl = (ks_case_filter){.state = -1, .min_risk = -1, .shop = "s1",
                          .limit = 1, .agents = team, .nagents = 2};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].id, ids[1]);
    assert_string_equal(r[0].shop, "s1");
    ks_case_rows_free(r, n);
    static const char *const quote[] = {"a1' OR '1'='1", "a1\"]"};
    fl = (ks_case_filter){.state = -1, .min_risk = -1, .agents = quote,
                          .nagents = 2};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 0);
    ks_case_rows_free(r, n);
    fl = (ks_case_filter){.state = -1, .min_risk = -1, .agents = team,
                          .nagents = 0};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 0);
    ks_case_rows_free(r, n);

    /* a filter value with SQL in it is only data */
    fl = (ks_case_filter){.state = -1, .min_risk = -1,
                          .shop = "s1' OR '1'='1"};
    assert_int_equal(ks_store_case_list(f->s, &fl, &r, &n), KS_OK);
    assert_int_equal(n, 0);
    ks_case_rows_free(r, n);
}

/* A case of risk `risk` with open promises due at the given times (and
 * one kept promise due earliest of all, which must never show). */
static int64_t with_promises(ks_store *s, const char *customer, ks_risk risk,
                             const int64_t *due, size_t n)
{
    ks_case c;
    small_case(&c, customer, "s");
    c.risk = risk;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_callback, "回电",
                                             KT_T0 - DAY, due[i], NULL),
                         KS_OK);
    size_t k;
    assert_int_equal(ks_case_add_promise(&c, KS_PROMISE_refund, NULL,
                                         KT_T0 - DAY, KT_T0 - DAY, &k),
                     KS_OK);
    c.promises[k].kept_at = KT_T0 - DAY;
    int64_t id = create_ok(s, &c, KT_T0);
    ks_case_free(&c);
    return id;
}

static void due_order_and_kept_excluded(void **state)
{
    kt_db *f = *state;
    int64_t dn[] = {KT_T0 - 5 * HOUR, KT_T0 + 5 * HOUR};
    int64_t dc[] = {KT_T0 - HOUR};
    int64_t dh[] = {KT_T0 - 2 * HOUR, KT_T0 - 3 * HOUR};
    int64_t normal = with_promises(f->s, "n", KS_RISK_normal, dn, 2);
    int64_t crit = with_promises(f->s, "c", KS_RISK_critical, dc, 1);
    int64_t high = with_promises(f->s, "h", KS_RISK_high, dh, 2);

    ks_due *r = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_due(f->s, KT_T0, 0, &r, &n), KS_OK);
    assert_int_equal(n, 4);
    assert_int_equal(r[0].case_id, crit);
    assert_int_equal(r[0].risk, KS_RISK_critical);
    assert_int_equal(r[0].due_at, KT_T0 - HOUR);
    assert_string_equal(r[0].text, "回电");
    assert_string_equal(r[0].customer, "c");
    assert_int_equal(r[0].kind, KS_PROMISE_callback);
    assert_int_equal(r[1].case_id, high);
    assert_int_equal(r[1].due_at, KT_T0 - 3 * HOUR);
    assert_int_equal(r[2].due_at, KT_T0 - 2 * HOUR);
    assert_int_equal(r[3].case_id, normal);
    assert_int_equal(r[3].due_at, KT_T0 - 5 * HOUR);
    ks_due_free(r, n);

    assert_int_equal(ks_store_due(f->s, KT_T0 + DAY, 2, &r, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r[1].case_id, high);
    ks_due_free(r, n);

    /* Raising the risk of the normal case moves its promises up. */
    ks_case c;
    assert_int_equal(ks_store_case_get(f->s, normal, &c), KS_OK);
    c.risk = KS_RISK_critical;
    c.promises[1].kept_at = KT_T0;   /* and keeping one removes it */
    assert_int_equal(ks_store_case_save(f->s, &c, "t", KT_T0, "update", NULL,
                                        NULL),
                     KS_OK);
    ks_case_free(&c);
    assert_int_equal(ks_store_due(f->s, KT_T0 + DAY, 0, &r, &n), KS_OK);
    assert_int_equal(n, 4);
    assert_int_equal(r[0].case_id, normal);
    assert_int_equal(r[0].due_at, KT_T0 - 5 * HOUR);
    assert_int_equal(r[1].case_id, crit);
    ks_due_free(r, n);

    /* scoped: by agent list and by shop */
    ks_case_filter sf = {.state = -1, .min_risk = -1, .shop = "s"};
    assert_int_equal(ks_store_due_filter(f->s, &sf, KT_T0 + DAY, &r, &n),
                     KS_OK);
    assert_int_equal(n, 4);
    ks_due_free(r, n);
    sf.shop = "other";
    assert_int_equal(ks_store_due_filter(f->s, &sf, KT_T0 + DAY, &r, &n),
                     KS_OK);
    assert_int_equal(n, 0);
    ks_due_free(r, n);
    static const char *const none[] = {"x"};
    sf = (ks_case_filter){.state = -1, .min_risk = -1, .agents = none,
                          .nagents = 1};
    assert_int_equal(ks_store_due_filter(f->s, &sf, KT_T0 + DAY, &r, &n),
                     KS_OK);
    assert_int_equal(n, 0);
    ks_due_free(r, n);
    sf = (ks_case_filter){.state = -1, .min_risk = -1, .limit = 1};
    assert_int_equal(ks_store_due_filter(f->s, &sf, KT_T0 + DAY, &r, &n),
                     KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].case_id, normal);
    ks_due_free(r, n);

    /* next_due in the list is the earliest open promise */
    ks_case_row *rows = NULL;
    ks_case_filter fl = {.state = -1, .min_risk = -1, .customer = "h"};
    assert_int_equal(ks_store_case_list(f->s, &fl, &rows, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].next_due, KT_T0 - 3 * HOUR);
    ks_case_rows_free(rows, n);
}

static void batch_and_customer_counts(void **state)
{
    kt_db *f = *state;
    static const struct {
        const char *customer, *shop, *sku, *batch;
    } t[] = {
        {"u1", "s1", "K1", "B1"}, {"u1", "s1", "K1", "B1"},
        {"u1", "s2", "K1", "B2"}, {"u2", "s1", "K2", "B1"},
        {"u3", NULL, "K1", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ks_case c;
        small_case(&c, t[i].customer, t[i].shop);
        c.has_order = 1;
        c.order.sku = ks_strdup(t[i].sku);
        c.order.batch = t[i].batch ? ks_strdup(t[i].batch) : NULL;
        create_ok(f->s, &c, KT_T0);
        ks_case_free(&c);
    }
    int n = -1;
    assert_int_equal(ks_store_count_batch(f->s, "K1", "B1", &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ks_store_count_batch(f->s, "K1", "B2", &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_store_count_batch(f->s, "K1", NULL, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_store_count_batch(f->s, "K9", "B1", &n), KS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(ks_store_count_customer(f->s, "s1", "u1", &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ks_store_count_customer(f->s, "s2", "u1", &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_store_count_customer(f->s, NULL, "u3", &n), KS_OK);
    assert_int_equal(n, 1);
}

/* ---- transactions, reopening, migrations ----------------------------- */

static void rollback_leaves_nothing(void **state)
{
    kt_db *f = *state;
    ks_case a, b;
    small_case(&a, "a", NULL);
    small_case(&b, "b", NULL);
    assert_int_equal(ks_store_begin(f->s), KS_OK);
    assert_int_equal(ks_store_begin(f->s), KS_ESTATE);
    create_ok(f->s, &a, KT_T0);
    create_ok(f->s, &b, KT_T0);
    assert_int_equal(ks_store_rollback(f->s), KS_OK);
    ks_case got;
    assert_int_equal(ks_store_case_get(f->s, a.id, &got), KS_ENOENT);
    assert_int_equal(ks_store_case_get(f->s, b.id, &got), KS_ENOENT);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM audit"), 0);
    assert_int_equal(ks_store_commit(f->s), KS_ESTATE);

    /* and a commit keeps both, with a chain of two */
    a.id = b.id = 0;
    assert_int_equal(ks_store_begin(f->s), KS_OK);
    create_ok(f->s, &a, KT_T0);
    create_ok(f->s, &b, KT_T0);
    assert_int_equal(ks_store_commit(f->s), KS_OK);
    size_t checked = 0;
    assert_int_equal(ks_store_verify(f->s, NULL, NULL, &checked, NULL),
                     KS_OK);
    assert_int_equal(checked, 2);
    ks_case_free(&a);
    ks_case_free(&b);
}

static void reopen_keeps_data_and_version(void **state)
{
    kt_db *f = *state;
    ks_case c, got;
    full_case(&c);
    create_ok(f->s, &c, KT_T0);
    ks_store_close(f->s);
    f->s = NULL;
    assert_int_equal(kt_raw_int(f->path, "SELECT schema_version FROM meta"), 2);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM pragma_journal_mode"
                                      " WHERE journal_mode = 'wal'"),
                     1);

    char uri[160];
    snprintf(uri, sizeof uri, "sqlite:%s", f->path);
    f->s = kt_db_open(uri);
    assert_int_equal(ks_store_case_get(f->s, c.id, &got), KS_OK);
    assert_same_case(&c, &got);
    ks_case_free(&got);
    ks_case e;
    small_case(&e, "再来", NULL);
    create_ok(f->s, &e, KT_T0 + 1);
    size_t checked = 0;
    assert_int_equal(ks_store_verify(f->s, NULL, NULL, &checked, NULL),
                     KS_OK);
    assert_int_equal(checked, 2);
    assert_int_equal(kt_raw_int(f->path, "SELECT schema_version FROM meta"), 2);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM meta"), 1);
    ks_case_free(&c);
    ks_case_free(&e);
}

static void future_schema_refused(void **state)
{
    kt_db *f = *state;
    ks_store_close(f->s);
    f->s = NULL;
    kt_raw_exec(f->path, "UPDATE meta SET schema_version = 99");
    ks_diags d = {0};
    ks_store *s = NULL;
    assert_int_equal(ks_store_open(f->path, &s, &d), KS_EDB);
    assert_null(s);
    assert_diag(&d, 0, f->path, "schema version 99, newer than this kesu");
    ks_diags_free(&d);
}

static void bad_uris(void **state)
{
    kt_db *f = *state;
    ks_diags d = {0};
    ks_store *s = NULL;
    assert_int_equal(ks_store_open("postgres://db/kesu", &s, &d), KS_EINVAL);
    assert_diag(&d, 0, "postgres://db/kesu", "not built yet");
    assert_int_equal(ks_store_open("postgresql://x", &s, &d), KS_EINVAL);
    assert_int_equal(ks_store_open("mysql://x", &s, &d), KS_EINVAL);
    assert_diag(&d, 0, "mysql://x", "unknown database URI");
    assert_int_equal(ks_store_open("", &s, &d), KS_EINVAL);
    assert_int_equal(ks_store_open("/nonexistent/dir/x.db", &s, &d), KS_EDB);
    assert_diag(&d, 0, "/nonexistent/dir/x.db", "cannot open");
    assert_null(s);

    /* a file that is not a database */
    char p[128];
    snprintf(p, sizeof p, "%s/junk.db", f->dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    for (int i = 0; i < 100; i++)
        fputs("this is not an sqlite database at all\n", fp);
    fclose(fp);
    assert_int_equal(ks_store_open(p, &s, &d), KS_EDB);
    assert_diag(&d, 0, p, "not a database");
    unlink(p);
    ks_diags_free(&d);
}

/* ---- the audit chain ------------------------------------------------ */

/* Five events over three cases: 1 create A, 2 create B, 3 save A,
 * 4 create C, 5 save B. */
static void five_events(ks_store *s, int64_t ids[3])
{
    ks_case c[3];
    const char *names[] = {"A", "B", "C"};
    for (int i = 0; i < 3; i++)
        small_case(&c[i], names[i], NULL);
    ids[0] = create_ok(s, &c[0], KT_T0);
    ids[1] = create_ok(s, &c[1], KT_T0 + 1);
    c[0].state = KS_STATE_soothing;
    assert_int_equal(ks_store_case_save(s, &c[0], "t", KT_T0 + 2, "move",
                                        "{\"to\":\"soothing\"}", NULL),
                     KS_OK);
    ids[2] = create_ok(s, &c[2], KT_T0 + 3);
    assert_int_equal(ks_store_case_save(s, &c[1], "t", KT_T0 + 4, "note",
                                        NULL, NULL),
                     KS_OK);
    for (int i = 0; i < 3; i++)
        ks_case_free(&c[i]);
}

static void verify_intact(void **state)
{
    kt_db *f = *state;
    size_t checked = 99;
    int64_t bad = -1, bc = -1;
    ks_diags d = {0};
    assert_int_equal(ks_store_verify(f->s, &bad, &bc, &checked, &d), KS_OK);
    assert_int_equal(checked, 0);   /* an empty chain holds */
    int64_t ids[3];
    five_events(f->s, ids);
    assert_int_equal(ks_store_verify(f->s, &bad, &bc, &checked, &d), KS_OK);
    assert_int_equal(checked, 5);
    assert_int_equal(bad, 0);
    assert_int_equal(d.n, 0);

    /* the hash is what ks_audit_hash says, chained from zeros */
    ks_audit *ev = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_events(f->s, ids[0], &ev, &n), KS_OK);
    assert_int_equal(n, 2);
    unsigned char zero[32] = {0}, h[32];
    assert_memory_equal(ev[0].prev, zero, 32);
    ks_audit_hash(&ev[0], h);
    assert_memory_equal(h, ev[0].hash, 32);
    assert_int_equal(ev[1].seq, 3);
    assert_string_equal(ev[1].type, "move");
    /* NULL and "" hash differently */
    ks_audit x = ev[1];
    x.data = NULL;
    ks_audit_hash(&x, h);
    unsigned char h2[32];
    x.data = "";
    ks_audit_hash(&x, h2);
    assert_memory_not_equal(h, h2, 32);
    ks_audits_free(ev, n);
    ks_diags_free(&d);
}

static void verify_detects_altered_event(void **state)
{
    kt_db *f = *state;
    int64_t ids[3];
    five_events(f->s, ids);
    kt_raw_exec(f->path, "UPDATE audit SET data = '{\"to\":\"closed\"}'"
                      " WHERE seq = 3");
    int64_t bad = 0, bc = 0;
    size_t checked = 0;
    ks_diags d = {0};
    assert_int_equal(ks_store_verify(f->s, &bad, &bc, &checked, &d),
                     KS_ECORRUPT);
    assert_int_equal(bad, 3);
    assert_int_equal(bc, ids[0]);
    assert_int_equal(checked, 2);
    char msg[96];
    snprintf(msg, sizeof msg, "audit event 3 (case %lld, move): hash mismatch",
             (long long)ids[0]);
    assert_diag(&d, 0, "audit 3", msg);
    ks_diags_free(&d);
}

static void verify_detects_rehashed_event(void **state)
{
    kt_db *f = *state;
    int64_t ids[3];
    five_events(f->s, ids);
    /* A forger who recomputes the altered event's own hash still breaks
     * the next event's link. */
    ks_audit *ev = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_events(f->s, ids[2], &ev, &n), KS_OK);
    assert_int_equal(n, 1);
    ks_free(ev[0].actor);
    ev[0].actor = ks_strdup("someone else");
    unsigned char h[32];
    ks_audit_hash(&ev[0], h);
    char sql[256], hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(sql, sizeof sql,
             "UPDATE audit SET actor = 'someone else', hash = x'%s'"
             " WHERE seq = 4", hex);
    kt_raw_exec(f->path, sql);
    ks_audits_free(ev, n);

    int64_t bad = 0, bc = 0;
    ks_diags d = {0};
    assert_int_equal(ks_store_verify(f->s, &bad, &bc, NULL, &d), KS_ECORRUPT);
    assert_int_equal(bad, 5);
    assert_int_equal(bc, ids[1]);
    assert_diag(&d, 0, "audit 5", "broken link");
    ks_diags_free(&d);
}

static void verify_detects_removed_event(void **state)
{
    kt_db *f = *state;
    int64_t ids[3];
    five_events(f->s, ids);
    kt_raw_exec(f->path, "DELETE FROM audit WHERE seq = 2");
    int64_t bad = 0, bc = 0;
    ks_diags d = {0};
    assert_int_equal(ks_store_verify(f->s, &bad, &bc, NULL, &d), KS_ECORRUPT);
    assert_int_equal(bad, 3);
    assert_int_equal(bc, ids[0]);
    assert_diag(&d, 0, "audit 3", "missing seq 2");
    ks_diags_free(&d);

    /* Renumbering to close the gap breaks the link instead. */
    kt_raw_exec(f->path, "UPDATE audit SET seq = seq - 1 WHERE seq > 2");
    memset(&d, 0, sizeof d);
    assert_int_equal(ks_store_verify(f->s, &bad, &bc, NULL, &d), KS_ECORRUPT);
    assert_int_equal(bad, 2);
    assert_diag(&d, 0, "audit 2", "broken link");
    ks_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, kt_db_setup, kt_db_teardown)
        T(round_trip_every_field),
        T(save_replaces_children_keeps_promise_ids),
        T(validation_failure_writes_nothing),
        T(duplicate_conversation_refused),
        T(list_filters_and_order),
        T(due_order_and_kept_excluded),
        T(batch_and_customer_counts),
        T(rollback_leaves_nothing),
        T(reopen_keeps_data_and_version),
        T(future_schema_refused),
        T(bad_uris),
        T(verify_intact),
        T(verify_detects_altered_event),
        T(verify_detects_rehashed_event),
        T(verify_detects_removed_event),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
