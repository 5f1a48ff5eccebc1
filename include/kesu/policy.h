/*
 * The shop's policy: deadlines, business calendar, after-sales windows,
 * carrier norms and the planner's stance. Data, not code: the shipped file
 * rules/desk/policy.yaml carries the defaults with the seed or platform rule
 * each comes from (SPEC 2.5), and a shop overlays its own file on it.
 */
#ifndef KESU_POLICY_H
#define KESU_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ks_clock {
    KS_CLOCK_CALENDAR,   /* wall-clock time */
    KS_CLOCK_BUSINESS,   /* only working hours of working days count */
    KS_CLOCK_WORKDAYS,   /* whole working days (platform review 4-6 days) */
    KS_CLOCK_SAME_DAY    /* by the end of the business day it starts in */
} ks_clock;

typedef struct ks_deadline_rule {
    char *name;          /* "callback", "tracking", "first_response", ... */
    int64_t within_ms;   /* CALENDAR/BUSINESS: duration */
    int workdays;        /* WORKDAYS: count */
    ks_clock clock;
    char *source;        /* where the figure comes from (for people) */
} ks_deadline_rule;

typedef struct ks_window {
    char *category;      /* order.category, "*" for the default */
    int days;            /* after-sales window after delivery */
    int no_reason_return;/* 7-day no-reason return applies (消保法 Art. 25) */
    char *source;
} ks_window;

typedef struct ks_carrier_norm {
    char *carrier;       /* order.carrier, "*" for the default */
    int transit_days;    /* normal shipped -> delivered */
} ks_carrier_norm;

typedef enum ks_stance {
    KS_STANCE_REPUTATION,  /* 口碑优先: goodwill for cheap items */
    KS_STANCE_COST         /* 成本优先: refuse costly out-of-window claims */
} ks_stance;

typedef struct ks_policy {
    int utc_offset_min;          /* local time zone, e.g. +480 */
    int work_start_min;          /* business day start, minutes from 00:00 */
    int work_end_min;            /* business day end */
    uint8_t workweek;            /* bit d set: weekday d works (0 = Monday) */
    int32_t *holidays;           /* local days since the epoch, sorted */
    size_t nholidays;
    int32_t *makeup_days;        /* 调休 weekend days that work, sorted */
    size_t nmakeup;
    ks_deadline_rule *deadlines;
    size_t ndeadlines;
    ks_window *windows;
    size_t nwindows;
    ks_carrier_norm *carriers;
    size_t ncarriers;
    char **perishable;           /* categories that spoil ("food", ...) */
    size_t nperishable;
    /* Planner (seed 000 §三, §六). */
    ks_stance stance;
    double goodwill_max_price;   /* at or under: refund for goodwill */
    double compensation_share;   /* two-choice offer: share of the price */
    double *ladder;              /* refund ladder shares, e.g. 1/3, 2/3, 1 */
    size_t nladder;
    int batch_threshold;         /* same sku+batch reports making a batch */
    int repeat_contacts_high;    /* contacts about one problem -> high risk */
} ks_policy;

/*
 * Parses a policy YAML text. With base NULL every section is required
 * (the shipped file); with a base, the text overrides what it names and
 * the rest is copied from base (a shop's overlay). Errors and unknown keys
 * are reported as "name:line:col" in d. Returns KS_OK, KS_ERULES or
 * KS_ENOMEM; *out is NULL on failure.
 */
KS_API int ks_policy_parse(const ks_policy *base, const char *text,
                           size_t len, const char *name, ks_policy **out,
                           ks_diags *d);
KS_API void ks_policy_free(ks_policy *p);

/* The named deadline rule, or NULL. */
KS_API const ks_deadline_rule *ks_policy_deadline(const ks_policy *p,
                                                  const char *name);
/* The window for a category (falls back to "*"); never NULL after a
 * successful parse. */
KS_API const ks_window *ks_policy_window(const ks_policy *p,
                                         const char *category);
/* Normal transit days for a carrier (falls back to "*"). */
KS_API int ks_policy_transit_days(const ks_policy *p, const char *carrier);
KS_API int ks_policy_is_perishable(const ks_policy *p, const char *category);

/* Calendar arithmetic in the policy's time zone and business hours. */
KS_API int ks_is_workday(const ks_policy *p, int64_t t);
KS_API int ks_is_business_time(const ks_policy *p, int64_t t);
/* t plus ms of business time (time outside working hours does not count). */
KS_API int64_t ks_business_add(const ks_policy *p, int64_t t, int64_t ms);
/* The same local time-of-day `days` working days later (clamped into the
 * business day). */
KS_API int64_t ks_workdays_add(const ks_policy *p, int64_t t, int days);
/* End of the business day containing t (or of the next one when t is after
 * hours or not a working day). */
KS_API int64_t ks_business_day_end(const ks_policy *p, int64_t t);
/* When rule `name` started at t falls due; KS_TIME_NONE if no such rule. */
KS_API int64_t ks_policy_due(const ks_policy *p, const char *name, int64_t t);

#ifdef __cplusplus
}
#endif
#endif
