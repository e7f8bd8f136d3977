#!/bin/bash
# Seccomp against the real workload: core with --socket (seccomp on by default),
# agent through the socket sending the map, the SNN model, a parameter set, an
# e-stop and its clearing, a second model and a new goal.  The core must stay
# alive (no SIGSYS: exit 0), apply everything and reach the goal.
# Usage: seccomp_full.sh [BIN_DIR]    (root: the core drops to spinal-core)
set -euo pipefail
B=${1:-build/bin}
T=$(mktemp -d /tmp/spinal-sc-XXXXXX)
chmod 755 "$T"
INST=sc$$
PORT=$((20000 + ($$ + 11) % 20000))
SOCK=$T/core.sock
pids=()
cleanup() { set +e; for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; rm -f /dev/shm/spinal.$INST.*; }
trap cleanup EXIT
fail() { echo "seccomp_full: FAIL: $*" >&2; echo "--- core:" >&2; cat "$T/core.err" >&2; echo "--- agent:" >&2; tail -5 "$T/agent.err" >&2; exit 1; }
jq_() { /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
ins() { "$B/spinal-inspect" --socket "$SOCK" --json; }

"$B/spinal-core" -n "$INST" --socket "$SOCK" --start 2,8,0 -d 40 2>"$T/core.err" &
core=$!; pids+=($core)
for _ in $(seq 200); do grep -q "privileges:" "$T/core.err" && [ -S "$SOCK" ] && break; sleep 0.05; done
grep -q "seccomp trap" "$T/core.err" || fail "core did not report seccomp on"
"$B/spinal-agent" -n "$INST" --socket "$SOCK" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
	--graph data/maps/floor.json --model data/models/default.nir --goal-node 189 2>"$T/agent.err" &
pids+=($!)
ctl() { "$B/spinal-agent" ctl --listen 127.0.0.1:$PORT "$@" >/dev/null || fail "ctl $* refused"; }
for _ in $(seq 100); do
	[ "$(ins 2>/dev/null | jq_ "j['model']['neurons'] > 0 and j['graph']['nodes'] == 293")" = True ] && break
	sleep 0.1
done
[ "$(ins | jq_ "j['model']['neurons'] > 0 and j['graph']['nodes'] == 293")" = True ] || fail "map/model not loaded"
ctl params max_speed=0.7
ctl estop
ctl estop-clear
ctl model "$PWD/data/models/default.nir"
[ "$(ins | jq_ "j['model']['loaded_generation']")" -ge 2 ] || fail "second model not loaded"
for _ in $(seq 300); do
	[ "$(ins 2>/dev/null | jq_ "j['goal_reached']")" = True ] && break
	kill -0 $core 2>/dev/null || fail "core died"
	sleep 0.1
done
[ "$(ins | jq_ "j['goal_reached']")" = True ] || fail "goal not reached"
kill -TERM $core
rc=0; wait $core || rc=$?
[ $rc = 0 ] || fail "core exited $rc (159 = SIGSYS from seccomp)"
grep -q "forbidden system call" "$T/core.err" && fail "seccomp reported a forbidden call"
echo "seccomp_full: PASS (map, model x2, params, e-stop, goal reached under the filter; clean exit)"
