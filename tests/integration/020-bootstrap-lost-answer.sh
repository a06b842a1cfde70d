#!/bin/sh
# CreateAccount whose answer is lost: the server acts late, after bulwark's
# request has timed out.  bulwark must not end with two accounts: it looks
# for the account and for an in-flight request before asking again, and a
# second request refused with EMAIL_ALREADY_EXISTS is recognised as its own.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start
sim_knobs '{"stall_seconds": 5,
	    "inject": [{"service": "organizations", "operation": "CreateAccount",
			"kind": "stall", "count": 1}]}' >/dev/null || fail "knobs"

BULWARK_HTTP_TIMEOUT=2 bt --yes >"$BT_WORK/apply.out" 2>&1 ||
	{ cat "$BT_WORK/apply.out" >&2; fail "apply with a lost CreateAccount answer failed"; }
[ "$(sim_log_count injected=stall)" = 1 ] || fail "the stall was not injected"
calls=$(sim_log_count operation=CreateAccount)
[ "$calls" -ge 3 ] || fail "only $calls CreateAccount calls"
bt_check_converged
echo "ok: one account each after a lost CreateAccount answer ($calls CreateAccount calls)"
