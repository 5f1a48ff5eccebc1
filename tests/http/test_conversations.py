#!/usr/bin/env python3
"""HTTP tests of conversations, QA results, incidents, scorecards and
causes in `kesu serve`: the streamed JSON Lines import (idempotent, bad
lines reported by number, limits), what each role may call and see,
masking that keeps evidence offsets, and hostile query parameters.

usage: test_conversations.py PATH/TO/kesu SOURCE_ROOT PATH/TO/http_mkuser
"""

import json
import os
import subprocess
import sys
import tempfile

from kesu_http import Runner, Server, check, expect_error, use_openapi

# name, role, shop, team, password
USERS = [("root", "admin", "-", "-", "-"),
         ("boss1", "owner", "s1", "-", "-"),
         ("boss2", "owner", "s2", "-", "-"),
         ("lead1", "lead", "s1", "t1", "-"),
         ("a07", "agent", "s1", "t1", "-"),
         ("a03", "agent", "s1", "t1", "-"),
         ("a05", "agent", "s1", "t2", "-")]
TEAM_T1 = {"a07", "a03", "lead1"}

MAX_LINE = 65536
IMPORT_LIMIT = 1 << 20

MY_PATHS = ["/api/v1/conversations", "/api/v1/conversations/{id}",
            "/api/v1/incidents", "/api/v1/scorecards", "/api/v1/causes",
            "/api/v1/codes"]

# SPEC 2.4: every code but negligence (it needs case data) shows in the
# demo conversations.
DEMO_CODES = {"attitude", "harassment", "defamation", "confidentiality",
              "dishonesty", "diversion", "sensitive_mishandled",
              "forced_end", "poor_service", "false_promotion", "shirking",
              "unkept_promise", "process_b", "wrong_answer", "key_info",
              "slow_response"}

NDJSON = {"Content-Type": "application/x-ndjson"}


def make_users(mkuser, db):
    tok = {}
    for u in USERS:
        out = subprocess.run([mkuser, db, *u], check=True, text=True,
                             capture_output=True).stdout.split()
        tok[u[0]] = out[0]
    return tok


def conv(cid, agent, texts, shop="s1"):
    msgs = []
    for i, (frm, text) in enumerate(texts):
        msgs.append({"id": f"m{i + 1}", "from": frm, "text": text,
                     "at": f"2024-06-07T10:0{i}:00+08:00"})
    return json.dumps({"id": cid, "shop": shop, "agent": agent,
                       "customer": "b9", "messages": msgs},
                      ensure_ascii=False)


def get(srv, tok, path):
    st, _, body = srv.request("GET", path, token=tok)
    check(st == 200, f"GET {path}: 200", (st, body))
    return body


def import_demo(srv, tok, demo):
    # Tiny chunks: lines are cut across chunks everywhere.
    chunks = [demo[i:i + 7] for i in range(0, len(demo), 7)]
    st, _, r = srv.request("POST", "/api/v1/conversations", iter(chunks),
                           token=tok["boss1"],
                           headers={**NDJSON, "Transfer-Encoding": "chunked"})
    n = demo.count(b"\n")
    check(st == 200 and r["lines"] == n and r["stored"] == n and
          r["existing"] == 0 and r["rejected"] == 0 and r["errors"] == [],
          "every demo conversation stored", (st, r))
    check(r["cases"] >= 5 and r["findings"] >= 20, "cases and findings", r)
    items = get(srv, tok["root"], "/api/v1/incidents?limit=500")["items"]
    codes = {i["code"] for i in items}
    check(codes >= DEMO_CODES, "every incident code of SPEC 2.4 but "
          "negligence", sorted(DEMO_CODES - codes))
    check(len(items) == r["findings"], "one incident per finding",
          (len(items), r["findings"]))
    for i in items:
        check(i["text"][i["start"]:i["end"]] == i["evidence"],
              "evidence is the text at its offsets", i)
        check(i["advice"] and i["code_zh"], "advice and zh name", i)
    rows = get(srv, tok["boss1"], "/api/v1/conversations?limit=500")["items"]
    check(len(rows) == n, "the board lists every conversation", len(rows))
    order = ["critical", "high", "elevated", "normal"]
    ranks = [order.index(x["risk"]) for x in rows]
    check(ranks == sorted(ranks), "riskiest first", [x["risk"] for x in rows])
    check(sum(1 for x in rows if x["case"]) == r["cases"],
          "each complaint links its case", rows)
    hi = get(srv, tok["boss1"], "/api/v1/conversations?risk=critical,high")
    check(hi["items"] and all(x["risk"] in ("critical", "high")
                              for x in hi["items"]), "risk filter", hi)


def reimport(srv, tok, demo):
    st, _, r = srv.request("POST", "/api/v1/conversations", demo,
                           token=tok["root"], headers=NDJSON)
    n = demo.count(b"\n")
    check(st == 200 and r["stored"] == 0 and r["existing"] == n and
          r["cases"] == 0 and r["findings"] == 0, "re-import changes nothing",
          r)
    items = get(srv, tok["root"], "/api/v1/incidents?limit=500")["items"]
    check(len({i["id"] for i in items}) == len(items), "no duplicates",
          len(items))


def bad_lines(srv, tok):
    good1 = conv("bad-1", "a07", [("customer", "你好"), ("agent", "亲，您好")])
    good2 = conv("bad-2", "a07", [("customer", "在吗"), ("agent", "在的亲")])
    lines = [good1.encode(),                                  # 1
             b'{"id":"x","messages":[{"from":',               # 2 broken
             b'{"id":"u","messages":[{"from":"customer","text":"\xff"}]}',
             b'{"id":"t","messages":"no"}',                   # 4 wrong type
             b'{"id":"t2","messages":[{"from":5,"text":"x"}]}',  # 5
             b'{"id":"long","x":"' + b"a" * (MAX_LINE + 10) + b'"}',  # 6
             b"",                                             # 7 blank
             conv("other-shop", "b01", [("customer", "hi")],
                  shop="s2").encode(),                        # 8
             good2.encode() + b"\r"]                          # 9, no \n
    body = b"\n".join(lines)
    st, _, r = srv.request("POST", "/api/v1/conversations", body,
                           token=tok["boss1"], headers=NDJSON)
    check(st == 200, "200 with per-line errors", (st, r))
    got = {e["line"]: e["code"] for e in r["errors"]}
    want = {2: "bad_json", 3: "bad_json", 4: "invalid_field",
            5: "invalid_field", 6: "invalid_field", 8: "forbidden"}
    check(got == want, "errors by line and code", r["errors"])
    check(all(e["message"] for e in r["errors"]), "messages", r["errors"])
    check(r["lines"] == 8 and r["stored"] == 2 and r["rejected"] == 6,
          "the good lines imported", r)
    for cid in ("bad-1", "bad-2"):
        get(srv, tok["boss1"], "/api/v1/conversations/" + cid)
    # Again, in 1000-byte chunks: the long line spans many of them.
    chunks = iter([body[i:i + 1000] for i in range(0, len(body), 1000)])
    st, _, r2 = srv.request("POST", "/api/v1/conversations", chunks,
                            token=tok["boss1"],
                            headers={**NDJSON, "Transfer-Encoding": "chunked"})
    check(st == 200 and r2["errors"] == r["errors"] and
          r2["existing"] == 2 and r2["stored"] == 0, "the same, chunked",
          (st, r2))
    expect_error(srv.request("GET", "/api/v1/conversations/other-shop",
                             token=tok["root"]), 404, "not_found")
    # An empty body is no error.
    st, _, r = srv.request("POST", "/api/v1/conversations", b"",
                           token=tok["boss1"], headers=NDJSON)
    check(st == 200 and r["lines"] == 0, "empty body", (st, r))


def too_large(srv, tok):
    line = conv("big-%06d", "a07", [("customer", "你好" * 200)]).encode()
    body = b"".join(line.replace(b"%06d", b"%06d" % i) + b"\n"
                    for i in range(IMPORT_LIMIT // len(line) + 10))
    # Refused from Content-Length alone, before any of the body is read.
    head = ("POST /api/v1/conversations HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {tok['boss1']}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    got = srv.raw(head)
    check(got.startswith(b"HTTP/1.1 413") and b'"too_large"' in got,
          "413 from Content-Length", got[:300])
    chunks = iter([body[i:i + 65536] for i in range(0, len(body), 65536)])
    expect_error(srv.request("POST", "/api/v1/conversations", chunks,
                             token=tok["boss1"],
                             headers={**NDJSON,
                                      "Transfer-Encoding": "chunked"}),
                 413, "too_large", "body")


def roles(srv, tok, demo):
    expect_error(srv.request("POST", "/api/v1/conversations", demo,
                             token=tok["a07"], headers=NDJSON),
                 403, "forbidden")
    expect_error(srv.request("GET", "/api/v1/conversations"), 401,
                 "unauthorized")
    st, _, r = srv.request("POST", "/api/v1/conversations", demo,
                           token=tok["boss2"], headers=NDJSON)
    check(st == 200 and r["stored"] == 0 and r["rejected"] == r["lines"] and
          {e["code"] for e in r["errors"]} == {"forbidden"},
          "another shop's owner imports nothing of s1", r)
    views = ["/api/v1/conversations?limit=500", "/api/v1/incidents?limit=500"]
    for path in views:
        check(get(srv, tok["boss2"], path)["items"] == [],
              f"another shop's owner sees nothing: {path}")
        mine = get(srv, tok["a07"], path)["items"]
        check(mine and all(x["agent"] == "a07" for x in mine),
              f"an agent sees own rows: {path}", mine)
        team = get(srv, tok["lead1"], path)["items"]
        check({x["agent"] for x in team} == {"a07", "a03"},
              f"a lead sees the team: {path}",
              sorted({x["agent"] for x in team}))
        allr = get(srv, tok["boss1"], path)["items"]
        check(len({x["agent"] for x in allr}) > 3, "the owner sees the shop",
              path)
    for path in ["/api/v1/scorecards", "/api/v1/causes"]:
        check(get(srv, tok["boss2"], path)["items"] == [],
              f"another shop's owner: empty {path}")
    cards = get(srv, tok["lead1"], "/api/v1/scorecards")["items"]
    check({c["agent"] for c in cards} <= TEAM_T1 and cards,
          "a lead's scorecards are the team's", cards)
    cards = get(srv, tok["a07"], "/api/v1/scorecards")["items"]
    check([c["agent"] for c in cards] == ["a07"], "an agent's own card",
          cards)
    c = cards[0]
    total = sum(c["findings"].values())
    check(abs(c["per_100"] - 100.0 * total / c["conversations"]) < 0.06,
          "per_100", c)
    # By id: 404 when out of scope, as if it did not exist.
    a07 = get(srv, tok["a07"], "/api/v1/conversations?limit=1")["items"][0]
    a05 = get(srv, tok["a05"], "/api/v1/conversations?limit=1")["items"][0]
    for who in ["boss2", "a05"]:
        expect_error(srv.request("GET", "/api/v1/conversations/" + a07["id"],
                                 token=tok[who]), 404, "not_found")
    expect_error(srv.request("GET", "/api/v1/conversations/" + a05["id"],
                             token=tok["lead1"]), 404, "not_found")
    for who in ["a07", "lead1", "boss1", "root"]:
        one = get(srv, tok[who], "/api/v1/conversations/" + a07["id"])
        check(one["conversation"]["id"] == a07["id"] and
              one["result"]["conversation"] == a07["id"] and
              one["case"] == a07["case"], f"{who} reads the conversation",
              one)
    # ?agent= cannot widen a scope.
    check(get(srv, tok["a07"], "/api/v1/incidents?agent=a05")["items"] == [],
          "an agent asking for another's incidents gets none")
    check(get(srv, tok["lead1"],
              "/api/v1/conversations?agent=a05")["items"] == [],
          "a lead asking for another team's agent gets none")
    codes = get(srv, tok["a07"], "/api/v1/codes")["items"]
    check(len(codes) == 17 and {c["code"] for c in codes} >= DEMO_CODES and
          all(c["zh"] and c["level"] in "ABC" for c in codes), "codes", codes)


def masking(srv, tok):
    phone = "13812345678"
    line = conv("mask-1", "a03", [
        ("customer", "收货地址四川省成都市武侯区人民南路4号，电话" + phone),
        ("agent", "亲，加我微信" + phone + "，淘宝上便宜"),
    ])
    st, _, r = srv.request("POST", "/api/v1/conversations", line,
                           token=tok["root"], headers=NDJSON)
    check(st == 200 and r["stored"] == 1 and r["findings"] >= 1,
          "imported with findings", r)
    path = "/api/v1/conversations/mask-1"
    # The lead sees the team's conversation, but not its personal data.
    lead = get(srv, tok["lead1"], path)
    texts = [m["text"] for m in lead["conversation"]["messages"]]
    check(all(phone not in t for t in texts) and "138****5678" in texts[1],
          "phone masked for the lead", texts)
    check("人民南路" not in texts[0], "address masked for the lead", texts)
    for who in ["a03", "boss1"]:
        own = get(srv, tok[who], path)
        check(phone in own["conversation"]["messages"][1]["text"],
              f"{who} sees the number", own)
    for f in lead["result"]["findings"]:
        t = texts[f["index"]]
        check(t[f["start"]:f["end"]] == f["evidence"],
              "masked evidence at its offsets", (t, f))
    inc = get(srv, tok["lead1"], "/api/v1/incidents?agent=a03&limit=500")
    mine = [i for i in inc["items"] if i["conversation"] == "mask-1"]
    check(mine, "the incidents of the masked conversation", inc)
    for i in mine:
        check(phone not in i["text"] and
              i["text"][i["start"]:i["end"]] == i["evidence"],
              "incident text masked, evidence at its offsets", i)
    full = get(srv, tok["boss1"], "/api/v1/incidents?agent=a03&limit=500")
    check(any(phone in i["text"] for i in full["items"]),
          "the owner's incident text is whole", full)
    # Personal data outside the message texts (an unknown field) too.
    doc = json.loads(conv("mask-2", "a03", [("customer", "在吗")]))
    doc["buyer_note"] = "送到人民南路4号，电话" + phone
    st, _, r = srv.request("POST", "/api/v1/conversations",
                           json.dumps(doc, ensure_ascii=False),
                           token=tok["root"], headers=NDJSON)
    check(st == 200 and r["stored"] == 1, "imported", r)
    lead = get(srv, tok["lead1"], "/api/v1/conversations/mask-2")
    check(phone not in json.dumps(lead, ensure_ascii=False),
          "no field shows the lead the number", lead)
    own = get(srv, tok["a03"], "/api/v1/conversations/mask-2")
    check(own["conversation"]["buyer_note"] == doc["buyer_note"],
          "the conversation's agent sees it whole", own)


def hostile(srv, tok):
    inj = ["' OR '1'='1", "a07' --", "\"; DROP TABLE findings; --",
           "%' OR 1=1 --"]
    from urllib.parse import quote
    for s in inj:
        q = quote(s)
        for path in ["/api/v1/incidents?agent=", "/api/v1/conversations?agent=",
                     "/api/v1/scorecards?agent=", "/api/v1/causes?agent="]:
            got = get(srv, tok["boss1"], path + q)
            check(got["items"] == [], f"injection as a value matches nothing: "
                  f"{path}{s}", got)
        expect_error(srv.request("GET", "/api/v1/incidents?code=" + q,
                                 token=tok["boss1"]),
                     400, "invalid_field", "code")
        expect_error(srv.request("GET", "/api/v1/conversations?risk=" + q,
                                 token=tok["boss1"]),
                     400, "invalid_field", "risk")
        expect_error(srv.request("GET", "/api/v1/conversations/" + q,
                                 token=tok["root"]), 404, "not_found")
    check(get(srv, tok["boss1"], "/api/v1/incidents?limit=1")["items"],
          "the findings are still there")
    for day in ["2024-13-01", "20240605", "2024-02-30", "2023-02-29",
                "yesterday", "2024-6-5", "' OR 1=1"]:
        for path in ["/api/v1/incidents", "/api/v1/conversations",
                     "/api/v1/scorecards", "/api/v1/causes"]:
            for p in ["day_from", "day_to"]:
                expect_error(srv.request("GET", f"{path}?{p}={quote(day)}",
                                         token=tok["boss1"]),
                             400, "invalid_field", p)
    for bad in ["0", "501", "-1", "abc", "1e3"]:
        expect_error(srv.request("GET", "/api/v1/incidents?limit=" + bad,
                                 token=tok["boss1"]),
                     400, "invalid_field", "limit")
    expect_error(srv.request("GET", "/api/v1/incidents?offset=-3",
                             token=tok["boss1"]), 400, "invalid_field",
                 "offset")
    expect_error(srv.request("GET", "/api/v1/incidents?level=D",
                             token=tok["boss1"]), 400, "invalid_field",
                 "level")


def days_and_paging(srv, tok):
    allc = get(srv, tok["boss1"], "/api/v1/causes")
    check(allc["items"] and allc["days"], "causes", allc)
    for d in allc["days"]:
        check(len(d["day"]) == 10 and d["conversations"] > 0, "a day row", d)
    day = allc["days"][0]["day"]
    one = get(srv, tok["boss1"], f"/api/v1/causes?day_from={day}&day_to={day}")
    check({d["day"] for d in one["days"]} == {day}, "one day", one)
    none = get(srv, tok["boss1"], "/api/v1/scorecards?day_from=2030-01-01")
    check(none["items"] == [], "no conversations after 2030", none)
    p1 = get(srv, tok["boss1"], "/api/v1/incidents?limit=3")
    p2 = get(srv, tok["boss1"], "/api/v1/incidents?limit=3&offset=3")
    check(len(p1["items"]) == 3 and p2["offset"] == 3 and
          not {i["id"] for i in p1["items"]} & {i["id"] for i in p2["items"]},
          "pages do not overlap", (p1, p2))
    lv = get(srv, tok["boss1"], "/api/v1/incidents?level=A&limit=500")
    check(lv["items"] and all(i["level"] == "A" for i in lv["items"]),
          "level filter", lv)
    cd = get(srv, tok["boss1"], "/api/v1/incidents?code=diversion")
    check(cd["items"] and all(i["code"] == "diversion" for i in cd["items"]),
          "code filter", cd)


def main():
    kesu, src, mkuser = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="kesu-conv.")
    db = os.path.join(tmp, "kesu.db")
    tok = make_users(mkuser, db)
    with open(os.path.join(src, "examples", "demo.jsonl"), "rb") as f:
        demo = f.read()
    srv = Server(kesu, src, db=db,
                 extra=["--rate", "0", "--max-line", str(MAX_LINE),
                        "--import-limit", str(IMPORT_LIMIT)])
    spec = use_openapi(src)
    t = Runner()
    try:
        t.run("import the demo over HTTP, in 7-byte chunks", import_demo,
              srv, tok, demo)
        t.run("re-import is idempotent", reimport, srv, tok, demo)
        t.run("bad lines reported by number, the rest imported", bad_lines,
              srv, tok)
        t.run("bodies past the import limit: 413", too_large, srv, tok)
        t.run("roles: who may import, who sees which rows", roles, srv, tok,
              demo)
        t.run("masking keeps evidence offsets", masking, srv, tok)
        t.run("injection strings, bad days and paging: 400 or nothing",
              hostile, srv, tok)
        t.run("days, paging and filters", days_and_paging, srv, tok)

        def coverage():
            missing = spec.undocumented_success(only=MY_PATHS)
            check(not missing, "every documented success response produced",
                  missing)
        t.run("OpenAPI coverage", coverage)
        code = srv.stop()
        check(code == 0, "clean stop", code)
    except BaseException:
        print(srv.stderr()[-3000:], file=sys.stderr)
        raise
    print(f"{t.n} checks passed")


if __name__ == "__main__":
    main()
