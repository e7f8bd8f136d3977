# Shared helpers for the agent integration tests (sourced, bash).
# Needs: B (bin dir), T (scratch dir).  Defines fail/json_get/wait_for/cleanup.

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "  $*"; }

# json_get FILE|- EXPR : python3 expression on the parsed object 'j'
json_get() {
	/usr/bin/python3 -c 'import json,sys
j=json.load(open(sys.argv[1]) if sys.argv[1]!="-" else sys.stdin)
print(eval(sys.argv[2]))' "$1" "$2"
}

inspect_json() { "$B/spinal-inspect" --name "$1" --json; }

# wait_for SECONDS CMD... : poll every 50 ms until CMD succeeds
wait_for() {
	local t=$1; shift
	local end=$(( $(date +%s%N) + t * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

PIDS=()
cleanup() {
	local rc=$? p
	set +e
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${INST:-}" ] && rm -f /dev/shm/spinal."$INST".* 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit $rc
}

# a scratch dir the unprivileged agent can reach after dropping root
mk_scratch() {
	T=$(mktemp -d /tmp/spinal-it-XXXXXX)
	chmod 755 "$T"
	trap cleanup EXIT
}
