#!/bin/sh
# Without a terminal and without --yes, bootstrap shows the plan and
# refuses to apply (exit 2), making no mutating call.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start
if command -v setsid >/dev/null 2>&1; then
	setsid -w "$BULWARK" bootstrap --spec "$SPEC" </dev/null >"$BT_WORK/out" 2>"$BT_WORK/err"
else
	"$BULWARK" bootstrap --spec "$SPEC" </dev/null >"$BT_WORK/out" 2>"$BT_WORK/err"
fi
rc=$?
[ "$rc" -eq 2 ] || { cat "$BT_WORK/err" >&2; fail "exit status $rc, not 2"; }
grep -q "run with --yes" "$BT_WORK/err" || { cat "$BT_WORK/err" >&2; fail "no hint about --yes"; }
grep -q "^Plan: " "$BT_WORK/out" || fail "the plan was not shown"
[ "$(sim_log_count mutating=true)" = 0 ] || fail "mutating calls without confirmation"
echo "ok: refused without a terminal"
