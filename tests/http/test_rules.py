#!/usr/bin/env python3
"""HTTP tests of the rule book: GET /rules and /policy, and POST
/rules/reload — a good reload changes what the guard finds, a broken pack
or policy is refused with located errors while the running rules stay,
and only an admin may reload. Requests run while reloads happen.

usage: test_rules.py PATH/TO/kesu SOURCE_ROOT PATH/TO/http_mkuser
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading

from kesu_http import Runner, Server, check, expect_error, use_openapi

USERS = [("root", "admin", "-", "-", "-"),
         ("boss1", "owner", "s1", "-", "-"),
         ("a07", "agent", "s1", "t1", "-")]

# A word no shipped list holds, added to the diversion platforms below.
NEW_WORD = "咕噜商城"
DRAFT = {"reply": f"您可以去{NEW_WORD}下单，那边更便宜"}


def make_users(mkuser, db):
    tok = {}
    for u in USERS:
        out = subprocess.run([mkuser, db, *u], check=True, text=True,
                             capture_output=True).stdout.split()
        tok[u[0]] = out[0]
    return tok


def codes(srv, tok):
    st, _, body = srv.request("POST", "/api/v1/guard", DRAFT, token=tok)
    check(st == 200, "guard answers", body)
    return {f["code"] for f in body["findings"]}


def read_book(srv, tok):
    st, _, b = srv.request("GET", "/api/v1/rules", token=tok["a07"])
    check(st == 200 and b["generation"] == 1, "rules summary", b)
    names = {r["name"] for r in b["rules"]}
    check("diversion.platform" in names or
          any(r["code"] == "diversion" for r in b["rules"]),
          "the diversion rule is listed", sorted(names))
    check(b["words"] > 100 and b["lists"] > 10, "pack sizes", b)
    st, _, p = srv.request("GET", "/api/v1/policy", token=tok["boss1"])
    check(st == 200 and p["utc_offset_minutes"] == 480, "policy", p)
    check(any(w["category"] == "food" and w["days"] == 7
              for w in p["windows"]), "food after-sales window 7 days", p)
    check(all(d["source"] for d in p["deadlines"]), "deadline sources", p)
    expect_error(srv.request("GET", "/api/v1/rules"), 401, "unauthorized")


def find_list(rules, word):
    """The file holding the list that contains word (the platforms)."""
    for name in sorted(os.listdir(rules)):
        if name.endswith(".yaml"):
            path = os.path.join(rules, name)
            with open(path, encoding="utf-8") as f:
                if word in f.read():
                    return path
    raise AssertionError(word + " not found in the pack")


def add_word(rules):
    path = find_list(rules, "拼多多")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line.strip().startswith("- ") and "拼多多" in line:
            indent = line[:len(line) - len(line.lstrip())]
            lines.insert(i + 1, f"{indent}- {NEW_WORD}")
            break
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def reload_ok(srv, tok, rules):
    check("diversion" not in codes(srv, tok["a07"]), "new word unknown yet")
    add_word(rules)
    for who in ("boss1", "a07"):
        expect_error(srv.request("POST", "/api/v1/rules/reload",
                                 token=tok[who]), 403, "forbidden")
    st, _, b = srv.request("POST", "/api/v1/rules/reload", token=tok["root"],
                           timeout=300)
    check(st == 200 and b["generation"] == 2, "reloaded", b)
    # Every pool thread moves to the new rules on its next request.
    for _ in range(8):
        check("diversion" in codes(srv, tok["a07"]),
              "the reloaded word is found")


def reload_refused(srv, tok, rules):
    bad = os.path.join(rules, "99-broken.yaml")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("lists:\n  oops: [unclosed\n")
    st, _, b = srv.request("POST", "/api/v1/rules/reload", token=tok["root"],
                           timeout=300)
    expect_error((st, None, b), 422, "invalid_rules")
    check(b["error"]["where"].startswith(bad + ":"),
          "error located at file:line", b)
    check(b["error"]["details"], "every diagnostic listed", b)
    os.unlink(bad)
    check("diversion" in codes(srv, tok["a07"]), "running rules stay")
    st, _, g = srv.request("GET", "/api/v1/rules", token=tok["a07"])
    check(g["generation"] == 2, "generation unchanged", g)
    policy = os.path.join(rules, "desk", "policy.yaml")
    with open(policy, "a", encoding="utf-8") as f:
        f.write("\nno_such_key: 1\n")
    st, _, b = srv.request("POST", "/api/v1/rules/reload", token=tok["root"],
                           timeout=300)
    expect_error((st, None, b), 422, "invalid_rules")
    check("policy.yaml" in b["error"]["where"], "policy error located", b)


def reload_under_load(srv, tok):
    """Guards keep answering 200 while the admin reloads."""
    bad = []

    def hammer():
        for _ in range(40):
            st, _, body = srv.request("POST", "/api/v1/guard", DRAFT,
                                      token=tok["a07"])
            if st != 200:
                bad.append((st, body))

    ts = [threading.Thread(target=hammer) for _ in range(3)]
    for t in ts:
        t.start()
    for _ in range(3):
        st, _, b = srv.request("POST", "/api/v1/rules/reload",
                               token=tok["root"], timeout=300)
        if st != 200:
            bad.append((st, b))
    for t in ts:
        t.join()
    check(not bad, "no failed request during reloads", bad[:3])


def main():
    kesu, src, mkuser = sys.argv[1:4]
    use_openapi(src)
    tmp = tempfile.mkdtemp(prefix="kesu-rules.")
    try:
        rules = os.path.join(tmp, "rules")
        shutil.copytree(os.path.join(src, "rules"), rules)
        db = os.path.join(tmp, "kesu.db")
        tok = make_users(mkuser, db)
        srv = Server(kesu, src, db=db, extra=("--rules", rules,
                                              "--rate", "0"))
        r = Runner()
        try:
            r.run("rules and policy read", read_book, srv, tok)
            r.run("reload adds a word", reload_ok, srv, tok, rules)
            r.run("broken pack or policy refused", reload_refused, srv, tok,
                  rules)
            shutil.copy(os.path.join(src, "rules", "desk", "policy.yaml"),
                        os.path.join(rules, "desk", "policy.yaml"))
            r.run("reloads under load", reload_under_load, srv, tok)
        finally:
            check(srv.stop() == 0, "clean stop", srv.stderr()[-2000:])
        print(f"{r.n} checks passed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
