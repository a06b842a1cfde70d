#!/bin/sh
# Drift inside a converged organization: a changed inline policy, an extra
# inline policy, a longer session, a detached guardrail and a removed
# password policy.  The plan shows each (with a diff for the document),
# exits 3, and apply puts everything back.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start
bt --yes >"$BT_WORK/apply.out" 2>&1 || { cat "$BT_WORK/apply.out" >&2; fail "first apply failed"; }

"${PYTHON:-python3}" - <<'PY' || fail "cannot make drift"
import json, os, boto3
ep = os.environ["SIM_URL"]
org = boto3.client("organizations", endpoint_url=ep, region_name="us-east-1")
accts = {a["Name"]: a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]}
sts = boto3.client("sts", endpoint_url=ep, region_name="us-east-1")
c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % accts["it-prod"],
                    RoleSessionName="drift")["Credentials"]
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                   aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
iam.put_role_policy(RoleName="it-auditor", PolicyName="audit", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Sid": "ReadConfiguration", "Effect": "Allow",
    "Action": ["iam:Get*", "iam:List*", "s3:*"], "Resource": "*"}]}))
iam.put_role_policy(RoleName="it-operator", PolicyName="extra", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}))
iam.update_role(RoleName="it-operator", MaxSessionDuration=7200)
iam.delete_account_password_policy()
# The simulator pages every list (pages of 2): follow them all.
pol = [p for page in org.get_paginator("list_policies").paginate(Filter="SERVICE_CONTROL_POLICY")
       for p in page["Policies"] if p["Name"] == "it-deny-leave"][0]
root = org.list_roots()["Roots"][0]["Id"]
org.detach_policy(PolicyId=pol["Id"], TargetId=root)
org.tag_resource(ResourceId=accts["it-prod"], Tags=[{"Key": "CostCenter", "Value": "other"}])
PY

bt --plan >"$BT_WORK/plan.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] || { cat "$BT_WORK/plan.out" >&2; fail "plan with drift exited $rc, not 3"; }
for line in \
	"  + attach 'it-deny-leave' to Root" \
	"  ~ inline policy 'audit' of role 'it-auditor'" \
	"  - inline policy 'extra' of role 'it-operator'" \
	"  ~ settings of role 'it-operator'" \
	"  + password policy (minimum length 16)" \
	"  ~ tags of account 'it-prod' (*)"; do
	case $line in
	*"(*)") grep -q "^${line%(\*)}(" "$BT_WORK/plan.out" ;;
	*) grep -qxF "$line" "$BT_WORK/plan.out" ;;
	esac || { cat "$BT_WORK/plan.out" >&2; fail "plan lacks: $line"; }
done
grep -q '^ *- .*"s3:\*"' "$BT_WORK/plan.out" || { cat "$BT_WORK/plan.out" >&2; fail "no diff under the policy update"; }
grep -q "^Plan: 2 to create, 3 to update, 1 to remove.$" "$BT_WORK/plan.out" ||
	{ cat "$BT_WORK/plan.out" >&2; fail "wrong summary"; }
bt --yes >"$BT_WORK/apply2.out" 2>&1 || { cat "$BT_WORK/apply2.out" >&2; fail "apply of the drift failed"; }
bt_check_converged
echo "ok: drift planned with a diff and corrected"
