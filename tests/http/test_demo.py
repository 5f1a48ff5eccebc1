#!/usr/bin/env python3
"""`kesu serve --demo`, the README's main job: a fresh database gets the
demo accounts (printed with their passwords) and the example
conversations, moved to yesterday; every incident code a transcript can
show is there for the owner, each role sees its share, and a second start
on the same database seeds nothing twice.

usage: test_demo.py PATH/TO/kesu SOURCE_ROOT [http_mkuser (unused)]
"""

import datetime
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from kesu_http import CACHE, Runner, check, use_openapi

SPEC_CODES = {"attitude", "harassment", "defamation", "confidentiality",
              "dishonesty", "diversion", "sensitive_mishandled", "forced_end",
              "poor_service", "false_promotion", "shirking", "unkept_promise",
              "process_b", "wrong_answer", "key_info", "slow_response"}


class Demo:
    def __init__(self, kesu, src, db):
        env = dict(os.environ, KESU_CACHE_DIR=CACHE)
        self.proc = subprocess.Popen(
            [kesu, "serve", "--demo", "--db", db, "--listen", "127.0.0.1:0",
             "--rules", os.path.join(src, "rules"), "--no-access-log"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.out = ""
        while "listening on" not in self.out:
            line = self.proc.stdout.readline().decode()
            if not line:
                raise SystemExit("kesu serve --demo did not start:\n" +
                                 self.out + self.proc.stderr.read().decode())
            self.out += line
        self.port = int(re.search(r"127\.0\.0\.1:(\d+)/", self.out).group(1))
        self.logins = dict(re.findall(r"^\s+(\w+)\s+password (\S+)",
                                      self.out, re.M))

    def call(self, method, path, body=None, cookie=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        h = {"Content-Type": "application/json"}
        if cookie:
            h["Cookie"] = cookie
        c.request(method, path, json.dumps(body) if body else None, h)
        r = c.getresponse()
        data = json.loads(r.read() or b"null")
        set_cookie = r.getheader("Set-Cookie") or ""
        c.close()
        return r.status, data, set_cookie.split(";")[0]

    def login(self, name):
        st, me, cookie = self.call("POST", "/api/v1/login",
                                   {"name": name,
                                    "password": self.logins[name]})
        check(st == 200 and me["user"] == name, f"{name} logs in", me)
        return cookie

    def incidents(self, cookie):
        st, body, _ = self.call("GET", "/api/v1/incidents?limit=500",
                                cookie=cookie)
        check(st == 200, "incidents", body)
        return body["items"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(15)
        return self.proc.stderr.read().decode()


def logins_printed(demo):
    for role_user in ("admin", "boss", "lead1", "a07"):
        check(role_user in demo.logins, f"login for {role_user} printed",
              demo.out)
    check(f"http://127.0.0.1:{demo.port}/" in demo.out, "URL printed",
          demo.out)


def every_code_for_the_owner(demo):
    items = demo.incidents(demo.login("boss"))
    codes = {i["code"] for i in items}
    check(SPEC_CODES <= codes, "every incident code in the demo",
          sorted(SPEC_CODES - codes))
    yesterday = (datetime.datetime.now(datetime.timezone(
        datetime.timedelta(hours=8))) - datetime.timedelta(days=1)).date()
    days = {i["day"] for i in items if i["day"]}
    check(days == {yesterday.isoformat()}, "conversations moved to yesterday",
          days)
    for i in items:
        cps = list(i["text"])
        check("".join(cps[i["start"]:i["end"]]) == i["evidence"],
              "evidence at its offsets", i)
    st, cases, _ = demo.call("GET", "/api/v1/conversations?limit=500",
                             cookie=demo.login("boss"))
    check(st == 200 and len(cases["items"]) == 14, "14 conversations",
          cases)
    return len(items)


def roles_see_their_share(demo):
    everything = demo.incidents(demo.login("admin"))
    lead1 = demo.incidents(demo.login("lead1"))
    a07 = demo.incidents(demo.login("a07"))
    check({i["agent"] for i in lead1} <= {"a07", "a03", "a05"} and lead1,
          "lead1 sees team t1 only", {i["agent"] for i in lead1})
    check({i["agent"] for i in a07} == {"a07"}, "a07 sees own",
          {i["agent"] for i in a07})
    check(len(lead1) < len(everything), "a lead sees less than the admin")


def main():
    kesu, src = sys.argv[1:3]
    use_openapi(src)
    tmp = tempfile.mkdtemp(prefix="kesu-demo.")
    db = os.path.join(tmp, "demo.db")
    t = Runner()
    try:
        demo = Demo(kesu, src, db)
        try:
            t.run("logins and URL printed", logins_printed, demo)
            seen = []
            t.run("every incident code, moved to yesterday",
                  lambda: seen.append(every_code_for_the_owner(demo)))
            n = seen[0]
            t.run("each role sees its share", roles_see_their_share, demo)
        finally:
            log = demo.stop()
        check("14 conversations, 10 cases" in log, "seed summary", log)
        again = Demo(kesu, src, db)
        try:
            def not_twice():
                check(len(again.incidents(again.login("boss"))) == n,
                      "a second start seeds nothing twice")
            t.run("second start: no second seeding", not_twice)
        finally:
            log = again.stop()
        check("demo data in" not in log, "no seeding message", log)
        print(f"{t.n} checks passed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
