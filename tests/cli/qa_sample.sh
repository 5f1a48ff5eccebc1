#!/usr/bin/env bash
# `kesu qa` on examples/sample.jsonl with the shipped pack, in both
# formats, from a file and from stdin.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SAMPLE=$SRC/examples/sample.jsonl
RULES=$SRC/rules
n_in=$(grep -c . "$SAMPLE")

# --- jsonl -----------------------------------------------------------------
run "$KESU" qa --rules "$RULES" --format jsonl "$SAMPLE"
expect_status 0 "qa --format jsonl on the sample"
expect_empty "$ERR" "no diagnostics for the sample"
expect_lines "$OUT" "$n_in" "one output line per conversation"
check_jsonl "$SAMPLE" "$OUT"
cp "$OUT" "$TMP/sample.jsonl.out"

# input order, every conversation
jsonl_ids "$OUT" >"$TMP/ids.out"
python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    print(json.loads(l)["id"])' "$SAMPLE" >"$TMP/ids.in"
cmp -s "$TMP/ids.in" "$TMP/ids.out" || fail "conversation ids not in input order"
ok

# What SPEC 2.4 names as its own examples: c-1004 sends the customer to
# "桃 宝" and to "ＶＸ" — disguised, and shown on the original words.
python3 - "$OUT" <<'PY' || fail "spec examples in the sample"
import json, sys
res = {o["conversation"]: o for o in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
div = [f["evidence"] for f in res["c-1004"]["findings"] if f["code"] == "diversion"]
assert "桃 宝" in div and "ＶＸ" in div, "c-1004 diversion evidence: %r" % div
# c-1001: the customer threatens 315 -> critical risk
assert res["c-1001"]["risk"] == "critical", res["c-1001"]["risk"]
# c-1012: the agent apologises and escalates after a 12315 threat: not
# mishandled
codes = [f["code"] for f in res["c-1012"]["findings"]]
assert "sensitive_mishandled" not in codes, codes
PY
ok

# the default pack (beside the binary) gives the same
run env -u KESU_RULES "$KESU" qa --format jsonl "$SAMPLE"
expect_status 0 "qa with the default rule pack"
cmp -s "$OUT" "$TMP/sample.jsonl.out" || fail "default pack differs from --rules $RULES"
ok

# --- stdin (with the pack from $KESU_RULES) -----------------------------------
run_in "$SAMPLE" env KESU_RULES="$RULES" "$KESU" qa --format=jsonl -
expect_status 0 "qa - (stdin), KESU_RULES, --format=jsonl"
cmp -s "$OUT" "$TMP/sample.jsonl.out" || fail "stdin output differs from file output"
ok

# --- text --------------------------------------------------------------------
run "$KESU" qa --rules "$RULES" --color never "$SAMPLE"
expect_status 0 "qa text report"
expect_empty "$ERR" "no diagnostics in the text report"
expect_in "$OUT" "$n_in conversations judged, 0 lines rejected" "summary line"
expect_in "$OUT" "【桃 宝】" "evidence highlighted on the original words"
expect_in "$OUT" "【ＶＸ】" "full-width evidence highlighted"
expect_in "$OUT" "diversion" "incident code in the text report"
expect_in "$OUT" "诊断思路" "coaching advice section"
expect_not_in "$OUT" $'\033[' "no colour with --color never"
# every conversation with findings is listed, the others are not
python3 - "$TMP/sample.jsonl.out" "$OUT" <<'PY' || fail "text report lists the conversations with findings"
import json, sys
text = open(sys.argv[2], encoding="utf-8").read()
head = text.split("== 汇总")[0]
for o in map(json.loads, open(sys.argv[1], encoding="utf-8")):
    listed = any(l.startswith(o["conversation"] + " ") for l in head.splitlines())
    assert listed == bool(o["findings"]), (o["conversation"], listed)
PY
ok
run "$KESU" qa --rules "$RULES" --all --color always "$SAMPLE"
expect_status 0 "qa --all --color always"
expect_in "$OUT" $'\033[1;31m' "evidence in colour with --color always"
for id in $(cat "$TMP/ids.in"); do
    expect_in "$OUT" $'\033[1m'"$id"$'\033[0m' "--all lists $id"
done

# a pipe of the sample twice, text report from stdin
cat "$SAMPLE" "$SAMPLE" >"$TMP/twice.jsonl"
run sh -c "cat '$TMP/twice.jsonl' | '$KESU' qa --rules '$RULES' --color never -"
expect_status 0 "qa - from a pipe"
expect_in "$OUT" "$((2 * n_in)) conversations judged, 0 lines rejected" "text summary from a pipe"

done_ok
