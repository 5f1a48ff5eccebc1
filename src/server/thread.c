/*
 * Per-thread handles: each libmicrohttpd pool thread gets its own scanner
 * and store connection (SQLite in WAL mode lets several connections of one
 * process read and write the same file). They are opened on first use and
 * kept in a registry, because the pool's threads are not ours to hook on
 * exit: the registry is freed once the daemon has stopped.
 */
#include "server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local srv_thread *self;
static srv_thread *registry;
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;

srv_thread *srv_thread_get(void)
{
    if (self)
        return self;
    srv_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_mutex_lock(&registry_mu);
    t->next = registry;
    registry = t;
    pthread_mutex_unlock(&registry_mu);
    self = t;
    return t;
}

void srv_thread_sync(srv_thread *t, const srv_shared *sh)
{
    srv_book *b = srv_book_current(sh->books);
    if (b == t->book) {
        srv_book_release(b);
        return;
    }
    ks_scanner_free(t->scanner);
    t->scanner = NULL;
    srv_book_release(t->book);
    t->book = b;
}

ks_scanner *srv_thread_scanner(srv_thread *t, const srv_shared *sh)
{
    if (!t->book)
        srv_thread_sync(t, sh);
    if (!t->scanner && ks_scanner_new(t->book->pack, &t->scanner) != KS_OK)
        t->scanner = NULL;
    return t->scanner;
}

ks_store *srv_thread_store(srv_thread *t, const srv_shared *sh)
{
    if (t->store)
        return t->store;
    ks_diags d = {0};
    int rc = ks_store_open(sh->cfg->db, &t->store, &d);
    if (rc != KS_OK) {
        fprintf(stderr, "kesu serve: cannot open the database %s: %s\n",
                sh->cfg->db, d.n ? d.items[0].msg : ks_strerror(rc));
        t->store = NULL;
    }
    ks_diags_free(&d);
    return t->store;
}

void srv_threads_free(void)
{
    pthread_mutex_lock(&registry_mu);
    srv_thread *t = registry;
    registry = NULL;
    pthread_mutex_unlock(&registry_mu);
    while (t) {
        srv_thread *next = t->next;
        ks_scanner_free(t->scanner);
        srv_book_release(t->book);
        if (t->store)
            ks_store_close(t->store);
        ks_result_free(&t->result);
        jb_free(&t->tmp);
        jb_free(&t->log);
        ks_conv_buf_free(&t->convbuf);
        free(t);
        t = next;
    }
    self = NULL;
}
