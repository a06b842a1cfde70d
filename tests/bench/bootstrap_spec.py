"""Write the spec matching a /_sim/seed answer (read on stdin) into DIR.

The seeded organization has units Workloads/Blue and Workloads/Green, one
SCP bench-deny-leave on the root and in every member account the role
bench-reader trusting the management account: the spec says exactly that,
so `bulwark bootstrap --plan` has nothing to do.
"""
import json
import os
import sys

out = sys.argv[1]
seed = json.load(sys.stdin)
os.makedirs(os.path.join(out, "policies"), exist_ok=True)
with open(os.path.join(out, "policies", "deny-leave.json"), "w") as f:
    json.dump({"Version": "2012-10-17",
               "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization",
                              "Resource": "*"}]}, f)
with open(os.path.join(out, "policies", "trust.json"), "w") as f:
    json.dump({"Version": "2012-10-17",
               "Statement": [{"Effect": "Allow",
                              "Principal": {"AWS": "arn:aws:iam::${management_account_id}:root"},
                              "Action": "sts:AssumeRole"}]}, f)
lines = [
    "version: 1",
    "organization:",
    "  feature_set: ALL",
    "  default_region: us-east-1",
    "  allowed_regions: [us-east-1]",
    "units:",
    "  - Workloads/Blue",
    "  - Workloads/Green",
    "guardrails:",
    "  - name: bench-deny-leave",
    "    file: policies/deny-leave.json",
    "    attach: [Root]",
    "baselines:",
    "  - name: bench",
    "    roles:",
    "      - name: bench-reader",
    "        trust: { file: policies/trust.json }",
    "accounts:",
]
for a in seed["accounts"]:
    unit = "Root" if a["ou"] == "root" else a["ou"]
    lines += ["  - name: " + a["name"], "    email: " + a["email"], "    unit: " + unit,
              "    environment: dev", "    baseline: bench"]
with open(os.path.join(out, "org.yaml"), "w") as f:
    f.write("\n".join(lines) + "\n")

# The seed leaves service control policies disabled on the root; AWS has
# them on in any organization that uses guardrails.
import boto3  # noqa: E402
org = boto3.client("organizations", endpoint_url=os.environ["SIM_URL"], region_name="us-east-1")
try:
    org.enable_policy_type(RootId=seed["root_id"], PolicyType="SERVICE_CONTROL_POLICY")
except org.exceptions.PolicyTypeAlreadyEnabledException:
    pass
