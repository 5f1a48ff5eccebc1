/*
 * `- rule:` entries: outputs (incident code / risk / cause), steps with
 * their message predicates, windows and negation.
 */
#include "pack_load_int.h"
#include "kesu/alloc.h"

#include <stdio.h>
#include <string.h>

static const char *const rule_keys[] = {
    "rule", "desc", "code", "level", "risk", "cause", "steps", "advice",
    "falsepositives", "examples", "unless_category", "tags", NULL};
static const char *const step_keys[] = {
    "desc", "by", "has", "has_all", "lacks", "event", "reply_delay_over",
    "use", "absent", "next", "dir", "evidence", "within", NULL};
static const char *const within_keys[] = {"turns", "seconds", NULL};

/* Resolves a list name or a sequence of names into a fresh bitset. */
static int parse_lists(ks_loader *L, ks_ydoc *doc, yaml_node_t *n,
                       uint64_t **out)
{
    uint64_t *bs = ks_calloc(L->p->bitwords, sizeof *bs);
    if (!bs)
        return KS_ENOMEM;
    ks_free(*out);
    *out = bs;
    size_t count = 1;
    if (n->type == YAML_SEQUENCE_NODE)
        count = (size_t)(n->data.sequence.items.top -
                         n->data.sequence.items.start);
    if ((n->type != YAML_SCALAR_NODE && n->type != YAML_SEQUENCE_NODE) ||
        count == 0)
        return ks_ld_error(L, doc, n, "expected a list name or a list of "
                                      "list names%s", NULL);
    int rc = KS_OK;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *en = n->type == YAML_SCALAR_NODE
                              ? n
                              : ks_ynode(doc, n->data.sequence.items.start[i]);
        const char *name = ks_yscalar(en);
        int id = name ? ks_ld_find_list(L, name) : -1;
        if (id < 0) {
            rc = ks_ld_error(L, doc, en, "unknown list \"%s\"",
                             name ? name : "(not a string)");
            continue;
        }
        L->p->lists[id].used = 1;
        KS_BIT_SET(bs, (size_t)id);
    }
    return rc;
}

static int parse_by(ks_loader *L, ks_ydoc *doc, yaml_node_t *n, int *by)
{
    const char *s = ks_yscalar(n);
    static const char *const names[] = {"customer", "agent", "system"};
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *by = i;
            return KS_OK;
        }
    if (s && strcmp(s, "any") == 0) {
        *by = KS_BY_ANY;
        return KS_OK;
    }
    return ks_ld_error(L, doc, n, "by: must be customer, agent, system or "
                                  "any, not \"%s\"", s ? s : "");
}

static int parse_event(ks_loader *L, ks_ydoc *doc, yaml_node_t *n, int *ev)
{
    const char *s = ks_yscalar(n);
    static const char *const names[] = {"end", "transfer", "timeout",
                                        "rating"};
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *ev = KS_EV_END + i;
            return KS_OK;
        }
    return ks_ld_error(L, doc, n, "event: must be end, transfer, timeout or "
                                  "rating, not \"%s\"", s ? s : "");
}

/* Applies the predicate keys present in node to pred. */
static int parse_pred(ks_loader *L, ks_ydoc *doc, yaml_node_t *node,
                      ks_pred *pred)
{
    yaml_node_t *v;
    int rc = KS_OK, r;
#define TRY(x)                         \
    do {                               \
        if ((r = (x)) == KS_ENOMEM)    \
            return r;                  \
        if (r)                         \
            rc = r;                    \
    } while (0)
    if ((v = ks_yget(doc, node, "by")))
        TRY(parse_by(L, doc, v, &pred->by));
    if ((v = ks_yget(doc, node, "event"))) {
        TRY(parse_event(L, doc, v, &pred->event));
        if (pred->by == KS_BY_ANY)
            pred->by = KS_FROM_SYSTEM;
    }
    if ((v = ks_yget(doc, node, "has")))
        TRY(parse_lists(L, doc, v, &pred->has));
    if ((v = ks_yget(doc, node, "has_all")))
        TRY(parse_lists(L, doc, v, &pred->has_all));
    if ((v = ks_yget(doc, node, "lacks")))
        TRY(parse_lists(L, doc, v, &pred->lacks));
    if ((v = ks_yget(doc, node, "reply_delay_over"))) {
        long s;
        if (ks_yuint(v, &s))
            rc = ks_ld_error(L, doc, v, "reply_delay_over: expects seconds "
                                        "(a whole number)%s", NULL);
        else
            pred->reply_delay_over_ms = (int64_t)s * 1000;
    }
#undef TRY
    return rc;
}

static int parse_flag(ks_loader *L, ks_ydoc *doc, yaml_node_t *node,
                      const char *key, int *out)
{
    yaml_node_t *v = ks_yget(doc, node, key);
    if (v && ks_ybool(v, out))
        return ks_ld_error(L, doc, v, "%s: expects true or false", key);
    return KS_OK;
}

static int parse_within(ks_loader *L, ks_ydoc *doc, yaml_node_t *v,
                        ks_step *st)
{
    if (v->type != YAML_MAPPING_NODE)
        return ks_ld_error(L, doc, v, "within: expects {turns: N} and/or "
                                      "{seconds: S}%s", NULL);
    int rc = ks_ycheck_keys(doc, v, within_keys, "within", L->d) ? KS_ERULES
                                                                : KS_OK;
    yaml_node_t *t = ks_yget(doc, v, "turns"), *s = ks_yget(doc, v, "seconds");
    long n;
    if (t) {
        if (ks_yuint(t, &n) || n == 0)
            rc = ks_ld_error(L, doc, t, "turns: expects a positive whole "
                                        "number%s", NULL);
        else
            st->within_turns = (int)n;
    }
    if (s) {
        if (ks_yuint(s, &n) || n == 0)
            rc = ks_ld_error(L, doc, s, "seconds: expects a positive whole "
                                        "number%s", NULL);
        else
            st->within_ms = (int64_t)n * 1000;
    }
    return rc;
}

static int apply_use(ks_loader *L, ks_ydoc *doc, yaml_node_t *v, ks_pred *pred)
{
    const char *name = ks_yscalar(v);
    for (size_t i = 0; name && i < L->nconds; i++) {
        ks_cond_def *c = &L->conds[i];
        if (strcmp(c->name, name) == 0) {
            c->used = 1;
            return parse_pred(L, &L->docs[c->doc], c->node, pred);
        }
    }
    return ks_ld_error(L, doc, v, "unknown condition \"%s\"",
                       name ? name : "(not a string)");
}

static int parse_step(ks_loader *L, ks_ydoc *doc, yaml_node_t *node,
                      ks_step *st)
{
    st->pred.by = KS_BY_ANY;
    st->pred.reply_delay_over_ms = -1;
    st->within_turns = -1;
    st->within_ms = -1;
    if (node->type != YAML_MAPPING_NODE)
        return ks_ld_error(L, doc, node, "a step must be a mapping%s", NULL);
    int rc = ks_ycheck_keys(doc, node, step_keys, "a step", L->d) ? KS_ERULES
                                                                 : KS_OK;
    int r;
    yaml_node_t *v;
    if ((v = ks_yget(doc, node, "use")) &&
        (r = apply_use(L, doc, v, &st->pred)))
        rc = r;
    if ((r = parse_pred(L, doc, node, &st->pred)))
        rc = r;
    if ((r = parse_flag(L, doc, node, "absent", &st->absent)) ||
        (r = parse_flag(L, doc, node, "next", &st->next)) ||
        (r = parse_flag(L, doc, node, "evidence", &st->evidence)))
        rc = r;
    if ((v = ks_yget(doc, node, "dir"))) {
        const char *d = ks_yscalar(v);
        if (d && !strcmp(d, "before"))
            st->dir = KS_DIR_BEFORE;
        else if (!d || strcmp(d, "after"))
            rc = ks_ld_error(L, doc, v, "dir: expects after or before%s", NULL);
    }
    if ((v = ks_yget(doc, node, "within")) &&
        (r = parse_within(L, doc, v, st)))
        rc = r;
    if (rc == KS_OK && st->next && st->pred.by == KS_BY_ANY)
        rc = ks_ld_error(L, doc, node, "next: true needs by: customer, agent "
                                       "or system%s", NULL);
    if (rc == KS_OK && st->absent && st->evidence)
        rc = ks_ld_error(L, doc, node, "an absent step cannot be the "
                                       "evidence%s", NULL);
    return rc;
}

static int parse_steps(ks_loader *L, ks_ydoc *doc, yaml_node_t *seq,
                       ks_rule *r)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE ||
        seq->data.sequence.items.start == seq->data.sequence.items.top)
        return KS_EINVAL;
    size_t n = (size_t)(seq->data.sequence.items.top -
                        seq->data.sequence.items.start);
    if (n > 8)
        return ks_ld_error(L, doc, seq, "a rule has at most 8 steps%s", NULL);
    r->steps = ks_calloc(n, sizeof *r->steps);
    if (!r->steps)
        return KS_ENOMEM;
    r->nsteps = n;
    int rc = KS_OK;
    for (size_t i = 0; i < n; i++) {
        int e = parse_step(L, doc,
                           ks_ynode(doc, seq->data.sequence.items.start[i]),
                           &r->steps[i]);
        if (e == KS_ENOMEM)
            return e;
        if (e)
            rc = e;
    }
    if (rc == KS_OK && r->steps[0].absent)
        rc = ks_ld_error(L, doc, seq, "the first step cannot be absent: it "
                                      "anchors the rule%s", NULL);
    return rc;
}

static int parse_output(ks_loader *L, ks_ydoc *doc, yaml_node_t *item,
                        ks_rule *r)
{
    yaml_node_t *code = ks_yget(doc, item, "code");
    yaml_node_t *risk = ks_yget(doc, item, "risk");
    yaml_node_t *cause = ks_yget(doc, item, "cause");
    if (!!code + !!risk + !!cause != 1)
        return ks_ld_error(L, doc, item, "a rule needs exactly one of code: "
                                         "(incident), risk: or cause:%s", NULL);
    if (code) {
        const char *s = ks_yscalar(code);
        r->out_kind = KS_OUT_INCIDENT;
        r->out_code = s ? ks_incident_from_name(s) : -1;
        if (r->out_code < 0)
            return ks_ld_error(L, doc, code, "unknown incident code \"%s\" "
                                             "(see SPEC 2.4)", s ? s : "");
        yaml_node_t *lv = ks_yget(doc, item, "level");
        const char *l = ks_yscalar(lv);
        char want[2] = {ks_incident_level((ks_incident)r->out_code), 0};
        if (lv && (!l || strcmp(l, want) != 0))
            return ks_ld_error(L, doc, lv, "this code's level is fixed: %s",
                               want);
        return KS_OK;
    }
    if (ks_yget(doc, item, "level"))
        return ks_ld_error(L, doc, ks_yget(doc, item, "level"),
                           "level: applies to incident rules only%s", NULL);
    const char *s = ks_yscalar(risk ? risk : cause);
    r->out_kind = risk ? KS_OUT_RISK : KS_OUT_CAUSE;
    r->out_code = !s ? -1 : risk ? ks_risk_from_name(s) : ks_cause_from_name(s);
    if (r->out_code < 0 || (risk && r->out_code == KS_RISK_normal))
        return ks_ld_error(L, doc, risk ? risk : cause,
                           risk ? "risk: must be elevated, high or critical, "
                                  "not \"%s\""
                                : "unknown cause \"%s\" (see SPEC 2.2)",
                           s ? s : "");
    return KS_OK;
}

static int parse_unless(ks_loader *L, ks_ydoc *doc, yaml_node_t *v,
                        ks_rule *r)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return ks_ld_error(L, doc, v, "unless_category: expects a list of "
                                      "order categories%s", NULL);
    size_t n = (size_t)(v->data.sequence.items.top -
                        v->data.sequence.items.start);
    r->unless_category = ks_calloc(n ? n : 1, sizeof *r->unless_category);
    if (!r->unless_category)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = ks_ynode(doc, v->data.sequence.items.start[i]);
        const char *s = ks_yscalar(e);
        if (!s)
            return ks_ld_error(L, doc, e, "expected a category name%s", NULL);
        if (!(r->unless_category[r->nunless++] = ks_strdup(s)))
            return KS_ENOMEM;
    }
    return KS_OK;
}

/* YAML folds a multi-line scalar with spaces, right for English and wrong
 * for Chinese: drop a space before a non-ASCII character that follows a
 * non-ASCII character or punctuation. */
static void join_cjk_lines(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == ' ' && o > s &&
            (((unsigned char)o[-1] & 0x80) || strchr(",.;:!?)", o[-1])) &&
            ((unsigned char)p[1] & 0x80))
            continue;
        *o++ = *p;
    }
    *o = '\0';
}

static int fill_rule(ks_loader *L, ks_ydoc *doc, yaml_node_t *item,
                     ks_rule *r)
{
    int rc = ks_ycheck_keys(doc, item, rule_keys, "a rule", L->d) ? KS_ERULES
                                                                 : KS_OK;
    yaml_node_t *nn = ks_yget(doc, item, "rule");
    const char *name = ks_yscalar(nn);
    char where[512];
    if (!name || !*name)
        return ks_ld_error(L, doc, item, "rule needs a name%s", NULL);
    for (size_t i = 0; i < L->p->nrules; i++)
        if (strcmp(L->p->rules[i].name, name) == 0)
            return ks_ld_error(L, doc, nn, "rule \"%s\" is defined twice",
                               name);
    r->name = ks_strdup(name);
    r->where = ks_strdup(ks_ywhere(doc, nn, where, sizeof where));
    if (!r->name || !r->where)
        return KS_ENOMEM;
    int e;
    if ((e = parse_output(L, doc, item, r)))
        rc = e;
    yaml_node_t *adv = ks_yget(doc, item, "advice");
    if (adv && !ks_yscalar(adv))
        rc = ks_ld_error(L, doc, adv, "advice: expects text%s", NULL);
    else if (adv && !(r->advice = ks_strdup(ks_yscalar(adv))))
        return KS_ENOMEM;
    if (r->advice)
        join_cjk_lines(r->advice);
    if (!adv && r->out_kind == KS_OUT_INCIDENT && rc == KS_OK)
        rc = ks_ld_error(L, doc, nn, "incident rule \"%s\" needs advice: "
                                     "(诊断思路) for the agent's coach", name);
    e = parse_steps(L, doc, ks_yget(doc, item, "steps"), r);
    if (e == KS_EINVAL)
        e = ks_ld_error(L, doc, nn, "rule \"%s\" needs steps: (a non-empty "
                                    "list)", name);
    if (e)
        rc = e;
    yaml_node_t *v;
    if (rc != KS_ENOMEM && (v = ks_yget(doc, item, "unless_category")) &&
        (e = parse_unless(L, doc, v, r)))
        rc = e;
    if (rc != KS_ENOMEM && (v = ks_yget(doc, item, "examples")) &&
        (e = ks_ld_examples(L, doc, v, r)))
        rc = e;
    return rc;
}

void ks_rule_clear(ks_rule *r);

int ks_ld_rule(ks_loader *L, size_t di, yaml_node_t *item)
{
    ks_rule r = {0};
    int rc = fill_rule(L, &L->docs[di], item, &r);
    if (rc) {
        ks_rule_clear(&r);
        return rc;
    }
    ks_rule *rules = ks_realloc(L->p->rules,
                                (L->p->nrules + 1) * sizeof *rules);
    if (!rules) {
        ks_rule_clear(&r);
        return KS_ENOMEM;
    }
    L->p->rules = rules;
    rules[L->p->nrules++] = r;
    return KS_OK;
}
