#!/bin/sh
# A fresh organization: the plan, the apply, and a second run that finds
# nothing to do and makes no mutating call.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start

out=$(bt --plan 2>&1)
rc=$?
[ "$rc" -eq 3 ] || { echo "$out" >&2; fail "plan on a fresh organization exited $rc, not 3"; }
echo "$out" | grep -q "^  + organization (feature set ALL)" || fail "plan does not create the organization"
echo "$out" | grep -q "^  + account 'it-prod' <it+prod@bulwark.test> in 'Workloads/Prod'$" ||
	fail "plan does not create it-prod"
echo "$out" | grep -q "^Account 'it-dev' (new):$" || fail "plan has no section for it-dev"
echo "$out" | grep -Eq "^Plan: [0-9]+ to create, 0 to update, 0 to remove\.$" || fail "no summary line"
[ "$(sim_log_count mutating=true)" = 0 ] || fail "--plan made a mutating call"

bt --yes >"$BT_WORK/apply.out" 2>&1 || { cat "$BT_WORK/apply.out" >&2; fail "apply failed"; }
grep -q "0 failed, 0 not started" "$BT_WORK/apply.out" || fail "apply summary"
bt_check_converged

before=$(sim_log_count mutating=true)
out=$(bt --yes 2>&1) || { echo "$out" >&2; fail "second apply failed"; }
echo "$out" | grep -q "^No changes. The organization matches the spec.$" || fail "second run changed something"
after=$(sim_log_count mutating=true)
[ "$before" = "$after" ] || fail "second run made $((after - before)) mutating calls"
echo "ok: converged; second run: no changes, $(($(sim_log_count) - 0)) calls in all, 0 mutating"
