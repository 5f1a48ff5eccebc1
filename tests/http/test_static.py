#!/usr/bin/env python3
"""HTTP tests of the dashboard's files in `kesu serve --web DIR`: types and
security headers, the index.html fallback for the dashboard's own pages,
404 for missing assets and for every way out of the directory (dot
segments, hidden files, a symbolic link pointing outside), no credential
needed, /api untouched, and a clear 503 when the directory is missing.
A web directory made here, so this runs without the npm build.

usage: test_static.py PATH/TO/kesu SOURCE_ROOT
"""

import os
import sys
import tempfile

from kesu_http import Runner, Server, check, expect_error, parse

INDEX = "<!doctype html><title>kesu test index</title>\n"
SCRIPT = "console.log('kesu');\n"


def make_webdir(root):
    web = os.path.join(root, "web")
    os.makedirs(os.path.join(web, "assets"))
    files = {"index.html": INDEX, "assets/app-1a2b.js": SCRIPT,
             "assets/app-1a2b.css": "body{}\n", "favicon.svg": "<svg/>\n",
             ".secret": "hidden\n", "assets/.env": "hidden\n"}
    for name, text in files.items():
        with open(os.path.join(web, name), "w") as f:
            f.write(text)
    with open(os.path.join(root, "outside.txt"), "w") as f:
        f.write("outside the web directory\n")
    os.symlink(os.path.join(root, "outside.txt"),
               os.path.join(web, "assets", "link.txt"))
    os.symlink(os.path.join(root, "outside.txt"),
               os.path.join(web, "escape.txt"))
    return web


def files_and_headers(srv):
    for path, ctype, body in [("/", "text/html", INDEX),
                              ("/index.html", "text/html", INDEX),
                              ("/assets/app-1a2b.js", "text/javascript",
                               SCRIPT),
                              ("/assets/app-1a2b.css", "text/css", "body{}\n"),
                              ("/favicon.svg", "image/svg+xml", "<svg/>\n")]:
        st, h, got = srv.request("GET", path)
        check(st == 200, f"200 for {path}", (st, got))
        check(h.get("content-type", "").startswith(ctype),
              f"Content-Type {ctype} for {path}", h)
        check(got.rstrip("\n") == body.rstrip("\n"), f"the file for {path}",
              got)
        check(h.get("x-content-type-options") == "nosniff", "nosniff", h)
        csp = h.get("content-security-policy", "")
        for part in ["default-src 'none'", "script-src 'self'",
                     "frame-ancestors 'none'", "base-uri 'none'"]:
            check(part in csp, f"CSP has {part}", csp)
        check("unsafe-inline" not in csp and "unsafe-eval" not in csp,
              "no unsafe-inline/eval in the CSP", csp)
    _, h, _ = srv.request("GET", "/assets/app-1a2b.js")
    check("immutable" in h.get("cache-control", ""),
          "hashed assets are cached for good", h)
    _, h, _ = srv.request("GET", "/")
    check(h.get("cache-control") == "no-cache", "index.html is revalidated",
          h)
    st, h, got = srv.request("HEAD", "/assets/app-1a2b.js")
    check(st == 200 and got == "" and
          h.get("content-length") == str(len(SCRIPT)), "HEAD", (st, h, got))


def client_routes(srv):
    for path in ["/incidents", "/cases/12", "/guard", "/conversations/c-1",
                 "/incidents?level=A", "/apix"]:
        st, h, got = srv.request("GET", path)
        check(st == 200 and got == INDEX and
              h.get("content-type", "").startswith("text/html"),
              f"index.html for the page {path}", (st, got))


def refused(srv):
    for path in ["/assets/missing.js", "/.secret", "/assets/.env",
                 "/assets/link.txt", "/../outside.txt", "/assets/../../outside.txt",
                 "/%2e%2e/outside.txt", "/assets//app-1a2b.js",
                 "/./index.html", "/assets/app-1a2b.js%00.html"]:
        raw = srv.raw(f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                      "Connection: close\r\n\r\n".encode())
        head, _, body = raw.partition(b"\r\n\r\n")
        st = int(head.split()[1])
        check(b"outside the web directory" not in body and
              b"hidden" not in body, f"nothing from outside for {path}", raw)
        check(st == 404 and parse(body)["error"]["code"] == "not_found",
              f"404 not_found for {path}", raw[:400])
    # a link leading out of the directory is no file: the page fallback
    st, _, got = srv.request("GET", "/escape.txt")
    check(st == 200 and got == INDEX, "a link out is not followed", got)


def api_untouched(srv):
    expect_error(srv.request("GET", "/api/v1/nope"), 404, "not_found")
    expect_error(srv.request("GET", "/api"), 404, "not_found")
    expect_error(srv.request("GET", "/api/"), 404, "not_found")
    st, _, body = srv.request("GET", "/api/v1/health")
    check(st == 200 and body.get("status") == "ok", "health", body)
    expect_error(srv.request("POST", "/index.html", "x"), 404, "not_found")
    # static GETs need no credential, even a wrong one does not matter
    st, _, _ = srv.request("GET", "/", token="ks_wrong")
    check(st == 200, "no credential needed for the page", st)


def missing_dir(kesu, src, root):
    gone = os.path.join(root, "no-such-web")
    srv = Server(kesu, src, extra=["--web", gone])
    try:
        check("no dashboard in " + gone in srv.stderr(),
              "the start says the dashboard is missing", srv.stderr())
        for path in ["/", "/incidents"]:
            st, h, body = srv.request("GET", path)
            expect_error((st, h, body), 503, "unavailable")
            check(gone in body["error"]["message"],
                  "the error names the missing directory", body)
        st, _, body = srv.request("GET", "/api/v1/health")
        check(st == 200, "the API works without the dashboard", body)
    finally:
        check(srv.stop() == 0, "exit 0")


def main():
    kesu, src = sys.argv[1], sys.argv[2]
    t = Runner()
    root = tempfile.mkdtemp(prefix="kesu-web.")
    web = make_webdir(root)
    srv = Server(kesu, src, extra=["--web", web])
    try:
        t.run("files and headers", files_and_headers, srv)
        t.run("index.html for the dashboard's pages", client_routes, srv)
        t.run("404 for missing, hidden and outside files", refused, srv)
        t.run("/api unchanged", api_untouched, srv)
    finally:
        check(srv.stop() == 0, "exit 0")
    t.run("missing web directory", missing_dir, kesu, src, root)
    print(f"{t.n} checks passed")


if __name__ == "__main__":
    main()
