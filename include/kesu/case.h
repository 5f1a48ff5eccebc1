/*
 * The complaint case (SPEC 2.1, seeds 000/002/003) and its flow.
 *
 * A case is plain data: the engine functions here check and change it in
 * memory; storage (store.h) persists it and its audit log. Every string and
 * array a ks_case points to is owned by it; ks_case_free() releases them.
 * Times are ms since the epoch (UTC) or KS_TIME_NONE; money is in yuan,
 * negative when unknown.
 */
#ifndef KESU_CASE_H
#define KESU_CASE_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/codes.h"
#include "kesu/conv.h"
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flow states, in flow order (name, 中文). 道歉 is part of soothing. */
#define KS_STATE_MAP(XX)          \
    XX(new, "新建")               \
    XX(soothing, "安抚")          \
    XX(verifying, "核实")         \
    XX(negotiating, "协商")       \
    XX(resolving, "处理中")       \
    XX(closed, "完结")            \
    XX(escalated, "平台介入")

typedef enum ks_state {
#define KS_STATE_ENUM(name, zh) KS_STATE_##name,
    KS_STATE_MAP(KS_STATE_ENUM)
#undef KS_STATE_ENUM
    KS_STATE_COUNT
} ks_state;

/* Where the fault lies (seed 000 §二, §五). */
#define KS_FAULT_MAP(XX)                     \
    XX(unknown, "待定")                      \
    XX(customer, "客户保存/使用不当")        \
    XX(product, "商品个别问题")              \
    XX(batch, "批量质量问题")                \
    XX(logistics, "物流运输")

typedef enum ks_fault {
#define KS_FAULT_ENUM(name, zh) KS_FAULT_##name,
    KS_FAULT_MAP(KS_FAULT_ENUM)
#undef KS_FAULT_ENUM
    KS_FAULT_COUNT
} ks_fault;

/* What the shop owes the customer by a deadline (seed 000 §四, seed 002,
 * seed 003 信守承诺; platform deadlines of SPEC 2.5). The name is also the
 * policy's deadline rule that sets the default due time. */
#define KS_PROMISE_MAP(XX)               \
    XX(reply, "答复")                    \
    XX(callback, "回电")                 \
    XX(tracking, "补发单号")             \
    XX(reship, "补发")                   \
    XX(refund, "退款")                   \
    XX(compensate, "补偿到账")           \
    XX(evidence, "平台举证")             \
    XX(other, "其他")

typedef enum ks_promise_kind {
#define KS_PROMISE_ENUM(name, zh) KS_PROMISE_##name,
    KS_PROMISE_MAP(KS_PROMISE_ENUM)
#undef KS_PROMISE_ENUM
    KS_PROMISE_COUNT
} ks_promise_kind;

/* Remedies (seed 000 §三/§四, seed 003 refund types). */
#define KS_REMEDY_MAP(XX)                   \
    XX(none, "未定")                        \
    XX(refund, "仅退款")                    \
    XX(partial_refund, "部分退款")          \
    XX(return_refund, "退货退款")           \
    XX(exchange, "换货")                    \
    XX(reship, "补发")                      \
    XX(compensate, "补偿")                  \
    XX(full_remedy, "全额赔偿实际损失")     \
    XX(refuse, "拒绝(附理由)")

typedef enum ks_remedy {
#define KS_REMEDY_ENUM(name, zh) KS_REMEDY_##name,
    KS_REMEDY_MAP(KS_REMEDY_ENUM)
#undef KS_REMEDY_ENUM
    KS_REMEDY_COUNT
} ks_remedy;

typedef struct ks_promise {
    int64_t id;          /* store-assigned; 0 before it is stored */
    ks_promise_kind kind;
    char *text;          /* what was promised, may be NULL */
    int64_t made_at;
    int64_t due_at;
    int64_t kept_at;     /* KS_TIME_NONE while open */
} ks_promise;

typedef struct ks_note {
    int64_t at;
    char *author;        /* may be NULL */
    char *text;
} ks_note;

typedef struct ks_case {
    int64_t id;          /* store-assigned; 0 before insert */
    char *shop, *customer, *agent;    /* customer required */
    char *summary;       /* the complaint in one line, may be NULL */
    int has_order;
    ks_order order;      /* SPEC 3.1 order; strings owned by the case */
    char **convs;        /* linked conversation ids */
    size_t nconvs;
    char **evidence;     /* references: "c-1001#m3", photo URLs, ... */
    size_t nevidence;
    uint32_t causes;     /* bit (1u << ks_cause) per cause */
    ks_risk risk;
    ks_state state;
    ks_state prev_state; /* state before escalation (to return to) */
    ks_fault fault;
    int safety;          /* fire, injury, food poisoning: seed 002 */
    int batch_issue;     /* flagged as a batch quality issue (seed 000 §五) */
    /* Facts gathered while verifying (seed 000 §二): -1 unknown, 0 no, 1 yes. */
    int other_units_bad;     /* the customer's other units show it too */
    int transit_damage;      /* package crushed/holed in transit */
    int person_checked;      /* safety: the person was asked after (seed 002) */
    int64_t feedback_at;     /* when the customer first reported it */
    int64_t created_at, updated_at, closed_at;
    int refused_offers;      /* offers the customer turned down: the
                                refund ladder climbs one step each */
    ks_remedy remedy;        /* the agreed resolution */
    double remedy_amount;    /* yuan, < 0 when none */
    ks_promise *promises;
    size_t npromises;
    ks_note *notes;
    size_t nnotes;
} ks_case;

/* Sets every field to its empty value (unknowns -1, times KS_TIME_NONE,
 * state new, remedy none). */
KS_API void ks_case_init(ks_case *c);
KS_API void ks_case_free(ks_case *c);
/* Deep copy; dst is overwritten (not freed first). */
KS_API int ks_case_copy(ks_case *dst, const ks_case *src);

/* Deep copy of an order (SPEC 3.1), e.g. a conversation's into a case;
 * dst is overwritten. KS_ENOMEM leaves dst empty. */
KS_API int ks_order_copy(ks_order *dst, const ks_order *src);

/* Checks a case before it is stored: customer present, no negative price
 * or cost, order timestamps in order (ordered <= shipped <= delivered <=
 * feedback), promise due >= made, strings valid UTF-8. Each problem is one
 * error in d naming the field; returns KS_EINVAL if any. */
KS_API int ks_case_validate(const ks_case *c, ks_diags *d);

KS_API int ks_case_add_conv(ks_case *c, const char *conv_id);
KS_API int ks_case_add_evidence(ks_case *c, const char *ref);
KS_API int ks_case_add_note(ks_case *c, int64_t at, const char *author,
                            const char *text);
/* Appends a promise (id 0); *index receives its position if not NULL. */
KS_API int ks_case_add_promise(ks_case *c, ks_promise_kind kind,
                               const char *text, int64_t made_at,
                               int64_t due_at, size_t *index);
/* Number of promises not yet kept. */
KS_API size_t ks_case_open_promises(const ks_case *c);

/*
 * The flow as a state machine (SPEC 2.1):
 *   new -> soothing -> verifying -> negotiating -> resolving -> closed,
 *   any open state -> escalated (platform intervention), and escalated back
 *   to negotiating, resolving or closed. closed is final.
 * Guards beyond the graph: verifying needs soothing first (asking how it
 * was stored before apologising reads as an accusation, seed 000 §一); a
 * safety case cannot leave soothing until the person was checked on (seed
 * 002); resolving needs an agreed remedy; closing needs every promise kept.
 * Returns KS_OK, or KS_ESTATE with a one-line reason (Chinese, then the
 * English gloss) written to reason.
 */
KS_API int ks_flow_check(const ks_case *c, ks_state to, char *reason,
                         size_t reason_cap);
/* Checks, then moves: sets state (prev_state when escalating), updated_at,
 * closed_at. On refusal the case is unchanged. */
KS_API int ks_flow_move(ks_case *c, ks_state to, int64_t now, char *reason,
                        size_t reason_cap);
/* The states reachable from c's state right now, in flow order. */
KS_API size_t ks_flow_next(const ks_case *c, ks_state out[KS_STATE_COUNT]);

KS_API const char *ks_state_name(ks_state s);
KS_API const char *ks_state_zh(ks_state s);
KS_API const char *ks_fault_name(ks_fault f);
KS_API const char *ks_fault_zh(ks_fault f);
KS_API const char *ks_promise_name(ks_promise_kind k);
KS_API const char *ks_promise_zh(ks_promise_kind k);
KS_API const char *ks_remedy_name(ks_remedy r);
KS_API const char *ks_remedy_zh(ks_remedy r);
/* Name (English wire name or 中文) -> value; -1 when unknown. */
KS_API int ks_state_from_name(const char *name);
KS_API int ks_fault_from_name(const char *name);
KS_API int ks_promise_from_name(const char *name);
KS_API int ks_remedy_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
