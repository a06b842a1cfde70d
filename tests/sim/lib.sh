# tests/sim/lib.sh - start the AWS simulator for a shell test; source it.
#
#   . tests/sim/lib.sh
#   sim_start [--strict] [run options...]   # sets SIM_URL, SIM_PORT, SIM_LOG,
#                                           # exports AWS_* for the test
#   sim_knobs '{"page_size": 2}'            # change knobs, prints them
#   sim_seed '{"accounts": 10}'             # seed an organization, prints JSON
#   sim_log_count operation=CreateAccount status=200
#   sim_stop                                # also run by the EXIT trap
#
# The server stops by itself when the shell that started it exits, however
# it exits, and then removes its directory; sim_start sets no trap, so the
# caller's own traps stay as they are.  SIM_KEEP=1 keeps the directory.
# The user's ~/.aws is never read: AWS_CONFIG_FILE and
# AWS_SHARED_CREDENTIALS_FILE point at empty files in a private directory.

# Run from the repository root, or set SIM_ROOT to this directory first.
SIM_ROOT=${SIM_ROOT:-$(pwd)/tests/sim}
# Resolved once: a pyenv shim costs a tenth of a second per start.
SIM_PYTHON=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)' 2>/dev/null) ||
	SIM_PYTHON=${PYTHON:-python3}
SIM_PID=
SIM_DIR=

sim_start() {
	[ -n "$SIM_PID" ] && sim_stop
	sim_strict=0
	for a in "$@"; do [ "$a" = --strict ] && sim_strict=1; done
	SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-sim.XXXXXX") || return 1
	: >"$SIM_DIR/config"
	: >"$SIM_DIR/credentials"
	SIM_LOG=$SIM_DIR/requests.jsonl
	set -- --port 0 --quiet --exit-with-parent --port-file "$SIM_DIR/port" --log "$SIM_LOG" \
		--creds-file "$SIM_DIR/creds" "$@"
	[ -z "${SIM_KEEP:-}" ] && set -- --remove-dir "$SIM_DIR" "$@"
	PYTHON=$SIM_PYTHON "$SIM_ROOT/run" "$@" 2>"$SIM_DIR/server.err" &
	SIM_PID=$!
	sim_waited=0
	while [ ! -s "$SIM_DIR/port" ]; do
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			echo "sim: server exited before it was ready:" >&2
			cat "$SIM_DIR/server.err" >&2
			SIM_PID=
			return 1
		fi
		sim_waited=$((sim_waited + 1))
		if [ "$sim_waited" -gt "${SIM_START_TIMEOUT:-30}0" ]; then
			echo "sim: server not ready after ${SIM_START_TIMEOUT:-30}s" >&2
			sim_stop
			return 1
		fi
		sleep 0.1
	done
	SIM_PORT=$(cat "$SIM_DIR/port")
	SIM_URL=http://127.0.0.1:$SIM_PORT
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
		AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_FULL_URI \
		AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
	AWS_CONFIG_FILE=$SIM_DIR/config
	AWS_SHARED_CREDENTIALS_FILE=$SIM_DIR/credentials
	AWS_DEFAULT_REGION=us-east-1
	AWS_REGION=us-east-1
	AWS_EC2_METADATA_DISABLED=true
	AWS_ENDPOINT_URL=$SIM_URL
	AWS_PAGER=
	if [ "$sim_strict" -eq 1 ]; then
		. "$SIM_DIR/creds"
	else
		AWS_ACCESS_KEY_ID=testing
		AWS_SECRET_ACCESS_KEY=testing
	fi
	export SIM_PORT SIM_URL SIM_LOG AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
		AWS_DEFAULT_REGION AWS_REGION AWS_EC2_METADATA_DISABLED AWS_ENDPOINT_URL \
		AWS_PAGER AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}

sim_stop() {
	if [ -n "$SIM_PID" ]; then
		kill -TERM "$SIM_PID" 2>/dev/null
		sim_n=0
		while kill -0 "$SIM_PID" 2>/dev/null && [ "$sim_n" -lt 50 ]; do
			sleep 0.1
			sim_n=$((sim_n + 1))
		done
		kill -KILL "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
		SIM_PID=
	fi
	if [ -n "$SIM_DIR" ] && [ -z "${SIM_KEEP:-}" ]; then
		rm -rf "$SIM_DIR"
	fi
	SIM_DIR=
}

# sim_call METHOD PATH [JSON]: talk to the control endpoint; prints the reply.
sim_call() {
	"$SIM_PYTHON" - "$SIM_URL$2" "$1" "${3:-}" <<'EOF'
import sys, urllib.request, urllib.error
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                             headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=120) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stderr.write("sim: %s %s: %s" % (method, url, e.read().decode()))
    sys.exit(1)
EOF
}

sim_knobs() { if [ $# -gt 0 ]; then sim_call POST /_sim/knobs "$1"; else sim_call GET /_sim/knobs; fi; }
sim_seed() { sim_call POST /_sim/seed "$1"; }
sim_reset() { sim_call POST /_sim/reset; }
sim_advance() { sim_call POST /_sim/advance "{\"seconds\": $1}"; }
sim_stats() { sim_call GET /_sim/stats; }

# sim_aws ARGS: the Debian awscli v2 pointed at the simulator.
sim_aws() { /usr/bin/aws --endpoint-url "$SIM_URL" "$@"; }

# sim_log_count [field=value ...]: number of logged calls matching every
# filter (values compare as text: status=400, mutating=true, error=null).
sim_log_count() {
	"$SIM_PYTHON" - "$SIM_LOG" "$@" <<'EOF'
import json, sys
path, filters = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
def text(v):
    return "null" if v is None else ("true" if v is True else "false" if v is False else str(v))
n = 0
try:
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if all(text(rec.get(k)) == v for k, v in filters):
                n += 1
except FileNotFoundError:
    pass
print(n)
EOF
}
