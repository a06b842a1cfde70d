#!/bin/sh
# A member account whose access role no longer trusts the management
# account: bulwark waits a bounded time
# (BULWARK_ASSUME_TIMEOUT) for it, reports that account with the fix, still
# plans and applies the others, and exits 1.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start
bt --yes >"$BT_WORK/apply.out" 2>&1 || { cat "$BT_WORK/apply.out" >&2; fail "first apply failed"; }

"${PYTHON:-python3}" - <<'PY' || fail "cannot break the access role"
import os, boto3
ep = os.environ["SIM_URL"]
org = boto3.client("organizations", endpoint_url=ep, region_name="us-east-1")
accts = {a["Name"]: a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]}
c = boto3.client("sts", endpoint_url=ep, region_name="us-east-1").assume_role(
    RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % accts["it-dev"],
    RoleSessionName="breaker")["Credentials"]
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                   aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
iam.put_role_policy(RoleName="it-auditor", PolicyName="extra", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}')
iam.update_assume_role_policy(RoleName="OrganizationAccountAccessRole", PolicyDocument=
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}')
PY

start=$(date +%s)
BULWARK_ASSUME_TIMEOUT=4 bt --plan >"$BT_WORK/plan.out" 2>"$BT_WORK/plan.err"
rc=$?
secs=$(( $(date +%s) - start ))
[ "$rc" -eq 1 ] || { cat "$BT_WORK/plan.out" "$BT_WORK/plan.err" >&2; fail "plan exited $rc, not 1"; }
grep -q "account 'it-dev': cannot read its baseline: .*cannot assume 'arn:aws:iam::[0-9]*:role/OrganizationAccountAccessRole'" "$BT_WORK/plan.out" ||
	{ cat "$BT_WORK/plan.out" >&2; fail "the unreadable account is not reported in the plan"; }
grep -q "check that the role exists and trusts the management account" "$BT_WORK/plan.err" ||
	{ cat "$BT_WORK/plan.err" >&2; fail "no fix given"; }
grep -q "^Could not be read (not planned):$" "$BT_WORK/plan.out" || fail "no section for what could not be read"
grep -q "^No changes in what could be read; 1 part could not be read (above).$" "$BT_WORK/plan.out" ||
	{ cat "$BT_WORK/plan.out" >&2; fail "the summary does not say the plan is partial"; }
[ "$secs" -lt 20 ] || fail "waited ${secs}s for one broken account"
echo "ok: unreadable account reported after ${secs}s, the others planned"
