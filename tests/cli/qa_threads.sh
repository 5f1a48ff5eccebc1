#!/usr/bin/env bash
# kesu qa --threads N gives the same output, the same errors in the same
# order, and the same exit status as one thread, on an input with many
# batches and bad lines spread through it.
set -eu
KESU=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
in=$TMP/in.jsonl
for i in $(seq 1 60); do
    cat "$SRC/tests/corpus/dev/corpus.jsonl"
    echo "{broken line $i"
    printf '{"id":"bad-utf8-%d","messages":[{"from":"agent","text":"\xff"}]}\n' "$i"
done >"$in"
status() { "$@" >"$TMP/out.$n" 2>"$TMP/err.$n" && echo 0 || echo $?; }
n=1; s1=$(status "$KESU" qa --format jsonl --threads 1 "$in")
n=2; s2=$(status "$KESU" qa --format jsonl --threads 2 "$in")
n=3; s3=$(status "$KESU" qa --format jsonl --threads 3 - <"$in")
fail=0
[ "$s1" = 1 ] || { echo "FAIL: 1 thread: exit $s1, want 1"; fail=1; }
for k in 2 3; do
    eval "sk=\$s$k"
    [ "$sk" = "$s1" ] || { echo "FAIL: $k threads: exit $sk, want $s1"; fail=1; }
    cmp -s "$TMP/out.1" "$TMP/out.$k" || { echo "FAIL: $k threads: output differs"; fail=1; }
    sed 's/<stdin>/IN/; s#^[^:]*in.jsonl#IN#' "$TMP/err.1" >"$TMP/e1"
    sed 's/<stdin>/IN/; s#^[^:]*in.jsonl#IN#' "$TMP/err.$k" >"$TMP/ek"
    cmp -s "$TMP/e1" "$TMP/ek" || { echo "FAIL: $k threads: errors differ or are out of order"; fail=1; }
done
lines=$(wc -l <"$TMP/out.1")
want=$((60 * $(wc -l <"$SRC/tests/corpus/dev/corpus.jsonl")))
[ "$lines" = "$want" ] || { echo "FAIL: $lines verdicts, want $want"; fail=1; }
errs=$(grep -c 'error' "$TMP/err.1")
[ "$errs" = 120 ] || { echo "FAIL: $errs errors reported, want 120"; fail=1; }
[ $fail = 0 ] && echo "threads: 4 passed, 0 failed"
exit $fail
