#!/usr/bin/env bash
# `kesu user`: accounts and tokens from the command line. Secrets are
# printed once and stored only hashed; bad input changes nothing.
set -eu
. "$(dirname "$0")/lib.sh"

export KESU_DB=$TMP/users.db
export KESU_NOW=2024-06-05T10:00:00+08:00
k() { run "$KESU" user "$@"; }
sql() { python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for r in db.execute(sys.argv[2]): print("|".join(map(str, r)))' "$KESU_DB" "$1"; }

# the first admin, with a generated password shown once
k add root --role admin
expect_status 0 "add the first admin"
expect_in "$OUT" "user root added: admin" "says what was added"
expect_match "$OUT" "password \(shown once\): [A-Za-z0-9_-]{20}$" "prints the password"
pw=$(sed -n 's/^password (shown once): //p' "$OUT")
sql "SELECT pwhash FROM users WHERE name = 'root'" >"$TMP/hash"
expect_in "$TMP/hash" '$argon2id$' "stored as Argon2id"
expect_not_in "$TMP/hash" "$pw" "not stored in the clear"

k add root --role admin
expect_status 1 "a duplicate name"
expect_in "$ERR" 'a user called "root" already exists' "says it exists"

printf 'hunter2-long\n' >"$TMP/pw"
run_in "$TMP/pw" "$KESU" user add a07 --role agent --shop s1 --team t1 --password-stdin
expect_status 0 "an agent with a password from stdin"
expect_not_in "$OUT" "password" "a given password is not echoed"

k add x1 --role god --shop s1
expect_status 1 "an unknown role"
expect_in "$ERR" 'unknown role "god"' "names the role"
k add x1
expect_status 2 "no role"
k add x1 --role agent
expect_status 1 "an agent without a shop"
expect_in "$ERR" "belongs to one shop" "asks for the shop"
k add x1 --role admin --shop s1
expect_status 1 "an admin with a shop"
k add "bad name" --role admin
expect_status 1 "a bad name"
expect_in "$ERR" "not a user name" "explains names"
k add "x';DROP TABLE users;--" --role admin
expect_status 1 "SQL in a name"
printf 'short\n' >"$TMP/short"
run_in "$TMP/short" "$KESU" user add x2 --role admin --password-stdin
expect_status 1 "a short password"
expect_in "$ERR" "at least 8 characters" "says the minimum"
printf '\377\376xxxxxxxx\n' >"$TMP/bin"
run_in "$TMP/bin" "$KESU" user add x2 --role admin --password-stdin
expect_status 1 "a password that is not UTF-8"
[ "$(sql 'SELECT count(*) FROM users')" = 2 ] || fail "refusals wrote users"
ok

# tokens: printed once on stdout, stored as a hash
k token a07 --label "chat tool" --expires 30d
expect_status 0 "a token"
expect_match "$OUT" '^ks_[A-Za-z0-9_-]{43}$' "the token alone on stdout"
expect_in "$ERR" "shown once, stored hashed" "says it is shown once"
tok=$(cat "$OUT")
sql "SELECT hex(hash), label, created_at, expires_at FROM tokens" >"$TMP/tokens"
expect_not_in "$TMP/tokens" "$tok" "no plaintext token in the table"
expect_in "$TMP/tokens" "chat tool|1717552800000|1720144800000" "label and expiry stored"
if grep -qaF -- "${tok#ks_}" "$KESU_DB" "$KESU_DB-wal" 2>/dev/null; then
    fail "the token text is in the database file"
fi
ok
k token root
expect_status 0 "a token that never expires"
k token nobody
expect_status 1 "a token for an unknown user"
expect_in "$ERR" 'no user "nobody"' "names the user"
k token a07 --expires soon
expect_status 2 "a bad duration"

# list: accounts and tokens, never hashes
k list
expect_status 0 "list"
expect_match "$OUT" "^a07 +agent +s1 +t1 +active" "the agent"
expect_match "$OUT" "^root +admin +- +- +active" "the admin"
expect_match "$OUT" "^1 +a07 +chat tool +2024-07-05T02:00Z +active" "the token"
expect_match "$OUT" "^2 +root +- +never +active" "the endless token"
expect_not_in "$OUT" "$tok" "no token text"
expect_not_in "$OUT" "argon2" "no password hash"
hash1=$(sql "SELECT lower(hex(hash)) FROM tokens WHERE id = 1")
expect_not_in "$OUT" "$hash1" "no token hash"

# revoke
k revoke 1
expect_status 0 "revoke"
k list
expect_match "$OUT" "^1 +a07 +chat tool .* revoked" "listed as revoked"
k revoke 1
expect_status 0 "revoking twice"
k revoke 99
expect_status 1 "an unknown token"
expect_in "$ERR" "no token 99" "names the token"
k revoke abc
expect_status 2 "a bad token number"

# passwd and disable
printf 'a-new-password\n' >"$TMP/pw2"
before=$(sql "SELECT pwhash FROM users WHERE name = 'a07'")
run_in "$TMP/pw2" "$KESU" user passwd a07 --password-stdin
expect_status 0 "passwd"
[ "$(sql "SELECT pwhash FROM users WHERE name = 'a07'")" != "$before" ] || fail "the hash did not change"
ok
k passwd a07
expect_status 2 "passwd without --password-stdin"
run_in "$TMP/pw2" "$KESU" user passwd nobody --password-stdin
expect_status 1 "passwd of an unknown user"
k disable a07
expect_status 0 "disable"
k list
expect_match "$OUT" "^a07 .* disabled" "listed as disabled"
k token a07
expect_status 1 "no token for a disabled user"
k disable a07 --enable
expect_status 0 "enable again"
k disable nobody
expect_status 1 "disable an unknown user"

# usage
k frobnicate
expect_status 2 "an unknown command"
k add
expect_status 2 "add without a name"
k list --bogus
expect_status 2 "an unknown option"
run "$KESU" user --help
expect_status 0 "help"
expect_in "$OUT" "kesu user COMMAND" "prints the usage"

done_ok
