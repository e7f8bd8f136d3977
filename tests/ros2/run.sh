#!/bin/bash
# make check-ros2: spinal-ros2 (Cyclone DDS) against a plain rclpy robot
# (ROS 2 Kilted wheels, Fast DDS: tests/ros2/robot.py), all inside a private
# network namespace with multicast on its loopback, so DDS discovery never
# leaves this machine.  One core (--io shm) + agent (map, goals) + bridge;
# the robot runs these scenarios in turn:
#   pause  odometry paused -> exact zero command, not before --stale-ms
#   nan    NaN odometry -> counted by the bridge, zero command, never in the core
#   goal   bridge listed as a ROS node with the Kilted type hash; a goal in a
#          foreign frame refused; /goal_pose -> agent -> core; goal reached
#   qos    a TRANSIENT_LOCAL /cmd_vel subscription: both sides report it
#   term   SIGTERM of the bridge: the last command is zero
#   kill   SIGKILL of a new bridge: no zero arrives; the robot's own
#          cmd_vel_timeout (diff_drive_controller model) stops it
# Usage: tests/ros2/run.sh [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build
[ "${1:-}" = "--build" ] && BUILD=$2
B=$BUILD/bin
. tests/integration/lib_agent.sh

PY=$(tools/pyenv ros2)
mk_scratch
INST=r2t$$
NS=spinal-r2t$$
STALE_MS=200
START=2,8
GOAL=8,8
export ROS_DOMAIN_ID=$(( $$ % 200 + 1 ))
export RMW_IMPLEMENTATION=rmw_fastrtps_cpp
# rclpy logs to a directory of its own
export ROS_LOG_DIR=$T/roslog

ip netns add "$NS"
trap 'cleanup_ns' EXIT
cleanup_ns() {
	local rc=$?
	set +e
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f /dev/shm/spinal."$INST".* 2>/dev/null
	[ $rc -ne 0 ] && for f in "$T"/*.log "$T"/*.err; do [ -s "$f" ] && { echo "--- $f"; tail -n 25 "$f"; }; done >&2
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit $rc
}
ip -n "$NS" link set lo up multicast on
ip -n "$NS" route add 224.0.0.0/4 dev lo
nsx() { ip netns exec "$NS" "$@"; }
# background: exec all the way down, so $! is the program's own pid
nsx_bg() { ( exec ip netns exec "$NS" "$@" ) & }

# the floor map without its built-in goal: the robot must not move before /goal_pose
/usr/bin/python3 - data/maps/floor.json "$T/map.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("goal", None)
json.dump(m, open(sys.argv[2], "w"))
PY
chmod 644 "$T/map.json"

nsx_bg "$B/spinal-core" --name "$INST" --io shm --no-rt --fallback-only --stale-ms $STALE_MS \
	--wd-timeout-ms 0 --max-consec-miss 0 --duration 600 -q >"$T/core.log" 2>&1
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
nsx_bg "$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:9477 \
	--graph "$T/map.json" --stall-min-ms 1000 >"$T/agent.log" 2>&1
PIDS+=($!)
wait_for 10 nsx curl -sf 127.0.0.1:9477/status || fail "agent API not up"

start_bridge() {
	nsx_bg "$B/spinal-ros2" --name "$INST" --odom-in-map $START,0 --wait 5 \
		--status-ms 5000 >>"$T/bridge.log" 2>>"$T/bridge.err"
	BRIDGE=$!
	PIDS+=($BRIDGE)
}
robot() {
	local s=$1; shift
	# ROS2_ONLY="goal kill": run just these (development)
	[ -n "${ROS2_ONLY:-}" ] && [[ " $ROS2_ONLY " != *" $s "* ]] && return 0
	nsx "$PY" tests/ros2/robot.py --scenario "$s" --start $START --goal $GOAL \
		--stale-ms $STALE_MS "$@" >"$T/robot-$s.log" 2>"$T/robot-$s.err" ||
		fail "scenario $s: $(grep -h FAIL "$T/robot-$s.err" | tail -n 1)"
	note "$s: $(tail -n 1 "$T/robot-$s.log" | cut -c1-400)"
}

start_bridge
robot pause
robot nan
# the core never saw a NaN state: the bridge dropped them all
rej=$(json_get <(inspect_json "$INST") 'j.get("io", {}).get("state_rejected", 0)' 2>/dev/null || echo 0)
[ "${rej:-0}" = 0 ] || fail "the core rejected $rej states: NaN odometry got through the bridge"
[ -n "${ROS2_ONLY:-}" ] || grep -q 'odometry rejected (nan)' "$T/bridge.err" || fail "the bridge did not report NaN odometry"
robot goal --timeout 60
robot qos
[ -n "${ROS2_ONLY:-}" ] || grep -q 'cmd_vel: a subscriber requests QoS this publisher cannot give (DURABILITY' "$T/bridge.err" ||
	fail "the bridge did not name the incompatible policy: $(grep -i qos "$T/bridge.err" | tail -n 2)"
note "bridge says: $(grep -m1 'cannot give' "$T/bridge.err" | cut -c1-200)"
robot term --bridge-pid $BRIDGE --goal 5,8
wait $BRIDGE 2>/dev/null || fail "spinal-ros2 did not exit 0 on SIGTERM"
grep -q 'spinal-ros2: stopped:' "$T/bridge.log" || fail "no exit summary from spinal-ros2"
start_bridge
robot kill --bridge-pid $BRIDGE --goal 7,8
echo "check-ros2: PASS (rclpy $("$PY" -c 'import importlib.metadata as m; print(m.version("ros-rclpy"))') on Fast DDS <-> spinal-ros2 on Cyclone DDS $(pkg-config --modversion CycloneDDS 2>/dev/null))"
