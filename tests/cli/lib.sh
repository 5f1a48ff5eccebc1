# shellcheck shell=bash
# Shared by the CLI tests (sourced, not run). ctest runs each test as
#   bash tests/cli/NAME.sh PATH/TO/kesu SOURCE_ROOT
# Every check prints what it expected when it fails; the test exits 1 at
# the first failure, 77 (skipped) when python3 is missing.

KESU=${1:?usage: $0 PATH/TO/kesu SOURCE_ROOT}
SRC=${2:?usage: $0 PATH/TO/kesu SOURCE_ROOT}
# absolute, so that a test may cd
case $KESU in /*) ;; */*) KESU=$(cd "$(dirname "$KESU")" && pwd)/$(basename "$KESU") ;; esac
SRC=$(cd "$SRC" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kesu-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/stdout
ERR=$TMP/stderr
status=0
checks=0

if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to check JSON output" >&2
    exit 77
fi

fail() {
    echo "FAIL: $*" >&2
    if [ -s "$ERR" ]; then
        echo "--- stderr of the last command:" >&2
        head -c 4000 "$ERR" >&2
    fi
    if [ -s "$OUT" ]; then
        echo "--- stdout of the last command:" >&2
        head -c 4000 "$OUT" >&2
    fi
    exit 1
}

ok() {
    checks=$((checks + 1))
}

# run CMD...: runs it with stdout in $OUT, stderr in $ERR, exit in $status.
run() {
    set +e
    "$@" >"$OUT" 2>"$ERR"
    status=$?
    set -e
}

# run_in FILE CMD...: the same with stdin from FILE.
run_in() {
    local in=$1
    shift
    set +e
    "$@" <"$in" >"$OUT" 2>"$ERR"
    status=$?
    set -e
}

expect_status() {  # WANT WHAT
    [ "$status" = "$1" ] || fail "$2: expected exit status $1, got $status"
    ok
}

expect_in() {  # FILE FIXED-STRING WHAT
    grep -qF -- "$2" "$1" || fail "$3: expected $(basename "$1") to contain '$2'"
    ok
}

expect_not_in() {  # FILE FIXED-STRING WHAT
    if grep -qF -- "$2" "$1"; then
        fail "$3: expected $(basename "$1") not to contain '$2'"
    fi
    ok
}

expect_match() {  # FILE EXTENDED-REGEX WHAT
    grep -qE -- "$2" "$1" || fail "$3: expected $(basename "$1") to match /$2/"
    ok
}

expect_lines() {  # FILE N WHAT
    local n
    n=$(wc -l <"$1" | tr -d ' ')
    [ "$n" = "$2" ] || fail "$3: expected $2 lines in $(basename "$1"), got $n"
    ok
}

expect_empty() {  # FILE WHAT
    [ ! -s "$1" ] || fail "$2: expected $(basename "$1") to be empty"
    ok
}

done_ok() {
    echo "ok: $checks checks"
}

# A small rule pack whose findings the tests can predict exactly.
make_pack() {  # DIR
    mkdir -p "$1"
    cat >"$1/00-lists.yaml" <<'EOF'
- list: plat
  words: ["[淘桃]宝", tb, ＶＸ, 京东]
  except: [北京东路]
- list: rude
  words: [呵呵, 随便你]
- list: sorry
  words: [抱歉]
- list: threat
  words: ["315", 曝光]
EOF
    cat >"$1/10-rules.yaml" <<'EOF'
- rule: div
  code: diversion
  level: A
  advice: 不要引流
  steps:
    - by: agent
      has: plat
      lacks: sorry
  examples:
    - fires: true
      chat:
        - customer: 有货吗
        - agent: 去淘 宝看看
    - fires: false
      chat:
        - agent: 我们在北京东路
- rule: rude
  code: attitude
  advice: 不得嘲讽
  steps:
    - by: agent
      has: rude
- rule: legal
  risk: critical
  steps:
    - by: customer
      has: threat
EOF
}

# check_jsonl INPUT OUTPUT: OUTPUT must be SPEC 3.2 for the good lines of
# INPUT: one JSON object per judged conversation, in input order, with the
# fields of 3.2; every finding's level is its code's (SPEC 2.4), its
# message is a message of that conversation, and its evidence is exactly
# the code points [start,end) of that message's text. Prints "ok N".
check_jsonl() {
    python3 - "$1" "$2" <<'PY' || fail "SPEC 3.2 output check on $(basename "$2")"
import json, sys
levels = {"attitude": "A", "harassment": "A", "defamation": "A",
          "confidentiality": "A", "dishonesty": "A", "diversion": "A",
          "sensitive_mishandled": "A", "negligence": "A", "forced_end": "A",
          "poor_service": "B", "false_promotion": "B", "shirking": "B",
          "unkept_promise": "B", "process_b": "B", "wrong_answer": "C",
          "key_info": "C", "slow_response": "C"}
causes = ["product", "logistics", "shipping", "after_sales", "service",
          "promise", "misunderstanding", "unreasonable", "malicious_review"]
risks = {"normal", "elevated", "high", "critical"}
convs = []
with open(sys.argv[1], "rb") as f:
    for raw in f:
        try:
            c = json.loads(raw.decode("utf-8"))
            if isinstance(c, dict) and isinstance(c.get("id"), str):
                convs.append(c)
        except Exception:
            pass
want = {c["id"]: c for c in convs}
out = []
with open(sys.argv[2], "rb") as f:
    for n, raw in enumerate(f, 1):
        try:
            out.append(json.loads(raw.decode("utf-8")))
        except Exception as e:
            sys.exit("output line %d is not JSON: %s" % (n, e))
def bad(o, msg):
    sys.exit("conversation %s: %s" % (o.get("conversation"), msg))
prev_pos = -1
for o in out:
    for k in ("conversation", "agent", "risk", "causes", "findings"):
        if k not in o:
            bad(o, "no field %r" % k)
    c = want.get(o["conversation"])
    if c is None:
        bad(o, "not a conversation of the input")
    pos = convs.index(c)
    if pos <= prev_pos:
        bad(o, "out of input order")
    prev_pos = pos
    if o["agent"] != c.get("agent"):
        bad(o, "agent %r, input says %r" % (o["agent"], c.get("agent")))
    if o["risk"] not in risks:
        bad(o, "risk %r" % o["risk"])
    if not isinstance(o["causes"], list) or any(x not in causes for x in o["causes"]) \
            or len(set(o["causes"])) != len(o["causes"]):
        bad(o, "causes %r" % o["causes"])
    msgs = c["messages"]
    ids = [m.get("id") for m in msgs]
    last = (-1, -1)
    for f in o["findings"]:
        for k in ("code", "level", "rule", "message", "start", "end",
                  "evidence", "advice"):
            if k not in f:
                bad(o, "finding without %r: %r" % (k, f))
        if levels.get(f["code"]) != f["level"]:
            bad(o, "code %r with level %r" % (f["code"], f["level"]))
        if not f["rule"] or not isinstance(f["advice"], str) or not f["advice"]:
            bad(o, "finding without rule or advice: %r" % f)
        i = f.get("index")
        if i is None:
            if f["message"] not in ids:
                bad(o, "message %r not in the conversation" % f["message"])
            i = ids.index(f["message"])
        if not (0 <= i < len(msgs)) or ids[i] != f["message"]:
            bad(o, "message %r / index %r do not match" % (f["message"], i))
        text = msgs[i].get("text", "")
        s, e = f["start"], f["end"]
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s <= e <= len(text)):
            bad(o, "span [%r,%r) outside a text of %d characters" % (s, e, len(text)))
        if text[s:e] != f["evidence"]:
            bad(o, "evidence %r but text[%d:%d] is %r" % (f["evidence"], s, e, text[s:e]))
        if (i, s) < last:
            bad(o, "findings not in message order")
        last = (i, s)
print("ok", len(out))
PY
    ok
}

# jsonl_ids OUTPUT: the conversation ids of a jsonl report, one a line.
jsonl_ids() {
    python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    print(json.loads(l)["conversation"])' "$1"
}
