#!/usr/bin/env bash
# The audit log is hash-chained: altering, deleting or inserting a stored
# event makes `kesu case verify` fail and name the event.
set -eu
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 missing"; exit 77; }

export KESU_DB=$TMP/desk.db
k() { run "$KESU" "$@" --now 2024-06-05T10:00:00+08:00; }
for c in b1 b2 b3; do
    k case new --customer $c --summary "包裹压坏了" --causes logistics
    expect_status 0 "new $c"
done
k case move 2 soothing
k case move 2 verifying
k case promise 1 callback --text "和主管商量后回电"
expect_status 0 "promise"
k case verify
expect_status 0 "intact chain"
expect_in "$OUT" "intact: 6 events" "six events"

cp "$KESU_DB" "$TMP/clean.db"
sqlite3 "$KESU_DB" "UPDATE audit SET data = replace(data, 'verifying', 'closed') WHERE seq = 5;"
k case verify
expect_status 1 "altered event"
expect_match "$OUT" "event 5 \(case #2\)" "verify names the altered event"
k case show 2
expect_in "$OUT" "ALTERED" "show flags the altered event"

cp "$TMP/clean.db" "$KESU_DB"
sqlite3 "$KESU_DB" "DELETE FROM audit WHERE seq = 3;"
k case verify
expect_status 1 "deleted event"
expect_match "$OUT" "event [34]" "verify names where the chain breaks"

cp "$TMP/clean.db" "$KESU_DB"
sqlite3 "$KESU_DB" "UPDATE audit SET at = at + 1000 WHERE seq = 6;"
k case verify
expect_status 1 "re-timed event"
expect_match "$OUT" "event 6 \(case #1\)" "the re-timed event"
done_ok
