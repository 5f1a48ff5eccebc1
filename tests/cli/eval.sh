#!/usr/bin/env bash
# `kesu eval`: precision/recall of a pack against a tiny labelled set; exit
# 1 when a threshold is not met.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

make_pack "$TMP/rules"
R=$TMP/rules
C=$TMP/corpus.jsonl
cat >"$C" <<'EOF'
{"id":"e1","agent":"a1","messages":[{"from":"customer","text":"有货吗"},{"from":"agent","text":"去淘 宝买吧"}]}
{"id":"e2","agent":"a1","messages":[{"from":"customer","text":"我要去315"},{"from":"agent","text":"呵呵"}]}
{"id":"e3","agent":"a2","messages":[{"from":"customer","text":"在吗"},{"from":"agent","text":"抱歉,淘宝没有"}]}
{"id":"e4","agent":"a2","messages":[{"from":"agent","text":"仓库在北京东路"}]}
EOF

# labels that agree with the pack: every bar met
cat >"$TMP/good.labels" <<'EOF'
{"id":"e1","codes":["diversion"],"risk":"normal"}
{"id":"e2","codes":["attitude"],"risk":"critical"}
{"id":"e3","codes":[]}
{"id":"e4","codes":[],"causes":[]}
EOF
run "$KESU" eval --rules "$R" --labels "$TMP/good.labels" \
    --min-precision 1 --min-recall 1 "$C"
expect_status 0 "eval with labels the pack meets"
expect_in "$OUT" "4 conversations judged, 0 lines rejected, 0 without label, 0 labels without conversation" "eval counts"
expect_match "$OUT" "^diversion +A +1 +1 +0 +0 +1\.000 +1\.000$" "diversion row"
expect_match "$OUT" "^attitude +A +1 +1 +0 +0 +1\.000 +1\.000$" "attitude row"
expect_in "$OUT" "risk level exact: 2/2" "risk accuracy"
expect_not_in "$OUT" "below bar" "nothing below the bar"

# a missed incident: attitude recall 1/2 < 0.9
sed 's/{"id":"e3","codes":\[\]}/{"id":"e3","codes":["attitude"]}/' \
    "$TMP/good.labels" >"$TMP/miss.labels"
grep -q '"e3","codes":\["attitude"\]' "$TMP/miss.labels" || fail "sed did not apply"
run "$KESU" eval --rules "$R" --labels "$TMP/miss.labels" \
    --min-precision 0.9 --min-recall 0.9 --verbose "$C"
expect_status 1 "eval with recall below the bar"
expect_match "$OUT" "^attitude +A +2 +1 +0 +1 +1\.000 +0\.500  << below bar$" "attitude recall 0.5"
expect_in "$OUT" "e3: missed attitude" "--verbose lists the miss"
# ... but a lower bar is met
run "$KESU" eval --rules "$R" --labels "$TMP/miss.labels" \
    --min-precision 0.9 --min-recall 0.5 "$C"
expect_status 0 "eval with recall at the lowered bar"

# a false positive: diversion precision 0/1
sed 's/{"id":"e1","codes":\["diversion"\],/{"id":"e1","codes":[],/' \
    "$TMP/good.labels" >"$TMP/fp.labels"
run "$KESU" eval --rules "$R" --labels "$TMP/fp.labels" --min-precision 0.9 "$C"
expect_status 1 "eval with precision below the bar"
expect_match "$OUT" "^diversion +A +0 +0 +1 +0 +0\.000 +1\.000  << below bar$" "diversion precision 0"

# a conversation without a label, a label without a conversation
head -n 3 "$TMP/good.labels" >"$TMP/short.labels"
run "$KESU" eval --rules "$R" --labels "$TMP/short.labels" "$C"
expect_status 1 "a conversation without label"
expect_in "$OUT" "1 without label" "unlabelled counted"
{ cat "$TMP/good.labels"; echo '{"id":"e9","codes":[]}'; } >"$TMP/extra.labels"
run "$KESU" eval --rules "$R" --labels "$TMP/extra.labels" "$C"
expect_status 1 "a label without conversation"
expect_in "$OUT" "1 labels without conversation" "orphan label counted"

# bad input: labels that do not parse, thresholds out of range
echo '{"id":"e1","codes":["bribery"]}' >"$TMP/bad.labels"
run "$KESU" eval --rules "$R" --labels "$TMP/bad.labels" "$C"
[ "$status" != 0 ] || fail "an unknown code in the labels must fail"
ok
expect_in "$ERR" "bad.labels:1: error" "bad label line located"
run "$KESU" eval --rules "$R" --labels "$TMP/good.labels" --min-recall 2 "$C"
expect_status 2 "--min-recall 2"
run "$KESU" eval --rules "$R" --labels "$TMP/good.labels" --min-precision x "$C"
expect_status 2 "--min-precision x"

done_ok
