#!/usr/bin/python3
"""The peer of bench_case: what a shop would script instead of kesu's case
store — Python's sqlite3 module, the same WAL settings, one case row plus
~30% open promises, committed every 1,000 cases, then the due query with
its partial index. No validation, no audit chain, no child tables beyond
promises: a lower bound on the work kesu does.

usage: case_baseline.py DBPATH N
"""
import os
import random
import sqlite3
import sys
import time


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript("""
        CREATE TABLE cases (id INTEGER PRIMARY KEY, customer TEXT, agent TEXT,
            summary TEXT, state INTEGER, risk INTEGER, causes INTEGER,
            price REAL, created_at INTEGER, updated_at INTEGER);
        CREATE TABLE promises (id INTEGER PRIMARY KEY, case_id INTEGER
            REFERENCES cases(id), kind INTEGER, text TEXT, made_at INTEGER,
            due_at INTEGER, kept_at INTEGER);
        CREATE INDEX promises_open ON promises(due_at) WHERE kept_at IS NULL;
    """)
    rnd = random.Random(42)
    now = 1717552800000
    t0 = time.perf_counter()
    db.execute("BEGIN")
    for i in range(1, n + 1):
        cur = db.execute(
            "INSERT INTO cases (customer, agent, summary, state, risk, causes,"
            " price, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            ("b%d" % rnd.randrange(200000), "a%02d" % rnd.randrange(40),
             "火腿肠有一根坏了,发霉变质", rnd.randrange(6), rnd.randrange(4),
             1 << rnd.randrange(9), 29.9, now, now))
        if rnd.random() < 0.3:
            db.execute(
                "INSERT INTO promises (case_id, kind, text, made_at, due_at)"
                " VALUES (?,?,?,?,?)",
                (cur.lastrowid, rnd.randrange(8), "回电", now,
                 now + rnd.randrange(30 * 86400) * 1000))
        if i % 1000 == 0:
            db.execute("COMMIT")
            db.execute("BEGIN")
    db.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    print("py_create_cases_per_s %.0f" % (n / elapsed))
    lat = []
    for _ in range(200):
        t = time.perf_counter()
        db.execute(
            "SELECT p.id, p.case_id, p.kind, p.due_at, c.risk, c.customer"
            " FROM promises p JOIN cases c ON c.id = p.case_id"
            " WHERE p.kept_at IS NULL AND p.due_at <= ?"
            " ORDER BY c.risk DESC, p.due_at LIMIT 50",
            (now + 86400000,)).fetchall()
        lat.append(time.perf_counter() - t)
    lat.sort()
    print("py_due_p50_ms %.3f" % (lat[len(lat) // 2] * 1e3))
    print("py_due_p99_ms %.3f" % (lat[int(len(lat) * 0.99) - 1] * 1e3))


if __name__ == "__main__":
    main()
