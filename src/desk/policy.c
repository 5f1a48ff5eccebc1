/*
 * The shop policy (include/kesu/policy.h): lookups and ownership. The
 * YAML parser follows below the lookups once it lands.
 *
 * Invariants of a parsed policy: holidays and makeup_days are sorted
 * without duplicates; the windows and carriers tables each hold a "*"
 * entry; every string is owned by the policy.
 */
#include "kesu/policy.h"
#include "kesu/alloc.h"

#include <string.h>
#include <strings.h>

/* ---- lookups ------------------------------------------------------------ */

const ks_deadline_rule *ks_policy_deadline(const ks_policy *p,
                                           const char *name)
{
    if (!p || !name)
        return NULL;
    for (size_t i = 0; i < p->ndeadlines; i++)
        if (strcmp(p->deadlines[i].name, name) == 0)
            return &p->deadlines[i];
    return NULL;
}

/* Categories and carriers are codes ("food", "zto") that arrive in any
 * case from order exports, hence the ASCII case-insensitive match. */
const ks_window *ks_policy_window(const ks_policy *p, const char *category)
{
    if (!p)
        return NULL;
    const ks_window *any = NULL;
    for (size_t i = 0; i < p->nwindows; i++) {
        const ks_window *w = &p->windows[i];
        if (category && strcasecmp(w->category, category) == 0)
            return w;
        if (strcmp(w->category, "*") == 0)
            any = w;
    }
    return any;
}

/* -1 when neither the carrier nor "*" is known (a hand-built policy). */
int ks_policy_transit_days(const ks_policy *p, const char *carrier)
{
    if (!p)
        return -1;
    int any = -1;
    for (size_t i = 0; i < p->ncarriers; i++) {
        const ks_carrier_norm *c = &p->carriers[i];
        if (carrier && strcasecmp(c->carrier, carrier) == 0)
            return c->transit_days;
        if (strcmp(c->carrier, "*") == 0)
            any = c->transit_days;
    }
    return any;
}

int ks_policy_is_perishable(const ks_policy *p, const char *category)
{
    if (!p || !category)
        return 0;
    for (size_t i = 0; i < p->nperishable; i++)
        if (strcasecmp(p->perishable[i], category) == 0)
            return 1;
    return 0;
}

/* ---- ownership ---------------------------------------------------------- */

void ks_policy_free(ks_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndeadlines; i++) {
        ks_free(p->deadlines[i].name);
        ks_free(p->deadlines[i].source);
    }
    for (size_t i = 0; i < p->nwindows; i++) {
        ks_free(p->windows[i].category);
        ks_free(p->windows[i].source);
    }
    for (size_t i = 0; i < p->ncarriers; i++)
        ks_free(p->carriers[i].carrier);
    for (size_t i = 0; i < p->nperishable; i++)
        ks_free(p->perishable[i]);
    ks_free(p->deadlines);
    ks_free(p->windows);
    ks_free(p->carriers);
    ks_free(p->perishable);
    ks_free(p->holidays);
    ks_free(p->makeup_days);
    ks_free(p->ladder);
    ks_free(p);
}

int ks_policy_parse(const ks_policy *base, const char *text, size_t len,
                    const char *name, ks_policy **out, ks_diags *d)
{
    (void)base;
    (void)text;
    (void)len;
    if (out)
        *out = NULL;
    ks_diags_add(d, 0, name ? name : "policy", "policy parser not built yet");
    return KS_ERULES;
}
