#!/usr/bin/env bash
# A file mixing good conversations with bad lines: every good one is
# judged and in the output (in order), every bad one is reported on
# stderr as FILE:LINE with an error and skipped, and the exit status is 1.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

make_pack "$TMP/rules"
F=$TMP/mixed.jsonl

# good conversation ID whose agent writes TEXT
good() {
    printf '{"id":"%s","agent":"a1","messages":[{"id":"m1","from":"customer","text":"有货吗"},{"id":"m2","from":"agent","text":"%s"}]}' "$1" "$2"
}

{
    good A '没货了,去淘 宝看看'; echo                              # 1
    printf '{"id":"bad-utf8","messages":[{"from":"agent","text":"\xe6\xb7\xc0\xaf"}]}\n' # 2
    good B '您好'; echo                                             # 3
    echo '{"id":"broken","messages":[{"from":"agent" "text":"x"}]'  # 4
    echo ''                                                         # 5 blank
    echo '{"id":5,"messages":[]}'                                   # 6 wrong type
    echo '{"id":"no-messages"}'                                     # 7 missing field
    echo '{"id":"C","agent":"a2","colour":"red","messages":[{"from":"agent","text":"加我ＶＸ"}]}' # 8 unknown field
    # 9: a 10 MB line, valid JSON, longer than the default --max-line
    python3 -c '
import sys
sys.stdout.write("{\"id\":\"big\",\"messages\":[{\"from\":\"agent\",\"text\":\"" + "好" * (10 * 1024 * 1024 // 3) + "淘宝\"}]}\n")'
    echo '{"id":"sys","messages":[{"from":"system"}]}'              # 10 no event
    printf '%s\r\n' "$(good D '随便你')"                            # 11 CRLF
    echo '   '                                                      # 12 blank (spaces)
    echo '{"id":"E","messages":[{"from":"customer","text":"我要去315"}]}' | tr -d '\n' # 13, no newline
} >"$F"
size=$(wc -c <"$F")
[ "$size" -gt 10000000 ] || fail "test file is only $size bytes"

run "$KESU" qa --rules "$TMP/rules" --format jsonl "$F"
expect_status 1 "qa on a file with bad lines"
jsonl_ids "$OUT" >"$TMP/ids"
printf 'A\nB\nC\nD\nE\n' | cmp -s - "$TMP/ids" \
    || fail "good conversations A B C D E in order; got: $(tr '\n' ' ' <"$TMP/ids")"
ok
check_jsonl "$F" "$OUT"

# each bad line reported with its line number, as an error
for n in 2 4 6 7 9 10; do
    expect_match "$ERR" "^$F:$n: (.*: )?error: " "line $n reported as an error"
done
expect_in "$ERR" "$F:2: byte" "invalid UTF-8 located at its byte"
expect_match "$ERR" "^$F:4: column [0-9]+: error: broken JSON" "broken JSON located at its column"
expect_in "$ERR" "$F:6: id: error: must be a string" "wrong type names the field"
expect_in "$ERR" "$F:7: messages: error: required field is missing" "missing field named"
expect_in "$ERR" "$F:9: error: line longer than" "the 10 MB line is refused"
expect_in "$ERR" "$F:10: messages[0].event: error:" "system message without event"
# the good lines are not reported as errors; the unknown field is a warning
for n in 1 3 5 8 11 12 13; do
    if grep -E "^$F:$n: .*error" "$ERR" >/dev/null; then
        fail "line $n is good but reported as an error"
    fi
    ok
done
expect_in "$ERR" "$F:8: warning: unknown field \"colour\"" "unknown field is a warning, located at its line"
nerr=$(grep -c "error:" "$ERR")
[ "$nerr" = 6 ] || fail "expected 6 errors on stderr, got $nerr"
ok

# the findings of the good conversations are the ones the pack promises
python3 - "$OUT" <<'PY' || fail "findings of the good conversations"
import json, sys
r = {o["conversation"]: o for o in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
def ev(c, code):
    return [(f["message"], f["start"], f["end"], f["evidence"]) for f in r[c]["findings"] if f["code"] == code]
assert ev("A", "diversion") == [("m2", 5, 8, "淘 宝")], ev("A", "diversion")
assert r["B"]["findings"] == [], r["B"]
assert ev("C", "diversion") == [(None, 2, 4, "ＶＸ")], ev("C", "diversion")
assert ev("D", "attitude") == [("m2", 0, 3, "随便你")], ev("D", "attitude")
assert r["E"]["risk"] == "critical" and r["A"]["risk"] == "normal"
assert r["A"]["agent"] == "a1" and r["C"]["agent"] == "a2" and r["E"]["agent"] is None
PY
ok

# text format: the summary counts both
run "$KESU" qa --rules "$TMP/rules" --color never "$F"
expect_status 1 "text report on a file with bad lines"
expect_in "$OUT" "5 conversations judged, 6 lines rejected" "text summary counts"

# a larger --max-line accepts the 10 MB conversation, with its evidence
# at the end of its text
run "$KESU" qa --rules "$TMP/rules" --format jsonl --max-line 16777216 "$F"
expect_status 1 "qa --max-line 16 MiB"
python3 - "$OUT" <<'PY' || fail "the 10 MB conversation judged"
import json, sys
r = {o["conversation"]: o for o in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
n = 10 * 1024 * 1024 // 3
f = r["big"]["findings"]
assert [(x["start"], x["end"], x["evidence"]) for x in f] == [(n, n + 2, "淘宝")], f[:1]
assert list(r) == ["A", "B", "C", "big", "D", "E"], list(r)
PY
ok
expect_not_in "$ERR" "$F:9:" "line 9 accepted with --max-line"

# --max-line: a line of exactly N bytes is accepted, N+1 is not
pad() {  # LENGTH: a conversation line of exactly LENGTH bytes
    python3 -c '
import sys
n = int(sys.argv[1])
head = "{\"id\":\"p%d\",\"messages\":[{\"from\":\"agent\",\"text\":\"" % n
tail = "\"}]}"
sys.stdout.write(head + "x" * (n - len(head) - len(tail)) + tail + "\n")' "$1"
}
{ pad 1024; pad 1025; pad 1000; } >"$TMP/pad.jsonl"
run "$KESU" qa --rules "$TMP/rules" --format jsonl --max-line 1024 "$TMP/pad.jsonl"
expect_status 1 "--max-line 1024"
jsonl_ids "$OUT" | tr '\n' ' ' >"$TMP/pids"
[ "$(cat "$TMP/pids")" = "p1024 p1000 " ] || fail "--max-line 1024 judged: $(cat "$TMP/pids")"
ok
expect_in "$ERR" "pad.jsonl:2: error: line longer than 1024 bytes" "line 2 too long"

# the same bad lines on stdin are located as <stdin>:LINE
head -n 8 "$F" >"$TMP/head.jsonl"
run_in "$TMP/head.jsonl" "$KESU" qa --rules "$TMP/rules" --format jsonl -
expect_status 1 "bad lines on stdin"
expect_match "$ERR" "^<stdin>:2: " "stdin bad UTF-8 line located"
expect_match "$ERR" "^<stdin>:6: " "stdin wrong type located"
expect_lines "$OUT" 3 "A, B and C judged from stdin"

# Regressions (found by these tests): two conversations on one line were
# judged as the first alone; a "\u0000" cut the text (hiding 去淘宝 after
# it); a long file name cut the line number off the location.
{
    printf '%s %s\n' "$(good T1 '您好')" "$(good T2 '去淘宝')"
    echo '{"id":"N","messages":[{"from":"agent","text":"\u0000去淘宝"}]}'
    good OK '好的'; echo
} >"$TMP/regress.jsonl"
run "$KESU" qa --rules "$TMP/rules" --format jsonl "$TMP/regress.jsonl"
expect_status 1 "regression lines"
expect_match "$ERR" "regress.jsonl:1: (.*: )?error: " "two conversations on one line: an error"
if ! grep -qE "regress.jsonl:2: (.*: )?error: " "$ERR" &&
   ! grep -q '"conversation":"N".*"code":"diversion"' "$OUT"; then
    fail "\\u0000去淘宝: neither rejected nor flagged"
fi
ok
expect_in "$OUT" '"conversation":"OK"' "the good line after them"
long=$TMP/$(printf 'd%.0s' $(seq 1 80))/$(printf 'e%.0s' $(seq 1 80))/$(printf 'f%.0s' $(seq 1 80))
mkdir -p "$long"
L=$long/chat-export-2024-06-05.jsonl
{
    echo '{"id":"ok","messages":[]}'
    echo '{"id": }'
    printf '{"id":"\xff"}\n'
    echo '{"id":"x","messages":[{"from":"boss"}]}'
} >"$L"
run "$KESU" qa --rules "$TMP/rules" --format jsonl "$L"
expect_status 1 "bad lines in a file with a ${#L}-byte name"
expect_in "$ERR" "$L:2: column 8: error: broken JSON" "long name: broken JSON located"
expect_in "$ERR" "$L:3: byte 8: error: invalid UTF-8" "long name: bad UTF-8 located"
expect_in "$ERR" "$L:4: messages[0].from: error:" "long name: bad field located"

# only good lines: exit 0; only bad lines: exit 1 and nothing judged
good X 'ok' >"$TMP/good.jsonl"
echo >>"$TMP/good.jsonl"
run "$KESU" qa --rules "$TMP/rules" --format jsonl "$TMP/good.jsonl"
expect_status 0 "a file of good lines"
printf '{\n[]\n"x"\n' >"$TMP/allbad.jsonl"
run "$KESU" qa --rules "$TMP/rules" --format jsonl "$TMP/allbad.jsonl"
expect_status 1 "a file of bad lines"
expect_empty "$OUT" "nothing judged"
: >"$TMP/empty.jsonl"
run "$KESU" qa --rules "$TMP/rules" --format jsonl "$TMP/empty.jsonl"
expect_status 0 "an empty file"
expect_empty "$OUT" "no output for an empty file"

done_ok
