#!/usr/bin/env bash
# Seed 002's power bank that caught fire in a backpack: the case is
# critical, the plan starts with the safety checklist (is the person
# unharmed, retrieve the product, collect the facts), goes to the lead and
# offers the full remedy — by hand and from the imported conversation.
set -eu
. "$(dirname "$0")/lib.sh"

export KESU_DB=$TMP/desk.db
k() { run "$KESU" "$@" --now 2024-06-05T10:05:00+08:00; }
check_plan() {  # WHAT
    python3 - "$OUT" <<'PY' || fail "$1: safety plan"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["risk"] == "critical", o["risk"]
assert o["safety"] is True
pl = o["plan"]
assert len(pl["checklist"]) >= 3, pl["checklist"]
first = pl["checklist"][0]
assert "受伤" in first or "人身" in first or "安全" in first, first
assert pl["escalate_to_lead"] is True
assert pl["offers"] and pl["offers"][0]["remedy"] == "full_remedy", pl["offers"]
assert pl["offers"][0]["script"], "the full remedy comes with its script"
print("safety plan ok")
PY
    ok
}

k case new --customer lin --agent a05 --safety --causes product \
    --summary "充电宝在背包里自燃,烧坏了背包、笔记本和手机" \
    --order-id o77 --sku powerbank-20k --category digital --price 199 \
    --cost 80 --ordered-at 2023-12-01T09:00:00+08:00 \
    --delivered-at 2023-12-04T10:00:00+08:00
expect_status 0 "case new --safety"
k case show 1 --format json
check_plan "by hand"
k case show 1
expect_in "$OUT" "安全事故" "the text view marks the safety incident"
expect_in "$OUT" "先做" "the checklist comes first"

# The flow holds the agent at soothing until the person was checked on.
k case move 1 soothing
k case move 1 verifying
expect_status 1 "safety: verify before checking on the person"
expect_in "$ERR" "seed 002" "the refusal cites the seed"
k case move 1 verifying --person-checked yes
expect_status 0 "verify after checking on the person"

# The same incident imported from the shipped sample's conversation.
export KESU_DB=$TMP/import.db
k import "$SRC/examples/sample.jsonl"
expect_status 0 "import the sample"
expect_match "$OUT" "c-1003 -> case #[0-9]+  risk critical \(safety\)" "c-1003 is a critical safety case"
id=$(sed -n 's/^imported c-1003 -> case #\([0-9]*\).*/\1/p' "$OUT")
k case show "$id" --format json
check_plan "imported"
done_ok
