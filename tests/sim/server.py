"""Start moto's server app in-process behind the realism layer.

This is the entry point behind tests/sim/run: it parses flags and SIM_*
environment variables, builds moto's WSGI dispatcher, wraps it in layer.Layer,
serves it with werkzeug's threaded server on 127.0.0.1, reports the port once
the server answers, and stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.request

T0 = time.monotonic()
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Flag name -> (environment variable, knob name).  A flag beats its variable.
KNOB_FLAGS = [
    ("latency", "SIM_LATENCY", "latency"),
    ("latency-seed", "SIM_LATENCY_SEED", "latency_seed"),
    ("throttle", "SIM_THROTTLE", "throttle"),
    ("faults", "SIM_FAULTS", "faults"),
    ("fault-seed", "SIM_FAULT_SEED", "fault_seed"),
    ("fault-services", "SIM_FAULT_SERVICES", "fault_services"),
    ("stall-seconds", "SIM_STALL_SECONDS", "stall_seconds"),
    ("create-account-seconds", "SIM_CREATE_ACCOUNT_SECONDS", "create_account_seconds"),
    ("fail-emails", "SIM_FAIL_EMAILS", "fail_emails"),
    ("fail-reason", "SIM_FAIL_REASON", "fail_reason"),
    ("close-account-seconds", "SIM_CLOSE_ACCOUNT_SECONDS", "close_account_seconds"),
    ("consistency-seconds", "SIM_CONSISTENCY_SECONDS", "consistency_seconds"),
    ("page-size", "SIM_PAGE_SIZE", "page_size"),
]
INT_KNOBS = {"latency_seed", "fault_seed", "page_size"}

# --realistic: what the integration suite should see unless it says otherwise.
REALISTIC = {
    "latency": "uniform:2:15",
    "create_account_seconds": 2.0,
    "close_account_seconds": 2.0,
    "consistency_seconds": 2.0,
    "page_size": 2,
}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="tests/sim/run",
                                description="moto behind bulwark's realism layer")
    p.add_argument("--port", type=int, default=int(os.environ.get("SIM_PORT", "0")),
                   help="TCP port on 127.0.0.1 (0: any free port)")
    p.add_argument("--port-file", default=os.environ.get("SIM_PORT_FILE"),
                   help="write the port here (atomically) once the server answers")
    p.add_argument("--log", default=os.environ.get("SIM_LOG"),
                   help="append one JSON line per AWS call to this file")
    p.add_argument("--strict", action="store_true",
                   default=os.environ.get("SIM_STRICT", "") not in ("", "0"),
                   help="verify signatures and evaluate IAM policies")
    p.add_argument("--creds-file", default=os.environ.get("SIM_CREDS_FILE"),
                   help="strict mode: write the created credentials here (mode 0600)")
    p.add_argument("--realistic", action="store_true",
                   default=os.environ.get("SIM_REALISTIC", "") not in ("", "0"),
                   help="preset: small latency, 2 s account creation and "
                        "consistency window, pages of 2")
    p.add_argument("--knobs", default=os.environ.get("SIM_KNOBS"),
                   help="JSON object of knobs applied last")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the process that started the server exits")
    p.add_argument("--remove-dir", help="remove this directory when the server stops")
    p.add_argument("--managed-policies", default=os.environ.get("SIM_MANAGED_POLICIES"),
                   help="comma-separated AWS managed policy names every account has, "
                        "or 'all' (slow: ~1,200 per account)")
    p.add_argument("--quiet", action="store_true", help="print nothing on stdout")
    p.add_argument("--verbose", action="store_true", help="let werkzeug log each request")
    for flag, env, _ in KNOB_FLAGS:
        p.add_argument("--" + flag, default=os.environ.get(env))
    return p.parse_args(argv)


def knobs_from(args):
    knobs = dict(REALISTIC) if args.realistic else {}
    for flag, _, name in KNOB_FLAGS:
        v = getattr(args, flag.replace("-", "_"))
        if v is None or v == "":
            continue
        knobs[name] = int(v) if name in INT_KNOBS else v
    if args.knobs:
        knobs.update(json.loads(args.knobs))
    return knobs


def write_atomic(path, text, mode=0o644):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".sim-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def creds_text(users):
    admin, noperm = users["admin"], users["noperm"]
    return (
        "# written by tests/sim/run --strict; sourceable by sh\n"
        f"AWS_ACCESS_KEY_ID='{admin[0]}'\n"
        f"AWS_SECRET_ACCESS_KEY='{admin[1]}'\n"
        f"SIM_NOPERM_ACCESS_KEY_ID='{noperm[0]}'\n"
        f"SIM_NOPERM_SECRET_ACCESS_KEY='{noperm[1]}'\n"
        "export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY "
        "SIM_NOPERM_ACCESS_KEY_ID SIM_NOPERM_SECRET_ACCESS_KEY\n"
    )


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.pop("MOTO_ACCOUNT_ID", None)

    import backends
    if args.managed_policies != "all":
        backends.install_managed_policy_subset(
            args.managed_policies.split(",") if args.managed_policies else None)
    else:
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

    from moto import settings as moto_settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    import layer

    users = {}

    def strict_setup():
        # Runs in-process, so moto's counter of unauthenticated calls is not
        # spent; then every later call is checked.
        if not args.strict:
            return
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        users.update(backends.make_strict_users(dict(users)))
        ActionAuthenticatorMixin.request_count = 0
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0

    moto_app = DomainDispatcherApplication(create_backend_app)
    app = layer.Layer(moto_app, knobs=knobs_from(args), log_path=args.log,
                      strict=args.strict, on_reset=strict_setup)
    strict_setup()
    if args.strict and args.creds_file:
        write_atomic(args.creds_file, creds_text(users), 0o600)

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        server = make_server("127.0.0.1", args.port, app, threaded=True)
    except OSError as e:
        print(f"sim: cannot listen on 127.0.0.1:{args.port}: {e.strerror}", file=sys.stderr)
        return 1
    server.daemon_threads = True
    plain_shutdown = server.shutdown_request

    def shutdown_request(request):
        # An injected reset: close with linger 0 and no FIN first, so the
        # client sees ECONNRESET as when a load balancer drops it.
        if id(request) in app.aborted:
            app.aborted.discard(id(request))
            request.close()
        else:
            plain_shutdown(request)

    server.shutdown_request = shutdown_request
    port = server.server_port

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True)
    t.start()
    url = f"http://127.0.0.1:{port}/_sim/health"
    for _ in range(200):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.02)
    else:
        print("sim: server did not answer its health check", file=sys.stderr)
        return 1
    ready = time.monotonic() - T0
    if args.port_file:
        write_atomic(args.port_file, f"{port}\n")
    if not args.quiet:
        print(port, flush=True)
    print(f"sim: ready on 127.0.0.1:{port} in {ready:.2f}s"
          f"{' (strict)' if args.strict else ''}", file=sys.stderr, flush=True)

    parent = os.getppid()
    while not stop.wait(0.5):
        if args.exit_with_parent and os.getppid() != parent:
            break
    app.stop.set()  # wake stalled and delayed requests
    server.shutdown()
    server.server_close()
    if app.log:
        app.log.close()
    if args.remove_dir:
        import shutil
        shutil.rmtree(args.remove_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
