#!/bin/bash
# POST /params end to end: the agent's parameters can only narrow the core's
# hard limits.  Narrow max_speed -> the live command obeys it; ask for more
# than the hard limit -> nothing is raised; a bad value -> 4xx, nothing sent.
# Usage: params.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=pa$$
PORT=$((20000 + ($$ + 7) % 20000))
CTL=("$B/spinal-agent" ctl --listen 127.0.0.1:$PORT)

# the follower drives toward a far goal at its cruise speed (0.8 m/s < hard 1.0)
"$B/spinal-core" --name "$INST" --duration 30 --fallback-only --goal 40,0 -q >"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT >"$T/agent.log" 2>&1 &
PIDS+=($!)
cmd_v() { inspect_json "$INST" | json_get - "j['cmd']['v']"; }
v_is() { [ "$(inspect_json "$INST" | json_get - "int($1)")" = 1 ]; } # python test on j
wait_for 5 v_is "j['cmd']['v'] > 0.7" ||
	fail "robot did not reach cruise speed: v=$(cmd_v)"

"${CTL[@]}" params max_speed=0.3 >"$T/r1" || fail "params max_speed=0.3 refused: $(cat "$T/r1")"
grep -q '"accepted"' "$T/r1" || fail "core did not accept: $(cat "$T/r1")"
wait_for 3 v_is "abs(j['cmd']['v'] - 0.3) < 1e-4" ||
	fail "narrowed speed not applied: v=$(cmd_v)"
id=$(inspect_json "$INST" | json_get - "j['telemetry']['produced']")
note "max_speed=0.3: command v=$(cmd_v)"

"${CTL[@]}" params max_speed=5 >"$T/r2" || fail "params max_speed=5 refused: $(cat "$T/r2")"
sleep 1
v=$(cmd_v)
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$v') <= 1.0 + 1e-6 else 1)" ||
	fail "a request above the hard limit raised the speed to $v"
note "max_speed=5 (hard limit 1.0): command v=$v"

if "${CTL[@]}" params max_speed=-7 >"$T/r3" 2>&1; then
	fail "max_speed=-7 was accepted: $(cat "$T/r3")"
fi
grep -q '"status":4' "$T/r3" || fail "bad value not answered with a 4xx: $(cat "$T/r3")"
[ "$id" -gt 0 ] || fail "no telemetry"
echo "params: PASS"
