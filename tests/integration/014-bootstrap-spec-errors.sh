#!/bin/sh
# A spec with several errors: every one reported at once with file:line:col,
# exit status 2, and not a single call to AWS.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start
cat >"$BT_WORK/bad.yaml" <<'YAML'
version: 1
organization:
  feature_set: ALL
  default_region: us-east-1
units:
  - Workloads
accounts:
  - name: one
    emial: one@bulwark.test
    unit: Workloads
  - name: two
    email: two@bulwark.test
    unit: Nowhere
guardrails:
  - name: g
    file: policies/missing.json
    attach: [Root]
YAML
"$BULWARK" bootstrap --spec "$BT_WORK/bad.yaml" --plan >"$BT_WORK/out" 2>"$BT_WORK/err"
rc=$?
[ "$rc" -eq 2 ] || { cat "$BT_WORK/err" >&2; fail "exit status $rc, not 2"; }
n=$(grep -Ec "bad\.yaml:[0-9]+:[0-9]+: error: " "$BT_WORK/err")
[ "$n" -ge 3 ] || { cat "$BT_WORK/err" >&2; fail "only $n errors reported, expected at least 3"; }
grep -q "bad.yaml:9:" "$BT_WORK/err" || { cat "$BT_WORK/err" >&2; fail "the misspelt key on line 9 is not reported"; }
[ "$(sim_log_count)" = 0 ] || fail "$(sim_log_count) calls were made with an invalid spec"
echo "ok: $n errors reported at once, no call made"
