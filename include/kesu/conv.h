/*
 * The conversation data model (SPEC 3.1) and its JSON reader.
 *
 * A ks_conv owns every string and array it points to; ks_conv_free()
 * releases them. Times are milliseconds since the Unix epoch (UTC), or
 * KS_TIME_NONE when absent.
 */
#ifndef KESU_CONV_H
#define KESU_CONV_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KS_TIME_NONE INT64_MIN

typedef enum ks_from { KS_FROM_CUSTOMER, KS_FROM_AGENT, KS_FROM_SYSTEM } ks_from;

typedef enum ks_event {
    KS_EV_NONE,      /* a customer or agent message */
    KS_EV_END,
    KS_EV_TRANSFER,
    KS_EV_TIMEOUT,
    KS_EV_RATING
} ks_event;

typedef struct ks_order {
    char *id, *sku, *batch, *category, *carrier, *region; /* NULL if absent */
    double price, cost;              /* < 0 when absent */
    int64_t ordered_at, shipped_at, delivered_at;
    int shelf_life_days;             /* < 0 when absent */
} ks_order;

typedef struct ks_msg {
    char *id;                        /* may be NULL */
    int64_t at;                      /* ms since epoch or KS_TIME_NONE */
    ks_from from;
    ks_event event;                  /* KS_EV_NONE unless from == SYSTEM */
    char *text;                      /* valid UTF-8, "" for events */
    size_t text_len;                 /* bytes */
} ks_msg;

typedef struct ks_conv {
    char *id, *channel, *shop, *agent, *customer; /* id always set */
    int has_order;
    ks_order order;
    ks_msg *msgs;
    size_t nmsgs;
} ks_conv;

/*
 * Parses one SPEC 3.1 JSON object. On failure returns KS_EPARSE or
 * KS_EUTF8 with one error added to diags (located by where_prefix plus the
 * JSON path, e.g. "line 7: messages[2].from"); *out is left empty.
 * Unknown fields are reported as warnings and ignored.
 */
KS_API int ks_conv_from_json(const char *json, size_t len, ks_conv *out,
                             ks_diags *diags, const char *where_prefix);
KS_API void ks_conv_free(ks_conv *c);

/*
 * The fast path for streams of conversations: reads a line that is plain,
 * well-formed SPEC 3.1 (strict JSON, no unknown or duplicate fields, no
 * error of any kind) without building a JSON tree, into memory that buf
 * owns and reuses at the next call. Returns KS_OK with *out borrowing
 * from buf (valid until the next call on buf; never ks_conv_free it), or
 * KS_EPARSE when the line is not on the fast path, with *out empty: then
 * ks_conv_from_json() gives the verdict and the diagnostics. Whenever it
 * returns KS_OK, ks_conv_from_json() accepts the same line without any
 * diagnostic and yields an equal conversation.
 * A zeroed ks_conv_buf is ready to use; ks_conv_buf_free() releases it.
 */
typedef struct ks_conv_buf {
    char *mem;                       /* private */
    size_t cap;
    ks_msg *msgs;
    size_t capmsgs;
} ks_conv_buf;
KS_API int ks_conv_from_json_fast(ks_conv_buf *buf, const char *json,
                                  size_t len, ks_conv *out);
KS_API void ks_conv_buf_free(ks_conv_buf *buf);

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" -> ms since the
 * epoch. Returns KS_EPARSE when malformed. */
KS_API int ks_time_parse(const char *s, int64_t *ms);
/* ms since the epoch -> "YYYY-MM-DDTHH:MM:SS+08:00" in the zone offset_min
 * minutes east of UTC (seconds, truncated toward the past). Returns out. */
KS_API const char *ks_time_format(int64_t ms, int offset_min, char out[40]);

KS_API const char *ks_from_name(ks_from f);
KS_API const char *ks_event_name(ks_event e);

#ifdef __cplusplus
}
#endif
#endif
