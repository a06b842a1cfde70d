#!/bin/sh
# kill -9 at a random point during apply, then a rerun: the same end state
# and no duplicate account (the pending CreateAccount is in the state file,
# or found again by its email or by ListCreateAccountStatus).
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start

rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' \n'; }

# First a kill while the accounts are being created (4 s each here): the
# request ids are in the state file, and the next run waits for those
# requests instead of creating the accounts again.
sim_knobs '{"create_account_seconds": 4}' >/dev/null || fail "knobs"
"$BULWARK" bootstrap --spec "$SPEC" --no-progress --yes >"$BT_WORK/killed.out" 2>&1 &
pid=$!
n=0
while [ "$n" -lt 100 ] && ! grep -q '"request_id"' "$SPEC.state.json" 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
grep -q '"request_id"' "$SPEC.state.json" || fail "no pending request in the state file"
[ "$(stat -c %a "$SPEC.state.json")" = 600 ] || fail "the state file is not mode 0600"
bt --plan >"$BT_WORK/plan.out" 2>&1
grep -q "(creation in progress, request " "$BT_WORK/plan.out" ||
	{ cat "$BT_WORK/plan.out" "$SPEC.state.json" >&2; fail "the plan does not pick up the pending request"; }
bt --yes >"$BT_WORK/rerun.out" 2>&1 || { cat "$BT_WORK/rerun.out" >&2; fail "rerun after kill during creation failed"; }
bt_check_converged
[ "$(sim_log_count operation=CreateAccount)" = 3 ] || fail "$(sim_log_count operation=CreateAccount) CreateAccount calls for 3 accounts"
echo "ok: killed while waiting for the accounts; the rerun resumed the pending requests"
sim_knobs '{"create_account_seconds": 1}' >/dev/null || fail "knobs"

for delay_ms in $((300 + $(rnd) % 500)) $((900 + $(rnd) % 900)) $((1800 + $(rnd) % 1500)); do
	echo "killing at ${delay_ms} ms"	# shown with any failure below
	sim_reset >/dev/null || fail "reset"
	rm -f "$SPEC.state.json"
	"$BULWARK" bootstrap --spec "$SPEC" --no-progress --yes >"$BT_WORK/killed.out" 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	bt --yes >"$BT_WORK/rerun.out" 2>&1 || { cat "$BT_WORK/rerun.out" >&2; fail "rerun after kill at ${delay_ms} ms failed"; }
	bt_check_converged
	echo "ok: killed at ${delay_ms} ms, rerun converged ($(grep -c . "$SPEC.state.json" 2>/dev/null || echo 0) state lines)"
done
