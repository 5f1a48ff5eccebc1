/*
 * The rule book: the QA pack, the desk policy and the scripts, loaded
 * together from one rules directory and swapped together by a reload.
 *
 * Why reference counts: a reload must not pull a pack from under a pool
 * thread that is in the middle of a request. Each pool thread holds a
 * reference to the book its scanner was built from and looks at the
 * current book only when a request starts (srv_thread_sync), so a book
 * is freed once the last thread has moved on — and a refused reload
 * never disturbs the running book at all.
 */
#include "server.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kesu/policy.h"
#include "kesu/script.h"

#define BOOK_FILE_MAX (4u << 20)

struct srv_books {
    pthread_mutex_t mu;
    srv_book *current;
    unsigned next_gen;
};

/* Reads a whole file; NULL with a diagnostic naming it. */
static char *slurp(const char *path, size_t *len, ks_diags *d)
{
    FILE *f = fopen(path, "rb");
    char *text = f ? malloc(BOOK_FILE_MAX + 1) : NULL;
    *len = text ? fread(text, 1, BOOK_FILE_MAX + 1, f) : 0;
    int err = !f || !text || ferror(f) || *len > BOOK_FILE_MAX;
    if (f)
        fclose(f);
    if (err) {
        ks_diags_add(d, 0, path, "%s", !f ? "cannot be read"
                     : *len > BOOK_FILE_MAX ? "larger than 4 MiB"
                                            : "read error");
        free(text);
        return NULL;
    }
    return text;
}

static int load_policy(srv_book *b, const char *dir, const char *overlay,
                       ks_diags *d)
{
    char path[PATH_MAX];
    size_t len;
    snprintf(path, sizeof path, "%s/desk/policy.yaml", dir);
    char *text = slurp(path, &len, d);
    int rc = text ? ks_policy_parse(NULL, text, len, path, &b->policy, d)
                  : KS_EINVAL;
    free(text);
    if (rc != KS_OK || !overlay)
        return rc;
    ks_policy *shop = NULL;
    if (!(text = slurp(overlay, &len, d)))
        return KS_EINVAL;
    rc = ks_policy_parse(b->policy, text, len, overlay, &shop, d);
    free(text);
    if (rc == KS_OK) {
        ks_policy_free(b->policy);
        b->policy = shop;
    }
    return rc;
}

static int load_scripts(srv_book *b, const char *dir, ks_diags *d)
{
    char path[PATH_MAX];
    size_t len;
    snprintf(path, sizeof path, "%s/desk/scripts.yaml", dir);
    char *text = slurp(path, &len, d);
    int rc = text ? ks_scripts_parse(text, len, path, &b->scripts, d)
                  : KS_EINVAL;
    free(text);
    return rc;
}

static void book_free(srv_book *b)
{
    if (!b)
        return;
    ks_pack_free(b->pack);
    ks_policy_free(b->policy);
    ks_scripts_free(b->scripts);
    free(b);
}

srv_book *srv_book_load(const srv_config *cfg, ks_diags *d)
{
    srv_book *b = calloc(1, sizeof *b);
    if (!b) {
        ks_diags_add(d, 0, NULL, "out of memory");
        return NULL;
    }
    atomic_init(&b->refs, 1);
    if (ks_pack_load_dir(cfg->rules, &b->pack, d) != KS_OK ||
        load_policy(b, cfg->rules, cfg->policy, d) != KS_OK ||
        load_scripts(b, cfg->rules, d) != KS_OK) {
        if (!d->errors)
            ks_diags_add(d, 0, cfg->rules, "the rules could not be loaded");
        book_free(b);
        return NULL;
    }
    b->loaded_at = srv_now_ms();
    return b;
}

void srv_book_release(srv_book *b)
{
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        book_free(b);
}

srv_books *srv_books_new(srv_book *first)
{
    srv_books *bs = calloc(1, sizeof *bs);
    if (!bs)
        return NULL;
    pthread_mutex_init(&bs->mu, NULL);
    first->gen = 1;
    bs->current = first;
    bs->next_gen = 2;
    return bs;
}

void srv_books_free(srv_books *bs)
{
    if (!bs)
        return;
    srv_book_release(bs->current);
    pthread_mutex_destroy(&bs->mu);
    free(bs);
}

srv_book *srv_book_current(srv_books *bs)
{
    pthread_mutex_lock(&bs->mu);
    srv_book *b = bs->current;
    atomic_fetch_add(&b->refs, 1);
    pthread_mutex_unlock(&bs->mu);
    return b;
}

unsigned srv_book_install(srv_books *bs, srv_book *b)
{
    pthread_mutex_lock(&bs->mu);
    srv_book *old = bs->current;
    b->gen = bs->next_gen++;
    bs->current = b;
    pthread_mutex_unlock(&bs->mu);
    srv_book_release(old);
    return b->gen;
}
