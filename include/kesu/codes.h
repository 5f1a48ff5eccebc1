/*
 * The fixed vocabularies of SPEC 2.2-2.4: complaint causes, risk levels and
 * service-incident codes with their levels. Names are the wire names.
 */
#ifndef KESU_CODES_H
#define KESU_CODES_H

#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* name, level, 中文 */
#define KS_INCIDENT_MAP(XX)                               \
    XX(attitude, 'A', "态度恶劣")                          \
    XX(harassment, 'A', "恶意骚扰")                        \
    XX(defamation, 'A', "诋毁公司形象")                    \
    XX(confidentiality, 'A', "违反保密规定")               \
    XX(dishonesty, 'A', "不诚信欺诈")                      \
    XX(diversion, 'A', "引流")                             \
    XX(sensitive_mishandled, 'A', "敏感投诉处理不当")      \
    XX(negligence, 'A', "严重失职渎职")                    \
    XX(forced_end, 'A', "强行结束沟通/转接")               \
    XX(poor_service, 'B', "服务态度")                      \
    XX(false_promotion, 'B', "虚假宣传")                   \
    XX(shirking, 'B', "推诿不解决")                        \
    XX(unkept_promise, 'B', "承诺未兑现")                  \
    XX(process_b, 'B', "未执行流程")                       \
    XX(wrong_answer, 'C', "业务解答错误/不完整")           \
    XX(key_info, 'C', "关键信息传递")                      \
    XX(slow_response, 'C', "响应不及时")

typedef enum ks_incident {
#define KS_INC_ENUM(name, level, zh) KS_INC_##name,
    KS_INCIDENT_MAP(KS_INC_ENUM)
#undef KS_INC_ENUM
    KS_INC_COUNT
} ks_incident;

/* name, 中文 */
#define KS_CAUSE_MAP(XX)                      \
    XX(product, "商品质量/描述不符")           \
    XX(logistics, "物流")                      \
    XX(shipping, "发货")                       \
    XX(after_sales, "售后")                    \
    XX(service, "客服服务")                    \
    XX(promise, "承诺未兑现")                  \
    XX(misunderstanding, "理解偏差")           \
    XX(unreasonable, "无理要求")               \
    XX(malicious_review, "恶意评价")

typedef enum ks_cause {
#define KS_CAUSE_ENUM(name, zh) KS_CAUSE_##name,
    KS_CAUSE_MAP(KS_CAUSE_ENUM)
#undef KS_CAUSE_ENUM
    KS_CAUSE_COUNT
} ks_cause;

/* Ordered from lowest to highest. */
#define KS_RISK_MAP(XX)       \
    XX(normal, "正常")         \
    XX(elevated, "情绪激动")   \
    XX(high, "高")             \
    XX(critical, "严重")

typedef enum ks_risk {
#define KS_RISK_ENUM(name, zh) KS_RISK_##name,
    KS_RISK_MAP(KS_RISK_ENUM)
#undef KS_RISK_ENUM
    KS_RISK_COUNT
} ks_risk;

KS_API const char *ks_incident_name(ks_incident c);
KS_API const char *ks_incident_zh(ks_incident c);
KS_API char ks_incident_level(ks_incident c);
KS_API const char *ks_cause_name(ks_cause c);
KS_API const char *ks_cause_zh(ks_cause c);
KS_API const char *ks_risk_name(ks_risk r);
KS_API const char *ks_risk_zh(ks_risk r);

/* Name -> code; return -1 when unknown. */
KS_API int ks_incident_from_name(const char *name);
KS_API int ks_cause_from_name(const char *name);
KS_API int ks_risk_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
