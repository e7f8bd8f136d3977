#!/bin/bash
# Control API, /metrics and config (issue 6):
#  - promtool check metrics passes on a live /metrics;
#  - every endpoint's good and bad requests get the documented status and a
#    JSON error body; valid requests reach the core (this core has no graph
#    and no model: goals are refused with the core's reason, e-stop works,
#    a parameter set is accepted: it can only narrow the core's limits);
#  - spinal-agent ctl reaches the same API;
#  - SIGHUP reload with a good file applies it, with a bad file rejects it
#    whole with file:line errors and keeps running; a bad file at start exits 2.
# Usage: agent_api.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=api$$
PORT=$((20000 + $$ % 20000))
URL=http://127.0.0.1:$PORT

"$B/spinal-core" --name "$INST" --duration 60 -q >"$T/core.log" 2>&1 &
CORE=$!; PIDS+=($CORE)
wait_for 5 inspect_json "$INST" || fail "core did not come up"

cat >"$T/agent.ini" <<EOC
[agent]
flush_records = 256
flush_ms = 100
EOC
chmod 644 "$T/agent.ini"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
	--config "$T/agent.ini" >"$T/agent.log" 2>&1 &
AG=$!; PIDS+=($AG)
wait_for 5 curl -sf "$URL/status" || fail "agent HTTP not up: $(cat "$T/agent.log")"
wait_for 5 bash -c "curl -sf $URL/status | grep -q '\"attached\":true'" || fail "agent not attached"

# --- /metrics
curl -sf "$URL/metrics" >"$T/metrics.txt"
promtool check metrics <"$T/metrics.txt" || fail "promtool check metrics failed"
for m in spinal_ticks_total spinal_overruns_total spinal_telemetry_produced_total \
	spinal_telemetry_written_total spinal_telemetry_dropped_total spinal_core_state \
	spinal_heartbeat_age_seconds 'spinal_stage_latency_seconds_bucket{stage="sfs",le="+Inf"}' \
	'spinal_aas_interventions_total{reason="estop"}' spinal_graph_generation spinal_core_dead; do
	grep -qF "$m" "$T/metrics.txt" || fail "metric $m missing"
done
note "promtool check metrics: ok ($(grep -vc '^#' "$T/metrics.txt") samples)"

# --- API: method path body expected-status
expect() {
	local method=$1 path=$2 body=$3 want=$4 got
	got=$(curl -s -o "$T/resp.json" -w '%{http_code}' -X "$method" \
		-H 'Content-Type: application/json' --data-binary "$body" "$URL$path")
	[ "$got" = "$want" ] || fail "$method $path '$body': HTTP $got, expected $want: $(cat "$T/resp.json")"
	if [ "$want" -ge 400 ]; then
		json_get "$T/resp.json" 'j["error"] and j["status"]' >/dev/null ||
			fail "$method $path: error body is not {error, status}: $(cat "$T/resp.json")"
	fi
}
expect GET /status '' 200
json_get "$T/resp.json" 'j["attached"] and j["core_pid"] > 0' >/dev/null || fail "/status content"
expect POST /status '' 405
expect GET /nope '' 404
expect GET /goal '' 405
expect POST /goal '{"x":1.5,"y":-2}' 409
grep -q "needs the graph" "$T/resp.json" || fail "409 does not say why"
expect POST /goal '{"node":3}' 422
json_get "$T/resp.json" 'j["reason"] == "no_node" and j["seq"] > 0' >/dev/null ||
	fail "goal on a core without graph: $(cat "$T/resp.json")"
expect POST /goal '{"x":"a","y":1}' 400
expect POST /goal '{"x":1}' 400
expect POST /goal '{"x":1,"y":2,"z":3}' 400
expect POST /goal '{"x":1e9,"y":0}' 422
expect POST /goal 'not json' 400
expect POST /goal '{"x":1,"y":2} trailing' 400
expect POST /goal '[1,2]' 400
expect POST /goal '' 400
expect POST /estop '' 200
json_get "$T/resp.json" 'j["sent"] == "estop_set" and j["result"] == "accepted"' >/dev/null ||
	fail "estop answer: $(cat "$T/resp.json")"
expect POST /estop '{"reason":"test"}' 200
expect POST /estop '{"reason":5}' 400
expect POST /estop/clear '' 200
expect POST /params '{"max_speed":0.5}' 200
[ "$(json_get "$T/resp.json" 'j["result"]')" = accepted ] || fail "params: $(cat "$T/resp.json")"
expect POST /params '{"max_speed":1000}' 422
expect POST /params '{"bogus":1}' 400
expect POST /params '{}' 400
expect POST /graph '{"version":1,"nodes":[{"id":0,"x":0,"y":0},{"id":1,"x":1,"y":0}],"edges":[{"from":0,"to":1}]}' 200
expect POST /graph '{"nodes":5}' 400
expect POST /graph '{"version":1,"nodes":[{"id":0,"x":"a","y":0}]}' 422
grep -q 'request:1: nodes\[0\].x' "$T/resp.json" || fail "graph error lacks request:line: field: $(cat "$T/resp.json")"
expect POST /goal '{"node":1}' 200
expect POST /model '{"path":"/tmp/m.nir"}' 422
expect POST /model '{}' 400
expect POST /model '{"path":"/tmp/m.nir","dt":0}' 422
curl -sf "$URL/metrics" >"$T/metrics2.txt"
grep -q 'spinal_config_messages_rejected_total{reason="no_handler"} 0' "$T/metrics2.txt" &&
	grep -q 'spinal_config_messages_rejected_total{reason="no_node"} 1' "$T/metrics2.txt" ||
	fail "reject reason labels missing in /metrics: $(grep rejected_total "$T/metrics2.txt")"
note "API: 31 requests answered as documented"

# --- ctl
"$B/spinal-agent" ctl --listen 127.0.0.1:$PORT status >"$T/ctl.json" || fail "ctl status failed"
json_get "$T/ctl.json" 'j["attached"]' | grep -q True || fail "ctl status content"
set +e
"$B/spinal-agent" ctl --listen 127.0.0.1:$PORT goal 1 2 >/dev/null; rc=$?
set -e
[ $rc = 0 ] || fail "ctl goal (nearest node of the posted graph) should exit 0, got $rc"
set +e
"$B/spinal-agent" ctl --listen 127.0.0.1:$PORT goal-node 77 >/dev/null; rc=$?
set -e
[ $rc = 1 ] || fail "ctl goal-node of a missing node (422) should exit 1, got $rc"
set +e
"$B/spinal-agent" ctl --listen 127.0.0.1:1 status >/dev/null 2>&1; rc=$?
set -e
[ $rc = 2 ] || fail "ctl to a dead port should exit 2, got $rc"

# --- config reload
cat >"$T/agent.ini" <<EOC
[agent]
flush_records = 128
flush_ms = 50
fsync = batch
EOC
kill -HUP $AG
wait_for 3 grep -q "flush every 128 records or 50 ms" "$T/agent.log" || fail "good reload not applied: $(tail -3 "$T/agent.log")"
cat >"$T/agent.ini" <<EOC
[agent]
flush_records = 64
bogus_key = 1
flush_ms = -5
[core]
max_speed = 1e9
EOC
kill -HUP $AG
wait_for 3 grep -q "config reload rejected" "$T/agent.log" || fail "bad reload not rejected"
line=$(grep "config reload rejected" "$T/agent.log" | tail -1)
for want in "agent.ini:3: unknown key 'bogus_key'" "agent.ini:4: flush_ms" "agent.ini:6: [core]"; do
	grep -qF "$want" <<<"$line" || fail "reload error lacks '$want': $line"
done
grep -q "flush every 64" "$T/agent.log" && fail "part of a bad file was applied"
kill -0 $AG || fail "agent died on a bad reload"
curl -sf "$URL/metrics" | grep -q 'spinal_agent_config_reloads_total{result="error"} 1' || fail "reload error not counted"
note "reload: good file applied, bad file rejected whole: $line"
set +e
"$B/spinal-agent" --name x --listen off --log-dir "$T/l2" --config "$T/agent.ini" 2>"$T/bad.log"; rc=$?
set -e
[ $rc = 2 ] && grep -q "agent.ini:3" "$T/bad.log" || fail "bad config at start: rc $rc, $(cat "$T/bad.log")"
echo "agent_api: PASS"
