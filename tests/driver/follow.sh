#!/bin/bash
# make check-driver-follow: tests/driver/follow_stress.c against a core that
# is restarted three times under it (SIGTERM, new run of the same name): the
# driver's command and publish threads never stop, no state is refused, and
# every restart is followed.  The core comes from the normal build when the
# stress binary is a sanitizer build (the core itself is not under test here).
# Usage: tests/driver/follow.sh [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build
[ "${1:-}" = "--build" ] && BUILD=$2
CORE=build/bin/spinal-core
[ -x "$CORE" ] || CORE=$BUILD/bin/spinal-core
B=$BUILD/bin
. tests/integration/lib_agent.sh
mk_scratch
INST=fol$$
start_core() {
	"$CORE" --name "$INST" --io shm --no-rt --max-consec-miss 0 --wd-timeout-ms 0 -q \
		>>"$T/core.log" 2>&1 &
	CPID=$!
	PIDS+=($CPID)
}
start_core
B=build/bin wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$BUILD/tests/follow_stress" "$INST" 9 3 >"$T/stress.log" 2>&1 &
SP=$!
PIDS+=($SP)
for i in 1 2 3; do
	sleep 2
	kill -TERM $CPID
	wait $CPID 2>/dev/null || true
	start_core
done
wait $SP || { cat "$T/stress.log" "$T/core.log" >&2; fail "follow_stress failed"; }
note "$(cat "$T/stress.log")"
echo "check-driver-follow: PASS"
