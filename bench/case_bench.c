/*
 * Case store benchmark: `bench_case DBPATH N`.
 *
 * Creates N realistic cases in a fresh database (transactions of 1000),
 * then measures the calls a desk makes against that many cases: the due
 * list, loading a case, list views, counts, single-call writes and a full
 * audit chain verification. Prints one "name value" line per figure
 * (times in microseconds unless the name says otherwise), so bench/run
 * can collect them.
 *
 * Data is pseudo-random with a fixed seed; "now" is a fixed instant so
 * runs are comparable. About 30% of the cases carry an open promise, due
 * over a month around now (half of them overdue).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kesu/kesu.h"

#define HOUR 3600000LL
#define DAY (24 * HOUR)
#define NOW 1717552800000LL   /* 2024-06-05T10:00:00+08:00 */
#define BATCH 1000
#define RUNS 200

/* ---- helpers ----------------------------------------------------------- */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* xorshift64*: fast and good enough to spread test data */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n) { return rnd() % n; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc, ks_store *s)
{
    fprintf(stderr, "bench_case: %s: %s (%s)\n", what, ks_strerror(rc),
            s ? ks_store_errmsg(s) : "");
    exit(1);
}

static char *fmt(const char *f, uint64_t v)
{
    char buf[64];
    snprintf(buf, sizeof buf, f, (unsigned long long)v);
    return ks_strdup(buf);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints name_p50_us and name_p99_us of n samples (seconds). */
static void report(const char *name, double *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_double);
    printf("%s_p50_us %.1f\n", name, t[n / 2] * 1e6);
    printf("%s_p99_us %.1f\n", name, t[(n * 99) / 100] * 1e6);
}

/* ---- realistic cases --------------------------------------------------- */

static const char *const g_summaries[] = {
    "收到的酸奶已经胀包了", "充电宝充电时发烫冒烟", "快递显示签收但没收到",
    "衣服尺码和描述不符", "催了三天还没发货", "客服答应退款一直没到账",
    "外箱破损，里面的杯子碎了", "要求七天无理由退货", "说好的赠品没有寄",
};
static const char *const g_categories[] = {"食品", "数码", "服饰", "母婴",
                                           "家居", "宠物"};
static const char *const g_carriers[] = {"顺丰", "中通", "圆通", "韵达",
                                         "京东"};
static const char *const g_regions[] = {"浙江", "广东", "江苏", "四川",
                                        "北京", "上海"};

static ks_risk pick_risk(void)
{
    uint64_t r = below(100);   /* most complaints are routine */
    return r < 60 ? KS_RISK_normal : r < 80 ? KS_RISK_elevated
                                 : r < 95 ? KS_RISK_high : KS_RISK_critical;
}

static void make_order(ks_case *c, int64_t created)
{
    ks_order *o = &c->order;
    c->has_order = 1;
    o->id = fmt("O%012llu", rnd() % 1000000000000ull);
    o->sku = fmt("SKU-%04llu", below(500));
    o->batch = fmt("B24%02llu", below(12) + 1);
    o->category = ks_strdup(g_categories[below(6)]);
    o->carrier = ks_strdup(g_carriers[below(5)]);
    o->region = ks_strdup(g_regions[below(6)]);
    o->price = (double)(below(50000) + 100) / 100.0;
    o->cost = o->price * 0.45;
    o->ordered_at = created - 10 * DAY;
    o->shipped_at = created - 9 * DAY;
    o->delivered_at = created - 7 * DAY;
    o->shelf_life_days = below(4) ? -1 : 21;
    c->feedback_at = created - DAY;
}

/* The i-th case: created over the last 60 days. */
static void make_case(ks_case *c, uint64_t i)
{
    ks_case_init(c);
    int64_t created = NOW - (int64_t)below(60 * DAY);
    c->shop = fmt("shop-%02llu", below(20));
    c->customer = fmt("buyer-%06llu", below(200000));
    c->agent = fmt("agent-%02llu", below(50));
    c->summary = ks_strdup(g_summaries[below(9)]);
    c->created_at = created;
    make_order(c, created);
    char *conv = fmt("c-%010llu", i);
    ks_case_add_conv(c, conv);
    ks_free(conv);
    ks_case_add_evidence(c, "c-evidence#m2");
    c->causes = (uint32_t)(1u << below(KS_CAUSE_COUNT));
    c->risk = pick_risk();
    c->state = (ks_state)below(KS_STATE_COUNT);
    if (below(100) < 30) {   /* an open promise, due within +-15 days */
        int64_t due = NOW - 15 * DAY + (int64_t)below(30 * DAY);
        ks_case_add_promise(c, (ks_promise_kind)below(KS_PROMISE_COUNT),
                            "答应给客户回电", due - DAY, due, NULL);
    }
    if (below(100) < 10) {   /* and some kept ones */
        size_t k;
        ks_case_add_promise(c, KS_PROMISE_refund, NULL, created,
                            created + DAY, &k);
        c->promises[k].kept_at = created + HOUR;
    }
    if (below(100) < 20)
        ks_case_add_note(c, created, "组长", "已联系客户，等待回复");
}

/* ---- phases ------------------------------------------------------------ */

static void create_all(ks_store *s, uint64_t n)
{
    double t0 = now_s();
    ks_diags d = {0};
    for (uint64_t i = 0; i < n; i++) {
        if (i % BATCH == 0 && ks_store_begin(s) != KS_OK)
            die("begin", KS_EDB, s);
        ks_case c;
        make_case(&c, i);
        int rc = ks_store_case_create(s, &c, "bench", NOW, &d);
        if (rc != KS_OK)
            die("create", rc, s);
        ks_case_free(&c);
        if ((i % BATCH == BATCH - 1 || i == n - 1) &&
            ks_store_commit(s) != KS_OK)
            die("commit", KS_EDB, s);
    }
    double dt = now_s() - t0;
    ks_diags_free(&d);
    printf("cases %llu\n", (unsigned long long)n);
    printf("create_s %.2f\n", dt);
    printf("create_cases_per_s %.0f\n", (double)n / dt);
}

/* Creates outside any transaction: one commit per case, as an API call
 * does. */
static void create_single(ks_store *s, uint64_t n, size_t k)
{
    double t0 = now_s();
    for (size_t i = 0; i < k; i++) {
        ks_case c;
        make_case(&c, n + i);
        int rc = ks_store_case_create(s, &c, "bench", NOW, NULL);
        if (rc != KS_OK)
            die("create", rc, s);
        ks_case_free(&c);
    }
    printf("create_single_tx_per_s %.0f\n", (double)k / (now_s() - t0));
}

static void time_due(ks_store *s)
{
    double t[RUNS];
    size_t rows = 0;
    for (int i = 0; i < RUNS; i++) {
        ks_due *r = NULL;
        size_t n = 0;
        double t0 = now_s();
        int rc = ks_store_due(s, NOW, 50, &r, &n);
        t[i] = now_s() - t0;
        if (rc != KS_OK)
            die("due", rc, s);
        rows = n;
        ks_due_free(r, n);
    }
    printf("due_rows %zu\n", rows);
    report("due", t, RUNS);
}

static void time_get(ks_store *s, uint64_t n)
{
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        ks_case c;
        double t0 = now_s();
        int rc = ks_store_case_get(s, (int64_t)below(n) + 1, &c);
        t[i] = now_s() - t0;
        if (rc != KS_OK)
            die("get", rc, s);
        ks_case_free(&c);
    }
    report("get", t, RUNS);
}

/* The list views: the default page, one shop's open cases, one
 * customer's cases in a shop, and high-risk open cases of an agent. */
static void time_list(ks_store *s)
{
    static const char *const names[] = {"list", "list_shop_open",
                                        "list_customer", "list_agent_high"};
    for (int v = 0; v < 4; v++) {
        double t[RUNS];
        for (int i = 0; i < RUNS; i++) {
            char shop[16], cust[16], agent[16];
            snprintf(shop, sizeof shop, "shop-%02d", (int)below(20));
            snprintf(cust, sizeof cust, "buyer-%06d", (int)below(200000));
            snprintf(agent, sizeof agent, "agent-%02d", (int)below(50));
            ks_case_filter f = {.state = -1, .min_risk = -1, .limit = 50};
            if (v == 1) {
                f.shop = shop;
                f.open_only = 1;
            } else if (v == 2) {
                f.shop = shop;
                f.customer = cust;
            } else if (v == 3) {
                f.agent = agent;
                f.open_only = 1;
                f.min_risk = KS_RISK_high;
            }
            ks_case_row *r = NULL;
            size_t n = 0;
            double t0 = now_s();
            int rc = ks_store_case_list(s, &f, &r, &n);
            t[i] = now_s() - t0;
            if (rc != KS_OK)
                die("list", rc, s);
            ks_case_rows_free(r, n);
        }
        report(names[v], t, RUNS);
    }
}

static void time_counts(ks_store *s)
{
    double tb[RUNS], tc[RUNS];
    for (int i = 0; i < RUNS; i++) {
        char sku[16], batch[16], shop[16], cust[16];
        snprintf(sku, sizeof sku, "SKU-%04d", (int)below(500));
        snprintf(batch, sizeof batch, "B24%02d", (int)below(12) + 1);
        snprintf(shop, sizeof shop, "shop-%02d", (int)below(20));
        snprintf(cust, sizeof cust, "buyer-%06d", (int)below(200000));
        int n;
        double t0 = now_s();
        if (ks_store_count_batch(s, sku, batch, &n) != KS_OK)
            die("count_batch", KS_EDB, s);
        tb[i] = now_s() - t0;
        t0 = now_s();
        if (ks_store_count_customer(s, shop, cust, &n) != KS_OK)
            die("count_customer", KS_EDB, s);
        tc[i] = now_s() - t0;
    }
    report("count_batch", tb, RUNS);
    report("count_customer", tc, RUNS);
}

static void time_verify(ks_store *s)
{
    size_t checked = 0;
    double t0 = now_s();
    int rc = ks_store_verify(s, NULL, NULL, &checked, NULL);
    double dt = now_s() - t0;
    if (rc != KS_OK)
        die("verify", rc, s);
    printf("verify_events %zu\n", checked);
    printf("verify_s %.2f\n", dt);
    printf("verify_events_per_s %.0f\n", (double)checked / dt);
}

static long long file_size(const char *path, const char *suffix)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return stat(p, &st) == 0 ? (long long)st.st_size : 0;
}

static void remove_db(const char *path)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    char p[4096];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoll(argv[2]) <= 0) {
        fprintf(stderr, "usage: bench_case DBPATH N  (DBPATH is replaced)\n");
        return 2;
    }
    const char *path = argv[1];
    uint64_t n = (uint64_t)atoll(argv[2]);
    remove_db(path);
    ks_store *s = NULL;
    ks_diags d = {0};
    int rc = ks_store_open(path, &s, &d);
    if (rc != KS_OK) {
        for (size_t i = 0; i < d.n; i++)
            fprintf(stderr, "%s: %s\n", d.items[i].where, d.items[i].msg);
        die("open", rc, NULL);
    }
    ks_diags_free(&d);
    create_all(s, n);
    create_single(s, n, 1000);
    time_due(s);
    time_get(s, n);
    time_list(s);
    time_counts(s);
    time_verify(s);
    ks_store_close(s);
    printf("db_bytes %lld\n", file_size(path, "") + file_size(path, "-wal"));
    return 0;
}
