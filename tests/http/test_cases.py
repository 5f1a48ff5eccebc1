#!/usr/bin/env python3
"""HTTP tests of the cases API of `kesu serve`: the seed-000 ham case end
to end (create, a refused 核实 before 安抚, soothe, verify, negotiate,
promise, resolve, keep, close), who may see and change which case for
every role, masking of personal data, the due list and the audit check,
and bad input (malformed and mistyped bodies, unknown fields, SQL-like
text, oversize bodies, odd ids). Every response is checked against
api/openapi.yaml.

usage: test_cases.py PATH/TO/kesu SOURCE_ROOT PATH/TO/http_mkuser
"""

import datetime
import os
import subprocess
import sys
import tempfile
import urllib.parse

from kesu_http import Runner, Server, check, expect_error, use_openapi

# name, role, shop, team, password
USERS = [("root", "admin", "-", "-", "-"),
         ("boss1", "owner", "s1", "-", "-"),
         ("lead1", "lead", "s1", "t1", "-"),
         ("lead2", "lead", "s1", "t2", "-"),
         ("a07", "agent", "s1", "t1", "-"),
         ("a08", "agent", "s1", "t2", "-"),
         ("boss2", "owner", "s2", "-", "-"),
         ("b01", "agent", "s2", "-", "-")]

PHONE = "13812345678"
MASKED = "138****5678"
CST = datetime.timezone(datetime.timedelta(hours=8))


def iso(days_ago, hours=0):
    t = datetime.datetime.now(CST) - datetime.timedelta(days=days_ago,
                                                        hours=hours)
    return t.replace(microsecond=0).isoformat()


def make_users(mkuser, db):
    tok = {}
    for u in USERS:
        out = subprocess.run([mkuser, db, *u], check=True, text=True,
                             capture_output=True).stdout.split()
        tok[u[0]] = out[0]
    return tok


class Api:
    def __init__(self, srv, tok):
        self.srv, self.tok = srv, tok

    def __call__(self, who, method, path, body=None, headers=None):
        return self.srv.request(method, "/api/v1" + path, body,
                                headers=headers, token=self.tok[who])

    def ok(self, who, method, path, body=None, status=200):
        st, _, b = self(who, method, path, body)
        check(st == status, f"{who} {method} {path}: {status} expected",
              (st, b))
        return b

    def new(self, who, body):
        return self.ok(who, "POST", "/cases", body, 201)


# ---- the seed-000 ham case ---------------------------------------------

HAM = {"customer": "b123", "agent": "a07",
       "summary": "火腿肠有一根坏了,发霉变质,客户电话" + PHONE,
       "causes": ["product"],
       "order": {"id": "o9", "sku": "ham-60g", "batch": "2024-05-03A",
                 "category": "food", "price": 29.9, "cost": 12,
                 "carrier": "zto", "region": "四川",
                 "ordered_at": iso(4), "shipped_at": iso(4, -9),
                 "delivered_at": iso(2), "shelf_life_days": 180}}


def ham_flow(api, state):
    c = api.new("lead1", HAM)
    cid = c["id"]
    state["ham"] = cid
    check(c["state"] == "new" and c["shop"] == "s1" and c["agent"] == "a07",
          "created in the lead's shop for the agent", c)
    check(c["allowed"] == ["soothing", "escalated"] or
          "verifying" not in c["allowed"], "verifying not allowed yet",
          c["allowed"])
    check(c["events"][0]["type"] == "create" and
          c["events"][0]["actor"] == "lead1", "create event by lead1",
          c["events"])
    p = f"/cases/{cid}"
    # Asking how it was stored before apologising is refused (seed 000 §一)
    r = api("a07", "POST", p + "/move", {"to": "verifying"})
    expect_error(r, 409, "conflict")
    check("seed 000" in r[2]["error"]["message"], "the reason cites the seed",
          r[2])
    check(api.ok("a07", "GET", p)["state"] == "new", "refused move changed "
          "nothing")
    c = api.ok("a07", "POST", p + "/move",
               {"to": "soothing", "note": "先道歉,问候身体有无不适"})
    check(c["state"] == "soothing" and c["notes"][0]["author"] == "a07",
          "soothing, note by a07", c)
    check(any(s["name"].startswith("soothe") for s in c["scripts"]),
          "a soothing script for the stage", c["scripts"])
    c = api.ok("a07", "POST", p + "/move", {"to": "核实"})
    check(c["state"] == "verifying", "verifying (Chinese name)", c)
    c = api.ok("a07", "POST", p + "/set",
               {"other_units_bad": False, "transit_damage": False})
    check(c["fault"] == "product" and len(c["fault_reasons"]) >= 2,
          "the product's fault, with reasons", c)
    offers = c["plan"]["offers"]
    group = [o for o in offers
             if o["choice_group"] and
             o["choice_group"] == offers[0]["choice_group"]]
    check(sorted(o["remedy"] for o in group) == ["compensate", "reship"],
          "the two-choice offer", offers)
    comp = [o for o in group if o["remedy"] == "compensate"][0]
    check(0 < comp["amount"] < 29.9 and "补" in comp["script"],
          "a compensation below the price, with its script", comp)
    c = api.ok("a07", "POST", p + "/move", {"to": "negotiating"})
    check(c["state"] == "negotiating", "negotiating", c)
    c = api.ok("a07", "POST", p + "/promise",
               {"kind": "callback", "text": "两小时内回电", "within": "2h"})
    check([x["kind"] for x in c["promises"]] == ["callback"], "promise", c)
    c = api.ok("a07", "POST", p + "/resolve",
               {"remedy": "reship", "note": "客户选择补发一包"})
    check(c["state"] == "resolving" and c["remedy"] == "reship",
          "resolving with the remedy", c)
    kinds = sorted(x["kind"] for x in c["promises"])
    check(kinds == ["callback", "reship", "tracking"],
          "the reshipment promises the parcel and its tracking number", kinds)
    due = api.ok("a07", "GET", "/due?within=7d")["items"]
    mine = [d for d in due if d["case"] == cid]
    check(len(mine) == 3 and all(d["agent"] == "a07" for d in mine),
          "the agent's due list", due)
    check(mine[0]["customer"] == "b123", "due row customer", mine[0])
    expect_error(api("a07", "POST", p + "/move", {"to": "closed"}), 409,
                 "conflict")
    for x in c["promises"]:
        c = api.ok("a07", "POST", p + "/keep",
                   {"promise": x["id"], "note": "已办 " + x["kind"]})
    expect_error(api("a07", "POST", p + "/keep",
                     {"promise": c["promises"][0]["id"]}), 409, "conflict")
    check(not [d for d in api.ok("a07", "GET", "/due?within=7d")["items"]
               if d["case"] == cid], "kept promises leave the due list")
    c = api.ok("a07", "POST", p + "/move", {"to": "closed"})
    check(c["state"] == "closed" and c["allowed"] == [], "closed, final", c)
    expect_error(api("a07", "POST", p + "/move", {"to": "soothing"}), 409,
                 "conflict")
    expect_error(api("a07", "POST", p + "/promise", {"kind": "reply"}), 409,
                 "conflict")
    types = [e["type"] for e in c["events"]]
    check(types == ["create", "move", "move", "update", "move", "promise",
                    "resolve", "keep", "keep", "keep", "move"],
          "one audit event per change, none for refusals", types)
    check({e["actor"] for e in c["events"][1:]} == {"a07"},
          "the caller is the audit actor", c["events"])
    check(c["audit"] == {"intact": True, "events": len(types)},
          "the case's events re-hash", c["audit"])
    a = api.ok("boss1", "GET", "/audit")
    check(a["intact"] is True and a["checked"] >= len(types) and
          a["bad_seq"] is None, "the whole chain is intact", a)


# ---- roles ---------------------------------------------------------------

def setup_cases(api, state):
    s = state
    s["c07"] = api.new("boss1", {"customer": "u1", "agent": "a07",
                                 "summary": "电话" + PHONE})["id"]
    s["c08"] = api.new("lead2", {"customer": "u2", "agent": "a08"})["id"]
    s["cl1"] = api.new("lead1", {"customer": "u3"})["id"]   # lead's own
    s["cs2"] = api.new("boss2", {"customer": "u4", "agent": "b01"})["id"]
    s["cown"] = api.new("boss1", {"customer": "u5"})["id"]   # no agent
    # Riskier and newer cases of the other team: a filter applied after
    # LIMIT would leave the first lead's first page empty.
    s["c08s"] = [api.new("a08", {"customer": f"x{i}", "risk": "critical"})
                 ["id"] for i in range(4)]


def visible(api, who):
    ids, off = set(), 0
    while True:
        page = api.ok(who, "GET", f"/cases?limit=2&offset={off}")
        check(page["limit"] == 2 and page["offset"] == off, "paging echoed",
              page)
        ids |= {x["id"] for x in page["items"]}
        if len(page["items"]) < 2:
            return ids
        off += 2


def roles_see(api, s):
    every = {s["ham"], s["c07"], s["c08"], s["cl1"], s["cs2"], s["cown"],
             *s["c08s"]}
    s1 = every - {s["cs2"]}
    want = {"root": every, "boss1": s1, "boss2": {s["cs2"]},
            "lead1": {s["ham"], s["c07"], s["cl1"]},
            "lead2": {s["c08"], *s["c08s"]},
            "a07": {s["ham"], s["c07"]}, "a08": {s["c08"], *s["c08s"]},
            "b01": {s["cs2"]}}
    for who, ids in want.items():
        got = visible(api, who)
        check(got == ids, f"{who} lists exactly the visible cases",
              (sorted(got), sorted(ids)))
        for cid in every:
            st, _, b = api(who, "GET", f"/cases/{cid}")
            if cid in ids:
                check(st == 200 and b["id"] == cid, f"{who} sees {cid}", b)
            else:
                expect_error((st, None, b), 404, "not_found")
    first = api.ok("lead1", "GET", "/cases?limit=1")["items"]
    check(len(first) == 1 and first[0]["id"] in want["lead1"],
          "the lead's first page is filtered in the query", first)
    # filters outside one's scope match nothing
    check(api.ok("a07", "GET", "/cases?agent=a08")["items"] == [],
          "agent filter outside scope")
    check(api.ok("boss1", "GET", "/cases?shop=s2")["items"] == [],
          "shop filter outside scope")
    check({x["id"] for x in api.ok("root", "GET", "/cases?shop=s2")
           ["items"]} == {s["cs2"]}, "admin filters by shop")
    check({x["id"] for x in api.ok("lead1", "GET", "/cases?agent=a07")
           ["items"]} == {s["ham"], s["c07"]}, "lead filters by agent")
    rows = api.ok("boss1", "GET", "/cases?customer=u1")["items"]
    check(len(rows) == 1 and rows[0]["shop"] == "s1" and
          rows[0]["created_at"] and rows[0]["next_due"] is None,
          "a list row", rows)


def roles_act(api, s):
    body = {"text": "跟进"}
    # agents act on their own cases only; invisible cases are 404
    expect_error(api("a07", "POST", f"/cases/{s['c08']}/note", body), 404,
                 "not_found")
    expect_error(api("lead1", "POST", f"/cases/{s['c08']}/note", body), 404,
                 "not_found")
    expect_error(api("lead2", "POST", f"/cases/{s['c07']}/move",
                     {"to": "soothing"}), 404, "not_found")
    expect_error(api("boss2", "POST", f"/cases/{s['c07']}/set",
                     {"risk": "high"}), 404, "not_found")
    expect_error(api("b01", "POST", f"/cases/{s['cown']}/note", body), 404,
                 "not_found")
    for who, key in [("a07", "c07"), ("lead1", "c07"), ("lead1", "cl1"),
                     ("lead2", "c08"), ("boss1", "c08"), ("boss2", "cs2"),
                     ("root", "cs2"), ("b01", "cs2")]:
        c = api.ok(who, "POST", f"/cases/{s[key]}/note",
                   {"text": f"{who} 跟进"})
        check(c["notes"][-1]["author"] == who and
              c["events"][-1]["actor"] == who and
              c["events"][-1]["type"] == "note", f"{who} noted", c)
    # creating: own shop only; agents for themselves; leads for the team
    expect_error(api("a07", "POST", "/cases", {"customer": "z",
                                               "shop": "s2"}),
                 403, "forbidden", "shop")
    expect_error(api("boss2", "POST", "/cases", {"customer": "z",
                                                 "shop": "s1"}),
                 403, "forbidden", "shop")
    expect_error(api("a07", "POST", "/cases", {"customer": "z",
                                               "agent": "a08"}),
                 403, "forbidden", "agent")
    expect_error(api("lead1", "POST", "/cases", {"customer": "z",
                                                 "agent": "a08"}),
                 403, "forbidden", "agent")
    c = api.new("a07", {"customer": "z"})
    check(c["agent"] == "a07" and c["shop"] == "s1", "an agent's own case", c)
    c = api.new("root", {"customer": "z", "shop": "s3"})
    check(c["shop"] == "s3" and c["agent"] is None, "admin: any shop", c)
    # the audit check is for owners and admins
    for who in ["a07", "lead1", "b01"]:
        expect_error(api(who, "GET", "/audit"), 403, "forbidden")
    for who in ["boss1", "boss2", "root"]:
        check(api.ok(who, "GET", "/audit")["intact"] is True, "audit intact")


def masking(api, s):
    p = f"/cases/{s['c07']}"
    full = api.ok("boss1", "GET", p)
    check(PHONE in full["summary"], "the owner sees the number", full)
    check(PHONE in api.ok("a07", "GET", p)["summary"],
          "the case's agent sees the number")
    lead = api.ok("lead1", "GET", p)
    check(MASKED in lead["summary"] and PHONE not in str(lead),
          "a lead sees 138****5678 everywhere", lead["summary"])
    api.ok("a07", "POST", p + "/note", {"text": "客户说打" + PHONE})
    api.ok("a07", "POST", p + "/promise",
           {"kind": "callback", "text": "回电" + PHONE})
    lead = api.ok("lead1", "GET", p)
    check(MASKED in lead["notes"][-1]["text"] and PHONE not in str(lead),
          "notes, promises and events masked for the lead", lead["notes"])
    check(PHONE in str(api.ok("boss1", "GET", p)["events"]),
          "the owner sees events unmasked")
    row = [x for x in api.ok("lead1", "GET", "/cases")["items"]
           if x["id"] == s["c07"]][0]
    check(row["summary"] == "电话" + MASKED, "list rows masked", row)
    due = [d for d in api.ok("lead1", "GET", "/due?within=7d")["items"]
           if d["case"] == s["c07"]]
    check(due and due[0]["text"] == "回电" + MASKED, "due rows masked", due)
    due = [d for d in api.ok("boss1", "GET", "/due?within=7d")["items"]
           if d["case"] == s["c07"]]
    check(due and due[0]["text"] == "回电" + PHONE, "owner's due rows", due)


def due_scoped(api, s):
    api.ok("a08", "POST", f"/cases/{s['c08']}/promise",
           {"kind": "reply", "within": "1h"})
    api.ok("b01", "POST", f"/cases/{s['cs2']}/promise",
           {"kind": "refund", "due": iso(-1)})
    seen = {}
    for who in ["root", "boss1", "boss2", "lead1", "lead2", "a07", "a08",
                "b01"]:
        seen[who] = {d["case"] for d in
                     api.ok(who, "GET", "/due?within=2d")["items"]}
    check(seen["root"] >= {s["c07"], s["c08"], s["cs2"]}, "admin: all",
          seen)
    check(seen["boss1"] == {s["c07"], s["c08"]}, "owner: own shop", seen)
    check(seen["boss2"] == seen["b01"] == {s["cs2"]}, "shop 2", seen)
    check(seen["lead1"] == seen["a07"] == {s["c07"]}, "lead1 / a07", seen)
    check(seen["lead2"] == seen["a08"] == {s["c08"]}, "lead2 / a08", seen)
    check(api.ok("root", "GET", "/due?within=0m&limit=1")["limit"] == 1,
          "due limit")
    d = api.ok("b01", "GET", "/due?within=3d")["items"][0]
    check(d["overdue"] is False and d["kind"] == "refund", "a due row", d)


# ---- bad input -------------------------------------------------------------

def bad_input(api, s):
    p = f"/cases/{s['c07']}"
    a = "a07"
    expect_error(api(a, "POST", "/cases", '{"customer":"x",'), 400,
                 "bad_json")
    expect_error(api(a, "POST", p + "/move", ""), 400, "bad_json")
    expect_error(api(a, "POST", p + "/move", "[1]"), 400, "invalid_field")
    expect_error(api(a, "POST", p + "/move", b'{"to":"\xff"}'), 400,
                 "bad_json")
    cases = [
        ("/cases", {}, "customer"),
        ("/cases", {"customer": ""}, "customer"),
        ("/cases", {"customer": 5}, "customer"),
        ("/cases", {"customer": "x", "causes": "product"}, "causes"),
        ("/cases", {"customer": "x", "causes": ["weather"]}, "causes"),
        ("/cases", {"customer": "x", "risk": "apocalyptic"}, "risk"),
        ("/cases", {"customer": "x", "safety": "yes"}, "safety"),
        ("/cases", {"customer": "x", "order": []}, "order"),
        ("/cases", {"customer": "x", "order": {"price": -3}}, "price"),
        ("/cases", {"customer": "x", "order": {"price": "ten"}}, "price"),
        ("/cases", {"customer": "x", "order": {"colour": "red"}}, "colour"),
        ("/cases", {"customer": "x", "order": {"shelf_life_days": 1.5}},
         "shelf_life_days"),
        ("/cases", {"customer": "x", "feedback_at": "yesterday"},
         "feedback_at"),
        ("/cases", {"customer": "x", "order": {
            "ordered_at": iso(1), "delivered_at": iso(3)}},
         "order.delivered_at"),
        ("/cases", {"customer": "x", "colour": "red"}, "colour"),
        (p + "/move", {}, "to"),
        (p + "/move", {"to": 5}, "to"),
        (p + "/move", {"to": "sideways"}, "to"),
        (p + "/move", {"to": "soothing", "other_units_bad": "yes"},
         "other_units_bad"),
        (p + "/move", {"to": "soothing", "force": True}, "force"),
        (p + "/set", {}, "facts"),
        (p + "/set", {"note": ""}, "note"),
        (p + "/set", {"refused_offer": 1}, "refused_offer"),
        (p + "/promise", {"kind": "teleport"}, "kind"),
        (p + "/promise", {"kind": "reply", "due": iso(1)}, "due"),
        (p + "/promise", {"kind": "reply", "within": "soon"}, "within"),
        (p + "/promise", {"kind": "reply", "within": "-2h"}, "within"),
        (p + "/promise", {"kind": "reply", "within": "2h",
                          "due": iso(-1)}, "within"),
        (p + "/keep", {"promise": "1"}, "promise"),
        (p + "/keep", {"promise": 1.5}, "promise"),
        (p + "/keep", {"promise": 999999}, "promise"),
        (p + "/resolve", {"remedy": "none"}, "remedy"),
        (p + "/resolve", {"remedy": "reship", "amount": "ten"}, "amount"),
        (p + "/note", {}, "text"),
        (p + "/note", {"text": ["a"]}, "text"),
    ]
    for path, body, where in cases:
        expect_error(api(a, "POST", path, body), 400, "invalid_field", where)
    # refused by the state, not the input
    expect_error(api(a, "POST", p + "/resolve", {"remedy": "reship"}), 409,
                 "conflict", "state")
    for q, where in [("state=%27%20OR%201%3D1", "state"), ("limit=0", "limit"),
                     ("limit=501", "limit"), ("offset=-1", "offset"),
                     ("min_risk=x", "min_risk"), ("open=yes", "open"),
                     ("limit=1e3", "limit")]:
        expect_error(api("boss1", "GET", "/cases?" + q), 400,
                     "invalid_field", where)
    for q in ["within=x", "within=-1h", "within=5", "limit=9999"]:
        expect_error(api("boss1", "GET", "/due?" + q), 400, "invalid_field")
    # SQL-like text is only data, in query parameters and bodies
    for q in ["customer=" + urllib.parse.quote("' OR '1'='1"),
              "agent=" + urllib.parse.quote("a07' --"),
              "shop=" + urllib.parse.quote("s1' OR 1=1 --")]:
        check(api.ok("boss1", "GET", "/cases?" + q)["items"] == [],
              "SQL in a filter matches nothing", q)
    evil = "'; DROP TABLE cases; --"
    c = api.new("boss1", {"customer": evil, "summary": evil})
    check(c["customer"] == evil, "stored as text", c)
    rows = api.ok("boss1", "GET", "/cases?customer=" +
                  urllib.parse.quote(evil))["items"]
    check([x["id"] for x in rows] == [c["id"]], "found by its text", rows)
    api.ok("boss1", "POST", f"/cases/{c['id']}/note", {"text": evil})
    # oversize body
    big = '{"text":"' + "x" * (1 << 20) + '"}'
    expect_error(api(a, "POST", p + "/note", big), 413, "too_large")
    # odd ids: never a case, never another route
    for bad in ["1/../2", "%2e%2e", "..", "-1", "0", "99999999999999999999",
                "1abc", "%201", "1%00", "0x1", "+1", "1.0",
                urllib.parse.quote("1' OR '1'='1")]:
        st, _, b = api("root", "GET", "/cases/" + bad)
        expect_error((st, None, b), 404, "not_found")
        st, _, b = api("root", "POST", f"/cases/{bad}/note", {"text": "x"})
        expect_error((st, None, b), 404, "not_found")
    expect_error(api("root", "GET", f"/cases/{s['c07']}/../{s['cs2']}"),
                 404, "not_found")
    expect_error(api("root", "DELETE", p), 405, "method_not_allowed")
    expect_error(api("root", "GET", p + "/move"), 405, "method_not_allowed")
    st, _, b = Server.request(api.srv, "GET", "/api/v1/cases")
    expect_error((st, None, b), 401, "unauthorized")
    check(api.ok("root", "GET", "/audit")["intact"] is True,
          "nothing refused broke the chain")


def main():
    kesu, src, mkuser = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="kesu-cases.")
    db = os.path.join(tmp, "kesu.db")
    tok = make_users(mkuser, db)
    srv = Server(kesu, src, db=db, extra=["--rate", "0"])
    spec = use_openapi(src)
    api = Api(srv, tok)
    state = {}
    t = Runner()
    try:
        t.run("seed 000 ham case end to end", ham_flow, api, state)
        t.run("cases for every role", setup_cases, api, state)
        t.run("who sees which case", roles_see, api, state)
        t.run("who may change and open which case", roles_act, api, state)
        t.run("personal data masked", masking, api, state)
        t.run("due list scoped", due_scoped, api, state)
        t.run("bad input", bad_input, api, state)

        def documented_and_seen():
            mine = [m for m in spec.undocumented_success()
                    if any(k in m for k in ("/cases", "/due", "/audit"))]
            check(not mine, "every documented success of the cases API "
                  "was produced and matched its schema", mine)
        t.run("OpenAPI coverage", documented_and_seen)
    finally:
        code = srv.stop()
    check(code == 0, "exit 0 after SIGTERM", code)
    print(f"{t.n} checks passed")


if __name__ == "__main__":
    main()
