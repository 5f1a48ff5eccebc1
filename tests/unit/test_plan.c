/* Fault analysis and the resolution planner (plan.h) against the seeds:
 * 000 (ham sausage), 002 (power bank fire), 003 (refund types). The
 * policy is built by hand so the figures under test are visible here. */
#include "kt.h"

#define DAY 86400000LL

/* ---- a hand-built policy ------------------------------------------------ */

static ks_window windows[] = {
    {.category = "food", .days = 7, .no_reason_return = 0,
     .source = "seed 000 §六: 食品超过7天不受理"},
    {.category = "*", .days = 15, .no_reason_return = 1,
     .source = "消保法 Art. 25; taobao 15 days"},
};
static ks_carrier_norm carriers[] = {{.carrier = "zto", .transit_days = 3},
                                     {.carrier = "*", .transit_days = 4}};
static char *perishable[] = {"food"};
static double ladder[] = {1.0 / 3, 2.0 / 3, 1.0};

static ks_policy policy(ks_stance stance)
{
    ks_policy p = {
        .utc_offset_min = 480,
        .windows = windows, .nwindows = 2,
        .carriers = carriers, .ncarriers = 2,
        .perishable = perishable, .nperishable = 1,
        .stance = stance,
        .goodwill_max_price = 50,
        .compensation_share = 0.3,
        .ladder = ladder, .nladder = 3,
        .batch_threshold = 3,
        .repeat_contacts_high = 3,
    };
    return p;
}

/* YYYY-MM-DD 10:00 +08:00 */
static int64_t at_ymd(int year, int month, int day)
{
    char iso[40];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT10:00:00+08:00", year, month,
             day);
    int64_t t = 0;
    assert_int_equal(ks_time_parse(iso, &t), KS_OK);
    return t;
}

static int64_t at(int month, int day)
{
    return at_ymd(2024, month, day);
}

/* ---- cases (strings are static: never ks_case_free these) -------------- */

/* Seed 000: a box of ham sausage, one spoiled, the rest fine. Ordered 6/1,
 * delivered 6/3 by zto, reported 6/5 (KT_T0). */
static void ham(ks_case *c)
{
    ks_case_init(c);
    c->customer = "小林";
    c->causes = 1u << KS_CAUSE_product;
    c->risk = KS_RISK_elevated;
    c->has_order = 1;
    c->order.id = "o-000";
    c->order.sku = "ham-sausage-box";
    c->order.batch = "B20240520";
    c->order.category = "food";
    c->order.carrier = "zto";
    c->order.price = 29.9;
    c->order.cost = 12;
    c->order.ordered_at = at(6, 1);
    c->order.delivered_at = at(6, 3);
    c->order.shelf_life_days = 90;
    c->feedback_at = KT_T0;
    c->other_units_bad = 0;
}

/* The same box reported 40 days after delivery, every unit bad. */
static void ham_late(ks_case *c)
{
    ham(c);
    c->feedback_at = at(7, 13);
    c->other_units_bad = 1;
}

/* Seed 002: a power bank bought half a year ago caught fire in a bag. */
static void power_bank(ks_case *c)
{
    ks_case_init(c);
    c->customer = "琳";
    c->causes = 1u << KS_CAUSE_product;
    c->risk = KS_RISK_critical;
    c->safety = 1;
    c->has_order = 1;
    c->order.sku = "pb-10000";
    c->order.category = "digital";
    c->order.carrier = "sf";
    c->order.price = 199;
    c->order.ordered_at = at(1, 2);
    c->order.delivered_at = at(1, 4);
    c->feedback_at = KT_T0;
}

/* A shirt (not perishable, 7-day no-reason return), delivered 6/3. */
static void shirt(ks_case *c, uint32_t causes, int64_t feedback)
{
    ks_case_init(c);
    c->customer = "向先生";
    c->causes = causes;
    c->has_order = 1;
    c->order.category = "apparel";
    c->order.carrier = "zto";
    c->order.price = 129;
    c->order.ordered_at = at(6, 1);
    c->order.delivered_at = at(6, 3);
    c->feedback_at = feedback;
}

/* ---- helpers ------------------------------------------------------------ */

static int has_line(const ks_lines *l, const char *needle)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->items[i], needle))
            return 1;
    return 0;
}

#define assert_line(l, needle)                                           \
    do {                                                                 \
        if (!has_line((l), (needle))) {                                  \
            fprintf(stderr, "no line containing \"%s\" in:\n", (needle)); \
            for (size_t i_ = 0; i_ < (l)->n; i_++)                       \
                fprintf(stderr, "    %s\n", (l)->items[i_]);             \
            fail();                                                      \
        }                                                                \
    } while (0)

#define assert_amount(v, want) assert_true(absd((v) - (want)) < 0.001)

static double absd(double v)
{
    return v < 0 ? -v : v;
}

typedef struct run {
    ks_fault_result f;
    ks_plan pl;
} run;

static void analyse(const ks_case *c, const ks_policy *p, int batch,
                    int refused, int prior_orders, int prior_complaints,
                    run *r)
{
    ks_fault_input fi = {.c = c, .batch_reports = batch, .now = KT_T0};
    assert_int_equal(ks_fault_analyze(&fi, p, &r->f), KS_OK);
    ks_plan_input pi = {.c = c, .fault = &r->f,
                        .prior_orders = prior_orders,
                        .prior_complaints = prior_complaints,
                        .refused_offers = refused};
    assert_int_equal(ks_plan_make(&pi, p, &r->pl), KS_OK);
}

static void run_free(run *r)
{
    ks_plan_free(&r->pl);
    ks_fault_result_free(&r->f);
}

static void plan_for(const ks_case *c, ks_stance stance, int refused, run *r)
{
    ks_policy p = policy(stance);
    analyse(c, &p, 0, refused, 10, 0, r);
}

/* ---- lines -------------------------------------------------------------- */

static void lines_format_and_free(void **state)
{
    (void)state;
    ks_lines l = {0};
    for (int i = 0; i < 20; i++)
        assert_int_equal(ks_lines_addf(&l, "第 %d 行 %s", i, "事实"), KS_OK);
    assert_int_equal(l.n, 20);
    assert_string_equal(l.items[7], "第 7 行 事实");
    ks_lines_free(&l);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    ks_lines_free(&l);   /* twice is harmless */
}

/* ---- seed 000: ham sausage --------------------------------------------- */

static void ham_is_product_fault_in_window(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_product);
    assert_int_equal(r.f.seller_side, 1);
    assert_int_equal(r.f.in_window, 1);
    assert_int_equal(r.f.past_shelf_life, 0);
    assert_int_equal(r.f.transit_days, 2);
    assert_int_equal(r.f.feedback_days, 2);
    assert_line(&r.f.why, "6月1日下单,6月3日签收:运输 2 天,在 zto 常规 3 天以内");
    assert_line(&r.f.why, "6月3日签收,6月5日反馈:相隔 2 天,在 food 售后期 7 天以内");
    assert_line(&r.f.why, "保质期 90 天:按6月1日下单算最晚8月30日到期");
    assert_line(&r.f.why, "其他几件都正常");
    assert_line(&r.f.why, "结论:商品个别问题");
    run_free(&r);
}

static void ham_two_choice(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    const ks_plan *pl = &r.pl;
    assert_int_equal(pl->noffers, 2);
    assert_int_equal(pl->offers[0].remedy, KS_REMEDY_compensate);
    assert_amount(pl->offers[0].amount, 9);   /* 29.9 x 0.3 = 8.97 -> 9 */
    assert_int_equal(pl->offers[0].choice_group, 1);
    assert_string_equal(pl->offers[0].script, "offer.two_choice");
    assert_non_null(strstr(pl->offers[0].why, "补偿 9 元"));
    assert_int_equal(pl->offers[1].remedy, KS_REMEDY_reship);
    assert_int_equal(pl->offers[1].choice_group, 1);
    assert_string_equal(pl->offers[1].script, "offer.two_choice");
    assert_true(pl->offers[1].amount < 0);
    assert_int_equal(pl->escalate_to_lead, 0);
    assert_int_equal(pl->flag_batch, 0);
    /* seed 003: spoiled food, seller side -> 仅退款 */
    assert_int_equal(pl->refund_type, KS_REMEDY_refund);
    assert_string_equal(pl->responsibility, "seller");
    assert_line(&pl->refund_advice, "仅退款");
    /* SPEC 2.5: 10 x 29.9 = 299 < 1000 -> 1000; 3 x 29.9 = 89.7 */
    assert_line(&pl->tips, "食品安全法");
    assert_line(&pl->tips, "1000 元");
    assert_line(&pl->tips, "89.7 元");
    assert_line(&pl->tips, "第24条");
    assert_line(&pl->checklist, "单号第一时间发给客户");
    assert_line(&pl->checklist, "不要再食用");
    run_free(&r);
}

static void ham_ladder_after_refusals(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    static const struct {
        int refused, step;
        ks_remedy remedy;
        double amount;
        const char *script;
    } want[] = {
        {1, 1, KS_REMEDY_partial_refund, 9.97, "offer.ladder"},
        {2, 2, KS_REMEDY_partial_refund, 19.93, "offer.ladder"},
        {3, 3, KS_REMEDY_refund, 29.9, "offer.full_refund"},
        {5, 3, KS_REMEDY_refund, 29.9, "offer.full_refund"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        run r;
        plan_for(&c, KS_STANCE_REPUTATION, want[i].refused, &r);
        assert_int_equal(r.pl.noffers, 1);
        const ks_offer *o = &r.pl.offers[0];
        assert_int_equal(o->step, want[i].step);
        assert_int_equal(o->remedy, want[i].remedy);
        assert_amount(o->amount, want[i].amount);
        assert_string_equal(o->script, want[i].script);
        assert_int_equal(o->choice_group, 0);
        if (want[i].refused > 3)
            assert_line(&r.pl.checklist, "转主管");
        run_free(&r);
    }
}

/* A policy without a ladder: the first refusal goes straight to the full
 * refund, the last step of any ladder. */
static void empty_ladder_is_full_refund(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    ks_policy p = policy(KS_STANCE_REPUTATION);
    p.ladder = NULL;
    p.nladder = 0;
    run r;
    analyse(&c, &p, 0, 1, 10, 0, &r);
    assert_int_equal(r.pl.noffers, 1);
    assert_int_equal(r.pl.offers[0].step, 1);
    assert_string_equal(r.pl.offers[0].script, "offer.full_refund");
    assert_false(has_line(&r.pl.checklist, "转主管"));
    run_free(&r);
    analyse(&c, &p, 0, 2, 10, 0, &r);
    assert_line(&r.pl.checklist, "转主管");
    run_free(&r);
}

/* Across new year the later date carries its year; the zone is the
 * policy's (23:30 UTC on 12/31 is already 1/1 in Beijing). */
static void dates_in_local_zone(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    c.order.ordered_at = at_ymd(2023, 12, 30);
    c.order.delivered_at = at_ymd(2023, 12, 31) + 21 * 3600000LL + 1800000;
    c.feedback_at = at_ymd(2024, 1, 2);
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.f.transit_days, 2);
    assert_int_equal(r.f.feedback_days, 1);
    assert_line(&r.f.why, "12月30日下单,2024年1月1日签收:运输 2 天");
    run_free(&r);
}

/* ---- seed 000 §三/§六: the customer's own storage ---------------------- */

static void ham_late_is_customer_fault(void **state)
{
    (void)state;
    ks_case c;
    ham_late(&c);
    run r;
    plan_for(&c, KS_STANCE_COST, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_customer);
    assert_int_equal(r.f.seller_side, 0);
    assert_int_equal(r.f.in_window, 0);
    assert_int_equal(r.f.feedback_days, 40);
    assert_line(&r.f.why, "相隔 40 天,已超过 food 售后期 7 天");
    assert_line(&r.f.why, "大概率就是客户自己个人存放的问题");
    /* cost stance: refuse, with the dates */
    assert_int_equal(r.pl.noffers, 1);
    assert_int_equal(r.pl.offers[0].remedy, KS_REMEDY_refuse);
    assert_string_equal(r.pl.offers[0].script, "refuse.out_of_window");
    assert_non_null(strstr(r.pl.offers[0].why, "6月3日签收,7月13日才反馈"));
    assert_non_null(strstr(r.pl.offers[0].why, "成本优先"));
    assert_string_equal(r.pl.responsibility, "buyer");
    assert_int_equal(r.pl.refund_type, KS_REMEDY_refuse);
    assert_line(&r.pl.refund_advice, "易腐商品不适用七天无理由");
    assert_line(&r.pl.tips, "第25条");
    assert_false(has_line(&r.pl.tips, "食品安全法"));
    run_free(&r);
}

static void ham_late_goodwill_when_cheap(void **state)
{
    (void)state;
    ks_case c;
    ham_late(&c);
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.pl.noffers, 2);
    assert_int_equal(r.pl.offers[0].remedy, KS_REMEDY_refund);
    assert_amount(r.pl.offers[0].amount, 29.9);
    assert_int_equal(r.pl.offers[0].choice_group, 1);
    assert_int_equal(r.pl.offers[1].remedy, KS_REMEDY_reship);
    assert_int_equal(r.pl.offers[1].choice_group, 1);
    assert_string_equal(r.pl.responsibility, "buyer");
    assert_int_equal(r.pl.refund_type, KS_REMEDY_refund);
    run_free(&r);
}

static void ham_late_refused_when_costly(void **state)
{
    (void)state;
    ks_case c;
    ham_late(&c);
    c.order.price = 299;
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.pl.noffers, 1);
    assert_int_equal(r.pl.offers[0].remedy, KS_REMEDY_refuse);
    assert_non_null(strstr(r.pl.offers[0].why, "价格 299 元高于口碑让步上限 50 元"));
    run_free(&r);
}

static void past_shelf_life_is_customer(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    c.order.shelf_life_days = 2;   /* expired 6/3, reported 6/5 */
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.f.past_shelf_life, 1);
    assert_int_equal(r.f.fault, KS_FAULT_customer);
    assert_line(&r.f.why, "最晚6月3日到期,6月5日反馈时已过保质期");
    run_free(&r);
}

/* ---- seed 002: power bank fire ----------------------------------------- */

static void power_bank_safety_first(void **state)
{
    (void)state;
    ks_case c;
    power_bank(&c);
    run r;
    plan_for(&c, KS_STANCE_COST, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_unknown);
    assert_line(&r.f.why, "取回商品查明事故原因");
    const ks_plan *pl = &r.pl;
    assert_true(pl->checklist.n >= 5);
    assert_non_null(strstr(pl->checklist.items[0], "有没有受伤"));
    assert_non_null(strstr(pl->checklist.items[1], "取回商品"));
    assert_non_null(strstr(pl->checklist.items[2], "损失清单"));
    assert_line(&pl->checklist, "安抚");
    assert_line(&pl->checklist, "告知主管");
    assert_int_equal(pl->escalate_to_lead, 1);
    assert_int_equal(pl->noffers, 1);
    assert_int_equal(pl->offers[0].remedy, KS_REMEDY_full_remedy);
    assert_string_equal(pl->offers[0].script, "offer.full_remedy");
    assert_non_null(strstr(pl->offers[0].why, "包赔实际损失"));
    assert_line(&pl->tips, "王老吉");
    assert_line(&pl->tips, "产品质量法");
    assert_false(has_line(&pl->tips, "食品安全法"));
    run_free(&r);
}

static void critical_risk_escalates(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    c.risk = KS_RISK_critical;
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.pl.escalate_to_lead, 1);
    assert_line(&r.pl.checklist, "马上和领导沟通");
    assert_int_equal(r.pl.noffers, 2);   /* still the 2选1 */
    run_free(&r);
}

/* ---- seed 000 §五: batch ----------------------------------------------- */

static void batch_reports_flag(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    ks_policy p = policy(KS_STANCE_COST);
    run r;
    analyse(&c, &p, 5, 0, 10, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_batch);
    assert_int_equal(r.f.seller_side, 1);
    assert_line(&r.f.why, "共 5 起反馈,达到批量阈值 3 起");
    assert_int_equal(r.pl.flag_batch, 1);
    assert_int_equal(r.pl.noffers, 1);
    assert_int_equal(r.pl.offers[0].remedy, KS_REMEDY_refund);
    assert_amount(r.pl.offers[0].amount, 29.9);
    assert_line(&r.pl.tips, "第49–50条");
    assert_line(&r.pl.tips, "食品安全法");
    assert_line(&r.pl.checklist, "召回");
    run_free(&r);

    /* below the threshold it stays an individual problem */
    analyse(&c, &p, 2, 0, 10, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_product);
    assert_line(&r.f.why, "未达批量阈值 3 起");
    run_free(&r);

    /* not perishable: return and refund */
    shirt(&c, 1u << KS_CAUSE_product, at(6, 5));
    c.other_units_bad = 0;
    analyse(&c, &p, 3, 0, 10, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_batch);
    assert_int_equal(r.pl.offers[0].remedy, KS_REMEDY_return_refund);
    assert_string_equal(r.pl.offers[0].script, "offer.return_refund");
    assert_line(&r.pl.tips, "第40条");
    run_free(&r);
}

/* ---- logistics ---------------------------------------------------------- */

static void slow_transit_is_logistics(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    c.order.shipped_at = at(6, 1);
    c.order.delivered_at = at(6, 10);
    c.feedback_at = at(6, 11);
    c.other_units_bad = 1;
    run r;
    plan_for(&c, KS_STANCE_COST, 0, &r);
    assert_int_equal(r.f.transit_days, 9);
    assert_int_equal(r.f.fault, KS_FAULT_logistics);
    assert_int_equal(r.f.seller_side, 1);
    assert_line(&r.f.why, "6月1日发货,6月10日签收:运输 9 天,超过 zto 常规 3 天");
    assert_int_equal(r.pl.noffers, 2);
    assert_line(&r.pl.checklist, "向快递索赔");
    run_free(&r);

    /* a crushed parcel is logistics too, however quick */
    ham(&c);
    c.transit_damage = 1;
    plan_for(&c, KS_STANCE_COST, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_logistics);
    assert_line(&r.f.why, "挤压或有破洞");
    run_free(&r);
}

/* ---- unknown: verify first --------------------------------------------- */

static void missing_dates_is_unknown(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    c.order.ordered_at = KS_TIME_NONE;
    c.order.delivered_at = KS_TIME_NONE;
    c.feedback_at = KS_TIME_NONE;
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_unknown);
    assert_int_equal(r.f.seller_side, 0);
    assert_int_equal(r.f.in_window, -1);
    assert_int_equal(r.f.transit_days, -1);
    assert_int_equal(r.f.feedback_days, -1);
    assert_int_equal(r.f.past_shelf_life, -1);
    assert_line(&r.f.why, "缺少签收时间:无法判断物流时效");
    assert_line(&r.f.why, "结论:待定,缺少:签收时间");
    assert_int_equal(r.pl.noffers, 0);
    assert_line(&r.pl.checklist, "核对下单、发货、签收时间");
    assert_line(&r.pl.checklist, "外包装照片");
    assert_null(r.pl.responsibility);
    assert_int_equal(r.pl.refund_type, KS_REMEDY_none);
    run_free(&r);

    /* no order at all */
    ks_case_init(&c);
    c.customer = "x";
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_unknown);
    assert_line(&r.f.why, "其他几件是否也有问题");
    assert_int_equal(r.pl.noffers, 0);
    run_free(&r);
}

static void others_bad_but_prompt_is_unknown(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    c.other_units_bad = 1;
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_unknown);
    assert_line(&r.f.why, "保存方式");
    assert_line(&r.pl.checklist, "同批次其他订单");
    run_free(&r);
}

/* ---- seed 003: refund type x responsibility ---------------------------- */

static void refund_table_rows(void **state)
{
    (void)state;
    ks_case c;
    run r;

    /* seller, description mismatch: return and refund, seller's postage */
    shirt(&c, 1u << KS_CAUSE_product, at(6, 5));
    c.other_units_bad = 0;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_int_equal(r.f.fault, KS_FAULT_product);
    assert_string_equal(r.pl.responsibility, "seller");
    assert_int_equal(r.pl.refund_type, KS_REMEDY_return_refund);
    assert_line(&r.pl.refund_advice, "退货运费卖家承担");
    assert_line(&r.pl.tips, "第40条");
    run_free(&r);

    /* seller, wrong size sent: exchange */
    shirt(&c, 1u << KS_CAUSE_shipping, at(6, 5));
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_string_equal(r.pl.responsibility, "seller");
    assert_int_equal(r.pl.refund_type, KS_REMEDY_exchange);
    assert_line(&r.pl.refund_advice, "来回运费卖家承担");
    run_free(&r);

    /* buyer, within the 7-day no-reason return: buyer's postage */
    shirt(&c, 1u << KS_CAUSE_misunderstanding, at(6, 6));
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_string_equal(r.pl.responsibility, "buyer");
    assert_int_equal(r.pl.refund_type, KS_REMEDY_return_refund);
    assert_line(&r.pl.refund_advice, "退货运费买家承担");
    assert_line(&r.pl.tips, "拆封不退");
    run_free(&r);

    /* buyer, after 7 days: refuse with evidence */
    shirt(&c, 1u << KS_CAUSE_misunderstanding, at(6, 20));
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_string_equal(r.pl.responsibility, "buyer");
    assert_int_equal(r.pl.refund_type, KS_REMEDY_refuse);
    assert_line(&r.pl.refund_advice, "签收已超过 7 天");
    assert_line(&r.pl.refund_advice, "证据");
    run_free(&r);
}

/* ---- SPEC 2.5 consumer law and history --------------------------------- */

static void promise_cites_art55(void **state)
{
    (void)state;
    ks_case c;
    shirt(&c, 1u << KS_CAUSE_promise, at(6, 5));
    c.order.price = 29.9;   /* 3 x 29.9 < 500 -> 500 */
    run r;
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_line(&r.pl.tips, "第55条");
    assert_line(&r.pl.tips, "即 500 元");
    run_free(&r);
    c.order.price = 299;    /* 3 x 299 = 897 */
    plan_for(&c, KS_STANCE_REPUTATION, 0, &r);
    assert_line(&r.pl.tips, "即 897 元");
    run_free(&r);
}

static void habitual_claimant_is_noted_not_refused(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    ks_policy p = policy(KS_STANCE_REPUTATION);
    run r;
    analyse(&c, &p, 0, 0, 4, 3, &r);
    assert_line(&r.pl.tips, "习惯性索赔");
    assert_line(&r.pl.tips, "保留聊天记录");
    assert_int_equal(r.pl.noffers, 2);   /* the same 2选1 */
    assert_int_equal(r.pl.offers[0].remedy, KS_REMEDY_compensate);
    run_free(&r);
    analyse(&c, &p, 0, 0, 40, 3, &r);
    assert_false(has_line(&r.pl.tips, "习惯性索赔"));
    run_free(&r);
}

static void bad_arguments(void **state)
{
    (void)state;
    ks_policy p = policy(KS_STANCE_COST);
    ks_fault_result f;
    ks_fault_input fi = {0};
    assert_int_equal(ks_fault_analyze(&fi, &p, &f), KS_EINVAL);
    assert_int_equal(f.why.n, 0);
    ks_plan pl;
    ks_plan_input pi = {0};
    assert_int_equal(ks_plan_make(&pi, &p, &pl), KS_EINVAL);
    assert_int_equal(pl.noffers, 0);
    ks_fault_result_free(NULL);
    ks_plan_free(NULL);
}

/* ---- allocation failures: every one reported, nothing leaked ----------- */

static long fail_after;

static void *failing_malloc(size_t n)
{
    return fail_after-- > 0 ? malloc(n) : NULL;
}

static void *failing_realloc(void *p, size_t n)
{
    return fail_after-- > 0 ? realloc(p, n) : NULL;
}

static void out_of_memory(void **state)
{
    (void)state;
    ks_case c;
    ham(&c);
    ks_policy p = policy(KS_STANCE_REPUTATION);
    int done = 0;
    for (long n = 0; !done && n < 1000; n++) {
        ks_set_allocator(failing_malloc, failing_realloc, free);
        fail_after = n;
        ks_fault_input fi = {.c = &c, .batch_reports = 5, .now = KT_T0};
        ks_fault_result f;
        ks_plan pl = {0};
        int rc = ks_fault_analyze(&fi, &p, &f);
        if (rc == KS_OK) {
            ks_plan_input pi = {.c = &c, .fault = &f, .prior_orders = 1,
                                .prior_complaints = 3};
            rc = ks_plan_make(&pi, &p, &pl);
            done = rc == KS_OK;
        }
        ks_set_allocator(NULL, NULL, NULL);
        assert_true(rc == KS_OK || rc == KS_ENOMEM);
        if (rc == KS_ENOMEM)
            assert_int_equal(pl.noffers, 0);
        ks_plan_free(&pl);
        ks_fault_result_free(&f);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_format_and_free),
        cmocka_unit_test(ham_is_product_fault_in_window),
        cmocka_unit_test(ham_two_choice),
        cmocka_unit_test(ham_ladder_after_refusals),
        cmocka_unit_test(empty_ladder_is_full_refund),
        cmocka_unit_test(dates_in_local_zone),
        cmocka_unit_test(ham_late_is_customer_fault),
        cmocka_unit_test(ham_late_goodwill_when_cheap),
        cmocka_unit_test(ham_late_refused_when_costly),
        cmocka_unit_test(past_shelf_life_is_customer),
        cmocka_unit_test(power_bank_safety_first),
        cmocka_unit_test(critical_risk_escalates),
        cmocka_unit_test(batch_reports_flag),
        cmocka_unit_test(slow_transit_is_logistics),
        cmocka_unit_test(missing_dates_is_unknown),
        cmocka_unit_test(others_bad_but_prompt_is_unknown),
        cmocka_unit_test(refund_table_rows),
        cmocka_unit_test(promise_cites_art55),
        cmocka_unit_test(habitual_claimant_is_noted_not_refused),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
