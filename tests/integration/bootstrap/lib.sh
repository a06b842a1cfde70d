# tests/integration/bootstrap/lib.sh - what the bootstrap integration tests
# share; source it from a test script (cwd anywhere).  It starts nothing by
# itself: bt_start starts the simulator in strict mode with short delays.
set -u
BT_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$BT_ROOT" || exit 1
BULWARK=${BULWARK:-$BT_ROOT/build/bulwark}
if [ ! -x "$BULWARK" ]; then
	echo "skip: no bulwark binary at $BULWARK"
	exit 77
fi
if [ ! -f tests/sim/lib.sh ]; then
	echo "skip: tests/sim/lib.sh is missing"
	exit 77
fi
. tests/sim/lib.sh

BT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-bt.XXXXXX")
cp -R tests/integration/bootstrap/. "$BT_WORK/"
SPEC=$BT_WORK/org.yaml
# Short waits: the simulator's windows are 1 s here, not AWS's minutes.
export BULWARK_ASSUME_TIMEOUT=30 BULWARK_POLL_MS=200 BULWARK_CREATE_TIMEOUT=60
unset BULWARK_SPEC

bt_cleanup() {
	sim_stop
	rm -rf "$BT_WORK"
}

# bt_start [run options]: strict simulator, 1 s account creation and
# consistency windows, pages of 2 (so every listing is paginated).
bt_start() {
	sim_start --strict --create-account-seconds 1 --consistency-seconds 1 \
		--page-size 2 --latency uniform:1:4 "$@" || exit 1
	trap 'bt_cleanup' EXIT
	trap 'bt_cleanup; exit 130' INT
	trap 'bt_cleanup; exit 143' TERM
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# bt ARGS: bulwark bootstrap on the test spec, plain output.
bt() {
	"$BULWARK" bootstrap --spec "$SPEC" --no-progress "$@"
}

# bt_emails: "count email" for every account in the organization, sorted.
bt_emails() {
	"${PYTHON:-python3}" - <<'PY'
import collections, os, boto3
org = boto3.client("organizations", endpoint_url=os.environ["SIM_URL"], region_name="us-east-1")
seen = collections.Counter()
for page in org.get_paginator("list_accounts").paginate():
    for a in page["Accounts"]:
        seen[a["Email"].lower()] += 1
for email, n in sorted(seen.items()):
    print(n, email)
PY
}

# bt_check_converged: the plan has nothing to do and each spec account
# exists exactly once.
bt_check_converged() {
	out=$(bt --plan 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || { echo "$out" >&2; fail "plan after apply exited $rc, not 0"; }
	echo "$out" | grep -q "^No changes. The organization matches the spec.$" ||
		{ echo "$out" >&2; fail "plan after apply is not empty"; }
	emails=$(bt_emails)
	for e in it+dev@bulwark.test it+prod@bulwark.test it+shared@bulwark.test; do
		n=$(echo "$emails" | awk -v e="$e" '$2 == e { print $1 }')
		[ "${n:-0}" = 1 ] || { echo "$emails" >&2; fail "account $e exists ${n:-0} times"; }
	done
}
