# Sourced by integration cases: assertions and the sim helpers.
# shellcheck shell=sh
. "$TOP/tests/sim/lib.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_status WANT CMD...: run CMD, capture stdout/stderr in $OUT/$ERR.
expect_status() {
	want=$1; shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	OUT=$(cat "$WORK/out"); ERR=$(cat "$WORK/err")
	[ "$got" -eq "$want" ] || {
		echo "--- stdout"; cat "$WORK/out"; echo "--- stderr"; cat "$WORK/err"
		fail "'$*' exited $got, expected $want"
	}
}
contains() { case "$1" in *"$2"*) return 0 ;; esac; fail "expected to find '$2' in: $1"; }
lacks() { case "$1" in *"$2"*) fail "did not expect '$2' in: $1" ;; esac; }

WORK=$(mktemp -d)
trap 'sim_stop 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
