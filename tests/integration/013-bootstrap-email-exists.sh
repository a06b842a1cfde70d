#!/bin/sh
# CreateAccount fails with EMAIL_ALREADY_EXISTS for one account: bulwark
# says so in plain words with the fix, finishes the others, and exits 1.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start
sim_knobs '{"fail_emails": "^it\\+prod@", "fail_reason": "EMAIL_ALREADY_EXISTS"}' >/dev/null ||
	fail "cannot set knobs"

bt --yes >"$BT_WORK/out" 2>"$BT_WORK/err"
rc=$?
[ "$rc" -eq 1 ] || { cat "$BT_WORK/out" "$BT_WORK/err" >&2; fail "exit status $rc, not 1"; }
grep -q "cannot create account 'it-prod': the email 'it+prod@bulwark.test' is already used by another AWS account; choose another email for account 'it-prod' in the spec" "$BT_WORK/err" ||
	{ cat "$BT_WORK/err" >&2; fail "no plain explanation of EMAIL_ALREADY_EXISTS"; }
out=$(bt --plan 2>&1)
echo "$out" | grep -q "^  + account 'it-prod'" || fail "it-prod should still be planned"
echo "$out" | grep -q "^  + account 'it-dev'" && fail "it-dev should have been created"
echo "ok: EMAIL_ALREADY_EXISTS explained; the other accounts were created"
