#!/usr/bin/env bash
# Exit statuses of kesu: 2 for usage and rule pack errors (with the rule
# file's file:line on stderr), 3 for unreadable input.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

make_pack "$TMP/rules"
R=$TMP/rules
echo '{"id":"x","messages":[]}' >"$TMP/one.jsonl"

# --- unreadable input: 3 ------------------------------------------------------
run "$KESU" qa --rules "$R" "$TMP/no/such/file.jsonl"
expect_status 3 "nonexistent input file"
expect_in "$ERR" "$TMP/no/such/file.jsonl" "the missing file is named"
expect_empty "$OUT" "no text report for a missing file"
run "$KESU" qa --rules "$R" --format jsonl "$TMP/no/such/file.jsonl"
expect_status 3 "nonexistent input file, jsonl"
expect_empty "$OUT" "no jsonl output for a missing file"
run "$KESU" qa --rules "$R" --format jsonl "$TMP"
expect_status 3 "a directory as input"
if [ "$(id -u)" != 0 ]; then
    cp "$TMP/one.jsonl" "$TMP/secret.jsonl"
    chmod 000 "$TMP/secret.jsonl"
    run "$KESU" qa --rules "$R" "$TMP/secret.jsonl"
    expect_status 3 "an unreadable input file"
fi

# --- usage: 2 -------------------------------------------------------------------
run "$KESU" qa --rules "$R" --frmat jsonl "$TMP/one.jsonl"
expect_status 2 "unknown option"
expect_in "$ERR" "unknown option \"--frmat\"" "unknown option named"
run "$KESU" qa --rules "$R" --format xml "$TMP/one.jsonl"
expect_status 2 "--format xml"
run "$KESU" qa --rules "$R" --max-line 5 "$TMP/one.jsonl"
expect_status 2 "--max-line below 1024"
run "$KESU" qa --rules "$R" --max-line lots "$TMP/one.jsonl"
expect_status 2 "--max-line not a number"
run "$KESU" qa --rules "$R" --color sometimes "$TMP/one.jsonl"
expect_status 2 "--color sometimes"
run "$KESU" qa --rules "$R" "$TMP/one.jsonl" "$TMP/one.jsonl"
expect_status 2 "two input files"
run "$KESU" qa --rules "$R"
expect_status 2 "no input file"
run "$KESU" qa "$TMP/one.jsonl" --format
expect_status 2 "option without its value"
run "$KESU" qa --all=yes "$TMP/one.jsonl"
expect_status 2 "a switch given a value"
run "$KESU"
expect_status 2 "no command"
run "$KESU" inspect "$TMP/one.jsonl"
expect_status 2 "unknown command"
expect_in "$ERR" "unknown command" "unknown command named"
run "$KESU" rules
expect_status 2 "rules without a verb"
run "$KESU" rules lint
expect_status 2 "rules with an unknown verb"
run "$KESU" eval "$TMP/one.jsonl"
expect_status 2 "eval without --labels"

# help and version: 0, on stdout
run "$KESU" qa --help
expect_status 0 "qa --help"
expect_in "$OUT" "usage: kesu qa" "qa usage on stdout"
run "$KESU" --help
expect_status 0 "--help"
run "$KESU" --version
expect_status 0 "--version"
expect_match "$OUT" "^kesu [0-9]+\.[0-9]+\.[0-9]+$" "version line"

# -- is the end of the options: a file named like an option
cp "$TMP/one.jsonl" "$TMP/--all"
run sh -c "cd '$TMP' && '$KESU' qa --rules '$R' --format jsonl -- --all"
expect_status 0 "-- before a file named --all"
expect_in "$OUT" '"conversation":"x"' "the file after -- is read"

# --- malformed rule directories: 2, located at file:line ---------------------
bad_pack() {  # NAME: copies the good pack to $TMP/NAME
    rm -rf "${TMP:?}/$1"
    cp -r "$R" "$TMP/$1"
}

bad_pack syntax
printf -- '- list: x\n  words: [a, b\n- rule: y\n' >"$TMP/syntax/05-broken.yaml"
run "$KESU" qa --rules "$TMP/syntax" "$TMP/one.jsonl"
expect_status 2 "YAML syntax error in the rules"
expect_match "$ERR" "$TMP/syntax/05-broken.yaml:3:[0-9]+: error: YAML syntax error" \
    "syntax error located at file:line:col"
expect_empty "$OUT" "no report with a broken pack"

bad_pack unknownkey
cat >>"$TMP/unknownkey/10-rules.yaml" <<'EOF'
- rule: extra
  code: shirking
  advice: x
  severity: high
  steps:
    - by: agent
      has: rude
EOF
run "$KESU" qa --rules "$TMP/unknownkey" "$TMP/one.jsonl"
expect_status 2 "unknown key in a rule"
line=$(grep -n "severity" "$TMP/unknownkey/10-rules.yaml" | cut -d: -f1)
expect_in "$ERR" "$TMP/unknownkey/10-rules.yaml:$line:3: error: unknown key \"severity\"" \
    "unknown key located at its line"

bad_pack unknownlist
cat >"$TMP/unknownlist/20-more.yaml" <<'EOF'
- rule: more
  risk: high
  steps:
    - by: customer
      has: [rude, nolist]
EOF
run "$KESU" qa --rules "$TMP/unknownlist" "$TMP/one.jsonl"
expect_status 2 "unknown list in a rule"
expect_in "$ERR" "$TMP/unknownlist/20-more.yaml:5:19: error: unknown list \"nolist\"" \
    "unknown list located at file:line:col"
expect_in "$ERR" "not loaded (1 error)" "error count"

mkdir -p "$TMP/emptydir"
run "$KESU" qa --rules "$TMP/emptydir" "$TMP/one.jsonl"
expect_status 2 "a rule directory without yaml files"
run "$KESU" qa --rules "$TMP/nodir" "$TMP/one.jsonl"
expect_status 2 "a missing rule directory"
expect_in "$ERR" "$TMP/nodir" "the missing rule directory is named"

# the pack is checked before the input is read: a bad pack and a missing
# input file is still a pack error
run "$KESU" qa --rules "$TMP/unknownlist" "$TMP/no/such/file.jsonl"
expect_status 2 "bad pack and missing input"

# --- a conversation the engine cannot judge ----------------------------------
# Conversations are judged in groups (one scan for many); one with too many
# matches in a message (every "??" of 3 MiB of "?" is kept: the list has an
# exception) must be named by its own line, the others judged, in order, on
# one thread and on two.
mkdir -p "$TMP/flood"
cat >"$TMP/flood/00.yaml" <<'EOF'
- list: anger
  words: ["??"]
  except: ["?!?"]
- rule: angry
  risk: elevated
  steps:
    - by: customer
      has: anger
EOF
python3 - "$TMP/flood.jsonl" <<'EOF'
import json, sys
def conv(i, text):
    return json.dumps({"id": "f%d" % i, "messages": [
        {"id": "m1", "from": "customer", "text": text}]})
with open(sys.argv[1], "w") as f:
    for i in range(1, 6):
        f.write(conv(i, "?" * (3 << 20) if i == 3 else "在吗??") + "\n")
EOF
for t in 1 2; do
    run "$KESU" qa --rules "$TMP/flood" --format jsonl --threads $t "$TMP/flood.jsonl"
    expect_status 1 "a conversation not judged ($t threads)"
    expect_in "$ERR" "flood.jsonl:3: error: conversation f3 not judged: input too large" \
        "the flooded conversation is named by its line ($t threads)"
    expect_lines "$OUT" 4 "the other four judged ($t threads)"
    [ "$(jsonl_ids "$OUT" | tr '\n' ' ')" = "f1 f2 f4 f5 " ] ||
        fail "the others in input order ($t threads): $(jsonl_ids "$OUT")"
    ok
done

# --- output that cannot be written ------------------------------------------
if [ -w /dev/full ]; then
    run sh -c "'$KESU' qa --rules '$R' --format jsonl '$SRC/examples/sample.jsonl' >/dev/full"
    [ "$status" != 0 ] || fail "writing to a full device must fail"
    ok
    expect_in "$ERR" "writing output" "the write error is reported"
fi

done_ok
