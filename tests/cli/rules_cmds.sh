#!/usr/bin/env bash
# `kesu rules check|test|words|stats` on the shipped pack and on a small
# pack written here.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

make_pack "$TMP/rules"
R=$TMP/rules

# --- words ---------------------------------------------------------------------
run "$KESU" rules words --rules "$R"
expect_status 0 "rules words"
# normalised, expanded, one per line, exceptions left out
printf '淘宝\n桃宝\ntb\nvx\n京东\n呵呵\n随便你\n抱歉\n315\n曝光\n' | cmp -s - "$OUT" \
    || fail "rules words: expected the ten normalised words in list order"
ok

run "$KESU" rules words --rules "$SRC/rules"
expect_status 0 "rules words on the shipped pack"
n=$(wc -l <"$OUT" | tr -d ' ')
[ "$n" -gt 100 ] || fail "the shipped pack has only $n words"
ok
for w in 淘宝 京东 拼多多 tb jd pdd vx; do   # SPEC 2.4 diversion examples
    grep -qxF "$w" "$OUT" || fail "rules words: '$w' missing"
    ok
done
expect_not_in "$OUT" "淘寶" "words are simplified"
if grep -q '[A-Z]' "$OUT"; then fail "words are lower case"; fi
ok
if grep -qx '' "$OUT"; then fail "no empty word"; fi
ok
dups=$(sort "$OUT" | uniq -d | head -5)
[ -z "$dups" ] || fail "rules words prints duplicates: $dups"
ok
# the words work as a grep -F pattern file (the benchmark's use)
cp "$OUT" "$TMP/words"
run grep -cF -f "$TMP/words" "$SRC/examples/sample.jsonl"
[ "$status" = 0 ] || fail "grep -F -f with the exported words"
ok

# --- check / stats -------------------------------------------------------------
run "$KESU" rules check --rules "$R"
expect_status 0 "rules check"
expect_in "$OUT" "$R: 4 lists, 10 words, 0 regexes, 3 rules, 2 examples" "stats line"
run "$KESU" rules stats --rules "$R"
expect_status 0 "rules stats"
expect_match "$OUT" "4 lists, 10 words, 0 regexes, 3 rules, 2 examples, database [1-9][0-9]* bytes" "stats"

cp -r "$R" "$TMP/warn"
printf -- '- list: spare\n  words: [备用]\n' >"$TMP/warn/05-spare.yaml"
run "$KESU" rules check --rules "$TMP/warn"
expect_status 0 "rules check with a warning"
expect_in "$ERR" "$TMP/warn/05-spare.yaml:1:9: warning: list \"spare\" is not used" \
    "unused list warning located"

run "$KESU" rules check --rules "$SRC/rules"
expect_status 0 "rules check on the shipped pack"

# a finite regex is looked for as the strings it stands for (2 x 2 + 1 = 5
# here); one with . or + stays a regex; both still find the same messages
mkdir -p "$TMP/fin"
cat >"$TMP/fin/10-fin.yaml" <<'YAML'
- list: hole
  regex: ["(有|一)(个)?(洞|裂缝)", "^好的$", "破.{0,3}洞", "洞+", "第[一-十]次坏"]
- rule: hole
  code: wrong_answer
  advice: x
  steps:
    - by: agent
      has: hole
YAML
run "$KESU" rules check --rules "$TMP/fin"
expect_status 0 "rules check, finite regexes"
expect_in "$OUT" "5 regexes (2 found as their 9 strings)" "finite regexes counted"
qa_line() {   # agent text -> the evidence kesu qa reports, or nothing
    printf '{"id":"f","channel":"chat","shop":"s","agent":"a","customer":"c","messages":[{"id":"m1","at":"2024-05-01T10:00:00+08:00","from":"agent","text":"%s"}]}\n' "$1" |
        "$KESU" qa --rules "$TMP/fin" --format jsonl - |
        sed -n 's/.*"evidence":"\([^"]*\)".*/\1/p'
}
[ "$(qa_line '墙上有个洞')" = "有个洞" ] || fail "finite regex evidence"
ok
[ "$(qa_line '好的')" = "好的" ] || fail "^ and \$ as the message's ends"
ok
[ -z "$(qa_line '好的呀')" ] || fail "\$ is the end of the message"
ok
[ "$(qa_line '破了个洞')" = "破了个洞" ] || fail "a regex with . still matches"
ok
[ "$(qa_line '第二次坏')" = "第二次坏" ] || fail "a range of code points stays a regex"
ok

# --- the database cache stays under KESU_CACHE_MAX_MB, least recently used
# files going first; a hit counts as a use
C=$TMP/cache
mkdir -p "$C"
for d in 01 02 03; do
    head -c 409600 /dev/zero >"$C/old$d.hsdb"
    touch -d "2020-01-$d 00:00" "$C/old$d.hsdb"
done
KESU_CACHE_DIR=$C KESU_CACHE_MAX_MB=1 "$KESU" rules check --rules "$TMP/fin" >/dev/null ||
    fail "rules check with a small cache"
[ ! -e "$C/old01.hsdb" ] && [ ! -e "$C/old02.hsdb" ] || fail "the oldest files are pruned"
ok
[ -e "$C/old03.hsdb" ] || fail "pruning stops under three quarters of the limit"
ok
n=$(find "$C" -name '*.hsdb' ! -name 'old*' | wc -l)
[ "$n" -ge 1 ] || fail "the new databases are kept"
ok
find "$C" -name '*.hsdb' ! -name 'old*' -exec touch -d '2020-01-01 00:00' {} +
KESU_CACHE_DIR=$C "$KESU" rules check --rules "$TMP/fin" >/dev/null || fail "cache hit"
[ -n "$(find "$C" -name '*.hsdb' ! -name 'old*' -newer "$C/old03.hsdb")" ] ||
    fail "a cache hit refreshes its file's time"
ok

# --- test ------------------------------------------------------------------------
run "$KESU" rules test --rules "$R"
expect_status 0 "rules test"
expect_in "$OUT" "examples: 2 passed, 0 failed" "examples pass"

cp -r "$R" "$TMP/failing"
cat >>"$TMP/failing/10-rules.yaml" <<'EOF'
- rule: wrong
  code: shirking
  advice: x
  steps:
    - by: agent
      has: rude
  examples:
    - fires: true
      chat:
        - agent: 您好
EOF
line=$(grep -n "fires: true" "$TMP/failing/10-rules.yaml" | tail -1 | cut -d: -f1)
run "$KESU" rules test --rules "$TMP/failing"
expect_status 1 "rules test with a failing example"
expect_in "$OUT" "$TMP/failing/10-rules.yaml:$line:7: error: example of rule \"wrong\" should fire but does not" \
    "failing example located"
expect_in "$OUT" "examples: 2 passed, 1 failed" "example counts"

done_ok
