/*
 * Accounts for kesu serve: roles and visibility, Argon2id passwords,
 * tokens, masking of personal data (tables of positives and near-misses),
 * and their storage (users, tokens, sessions, conversations and findings)
 * on SQLite. Each storage test gets its own temporary database.
 */
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "kt_db.h"

#define HOUR 3600000LL
#define DAY (24 * HOUR)

/* Adds a user; returns its id. */
static int64_t add_user(ks_store *s, const char *name, ks_role role,
                        const char *shop, const char *team)
{
    ks_user u = {.name = (char *)name, .role = role, .shop = (char *)shop,
                 .team = (char *)team};
    ks_diags d = {0};
    int64_t id = 0;
    int rc = ks_store_user_add(s, &u, KT_T0, &id, &d);
    if (rc != KS_OK)
        kt_print_diags(&d);
    assert_int_equal(rc, KS_OK);
    assert_true(id > 0);
    ks_diags_free(&d);
    return id;
}

/* ---- roles and visibility ---------------------------------------------- */

static void test_roles(void **state)
{
    (void)state;
    for (int r = 0; r < KS_ROLE_COUNT; r++)
        assert_int_equal(ks_role_from_name(ks_role_name((ks_role)r)), r);
    assert_int_equal(ks_role_from_name("root"), -1);
    assert_int_equal(ks_role_from_name(NULL), -1);
    assert_int_equal(ks_role_from_name("Admin"), -1);
    assert_string_equal(ks_role_zh(KS_ROLE_lead), "客服主管");
    assert_string_equal(ks_role_name((ks_role)99), "?");
    assert_false(ks_role_sees_personal(KS_ROLE_agent));
    assert_false(ks_role_sees_personal(KS_ROLE_lead));
    assert_true(ks_role_sees_personal(KS_ROLE_owner));
    assert_true(ks_role_sees_personal(KS_ROLE_admin));
}

static void test_can_see(void **state)
{
    (void)state;
    ks_principal admin = {.role = KS_ROLE_admin, .name = "root"};
    ks_principal owner = {.role = KS_ROLE_owner, .name = "boss",
                          .shop = "s1"};
    ks_principal lead = {.role = KS_ROLE_lead, .name = "l1", .shop = "s1",
                         .team = "t1"};
    ks_principal agent = {.role = KS_ROLE_agent, .name = "a07",
                          .shop = "s1"};
    ks_principal shopless = {.role = KS_ROLE_owner, .name = "x"};
    assert_true(ks_can_see(&admin, "s2", "a99"));
    assert_true(ks_can_see(&admin, NULL, NULL));
    assert_true(ks_can_see(&owner, "s1", NULL));
    assert_true(ks_can_see(&owner, "s1", "a01"));
    assert_false(ks_can_see(&owner, "s2", NULL));
    assert_false(ks_can_see(&owner, NULL, NULL));
    assert_true(ks_can_see(&lead, "s1", "a07"));
    assert_false(ks_can_see(&lead, "s2", "a07"));
    assert_true(ks_can_see(&agent, "s1", "a07"));
    assert_false(ks_can_see(&agent, "s1", "a08"));
    assert_false(ks_can_see(&agent, "s1", NULL));
    assert_false(ks_can_see(&agent, "s2", "a07"));
    assert_false(ks_can_see(&shopless, "", NULL));
    assert_false(ks_can_see(NULL, "s1", NULL));
}

/* ---- passwords and tokens ------------------------------------------------ */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_password(void **state)
{
    (void)state;
    char h[KS_PWHASH_MAX], h2[KS_PWHASH_MAX];
    assert_int_equal(ks_password_hash("correct horse", h), KS_OK);
    assert_non_null(strstr(h, "$argon2id$"));
    assert_null(strstr(h, "correct"));
    assert_int_equal(ks_password_hash("correct horse", h2), KS_OK);
    assert_string_not_equal(h, h2);   /* salted */
    double t0 = now_ms();
    assert_int_equal(ks_password_verify(h, "correct horse"), KS_OK);
    double t1 = now_ms();
    fprintf(stderr, "    argon2id interactive verify: %.1f ms\n", t1 - t0);
    assert_int_equal(ks_password_verify(h, "correct horsE"), KS_EINVAL);
    assert_int_equal(ks_password_verify(h, ""), KS_EINVAL);
    assert_int_equal(ks_password_verify("garbage", "x"), KS_EINVAL);
    assert_int_equal(ks_password_verify(NULL, "x"), KS_EINVAL);
    assert_int_equal(ks_password_hash(NULL, h), KS_EINVAL);
    char *big = malloc(5000);
    memset(big, 'x', 4999);
    big[4999] = '\0';
    assert_int_equal(ks_password_hash(big, h), KS_EINVAL);
    free(big);
}

static void test_token(void **state)
{
    (void)state;
    char t1[KS_TOKEN_TEXT], t2[KS_TOKEN_TEXT];
    unsigned char h1[32], h2[32], again[32];
    assert_int_equal(ks_token_new(t1, h1), KS_OK);
    assert_int_equal(ks_token_new(t2, h2), KS_OK);
    assert_int_equal(strlen(t1), 46);
    assert_memory_equal(t1, "ks_", 3);
    for (size_t i = 3; i < strlen(t1); i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                               "qrstuvwxyz0123456789-_", t1[i]));
    assert_string_not_equal(t1, t2);
    assert_memory_not_equal(h1, h2, 32);
    ks_token_hash(t1, again);
    assert_memory_equal(h1, again, 32);
    ks_token_hash("ks_other", again);
    assert_memory_not_equal(h1, again, 32);
}

/* ---- masking ---------------------------------------------------------------- */

static void expect_mask(const char *in, const char *want)
{
    char *out = NULL;
    int rc = ks_mask_personal(in, strlen(in), &out);
    assert_int_equal(rc, KS_OK);
    if (strcmp(out, want))
        fprintf(stderr, "mask(\"%s\")\n  got  \"%s\"\n  want \"%s\"\n", in,
                out, want);
    assert_string_equal(out, want);
    assert_int_equal(ks_utf8_validate(out, strlen(out), NULL), KS_OK);
    free(out);
}

static void test_mask_phones(void **state)
{
    (void)state;
    static const char *const t[][2] = {
        {"13812345678", "138****5678"},
        {"电话13812345678谢谢", "电话138****5678谢谢"},
        {"我的手机是 138 1234 5678 ", "我的手机是 138****5678 "},
        {"138-1234-5678", "138****5678"},
        {"１３８１２３４５６７８", "138****5678"},
        {"１３８ １２３４ ５６７８。", "138****5678。"},
        {"tel:19912345678,", "tel:199****5678,"},
        {"+86 138 1234 5678", "+86 138****5678"},
        {"+8613812345678", "+86138****5678"},
        {"打15012345678或者18612345678", "打150****5678或者186****5678"},
        {"2024 13812345678", "2024 138****5678"},
        {"号码：13912345678。", "号码：139****5678。"},
        {"1381234 5678", "138****5678"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        expect_mask(t[i][0], t[i][1]);
}

/* Aligned masking keeps every code point's position. */
static void test_mask_aligned(void **state)
{
    (void)state;
    static const char *const t[][2] = {
        {"电话13812345678谢谢", "电话138****5678谢谢"},
        {"+86 138 1234 5678", "+86 138 **** 5678"},
        {"１３８１２３４５６７８。", "１３８****５６７８。"},
        {"寄到四川省成都市武侯区人民南路4号，谢谢",
         "寄到四川省成都市武侯区******，谢谢"},
        {"18号发货", "18号发货"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *out = NULL;
        size_t a = strlen(t[i][0]);
        assert_int_equal(ks_mask_personal_aligned(t[i][0], a, &out), KS_OK);
        if (strcmp(out, t[i][1]))
            fprintf(stderr, "aligned(\"%s\")\n  got  \"%s\"\n", t[i][0], out);
        assert_string_equal(out, t[i][1]);
        assert_int_equal(ks_utf8_count(out, strlen(out)),
                         ks_utf8_count(t[i][0], a));
        free(out);
    }
}

static void test_mask_near_misses(void **state)
{
    (void)state;
    static const char *const t[] = {
        "订单号 240605123456789012",         /* order number: 18 digits */
        "订单号1381234567890",               /* 13 digits */
        "SF1234567890123",                   /* tracking number */
        "YT13812345678",                     /* glued to letters */
        "13812345678abc",                    /* glued to letters */
        "价格13800000000.00元",              /* a decimal */
        "0.13812345678",                     /* a decimal */
        "12812345678",                       /* 12x is no mobile prefix */
        "2024-06-05 10:00",                  /* a date */
        "29.9元，已付款",                     /* a price */
        "1381234567",                        /* 10 digits */
        "138123456789",                      /* 12 digits */
        "18号发货，3号链接",                  /* dates and listings */
        "成都市18号能到吗",                   /* a city and a date */
        "北京市朝阳区建国路",                 /* no house number */
        "买了2件，第3件半价",
        "",
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        expect_mask(t[i], t[i]);
}

static void test_mask_addresses(void **state)
{
    (void)state;
    static const char *const t[][2] = {
        {"四川省成都市武侯区人民南路四段12号3栋2单元",
         "四川省成都市武侯区****"},
        {"地址：四川省成都市武侯区人民南路四段12号3栋2单元，快点发货",
         "地址：四川省成都市武侯区****，快点发货"},
        {"寄到上海市徐汇区漕溪北路88号",
         "寄到上海市徐汇区****"},
        {"北京市朝阳区建国路88号院3号楼1单元502室吧",
         "北京市朝阳区****吧"},
        {"河南省周口市淮阳县王店乡李庄村3组",
         "河南省周口市淮阳县****"},
        {"杭州市西湖区文三路阳光小区5幢301",
         "杭州市西湖区****"},
        {"广东省深圳市南山区科技园路１２号",
         "广东省深圳市南山区****"},
        {"送到武侯区人民南路四段十二号 13812345678",
         "送到武侯区**** 138****5678"},
        {"延边朝鲜族自治州延吉市光明街5号", "延边朝鲜族自治州延吉市****"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        expect_mask(t[i][0], t[i][1]);
}

static void test_mask_errors(void **state)
{
    (void)state;
    char *out = (char *)1;
    assert_int_equal(ks_mask_personal("\xff\xfe", 2, &out), KS_EUTF8);
    assert_null(out);
    assert_int_equal(ks_mask_personal("abc", 3, NULL), KS_EINVAL);
    assert_int_equal(ks_mask_personal(NULL, 0, &out), KS_OK);
    assert_string_equal(out, "");
    free(out);
    /* len is honoured: the phone is cut off, so it is no phone. */
    assert_int_equal(ks_mask_personal("1381234567899", 10, &out), KS_OK);
    assert_string_equal(out, "1381234567");
    free(out);
}

/* ---- users ------------------------------------------------------------------ */

static void test_user_add_get(void **state)
{
    kt_db *f = *state;
    char h[KS_PWHASH_MAX];
    assert_int_equal(ks_password_hash("secret-pass", h), KS_OK);
    ks_user u = {.name = "a07", .role = KS_ROLE_agent, .shop = "s1",
                 .team = "t1", .pwhash = h};
    int64_t id = 0;
    assert_int_equal(ks_store_user_add(f->s, &u, KT_T0, &id, NULL), KS_OK);
    assert_true(id > 0);
    ks_user g;
    assert_int_equal(ks_store_user_get(f->s, "a07", &g), KS_OK);
    assert_int_equal(g.id, id);
    assert_string_equal(g.name, "a07");
    assert_int_equal(g.role, KS_ROLE_agent);
    assert_string_equal(g.shop, "s1");
    assert_string_equal(g.team, "t1");
    assert_string_equal(g.pwhash, h);
    assert_int_equal(g.disabled, 0);
    assert_int_equal(g.created_at, KT_T0);
    ks_principal p;
    ks_user_principal(&g, &p);
    assert_int_equal(p.user_id, id);
    assert_string_equal(p.name, "a07");
    assert_string_equal(p.shop, "s1");
    assert_string_equal(p.team, "t1");
    ks_user_free(&g);
    assert_int_equal(ks_store_user_get(f->s, "nobody", &g), KS_ENOENT);
    assert_int_equal(ks_store_user_get(f->s, "bad name", &g), KS_ENOENT);
    assert_int_equal(ks_store_user_get(f->s, NULL, &g), KS_ENOENT);
}

static void expect_refused(kt_db *f, ks_user u, int want, const char *where,
                           const char *msg)
{
    ks_diags d = {0};
    int64_t id = 7;
    assert_int_equal(ks_store_user_add(f->s, &u, KT_T0, &id, &d), want);
    assert_int_equal(id, 0);
    if (!kt_has_diag(&d, 0, where, msg))
        kt_print_diags(&d);
    assert_true(kt_has_diag(&d, 0, where, msg));
    assert_non_null(strstr(ks_store_errmsg(f->s), msg));
    ks_diags_free(&d);
}

static void test_user_refused(void **state)
{
    kt_db *f = *state;
    add_user(f->s, "root", KS_ROLE_admin, NULL, NULL);
    expect_refused(f, (ks_user){.name = "root", .role = KS_ROLE_admin},
                   KS_ESTATE, "name", "already exists");
    expect_refused(f, (ks_user){.name = "root", .role = KS_ROLE_owner,
                                .shop = "s1"},
                   KS_ESTATE, "name", "already exists");
    expect_refused(f, (ks_user){.name = "bad name", .role = KS_ROLE_admin},
                   KS_EINVAL, "name", "not a user name");
    expect_refused(f, (ks_user){.name = "", .role = KS_ROLE_admin},
                   KS_EINVAL, "name", "not a user name");
    expect_refused(f, (ks_user){.name = "名字", .role = KS_ROLE_admin},
                   KS_EINVAL, "name", "not a user name");
    expect_refused(f, (ks_user){.name = "x';DROP TABLE users;--",
                                .role = KS_ROLE_admin},
                   KS_EINVAL, "name", "not a user name");
    char longname[80];
    memset(longname, 'a', 64);
    longname[64] = '\0';
    expect_refused(f, (ks_user){.name = longname, .role = KS_ROLE_admin},
                   KS_EINVAL, "name", "not a user name");
    expect_refused(f, (ks_user){.name = "a1", .role = KS_ROLE_agent},
                   KS_EINVAL, "shop", "belongs to one shop");
    expect_refused(f, (ks_user){.name = "a1", .role = KS_ROLE_admin,
                                .shop = "s1"},
                   KS_EINVAL, "shop", "sees every shop");
    expect_refused(f, (ks_user){.name = "a1", .role = (ks_role)9,
                                .shop = "s1"},
                   KS_EINVAL, "role", "unknown role");
    expect_refused(f, (ks_user){.name = "a1", .role = KS_ROLE_agent,
                                .shop = "s\n1"},
                   KS_EINVAL, "shop", "shop name");
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM users"), 1);
    memset(longname, 'a', 63);
    longname[63] = '\0';
    add_user(f->s, longname, KS_ROLE_owner, "店铺一", NULL);
    add_user(f->s, "a.b-c_D9", KS_ROLE_lead, "s1", "售后组");
}

static void test_user_list_passwd_disable(void **state)
{
    kt_db *f = *state;
    add_user(f->s, "zed", KS_ROLE_agent, "s1", NULL);
    int64_t a = add_user(f->s, "amy", KS_ROLE_owner, "s1", NULL);
    ks_user *us = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_user_list(f->s, &us, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(us[0].name, "amy");
    assert_string_equal(us[1].name, "zed");
    assert_null(us[0].pwhash);
    assert_null(us[0].team);
    ks_users_free(us, n);

    unsigned char sid[32] = {1};
    assert_int_equal(ks_store_session_add(f->s, a, sid, "csrf1", KT_T0,
                                          KT_T0 + HOUR), KS_OK);
    assert_int_equal(ks_store_user_set_password(f->s, "amy", "$argon2id$x"),
                     KS_OK);
    ks_user g;
    assert_int_equal(ks_store_user_get(f->s, "amy", &g), KS_OK);
    assert_string_equal(g.pwhash, "$argon2id$x");
    ks_user_free(&g);
    ks_principal p;
    /* a new password ends the old sessions */
    assert_int_equal(ks_store_session_auth(f->s, sid, KT_T0, &p, NULL),
                     KS_ENOENT);
    assert_int_equal(ks_store_user_set_password(f->s, "nobody", "x"),
                     KS_ENOENT);
    assert_int_equal(ks_store_user_set_password(f->s, "amy", NULL), KS_OK);

    assert_int_equal(ks_store_user_disable(f->s, "amy", 1), KS_OK);
    assert_int_equal(ks_store_user_get(f->s, "amy", &g), KS_OK);
    assert_int_equal(g.disabled, 1);
    assert_null(g.pwhash);
    ks_user_free(&g);
    assert_int_equal(ks_store_user_disable(f->s, "amy", 0), KS_OK);
    assert_int_equal(ks_store_user_disable(f->s, "nobody", 1), KS_ENOENT);
}

/* ---- tokens ------------------------------------------------------------------- */

static void test_tokens(void **state)
{
    kt_db *f = *state;
    int64_t uid = add_user(f->s, "a07", KS_ROLE_agent, "s1", "t1");
    char text[KS_TOKEN_TEXT];
    unsigned char h[32], h2[32], other[32];
    assert_int_equal(ks_token_new(text, h), KS_OK);
    int64_t tid = 0, tid2 = 0;
    assert_int_equal(ks_store_token_add(f->s, uid, h, "chat tool", KT_T0,
                                        KS_TIME_NONE, &tid), KS_OK);
    assert_true(tid > 0);
    ks_principal p;
    unsigned char presented[32];
    ks_token_hash(text, presented);
    assert_int_equal(ks_store_token_auth(f->s, presented, KT_T0 + DAY, &p),
                     KS_OK);
    assert_int_equal(p.user_id, uid);
    assert_string_equal(p.name, "a07");
    assert_int_equal(p.role, KS_ROLE_agent);
    assert_string_equal(p.shop, "s1");
    assert_string_equal(p.team, "t1");
    ks_token_hash("ks_wrong", other);
    assert_int_equal(ks_store_token_auth(f->s, other, KT_T0, &p), KS_ENOENT);
    assert_int_equal(p.user_id, 0);

    /* expiring: valid before, unknown at and after the instant */
    assert_int_equal(ks_token_new(text, h2), KS_OK);
    assert_int_equal(ks_store_token_add(f->s, uid, h2, NULL, KT_T0,
                                        KT_T0 + HOUR, &tid2), KS_OK);
    assert_int_equal(ks_store_token_auth(f->s, h2, KT_T0 + HOUR - 1, &p),
                     KS_OK);
    assert_int_equal(ks_store_token_auth(f->s, h2, KT_T0 + HOUR, &p),
                     KS_ENOENT);
    assert_int_equal(ks_store_token_add(f->s, uid, other, NULL, KT_T0,
                                        KT_T0, NULL), KS_EINVAL);
    assert_int_equal(ks_store_token_add(f->s, 999, other, NULL, KT_T0,
                                        KS_TIME_NONE, NULL), KS_ENOENT);
    /* the same hash twice is refused, not a second credential */
    assert_int_not_equal(ks_store_token_add(f->s, uid, h, NULL, KT_T0,
                                            KS_TIME_NONE, NULL), KS_OK);

    /* a disabled user's tokens stop, and come back when enabled */
    assert_int_equal(ks_store_user_disable(f->s, "a07", 1), KS_OK);
    assert_int_equal(ks_store_token_auth(f->s, h, KT_T0, &p), KS_ENOENT);
    assert_int_equal(ks_store_user_disable(f->s, "a07", 0), KS_OK);
    assert_int_equal(ks_store_token_auth(f->s, h, KT_T0, &p), KS_OK);

    /* revoked */
    assert_int_equal(ks_store_token_revoke(f->s, tid), KS_OK);
    assert_int_equal(ks_store_token_revoke(f->s, tid), KS_OK);
    assert_int_equal(ks_store_token_auth(f->s, h, KT_T0, &p), KS_ENOENT);
    assert_int_equal(ks_store_token_revoke(f->s, 12345), KS_ENOENT);
    assert_int_equal(ks_store_token_revoke(f->s, -1), KS_ENOENT);

    /* listed without hashes; the plaintext is nowhere in the file */
    int64_t uid2 = add_user(f->s, "boss", KS_ROLE_owner, "s1", NULL);
    assert_int_equal(ks_store_token_add(f->s, uid2, other, "ci", KT_T0,
                                        KS_TIME_NONE, NULL), KS_OK);
    ks_token_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_token_list(f->s, uid, &rows, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, tid);
    assert_string_equal(rows[0].user, "a07");
    assert_string_equal(rows[0].label, "chat tool");
    assert_int_equal(rows[0].revoked, 1);
    assert_int_equal(rows[0].expires_at, KS_TIME_NONE);
    assert_null(rows[1].label);
    assert_int_equal(rows[1].expires_at, KT_T0 + HOUR);
    assert_int_equal(rows[1].created_at, KT_T0);
    ks_token_rows_free(rows, n);
    assert_int_equal(ks_store_token_list(f->s, 0, &rows, &n), KS_OK);
    assert_int_equal(n, 3);
    ks_token_rows_free(rows, n);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM tokens WHERE CAST(hash AS TEXT) LIKE '%%%s%%'"
             " OR label LIKE '%%%s%%'", text + 3, text + 3);
    assert_int_equal(kt_raw_int(f->path, sql), 0);
}

/* ---- sessions ---------------------------------------------------------------- */

static void test_sessions(void **state)
{
    kt_db *f = *state;
    int64_t uid = add_user(f->s, "lead1", KS_ROLE_lead, "s1", "t1");
    char text[KS_TOKEN_TEXT];
    unsigned char sid[32], old[32];
    assert_int_equal(ks_token_new(text, sid), KS_OK);
    assert_int_equal(ks_token_new(text, old), KS_OK);
    assert_int_equal(ks_store_session_add(f->s, uid, old, "c0", KT_T0,
                                          KT_T0 + HOUR), KS_OK);
    assert_int_equal(ks_store_session_add(f->s, uid, sid, "csrf-token-1",
                                          KT_T0 + 2 * HOUR,
                                          KT_T0 + 3 * HOUR), KS_OK);
    /* the expired one was dropped when the new one came */
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM sessions"), 1);
    ks_principal p;
    char csrf[64];
    assert_int_equal(ks_store_session_auth(f->s, sid, KT_T0 + 2 * HOUR, &p,
                                           csrf), KS_OK);
    assert_string_equal(p.name, "lead1");
    assert_int_equal(p.role, KS_ROLE_lead);
    assert_string_equal(csrf, "csrf-token-1");
    assert_int_equal(ks_store_session_auth(f->s, sid, KT_T0 + 3 * HOUR, &p,
                                           csrf), KS_ENOENT);
    assert_string_equal(csrf, "");
    assert_int_equal(ks_store_session_auth(f->s, old, KT_T0, &p, csrf),
                     KS_ENOENT);
    /* disabled users' sessions end */
    assert_int_equal(ks_store_user_disable(f->s, "lead1", 1), KS_OK);
    assert_int_equal(ks_store_session_auth(f->s, sid, KT_T0 + 2 * HOUR, &p,
                                           csrf), KS_ENOENT);
    assert_int_equal(ks_store_user_disable(f->s, "lead1", 0), KS_OK);
    assert_int_equal(ks_store_session_add(f->s, uid, sid, "c2", KT_T0,
                                          KT_T0 + HOUR), KS_OK);
    assert_int_equal(ks_store_session_end(f->s, sid), KS_OK);
    assert_int_equal(ks_store_session_end(f->s, sid), KS_OK);
    assert_int_equal(ks_store_session_auth(f->s, sid, KT_T0, &p, NULL),
                     KS_ENOENT);
    /* refused arguments */
    assert_int_equal(ks_store_session_add(f->s, uid, sid, "has space",
                                          KT_T0, KT_T0 + HOUR), KS_EINVAL);
    assert_int_equal(ks_store_session_add(f->s, uid, sid, "", KT_T0,
                                          KT_T0 + HOUR), KS_EINVAL);
    assert_int_equal(ks_store_session_add(f->s, uid, sid, "c", KT_T0,
                                          KT_T0), KS_EINVAL);
    assert_int_equal(ks_store_session_add(f->s, 999, sid, "c", KT_T0,
                                          KT_T0 + HOUR), KS_ENOENT);
}

/* ---- migration 2 on a version 1 database --------------------------------- */

static void test_migration_from_v1(void **state)
{
    kt_db *f = *state;
    ks_case c;
    ks_case_init(&c);
    c.customer = strdup("b1");
    assert_int_equal(ks_store_case_create(f->s, &c, "t", KT_T0, NULL), KS_OK);
    ks_store_close(f->s);
    f->s = NULL;
    /* back to what a version 1 database looked like */
    kt_raw_exec(f->path, "DROP TABLE findings; DROP TABLE conversations;"
                      " DROP TABLE sessions; DROP TABLE tokens;"
                      " DROP TABLE users; UPDATE meta SET schema_version = 1");
    ks_diags d = {0};
    assert_int_equal(ks_store_open(f->path, &f->s, &d), KS_OK);
    ks_diags_free(&d);
    assert_int_equal(kt_raw_int(f->path, "SELECT schema_version FROM meta"), 2);
    ks_case got;
    assert_int_equal(ks_store_case_get(f->s, c.id, &got), KS_OK);
    assert_string_equal(got.customer, "b1");
    ks_case_free(&got);
    ks_case_free(&c);
    add_user(f->s, "root", KS_ROLE_admin, NULL, NULL);
}

/* ---- conversations and findings ------------------------------------------- */

/* A conversation of 4 messages at t0 + 0, 60 s, untimed, 120 s (seconds
 * after KT_T0 shifted by `shift` seconds). */
static void make_conv(ks_conv *c, const char *id, const char *shop,
                      const char *agent, int shift)
{
    kt_line l[] = {{'c', shift, "你好"},
                   {'a', shift + 60, "呵呵"},
                   {'a', -1, "去淘宝"},
                   {'c', shift + 120, "好"}};
    kt_conv(c, l);
    ks_free(c->id);
    ks_free(c->agent);
    c->id = ks_strdup(id);
    c->shop = shop ? ks_strdup(shop) : NULL;
    c->agent = agent ? ks_strdup(agent) : NULL;
}

static void put(kt_db *f, const char *id, const char *shop, const char *agent,
                int shift, const ks_finding *fs, size_t nf, int want_created)
{
    ks_conv c;
    make_conv(&c, id, shop, agent, shift);
    ks_result r = {.risk = KS_RISK_high, .causes = 1u << KS_CAUSE_service,
                   .findings = (ks_finding *)fs, .nfindings = nf};
    char json[128], res[128];
    snprintf(json, sizeof json, "{\"id\":\"%s\"}", id);
    snprintf(res, sizeof res, "{\"conversation\":\"%s\"}", id);
    int created = -1;
    assert_int_equal(ks_store_conv_put(f->s, &c, json, &r, res, KT_T0,
                                       &created), KS_OK);
    assert_int_equal(created, want_created);
    ks_conv_free(&c);
}

static const ks_finding g_att = {KS_INC_attitude, "rude", "别这样", 1, 0, 2};
static const ks_finding g_div = {KS_INC_diversion, "div", "不要引流", 2, 1,
                                 3};
static const ks_finding g_slow = {KS_INC_slow_response, "slow", "快点", 3, 0,
                                  1};
static const ks_finding g_shirk = {KS_INC_shirking, "shirk", "解决", 1, 0, 1};

static void test_conv_put_get(void **state)
{
    kt_db *f = *state;
    ks_finding fs[] = {g_att, g_div};
    put(f, "c-1", "s1", "a1", 0, fs, 2, 1);
    char *cj = NULL, *rj = NULL, *shop = NULL, *agent = NULL;
    assert_int_equal(ks_store_conv_get(f->s, "c-1", &cj, &rj, &shop, &agent),
                     KS_OK);
    assert_string_equal(cj, "{\"id\":\"c-1\"}");
    assert_string_equal(rj, "{\"conversation\":\"c-1\"}");
    assert_string_equal(shop, "s1");
    assert_string_equal(agent, "a1");
    ks_free(cj);
    ks_free(rj);
    ks_free(shop);
    ks_free(agent);
    assert_int_equal(ks_store_conv_get(f->s, "c-1", NULL, &rj, NULL, NULL),
                     KS_OK);
    assert_non_null(rj);
    ks_free(rj);
    rj = (char *)1;
    assert_int_equal(ks_store_conv_get(f->s, "nope", NULL, &rj, NULL, NULL),
                     KS_ENOENT);
    assert_null(rj);

    /* idempotent: the same id again changes nothing */
    ks_conv c;
    make_conv(&c, "c-1", "s2", "zz", 999);
    ks_result r = {.findings = fs, .nfindings = 1};
    int created = -1;
    assert_int_equal(ks_store_conv_put(f->s, &c, "{\"other\":1}", &r, "{}",
                                       KT_T0, &created), KS_OK);
    assert_int_equal(created, 0);
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM findings"), 2);
    assert_int_equal(ks_store_conv_get(f->s, "c-1", &cj, NULL, &shop, NULL),
                     KS_OK);
    assert_string_equal(cj, "{\"id\":\"c-1\"}");
    assert_string_equal(shop, "s1");
    ks_free(cj);
    ks_free(shop);

    /* a finding outside the conversation: refused, nothing written */
    ks_free(c.id);
    c.id = ks_strdup("c-2");
    ks_finding bad = g_att;
    bad.msg = 4;
    r.findings = &bad;
    assert_int_equal(ks_store_conv_put(f->s, &c, "{}", &r, "{}", KT_T0,
                                       &created), KS_EINVAL);
    assert_int_equal(created, 0);
    assert_int_equal(ks_store_conv_get(f->s, "c-2", NULL, NULL, NULL, NULL),
                     KS_ENOENT);
    assert_int_equal(ks_store_conv_put(f->s, &c, NULL, &r, "{}", KT_T0,
                                       NULL), KS_EINVAL);
    ks_conv_free(&c);

    /* no shop, no agent, no time at all */
    kt_line l[] = {{'a', -1, "呵呵"}};
    kt_conv(&c, l);
    ks_free(c.agent);
    c.agent = NULL;
    r.findings = (ks_finding[]){{KS_INC_attitude, "rude", "", 0, 0, 2}};
    assert_int_equal(ks_store_conv_put(f->s, &c, "{}", &r, "{}", KT_T0,
                                       &created), KS_OK);
    assert_int_equal(created, 1);
    assert_int_equal(ks_store_conv_get(f->s, "t-1", NULL, NULL, &shop,
                                       &agent), KS_OK);
    assert_null(shop);
    assert_null(agent);
    ks_conv_free(&c);
    ks_finding_row *rows;
    size_t n;
    ks_finding_filter any = KS_FINDING_FILTER_ANY;
    assert_int_equal(ks_store_findings_list(f->s, &any, &rows, &n), KS_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rows[2].conv_id, "t-1");   /* untimed last */
    assert_int_equal(rows[2].at, KS_TIME_NONE);
    assert_string_equal(rows[2].day, "");
    ks_finding_rows_free(rows, n);
}

/* Seeds: s1/a1 on 06-05 (attitude, diversion), s1/a2 on 06-05 late
 * (slow), s1/a1 on 06-06 (shirking), s2/a1 on 06-06 (attitude). */
static void seed_findings(kt_db *f)
{
    ks_finding f1[] = {g_att, g_div}, f2[] = {g_slow}, f3[] = {g_shirk},
               f4[] = {g_att};
    put(f, "c-1", "s1", "a1", 0, f1, 2, 1);
    /* 23:57:59 local: its message at +120 s is 23:59:59, still 06-05 */
    put(f, "c-2", "s1", "a2", 14 * 3600 - 121, f2, 1, 1);
    put(f, "c-3", "s1", "a1", 14 * 3600, f3, 1, 1);   /* 06-06 00:00 */
    put(f, "c-4", "s2", "a1", 20 * 3600, f4, 1, 1);
    put(f, "c-5", "s1", "a3", 3600, NULL, 0, 1);      /* clean */
}

static size_t list(kt_db *f, ks_finding_filter flt, const char *want_convs)
{
    ks_finding_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_findings_list(f->s, &flt, &rows, &n), KS_OK);
    char got[256] = "";
    for (size_t i = 0; i < n; i++) {
        strcat(got, i ? " " : "");
        strcat(got, rows[i].conv_id);
    }
    if (strcmp(got, want_convs))
        fprintf(stderr, "    findings: got \"%s\", want \"%s\"\n", got,
                want_convs);
    assert_string_equal(got, want_convs);
    ks_finding_rows_free(rows, n);
    return n;
}

static void test_findings_filters(void **state)
{
    kt_db *f = *state;
    seed_findings(f);
    const ks_finding_filter any = KS_FINDING_FILTER_ANY;
    ks_finding_filter g;
    list(f, any, "c-4 c-3 c-2 c-1 c-1");
    g = any, g.shop = "s1";
    list(f, g, "c-3 c-2 c-1 c-1");
    g = any, g.agent = "a1";
    list(f, g, "c-4 c-3 c-1 c-1");
    g = any, g.shop = "s1", g.agent = "a1";
    list(f, g, "c-3 c-1 c-1");
    g = any, g.code = KS_INC_attitude;
    list(f, g, "c-4 c-1");
    g = any, g.code = KS_INC_attitude, g.shop = "s2";
    list(f, g, "c-4");
    g = any, g.level = 'B';
    list(f, g, "c-3");
    g = any, g.level = 'C';
    list(f, g, "c-2");
    g = any, g.level = 'A', g.code = KS_INC_diversion;
    list(f, g, "c-1");
    g = any, g.level = 'B', g.code = KS_INC_diversion;
    list(f, g, "");
    g = any, g.day_from = "2024-06-06";
    list(f, g, "c-4 c-3");
    g = any, g.day_to = "2024-06-05";
    list(f, g, "c-2 c-1 c-1");
    g = any, g.day_from = "2024-06-05", g.day_to = "2024-06-05",
    g.shop = "s1", g.agent = "a2";
    list(f, g, "c-2");
    g = any, g.limit = 2;
    list(f, g, "c-4 c-3");
    g = any, g.limit = 2, g.offset = 2;
    list(f, g, "c-2 c-1");
    g = any, g.offset = 10;
    list(f, g, "");
    g = any, g.shop = "s1' OR '1'='1";
    list(f, g, "");

    /* the row's fields */
    ks_finding_row *rows;
    size_t n;
    g = any, g.code = KS_INC_diversion;
    assert_int_equal(ks_store_findings_list(f->s, &g, &rows, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].rule, "div");
    assert_string_equal(rows[0].shop, "s1");
    assert_string_equal(rows[0].agent, "a1");
    assert_int_equal(rows[0].level, 'A');
    assert_int_equal(rows[0].msg, 2);
    assert_int_equal(rows[0].start, 1);
    assert_int_equal(rows[0].end, 3);
    /* message 2 is untimed: it takes message 1's time */
    assert_int_equal(rows[0].at, KT_T0 + 60000);
    assert_string_equal(rows[0].day, "2024-06-05");
    ks_finding_rows_free(rows, n);
    g = any, g.level = 'C';
    assert_int_equal(ks_store_findings_list(f->s, &g, &rows, &n), KS_OK);
    assert_string_equal(rows[0].day, "2024-06-05");   /* 23:59:59 */
    ks_finding_rows_free(rows, n);
    g = any, g.level = 'B';
    assert_int_equal(ks_store_findings_list(f->s, &g, &rows, &n), KS_OK);
    assert_string_equal(rows[0].day, "2024-06-06");
    ks_finding_rows_free(rows, n);
    assert_int_equal(ks_store_findings_list(f->s, NULL, &rows, &n), KS_OK);
    assert_int_equal(n, 5);
    ks_finding_rows_free(rows, n);

    /* refused filters */
    static const char *const bad_days[] = {"2024-6-5", "2024-02-30",
                                           "2024-13-01", "yesterday",
                                           "2024-06-05'", ""};
    for (size_t i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++) {
        g = any, g.day_from = bad_days[i];
        assert_int_equal(ks_store_findings_list(f->s, &g, &rows, &n),
                         KS_EINVAL);
        assert_null(rows);
    }
    g = any, g.level = 'D';
    assert_int_equal(ks_store_findings_list(f->s, &g, &rows, &n), KS_EINVAL);
    g = any, g.code = KS_INC_COUNT;
    assert_int_equal(ks_store_findings_list(f->s, &g, &rows, &n), KS_EINVAL);
    /* the plan uses an index for each filter */
    assert_int_equal(kt_raw_int(f->path, "SELECT count(*) FROM sqlite_master"
                                      " WHERE type = 'index' AND"
                                      " tbl_name = 'findings'"), 6);
}

static void test_agent_scores(void **state)
{
    kt_db *f = *state;
    seed_findings(f);
    ks_agent_score *sc = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_agent_scores(f->s, "s1", NULL, NULL, &sc, &n),
                     KS_OK);
    assert_int_equal(n, 3);
    assert_string_equal(sc[0].agent, "a1");
    assert_int_equal(sc[0].convs, 2);
    assert_int_equal(sc[0].findings[0], 2);
    assert_int_equal(sc[0].findings[1], 1);
    assert_int_equal(sc[0].findings[2], 0);
    assert_string_equal(sc[1].agent, "a2");
    assert_int_equal(sc[1].findings[2], 1);
    assert_string_equal(sc[2].agent, "a3");
    assert_int_equal(sc[2].convs, 1);
    assert_int_equal(sc[2].findings[0] + sc[2].findings[1] +
                         sc[2].findings[2], 0);
    ks_agent_scores_free(sc, n);
    assert_int_equal(ks_store_agent_scores(f->s, "s1", "2024-06-06",
                                           "2024-06-06", &sc, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(sc[0].agent, "a1");
    assert_int_equal(sc[0].convs, 1);
    assert_int_equal(sc[0].findings[1], 1);
    ks_agent_scores_free(sc, n);
    assert_int_equal(ks_store_agent_scores(f->s, NULL, NULL, NULL, &sc, &n),
                     KS_OK);
    assert_int_equal(n, 4);
    assert_string_equal(sc[3].shop, "s2");
    assert_string_equal(sc[3].agent, "a1");
    ks_agent_scores_free(sc, n);
    assert_int_equal(ks_store_agent_scores(f->s, "nope", NULL, NULL, &sc,
                                           &n), KS_OK);
    assert_int_equal(n, 0);
    ks_agent_scores_free(sc, n);
    assert_int_equal(ks_store_agent_scores(f->s, NULL, "06-06", NULL, &sc,
                                           &n), KS_EINVAL);
}

/* The dashboard views: risk board, scorecards and causes per day, with
 * a lead's agents list bound as one parameter. */
static void test_dashboard_views(void **state)
{
    kt_db *f = *state;
    seed_findings(f);
    const char *team[] = {"a1", "a3"}, *evil[] = {"a1' OR '1'='1"};
    ks_conv_filter cf = KS_CONV_FILTER_ANY;
    cf.shop = "s1";
    cf.agents = team;
    cf.nagents = 2;
    ks_conv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(ks_store_conv_list(f->s, &cf, &rows, &n), KS_OK);
    assert_int_equal(n, 3);   /* all high: newest first */
    assert_string_equal(rows[0].id, "c-3");
    assert_string_equal(rows[1].id, "c-5");
    assert_string_equal(rows[2].id, "c-1");
    assert_string_equal(rows[2].day, "2024-06-05");
    assert_int_equal(rows[2].findings[0], 2);
    assert_int_equal(rows[2].case_id, 0);
    assert_int_equal(rows[2].causes, 1u << KS_CAUSE_service);
    ks_conv_rows_free(rows, n);
    cf.agents = evil;
    cf.nagents = 1;
    assert_int_equal(ks_store_conv_list(f->s, &cf, &rows, &n), KS_OK);
    assert_int_equal(n, 0);
    ks_conv_rows_free(rows, n);
    cf.nagents = 0;   /* an empty team sees nothing */
    assert_int_equal(ks_store_conv_list(f->s, &cf, &rows, &n), KS_OK);
    assert_int_equal(n, 0);
    ks_conv_rows_free(rows, n);
    ks_conv_filter all = KS_CONV_FILTER_ANY;
    all.risks = 1u << KS_RISK_critical;
    assert_int_equal(ks_store_conv_list(f->s, &all, &rows, &n), KS_OK);
    assert_int_equal(n, 0);
    ks_conv_rows_free(rows, n);
    all.risks |= 1u << KS_RISK_high;
    all.limit = 2;
    all.offset = 4;
    assert_int_equal(ks_store_conv_list(f->s, &all, &rows, &n), KS_OK);
    assert_int_equal(n, 1);
    ks_conv_rows_free(rows, n);
    all.day_from = "2024-6-5";
    assert_int_equal(ks_store_conv_list(f->s, &all, &rows, &n), KS_EINVAL);

    ks_agent_score *sc = NULL;
    cf.agents = team;
    cf.nagents = 1;
    assert_int_equal(ks_store_agent_scores_in(f->s, &cf, &sc, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(sc[0].agent, "a1");
    assert_int_equal(sc[0].convs, 2);
    ks_agent_scores_free(sc, n);

    ks_cause_count *cc = NULL;
    ks_conv_filter any = KS_CONV_FILTER_ANY;
    assert_int_equal(ks_store_cause_counts(f->s, &any, &cc, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(cc[0].day, "2024-06-05");
    assert_int_equal(cc[0].cause, KS_CAUSE_service);
    assert_int_equal(cc[0].convs, 3);
    assert_string_equal(cc[1].day, "2024-06-06");
    assert_int_equal(cc[1].convs, 2);
    ks_cause_counts_free(cc);
    any.day_from = any.day_to = "2024-06-06";
    any.shop = "s2";
    assert_int_equal(ks_store_cause_counts(f->s, &any, &cc, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(cc[0].convs, 1);
    ks_cause_counts_free(cc);

    ks_finding_filter ff = KS_FINDING_FILTER_ANY;
    const char *a2[] = {"a2"};
    ff.agents = a2;
    ff.nagents = 1;
    ks_finding_row *fr = NULL;
    assert_int_equal(ks_store_findings_list(f->s, &ff, &fr, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(fr[0].conv_id, "c-2");
    ks_finding_rows_free(fr, n);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, kt_db_setup, kt_db_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_can_see),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_mask_phones),
        cmocka_unit_test(test_mask_near_misses),
        cmocka_unit_test(test_mask_aligned),
        cmocka_unit_test(test_mask_addresses),
        cmocka_unit_test(test_mask_errors),
        T(test_user_add_get),
        T(test_user_refused),
        T(test_user_list_passwd_disable),
        T(test_tokens),
        T(test_sessions),
        T(test_migration_from_v1),
        T(test_conv_put_get),
        T(test_findings_filters),
        T(test_agent_scores),
        T(test_dashboard_views),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
