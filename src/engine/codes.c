/* Tables behind include/kesu/codes.h. */
#include "kesu/codes.h"

#include <string.h>

static const struct {
    const char *name;
    char level;
    const char *zh;
} incidents[] = {
#define XX(name, level, zh) {#name, level, zh},
    KS_INCIDENT_MAP(XX)
#undef XX
};

static const struct {
    const char *name;
    const char *zh;
} causes[] = {
#define XX(name, zh) {#name, zh},
    KS_CAUSE_MAP(XX)
#undef XX
}, risks[] = {
#define XX(name, zh) {#name, zh},
    KS_RISK_MAP(XX)
#undef XX
};

const char *ks_incident_name(ks_incident c) { return incidents[c].name; }
const char *ks_incident_zh(ks_incident c) { return incidents[c].zh; }
char ks_incident_level(ks_incident c) { return incidents[c].level; }
const char *ks_cause_name(ks_cause c) { return causes[c].name; }
const char *ks_cause_zh(ks_cause c) { return causes[c].zh; }
const char *ks_risk_name(ks_risk r) { return risks[r].name; }
const char *ks_risk_zh(ks_risk r) { return risks[r].zh; }

int ks_incident_from_name(const char *name)
{
    for (int i = 0; i < KS_INC_COUNT; i++)
        if (strcmp(incidents[i].name, name) == 0)
            return i;
    return -1;
}

int ks_cause_from_name(const char *name)
{
    for (int i = 0; i < KS_CAUSE_COUNT; i++)
        if (strcmp(causes[i].name, name) == 0)
            return i;
    return -1;
}

int ks_risk_from_name(const char *name)
{
    for (int i = 0; i < KS_RISK_COUNT; i++)
        if (strcmp(risks[i].name, name) == 0)
            return i;
    return -1;
}
