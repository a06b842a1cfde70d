#!/bin/sh
# Ctrl-C during apply: bulwark finishes the calls in flight, keeps the
# state, exits 130, and the next run converges.  Then credentials of a
# member account: bootstrap refuses (exit 2) and names the account to use.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start

"$BULWARK" bootstrap --spec "$SPEC" --no-progress --yes >"$BT_WORK/int.out" 2>&1 &
pid=$!
sleep 1.2
kill -INT "$pid"
wait "$pid"
int_rc=$?
rc=$int_rc
if [ "$rc" -ne 130 ]; then
	# It may have finished before the signal on a fast machine.
	[ "$rc" -eq 0 ] || { cat "$BT_WORK/int.out" >&2; fail "interrupted apply exited $rc, not 130"; }
	echo "note: apply finished before the interrupt" >&2
else
	grep -q "interrupted" "$BT_WORK/int.out" || { cat "$BT_WORK/int.out" >&2; fail "no word about the interrupt"; }
fi
bt --yes >"$BT_WORK/rerun.out" 2>&1 || { cat "$BT_WORK/rerun.out" >&2; fail "rerun after Ctrl-C failed"; }
bt_check_converged

creds=$("${PYTHON:-python3}" - <<'PY'
import os, boto3
ep = os.environ["SIM_URL"]
org = boto3.client("organizations", endpoint_url=ep, region_name="us-east-1")
acct = [a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]
        if a["Name"] == "it-dev"][0]
c = boto3.client("sts", endpoint_url=ep, region_name="us-east-1").assume_role(
    RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acct,
    RoleSessionName="member")["Credentials"]
print(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], acct)
PY
) || fail "cannot assume into a member account"
set -- $creds
out=$(AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 AWS_SESSION_TOKEN=$3 bt --plan 2>&1)
rc=$?
[ "$rc" -eq 2 ] || { echo "$out" >&2; fail "bootstrap from a member account exited $rc, not 2"; }
echo "$out" | grep -q "credentials are for account $4, a member of organization" ||
	{ echo "$out" >&2; fail "no clear refusal for a member account"; }
echo "ok: Ctrl-C exited $int_rc and the rerun converged; a member account is refused"
