/*
 * Private to the server: what the case handlers share (h_cases.c,
 * h_case_body.c, h_case_edit.c): the desk as a request sees it, the case
 * addressed by {id} within the caller's scope, the answer (the case with
 * its scripts, events, audit check and next states, masked for the
 * caller), and the mapping of desk refusals to API errors.
 */
#ifndef KS_SRV_CASES_H
#define KS_SRV_CASES_H

#include "server.h"

struct cJSON;

/* The desk for this request: the thread's store, the shared policy and
 * scripts, now, and the caller as the audit actor. -1 after answering
 * (no store). */
int srv_desk_env(srv_req *r, ks_desk_env *e);
/* The case named by the route's {id}, if the caller may see it: 0, or
 * -1 after answering (404 for a malformed, unknown or invisible id). */
int srv_case_load(srv_req *r, const srv_scope *s, ks_case *c);
/* Answers with the whole case (status 200 or 201). */
void srv_case_answer(srv_req *r, const srv_scope *s, const ks_desk_env *e,
                     const ks_case *c, unsigned status);
/* Answers a desk refusal or failure (rc != KS_OK): 400 invalid_field,
 * 409 conflict (the flow's reason), 500. */
void srv_desk_error(srv_req *r, int rc, const ks_diags *d);
/* Masks every string in a JSON tree for the caller (rows of agent). */
int srv_mask_tree(const srv_scope *s, const char *agent, struct cJSON *j);

/* Body fields (h_case_body.c); each 0, or -1 after answering. */
int srv_body_facts(srv_req *r, const struct cJSON *root, ks_case_facts *f);
int srv_body_time(srv_req *r, const struct cJSON *root, const char *key,
                  int64_t *out);
int srv_body_money(srv_req *r, const struct cJSON *root, const char *key,
                   double *out);
int srv_body_enum(srv_req *r, const struct cJSON *root, const char *key,
                  int (*from_name)(const char *), int required, int *out);
/* "30m", "24h", "7d" (at most 100000 units) as ms; -1 when malformed. */
int srv_duration(const char *v, int64_t *ms);
/* A new case from POST /cases (shop and agent as given, unchecked). */
int srv_body_new_case(srv_req *r, const struct cJSON *root, ks_case *c,
                      ks_case_facts *f);

#endif
