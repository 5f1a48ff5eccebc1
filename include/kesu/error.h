/*
 * kesu error convention.
 *
 * Every fallible ks_* function returns an int: 0 (KS_OK) on success or one
 * of the negative KS_E* codes below. Objects are handed back through
 * out-parameters. Anything a user wrote (a rule file, an input line) is
 * reported through a ks_diags list whose entries carry "where" (file:line
 * or line:column) and a human message.
 */
#ifndef KESU_ERROR_H
#define KESU_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KS_API __attribute__((visibility("default")))
#else
#define KS_API
#endif

/* code, name, message */
#define KS_ERRNO_MAP(XX)                                          \
    XX(-1, ENOMEM, "out of memory")                               \
    XX(-2, EINVAL, "invalid argument")                            \
    XX(-3, EIO, "input/output error")                             \
    XX(-4, EPARSE, "malformed input")                             \
    XX(-5, EUTF8, "invalid UTF-8")                                \
    XX(-6, ETOOBIG, "input too large")                            \
    XX(-7, ERULES, "invalid rule pack")                           \
    XX(-8, EMATCH, "pattern matcher failure")                     \
    XX(-9, ENOENT, "not found")                                   \
    XX(-10, ESTATE, "not allowed in this state")                  \
    XX(-11, ECORRUPT, "audit chain broken")                       \
    XX(-12, EDB, "database error")

typedef enum ks_errno {
    KS_OK = 0,
#define KS_ERR_ENUM(code, name, msg) KS_##name = (code),
    KS_ERRNO_MAP(KS_ERR_ENUM)
#undef KS_ERR_ENUM
} ks_errno;

/* Static message for a return code; never NULL. */
KS_API const char *ks_strerror(int rc);

/* One located diagnostic. */
typedef struct ks_diag {
    int warning;     /* 0 = error, 1 = warning */
    char *where;     /* "rules/x.yaml:12:5", "line 7", ... (owned) */
    char *msg;       /* human message (owned) */
} ks_diag;

/* A growable list of diagnostics; zero-initialise before use. */
typedef struct ks_diags {
    ks_diag *items;  /* n entries */
    size_t n;
    size_t cap;
    size_t errors;   /* entries with warning == 0 */
} ks_diags;

/* Appends a diagnostic; the strings are copied. printf-style message. */
KS_API int ks_diags_add(ks_diags *d, int warning, const char *where,
                        const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
KS_API void ks_diags_clear(ks_diags *d);
KS_API void ks_diags_free(ks_diags *d);

#ifdef __cplusplus
}
#endif
#endif
