#!/bin/sh
# kill -9 at a random point during apply, then a rerun: the same end state
# and no duplicate account (the pending CreateAccount is in the state file,
# or found again by its email or by ListCreateAccountStatus).
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start

rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' \n'; }

for delay_ms in $((300 + $(rnd) % 500)) $((900 + $(rnd) % 900)) $((1800 + $(rnd) % 1500)); do
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
