#!/bin/bash
# Watchdog (issue 6): SIGSTOP the core -> the agent reports a stall within
# the configured bound and raises safe stop; SIGCONT -> recovery reported and
# safe stop cleared; SIGKILL the core -> reported through the pidfd at once,
# core_dead in /metrics, safe_stop_req in the agent info that drivers read.
# Usage: agent_watchdog.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=wd$$
PORT=$((20000 + $$ % 20000))
URL=http://127.0.0.1:$PORT
STALL_MS=50

"$B/spinal-core" --name "$INST" --duration 60 --wd-timeout-ms 0 -q >"$T/core.log" 2>&1 &
CORE=$!; PIDS+=($CORE)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
	--stall-periods 2 --stall-min-ms $STALL_MS >"$T/agent.log" 2>&1 &
PIDS+=($!)
wait_for 5 bash -c "curl -sf $URL/status | grep -q '\"attached\":true'" || fail "agent not attached"
wait_for 3 bash -c "curl -sf $URL/metrics | grep -qx 'spinal_core_dead 0'" || fail "core_dead not 0 at start"
grep stalled "$T/agent.log" && note "note: a stall was seen before the test stopped the core (loaded host)"
nstall=$(grep -c stalled "$T/agent.log" || true)

ms() { echo $(( $(date +%s%N) / 1000000 )); }
status() { curl -sf "$URL/status" | json_get - "j['watchdog']['$1']"; }

t0=$(ms); kill -STOP $CORE
wait_for 5 bash -c "[ \$(grep -c stalled '$T/agent.log') -gt $nstall ]" || fail "stall not detected"
t1=$(ms)
[ "$(status safe_stop_requested)" = True ] || fail "safe stop not raised on stall"
wait_for 1 bash -c "curl -sf $URL/metrics | grep -qx 'spinal_core_dead 1'" || fail "core_dead not 1 on stall"
note "SIGSTOP: stall reported after ~$((t1 - t0)) ms (bound $STALL_MS ms): $(grep stalled "$T/agent.log" | tail -1)"
[ $((t1 - t0)) -lt $((STALL_MS + 500)) ] || fail "stall detection took $((t1 - t0)) ms"

kill -CONT $CORE
wait_for 5 grep -q "recovered" "$T/agent.log" || fail "recovery not reported"
[ "$(status safe_stop_requested)" = False ] || fail "safe stop not cleared on recovery"
note "SIGCONT: $(grep recovered "$T/agent.log" | tail -1)"

sleep 0.2
t0=$(ms); kill -KILL $CORE
wait_for 5 grep -q "died without stopping" "$T/agent.log" || fail "core death not reported"
t1=$(ms)
note "SIGKILL: death reported after ~$((t1 - t0)) ms (measured by polling the log every 50 ms)"
[ $((t1 - t0)) -lt 500 ] || fail "death detection took $((t1 - t0)) ms"
curl -sf "$URL/metrics" | grep -qx 'spinal_core_dead 1' || fail "core_dead not 1 after death"
curl -sf "$URL/metrics" | grep -qx 'spinal_safe_stop_requested 1' || fail "safe stop not raised after death"
echo "agent_watchdog: PASS"
