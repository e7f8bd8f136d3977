#!/bin/bash
# POST /params end to end: the agent's parameters can only narrow the core's
# hard limits, and no value can switch a check off (issue 12 item 1).
# The policy is a model that always asks for 3 m/s (hard limit 1.0), so every
# step below can fail: the command is at the hard limit, narrowing to 0.3 is
# obeyed, asking for 5 brings it back to exactly the hard limit (not 3, not 5),
# a bad value is a 4xx, and stale_state_ms = 1e-7 (which used to become 0 ns =
# "no stale check") is refused by the core with the numbers.
# Usage: params.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=pa$$
PORT=$((20000 + ($$ + 7) % 20000))
CTL=("$B/spinal-agent" ctl --listen 127.0.0.1:$PORT)
export SPINAL_RUN_DIR=$T/run

# a policy that always commands v = 3 m/s, omega = 0 (features ignored)
/usr/bin/python3 - "$here/../../tools" "$T/fast.nir" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import nir_export as nx
nx.write(sys.argv[2], nx.sequential([nx.affine(np.zeros((2, 40)), np.array([3.0, 0.0]))]))
EOF

"$B/spinal-core" --name "$INST" --duration 40 --max-speed 1.0 --goal 1000,0 -q \
	>"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
	--model "$T/fast.nir" >"$T/agent.log" 2>&1 &
PIDS+=($!)
cmd_v() { inspect_json "$INST" | json_get - "j['cmd']['v']"; }
v_is() { [ "$(inspect_json "$INST" | json_get - "int($1)")" = 1 ]; } # python test on j
# the same condition for 0.5 s (25 samples): not a passing moment
v_holds() { local i; for i in $(seq 25); do v_is "$1" || return 1; sleep 0.02; done; }

wait_for 10 v_is "abs(j['cmd']['v'] - 1.0) < 1e-4" ||
	fail "the policy (3 m/s) did not drive at the hard limit 1.0: v=$(cmd_v); $(tail -3 "$T/agent.log")"
v_holds "j['cmd']['v'] <= 1.0 + 1e-6" || fail "command above the hard limit: v=$(cmd_v)"
note "policy asks 3.0, hard limit 1.0: command v=$(cmd_v)"

"${CTL[@]}" params max_speed=0.3 >"$T/r1" || fail "params max_speed=0.3 refused: $(cat "$T/r1")"
grep -q '"accepted"' "$T/r1" || fail "core did not accept: $(cat "$T/r1")"
wait_for 3 v_is "abs(j['cmd']['v'] - 0.3) < 1e-4" ||
	fail "narrowed speed not applied: v=$(cmd_v)"
v_holds "abs(j['cmd']['v'] - 0.3) < 1e-4" || fail "narrowed speed not held: v=$(cmd_v)"
id=$(inspect_json "$INST" | json_get - "j['telemetry']['produced']")
note "max_speed=0.3: command v=$(cmd_v)"

"${CTL[@]}" params max_speed=5 >"$T/r2" || fail "params max_speed=5 refused: $(cat "$T/r2")"
grep -q '"accepted"' "$T/r2" || fail "core did not accept: $(cat "$T/r2")"
wait_for 3 v_is "abs(j['cmd']['v'] - 1.0) < 1e-4" ||
	fail "after max_speed=5 the command is $(cmd_v), not the hard limit 1.0"
v_holds "abs(j['cmd']['v'] - 1.0) < 1e-4" ||
	fail "a request above the hard limit moved the speed to $(cmd_v)"
note "max_speed=5 (hard limit 1.0): command v=$(cmd_v)"

if "${CTL[@]}" params max_speed=-7 >"$T/r3" 2>&1; then
	fail "max_speed=-7 was accepted: $(cat "$T/r3")"
fi
grep -q '"status":4' "$T/r3" || fail "bad value not answered with a 4xx: $(cat "$T/r3")"

# 1e-7 ms used to pass, become 0 ns and switch the stale-state check off
if "${CTL[@]}" params stale_state_ms=0.0000001 >"$T/r4" 2>&1; then
	fail "stale_state_ms=1e-7 was accepted: $(cat "$T/r4")"
fi
json_get "$T/r4" "j['status'] == 422 and j['reason'] == 'range' and j['detail'] == 'param_low' and j['index'] == 6 and abs(j['value'] - 1e-7) < 1e-12 and j['limit'] == 1" |
	grep -qx True || fail "stale_state_ms=1e-7: not a 422 range/param_low with the numbers: $(cat "$T/r4")"
grep -q 'stale_state_ms = 1e-07 is below the minimum 1' "$T/r4" || fail "no reason text: $(cat "$T/r4")"
inspect_json "$INST" | json_get - "j['config']['verdicts'][0]['detail']" | grep -qx param_low ||
	fail "spinal-inspect does not show the verdict"
# the set in force is still the last accepted one
v_holds "abs(j['cmd']['v'] - 1.0) < 1e-4" || fail "the refused set changed the command: v=$(cmd_v)"
note "stale_state_ms=1e-7: $(json_get "$T/r4" "j['error']")"
[ "$id" -gt 0 ] || fail "no telemetry"
echo "params: PASS"
