#!/usr/bin/env bash
# `kesu import`: complaint conversations become cases, idempotently; a
# process killed mid-import has stored every case it reported imported,
# and a second run completes the rest without duplicates.
set -eu
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 missing"; exit 77; }

export KESU_DB=$TMP/desk.db
NOW=2024-06-06T09:00:00+08:00

run "$KESU" import "$SRC/examples/sample.jsonl" --now $NOW --format json
expect_status 0 "import the sample"
n1=$(wc -l <"$OUT")
[ "$n1" -ge 5 ] || fail "expected several complaint cases from the sample, got $n1"
ok
python3 - "$OUT" <<'PY' || fail "import json lines"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert all(set(r) >= {"conversation", "case", "risk", "causes"} for r in rows)
assert len({r["conversation"] for r in rows}) == len(rows)
PY
ok
run "$KESU" import "$SRC/examples/sample.jsonl" --now $NOW
expect_status 0 "re-import"
expect_empty "$OUT" "nothing new on a second import"
expect_in "$ERR" "$n1 already imported" "the second run sees every case"

# Bad lines are reported with their line number; good ones still import.
{ printf '{"id":"x1","messages":[{"from":"customer","text":"\377"}]}\n'; echo '{broken'
  sed -n 1,3p "$SRC/examples/sample.jsonl" | sed 's/"id": "c-/"id": "bad-c-/'; } >"$TMP/mixed.jsonl"
run "$KESU" import "$TMP/mixed.jsonl" --now $NOW
expect_status 1 "bad lines"
expect_in "$ERR" "mixed.jsonl:2" "broken JSON located"
expect_in "$ERR" "mixed.jsonl:1" "invalid UTF-8 located"
expect_in "$OUT" "imported bad-c-" "good lines imported"

# Kill -9 in the middle of a large import.
python3 - "$SRC/examples/sample.jsonl" "$TMP/big.jsonl" <<'PY'
import json, sys
convs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i in range(2500):
        for c in convs:
            c2 = dict(c); c2["id"] = "%s-%05d" % (c["id"], i)
            f.write(json.dumps(c2, ensure_ascii=False) + "\n")
PY
export KESU_DB=$TMP/kill.db
"$KESU" import "$TMP/big.jsonl" --now $NOW --batch 16 >"$TMP/first.out" 2>"$TMP/first.err" &
pid=$!
for _ in $(seq 1 600); do
    [ "$(wc -l <"$TMP/first.out")" -ge 300 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
reported=$(grep -c '^imported' "$TMP/first.out" || true)
[ "$reported" -ge 1 ] || fail "the first import reported nothing before the kill"
ok
sed -n 's/^imported \([^ ]*\) -> .*/\1/p' "$TMP/first.out" | sort >"$TMP/reported"
sqlite3 "$KESU_DB" "SELECT conv_id FROM case_convs" | sort >"$TMP/stored"
missing=$(comm -23 "$TMP/reported" "$TMP/stored" | head -3)
[ -z "$missing" ] || fail "reported imported but not stored after kill -9: $missing"
ok
run "$KESU" import "$TMP/big.jsonl" --now $NOW
expect_status 0 "resume after the kill"
total=$(sqlite3 "$KESU_DB" "SELECT count(*) FROM case_convs")
[ "$total" = $((n1 * 2500)) ] || fail "after resuming: $total cases, want $((n1 * 2500))"
ok
dups=$(sqlite3 "$KESU_DB" "SELECT count(*) FROM (SELECT conv_id FROM case_convs GROUP BY conv_id HAVING count(*) > 1)")
[ "$dups" = 0 ] || fail "$dups conversations imported twice"
ok
run "$KESU" case verify
expect_status 0 "the chain survives the kill"
done_ok
