/*
 * Private to the engine: the compiled form of a rule pack.
 *
 * Lists are numbered 0..nlists-1; a message's hits are summarised as a
 * bitset over lists (KS_BITS words of 64 bits), so a rule step is a few
 * AND/compare operations per message. Every literal word of every list is
 * one entry of lits[], and one Vectorscan pattern id; a literal shared by
 * several lists (or used as an exception) carries several targets.
 */
#ifndef KS_PACK_INT_H
#define KS_PACK_INT_H

#include <hs.h>
#include <stdint.h>
#include "kesu/codes.h"
#include "kesu/conv.h"
#include "kesu/pack.h"

typedef struct ks_list {
    char *name;
    char *where;        /* file:line of the definition */
    int used;           /* referenced by a condition or rule */
} ks_list;

/* A target: list index << 1 | 1 when the literal is an exception. */
typedef struct ks_lit {
    char *text;         /* normalised literal, or regex source */
    size_t len;         /* bytes of text */
    int is_regex;
    char *where;        /* file:line of a regex's first definition */
    int bound_left;     /* must not touch an ASCII token on the left */
    int bound_right;
    int pure_alnum;     /* only [a-z0-9]: "1 TB", "TB-200" also excluded */
    int keep_all;       /* every occurrence matters: an exception, or a
                           word of a list that has exceptions */
    uint32_t *targets;
    size_t ntargets;
    unsigned speakers;  /* bit 1 << ks_from: messages whose rules can see
                           it (pack_compile.c); 0 = none */
    int is_except;      /* an exception of some list */
    int nl_head;        /* in join[]: its leading ^ is compiled as \n */
    int nl_tail;        /* in join[]: its trailing $ is compiled as \n, so
                           a match may end on a message's closing '\n' */
    int expanded;       /* a regex join[] holds as its strings (p->xs) */
    int joinable;       /* a regex join[] can hold (pack_compile.c) */
    size_t negated;     /* its negated classes, each given \n in join[] */
} ks_lit;

/* The strings of a finite regex (rx_expand.c): string k is
 * buf[off[k] .. off[k] + len[k]); a '\n' at either end stands for ^ or $. */
typedef struct ks_rx_strings {
    char *buf;
    size_t *off, *len;
    size_t n;
} ks_rx_strings;
/* 1 and out filled when regex re is in the expandable subset and matches
 * at most cap strings; else 0, or KS_ENOMEM (out empty). */
int ks_rx_expand(const char *re, size_t len, size_t cap, ks_rx_strings *out);
void ks_rx_strings_free(ks_rx_strings *x);

/* Pattern id nlits + k of join[] is string xmap[k].str of regex
 * xmap[k].lit's expansion. */
typedef struct ks_xref {
    uint32_t lit;
    uint32_t str;
    int tail;           /* it ends with '\n': it may end on the '\n' that
                           closes a message */
} ks_xref;

enum { KS_BY_ANY = -1 };
enum { KS_DIR_AFTER = 0, KS_DIR_BEFORE = 1 };

typedef struct ks_pred {
    int by;             /* ks_from or KS_BY_ANY */
    int event;          /* ks_event; KS_EV_NONE = any */
    uint64_t *has;      /* any of; NULL = no constraint */
    uint64_t *has_all;  /* all of */
    uint64_t *lacks;    /* none of */
    int64_t reply_delay_over_ms; /* < 0 = no constraint */
} ks_pred;

typedef struct ks_step {
    ks_pred pred;
    int absent;         /* no message within the window satisfies pred */
    int next;           /* only the next message by `by` is considered */
    int dir;            /* KS_DIR_AFTER or KS_DIR_BEFORE the previous step */
    int evidence;       /* this step's message is the finding's evidence */
    int within_turns;   /* < 0 = unbounded */
    int64_t within_ms;  /* < 0 = unbounded */
} ks_step;

enum { KS_OUT_INCIDENT, KS_OUT_RISK, KS_OUT_CAUSE };

/* The reply clock (`- reply_clock:`, pack_clock.c): what starts a wait for
 * an agent reply and by when the reply is due. */
typedef struct ks_promise {
    uint32_t list;      /* agent words that promise a follow-up */
    int64_t ms;         /* due this long after the promise, or */
    int until_close;    /* ... at the close of that business day */
} ks_promise;

typedef struct ks_reply_clock {
    int set;            /* the pack has a reply_clock entry */
    uint64_t *acks;     /* lists of bare acknowledgement words, or NULL */
    uint32_t *ack_lits; /* their literal words (indices into lits), by
                           first byte, then longest first */
    size_t nack_lits;
    uint32_t ack_first[257];  /* words starting with byte b: ack_lits
                                 [ack_first[b] .. ack_first[b + 1]) */
    ks_promise *promises;
    size_t npromises;
    int hours;          /* business hours given */
    int open_min, close_min;  /* local minutes from 00:00 */
    int tz_min;         /* local time = UTC + tz_min */
} ks_reply_clock;

typedef struct ks_example {
    int fires;          /* expected outcome */
    char *where;        /* file:line of the example */
    ks_conv conv;
} ks_example;

typedef struct ks_rule {
    char *name;
    char *where;
    char *advice;
    int out_kind;       /* KS_OUT_* */
    int out_code;       /* ks_incident, ks_risk or ks_cause */
    ks_step *steps;
    size_t nsteps;
    char **unless_category; /* order categories that exempt the rule */
    size_t nunless;
    ks_example *examples;
    size_t nexamples;
} ks_rule;

struct ks_pack {
    ks_list *lists;
    size_t nlists;
    size_t bitwords;    /* 64-bit words per list bitset */
    ks_lit *lits;
    size_t nlits;
    size_t nregex;
    /* Per speaker (ks_from), two databases (pack_compile.c), of only the
     * patterns whose lists a rule step for that speaker can see:
     * join[f] holds the literals (no start of match: a literal starts len
     * bytes before its end) and the regexes in multi-line mode, also
     * without start of match, and is scanned once per conversation over
     * the speaker's messages joined by '\n' (a '\n' before the first one
     * too); som[f] holds the regexes with
     * leftmost start of match, for the messages where a regex ended and
     * its start is needed (on every message of the speaker when
     * som_always[f]: a regex join[f] cannot hold). Equal databases are
     * shared: free each distinct pointer once. */
    hs_database_t *join[3];
    hs_database_t *som[3];
    int som_always[3];
    int neg_class[3];   /* join[f] has a regex whose negated class got \n */
    ks_rx_strings *xs;  /* per literal: an expanded regex's strings */
    ks_xref *xmap;
    size_t nx;
    ks_rule *rules;
    size_t nrules;
    ks_reply_clock clock;
    uint64_t *bitpool;  /* storage of every pred bitset */
    struct ks_model *model;  /* the n-gram model (a *.tsv source), or NULL */
};

#define KS_BIT_SET(bs, i) ((bs)[(i) >> 6] |= (uint64_t)1 << ((i)&63))
#define KS_BIT_GET(bs, i) (((bs)[(i) >> 6] >> ((i)&63)) & 1)

/* Word handling (pack_words.c). */
typedef struct ks_litset ks_litset;
int ks_litset_new(ks_litset **out);
void ks_litset_free(ks_litset *ls);
/* Adds a word of list `list` (expanding [abc] classes); returns the number
 * of literals added, or a negative error with a message in *err. */
int ks_litset_add_word(ks_litset *ls, const char *word, uint32_t list,
                       int is_except, const char **err);
int ks_litset_add_regex(ks_litset *ls, const char *re, uint32_t list,
                        int is_except, const char *where);
/* Moves the literals into the pack. */
void ks_litset_finish(ks_litset *ls, ks_pack *p);

/* Compiles p->lits into p->db (pack_compile.c), through the cache when
 * one is given. */
int ks_pack_compile(ks_pack *p, const ks_db_cache *cache, ks_diags *d);
/* The pack's distinct databases (at most 6) into dbs; returns how many. */
size_t ks_pack_dbs(const ks_pack *p, hs_database_t **dbs);
void ks_pack_free_dbs(ks_pack *p);
/* Frees the expanded regexes' strings (pack_compile.c). */
void ks_pack_free_expansions(ks_pack *p);
/* Checks one regex; returns NULL if fine, else a static/perm message. */
const char *ks_regex_check(const char *re, char *buf, size_t bufsz);

/* Rule evaluation (rules_eval.c). */
typedef struct ks_hit {
    uint32_t list;
    uint32_t start, end; /* code points in the source text */
} ks_hit;

typedef struct ks_msgview {
    const ks_msg *m;
    const uint64_t *bits;      /* bitwords words */
    const ks_hit *hits;        /* leftmost hit per list present */
    size_t nhits;
    int64_t reply_delay_ms;    /* agent replies only; else -1 */
    int64_t reply_due;         /* a promised reply time, or KS_TIME_NONE */
} ks_msgview;

/* Reply clock (pack_clock.c). */
struct ks_ydoc;
/* Gathers the ack lists' literal words once the literals are final. */
int ks_clock_finish(ks_pack *p);
void ks_clock_free(ks_reply_clock *k);
/* Sets reply_delay_ms and reply_due of every view; norm(arg, i, &len)
 * gives message i's normalised text. */
void ks_reply_delays(const ks_pack *p, const ks_conv *c, ks_msgview *v,
                     const char *(*norm)(void *arg, size_t i, size_t *len),
                     void *arg);

/* Calls emit(step index of evidence, message index) when rule r fires;
 * returns the number of times it fired. */
size_t ks_rule_eval(const ks_pack *p, const ks_rule *r, const ks_conv *c,
                    const ks_msgview *mv,
                    void (*emit)(void *arg, const ks_rule *r, size_t step,
                                 size_t msg),
                    void *arg);

/* Does rule r alone fire on c? (for rule examples; qa.c) */
struct ks_scanner;
int ks_qa_rule_fires(struct ks_scanner *s, const ks_conv *c, const ks_rule *r,
                     int *fired);

#endif
