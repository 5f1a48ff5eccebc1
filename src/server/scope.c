/*
 * What the caller may see: the rows of one shop (admin: every shop), of
 * one agent (agent role), or of the agents of one team (lead). Handlers
 * take a scope once per request and filter with it, so that the role
 * rules of include/kesu/auth.h live in one place for every endpoint.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include "kesu/alloc.h"

static int same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* A lead's team: the agents with the lead's shop and team. */
static int load_team(srv_scope *s, ks_store *st, const ks_principal *p)
{
    ks_user *u = NULL;
    size_t n = 0;
    int rc = ks_store_user_list(st, &u, &n);
    if (rc != KS_OK)
        return rc;
    s->team = n ? ks_malloc(n * sizeof *s->team) : NULL;
    for (size_t i = 0; s->team && i < n; i++) {
        if (u[i].role != KS_ROLE_agent || !same(u[i].shop, p->shop) ||
            !p->team[0] || !same(u[i].team, p->team))
            continue;
        s->team[s->nteam] = u[i].name;   /* keeps the string */
        u[i].name = NULL;
        s->nteam++;
    }
    ks_users_free(u, n);
    return n && !s->team ? KS_ENOMEM : KS_OK;
}

int srv_scope_get(srv_req *r, srv_scope *s)
{
    memset(s, 0, sizeof *s);
    const ks_principal *p = &r->who;
    s->who = p;
    if (p->role != KS_ROLE_admin)
        s->shop = p->shop;
    if (p->role == KS_ROLE_agent)
        s->agent = p->name;
    if (p->role != KS_ROLE_lead)
        return 0;
    s->lead = 1;
    ks_store *st = srv_thread_store(r->th, r->sh);
    if (!st || load_team(s, st, p) != KS_OK) {
        srv_scope_free(s);
        srv_error(r, SRV_E_internal, "the account store failed", NULL);
        return -1;
    }
    return 0;
}

int srv_scope_has_agent(const srv_scope *s, const char *agent)
{
    if (s->agent)
        return same(s->agent, agent);
    if (!s->lead)
        return 1;
    if (same(s->who->name, agent))
        return 1;
    for (size_t i = 0; i < s->nteam; i++)
        if (same(s->team[i], agent))
            return 1;
    return 0;
}

int srv_scope_allows(const srv_scope *s, const char *shop, const char *agent)
{
    return ks_can_see(s->who, shop, agent) && srv_scope_has_agent(s, agent);
}

int srv_scope_personal(const srv_scope *s, const char *agent)
{
    return ks_role_sees_personal(s->who->role) || same(s->who->name, agent);
}

char *srv_scope_mask(const srv_scope *s, const char *agent, const char *text)
{
    if (!text)
        return NULL;
    if (srv_scope_personal(s, agent))
        return ks_strdup(text);
    char *out = NULL;
    /* Text that is not UTF-8 never reaches the store; should it, hide it. */
    if (ks_mask_personal_aligned(text, strlen(text), &out) == KS_EUTF8)
        return ks_strdup("");
    return out;
}

void srv_scope_free(srv_scope *s)
{
    for (size_t i = 0; i < s->nteam; i++)
        ks_free(s->team[i]);
    ks_free(s->team);
    s->team = NULL;
    s->nteam = 0;
}
