#!/usr/bin/env bash
# Bad input to `kesu case` gets a clear error and changes nothing.
set -eu
. "$(dirname "$0")/lib.sh"

export KESU_DB=$TMP/desk.db
k() { run "$KESU" "$@" --now 2024-06-05T10:00:00+08:00; }
events() { "$KESU" case verify --now 2024-06-05T10:00:00+08:00 | sed -n 's/.*intact: \([0-9]*\) events.*/\1/p'; }

k case new --customer b1 --causes product --price 10
expect_status 0 "a good case"
before=$(events)

k case new --price 10
expect_status 1 "missing customer"
expect_in "$ERR" "--customer is required" "names the missing field"
k case new --customer b2 --price -3
expect_status 1 "negative price"
expect_in "$ERR" "--price" "names the option"
k case new --customer b2 --price abc
expect_status 1 "non-numeric price"
k case new --customer b2 --ordered-at 2024-06-05T10:00:00+08:00 --delivered-at 2024-06-01T10:00:00+08:00
expect_status 1 "dates out of order"
expect_in "$ERR" "order.delivered_at" "names the field"
expect_in "$ERR" "out of order" "says what is wrong"
k case new --customer b2 --delivered-at 2024-13-01
expect_status 1 "bad date"
expect_in "$ERR" "not a time" "explains the date format"
k case new --customer b2 --causes product,weather
expect_status 1 "unknown cause"
expect_in "$ERR" "weather" "names the unknown cause"
k case move 1 sideways
expect_status 2 "unknown state"
expect_in "$ERR" "unknown state \"sideways\"" "names the state"
k case move 99 soothing
expect_status 1 "unknown case"
expect_in "$ERR" "no case 99" "names the case"
k case move abc soothing
expect_status 2 "bad case number"
k case resolve 1 reship
expect_status 1 "resolve while new"
k case promise 1 teleport
expect_status 2 "unknown promise kind"
k case promise 1 callback --due 2024-06-01T00:00:00+08:00
expect_status 1 "due in the past"
k case set 1 --risk apocalyptic
expect_status 1 "unknown risk"
k case set 1 --other-units maybe
expect_status 1 "bad tristate"
k case show 1 --format yaml
expect_status 2 "bad format"
k case frobnicate
expect_status 2 "unknown subcommand"
k case new --customer "$(printf 'b\377')"
expect_status 1 "invalid UTF-8"
expect_in "$ERR" "UTF-8" "says UTF-8"
k case show 1 --policy "$TMP/nope.yaml"
expect_status 3 "missing policy file"
printf 'nonsense_key: 1\n' >"$TMP/bad-policy.yaml"
k case show 1 --policy "$TMP/bad-policy.yaml"
expect_status 2 "bad policy"
expect_in "$ERR" "bad-policy.yaml:1" "policy errors are located"

[ "$(events)" = "$before" ] || fail "a refused command wrote an audit event"
ok
k case list --format json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==1, r' "$OUT" \
    || fail "refused commands created cases"
ok
done_ok
