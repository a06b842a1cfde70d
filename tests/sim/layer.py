"""The realism layer: WSGI middleware that sits in front of moto's server app.

moto answers every AWS call; this layer only adds what moto lacks and bulwark
must cope with in AWS: latency, throttling, injected faults, the asynchronous
account lifecycle, AssumeRole's eventual consistency and trust policies,
small pages, a JSON request log and a control endpoint (/_sim/).  It never
invents a service: each answer is moto's, delayed, paged, hidden or replaced
by the error AWS would send in the service's own protocol.
"""

import base64
import copy
import fnmatch
import io
import json
import math
import random
import re
import socket
import struct
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import EnvironHeaders

import backends
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import _RESTError

JSON_SERVICES = {"organizations", "secretsmanager"}
QUERY_NS = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}

DEFAULT_KNOBS = {
    "latency": "0",
    "latency_seed": 1,
    "throttle": {},
    "faults": {"500": 0.0, "503": 0.0, "reset": 0.0, "stall": 0.0},
    "fault_seed": 1,
    "fault_services": [],
    "stall_seconds": 30.0,
    "inject": [],
    "create_account_seconds": 0.0,
    "fail_emails": "",
    "fail_reason": "EMAIL_ALREADY_EXISTS",
    "close_account_seconds": 0.0,
    "consistency_seconds": 0.0,
    "page_size": 0,
    "check_trust": True,
    "enforce_scps": False,
}

FAIL_REASONS = {
    "EMAIL_ALREADY_EXISTS",
    "ACCOUNT_LIMIT_EXCEEDED",
    "CONCURRENT_ACCOUNT_MODIFICATION",
    "INVALID_EMAIL",
    "INTERNAL_FAILURE",
}

# Operations the layer pages itself when page_size > 0:
# (service, operation) -> result key.  IAM uses Marker/MaxItems/IsTruncated,
# the JSON services NextToken/MaxResults.
PAGED = {
    ("organizations", "ListAccounts"): "Accounts",
    ("organizations", "ListAccountsForParent"): "Accounts",
    ("organizations", "ListOrganizationalUnitsForParent"): "OrganizationalUnits",
    ("organizations", "ListChildren"): "Children",
    ("organizations", "ListRoots"): "Roots",
    ("organizations", "ListPolicies"): "Policies",
    ("organizations", "ListPoliciesForTarget"): "Policies",
    ("organizations", "ListTargetsForPolicy"): "Targets",
    ("organizations", "ListTagsForResource"): "Tags",
    ("secretsmanager", "ListSecrets"): "SecretList",
    ("secretsmanager", "ListSecretVersionIds"): "Versions",
    ("iam", "ListRoles"): "Roles",
    ("iam", "ListUsers"): "Users",
    ("iam", "ListPolicies"): "Policies",
    ("iam", "ListRolePolicies"): "PolicyNames",
    ("iam", "ListAttachedRolePolicies"): "AttachedPolicies",
    ("iam", "ListUserPolicies"): "PolicyNames",
    ("iam", "ListAttachedUserPolicies"): "AttachedPolicies",
    ("iam", "ListRoleTags"): "Tags",
    ("iam", "ListPolicyVersions"): "Versions",
    ("iam", "ListAccessKeys"): "AccessKeyMetadata",
    ("iam", "ListAccountAliases"): "AccountAliases",
}
# What each service accepts as a page size when the layer fetches everything.
INTERNAL_PAGE = {"organizations": 1000, "secretsmanager": 100, "iam": 1000}

_tls = threading.local()
_orig_auth = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _auth_unless_internal(self, iam_request_cls, resource="*"):
    # The layer's own follow-up calls (fetching every page) were already
    # authorized as the client's original request; moto must not re-check a
    # body the layer rewrote.
    if getattr(_tls, "skip_auth", False):
        return None
    return _orig_auth(self, iam_request_cls, resource)


ActionAuthenticatorMixin._authenticate_and_authorize_action = _auth_unless_internal


def parse_throttle(spec):
    """'organizations=1/2,iam=5/10,*=20/40' -> {svc: {"rate":1,"burst":2}}."""
    if isinstance(spec, dict):
        out = {}
        for svc, v in spec.items():
            if isinstance(v, str):
                rate, _, burst = v.partition("/")
                v = {"rate": float(rate), "burst": float(burst or rate)}
            out[svc] = {"rate": float(v["rate"]), "burst": float(v.get("burst", v["rate"]))}
        return out
    out = {}
    for part in filter(None, (spec or "").split(",")):
        svc, _, v = part.partition("=")
        rate, _, burst = v.partition("/")
        out[svc.strip()] = {"rate": float(rate), "burst": float(burst or rate)}
    return out


def parse_faults(spec):
    """'500=0.01,503=0.01,reset=0.005,stall=0.001' -> dict of rates."""
    if isinstance(spec, dict):
        faults = dict(DEFAULT_KNOBS["faults"])
        faults.update({k: float(v) for k, v in spec.items()})
        return faults
    faults = dict(DEFAULT_KNOBS["faults"])
    for part in filter(None, (spec or "").split(",")):
        k, _, v = part.partition("=")
        if k not in faults:
            raise ValueError(f"unknown fault kind '{k}'")
        faults[k] = float(v)
    return faults


def parse_latency(spec):
    """Check a latency spec: N | fixed:N | uniform:A:B | normal:MEAN:SD | lognormal:MEDIAN:SIGMA (ms)."""
    parts = str(spec).split(":")
    if len(parts) == 1:
        return ("fixed", float(parts[0]))
    kind = parts[0]
    nums = [float(x) for x in parts[1:]]
    if kind == "fixed" and len(nums) == 1:
        return ("fixed", nums[0])
    if kind in ("uniform", "normal", "lognormal") and len(nums) == 2:
        return (kind, nums[0], nums[1])
    raise ValueError(f"bad latency spec '{spec}'")


def normalize_knobs(k):
    k = dict(k)
    parse_latency(k["latency"])
    k["throttle"] = parse_throttle(k["throttle"])
    k["faults"] = parse_faults(k["faults"])
    if k["fail_reason"] not in FAIL_REASONS:
        raise ValueError(f"unknown fail_reason '{k['fail_reason']}'")
    re.compile(k["fail_emails"] or "x")
    for name in ("create_account_seconds", "close_account_seconds",
                 "consistency_seconds", "stall_seconds"):
        k[name] = float(k[name])
    k["page_size"] = int(k["page_size"])
    k["check_trust"] = bool(k["check_trust"])
    k["enforce_scps"] = bool(k["enforce_scps"])
    if isinstance(k["fault_services"], str):
        k["fault_services"] = [s for s in k["fault_services"].split(",") if s]
    return k


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def is_mutating(service, op):
    if service == "sts":
        return False
    return not op.startswith(("Get", "List", "Describe", "BatchGet"))


class Request:
    """What the layer needs to know about one AWS call."""

    def __init__(self, environ, body):
        self.environ = environ
        self.body = body
        self.headers = EnvironHeaders(environ)
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/", auth)
        self.access_key = m.group(1) if m else None
        self.region = m.group(2) if m else "us-east-1"
        self.service = m.group(3) if m else self._service_from_host()
        target = self.headers.get("X-Amz-Target", "")
        self.json = None
        self.form = None
        if target:
            self.operation = target.rsplit(".", 1)[-1]
            try:
                self.json = json.loads(body or b"{}")
            except ValueError:
                self.json = {}
        else:
            # Query protocol: parameters in the query string, the form body, or both.
            self.form = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
            if body:
                self.form.update(parse_qsl(body.decode("utf-8", "replace"),
                                           keep_blank_values=True))
            self.operation = self.form.get("Action", "")
        if self.service is None:
            self.service = "unknown"
        self.protocol = "json" if target else "query"

    def _service_from_host(self):
        host = self.headers.get("Host", "")
        first = host.split(".")[0]
        return first if first.isalpha() else None

    def param(self, name, default=None):
        if self.json is not None:
            return self.json.get(name, default)
        return self.form.get(name, default)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def error_code(self):
        if self.status < 400:
            return None
        body = self.body.decode("utf-8", "replace")
        if body.lstrip().startswith("{"):
            try:
                t = json.loads(body).get("__type", "")
                return t.split("#")[-1] or None
            except ValueError:
                return None
        m = re.search(r"<Code>([^<]*)</Code>", body)
        return m.group(1) if m else self.header("x-amzn-ErrorType")


def error_response(service, protocol, status, code, message, extra=None, fault="Sender"):
    rid = str(uuid.uuid4())
    if protocol == "json" or service in JSON_SERVICES:
        doc = {"__type": code, "Message": message}
        doc.update(extra or {})
        return Response(status, [("Content-Type", "application/x-amz-json-1.1"),
                                 ("x-amzn-RequestId", rid)], json.dumps(doc).encode())
    ns = QUERY_NS.get(service, "https://%s.amazonaws.com/doc/" % service)
    esc = (message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    body = (f'<ErrorResponse xmlns="{ns}"><Error><Type>{fault}</Type><Code>{code}</Code>'
            f"<Message>{esc}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>")
    return Response(status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)],
                    body.encode())


def throttle_error(req):
    if req.service == "organizations":
        return error_response(req.service, req.protocol, 400, "TooManyRequestsException",
                              "You have sent too many requests in too short a period of time. "
                              "The quota helps protect against denial-of-service attacks. "
                              "Try again later.", {"Type": "TooManyRequests"})
    if req.protocol == "json":
        return error_response(req.service, req.protocol, 400, "ThrottlingException",
                              "Rate exceeded")
    return error_response(req.service, req.protocol, 400, "Throttling", "Rate exceeded")


def server_error(req, status):
    if status == 503:
        return error_response(req.service, req.protocol, 503, "ServiceUnavailable",
                              "Service is unavailable. Please try again later.",
                              fault="Receiver")
    code = {"organizations": "ServiceException", "secretsmanager": "InternalServiceError",
            "iam": "ServiceFailure"}.get(req.service, "InternalFailure")
    return error_response(req.service, req.protocol, 500, code,
                          "We encountered an internal error. Please try again.",
                          fault="Receiver")


class Layer:
    def __init__(self, app, knobs=None, log_path=None, strict=False, on_reset=None):
        self.app = app
        self.startup_knobs = normalize_knobs({**DEFAULT_KNOBS, **(knobs or {})})
        self.strict = strict
        self.on_reset = on_reset
        self.moto_lock = threading.RLock()
        self.lock = threading.RLock()
        self.stop = threading.Event()
        self.aborted = set()  # id() of sockets to close with RST (server.py)
        self.log_lock = threading.Lock()
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.set_knobs(self.startup_knobs, replace=True)
        self._reset_state()

    # -- state -------------------------------------------------------------

    def _reset_state(self):
        with self.lock:
            self.clock_offset = 0.0
            self.buckets = {}
            self.pending = {}       # create request id -> record
            self.visible_at = {}    # account id -> time it became visible
            self.closing = {}       # account id -> (FakeAccount, ready time)
            self.role_created = {}  # (account, role name) -> time
            self.callers = {}
            self.stats = {"requests": 0, "by_operation": {}, "by_status": {}, "injected": {}}

    def set_knobs(self, update, replace=False):
        with self.lock:
            merged = dict(DEFAULT_KNOBS if replace else self.knobs)
            merged.update(update)
            merged = normalize_knobs(merged)
            old = getattr(self, "knobs", {})
            self.knobs = merged
            if replace or merged["latency_seed"] != old.get("latency_seed") \
                    or merged["latency"] != old.get("latency"):
                self.latency_rng = random.Random(merged["latency_seed"])
            if replace or merged["fault_seed"] != old.get("fault_seed") \
                    or merged["faults"] != old.get("faults"):
                self.fault_rng = random.Random(merged["fault_seed"])
            if merged["throttle"] != old.get("throttle"):
                self.buckets = {}
            self.knobs["inject"] = [dict(x) for x in merged["inject"]]
            return copy.deepcopy(self.knobs)

    def now(self):
        return time.monotonic() + self.clock_offset

    # -- WSGI --------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sim/"):
            resp = self.control(environ, path)
            return self._send(start_response, resp)
        if path.startswith("/moto-api"):
            if path.rstrip("/") == "/moto-api/reset" and environ["REQUEST_METHOD"] == "POST":
                self.reset()
                return self._send(start_response, Response(
                    200, [("Content-Type", "application/json")], b'{"status": "ok"}'))
            return self.app(environ, start_response)

        body = self._read_body(environ)
        req = Request(environ, body)
        t0 = time.monotonic()
        self.tick()
        account, caller = self.identify(req.access_key)
        injected = None
        resp = None

        kind = self._pick_fault(req, account)
        if kind == "throttle":
            injected, resp = "throttle", throttle_error(req)
        elif kind in ("500", "503"):
            injected, resp = kind, server_error(req, int(kind))
        elif kind == "reset":
            self._log(req, account, caller, None, t0, "reset")
            self._reset_connection(environ)
            raise ConnectionResetError("sim: injected connection reset")
        elif kind == "stall":
            injected = "stall"
            self.stop.wait(self.knobs["stall_seconds"])

        self._sleep_latency()
        if resp is None:
            try:
                resp, note = self.handle(req, account, caller)
            except Exception as e:  # a layer bug must not look like AWS
                resp, note = error_response(req.service, req.protocol, 500, "InternalFailure",
                                            f"sim layer error: {type(e).__name__}: {e}",
                                            fault="Receiver"), "layer-error"
            injected = injected or note
        self._log(req, account, caller, resp, t0, injected)
        return self._send(start_response, resp)

    @staticmethod
    def _read_body(environ):
        try:
            n = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            n = 0
        if n > 0:
            body = environ["wsgi.input"].read(n)
        elif environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read()  # chunked: werkzeug ends the stream
        else:
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    @staticmethod
    def _send(start_response, resp):
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                  500: "Internal Server Error", 503: "Service Unavailable"}.get(resp.status, "")
        headers = [(k, v) for k, v in resp.headers
                   if k.lower() not in ("content-length", "transfer-encoding")]
        headers.append(("Content-Length", str(len(resp.body))))
        start_response(f"{resp.status} {reason}".strip(), headers)
        return [resp.body]

    def _reset_connection(self, environ):
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            self.aborted.add(id(sock))
            # Linger 0: the close werkzeug does next sends RST, not FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # werkzeug would wait for another request on this connection;
            # an empty read makes it close the connection at once.
            try:
                sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass

    def call_moto(self, req, body=None, skip_auth=False):
        environ = dict(req.environ)
        body = req.body if body is None else body
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return lambda data: None

        with self.moto_lock:
            _tls.skip_auth = skip_auth
            try:
                it = self.app(environ, start_response)
                try:
                    data = b"".join(it)
                finally:
                    if hasattr(it, "close"):
                        it.close()
            finally:
                _tls.skip_auth = False
        resp = Response(captured["status"], captured["headers"], data)
        return self._fix_auth_error_shape(req, resp)

    def _fix_auth_error_shape(self, req, resp):
        # moto answers authentication failures as Query XML for every
        # service; JSON services answer in JSON with their own codes.
        if req.protocol != "json" or resp.status != 403 or not resp.body.lstrip().startswith(b"<"):
            return resp
        code = resp.error_code()
        m = re.search(rb"<Message>([^<]*)</Message>", resp.body)
        msg = m.group(1).decode() if m else ""
        new = {"SignatureDoesNotMatch": "InvalidSignatureException",
               "InvalidClientTokenId": "UnrecognizedClientException",
               "AccessDenied": "AccessDeniedException"}.get(code, code)
        return error_response(req.service, "json", 400, new, msg)

    def authorize(self, req, account, resource="*"):
        """Run moto's own signature and IAM check; return an error Response or None."""
        if ActionAuthenticatorMixin.request_count < moto_settings.INITIAL_NO_AUTH_ACTION_COUNT:
            return None
        from moto.iam.access_control import IAMRequest

        path = req.environ.get("PATH_INFO", "/")
        if req.environ.get("QUERY_STRING"):
            path += "?" + req.environ["QUERY_STRING"]
        try:
            with self.moto_lock:
                r = IAMRequest(account_id=account, method=req.environ["REQUEST_METHOD"],
                               path=path, data=req.form or {}, body=req.body,
                               headers=req.headers, action=req.operation)
                r.check_signature()
                r.check_action_permitted(resource)
        except _RESTError as e:
            resp = Response(e.code, [("Content-Type", "text/xml")], e.description.encode())
            return self._fix_auth_error_shape(req, resp)
        except KeyError:
            return error_response(req.service, req.protocol, 403, "MissingAuthenticationToken",
                                  "Request is missing Authentication Token")
        return None

    # -- identity ----------------------------------------------------------

    def identify(self, access_key):
        if not access_key:
            return None, None
        hit = self.callers.get(access_key)
        if hit:
            return hit
        with self.moto_lock:
            found = backends.caller_of(access_key)
        if found:
            self.callers[access_key] = found
            return found
        # moto treats unknown keys as the default account's.
        return backends.MGMT_ACCOUNT, f"arn:aws:iam::{backends.MGMT_ACCOUNT}:root"

    # -- faults, throttling, latency ---------------------------------------

    def _pick_fault(self, req, account):
        with self.lock:
            for inj in self.knobs["inject"]:
                if inj.get("service") not in (None, req.service):
                    continue
                if inj.get("operation") not in (None, req.operation):
                    continue
                if inj.get("count", 1) <= 0:
                    continue
                inj["count"] = inj.get("count", 1) - 1
                self.knobs["inject"] = [i for i in self.knobs["inject"] if i.get("count", 1) > 0]
                return inj["kind"]
            spec = self.knobs["throttle"].get(req.service) or self.knobs["throttle"].get("*")
            if spec:
                key = (req.service, account)
                now = self.now()
                tokens, last = self.buckets.get(key, (spec["burst"], now))
                tokens = min(spec["burst"], tokens + (now - last) * spec["rate"])
                if tokens < 1.0:
                    self.buckets[key] = (tokens, now)
                    return "throttle"
                self.buckets[key] = (tokens - 1.0, now)
            svcs = self.knobs["fault_services"]
            if svcs and req.service not in svcs:
                return None
            faults = self.knobs["faults"]
            if not any(faults.values()):
                return None
            u = self.fault_rng.random()
            acc = 0.0
            for kind in ("reset", "stall", "500", "503"):
                acc += faults.get(kind, 0.0)
                if u < acc:
                    return kind
        return None

    def _sleep_latency(self):
        with self.lock:
            spec = parse_latency(self.knobs["latency"])
            rng = self.latency_rng
            if spec[0] == "fixed":
                ms = spec[1]
            elif spec[0] == "uniform":
                ms = rng.uniform(spec[1], spec[2])
            elif spec[0] == "normal":
                ms = max(0.0, rng.gauss(spec[1], spec[2]))
            else:
                ms = rng.lognormvariate(math.log(max(spec[1], 1e-3)), spec[2])
        if ms > 0:
            self.stop.wait(ms / 1000.0)

    # -- account lifecycle -------------------------------------------------

    def tick(self):
        with self.lock, self.moto_lock:
            now = self.now()
            for rec in self.pending.values():
                if rec["state"] != "IN_PROGRESS" or now < rec["ready_at"]:
                    continue
                rec["completed"] = time.time()
                if rec["failure"]:
                    rec["state"] = "FAILED"
                else:
                    backends.show_account(rec["obj"], rec["master"])
                    rec["state"] = "SUCCEEDED"
                    self.visible_at[rec["account_id"]] = now
            for acct, (obj, ready) in list(self.closing.items()):
                if now >= ready:
                    obj.status = obj.state = "SUSPENDED"
                    del self.closing[acct]

    def _status_doc(self, rec):
        doc = {"Id": rec["id"], "AccountName": rec["name"], "State": rec["state"],
               "RequestedTimestamp": rec["requested"]}
        if rec["state"] == "SUCCEEDED":
            doc["AccountId"] = rec["account_id"]
            doc["CompletedTimestamp"] = rec["completed"]
        elif rec["state"] == "FAILED":
            doc["FailureReason"] = rec["failure"]
            doc["CompletedTimestamp"] = rec["completed"]
        return doc

    def _create_account(self, req, account):
        resp = self.call_moto(req)
        if resp.status != 200:
            return resp, None
        status = json.loads(resp.body)["CreateAccountStatus"]
        acct_id = status["AccountId"]
        email = (req.param("Email") or "").lower()
        role = req.param("RoleName") or "OrganizationAccountAccessRole"
        with self.lock, self.moto_lock:
            obj = backends.find_account(acct_id)
            failure = None
            pattern = self.knobs["fail_emails"]
            if pattern and re.search(pattern, email):
                failure = self.knobs["fail_reason"]
            elif any(a is not obj and a.email.lower() == email for a in backends.orgs().accounts) \
                    or any(r["email"] == email and r["state"] != "FAILED"
                           for r in self.pending.values()):
                failure = "EMAIL_ALREADY_EXISTS"
            backends.ensure_access_role(acct_id, role)
            master = backends.hide_account(obj)
            rec = {"id": status["Id"], "name": status["AccountName"], "email": email,
                   "account_id": acct_id, "obj": obj, "master": master,
                   "state": "IN_PROGRESS", "requested": time.time(), "failure": failure,
                   "ready_at": self.now() + self.knobs["create_account_seconds"]}
            self.pending[rec["id"]] = rec
            doc = self._status_doc(rec)
        body = json.dumps({"CreateAccountStatus": doc}).encode()
        return Response(200, resp.headers, body), "create-account-async"

    def _describe_create_status(self, req, account):
        rec = self.pending.get(req.param("CreateAccountRequestId"))
        if rec is None:
            resp = self.call_moto(req)
            if resp.error_code() == "AccountNotFoundException":
                # moto looks the request up as an account; AWS says this.
                return error_response(req.service, "json", 400,
                                      "CreateAccountStatusNotFoundException",
                                      "We can't find a create account request with the "
                                      "CreateAccountRequestId that you specified."), None
            return resp, None
        err = self.authorize(req, account)
        if err:
            return err, None
        body = json.dumps({"CreateAccountStatus": self._status_doc(rec)}).encode()
        return Response(200, [("Content-Type", "application/x-amz-json-1.1"),
                              ("x-amzn-RequestId", str(uuid.uuid4()))], body), \
            "create-status-" + rec["state"].lower()

    def _list_create_status(self, req, account):
        resp = self.call_moto(req)
        if resp.status != 200:
            return resp, None
        doc = json.loads(resp.body)
        states = req.param("States") or ["IN_PROGRESS", "SUCCEEDED", "FAILED"]
        ours = {r["id"]: self._status_doc(r) for r in self.pending.values()}
        merged = [ours.pop(s["Id"], s) for s in doc.get("CreateAccountStatuses", [])]
        merged += list(ours.values())
        doc["CreateAccountStatuses"] = [s for s in merged if s["State"] in states]
        if not doc.get("NextToken"):
            doc.pop("NextToken", None)
        return Response(200, resp.headers, json.dumps(doc).encode()), "create-status-merged"

    def _close_account(self, req, account):
        acct = req.param("AccountId")
        if acct in self.closing:
            return error_response(req.service, "json", 400, "AccountAlreadyClosedException",
                                  "You attempted to close an account that is already closed."), None
        resp = self.call_moto(req)
        if resp.status != 200 or self.knobs["close_account_seconds"] <= 0:
            return resp, None
        with self.lock, self.moto_lock:
            obj = backends.find_account(acct)
            if obj is not None:
                obj.status = obj.state = "PENDING_CLOSURE"
                self.closing[acct] = (obj, self.now() + self.knobs["close_account_seconds"])
        return resp, "pending-closure"

    # -- AssumeRole ----------------------------------------------------------

    def _assume_role(self, req, account, caller):
        role_arn = req.param("RoleArn") or ""
        err = self.authorize(req, account, role_arn)
        if err:
            return err, None
        denied = error_response(
            "sts", "query", 403, "AccessDenied",
            f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        m = re.match(r"arn:aws[\w-]*:iam::(\d{12}):role/(?:.*/)?([^/]+)$", role_arn)
        if not m:
            return self.call_moto(req, skip_auth=True), None
        target, name = m.group(1), m.group(2)
        now = self.now()
        window = self.knobs["consistency_seconds"]
        with self.lock:
            hidden = any(r["account_id"] == target and r["state"] != "SUCCEEDED"
                         for r in self.pending.values())
            if hidden:
                return denied, "assume-role-account-not-ready"
            if now < self.visible_at.get(target, -1e18) + window:
                return denied, "assume-role-consistency"
            if now < self.role_created.get((target, name), -1e18) + window:
                return denied, "assume-role-consistency"
        with self.moto_lock:
            try:
                role = backends.iam(target).get_role(name)
            except Exception:
                role = None
        if role is None:
            return denied, "assume-role-no-such-role"
        if self.knobs["check_trust"] and not self._trusts(role, caller, account, req):
            return denied, "assume-role-untrusted"
        return self.call_moto(req, skip_auth=True), None

    @staticmethod
    def _trusts(role, caller, account, req):
        try:
            doc = json.loads(role.assume_role_policy_document)
        except (TypeError, ValueError):
            return False
        principals = {caller, account, f"arn:aws:iam::{account}:root", "*"}
        m = re.match(r"arn:aws:sts::(\d{12}):assumed-role/([^/]+)/", caller or "")
        if m:
            principals.add(f"arn:aws:iam::{m.group(1)}:role/{m.group(2)}")
        allowed = False
        stmts = doc.get("Statement", [])
        for st in stmts if isinstance(stmts, list) else [stmts]:
            actions = st.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
                continue
            p = st.get("Principal", {})
            if p == "*":
                match = True
            else:
                aws = p.get("AWS", []) if isinstance(p, dict) else []
                aws = [aws] if isinstance(aws, str) else aws
                match = any(x in principals for x in aws)
            if not match:
                continue
            cond = st.get("Condition", {}).get("StringEquals", {})
            ext = cond.get("sts:ExternalId")
            if ext is not None and req.param("ExternalId") not in ([ext] if isinstance(ext, str) else ext):
                match = False
            if st.get("Effect") == "Deny" and match:
                return False
            if st.get("Effect") == "Allow" and match:
                allowed = True
        return allowed

    # -- pagination ----------------------------------------------------------

    @staticmethod
    def _token(op, offset):
        raw = json.dumps({"op": op, "o": offset}).encode()
        return "sim1" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _untoken(tok):
        if not tok or not tok.startswith("sim1"):
            return None
        try:
            pad = "=" * (-len(tok[4:]) % 4)
            return json.loads(base64.urlsafe_b64decode(tok[4:] + pad))
        except ValueError:
            return None

    def _paged(self, req, account, key):
        json_proto = req.protocol == "json"
        tok_name, max_name = ("NextToken", "MaxResults") if json_proto else ("Marker", "MaxItems")
        token = req.param(tok_name)
        offset = 0
        if token:
            t = self._untoken(token)
            if t is None or t.get("op") != req.operation:
                code = {"organizations": "InvalidInputException",
                        "secretsmanager": "InvalidNextTokenException"}.get(req.service,
                                                                           "InvalidInput")
                return error_response(req.service, req.protocol, 400, code,
                                      "The pagination token is invalid."), None
            offset = int(t["o"])
        err = self.authorize(req, account)
        if err:
            return err, None
        limit = self.knobs["page_size"]
        try:
            client_max = int(req.param(max_name) or 0)
        except ValueError:
            client_max = 0
        if client_max > 0:
            limit = min(limit, client_max)

        items, first, ns = [], None, None
        params = dict(req.json if json_proto else req.form)
        params.pop(tok_name, None)
        params[max_name] = INTERNAL_PAGE.get(req.service, 100)
        for _ in range(10000):
            body = json.dumps(params).encode() if json_proto else urlencode(params).encode()
            resp = self.call_moto(req, body=body, skip_auth=True)
            if resp.status != 200:
                return resp, None
            if json_proto:
                doc = json.loads(resp.body)
                first = first or (resp, doc)
                items += doc.get(key, [])
                nxt = doc.get("NextToken")
            else:
                root = ET.fromstring(resp.body)
                ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
                q = (lambda n: f"{{{ns}}}{n}") if ns else (lambda n: n)
                result = root[0]
                keyel = result.find(q(key))
                items += list(keyel) if keyel is not None else []
                first = first or (resp, root)
                trunc = result.find(q("IsTruncated"))
                marker = result.find(q("Marker"))
                nxt = marker.text if (trunc is not None and trunc.text == "true"
                                      and marker is not None) else None
            if not nxt:
                break
            params[tok_name] = nxt

        page = items[offset:offset + limit]
        more = offset + limit < len(items)
        resp0, doc0 = first
        if json_proto:
            doc0[key] = page
            if more:
                doc0["NextToken"] = self._token(req.operation, offset + limit)
            else:
                doc0.pop("NextToken", None)
            body = json.dumps(doc0).encode()
        else:
            ET.register_namespace("", ns)
            q = (lambda n: f"{{{ns}}}{n}") if ns else (lambda n: n)
            result = doc0[0]
            keyel = result.find(q(key))
            if keyel is None:
                keyel = ET.SubElement(result, q(key))
            for child in list(keyel):
                keyel.remove(child)
            keyel.extend(page)
            trunc = result.find(q("IsTruncated"))
            if trunc is None:
                trunc = ET.SubElement(result, q("IsTruncated"))
            trunc.text = "true" if more else "false"
            marker = result.find(q("Marker"))
            if more:
                if marker is None:
                    marker = ET.SubElement(result, q("Marker"))
                marker.text = self._token(req.operation, offset + limit)
            elif marker is not None:
                result.remove(marker)
            body = ET.tostring(doc0, encoding="utf-8", xml_declaration=True)
        return Response(200, resp0.headers, body), f"paged:{len(page)}/{len(items)}"

    # -- service control policies ---------------------------------------------

    @staticmethod
    def _matches(patterns, action):
        patterns = [patterns] if isinstance(patterns, str) else (patterns or [])
        return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)

    def _scp_denial(self, req, account, caller):
        """AccessDenied when the SCPs above a member account forbid the call.

        Each level (root, every OU down, the account) must allow the action
        and none may deny it.  Statements with a Condition are skipped, and
        Resource is not compared: the layer errs towards allowing, as moto.
        """
        action = f"{req.service}:{req.operation}"
        if action == "sts:GetCallerIdentity" or account == backends.MGMT_ACCOUNT:
            return None
        with self.moto_lock:
            org = backends.orgs()
            acc = backends.find_account(account) if org.org else None
            if acc is None:
                return None
            levels, parent = [acc], acc.parent_id
            by_id = {ou.id: ou for ou in org.ou}
            while parent in by_id:
                levels.append(by_id[parent])
                parent = getattr(by_id[parent], "parent_id", None)
            for level in reversed(levels):
                allowed = False
                for pol in level.attached_policies:
                    if pol.type != "SERVICE_CONTROL_POLICY":
                        continue
                    try:
                        stmts = json.loads(pol.content).get("Statement", [])
                    except (TypeError, ValueError):
                        continue
                    for st in stmts if isinstance(stmts, list) else [stmts]:
                        if st.get("Condition"):
                            continue
                        if "NotAction" in st:
                            hit = not self._matches(st["NotAction"], action)
                        else:
                            hit = self._matches(st.get("Action"), action)
                        if hit and st.get("Effect") == "Deny":
                            return self._scp_error(req, caller, action, "an explicit deny")
                        if hit and st.get("Effect") == "Allow":
                            allowed = True
                if not allowed:
                    return self._scp_error(req, caller, action, "no allow")
        return None

    @staticmethod
    def _scp_error(req, caller, action, why):
        msg = (f"User: {caller} is not authorized to perform: {action} with {why} "
               "in a service control policy")
        if req.protocol == "json":
            return error_response(req.service, "json", 400, "AccessDeniedException", msg)
        return error_response(req.service, "query", 403, "AccessDenied", msg)

    # -- dispatch ------------------------------------------------------------

    def handle(self, req, account, caller):
        svc, op = req.service, req.operation
        if self.knobs["enforce_scps"]:
            denied = self._scp_denial(req, account, caller)
            if denied is not None:
                return denied, "scp-deny"
        if svc == "organizations":
            if op == "CreateAccount":
                return self._create_account(req, account)
            if op == "DescribeCreateAccountStatus":
                return self._describe_create_status(req, account)
            if op == "ListCreateAccountStatus":
                return self._list_create_status(req, account)
            if op == "CloseAccount":
                return self._close_account(req, account)
        if svc == "sts" and op == "AssumeRole":
            return self._assume_role(req, account, caller)
        key = PAGED.get((svc, op))
        if key and self.knobs["page_size"] > 0:
            return self._paged(req, account, key)
        resp = self.call_moto(req)
        if svc == "iam" and op == "CreateRole" and resp.status == 200:
            with self.lock:
                self.role_created[(account, req.param("RoleName"))] = self.now()
        return resp, None

    # -- log and stats -------------------------------------------------------

    def _log(self, req, account, caller, resp, t0, injected):
        status = resp.status if resp is not None else 0
        error = resp.error_code() if resp is not None else "ConnectionReset"
        rec = {
            "time": now_iso(),
            "account": account,
            "region": req.region,
            "service": req.service,
            "operation": req.operation,
            "caller": caller,
            "status": status,
            "error": error,
            "latency_ms": round((time.monotonic() - t0) * 1000, 1),
            "injected": injected,
            "mutating": is_mutating(req.service, req.operation),
        }
        with self.lock:
            st = self.stats
            st["requests"] += 1
            k = f"{req.service}:{req.operation}"
            st["by_operation"][k] = st["by_operation"].get(k, 0) + 1
            st["by_status"][str(status)] = st["by_status"].get(str(status), 0) + 1
            if injected:
                kind = injected.split(":")[0]
                st["injected"][kind] = st["injected"].get(kind, 0) + 1
        if self.log:
            with self.log_lock:
                self.log.write(json.dumps(rec) + "\n")

    # -- control endpoint ----------------------------------------------------

    def reset(self):
        with self.lock, self.moto_lock:
            from moto.moto_api._internal.models import moto_api_backend

            moto_api_backend.reset()
            self._reset_state()
            self.set_knobs(self.startup_knobs, replace=True)
            if self.on_reset:
                self.on_reset()

    def control(self, environ, path):
        method = environ["REQUEST_METHOD"]
        raw = self._read_body(environ)
        try:
            arg = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            return self._json(400, {"error": f"bad JSON: {e}"})
        try:
            if path == "/_sim/health":
                return self._json(200, {"ok": True, "strict": self.strict})
            if path == "/_sim/knobs":
                if method == "POST":
                    unknown = set(arg) - set(DEFAULT_KNOBS)
                    if unknown:
                        return self._json(400, {"error": f"unknown knobs: {sorted(unknown)}"})
                    return self._json(200, self.set_knobs(arg))
                with self.lock:
                    return self._json(200, copy.deepcopy(self.knobs))
            if path == "/_sim/reset" and method == "POST":
                self.reset()
                return self._json(200, {"ok": True})
            if path == "/_sim/seed" and method == "POST":
                with self.lock, self.moto_lock:
                    out = backends.seed(arg)
                    now = self.now() - self.knobs["consistency_seconds"]
                    for a in out["accounts"]:
                        self.visible_at[a["id"]] = now
                return self._json(200, out)
            if path == "/_sim/advance" and method == "POST":
                with self.lock:
                    self.clock_offset += float(arg.get("seconds", 0))
                self.tick()
                return self._json(200, {"ok": True, "offset": self.clock_offset})
            if path == "/_sim/stats":
                with self.lock:
                    return self._json(200, copy.deepcopy(self.stats))
        except (ValueError, KeyError, TypeError) as e:
            return self._json(400, {"error": f"{type(e).__name__}: {e}"})
        return self._json(404, {"error": f"no such control endpoint: {method} {path}"})

    @staticmethod
    def _json(status, doc):
        return Response(status, [("Content-Type", "application/json")],
                        (json.dumps(doc, default=str) + "\n").encode())
