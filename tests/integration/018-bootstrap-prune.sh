#!/bin/sh
# Things outside the spec: an extra unit, an extra SCP and an account
# created by hand.  Without --prune they are reported and left alone; with
# --prune the unit and the SCP go, and the account is never removed.
. "$(dirname "$0")/bootstrap/lib.sh"
bt_start
export BT_WORK
bt --yes >"$BT_WORK/apply.out" 2>&1 || { cat "$BT_WORK/apply.out" >&2; fail "first apply failed"; }

"${PYTHON:-python3}" - <<'PY' || fail "cannot add unmanaged things"
import json, os, time, boto3
org = boto3.client("organizations", endpoint_url=os.environ["SIM_URL"], region_name="us-east-1")
root = org.list_roots()["Roots"][0]["Id"]
ou = org.create_organizational_unit(ParentId=root, Name="Legacy")["OrganizationalUnit"]["Id"]
old = org.create_organizational_unit(ParentId=ou, Name="Old")["OrganizationalUnit"]["Id"]
pol = org.create_policy(Name="hand-made", Description="", Type="SERVICE_CONTROL_POLICY",
                        Content=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}))
org.attach_policy(PolicyId=pol["Policy"]["PolicySummary"]["Id"], TargetId=ou)
org.create_account(AccountName="stray", Email="stray@bulwark.test")
time.sleep(1.5)
stray = [a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]
         if a["Email"] == "stray@bulwark.test"][0]
org.move_account(AccountId=stray, SourceParentId=root, DestinationParentId=old)
with open(os.environ["BT_WORK"] + "/ids", "w") as f:
    f.write("%s %s %s\n" % (stray, old, root))
PY

bt --plan >"$BT_WORK/plan.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$BT_WORK/plan.out" >&2; fail "plan exited $rc: unmanaged things are not changes"; }
grep -q "^  ! organizational unit 'Legacy' (.*): --prune removes it once it is empty$" "$BT_WORK/plan.out" ||
	{ cat "$BT_WORK/plan.out" >&2; fail "unmanaged unit not reported"; }
grep -q "^  ! service control policy 'hand-made'" "$BT_WORK/plan.out" || fail "unmanaged SCP not reported"
grep -q "^  ! account 'stray' (.*) <stray@bulwark.test>: bulwark never removes accounts$" "$BT_WORK/plan.out" ||
	{ cat "$BT_WORK/plan.out" >&2; fail "unmanaged account not reported"; }

# The stray account sits in Legacy/Old: --prune leaves both units and says why.
bt --plan --prune >"$BT_WORK/prune.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] || { cat "$BT_WORK/prune.out" >&2; fail "plan --prune exited $rc, not 3"; }
grep -q "^Plan: 0 to create, 0 to update, 1 to remove.$" "$BT_WORK/prune.out" ||
	{ cat "$BT_WORK/prune.out" >&2; fail "plan --prune should remove the SCP only"; }
grep -q "^  ! organizational unit 'Legacy/Old' (.*) holds accounts that are not in the spec" "$BT_WORK/prune.out" ||
	{ cat "$BT_WORK/prune.out" >&2; fail "no reason given for keeping Legacy/Old"; }
bt --yes --prune >"$BT_WORK/apply2.out" 2>&1 || { cat "$BT_WORK/apply2.out" >&2; fail "apply --prune failed"; }

# Moved out, the units go too.
set -- $(cat "$BT_WORK/ids")
"${PYTHON:-python3}" -c "
import os, boto3
org = boto3.client('organizations', endpoint_url=os.environ['SIM_URL'], region_name='us-east-1')
org.move_account(AccountId='$1', SourceParentId='$2', DestinationParentId='$3')" || fail "cannot move the stray account"
bt --plan --prune >"$BT_WORK/prune2.out" 2>&1
grep -q "^Plan: 0 to create, 0 to update, 2 to remove.$" "$BT_WORK/prune2.out" ||
	{ cat "$BT_WORK/prune2.out" >&2; fail "plan --prune should now remove two units"; }
bt --yes --prune >"$BT_WORK/apply3.out" 2>&1 || { cat "$BT_WORK/apply3.out" >&2; fail "second apply --prune failed"; }
out=$(bt --plan --prune 2>&1)
echo "$out" | grep -q "^No changes. The organization matches the spec.$" || { echo "$out" >&2; fail "prune left something"; }
echo "$out" | grep -q "account 'stray'" || fail "the stray account is no longer reported"
[ "$(bt_emails | grep -c stray@bulwark.test)" = 1 ] || fail "the stray account was removed"
echo "ok: unmanaged things reported; --prune kept units holding an unmanaged account, removed them once empty, and removed the SCP; never the account"
