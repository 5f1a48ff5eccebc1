/* Private: the two output formats of `kesu qa`. */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include "cli.h"
#include "qa_stream.h"

/* SPEC 3.2 JSON Lines: one line per conversation, input order. */
void ks_report_jsonl(FILE *out, const ks_conv *c, const ks_result *r);

/* Human report for a terminal: findings as they come, summary at the
 * end. */
typedef struct ks_text_report ks_text_report;
ks_text_report *ks_text_report_new(FILE *out, int color, int all);
void ks_text_report_conv(void *arg, const ks_conv *c, const ks_result *r);
/* Prints the summary (unless print is 0) and frees t. */
void ks_text_report_finish(ks_text_report *t, const ks_stream_stats *st,
                           int print);

#endif
