#!/bin/bash
# Config-link attacks against a running spinal-core --socket (issue 12 items
# 1, 2, 6, 7), judged by tests/hostile/cfg_attack.c through the real agent
# code; then the core must still run, stop cleanly (exit 0), log no sanitizer
# report or seccomp violation, and its peak memory must show that the 11 MB
# model blob was refused before anything was allocated for it (it grew the
# core to 2.66 GB before).  Memory is a high-water mark, not a timing.
# Usage: cfg_attack.sh [--build DIR] [--seconds S]
set -uo pipefail
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # see tests/hostile/run.sh
BUILD=build
SECONDS_=3
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--seconds) SECONDS_=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--seconds S]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" != 0 ]; then echo "check-cfg-hostile: SKIP (needs root to switch users)"; exit 0; fi
D=$(mktemp -d /tmp/spinal-cfgatk.XXXXXX)
chmod 755 "$D"
export SPINAL_RUN_DIR=$D/run
CP=
trap '[ -n "$CP" ] && kill $CP 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
S=$D/core.sock
NAME=cfgatk$$
# --max-consec-miss 0: the deadline logic is tested elsewhere; a shared 2-CPU
# host without an isolated CPU overruns on its own
$BUILD/bin/spinal-core -n $NAME -p 1000 -d $((SECONDS_ + 60)) --socket "$S" --agent-user spinal \
	--max-consec-miss 0 --seccomp trap >"$D/core.log" 2>&1 &
CP=$!
for _ in $(seq 200); do grep -q "running:" "$D/core.log" && break; sleep 0.05; done
sleep 0.3
rc=0
$BUILD/tests/hostile-cfg --socket "$S" --name $NAME --as-user spinal --seconds "$SECONDS_" \
	--seed $RANDOM || rc=1
if kill -0 $CP 2>/dev/null; then echo "ok   - core alive"; else echo "FAIL - core died"; rc=1; fi
hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$CP/status 2>/dev/null)
if [ -n "$hwm" ] && [ "$hwm" -lt 262144 ]; then
	echo "ok   - core peak RSS $((hwm / 1024)) MiB (< 256 MiB: the 11 MB blob allocated nothing big)"
else
	echo "FAIL - core peak RSS ${hwm:-?} kB"; rc=1
fi
$BUILD/bin/spinal-inspect --socket "$S" -n $NAME >"$D/insp.log" 2>&1 &&
	grep -A3 "last config verdicts" "$D/insp.log" | sed 's/^/     /' ||
	{ echo "FAIL - spinal-inspect after the attack"; cat "$D/insp.log"; rc=1; }
kill -TERM $CP; wait $CP; crc=$?; CP=
[ $crc = 0 ] && echo "ok   - core stopped cleanly" || { echo "FAIL - core exit status $crc"; rc=1; }
if grep -qE "AddressSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|runtime error|seccomp: thread" "$D/core.log"; then
	echo "FAIL - core log:"; cat "$D/core.log"; rc=1
fi
grep -c "model rejected" "$D/core.log" | sed 's/^/     model refusal lines logged (rate-limited): /'
[ $rc = 0 ] && echo "check-cfg-hostile: PASS" || { echo "check-cfg-hostile: FAIL"; tail -20 "$D/core.log"; }
exit $rc
