/*
 * Private to the desk's fault analysis and planner (fault.c, plan.c):
 * the date and money formatting their Chinese reasoning lines share.
 * Implemented in lines.c. Pure: the time zone comes from the policy.
 */
#ifndef KS_PLAN_INT_H
#define KS_PLAN_INT_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/conv.h"
#include "kesu/policy.h"

/* A known time: set, and not the zero a zero-initialised struct holds
 * (no real order happened at the epoch). */
#define KS_PLAN_KNOWN(t) ((t) != KS_TIME_NONE && (t) > 0)

/* Local calendar day (days since 1970-01-01 in the policy's zone). */
int64_t ks_plan_day(const ks_policy *p, int64_t t);

/* "6月1日", or "2023年12月30日" when t's year differs from ref's
 * (ref unknown: never show the year). Returns buf. */
const char *ks_plan_fmt_date(const ks_policy *p, int64_t t, int64_t ref,
                             char *buf, size_t cap);

/* Yuan with at most 2 decimals and no trailing zeros: "9", "29.9",
 * "9.97". Returns buf. */
const char *ks_plan_fmt_yuan(double v, char *buf, size_t cap);

/* Rounds to the fen (0.01 yuan). */
double ks_plan_round_fen(double v);

#endif
