/*
 * kesu — complaint desk and customer-service quality inspector.
 * Umbrella header for the engine library (libkesu).
 */
#ifndef KESU_KESU_H
#define KESU_KESU_H

#define KS_VERSION "0.1.0"

#include "kesu/alloc.h"
#include "kesu/auth.h"
#include "kesu/case.h"
#include "kesu/codes.h"
#include "kesu/conv.h"
#include "kesu/desk.h"
#include "kesu/error.h"
#include "kesu/import.h"
#include "kesu/model.h"
#include "kesu/pack.h"
#include "kesu/plan.h"
#include "kesu/policy.h"
#include "kesu/qa.h"
#include "kesu/script.h"
#include "kesu/store.h"
#include "kesu/text.h"

#endif
