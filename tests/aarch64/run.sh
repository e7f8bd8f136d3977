#!/bin/bash
# make check-aarch64: the aarch64 build under qemu-user, checked against this host.
#  1. every unit test binary under qemu-aarch64, except two whose subject
#     qemu-user does not emulate (printed): test_privsep (seccomp filters see
#     qemu's host system calls; per-thread capability state) and test_wd
#     (qemu-user answers unknown ioctls with ENOSYS, the test expects the
#     kernel's ENOTTY-to-ENODEV path);
#  2. spinal-closedloop --pairs 20 (the SNN policy in simulated time): the same
#     summary as this host's build, tick for tick;
#  3. a log recorded by the aarch64 closed loop replays bit for bit with this
#     host's spinal-replay;
#  4. the aarch64 spinal-core (--io shm) with the aarch64 C driver of
#     docs/driver.md (libspinal-driver.so) for a few seconds: this host's
#     spinal-inspect reads the aarch64 core's regions (one ABI across
#     architectures) and sees the robot drive; spinal-ros2 --version runs.
# Usage: tests/aarch64/run.sh [--build DIR] [--host DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
A=build/aarch64 H=build
while [ $# -gt 0 ]; do
	case $1 in --build) A=$2; shift 2 ;; --host) H=$2; shift 2 ;; *) echo "usage: $0 [--build DIR] [--host DIR]" >&2; exit 2 ;; esac
done
Q=${QEMU_AARCH64:-qemu-aarch64-static}
command -v "$Q" >/dev/null || { echo "check-aarch64: $Q missing (tools/deps/aarch64.txt)" >&2; exit 1; }
[[ $(file "$A/bin/spinal-core") == *"ARM aarch64"* ]] || { echo "check-aarch64: $A/bin/spinal-core is not an aarch64 binary" >&2; exit 1; }
B=$H/bin
. tests/integration/lib_agent.sh
mk_scratch

# 1. unit tests
pass=0
for t in "$A"/tests/test_*; do
	n=$(basename "$t")
	case $n in
	test_privsep|test_wd) note "$n: skipped under qemu-user (see the header of this script)"; continue ;;
	esac
	"$Q" "$t" >"$T/$n.log" 2>&1 || { tail -n 20 "$T/$n.log" >&2; fail "$n failed under $Q"; }
	pass=$((pass + 1))
done
note "unit tests: $pass binaries passed under $Q"

# 2. the closed loop: same result on both architectures
"$Q" "$A/bin/spinal-closedloop" --pairs 20 -q >"$T/cl-a64.txt"
"$B/spinal-closedloop" --pairs 20 -q >"$T/cl-host.txt"
cmp -s "$T/cl-a64.txt" "$T/cl-host.txt" ||
	{ diff "$T/cl-host.txt" "$T/cl-a64.txt" >&2; fail "closed loop differs between $(uname -m) and aarch64"; }
note "closed loop, aarch64 = $(uname -m): $(head -n 1 "$T/cl-a64.txt")"

# 3. a log from the ARM build replays bit for bit here
"$Q" "$A/bin/spinal-closedloop" --pairs 1 -q --record "$T/a64.tlog" >/dev/null
"$B/spinal-replay" "$T/a64.tlog" -q >"$T/replay.txt" 2>&1 ||
	{ cat "$T/replay.txt" >&2; fail "the aarch64 log does not replay bit for bit on $(uname -m)"; }
note "replay on $(uname -m) of an aarch64 log: $(tail -n 1 "$T/replay.txt")"

# 4. live: aarch64 core + aarch64 C driver under qemu, this host's inspector
INST=a64$$
"$Q" "$A/bin/spinal-core" --name "$INST" --io shm --no-rt --fallback-only --goal 3,0 \
	--stale-ms 500 --max-consec-miss 0 --wd-timeout-ms 0 --period-us 2000 --duration 30 -q \
	>"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 10 inspect_json "$INST" || { cat "$T/core.log" >&2; fail "aarch64 core did not come up"; }
"$Q" -E LD_LIBRARY_PATH="$A/lib" "$A/examples/minimal_driver" "$INST" 8 >"$T/drv.log" 2>&1 &
DRV=$!
PIDS+=($DRV)
moved() { [ "$(json_get <(inspect_json "$INST") 'j["pose"]["x"] > 0.3 and j["cmd"]["v"] > 0')" = True ]; }
wait_for 15 moved || { cat "$T/core.log" "$T/drv.log" >&2; inspect_json "$INST" >&2; fail "the aarch64 robot did not drive"; }
note "live under $Q: $(json_get <(inspect_json "$INST") '"core %s, %d ticks, pose x %.2f, cmd v %.2f" % (j["state"], j["ticks"], j["pose"]["x"], j["cmd"]["v"])')"
kill $DRV 2>/dev/null || true
"$Q" "$A/bin/spinal-ros2" --version >"$T/ros2.txt" || fail "aarch64 spinal-ros2 does not run"
note "$(cat "$T/ros2.txt")"
echo "check-aarch64: PASS"
