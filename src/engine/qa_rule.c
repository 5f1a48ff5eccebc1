/* Asking whether one named rule fires: the desk uses it to tell a safety
 * incident (risk.harm) from other critical risks when importing cases. */
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
