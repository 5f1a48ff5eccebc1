/* Asking whether one named rule fires: the desk uses it to tell a safety
 * incident (risk.harm) from other critical risks when importing cases.
 * And a rule's advice by name or code, for lists of stored findings. */
#include "kesu/qa.h"
#include "pack_int.h"

#include <string.h>

int ks_qa_rule_named(ks_scanner *s, const ks_pack *p, const ks_conv *c,
                     const char *name, int *fired)
{
    *fired = 0;
    for (size_t i = 0; i < p->nrules; i++)
        if (!strcmp(p->rules[i].name, name))
            return ks_qa_rule_fires(s, c, &p->rules[i], fired);
    return KS_ENOENT;
}

const char *ks_pack_advice(const ks_pack *p, const char *rule, int code)
{
    const ks_rule *first = NULL;
    for (size_t i = 0; p && i < p->nrules; i++) {
        const ks_rule *r = &p->rules[i];
        if (rule && !strcmp(r->name, rule))
            return r->advice;
        if (!first && r->out_kind == KS_OUT_INCIDENT && r->out_code == code)
            first = r;
    }
    return first ? first->advice : NULL;
}
