/*
 * Fault analysis (seed 000 §二, §五): from the order's dates, the carrier's
 * norm, the window and shelf life of the category and what the customer
 * says of the other units, decide whose fault it is. Every fact checked
 * adds one Chinese reasoning line with its numbers; the last line is the
 * conclusion (or the facts still missing).
 *
 * Precedence, first match wins:
 *   1. batch      same sku+batch reports >= policy batch_threshold. Several
 *                 independent customers outweigh any one customer's
 *                 storage; it goes to 质检/召回/下架 whatever else holds.
 *   2. logistics  transit longer than the carrier's norm, or the package
 *                 crushed/holed in transit. The seed checks transit first
 *                 ("看是否是快递过久导致产品腐坏"); until delivery the goods
 *                 are the shop's, so this is seller side.
 *   3. customer   feedback after the shelf life ran out (counted from the
 *                 order: the latest the goods could expire), or the other
 *                 units are bad too and the feedback came after the
 *                 window ("大概率就是客户自己个人存放的问题").
 *   4. product    one bad unit, the others fine, transit normal: packaging
 *                 or a knock in transit (seed 000 §五), seller side.
 *   5. unknown    anything else; the conclusion names the missing facts.
 * Other units bad but reported promptly stays unknown: the seed allows
 * both a batch and storage, so the agent verifies rather than guesses.
 */
#include "kesu/plan.h"
#include "kesu/alloc.h"
#include "plan_int.h"

#include <stdio.h>
#include <string.h>

typedef struct fctx {
    const ks_fault_input *in;
    const ks_policy *p;
    const ks_case *c;
    const ks_order *o;       /* NULL when the case has no order */
    ks_fault_result *r;
    int norm;                /* carrier's normal transit days, <= 0 unknown */
    int late;                /* transit over the norm */
    int batch;               /* batch threshold reached */
    char missing[256];       /* "、"-joined facts still to collect */
} fctx;

static void add_missing(fctx *x, const char *fact)
{
    size_t n = strlen(x->missing);
    if (n + strlen(fact) + 4 >= sizeof x->missing)
        return;
    if (n)
        strcat(x->missing, "、");
    strcat(x->missing, fact);
}

static int64_t order_time(const fctx *x, int which)
{
    if (!x->o)
        return KS_TIME_NONE;
    int64_t t = which == 0   ? x->o->ordered_at
                : which == 1 ? x->o->shipped_at
                             : x->o->delivered_at;
    return KS_PLAN_KNOWN(t) ? t : KS_TIME_NONE;
}

/* When the customer reported it, or now when not recorded yet. */
static int64_t feedback_time(const fctx *x, int *is_now)
{
    *is_now = 0;
    if (KS_PLAN_KNOWN(x->c->feedback_at))
        return x->c->feedback_at;
    *is_now = 1;
    return KS_PLAN_KNOWN(x->in->now) ? x->in->now : KS_TIME_NONE;
}

static const char *carrier_name(const fctx *x)
{
    return x->o && x->o->carrier ? x->o->carrier : "快递";
}

static int transit_line(fctx *x, int64_t from, int64_t to, const char *verb)
{
    char a[32], b[32];
    int64_t ref = order_time(x, 0);
    ks_plan_fmt_date(x->p, from, ref, a, sizeof a);
    ks_plan_fmt_date(x->p, to, ref, b, sizeof b);
    ks_lines *w = &x->r->why;
    int d = x->r->transit_days;
    if (x->norm <= 0)
        return ks_lines_addf(w, "%s%s,%s签收:运输 %d 天(未配置 %s 的常规时效)",
                             a, verb, b, d, carrier_name(x));
    if (x->late)
        return ks_lines_addf(w, "%s%s,%s签收:运输 %d 天,超过 %s 常规 %d 天,"
                             "物流时效可疑", a, verb, b, d, carrier_name(x),
                             x->norm);
    return ks_lines_addf(w, "%s%s,%s签收:运输 %d 天,在 %s 常规 %d 天以内",
                         a, verb, b, d, carrier_name(x), x->norm);
}

/* Seed 000 §二.1: did a slow courier spoil it? */
static int check_transit(fctx *x)
{
    int64_t shipped = order_time(x, 1), to = order_time(x, 2);
    int64_t from = shipped != KS_TIME_NONE ? shipped : order_time(x, 0);
    const char *verb = shipped != KS_TIME_NONE ? "发货" : "下单";
    if (to == KS_TIME_NONE || from == KS_TIME_NONE) {
        add_missing(x, to == KS_TIME_NONE ? "签收时间" : "下单/发货时间");
        return ks_lines_addf(&x->r->why, "缺少%s:无法判断物流时效",
                             to == KS_TIME_NONE ? "签收时间"
                                                : "下单和发货时间");
    }
    int64_t d = ks_plan_day(x->p, to) - ks_plan_day(x->p, from);
    if (d < 0) {
        add_missing(x, "正确的订单时间");
        return ks_lines_addf(&x->r->why, "签收时间早于%s时间,订单时间有误,"
                             "需核对", verb);
    }
    x->r->transit_days = (int)d;
    x->norm = ks_policy_transit_days(x->p, x->o->carrier ? x->o->carrier
                                                         : "*");
    x->late = x->norm > 0 && d > x->norm;
    return transit_line(x, from, to, verb);
}

static int check_damage(fctx *x)
{
    if (x->c->transit_damage == 1)
        return ks_lines_addf(&x->r->why, "外包装在运输中被挤压或有破洞:"
                             "物流环节可疑");
    if (x->c->transit_damage == 0)
        return ks_lines_addf(&x->r->why, "外包装完好,没有挤压破洞");
    return KS_OK;
}

static int window_line(fctx *x, int64_t del, int64_t fb, int is_now,
                       const ks_window *win, const char *cat)
{
    char a[32], b[32];
    int64_t ref = order_time(x, 0);
    ks_plan_fmt_date(x->p, del, ref, a, sizeof a);
    ks_plan_fmt_date(x->p, fb, ref, b, sizeof b);
    char head[128];
    snprintf(head, sizeof head, is_now ? "%s签收,尚无反馈时间,按今天(%s)算"
                                       : "%s签收,%s反馈:",
             a, b);
    int d = x->r->feedback_days;
    if (!win)
        return ks_lines_addf(&x->r->why, "%s相隔 %d 天(政策未配置售后期)",
                             head, d);
    return ks_lines_addf(&x->r->why, "%s相隔 %d 天,%s %s 售后期 %d 天%s",
                         head, d, x->r->in_window ? "在" : "已超过", cat,
                         win->days, x->r->in_window ? "以内" : "");
}

/* Seed 000 §二.2: how long after delivery did the customer come back? */
static int check_window(fctx *x)
{
    int is_now;
    int64_t del = order_time(x, 2), fb = feedback_time(x, &is_now);
    if (del == KS_TIME_NONE || fb == KS_TIME_NONE) {
        if (fb == KS_TIME_NONE)
            add_missing(x, "反馈时间");
        return ks_lines_addf(&x->r->why, "缺少%s:无法判断是否在售后期内",
                             del == KS_TIME_NONE ? "签收时间" : "反馈时间");
    }
    int64_t d = ks_plan_day(x->p, fb) - ks_plan_day(x->p, del);
    if (d < 0)
        return ks_lines_addf(&x->r->why, "反馈时间早于签收时间,需核对");
    const char *cat = x->o->category ? x->o->category : "*";
    const ks_window *win = ks_policy_window(x->p, cat);
    x->r->feedback_days = (int)d;
    if (win)
        x->r->in_window = d <= win->days;
    return window_line(x, del, fb, is_now, win,
                       x->o->category ? x->o->category : "默认");
}

/* Shelf life counted from the order: the goods were made before it, so
 * this is the latest they can expire; past it the spoiling is certain to
 * have happened in the customer's hands. */
static int check_shelf(fctx *x)
{
    const char *cat = x->o && x->o->category ? x->o->category : "*";
    int perishable = x->o && ks_policy_is_perishable(x->p, cat);
    if (!x->o || x->o->shelf_life_days < 0) {
        if (!perishable)
            return KS_OK;
        add_missing(x, "保质期");
        return ks_lines_addf(&x->r->why, "易腐商品未登记保质期:无法判断是否"
                             "已过期");
    }
    int is_now;
    int64_t at = order_time(x, 0), fb = feedback_time(x, &is_now);
    const char *verb = "下单";
    if (at == KS_TIME_NONE) {
        at = order_time(x, 2);
        verb = "签收";
    }
    if (at == KS_TIME_NONE || fb == KS_TIME_NONE)
        return ks_lines_addf(&x->r->why, "保质期 %d 天,但缺少%s:无法判断"
                             "是否已过期", x->o->shelf_life_days,
                             fb == KS_TIME_NONE ? "反馈时间" : "下单/签收时间");
    int64_t expiry = at + (int64_t)x->o->shelf_life_days * 86400000LL;
    x->r->past_shelf_life = ks_plan_day(x->p, fb) > ks_plan_day(x->p, expiry);
    char a[32], b[32], e[32];
    ks_plan_fmt_date(x->p, at, at, a, sizeof a);
    ks_plan_fmt_date(x->p, expiry, at, e, sizeof e);
    ks_plan_fmt_date(x->p, fb, at, b, sizeof b);
    return ks_lines_addf(&x->r->why, "保质期 %d 天:按%s%s算最晚%s到期,"
                         "%s%s时%s", x->o->shelf_life_days, a, verb, e, b,
                         is_now ? "(今天)" : "反馈",
                         x->r->past_shelf_life ? "已过保质期"
                                               : "仍在保质期内");
}

static int check_units(fctx *x)
{
    int v = x->c->other_units_bad;
    if (v < 0)
        return ks_lines_addf(&x->r->why, "尚未确认其他几件是否也有同样问题");
    return ks_lines_addf(&x->r->why, v ? "客户其他几件也有同样问题"
                                       : "客户其他几件都正常,只有个别有问题");
}

/* Seed 000 §五: one case or many about the same batch? */
static int check_batch(fctx *x)
{
    int n = x->in->batch_reports, thr = x->p->batch_threshold;
    if (n <= 0 || thr <= 0)
        return KS_OK;
    x->batch = n >= thr;
    const char *sku = x->o && x->o->sku ? x->o->sku : "-";
    const char *batch = x->o && x->o->batch ? x->o->batch : "-";
    if (x->batch)
        return ks_lines_addf(&x->r->why, "同款同批次(sku %s,批次 %s)共 %d 起"
                             "反馈,达到批量阈值 %d 起:需反馈公司质检、召回、"
                             "下架", sku, batch, n, thr);
    return ks_lines_addf(&x->r->why, "同款同批次(sku %s,批次 %s)共 %d 起反馈,"
                         "未达批量阈值 %d 起", sku, batch, n, thr);
}

static ks_fault decide(const fctx *x)
{
    const ks_fault_result *r = x->r;
    const ks_case *c = x->c;
    if (x->batch)
        return KS_FAULT_batch;
    if (x->late || c->transit_damage == 1)
        return KS_FAULT_logistics;
    if (r->past_shelf_life == 1 ||
        (c->other_units_bad == 1 && r->in_window == 0))
        return KS_FAULT_customer;
    if (c->other_units_bad == 0 && r->transit_days >= 0 && x->norm > 0)
        return KS_FAULT_product;
    return KS_FAULT_unknown;
}

/* The facts whose absence kept the fault unknown. */
static void collect_missing(fctx *x)
{
    const ks_case *c = x->c;
    if (x->r->transit_days >= 0 && x->norm <= 0)
        add_missing(x, "快递常规时效");
    if (c->other_units_bad < 0)
        add_missing(x, "其他几件是否也有问题");
    if (c->other_units_bad == 1 && x->r->in_window != 0)
        add_missing(x, "保存方式和同批次其他订单的反馈(其他几件也坏但反馈"
                       "及时,可能是批量也可能是保存)");
    if (c->safety)
        add_missing(x, "取回商品查明事故原因");
    if (!x->missing[0])
        add_missing(x, "更多事实");
}

static int conclude(fctx *x)
{
    ks_lines *w = &x->r->why;
    switch (x->r->fault) {
    case KS_FAULT_batch:
        return ks_lines_addf(w, "结论:批量质量问题,卖家责任,及时反馈、"
                             "登记,交质检/召回/下架");
    case KS_FAULT_logistics:
        return ks_lines_addf(w, "结论:物流运输问题,签收前的货物由卖家负责,"
                             "卖家处理后再向快递索赔");
    case KS_FAULT_customer:
        return ks_lines_addf(w, "结论:大概率就是客户自己个人存放的问题%s",
                             x->r->past_shelf_life == 1 ? "(已过保质期)"
                                                        : "(存放时间过久)");
    case KS_FAULT_product:
        return ks_lines_addf(w, "结论:商品个别问题(包装没封好或运输磕碰),"
                             "其他都正常,属卖家责任");
    default:
        collect_missing(x);
        return ks_lines_addf(w, "结论:待定,缺少:%s", x->missing);
    }
}

int ks_fault_analyze(const ks_fault_input *in, const ks_policy *p,
                     ks_fault_result *out)
{
    if (!out)
        return KS_EINVAL;
    memset(out, 0, sizeof *out);
    out->in_window = out->past_shelf_life = -1;
    out->transit_days = out->feedback_days = -1;
    if (!in || !in->c || !p)
        return KS_EINVAL;
    fctx x = {.in = in, .p = p, .c = in->c, .r = out, .norm = -1};
    x.o = in->c->has_order ? &in->c->order : NULL;
    int rc;
    if ((rc = check_transit(&x)) || (rc = check_damage(&x)) ||
        (rc = check_window(&x)) || (rc = check_shelf(&x)) ||
        (rc = check_units(&x)) || (rc = check_batch(&x)))
        goto fail;
    out->fault = decide(&x);
    out->seller_side = out->fault == KS_FAULT_product ||
                       out->fault == KS_FAULT_batch ||
                       out->fault == KS_FAULT_logistics;
    if ((rc = conclude(&x)))
        goto fail;
    return KS_OK;
fail:
    ks_fault_result_free(out);
    return rc;
}

void ks_fault_result_free(ks_fault_result *r)
{
    if (!r)
        return;
    ks_lines_free(&r->why);
    memset(r, 0, sizeof *r);
    r->in_window = r->past_shelf_life = -1;
    r->transit_days = r->feedback_days = -1;
}
