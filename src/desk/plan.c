/*
 * The resolution planner: from a case and its fault analysis, what to do
 * first (checklist), what to offer in which order, the seed 003 refund
 * type, and the legal tips that apply (SPEC 2.5).
 *
 *   safety (seed 002)   checklist first (the person, the product, the
 *                       facts, soothing, the lead), escalate, one offer:
 *                       包赔实际损失; never gifts in place of compensation.
 *   product/logistics   2选1: compensation (share of the price, whole yuan)
 *                       or a reshipment; after each refusal one step of the
 *                       policy's ladder, the last a full refund (seed 000
 *                       §三, §四).
 *   batch               flag for 质检/召回/下架, refund or return (§五).
 *   customer            refuse with the dates (cost stance, or above the
 *                       goodwill price), else refund-or-reship for
 *                       goodwill (§三, §六).
 *   unknown             verify first: no firm offer, the facts to collect.
 * Critical risk also escalates. Amounts are yuan, at most 2 decimals.
 */
#include "kesu/plan.h"
#include "kesu/alloc.h"
#include "plan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* 消保法 Art. 24/25: the statutory 7 days after delivery. */
#define KS_LAW_RETURN_DAYS 7

typedef struct pctx {
    const ks_plan_input *in;
    const ks_policy *p;
    const ks_case *c;
    const ks_order *o;          /* NULL when the case has no order */
    const ks_fault_result *f;
    ks_plan *pl;
    double price;               /* < 0 unknown */
    int perishable;
    int food;                   /* 食品安全法 applies */
    int goodwill;               /* a goodwill offer was made */
    const ks_window *win;
} pctx;

static int has_cause(const pctx *x, ks_cause k)
{
    return (x->c->causes >> k) & 1u;
}

static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n < 0 ? NULL : ks_malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

static int add_offer(pctx *x, ks_remedy remedy, double amount, int step,
                     int group, const char *script, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

static int add_offer(pctx *x, ks_remedy remedy, double amount, int step,
                     int group, const char *script, const char *fmt, ...)
{
    ks_plan *pl = x->pl;
    size_t cap = pl->noffers;   /* ks_plan keeps no capacity: a plan has a
                                   few offers, so grow from the count */
    if (ks_grow(&pl->offers, &cap, pl->noffers, sizeof *pl->offers, 4))
        return KS_ENOMEM;
    va_list ap;
    va_start(ap, fmt);
    char *why = vfmt(fmt, ap);
    va_end(ap);
    if (!why)
        return KS_ENOMEM;
    ks_offer *o = &pl->offers[pl->noffers++];
    o->remedy = remedy;
    o->amount = amount < 0 ? -1 : ks_plan_round_fen(amount);
    o->step = step;
    o->choice_group = group;
    o->script = script;
    o->why = why;
    return KS_OK;
}

/* "9.97 元", or "[金额]" for the agent to fill in when the price is
 * unknown. Returns buf. */
static const char *yuan_text(double v, char *buf, size_t cap)
{
    if (v < 0) {
        snprintf(buf, cap, "[金额]");
        return buf;
    }
    char a[32];
    snprintf(buf, cap, "%s 元", ks_plan_fmt_yuan(v, a, sizeof a));
    return buf;
}

/* ---- safety (seed 002) ------------------------------------------------ */

static int plan_safety(pctx *x)
{
    ks_lines *l = &x->pl->checklist;
    int rc;
    x->pl->escalate_to_lead = 1;
    if ((rc = ks_lines_addf(l, "先确认客户本人和身边的人有没有受伤,需要时派人"
                            "陪同去医院")) ||
        (rc = ks_lines_addf(l, "取回商品,查明起火/事故原因,免得将来事实被"
                            "曲解")) ||
        (rc = ks_lines_addf(l, "收集事实:发生时间、地点、经过,损失清单(人身、"
                            "财物),照片和视频")) ||
        (rc = ks_lines_addf(l, "安抚情绪,真诚道歉,不推诿、不质问")) ||
        (rc = ks_lines_addf(l, "马上告知主管;对客户说“我马上和领导沟通”,结束"
                            "后半小时内回电告知进展")))
        return rc;
    if ((rc = add_offer(x, KS_REMEDY_full_remedy, -1, 0, 0, "offer.full_remedy",
                        "安全事件:查明是产品问题就包赔实际损失(人身、财物),"
                        "这锅我背,这错我改,马上执行")))
        return rc;
    return ks_lines_addf(&x->pl->tips, "切勿用赠品(如王老吉)代替赔偿:送礼只会"
                         "激怒客户,要赔的是实际损失(seed 002)");
}

/* ---- seller side: 2选1, then the ladder (seed 000 §三, §四) ------------ */

static const char *fault_zh(const pctx *x)
{
    return ks_fault_zh(x->f->fault);
}

static int offer_two_choice(pctx *x)
{
    double share = x->p->compensation_share;
    char a[32], pr[32], pc[32];
    int rc;
    if (x->price >= 0) {
        double comp = (double)(int64_t)(x->price * share + 0.5);
        if (comp < 1)
            comp = 1;   /* never offer nothing */
        ks_plan_fmt_yuan(comp, a, sizeof a);
        ks_plan_fmt_yuan(x->price, pr, sizeof pr);
        ks_plan_fmt_yuan(share * 100, pc, sizeof pc);
        rc = add_offer(x, KS_REMEDY_compensate, comp, 0, 1, "offer.two_choice",
                       "卖家责任(%s):2选1 之一,补偿 %s 元(价格 %s 元的 %s%%,"
                       "取整)", fault_zh(x), a, pr, pc);
    } else {
        rc = add_offer(x, KS_REMEDY_compensate, -1, 0, 1, "offer.two_choice",
                       "卖家责任(%s):2选1 之一,补偿(订单价格未知,金额待定)",
                       fault_zh(x));
    }
    if (rc)
        return rc;
    if ((rc = add_offer(x, KS_REMEDY_reship, -1, 0, 1, "offer.two_choice",
                        "卖家责任(%s):2选1 之二,重新补发一份", fault_zh(x))))
        return rc;
    return ks_lines_addf(&x->pl->checklist, "如选补发:出了单号第一时间发给"
                         "客户,不要让客户来催");
}

/* One ladder step per refusal; the last step is always a full refund
 * (seed 000 §四: "大不了我全额给你退款"). */
static int offer_ladder(pctx *x, int refused)
{
    int n = (int)x->p->nladder, last = n ? n : 1;
    int step = refused < last ? refused : last;
    char a[32], pc[32];
    if (step < last) {
        double share = x->p->ladder[step - 1];
        double v = x->price < 0 ? -1 : x->price * share;
        ks_plan_fmt_yuan(share * 100, pc, sizeof pc);
        return add_offer(x, KS_REMEDY_partial_refund, v, step, 0,
                         "offer.ladder", "客户已拒绝 %d 次:阶梯第 %d/%d 步,退 %s"
                         "(价格的 %s%%)", refused, step, n,
                         yuan_text(v, a, sizeof a), pc);
    }
    int rc;
    if (refused > last &&
        (rc = ks_lines_addf(&x->pl->checklist, "全额退款已提出仍不接受:"
                            "转主管,保留证据,准备平台介入举证(3 天举证期)")))
        return rc;
    return add_offer(x, KS_REMEDY_refund, x->price, last, 0,
                     "offer.full_refund", "客户已拒绝 %d 次:阶梯最后一步,全额"
                     "退款 %s(一单而已,别让事情闹大)", refused,
                     yuan_text(x->price, a, sizeof a));
}

static int food_care(pctx *x)
{
    if (!x->food)
        return KS_OK;
    return ks_lines_addf(&x->pl->checklist, "关怀客户身体:吃了有没有不适;"
                         "剩下的建议丢掉,不要再食用");
}

static int plan_seller(pctx *x)
{
    int rc, refused = x->in->refused_offers;
    if ((rc = food_care(x)))
        return rc;
    if (x->f->fault == KS_FAULT_logistics &&
        (rc = ks_lines_addf(&x->pl->checklist, "保留外包装照片和物流轨迹,"
                            "处理完再向快递索赔")))
        return rc;
    return refused > 0 ? offer_ladder(x, refused) : offer_two_choice(x);
}

/* ---- batch (seed 000 §五) ---------------------------------------------- */

static int plan_batch(pctx *x)
{
    ks_lines *l = &x->pl->checklist;
    int rc;
    x->pl->flag_batch = 1;
    if ((rc = ks_lines_addf(l, "及时反馈、及时登记:报公司质检,同批次召回、"
                            "下架")) ||
        (rc = ks_lines_addf(l, "提醒客户同批次剩余商品停止%s", x->food ? "食用"
                                                                       : "使用")) ||
        (rc = food_care(x)))
        return rc;
    char a[32];
    const char *amt = yuan_text(x->price, a, sizeof a);
    if (x->perishable)
        return add_offer(x, KS_REMEDY_refund, x->price, 0, 0,
                         "offer.full_refund", "批量质量问题:仅退款 %s,不必寄回",
                         amt);
    return add_offer(x, KS_REMEDY_return_refund, x->price, 0, 0,
                     "offer.return_refund", "批量质量问题:退货退款 %s,"
                     "退货运费卖家承担", amt);
}

/* ---- customer side (seed 000 §三, §六) --------------------------------- */

/* The facts behind a refusal, dates included, for one line. */
static void refusal_facts(const pctx *x, char *buf, size_t cap)
{
    const ks_fault_result *f = x->f;
    char a[32], b[32];
    int64_t fb = x->c->feedback_at;
    if (f->in_window == 0 && x->o && KS_PLAN_KNOWN(x->o->delivered_at)) {
        ks_plan_fmt_date(x->p, x->o->delivered_at, x->o->ordered_at, a,
                         sizeof a);
        if (KS_PLAN_KNOWN(fb))
            ks_plan_fmt_date(x->p, fb, x->o->ordered_at, b, sizeof b);
        else
            snprintf(b, sizeof b, "今天");
        snprintf(buf, cap, "%s签收,%s才反馈,相隔 %d 天,已过 %d 天售后期",
                 a, b, f->feedback_days, x->win ? x->win->days : 0);
    } else if (f->past_shelf_life == 1) {
        snprintf(buf, cap, "反馈时已过保质期 %d 天",
                 x->o ? x->o->shelf_life_days : 0);
    } else {
        snprintf(buf, cap, "存放时间过久");
    }
}

static int plan_refuse(pctx *x)
{
    char facts[192], a[32], g[32];
    refusal_facts(x, facts, sizeof facts);
    char stance[128];
    if (x->p->stance == KS_STANCE_COST)
        snprintf(stance, sizeof stance, "成本优先");
    else if (x->price < 0)
        snprintf(stance, sizeof stance, "订单价格未知,不按便宜货让步");
    else
        snprintf(stance, sizeof stance, "价格 %s 元高于口碑让步上限 %s 元",
                 ks_plan_fmt_yuan(x->price, a, sizeof a),
                 ks_plan_fmt_yuan(x->p->goodwill_max_price, g, sizeof g));
    int rc = add_offer(x, KS_REMEDY_refuse, -1, 0, 0, "refuse.out_of_window",
                       "%s%s,无法核实原因;%s:婉拒并说明理由,建议下次及时"
                       "食用或开包检验", facts,
                       x->c->other_units_bad == 1 ? ",其他几件也有同样问题" : "",
                       stance);
    if (rc)
        return rc;
    return ks_lines_addf(&x->pl->checklist, "保留证据:下单、签收、反馈时间,"
                         "保质期,聊天记录,以备平台介入举证");
}

/* Seed 000 §六: for a cheap item the refund or a reshipment costs less
 * than a complaint, an intervention or a bad review. */
static int plan_goodwill(pctx *x)
{
    char a[32], g[32];
    ks_plan_fmt_yuan(x->price, a, sizeof a);
    ks_plan_fmt_yuan(x->p->goodwill_max_price, g, sizeof g);
    x->goodwill = 1;
    int rc = add_offer(x, KS_REMEDY_refund, x->price, 0, 1, "offer.full_refund",
                       "客户自身原因,但商品便宜(%s 元,不超过 %s 元),口碑优先:"
                       "2选1 之一,退款 %s 元,不必寄回", a, g, a);
    if (rc)
        return rc;
    if ((rc = add_offer(x, KS_REMEDY_reship, -1, 0, 1, "offer.two_choice",
                        "客户自身原因,口碑优先:2选1 之二,补发一份(失小得大)")))
        return rc;
    return ks_lines_addf(&x->pl->checklist, "如选补发:出了单号第一时间发给"
                         "客户,不要让客户来催");
}

static int plan_customer(pctx *x)
{
    int rc;
    if ((rc = ks_lines_addf(&x->pl->checklist, "先道歉再说明,语气委婉,不指责"
                            "客户保存不当")))
        return rc;
    if (x->p->stance == KS_STANCE_COST || x->price < 0 ||
        x->price > x->p->goodwill_max_price)
        return plan_refuse(x);
    return plan_goodwill(x);
}

/* ---- unknown: verify first (seed 000 §二) ------------------------------ */

static int plan_verify(pctx *x)
{
    ks_lines *l = &x->pl->checklist;
    const ks_fault_result *f = x->f;
    const ks_case *c = x->c;
    int rc = ks_lines_addf(l, "先道歉安抚,再核实;核实清楚前不给确定方案");
    if (!rc && f->transit_days < 0)
        rc = ks_lines_addf(l, "核对下单、发货、签收时间(订单后台和物流轨迹)");
    if (!rc && f->feedback_days < 0)
        rc = ks_lines_addf(l, "记下客户第一次反馈的时间");
    if (!rc && c->other_units_bad < 0)
        rc = ks_lines_addf(l, "问客户其他几件有没有同样问题,请拍照");
    if (!rc && c->other_units_bad == 1)
        rc = ks_lines_addf(l, "问清保存方式,并查同批次其他订单有没有同样反馈");
    if (!rc && c->transit_damage < 0)
        rc = ks_lines_addf(l, "请客户拍外包装照片,看有没有挤压、破洞");
    if (!rc && x->perishable && (!x->o || x->o->shelf_life_days < 0))
        rc = ks_lines_addf(l, "核对商品保质期和生产日期");
    if (!rc)
        rc = ks_lines_addf(l, "请客户拍问题商品的实物照片");
    return rc ? rc : food_care(x);
}

/* ---- refund type (seed 003 table) -------------------------------------- */

/* Who bears it: the fault when known, else causes that are the shop's or
 * the buyer's by nature; NULL while it is still to be verified. */
static const char *responsibility(const pctx *x)
{
    if (x->f->seller_side)
        return "seller";
    if (x->f->fault == KS_FAULT_customer)
        return "buyer";
    if (has_cause(x, KS_CAUSE_shipping) || has_cause(x, KS_CAUSE_promise) ||
        has_cause(x, KS_CAUSE_after_sales))
        return "seller";
    if (has_cause(x, KS_CAUSE_unreasonable) ||
        has_cause(x, KS_CAUSE_misunderstanding) ||
        has_cause(x, KS_CAUSE_malicious_review))
        return "buyer";
    return NULL;
}

static int table_seller(pctx *x)
{
    ks_plan *pl = x->pl;
    ks_lines *l = &pl->refund_advice;
    int rc;
    if (x->perishable) {
        pl->refund_type = KS_REMEDY_refund;
        rc = ks_lines_addf(l, "卖家责任,易腐商品:仅退款,不必寄回(寄回已无"
                           "意义),凭照片处理");
    } else if (has_cause(x, KS_CAUSE_shipping)) {
        pl->refund_type = KS_REMEDY_exchange;
        rc = ks_lines_addf(l, "卖家责任,发错款式/尺码/颜色:换货,来回运费卖家"
                           "承担,新单号第一时间发给客户");
    } else if (x->f->fault == KS_FAULT_logistics ||
               has_cause(x, KS_CAUSE_after_sales)) {
        pl->refund_type = KS_REMEDY_exchange;
        rc = ks_lines_addf(l, "卖家责任,运输破损或少配件:换货或补发配件,运费"
                           "卖家承担;客户不要了再走退货退款");
    } else {
        pl->refund_type = KS_REMEDY_return_refund;
        rc = ks_lines_addf(l, "卖家责任,质量问题或描述不符:退货退款,退货运费"
                           "卖家承担(补运费或走运费险)");
    }
    if (!rc)
        rc = ks_lines_addf(l, "确属卖家责任不要强拒:平台会强制退款并处分店铺;"
                           "已发货的退款申请 5 天不处理即自动同意");
    return rc;
}

static int no_reason_applies(const pctx *x)
{
    return x->win && x->win->no_reason_return && !x->perishable &&
           x->f->feedback_days >= 0 &&
           x->f->feedback_days <= KS_LAW_RETURN_DAYS;
}

static int table_buyer(pctx *x)
{
    ks_plan *pl = x->pl;
    ks_lines *l = &pl->refund_advice;
    if (x->goodwill) {
        pl->refund_type = KS_REMEDY_refund;
        return ks_lines_addf(l, "买家责任,口碑让步:商品便宜,直接仅退款或补发,"
                             "不必寄回");
    }
    if (no_reason_applies(x)) {
        pl->refund_type = KS_REMEDY_return_refund;
        return ks_lines_addf(l, "买家责任,在七天无理由期内:退货退款,退货运费"
                             "买家承担(有运费险走运费险),商品完好即可");
    }
    pl->refund_type = KS_REMEDY_refuse;
    const char *why = x->perishable ? "易腐商品不适用七天无理由"
                      : x->f->feedback_days > KS_LAW_RETURN_DAYS
                          ? "签收已超过 7 天"
                      : x->win && !x->win->no_reason_return
                          ? "该类目不支持七天无理由"
                          : "签收时间不明";
    return ks_lines_addf(l, "买家责任,%s:可拒绝退款,但要附证据(下单/签收/"
                         "反馈时间、保质期、聊天记录),平台介入后 3 天内举证",
                         why);
}

static int plan_refund_table(pctx *x)
{
    const char *who = responsibility(x);
    x->pl->responsibility = who;
    if (!who) {
        x->pl->refund_type = KS_REMEDY_none;
        return ks_lines_addf(&x->pl->refund_advice, "责任待核实:核实后再定退款"
                             "类型(卖家责任运费卖家出,买家责任仅七天无理由内"
                             "退货退款且运费买家出)");
    }
    return who[0] == 's' ? table_seller(x) : table_buyer(x);
}

/* ---- legal tips (SPEC 2.5) --------------------------------------------- */

static int tip_food(pctx *x)
{
    ks_lines *t = &x->pl->tips;
    if (x->price < 0)
        return ks_lines_addf(t, "《食品安全法》第148条:不符合食品安全标准的"
                             "食品,消费者除赔偿损失外可要求价款十倍或损失三倍"
                             "的赔偿金,不足 1000 元按 1000 元");
    char p[32], ten[32], due[32], three[32];
    double t10 = x->price * 10;
    ks_plan_fmt_yuan(x->price, p, sizeof p);
    ks_plan_fmt_yuan(t10, ten, sizeof ten);
    ks_plan_fmt_yuan(t10 < 1000 ? 1000 : t10, due, sizeof due);
    ks_plan_fmt_yuan(x->price * 3, three, sizeof three);
    return ks_lines_addf(t, "《食品安全法》第148条:不符合食品安全标准的食品,"
                         "消费者除赔偿损失外可要求价款十倍(%s×10=%s 元,不足 "
                         "1000 元按 1000 元,即 %s 元)或损失三倍(按货款算 %s×3="
                         "%s 元,以实际损失为准)的赔偿金", p, ten, due, p, three);
}

static int tip_fraud(pctx *x)
{
    ks_lines *t = &x->pl->tips;
    char p[32], v[32], v3s[32];
    if (x->price < 0)
        return ks_lines_addf(t, "《消费者权益保护法》第55条:承诺做不到构成欺诈"
                             "的,消费者可要求价款三倍赔偿,不足 500 元按 500 元");
    double v3 = x->price * 3;
    ks_plan_fmt_yuan(x->price, p, sizeof p);
    ks_plan_fmt_yuan(v3, v3s, sizeof v3s);
    ks_plan_fmt_yuan(v3 < 500 ? 500 : v3, v, sizeof v);
    return ks_lines_addf(t, "《消费者权益保护法》第55条:承诺做不到构成欺诈的,"
                         "消费者可要求价款三倍赔偿(%s×3=%s 元,不足 500 元按 "
                         "500 元,即 %s 元)", p, v3s, v);
}

static int tips_product(pctx *x)
{
    ks_lines *t = &x->pl->tips;
    ks_fault f = x->f->fault;
    int rc = KS_OK;
    if (!x->food && (f == KS_FAULT_product || f == KS_FAULT_batch))
        rc = ks_lines_addf(t, "《产品质量法》第40条:不具备应有性能、不符合标准"
                           "或与说明不符的,销售者负责修理、更换、退货,造成损失"
                           "的还要赔偿");
    if (!rc && f == KS_FAULT_batch)
        rc = ks_lines_addf(t, "《产品质量法》第49–50条:不合格产品冒充合格产品、"
                           "以次充好的,没收并处货值金额 50%%以上 3 倍以下罚款;"
                           "批量问题立刻下架、召回");
    if (!rc && x->c->safety)
        rc = ks_lines_addf(t, "《产品质量法》第41、43条:产品缺陷造成人身或其他"
                           "财产损害的,受害人可向生产者或销售者要求赔偿,有因果"
                           "关系的损失都要赔");
    return rc;
}

static int tips_windows(pctx *x)
{
    ks_lines *t = &x->pl->tips;
    const char *who = x->pl->responsibility;
    if (x->f->seller_side && x->f->fault != KS_FAULT_logistics)
        return ks_lines_addf(t, "《消费者权益保护法》第24条:质量问题收货 7 日内"
                             "可退货,超过 7 日可要求换货或修理");
    if (!who || who[0] != 'b')
        return KS_OK;
    if (x->perishable)
        return ks_lines_addf(t, "《消费者权益保护法》第25条:鲜活易腐商品不适用"
                             "七天无理由退货");
    if (no_reason_applies(x))
        return ks_lines_addf(t, "《消费者权益保护法》第25条:网购七天无理由退货;"
                             "“拆封不退”违法(侵害消费者权益行为处罚办法第9条)");
    return KS_OK;
}

static int plan_tips(pctx *x)
{
    int rc = KS_OK;
    if (x->food && (x->f->seller_side || x->c->safety))
        rc = tip_food(x);
    if (!rc)
        rc = tips_product(x);
    if (!rc && has_cause(x, KS_CAUSE_promise))
        rc = tip_fraud(x);
    if (!rc)
        rc = tips_windows(x);
    return rc;
}

/* Many complaints over few orders may be a habitual claimant: a reason to
 * keep evidence, never by itself a reason to refuse. */
static int plan_history(pctx *x)
{
    int nc = x->in->prior_complaints, no = x->in->prior_orders;
    if (nc < 3 || no > 2 * nc)
        return KS_OK;
    char orders[48];
    if (no > 0)
        snprintf(orders, sizeof orders, " %d 单中", no);
    else
        snprintf(orders, sizeof orders, "(订单数未知)");
    return ks_lines_addf(&x->pl->tips, "客户历史:此前%s投诉 %d 次,可能是习惯性"
                         "索赔;不要因此拒绝,照常按事实处理,但保留聊天记录、"
                         "照片等证据", orders, nc);
}

static int plan_escalation(pctx *x)
{
    if (x->c->risk != KS_RISK_critical)
        return KS_OK;
    int was = x->pl->escalate_to_lead;
    x->pl->escalate_to_lead = 1;
    if (was)
        return KS_OK;   /* the safety checklist already tells the lead */
    return ks_lines_addf(&x->pl->checklist, "客户提到消协/媒体/起诉:先安抚,"
                         "说“您的方案我马上和领导沟通”,告知主管,半小时内回电");
}

static int plan_offers(pctx *x)
{
    if (x->c->safety)
        return plan_safety(x);
    switch (x->f->fault) {
    case KS_FAULT_batch:
        return plan_batch(x);
    case KS_FAULT_product:
    case KS_FAULT_logistics:
        return plan_seller(x);
    case KS_FAULT_customer:
        return plan_customer(x);
    default:
        return plan_verify(x);
    }
}

static int is_food(const char *cat)
{
    return cat && (strstr(cat, "food") || strstr(cat, "食") ||
                   strcmp(cat, "fresh") == 0 || strcmp(cat, "生鲜") == 0);
}

static void ctx_init(pctx *x, const ks_plan_input *in, const ks_policy *p,
                     ks_plan *out)
{
    memset(x, 0, sizeof *x);
    x->in = in;
    x->p = p;
    x->c = in->c;
    x->f = in->fault;
    x->pl = out;
    x->o = in->c->has_order ? &in->c->order : NULL;
    x->price = x->o ? x->o->price : -1;
    const char *cat = x->o && x->o->category ? x->o->category : "*";
    x->perishable = ks_policy_is_perishable(p, cat);
    x->food = is_food(x->o ? x->o->category : NULL);
    x->win = ks_policy_window(p, cat);
}

int ks_plan_make(const ks_plan_input *in, const ks_policy *p, ks_plan *out)
{
    if (!out)
        return KS_EINVAL;
    memset(out, 0, sizeof *out);
    if (!in || !in->c || !in->fault || !p)
        return KS_EINVAL;
    if (p->nladder && !p->ladder)
        return KS_EINVAL;
    pctx x;
    ctx_init(&x, in, p, out);
    int rc;
    if ((rc = plan_offers(&x)) || (rc = plan_escalation(&x)) ||
        (rc = plan_refund_table(&x)) || (rc = plan_tips(&x)) ||
        (rc = plan_history(&x))) {
        ks_plan_free(out);
        return rc;
    }
    return KS_OK;
}

void ks_plan_free(ks_plan *pl)
{
    if (!pl)
        return;
    ks_lines_free(&pl->checklist);
    ks_lines_free(&pl->refund_advice);
    ks_lines_free(&pl->tips);
    for (size_t i = 0; i < pl->noffers; i++)
        ks_free(pl->offers[i].why);
    ks_free(pl->offers);
    memset(pl, 0, sizeof *pl);
}
