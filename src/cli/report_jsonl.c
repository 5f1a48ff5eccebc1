/* SPEC 3.2 output. */
#include "report.h"

#include <string.h>

static void put_finding(FILE *out, const ks_conv *c, const ks_finding *f)
{
    const ks_msg *m = &c->msgs[f->msg];
    size_t b = ks_utf8_offset(m->text, m->text_len, f->start);
    size_t e = ks_utf8_offset(m->text, m->text_len, f->end);
    fprintf(out, "{\"code\":\"%s\",\"level\":\"%c\",\"rule\":",
            ks_incident_name(f->code), ks_incident_level(f->code));
    ks_json_str(out, f->rule, strlen(f->rule));
    fputs(",\"message\":", out);
    if (m->id)
        ks_json_str(out, m->id, strlen(m->id));
    else
        fputs("null", out);
    fprintf(out, ",\"index\":%zu,\"start\":%u,\"end\":%u,\"evidence\":",
            f->msg, f->start, f->end);
    ks_json_str(out, m->text + b, e - b);
    fputs(",\"advice\":", out);
    ks_json_str(out, f->advice ? f->advice : "",
                f->advice ? strlen(f->advice) : 0);
    if (f->score != 0)   /* the model's: found, suspected or withheld */
        fprintf(out, ",\"score\":%.3f", f->score);
    putc('}', out);
}

static void put_findings(FILE *out, const ks_conv *c, const ks_finding *v,
                         size_t n)
{
    putc('[', out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc(',', out);
        put_finding(out, c, &v[i]);
    }
    putc(']', out);
}

void ks_report_jsonl(FILE *out, const ks_conv *c, const ks_result *r)
{
    fputs("{\"conversation\":", out);
    ks_json_str(out, c->id, strlen(c->id));
    fputs(",\"agent\":", out);
    if (c->agent)
        ks_json_str(out, c->agent, strlen(c->agent));
    else
        fputs("null", out);
    fprintf(out, ",\"risk\":\"%s\",\"causes\":[", ks_risk_name(r->risk));
    int first = 1;
    for (int k = 0; k < KS_CAUSE_COUNT; k++)
        if (r->causes >> k & 1u) {
            fprintf(out, "%s\"%s\"", first ? "" : ",",
                    ks_cause_name((ks_cause)k));
            first = 0;
        }
    fputs("],\"findings\":", out);
    put_findings(out, c, r->findings, r->nfindings);
    /* only when the model has something to say: SPEC 3.2 stays as is */
    if (r->nsuspects) {
        fputs(",\"suspected\":", out);
        put_findings(out, c, r->suspects, r->nsuspects);
    }
    if (r->nwithheld) {
        fputs(",\"withheld\":", out);
        put_findings(out, c, r->withheld, r->nwithheld);
    }
    fputs("}\n", out);
}
