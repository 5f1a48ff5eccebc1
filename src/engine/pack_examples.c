/*
 * Example conversations beside each rule:
 *
 *   examples:
 *     - fires: true
 *       chat:
 *         - customer: 这个多少钱
 *         - agent: 淘宝上更便宜        # 30 s after the previous message
 *         - {agent: 您好, after: 240}  # 240 s after it
 *         - system: end
 *
 * They document the rule for a lead and are run by `kesu rules test`.
 */
#include "pack_load_int.h"
#include "kesu/alloc.h"
#include "kesu/text.h"

#include <stdio.h>
#include <string.h>

static const char *const example_keys[] = {"fires", "desc", "category",
                                           "chat", NULL};
static const char *const line_keys[] = {"customer", "agent", "system",
                                        "after", NULL};

#define EXAMPLE_T0 1717552800000LL /* 2024-06-05T10:00:00+08:00 */

static int parse_line(ks_loader *L, ks_ydoc *doc, yaml_node_t *n, ks_msg *m,
                      int64_t *t)
{
    static const char *const who[] = {"customer", "agent", "system"};
    if (n->type != YAML_MAPPING_NODE)
        return ks_ld_error(L, doc, n, "a chat line is {customer: text}, "
                                      "{agent: text} or {system: event}%s",
                           NULL);
    if (ks_ycheck_keys(doc, n, line_keys, "a chat line", L->d))
        return KS_ERULES;
    int found = -1;
    const char *val = NULL;
    for (int i = 0; i < 3; i++) {
        yaml_node_t *v = ks_yget(doc, n, who[i]);
        if (v) {
            if (found >= 0 || !(val = ks_yscalar(v)))
                return ks_ld_error(L, doc, n, "a chat line has exactly one "
                                              "speaker with text%s", NULL);
            found = i;
        }
    }
    if (found < 0)
        return ks_ld_error(L, doc, n, "chat line without a speaker%s", NULL);
    long after = 30;
    yaml_node_t *a = ks_yget(doc, n, "after");
    if (a && ks_yuint(a, &after))
        return ks_ld_error(L, doc, a, "after: expects seconds%s", NULL);
    *t += (int64_t)after * 1000;
    m->at = *t;
    m->from = (ks_from)found;
    if (m->from == KS_FROM_SYSTEM) {
        for (int e = KS_EV_END; e <= KS_EV_RATING; e++)
            if (strcmp(val, ks_event_name((ks_event)e)) == 0)
                m->event = (ks_event)e;
        if (m->event == KS_EV_NONE)
            return ks_ld_error(L, doc, n, "unknown system event \"%s\"", val);
        val = "";
    }
    if (ks_utf8_validate(val, strlen(val), NULL))
        return ks_ld_error(L, doc, n, "invalid UTF-8%s", NULL);
    m->text = ks_strdup(val);
    if (!m->text)
        return KS_ENOMEM;
    m->text_len = strlen(val);
    return KS_OK;
}

static int parse_example(ks_loader *L, ks_ydoc *doc, yaml_node_t *n,
                         ks_rule *r, ks_example *ex)
{
    char where[512];
    if (n->type != YAML_MAPPING_NODE)
        return ks_ld_error(L, doc, n, "an example is a mapping with fires: "
                                      "and chat:%s", NULL);
    int rc = ks_ycheck_keys(doc, n, example_keys, "an example", L->d)
                 ? KS_ERULES : KS_OK;
    yaml_node_t *f = ks_yget(doc, n, "fires"), *chat = ks_yget(doc, n, "chat");
    if (!f || ks_ybool(f, &ex->fires))
        return ks_ld_error(L, doc, n, "an example needs fires: true or "
                                      "false%s", NULL);
    if (!chat || chat->type != YAML_SEQUENCE_NODE)
        return ks_ld_error(L, doc, n, "an example needs chat: (a list of "
                                      "lines)%s", NULL);
    ex->where = ks_strdup(ks_ywhere(doc, n, where, sizeof where));
    snprintf(where, sizeof where, "%s#example", r->name);
    ex->conv.id = ks_strdup(where);
    size_t cnt = (size_t)(chat->data.sequence.items.top -
                          chat->data.sequence.items.start);
    ex->conv.msgs = ks_calloc(cnt ? cnt : 1, sizeof *ex->conv.msgs);
    ex->conv.order.price = ex->conv.order.cost = -1;
    ex->conv.order.shelf_life_days = -1;
    ex->conv.order.ordered_at = ex->conv.order.shipped_at =
        ex->conv.order.delivered_at = KS_TIME_NONE;
    if (!ex->where || !ex->conv.id || !ex->conv.msgs)
        return KS_ENOMEM;
    yaml_node_t *cat = ks_yget(doc, n, "category");
    if (cat) {
        ex->conv.has_order = 1;
        if (!ks_yscalar(cat))
            return ks_ld_error(L, doc, cat, "category: expects a name%s", NULL);
        if (!(ex->conv.order.category = ks_strdup(ks_yscalar(cat))))
            return KS_ENOMEM;
    }
    int64_t t = EXAMPLE_T0;
    for (size_t i = 0; i < cnt; i++) {
        ks_msg *m = &ex->conv.msgs[i];
        ex->conv.nmsgs = i + 1;
        int e = parse_line(L, doc,
                           ks_ynode(doc, chat->data.sequence.items.start[i]),
                           m, &t);
        if (e == KS_ENOMEM)
            return e;
        if (e)
            rc = e;
    }
    return rc;
}

int ks_ld_examples(ks_loader *L, ks_ydoc *doc, yaml_node_t *seq, ks_rule *r)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return ks_ld_error(L, doc, seq, "examples: expects a list%s", NULL);
    size_t n = (size_t)(seq->data.sequence.items.top -
                        seq->data.sequence.items.start);
    r->examples = ks_calloc(n ? n : 1, sizeof *r->examples);
    if (!r->examples)
        return KS_ENOMEM;
    int rc = KS_OK;
    for (size_t i = 0; i < n; i++) {
        r->nexamples = i + 1;
        int e = parse_example(L, doc,
                              ks_ynode(doc, seq->data.sequence.items.start[i]),
                              r, &r->examples[i]);
        if (e == KS_ENOMEM)
            return e;
        if (e)
            rc = e;
    }
    return rc;
}
