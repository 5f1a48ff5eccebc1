/* Pack lifecycle, statistics, word export and example checking. */
#include "pack_int.h"
#include "kesu/alloc.h"
#include "kesu/model.h"
#include "kesu/qa.h"

#include <string.h>

static void pred_clear(ks_pred *p)
{
    ks_free(p->has);
    ks_free(p->has_all);
    ks_free(p->lacks);
}

void ks_rule_clear(ks_rule *r);
void ks_rule_clear(ks_rule *r)
{
    ks_free(r->name);
    ks_free(r->where);
    ks_free(r->advice);
    for (size_t i = 0; i < r->nsteps; i++)
        pred_clear(&r->steps[i].pred);
    ks_free(r->steps);
    for (size_t i = 0; i < r->nunless; i++)
        ks_free(r->unless_category[i]);
    ks_free(r->unless_category);
    for (size_t i = 0; i < r->nexamples; i++) {
        ks_free(r->examples[i].where);
        ks_conv_free(&r->examples[i].conv);
    }
    ks_free(r->examples);
}

void ks_pack_free(ks_pack *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nlists; i++) {
        ks_free(p->lists[i].name);
        ks_free(p->lists[i].where);
    }
    ks_free(p->lists);
    ks_pack_free_expansions(p);
    for (size_t i = 0; i < p->nlits; i++) {
        ks_free(p->lits[i].text);
        ks_free(p->lits[i].where);
        ks_free(p->lits[i].targets);
    }
    ks_free(p->lits);
    for (size_t i = 0; i < p->nrules; i++)
        ks_rule_clear(&p->rules[i]);
    ks_free(p->rules);
    ks_clock_free(&p->clock);
    ks_model_free(p->model);
    ks_pack_free_dbs(p);
    ks_free(p);
}

void ks_pack_get_stats(const ks_pack *p, ks_pack_stats *st)
{
    memset(st, 0, sizeof *st);
    st->lists = p->nlists;
    for (size_t i = 0; i < p->nlits; i++) {
        const ks_lit *l = &p->lits[i];
        int word = 0;   /* exceptions alone are not words to look for */
        for (size_t t = 0; t < l->ntargets; t++)
            word |= !(l->targets[t] & 1u);
        st->words += word && !l->is_regex;
        st->regexes_as_strings += l->expanded != 0;
    }
    st->regex_strings = p->nx;
    st->regexes = p->nregex;
    st->rules = p->nrules;
    for (size_t i = 0; i < p->nrules; i++)
        st->examples += p->rules[i].nexamples;
    if (p->model) {
        st->model_features = ks_model_features(p->model);
        st->model_codes = (size_t)__builtin_popcount(ks_model_codes(p->model));
    }
    hs_database_t *dbs[6];
    size_t ndb = ks_pack_dbs(p, dbs);
    for (size_t i = 0; i < ndb; i++) {
        size_t n = 0;
        if (hs_database_size(dbs[i], &n) == HS_SUCCESS)
            st->db_bytes += n;
    }
}

int ks_pack_each_word(const ks_pack *p,
                      int (*fn)(const char *word, const char *list, void *arg),
                      void *arg)
{
    for (size_t i = 0; i < p->nlits; i++) {
        const ks_lit *l = &p->lits[i];
        if (l->is_regex)
            continue;
        for (size_t t = 0; t < l->ntargets; t++) {
            if (l->targets[t] & 1u)
                continue;   /* exceptions are not words to look for */
            int rc = fn(l->text, p->lists[l->targets[t] >> 1].name, arg);
            if (rc)
                return rc;
            break;
        }
    }
    return KS_OK;
}

int ks_pack_each_rule(const ks_pack *p,
                      int (*fn)(const ks_rule_info *r, void *arg), void *arg)
{
    static const char *const kinds[] = {"incident", "risk", "cause"};
    for (size_t i = 0; i < p->nrules; i++) {
        const ks_rule *r = &p->rules[i];
        ks_rule_info info = {r->name, kinds[r->out_kind], NULL, r->where};
        info.code = r->out_kind == KS_OUT_INCIDENT
                        ? ks_incident_name((ks_incident)r->out_code)
                    : r->out_kind == KS_OUT_RISK
                        ? ks_risk_name((ks_risk)r->out_code)
                        : ks_cause_name((ks_cause)r->out_code);
        int rc = fn(&info, arg);
        if (rc)
            return rc;
    }
    return KS_OK;
}

size_t ks_pack_check_examples(const ks_pack *p, ks_diags *diags)
{
    ks_scanner *s;
    if (ks_scanner_new(p, &s)) {
        ks_diags_add(diags, 0, "pack", "out of memory");
        return 1;
    }
    size_t failed = 0;
    for (size_t i = 0; i < p->nrules; i++) {
        const ks_rule *r = &p->rules[i];
        for (size_t k = 0; k < r->nexamples; k++) {
            const ks_example *ex = &r->examples[k];
            /* the rule alone: in a full run another rule of the same
             * code may claim the same message first */
            int got = 0;
            int rc = ks_qa_rule_fires(s, &ex->conv, r, &got);
            if (rc == KS_OK && got == ex->fires)
                continue;
            failed++;
            ks_diags_add(diags, 0, ex->where, "example of rule \"%s\" %s",
                         r->name,
                         rc ? ks_strerror(rc)
                         : ex->fires ? "should fire but does not"
                                     : "fires but should not");
        }
    }
    ks_scanner_free(s);
    return failed;
}
