#!/usr/bin/env python3
"""Generate probe-a (corpus.jsonl, labels.jsonl) from the probes in probes.py.

Each probe: (codes, risk, causes, lines). A line is "c|text" (customer),
"a|text" (agent), "s|end" / "s|transfer" / "s|timeout" (system event);
"a+300|text" sets the gap before that message in seconds (default 30).
Every conversation starts at 10:00 Beijing time on a working day, so no
reply is slow unless a probe says so.
"""
import json, os, datetime
from probes import PROBES

here = os.path.dirname(os.path.abspath(__file__))
base = datetime.datetime(2025, 5, 12, 10, 0, 0,
                         tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
with open(os.path.join(here, "corpus.jsonl"), "w", encoding="utf-8") as cf, \
     open(os.path.join(here, "labels.jsonl"), "w", encoding="utf-8") as lf:
    for n, (codes, risk, causes, lines) in enumerate(PROBES, 1):
        cid = "pa-%03d" % n
        t = base + datetime.timedelta(days=n % 20)
        msgs = []
        for i, ln in enumerate(lines):
            head, text = ln.split("|", 1)
            who, _, gap = head.partition("+")
            t += datetime.timedelta(seconds=int(gap) if gap else (0 if i == 0 else 30))
            m = {"id": "m%d" % (i + 1), "at": t.isoformat(),
                 "from": {"c": "customer", "a": "agent", "s": "system"}[who]}
            if who == "s":
                m["event"] = text
            else:
                m["text"] = text
            msgs.append(m)
        conv = {"id": cid, "channel": "chat", "shop": "s-probe",
                "agent": "pa-agent%d" % (n % 7), "customer": "b%05d" % (n * 37),
                "messages": msgs}
        cf.write(json.dumps(conv, ensure_ascii=False) + "\n")
        lf.write(json.dumps({"id": cid, "codes": sorted(codes), "risk": risk,
                             "causes": sorted(causes)}, ensure_ascii=False) + "\n")
print(len(PROBES), "probes,", sum(1 for p in PROBES if not p[0]), "without codes")
