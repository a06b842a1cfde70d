"""Direct access to moto's in-process backends for the simulator.

The realism layer (layer.py) talks HTTP to moto for everything a client does;
this module holds the few things done behind moto's back: loading a small set
of AWS managed policies cheaply, creating the strict-mode users and keys,
finding who owns an access key, and seeding a large organization in one go.
"""

import json
import threading
import time

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam import models as iam_models
from moto.iam.models import AWSManagedPolicy, iam_backends
from moto.organizations.models import organizations_backends
from moto.sts.models import sts_backends

MGMT_ACCOUNT = DEFAULT_ACCOUNT_ID
PARTITION = "aws"

# AWS managed policies every IAM backend gets.  moto either loads none of them
# (the default) or all ~1,200 into every account, which makes an account cost
# tens of milliseconds; bulwark and the tests only need these.
MANAGED_POLICIES = [
    "AdministratorAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "SecurityAudit",
    "ViewOnlyAccess",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
    "AWSOrganizationsFullAccess",
    "AWSOrganizationsReadOnlyAccess",
    "SecretsManagerReadWrite",
    "AWSBillingReadOnlyAccess",
    "job-function/Billing",
    "job-function/SupportUser",
]

_managed_data = None
_managed_lock = threading.Lock()


def _managed_policy_data():
    global _managed_data
    with _managed_lock:
        if _managed_data is None:
            from moto.iam.aws_managed_policies import aws_managed_policies_data

            everything = json.loads(aws_managed_policies_data)
            _managed_data = {}
            for name in MANAGED_POLICIES:
                short = name.split("/")[-1]
                if short in everything:
                    _managed_data[short] = everything[short]
        return _managed_data


def install_managed_policy_subset(names=None):
    """Make every IAM backend start with the chosen AWS managed policies."""
    global MANAGED_POLICIES
    if names is not None:
        MANAGED_POLICIES = list(names)

    def _init_aws_policies(self):
        return [
            AWSManagedPolicy.from_data(name, self.account_id, self.region_name, d)
            for name, d in _managed_policy_data().items()
        ]

    iam_models.IAMBackend._init_aws_policies = _init_aws_policies


def iam(account):
    return iam_backends[account][PARTITION]


def orgs(account=MGMT_ACCOUNT):
    return organizations_backends[account][PARTITION]


def caller_of(access_key):
    """Return (account, arn) owning access_key, or None when moto does not know it."""
    for account_id, parts in list(iam_backends.items()):
        backend = parts.get(PARTITION)
        if backend is None:
            continue
        key = backend.access_keys.get(access_key)
        if key is None:
            continue
        if key.role_arn:
            sts = sts_backends[account_id][PARTITION]
            role = sts.get_assumed_role_from_access_key(access_key)
            if role is not None:
                return account_id, role.arn
            return account_id, key.role_arn
        if key.user_name:
            return account_id, f"arn:aws:iam::{account_id}:user/{key.user_name}"
        return account_id, f"arn:aws:iam::{account_id}:root"
    return None


def _make_user(account, name, policy_arns, saved=None):
    backend = iam(account)
    backend.create_user(region_name="us-east-1", user_name=name)
    for arn in policy_arns:
        backend.attach_user_policy(arn, name)
    key = backend.create_access_key(name)
    if saved:
        # Keep the credentials the test was given across a reset.
        del backend.access_keys[key.access_key_id]
        key.access_key_id, key.secret_access_key = saved
        backend.access_keys[key.access_key_id] = key
    return key.access_key_id, key.secret_access_key


def make_strict_users(saved=None):
    """Create the management account's admin user and a user without rights.

    Returns {"admin": (akid, secret), "noperm": (akid, secret)}.  saved, when
    given, is a previous result whose keys are reused.
    """
    saved = saved or {}
    admin = _make_user(
        MGMT_ACCOUNT,
        "sim-admin",
        ["arn:aws:iam::aws:policy/AdministratorAccess"],
        saved.get("admin"),
    )
    noperm = _make_user(MGMT_ACCOUNT, "sim-noperm", [], saved.get("noperm"))
    return {"admin": admin, "noperm": noperm}


def ensure_access_role(account, role_name):
    """Give the role CreateAccount made the AdministratorAccess AWS attaches."""
    backend = iam(account)
    try:
        backend.get_role(role_name)
    except Exception:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{MGMT_ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        backend.create_role(
            role_name=role_name,
            assume_role_policy_document=json.dumps(trust),
            path="/",
            permissions_boundary=None,
            description="",
            tags=[],
            max_session_duration="3600",
        )
    try:
        backend.attach_role_policy(
            "arn:aws:iam::aws:policy/AdministratorAccess", role_name
        )
    except Exception:
        pass


def hide_account(account_obj):
    """Take an account out of moto's organization; return how to restore it."""
    backend = orgs()
    if account_obj in backend.accounts:
        backend.accounts.remove(account_obj)
    for policy in backend.policies:
        if account_obj in policy.attachments:
            policy.attachments.remove(account_obj)
    master = organizations_backends.master_accounts.pop(account_obj.id, None)
    return master


def show_account(account_obj, master):
    backend = orgs()
    backend.accounts.append(account_obj)
    for policy in account_obj.attached_policies:
        if account_obj not in policy.attachments:
            policy.attachments.append(account_obj)
    if master is not None:
        organizations_backends.master_accounts[account_obj.id] = master


def find_account(account_id):
    for acc in orgs().accounts:
        if acc.id == account_id:
            return acc
    return None


def _trust(principal):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def seed(spec):
    """Create an organization with spec["accounts"] members straight in moto.

    spec keys (all optional): accounts (int), ous (list of "A" or "A/B" paths),
    baseline_roles (list of names or {"name","policies":[arn],"trust":doc}),
    scps (list of {"name","content","targets":[ou path|"root"]}),
    email_domain, name_prefix, access_role.
    """
    t0 = time.monotonic()
    n = int(spec.get("accounts", 0))
    domain = spec.get("email_domain", "example.test")
    prefix = spec.get("name_prefix", "member")
    access_role = spec.get("access_role", "OrganizationAccountAccessRole")
    backend = orgs()
    if backend.org is None:
        backend.create_organization(region="us-east-1", FeatureSet="ALL")
    root_id = backend.org.root_id

    ou_ids = {"root": root_id}
    for path in spec.get("ous", []):
        parent = root_id
        walked = []
        for part in path.split("/"):
            walked.append(part)
            key = "/".join(walked)
            if key not in ou_ids:
                existing = next(
                    (
                        ou
                        for ou in backend.ou
                        if getattr(ou, "parent_id", None) == parent and ou.name == part
                    ),
                    None,
                )
                if existing is None:
                    ou_ids[key] = backend.create_organizational_unit(
                        Name=part, ParentId=parent
                    )["OrganizationalUnit"]["Id"]
                else:
                    ou_ids[key] = existing.id
            parent = ou_ids[key]
    leaves = [p for p in ou_ids if p != "root" and not any(
        q.startswith(p + "/") for q in ou_ids)] or ["root"]

    scps = []
    for scp in spec.get("scps", []):
        content = scp.get("content") or {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization",
                           "Resource": "*"}],
        }
        if not isinstance(content, str):
            content = json.dumps(content)
        pol = backend.create_policy(
            Name=scp["name"],
            Description=scp.get("description", ""),
            Content=content,
            Type="SERVICE_CONTROL_POLICY",
        )["Policy"]["PolicySummary"]
        for target in scp.get("targets", []):
            backend.attach_policy(PolicyId=pol["Id"], TargetId=ou_ids[target])
        scps.append({"name": scp["name"], "id": pol["Id"]})

    roles = []
    for r in spec.get("baseline_roles", []):
        if isinstance(r, str):
            r = {"name": r}
        roles.append(r)

    accounts = []
    start = len(backend.accounts)
    for i in range(n):
        name = f"{prefix}-{start + i:04d}"
        status = backend.create_account(
            AccountName=name, Email=f"{name}@{domain}", RoleName=access_role
        )["CreateAccountStatus"]
        acct = status["AccountId"]
        ou = leaves[i % len(leaves)]
        if ou != "root":
            backend.move_account(
                AccountId=acct, SourceParentId=root_id, DestinationParentId=ou_ids[ou]
            )
        ensure_access_role(acct, access_role)
        ib = iam(acct)
        for r in roles:
            ib.create_role(
                role_name=r["name"],
                assume_role_policy_document=r.get("trust")
                if isinstance(r.get("trust"), str)
                else json.dumps(r["trust"]) if r.get("trust")
                else _trust(f"arn:aws:iam::{MGMT_ACCOUNT}:root"),
                path="/",
                permissions_boundary=None,
                description="",
                tags=[],
                max_session_duration="3600",
            )
            for arn in r.get("policies", []):
                ib.attach_role_policy(arn, r["name"])
        accounts.append({"id": acct, "name": name, "email": f"{name}@{domain}", "ou": ou})

    return {
        "organization_id": backend.org.id,
        "root_id": root_id,
        "management_account": MGMT_ACCOUNT,
        "ous": ou_ids,
        "scps": scps,
        "accounts": accounts,
        "elapsed_ms": round((time.monotonic() - t0) * 1000, 1),
    }
