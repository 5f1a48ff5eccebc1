#!/usr/bin/env bash
# Seed 000's ham-sausage case, end to end through `kesu case`: one spoiled
# sausage in a box bought for ¥29.9; soothe before asking; verify (the
# other units are fine, transit was normal: the product's fault, not the
# customer's storage); a two-choice offer (compensation or reshipment); the
# reshipment is promised, its tracking number is not sent the same day and
# shows as overdue in `due`; the promise is kept and the case closes; the
# audit chain holds.
set -eu
. "$(dirname "$0")/lib.sh"

export KESU_DB=$TMP/desk.db
T0=2024-06-05T10:00:00+08:00
k() { run "$KESU" "$@" --now "${NOW:-$T0}"; }
json() {  # EXPR over the JSON in $OUT
    python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1"
}

k case new --customer b123 --shop s1 --agent a07 \
    --summary "火腿肠有一根坏了,发霉变质" --causes product \
    --order-id o9 --sku ham-60g --batch 2024-05-03A --category food \
    --price 29.9 --cost 12 --carrier zto --region 四川 \
    --ordered-at 2024-06-01T09:00:00+08:00 \
    --shipped-at 2024-06-01T18:00:00+08:00 \
    --delivered-at 2024-06-03T15:00:00+08:00 --shelf-life-days 180
expect_status 0 "case new"
expect_in "$OUT" "case #1 created" "case new confirms"

# Asking how it was stored before apologising is refused (seed 000 §一).
k case move 1 verifying
expect_status 1 "verify before soothing"
expect_in "$ERR" "seed 000" "the refusal explains itself"
k case show 1 --format json
[ "$(json 'o["state"]')" = new ] || fail "a refused move changed the state"
ok

k case move 1 soothing --note "先道歉,问候身体有无不适,剩余的建议不要再食用"
expect_status 0 "soothe"
k case move 1 核实
expect_status 0 "verify (Chinese state name)"
expect_in "$OUT" "核实 verifying" "now verifying"

# Facts: the other sausages are fine, the box was not crushed.
k case set 1 --other-units no --transit-damage no
expect_status 0 "record facts"

k case show 1 --format json
expect_status 0 "show json"
[ "$(json 'o["fault"]')" = product ] || fail "fault: want product, got $(json 'o["fault"]')"
ok
[ "$(json 'len(o["fault_reasons"]) >= 2')" = True ] || fail "fault reasoning lines missing"
ok
# The first offer is the two-choice: compensation ¥X or a reshipment.
python3 - "$OUT" <<'PY' || fail "two-choice offer"
import json, sys
o = json.load(open(sys.argv[1]))
offers = o["plan"]["offers"]
group = [x for x in offers if x["choice_group"] == offers[0]["choice_group"] and x["choice_group"]]
kinds = sorted(x["remedy"] for x in group)
assert kinds == ["compensate", "reship"], kinds
comp = [x for x in group if x["remedy"] == "compensate"][0]
assert 0 < comp["amount"] < 29.9, comp
assert comp["script"] and "补" in comp["script"], comp
assert any("食品安全法" in t for t in o["plan"]["tips"]), o["plan"]["tips"]
print("two-choice ok:", comp["amount"])
PY
ok

k case show 1
expect_in "$OUT" "2选1" "text view shows the two-choice offer"
expect_in "$OUT" "话术" "text view shows the scripts"

k case move 1 negotiating
expect_status 0 "negotiate"
k case resolve 1 reship --note "客户选择补发一包"
expect_status 0 "resolve: reship"
expect_in "$OUT" "处理中 resolving" "resolving after the remedy"
k case show 1 --format json
[ "$(json 'o["fault"]')" = product ] || fail "the verified fault is stored"
ok
[ "$(json 'sorted(p["kind"] for p in o["promises"])')" = "['reship', 'tracking']" ] \
    || fail "a reshipment promises the parcel and its tracking number"
ok
tracking=$(json '[p["id"] for p in o["promises"] if p["kind"]=="tracking"][0]')
reship=$(json '[p["id"] for p in o["promises"] if p["kind"]=="reship"][0]')

# Same afternoon: due, not yet overdue.
NOW=2024-06-05T11:00:00+08:00 k case due
expect_status 0 "due"
expect_in "$OUT" "case #1" "the tracking number is due today"
expect_not_in "$OUT" "OVERDUE" "nothing overdue yet"

# Next morning nobody sent the tracking number: overdue (seed 000 §四).
NOW=2024-06-06T09:30:00+08:00 k case due
expect_match "$OUT" "OVERDUE.*case #1 .*tracking" "overdue tracking number"
NOW=2024-06-06T09:30:00+08:00 k case due --format json
python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
t = [r for r in rows if r["kind"] == "tracking"]
assert t and t[0]["overdue"] and t[0]["case"] == 1, rows' "$OUT" || fail "due json"
ok

# Closing with open promises is refused.
NOW=2024-06-06T09:40:00+08:00 k case move 1 closed
expect_status 1 "close with open promises"
expect_in "$ERR" "promise" "the refusal names the open promise"

NOW=2024-06-06T09:45:00+08:00 k case promise 1 --keep "$tracking" --note "单号 SF1234567890 已发给客户"
expect_status 0 "tracking number sent"
NOW=2024-06-06T09:46:00+08:00 k case promise 1 --keep "$reship"
expect_status 0 "reshipment sent"
NOW=2024-06-06T09:50:00+08:00 k case due
expect_not_in "$OUT" "case #1 " "kept promises leave the due list"
NOW=2024-06-06T10:00:00+08:00 k case move 1 closed
expect_status 0 "close"
expect_in "$OUT" "完结 closed" "closed"
NOW=2024-06-06T10:01:00+08:00 k case move 1 soothing
expect_status 1 "a closed case is final"

k case verify
expect_status 0 "verify"
expect_match "$OUT" "intact: [0-9]+ events" "chain intact"
k case show 1
expect_in "$OUT" "hashes intact" "the case's own events check out"
k case list --format json
[ "$(json 'o[0]["state"]')" = closed ] || fail "list shows the closed case"
ok
done_ok
