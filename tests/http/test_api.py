#!/usr/bin/env python3
"""HTTP tests of the authenticated API of `kesu serve`: tokens, sessions
with CSRF, the reply guard, per-role access, bad input, a 413 on a
streamed body, and SIGTERM finishing a request in flight.

usage: test_api.py PATH/TO/kesu SOURCE_ROOT PATH/TO/http_mkuser
"""

import os
import subprocess
import sys
import tempfile
import time

from kesu_http import Runner, Server, check, expect_error, use_openapi

# name, role, shop, team, password
USERS = [("root", "admin", "-", "-", "-"),
         ("boss1", "owner", "s1", "-", "pw-owner"),
         ("lead1", "lead", "s1", "t1", "-"),
         ("a07", "agent", "s1", "t1", "pw-agent"),
         ("b01", "agent", "s2", "-", "-")]


# The paths this file covers (the others have their own test files).
API_PATHS = ["/api/v1/health", "/api/v1/login", "/api/v1/logout",
             "/api/v1/me", "/api/v1/guard"]


def make_users(mkuser, db):
    tokens = {}
    for u in USERS:
        out = subprocess.run([mkuser, db, *u], check=True, text=True,
                             capture_output=True).stdout.split()
        tokens[u[0]] = out[0]
        tokens[u[0] + ":revoked"] = out[1]
    return tokens


def tokens_and_me(srv, tok):
    for name, role, shop, team, _ in USERS:
        st, _, me = srv.request("GET", "/api/v1/me", token=tok[name])
        check(st == 200 and me["user"] == name and me["role"] == role,
              f"me for {name}", me)
        check(me["shop"] == (None if shop == "-" else shop), "me.shop", me)
        check(me["session"] is False, "token, not session", me)
        expect_error(srv.request("GET", "/api/v1/me",
                                 token=tok[name + ":revoked"]),
                     401, "unauthorized", "Authorization")
    expect_error(srv.request("GET", "/api/v1/me"), 401, "unauthorized")


def login_session(srv, tok):
    bad = srv.request("POST", "/api/v1/login",
                      {"name": "a07", "password": "wrong"})
    unknown = srv.request("POST", "/api/v1/login",
                          {"name": "nobody", "password": "wrong"})
    expect_error(bad, 401, "unauthorized")
    expect_error(unknown, 401, "unauthorized")
    check(bad[2] == unknown[2], "same error for a wrong password and an "
          "unknown name", (bad[2], unknown[2]))
    expect_error(srv.request("POST", "/api/v1/login",
                             {"name": "lead1", "password": ""}),
                 401, "unauthorized")   # token-only account
    expect_error(srv.request("POST", "/api/v1/login", {"name": "a07"}),
                 400, "invalid_field", "password")
    st, h, body = srv.request("POST", "/api/v1/login",
                              {"name": "a07", "password": "pw-agent"})
    check(st == 200 and body["user"] == "a07" and body["role"] == "agent"
          and len(body["csrf"]) >= 32, "login", body)
    cookie = h.get("set-cookie", "")
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"]:
        check(attr in cookie, f"cookie {attr}", cookie)
    sid = cookie.split(";")[0]
    check(sid.startswith("kesu_session="), "kesu_session cookie", cookie)
    c = {"Cookie": sid}
    st, _, me = srv.request("GET", "/api/v1/me", headers=c)
    check(st == 200 and me["session"] is True, "me by cookie", me)
    g = {"reply": "您好"}
    expect_error(srv.request("POST", "/api/v1/guard", g, headers=c), 403,
                 "forbidden", "X-CSRF-Token")
    expect_error(srv.request("POST", "/api/v1/guard", g,
                             headers={**c, "X-CSRF-Token": "forged"}),
                 403, "forbidden", "X-CSRF-Token")
    st, _, res = srv.request("POST", "/api/v1/guard", g,
                             headers={**c, "X-CSRF-Token": body["csrf"]})
    check(st == 200 and res["ok"] is True, "guard by cookie + CSRF", res)
    expect_error(srv.request("POST", "/api/v1/logout", headers=c), 403,
                 "forbidden")
    st, h, _ = srv.request("POST", "/api/v1/logout",
                           headers={**c, "X-CSRF-Token": body["csrf"]})
    check(st == 200 and "Max-Age=0" in h.get("set-cookie", ""), "logout", h)
    expect_error(srv.request("GET", "/api/v1/me", headers=c), 401,
                 "unauthorized", "Cookie")


def guard(srv, tok):
    t = tok["a07"]
    st, _, r = srv.request("POST", "/api/v1/guard",
                           {"reply": "亲，你加我微信吧，淘 宝上更便宜"}, token=t)
    check(st == 200 and r["ok"] is False, "diversion caught", r)
    codes = {f["code"] for f in r["findings"]}
    check("diversion" in codes, "diversion finding", r)
    f = r["findings"][0]
    draft = "亲，你加我微信吧，淘 宝上更便宜"
    check(draft[f["start"]:f["end"]] == f["evidence"], "span = evidence", f)
    check(f["level"] == "A" and f["advice"], "level and advice", f)
    check(isinstance(r["suggestion"], dict) and r["suggestion"]["text"],
          "a suggestion", r)
    check(r["suggestion"]["id"] == "rewrite.diversion" and
          f["script"]["id"] == "rewrite.diversion" and
          "本平台" in f["script"]["text"],
          "the diversion rewrite: stay on the platform", r)
    st, _, r = srv.request("POST", "/api/v1/guard",
                           {"reply": "亲，您好，请问有什么可以帮您？"}, token=t)
    check(st == 200 and r == {"ok": True, "findings": [], "risk": "normal",
                              "suggestion": None}, "clean draft", r)
    ctx = [{"from": "customer", "text": "收到的火腿发霉了，我要投诉你们！"},
           {"from": "agent", "text": "加我微信"}]
    st, _, r = srv.request("POST", "/api/v1/guard",
                           {"reply": "这不归我们管，你自己找快递",
                            "context": ctx, "shop": "s1", "agent": "a07"},
                           token=t)
    check(st == 200 and r["ok"] is False, "shirking caught", r)
    check(all(f["evidence"] != "微信" for f in r["findings"]),
          "findings in the context are not the draft's", r)
    check(r["suggestion"]["id"] == "rewrite.shirking" and
          "[deadline]" in r["suggestion"]["text"],
          "the shirking rewrite, with the deadline left to fill in", r)
    check(r["risk"] in ("high", "critical"), "risk from the context", r)


def bad_input(srv, tok):
    t = tok["a07"]
    p = "/api/v1/guard"
    r = srv.request("POST", p, '{"reply":"x",\n "context":[{]}', token=t)
    expect_error(r, 400, "bad_json")
    check(r[2]["error"]["where"].startswith("2:"), "located line:col", r)
    expect_error(srv.request("POST", p, "", token=t), 400, "bad_json")
    expect_error(srv.request("POST", p, "[1,2]", token=t), 400,
                 "invalid_field")
    expect_error(srv.request("POST", p, '{"reply":"x"} trailing', token=t),
                 400, "bad_json")
    expect_error(srv.request("POST", p, b'{"reply":"\xff\xfe"}', token=t),
                 400, "bad_json")
    expect_error(srv.request("POST", p, '{"reply":"a\\u0000b"}', token=t),
                 400, "bad_json")
    expect_error(srv.request("POST", p, {"reply": 5}, token=t), 400,
                 "invalid_field", "reply")
    expect_error(srv.request("POST", p, {"draft": "x"}, token=t), 400,
                 "invalid_field", "draft")
    expect_error(srv.request("POST", p, {"reply": ""}, token=t), 400,
                 "invalid_field", "reply")
    expect_error(srv.request("POST", p, {"reply": "x", "context": {}},
                             token=t), 400, "invalid_field", "context")
    expect_error(srv.request("POST", p, {"reply": "x", "context": [
        {"from": "boss", "text": "x"}]}, token=t), 400, "invalid_field",
        "context[0].from")
    st, _, r = srv.request("POST", p, {"reply": "'; DROP TABLE users;--",
                                       "shop": "' OR '1'='1"}, token=t)
    check(st == 200, "SQL-like text is just text", r)
    deep = "[" * 100000 + "]" * 100000
    st, _, r = srv.request("POST", p, '{"reply":"x","context":' + deep + "}",
                           token=t)
    check(st == 400, "deep nesting refused", (st, r))


def streamed_too_large(srv, tok):
    chunks = iter([b'{"reply":"' + b"x" * 65536] + [b"x" * 65536] * 20)
    st, _, r = srv.request("POST", "/api/v1/guard", chunks, token=tok["a07"],
                           headers={"Transfer-Encoding": "chunked"})
    check(st == 413 and r["error"]["code"] == "too_large",
          "413 on a streamed body past 1 MiB", (st, r))


def sigterm_inflight(srv, tok):
    body = '{"reply":"亲，您好"}'.encode()
    c = srv.conn()
    c.putrequest("POST", "/api/v1/guard")
    c.putheader("Authorization", "Bearer " + tok["a07"])
    c.putheader("Content-Length", str(len(body)))
    c.endheaders()
    c.send(body[:5])
    time.sleep(0.3)
    srv.proc.send_signal(15)
    time.sleep(0.3)
    c.send(body[5:])
    resp = c.getresponse()
    check(resp.status == 200, "the in-flight request finished", resp.status)
    resp.read()
    c.close()
    code = srv.stop()
    check(code == 0, "exit 0 after SIGTERM", code)


def login_throttle(srv, tok):
    """Ten quick attempts for one name, then 429 with Retry-After: a
    password cannot be guessed at Argon2id speed."""
    for _ in range(10):
        expect_error(srv.request("POST", "/api/v1/login",
                                 {"name": "guess-me", "password": "x"}),
                     401, "unauthorized")
    st, h, body = srv.request("POST", "/api/v1/login",
                              {"name": "guess-me", "password": "x"})
    expect_error((st, h, body), 429, "rate_limited")
    check(int(h.get("retry-after", "0")) >= 1, "Retry-After given", h)
    st, _, _ = srv.request("POST", "/api/v1/login",
                           {"name": "a07", "password": "pw-agent"})
    check(st == 200, "another name still logs in", st)


def main():
    kesu, src, mkuser = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="kesu-api.")
    db = os.path.join(tmp, "kesu.db")
    tok = make_users(mkuser, db)
    srv = Server(kesu, src, db=db, extra=["--rate", "0"])
    t = Runner()
    use_openapi(src)
    try:
        t.run("tokens, revoked tokens, me", tokens_and_me, srv, tok)
        t.run("login, session cookie, CSRF, logout", login_session, srv, tok)
        t.run("guard", guard, srv, tok)
        t.run("login attempts throttled per name", login_throttle, srv, tok)
        t.run("bad input", bad_input, srv, tok)
        t.run("streamed body too large", streamed_too_large, srv, tok)
        t.run("SIGTERM finishes the request in flight", sigterm_inflight,
              srv, tok)
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()

    print(f"{t.n} checks passed")


if __name__ == "__main__":
    main()
