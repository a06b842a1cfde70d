#!/bin/sh
# tests/bench/bootstrap.sh - `bulwark bootstrap --plan` with nothing to
# change on seeded organizations of 10, 100 and 1,000 member accounts, at
# 100 ms per call.  For each size: wall time, client CPU (user+sys), peak
# memory, API calls in all and per member account (from the simulator's
# request log), and the bound that latency and parallelism allow.
#
#   BULWARK=build/bulwark sh tests/bench/bootstrap.sh [N ...]
#   BENCH_STRICT=1 ...   run the simulator in strict mode (signature checks
#                        and IAM evaluation: slower server)
#   BENCH_PARALLEL=16    --parallel
#   BENCH_LATENCY=100    milliseconds per call
#   BENCH_LOG_DIR=DIR    keep each run's request log as DIR/requests-N.jsonl
set -u
cd "$(dirname "$0")/../.." || exit 1
BULWARK=${BULWARK:-$(pwd)/build/bulwark}
PARALLEL=${BENCH_PARALLEL:-16}
LATENCY=${BENCH_LATENCY:-100}
PY=${PYTHON:-python3}
[ -x "$BULWARK" ] || { echo "bench: no bulwark binary at $BULWARK" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
. tests/sim/lib.sh

sizes=${*:-10 100 1000}
mode=plain
strict=
[ "${BENCH_STRICT:-0}" = 1 ] && { mode=strict; strict=--strict; }
status=0
W=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-bench.XXXXXX")
trap 'sim_stop; rm -rf "$W"' EXIT INT TERM

printf '%s\n' "bootstrap --plan, nothing to change, --parallel $PARALLEL, ${LATENCY} ms per call, simulator $mode"
printf '%-6s %9s %9s %8s %8s %9s %10s %9s  %s\n' accounts "wall(s)" "bound(s)" "cpu(s)" "rss(MB)" calls "calls/acct" "org-calls" note

for n in $sizes; do
	sim_start $strict --quiet >/dev/null || { status=1; continue; }
	# sim_start installs its own traps: put ours (which also removes $W) back.
	trap 'sim_stop; rm -rf "$W"' EXIT
	trap 'sim_stop; rm -rf "$W"; exit 130' INT
	trap 'sim_stop; rm -rf "$W"; exit 143' TERM
	seed=$(sim_seed "{\"accounts\": $n, \"ous\": [\"Workloads/Blue\", \"Workloads/Green\"],
		\"baseline_roles\": [\"bench-reader\"],
		\"scps\": [{\"name\": \"bench-deny-leave\", \"targets\": [\"root\"]}]}") ||
		{ status=1; sim_stop; continue; }
	# The spec that matches the seed exactly, so the plan is empty.
	printf '%s' "$seed" | "$PY" tests/bench/bootstrap_spec.py "$W" || { status=1; sim_stop; continue; }
	sim_knobs "{\"latency\": \"$LATENCY\"}" >/dev/null
	before=$(wc -l <"$SIM_LOG")
	/usr/bin/time -v "$BULWARK" bootstrap --plan --no-progress --parallel "$PARALLEL" \
		--spec "$W/org.yaml" >"$W/plan.out" 2>"$W/time.out"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "bench: $n accounts: bootstrap --plan exited $rc (expected 0: no changes)" >&2
		tail -n 20 "$W/plan.out" "$W/time.out" >&2
		status=1
	fi
	tail -n +"$((before + 1))" "$SIM_LOG" >"$W/log"
	[ -n "${BENCH_LOG_DIR:-}" ] && cp "$W/log" "$BENCH_LOG_DIR/requests-$n.jsonl"
	"$PY" - "$W/time.out" "$W/log" "$n" "$PARALLEL" "$LATENCY" <<'PY'
import json, re, sys
time_out, log, n, par, lat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]) / 1000
t = open(time_out).read()
def field(name):
    m = re.search(re.escape(name) + r":\s*(.+)", t)
    return m.group(1).strip() if m else "0"
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
parts = [float(x) for x in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)")) / 1024
recs = [json.loads(l) for l in open(log)]
mgmt = "123456789012"
org = [r for r in recs if r["account"] == mgmt and r["operation"] != "AssumeRole"]
member = len(recs) - len(org)
per = member / n if n else 0
# The critical path: the org-level calls in sequence (each OU level and
# the listings of one parent run one after the other), then the accounts,
# per / parallel at a time.
bound = len(org) * lat + per * lat * -(-n // par)
# When the server answered slower than the latency it was told to add, it
# is the bottleneck (one Python process serialises moto).
lat_obs = sorted(r.get("latency_ms", 0) for r in recs)
p50 = lat_obs[len(lat_obs) // 2] / 1000 if lat_obs else 0
note = ""
if p50 > lat * 1.5:
    note = "server-bound: median server time %.0f ms vs %.0f ms latency" % (p50 * 1000, lat * 1000)
print("%-6d %9.1f %9.1f %8.2f %8.1f %9d %10.1f %9d  %s" % (n, secs, bound, cpu, rss, len(recs), per, len(org), note))
PY
	sim_stop
done
exit "$status"
