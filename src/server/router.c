/*
 * The route table and its matcher. Patterns are literal segments and
 * "{id}" captures; a path with an empty, "." or ".." segment never
 * matches (libmicrohttpd has already decoded %2e%2e), so nothing outside
 * the table is reachable.
 */
#include "server.h"

#include <string.h>

static const srv_route routes[] = {
    {M_GET, "/api/v1/health", h_health, NULL, 0},
    {M_POST, "/api/v1/login", h_login, NULL, 0},
    {M_POST, "/api/v1/logout", h_logout, NULL, R_AUTH},
    {M_GET, "/api/v1/me", h_me, NULL, R_AUTH},
    {M_POST, "/api/v1/guard", h_guard, NULL, R_AUTH},
    {M_GET, "/api/v1/rules", h_rules, NULL, R_AUTH},
    {M_POST, "/api/v1/rules/reload", h_rules_reload, NULL, R_AUTH},
    {M_GET, "/api/v1/policy", h_policy, NULL, R_AUTH},
    {M_POST, "/api/v1/conversations", h_conv_import, h_conv_import_chunk,
     R_AUTH | R_IMPORT | R_RAWBODY},
    {M_GET, "/api/v1/conversations", h_conv_list, NULL, R_AUTH},
    {M_GET, "/api/v1/conversations/{id}", h_conv_get, NULL, R_AUTH},
    {M_GET, "/api/v1/incidents", h_incidents, NULL, R_AUTH},
    {M_GET, "/api/v1/codes", h_codes, NULL, R_AUTH},
    {M_GET, "/api/v1/scorecards", h_scorecards, NULL, R_AUTH},
    {M_GET, "/api/v1/causes", h_causes, NULL, R_AUTH},
    {M_GET, "/api/v1/cases", h_cases_list, NULL, R_AUTH},
    {M_POST, "/api/v1/cases", h_case_create, NULL, R_AUTH},
    {M_GET, "/api/v1/cases/{id}", h_case_get, NULL, R_AUTH},
    {M_POST, "/api/v1/cases/{id}/move", h_case_move, NULL, R_AUTH},
    {M_POST, "/api/v1/cases/{id}/set", h_case_set, NULL, R_AUTH},
    {M_POST, "/api/v1/cases/{id}/promise", h_case_promise, NULL, R_AUTH},
    {M_POST, "/api/v1/cases/{id}/keep", h_case_keep, NULL, R_AUTH},
    {M_POST, "/api/v1/cases/{id}/resolve", h_case_resolve, NULL, R_AUTH},
    {M_POST, "/api/v1/cases/{id}/note", h_case_note, NULL, R_AUTH},
    {M_GET, "/api/v1/due", h_due, NULL, R_AUTH},
    {M_GET, "/api/v1/audit", h_audit, NULL, R_AUTH},
};

static const char *method_names[] = {"GET", "POST", "PUT", "DELETE"};

int srv_segment_ok(const char *s, size_t n)
{
    return n > 0 && !(n == 1 && s[0] == '.') &&
           !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* Does path match pattern? Fills param with the {id} segment. */
static int match(const char *pat, const char *path, char *param, size_t cap)
{
    while (*pat && *path) {
        if (*pat != '/' || *path != '/')
            return 0;
        pat++, path++;
        size_t plen = strcspn(pat, "/"), slen = strcspn(path, "/");
        if (!srv_segment_ok(path, slen))
            return 0;
        if (plen == 4 && !memcmp(pat, "{id}", 4)) {
            if (slen >= cap)
                return 0;
            memcpy(param, path, slen);
            param[slen] = '\0';
        } else if (plen != slen || memcmp(pat, path, slen)) {
            return 0;
        }
        pat += plen, path += slen;
    }
    return !*pat && !*path;
}

const srv_route *srv_route_find(int method, const char *path, char *param,
                                size_t param_cap, srv_err *err, char *allow,
                                size_t allow_cap)
{
    const srv_route *hit = NULL;
    allow[0] = '\0';
    *err = SRV_E_not_found;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!match(routes[i].pattern, path, param, param_cap))
            continue;
        if (routes[i].method == method) {
            hit = &routes[i];
            break;
        }
        *err = SRV_E_method_not_allowed;
        if (routes[i].method < M_OTHER && strlen(allow) + 10 < allow_cap) {
            if (allow[0])
                strcat(allow, ", ");
            strcat(allow, method_names[routes[i].method]);
        }
    }
    if (hit)
        match(hit->pattern, path, param, param_cap);
    return hit;
}
