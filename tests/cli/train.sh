#!/usr/bin/env bash
# `kesu train` and the model's suspicions: a model trained on labelled
# corpora, written as a text file a pack loads; its proposals appear in
# `kesu qa` apart from the findings; a broken model file is refused with
# file:line.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

run "$KESU" train --help
expect_status 0 "train --help"
expect_in "$OUT" "usage: kesu train --out FILE" "train usage"

run "$KESU" train "$SRC/tests/corpus/dev"
expect_status 2 "train without --out"
expect_in "$ERR" "need --out FILE" "train names what is missing"

run "$KESU" train --out "$TMP/x.tsv" --beta 0 "$SRC/tests/corpus/dev"
expect_status 2 "train --beta 0"
expect_in "$ERR" "--beta wants a number from 0.01 to 10" "bad --beta"

run "$KESU" train --out "$TMP/x.tsv" --codes attitude,nosuch "$SRC/tests/corpus/dev"
expect_status 2 "train with an unknown code"
expect_in "$ERR" 'unknown code "nosuch"' "bad --codes"

run "$KESU" train --out "$TMP/x.tsv" --promote-margin 0 "$SRC/tests/corpus/dev"
expect_status 2 "train --promote-margin 0"
expect_in "$ERR" "--promote-margin wants a number from 0.001 to 100" "bad --promote-margin"
expect_in "$ERR" 'also takes "never"' "--promote-margin names its word"
run "$KESU" train --out "$TMP/x.tsv" --withhold-margin soon "$SRC/tests/corpus/dev"
expect_status 2 "train --withhold-margin soon"
expect_in "$ERR" "--withhold-margin wants a number" "bad --withhold-margin"

# two corpora (two writers): the dev corpus split in halves
for half in a b; do mkdir -p "$TMP/$half"; done
awk 'NR % 2 == 1' "$SRC/tests/corpus/dev/corpus.jsonl" >"$TMP/a/corpus.jsonl"
awk 'NR % 2 == 0' "$SRC/tests/corpus/dev/corpus.jsonl" >"$TMP/b/corpus.jsonl"
awk 'NR % 2 == 1' "$SRC/tests/corpus/dev/labels.jsonl" >"$TMP/a/labels.jsonl"
awk 'NR % 2 == 0' "$SRC/tests/corpus/dev/labels.jsonl" >"$TMP/b/labels.jsonl"

# Every code line of model FILE has promote >= threshold + PROMOTE (it
# also clears every negative, so it may be higher) and withhold =
# threshold - WITHHOLD.
expect_levels() {
    python3 - "$1" "$2" "$3" <<'PY' || fail "levels of $1: promote >= threshold + $2, withhold = threshold - $3"
import re, sys
pm, wm, n = float(sys.argv[2]), float(sys.argv[3]), 0
for l in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"code \S+ bias \S+ threshold (\S+) promote (\S+) withhold (\S+)$", l)
    if m:
        t, p, w = map(float, m.groups())
        assert p >= t + pm - 1e-6 and abs(w - (t - wm)) < 1e-5, l
        n += 1
assert n, "no code line with both levels"
PY
}

run "$KESU" train --out "$TMP/m1.tsv" --codes attitude,diversion "$TMP/a" "$TMP/b"
expect_status 0 "train on two corpora"
expect_in "$OUT" "conversations in 2 corpora" "train summary"
expect_match "$OUT" "^attitude +[0-9]+ " "attitude row in the report"
expect_match "$OUT" "^diversion +[0-9]+ " "diversion row in the report"
expect_not_in "$OUT" "poor_service" "only the codes asked for"
expect_in "$OUT" "wrote $TMP/m1.tsv" "train says where it wrote"
head -1 "$TMP/m1.tsv" | grep -q '^# kesu n-gram model' || fail "model header comment"
grep -q '^kesu-model 1$' "$TMP/m1.tsv" || fail "model version line"
grep -qE '^code attitude bias -?[0-9.]+ threshold -?[0-9.]+ promote -?[0-9.]+ withhold -?[0-9.]+$' "$TMP/m1.tsv" || fail "attitude code line"
expect_match "$OUT" "^attitude( +-?[0-9.]+){7}$" "promote and withhold in the report"
expect_levels "$TMP/m1.tsv" 0.5 1     # the defaults
grep -qE '^A:[^	]+	(attitude|diversion)=' "$TMP/m1.tsv" || fail "an agent n-gram line"
[ ! -e "$TMP/m1.tsv.tmp" ] || fail "the temporary file was left behind"
ok

# deterministic: the same data gives the same file
run "$KESU" train --out "$TMP/m2.tsv" --codes attitude,diversion "$TMP/a" "$TMP/b"
expect_status 0 "train again"
cmp -s "$TMP/m1.tsv" "$TMP/m2.tsv" || fail "two trainings on the same data differ"
ok

# "never": no level written, and "never" in the report
run "$KESU" train --out "$TMP/m3.tsv" --codes attitude --promote-margin never --withhold-margin never "$TMP/a" "$TMP/b"
expect_status 0 "train with margins never"
grep -qE '^code attitude bias -?[0-9.]+ threshold -?[0-9.]+$' "$TMP/m3.tsv" || fail "code line without levels"
expect_match "$OUT" "^attitude( +-?[0-9.]+){5} +never +never$" "never in the report"
run "$KESU" train --out "$TMP/m3.tsv" --codes attitude --promote-margin 2 --withhold-margin 0.25 "$TMP/a" "$TMP/b"
expect_status 0 "train with margins given"
expect_levels "$TMP/m3.tsv" 2 0.25
ok

# bad input: a broken label line and a conversation without a label are
# each reported where they are, and nothing is written
cp -r "$TMP/a" "$TMP/bad"
sed -i '3s/.*/{"id":"x","codes":["no_such_code"]}/' "$TMP/bad/labels.jsonl"
printf '%s\n' '{"id":"nolabel","messages":[{"from":"agent","text":"好的"}]}' \
    >>"$TMP/bad/corpus.jsonl"
printf '%s\n' '{"id":"broken",' >>"$TMP/bad/corpus.jsonl"
run "$KESU" train --out "$TMP/bad.tsv" "$TMP/bad" "$TMP/b"
expect_status 1 "train on bad input"
expect_in "$ERR" "$TMP/bad/labels.jsonl:3: error: bad label line" "bad label located"
expect_match "$ERR" "$TMP/bad/corpus.jsonl:[0-9]+: error: conversation \"nolabel\" has no label" "unlabelled conversation located"
expect_match "$ERR" "$TMP/bad/corpus.jsonl:[0-9]+" "broken JSON located"
expect_in "$ERR" "nothing written" "train says it wrote nothing"
[ ! -e "$TMP/bad.tsv" ] || fail "a model was written from bad input"
ok

run "$KESU" train --out "$TMP/no/such/dir/m.tsv" --codes attitude "$TMP/a" "$TMP/b"
expect_status 3 "train to an unwritable place"
expect_in "$ERR" "cannot write $TMP/no/such/dir/m.tsv" "write failure named"

run "$KESU" train --out "$TMP/x.tsv" "$TMP/nosuchdir"
expect_status 1 "train on a missing directory"
expect_in "$ERR" "cannot read $TMP/nosuchdir/labels.jsonl" "missing corpus named"

# the model in a pack: suspicions beside the findings
mkdir -p "$TMP/pack"
cp "$SRC"/rules/*.yaml "$TMP/pack/"
cp "$SRC/rules/model.tsv" "$TMP/pack/model.tsv"
run "$KESU" rules check --rules "$TMP/pack"
expect_status 0 "rules check with a model"
expect_match "$OUT" "n-gram model: [0-9]+ features, [0-9]+ codes" "rules check shows the model"

H8=$SRC/tests/corpus/holdout8
run "$KESU" qa --rules "$TMP/pack" --format jsonl "$H8/corpus.jsonl"
expect_status 0 "qa with a model"
cp "$OUT" "$TMP/with-model.jsonl"
python3 - "$OUT" <<'PY' || fail "the model's verdicts in the JSON output"
import json, sys
n = {"suspected": 0, "withheld": 0, "found": 0}
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    found = {f["code"] for f in d["findings"]}
    for f in d["findings"]:
        if f["rule"].startswith("model."):
            n["found"] += 1
            assert f["rule"] == "model." + f["code"] and f["score"] > 0, f
        else:
            assert "score" not in f, f
    for s in d.get("suspected", []):
        n["suspected"] += 1
        assert s["rule"] == "model." + s["code"], s
        assert s["code"] not in found, ("suspected a code a rule found", d)
        assert s["score"] > 0 and s["advice"], s
        assert 0 <= s["start"] < s["end"], s
        assert s["evidence"], s
    for w in d.get("withheld", []):
        n["withheld"] += 1
        assert not w["rule"].startswith("model."), w
        assert w["code"] not in found, ("withheld a code still found", d)
        assert w["score"] < 0 and w["evidence"], w
    assert "suspected" not in d or d["suspected"], d
    assert "withheld" not in d or d["withheld"], d
print(n)
assert all(n.values()), n
PY
ok
run "$KESU" qa --rules "$TMP/pack" --no-model --format jsonl "$H8/corpus.jsonl"
expect_status 0 "qa --no-model"
expect_not_in "$OUT" '"suspected"' "--no-model: no suspicions"
expect_not_in "$OUT" '"withheld"' "--no-model: nothing withheld"
expect_not_in "$OUT" '"rule":"model.' "--no-model: no model findings"
# what the model withheld, the rules alone report
python3 - "$TMP/with-model.jsonl" "$OUT" <<'PY' || fail "withheld findings are the rules' own"
import json, sys
model = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
rules = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
for m, r in zip(model, rules):
    own = {(f["rule"], f["index"], f["start"]) for f in r["findings"]}
    for w in m.get("withheld", []):
        assert (w["rule"], w["index"], w["start"]) in own, (w, r)
PY
ok
run "$KESU" qa --rules "$TMP/pack" "$H8/corpus.jsonl"
expect_status 0 "text report with a model"
expect_match "$OUT" "^  \[[ABC]\?\] [a-z_]+ .* model\.[a-z_]+ · 疑似 suspected, score \+[0-9.]+$" "suspicion line"
expect_match "$OUT" "^  \[[ABC]-\] [a-z_]+ .* [a-z_]+\.[a-z_]+ · 模型撤回 withheld by the model, score -[0-9.]+$" "withheld line"
expect_match "$OUT" "^  \[[ABC]\] [a-z_]+ .* model\.[a-z_]+ · 模型 model, score \+[0-9.]+$" "model finding line"
expect_in "$OUT" "疑似 suspected (model)" "suspicion counts in the summary"
expect_in "$OUT" "撤回 withheld (model)" "withheld counts in the summary"

# eval counts suspicions only when asked
run "$KESU" eval --rules "$TMP/pack" --labels "$H8/labels.jsonl" "$H8/corpus.jsonl"
tp1=$(awk '/^code/{f=1;next} f&&NF==8{tp+=$4} /^$/{if(f)exit} END{print tp}' "$OUT")
run "$KESU" eval --with-suspected --rules "$TMP/pack" --labels "$H8/labels.jsonl" "$H8/corpus.jsonl"
tp2=$(awk '/^code/{f=1;next} f&&NF==8{tp+=$4} /^$/{if(f)exit} END{print tp}' "$OUT")
[ "$tp2" -gt "$tp1" ] || fail "--with-suspected found no more ($tp1 vs $tp2)"
ok

# a broken model file is refused, located
printf 'kesu-model 1\ncode attitude bias 0 threshold 0\nA:態度\tattitude=1\nA:好\tnosuch=1\n' \
    >"$TMP/pack/model.tsv"
run "$KESU" rules check --rules "$TMP/pack"
expect_status 2 "rules check with a broken model"
expect_in "$ERR$(cat "$OUT")" "model.tsv:3" "traditional-script key located"
expect_in "$ERR$(cat "$OUT")" "model.tsv:4" "unknown code located"
printf 'kesu-model 1\ncode attitude bias 0 threshold 0 promote -1\ncode diversion bias 0 threshold 0 withhold 1 promote 2\ncode shirking bias 0 threshold 0 promote 1 promote 2\nA:好\tattitude=1\n' \
    >"$TMP/pack/model.tsv"
run "$KESU" rules check --rules "$TMP/pack"
expect_status 2 "rules check with misordered levels"
expect_in "$ERR$(cat "$OUT")" "model.tsv:2: error: promote must not be below the threshold" "promote below threshold located"
expect_in "$ERR$(cat "$OUT")" "model.tsv:3: error: withhold must not be above the threshold" "withhold above threshold located"
expect_in "$ERR$(cat "$OUT")" "model.tsv:4: error: after the threshold" "a level given twice located"
cp "$SRC/rules/model.tsv" "$TMP/pack/second.tsv"
printf 'kesu-model 1\ncode attitude bias 0 threshold 0\n' >"$TMP/pack/model.tsv"
run "$KESU" rules check --rules "$TMP/pack"
expect_status 2 "two model files"
expect_in "$ERR$(cat "$OUT")" "a second model file" "second model refused"

done_ok
