#!/usr/bin/env python3
"""HTTP tests of `kesu serve` against the real server: errors, limits,
malformed requests, path traversal, rate limit, access log, SIGTERM.

usage: test_server.py PATH/TO/kesu SOURCE_ROOT
"""

import json
import sys
import threading
import time

from kesu_http import Runner, Server, check, expect_error, use_openapi, parse

TOKEN = "ks_" + "A" * 43


def health(srv):
    st, h, body = srv.request("GET", "/api/v1/health")
    check(st == 200 and body.get("status") == "ok", "health 200", body)
    check(h.get("content-type", "").startswith("application/json"),
          "JSON content type", h)


def raw_status(srv, data):
    out = srv.raw(data)
    head, _, body = out.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 "), "an HTTP answer", out[:300])
    return int(head.split()[1]), parse(body)


def not_found(srv):
    expect_error(srv.request("GET", "/api/v1/nope"), 404, "not_found")
    expect_error(srv.request("GET", "/api/v1"), 404, "not_found")  # / is the dashboard (test_static)
    for path in ["/api/v1/../../etc/passwd", "/api/v1/%2e%2e/%2e%2e/etc/passwd",
                 "/../../../etc/passwd", "/api/v1/health/..",
                 "/api/v1/%2E%2E/health", "/api/v1//health",
                 "/api/v1/health%00.json", "/api/v1/./health"]:
        st, body = raw_status(srv, f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n".encode())
        check(st == 404 and body["error"]["code"] == "not_found",
              f"404 for {path}", (st, body))


def method_not_allowed(srv):
    r = srv.request("DELETE", "/api/v1/health")
    expect_error(r, 405, "method_not_allowed")
    check(r[1].get("allow") == "GET", "Allow: GET", r[1])
    expect_error(srv.request("GET", "/api/v1/guard"), 405,
                 "method_not_allowed")


def unauthorized(srv):
    body = {"reply": "您好"}
    expect_error(srv.request("POST", "/api/v1/guard", body), 401,
                 "unauthorized", "Authorization")
    expect_error(srv.request("POST", "/api/v1/guard", body, token=TOKEN), 401,
                 "unauthorized", "Authorization")
    for h in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "bearer' OR 1=1--"]:
        expect_error(srv.request("POST", "/api/v1/guard", body,
                                 headers={"Authorization": h}),
                     401, "unauthorized")
    expect_error(srv.request("POST", "/api/v1/guard", body,
                             headers={"Cookie": "kesu_session=forged"}),
                 401, "unauthorized", "Cookie")


def too_large(srv):
    # declared: refused from the headers, before any body is sent
    st, body = raw_status(srv, b"POST /api/v1/guard HTTP/1.1\r\nHost: x\r\n"
                               b"Authorization: Bearer " + TOKEN.encode() +
                               b"\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 2000000\r\n\r\n")
    check(st == 413 and body["error"]["code"] == "too_large",
          "413 from Content-Length alone", (st, body))


def malformed(srv):
    for data in [b"\x00\x01\x02garbage\r\n\r\n", b"GET\r\n\r\n",
                 b"GET /api/v1/health HTTP/9.9\r\n\r\n",
                 b"POST /api/v1/guard HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: -5\r\n\r\n",
                 b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " +
                 b"a" * 100000 + b"\r\n\r\n",
                 b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"]:
        srv.raw(data, read_timeout=2)
    health(srv)   # still alive and answering


def sql_injection(srv):
    for q in ["/api/v1/health?level=A'%20OR%201=1--",
              "/api/v1/health?x=%27%3B%20DROP%20TABLE%20users%3B--"]:
        st, _, body = srv.request("GET", q)
        check(st == 200, "query strings are inert", (q, st, body))
    expect_error(srv.request("GET", "/api/v1/'%20OR%20'1'='1"), 404,
                 "not_found")


def access_log(srv):
    srv.request("POST", "/api/v1/guard", {"reply": "x"}, token=TOKEN)
    srv.request("GET", "/api/v1/13812345678?secret=1")
    time.sleep(0.2)
    lines = [l for l in srv.stderr().splitlines() if l.startswith("{")]
    check(lines, "access log lines on stderr")
    for l in lines:
        e = json.loads(l)
        for k in ["time", "method", "path", "status", "bytes", "us", "user"]:
            check(k in e, f"access log field {k}", l)
        check("?" not in e["path"], "no query string in the log", l)
    text = srv.stderr()
    check(TOKEN not in text and "Bearer" not in text, "no token in the log")
    check("13812345678" not in text, "phone numbers masked in the log")


def rate_limited(kesu, src):
    srv = Server(kesu, src, extra=["--rate", "1", "--burst", "3"])
    try:
        codes = [srv.request("GET", "/api/v1/health")[0] for _ in range(4)]
        check(codes[:3] == [200] * 3, "the burst is allowed", codes)
        r = srv.request("GET", "/api/v1/health")
        expect_error(r, 429, "rate_limited")
        check(int(r[1].get("retry-after", "0")) >= 1, "Retry-After", r[1])
        # another credential has its own bucket
        expect_error(srv.request("POST", "/api/v1/guard", {"reply": "x"},
                                 token=TOKEN), 401, "unauthorized")
    finally:
        check(srv.stop() == 0, "exit 0")


def sigterm(srv):
    code = srv.stop()
    check(code == 0, "exit status 0 after SIGTERM", code)
    check("SIGTERM" in srv.stderr(), "the stop is logged")


def main():
    kesu, src = sys.argv[1], sys.argv[2]
    t = Runner()
    use_openapi(src)
    srv = Server(kesu, src)
    try:
        t.run("health", health, srv)
        t.run("not_found and path traversal", not_found, srv)
        t.run("method_not_allowed", method_not_allowed, srv)
        t.run("unauthorized", unauthorized, srv)
        t.run("too_large", too_large, srv)
        t.run("malformed requests", malformed, srv)
        t.run("sql injection strings", sql_injection, srv)
        t.run("access log", access_log, srv)
        t.run("sigterm", sigterm, srv)
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
    t.run("rate_limited", rate_limited, kesu, src)
    print(f"{t.n} checks passed")


if __name__ == "__main__":
    main()
