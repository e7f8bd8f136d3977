#!/bin/bash
# The agent's config link against a real spinal-core:
#  - a bad --graph file is refused at start with file:line, nothing is sent;
#  - --graph data/maps/floor.json --model data/models/default.nir reach the
#    core: graph 293 nodes, generation >= 1, model id != 0, neurons > 0,
#    config.accepted rising;
#  - POST /estop zeroes the command (aas.interventions.estop rising, cmd.v 0),
#    /estop/clear releases it;
#  - a goal node (and a goal point -> nearest node) takes effect: telemetry
#    records carry the new goal_node;
#  - spinal-agent ctl graph FILE / model FILE work end to end;
#  - [core] tunables on SIGHUP are sent and the core's verdict is logged;
#  - a restarted agent continues above the core's last accepted seq;
#  - a restarted core gets map and model back after the re-attach.
# Usage: agent_core_cfg.sh [BIN_DIR]
set -euo pipefail
B=$(cd "${1:-build/bin}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=cfg$$
PORT=$((20000 + ($$ + 7) % 20000))
URL=http://127.0.0.1:$PORT
MAP=$root/data/maps/floor.json
MODEL=$root/data/models/default.nir
cp "$MAP" "$MODEL" "$T/" && chmod 644 "$T"/floor.json "$T"/default.nir
MAP=$T/floor.json MODEL=$T/default.nir

# q EXPR: evaluate on the inspector's JSON (python, object j)
q() { inspect_json "$INST" | json_get - "$1"; }
qtrue() { [ "$(q "$1")" = True ]; }

start_core() {
	"$B/spinal-core" --name "$INST" --duration 120 -q >>"$T/core.log" 2>&1 &
	CORE=$!; PIDS+=($CORE)
	wait_for 5 inspect_json "$INST" || fail "core did not come up: $(cat "$T/core.log")"
}
start_core

# --- a bad graph file: refused at start, with file:line, nothing sent
/usr/bin/python3 - "$MAP" "$T/bad.json" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
for i, l in enumerate(lines):
    if '"id": 40,' in l:
        lines[i] = re.sub(r'"x": [-0-9.]+', '"x": 2e7', l)
        break
open(sys.argv[2], "w").write("\n".join(lines))
EOF
badline=$(grep -n '"x": 2e7' "$T/bad.json" | cut -d: -f1)
chmod 644 "$T/bad.json"
set +e
"$B/spinal-agent" --name "$INST" --log-dir "$T/logbad" --listen off --graph "$T/bad.json" \
	2>"$T/bad.log"; rc=$?
set -e
[ $rc = 2 ] || fail "agent with a bad graph exited $rc, expected 2: $(cat "$T/bad.log")"
grep -q "bad.json:$badline: nodes\[40\].x" "$T/bad.log" || fail "no file:line error: $(cat "$T/bad.log")"
qtrue 'j["config"]["accepted"] == 0 and j["config"]["rejected"] == 0 and j["graph"]["nodes"] == 0' ||
	fail "something reached the core from a refused agent"
set +e
"$B/spinal-agent" --name "$INST" --log-dir "$T/logbad" --listen off --graph "$MAP" \
	--goal-node 99999 2>"$T/bad2.log"; rc=$?
set -e
[ $rc = 2 ] && grep -q "goal node 99999 is not a node of" "$T/bad2.log" ||
	fail "bad --goal-node: rc $rc $(cat "$T/bad2.log")"
note "bad graph refused: $(tail -1 "$T/bad.log" | sed 's/^spinal-agent\[[^]]*\]: //')"

# --- graph + model at start
cat >"$T/agent.ini" <<EOC
[agent]
flush_records = 64
flush_ms = 50
EOC
chmod 644 "$T/agent.ini"
start_agent() {
	"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
		--config "$T/agent.ini" --graph "$MAP" --model "$MODEL" >>"$T/agent.log" 2>&1 &
	AG=$!; PIDS+=($AG)
}
start_agent
wait_for 5 qtrue 'j["graph"]["nodes"] == 293 and j["model"]["neurons"] > 0' ||
	fail "graph/model did not reach the core: $(cat "$T/agent.log")"
qtrue 'j["graph"]["generation"] >= 1 and j["model"]["id"] != "0000000000000000" and j["config"]["accepted"] >= 2' ||
	fail "inspector: $(inspect_json "$INST")"
acc0=$(q 'j["config"]["accepted"]')
note "start: $(q '"graph %d nodes gen %d, model %s %d neurons, config accepted %d" % (j["graph"]["nodes"], j["graph"]["generation"], j["model"]["id"], j["model"]["neurons"], j["config"]["accepted"])')"
grep -q "graph .*floor.json (293 nodes): accepted" "$T/agent.log" || fail "agent log: $(cat "$T/agent.log")"

post() { # post PATH BODY WANT_STATUS
	local got
	got=$(curl -s -o "$T/resp.json" -w '%{http_code}' -X POST --data-binary "$2" "$URL$1")
	[ "$got" = "$3" ] || fail "POST $1 '$2': HTTP $got, expected $3: $(cat "$T/resp.json")"
}

# --- e-stop: command zero, estop interventions rising; clear releases
post /estop '{"reason":"test"}' 200
json_get "$T/resp.json" 'j["sent"] == "estop_set" and j["result"] == "accepted" and j["seq"] > 0' >/dev/null ||
	fail "estop answer $(cat "$T/resp.json")"
sleep 0.1
e1=$(q 'j["aas"]["interventions"]["estop"]')
sleep 0.2
qtrue "j['aas']['interventions']['estop'] > $e1 and j['cmd']['v'] == 0 and j['cmd']['omega'] == 0" ||
	fail "e-stop did not zero the command: $(q 'j["cmd"], j["aas"]["interventions"]')"
post /estop/clear '' 200
sleep 0.1
e2=$(q 'j["aas"]["interventions"]["estop"]')
sleep 0.2
qtrue "j['aas']['interventions']['estop'] == $e2" || fail "e-stop still active after clear"
note "e-stop: estop interventions $e1 -> $e2 while set, stable after clear"

# --- goal node and goal point take effect (telemetry goal_node)
last_goal() {
	"$B/spinal-agent" export "$T/log" 2>/dev/null | tail -n 1 |
		/usr/bin/python3 -c 'import sys; print(sys.stdin.read().split(",")[23])'
}
"$B/spinal-agent" export -o "$T/export.csv" "$T/log" 2>/dev/null
[ "$(sed -n 1p "$T/export.csv" | cut -d, -f24)" = goal_node ] ||
	fail "export CSV column 24 is not goal_node"
post /goal '{"node":100}' 200
wait_for 3 bash -c "[ \"\$($(declare -f last_goal); B=$B T=$T last_goal)\" = 100 ]" ||
	fail "goal node 100 not in telemetry (last goal_node $(last_goal))"
post /goal '{"x":10.2,"y":7.9}' 200
json_get "$T/resp.json" 'j["node"] == 8 and j["distance_m"] < 0.3' >/dev/null ||
	fail "goal point -> nearest node: $(cat "$T/resp.json")"
wait_for 3 bash -c "[ \"\$($(declare -f last_goal); B=$B T=$T last_goal)\" = 8 ]" ||
	fail "goal node 8 not in telemetry"
post /goal '{"node":424242}' 422
json_get "$T/resp.json" 'j["reason"] == "no_node"' >/dev/null || fail "missing node: $(cat "$T/resp.json")"
note "goal: node 100, then point (10.2, 7.9) -> node 8, both in telemetry; missing node -> 422 no_node"

# --- ctl graph / model end to end
g0=$(q 'j["graph"]["generation"]'); m0=$(q 'j["model"]["loaded_generation"]')
(cd "$T" && "$B/spinal-agent" ctl --listen 127.0.0.1:$PORT graph floor.json >"$T/ctlg.json") ||
	fail "ctl graph: $(cat "$T/ctlg.json")"
(cd "$T" && "$B/spinal-agent" ctl --listen 127.0.0.1:$PORT model default.nir >"$T/ctlm.json") ||
	fail "ctl model: $(cat "$T/ctlm.json")"
json_get "$T/ctlm.json" 'j["result"] == "accepted" and len(j["blob_id"]) == 16' >/dev/null ||
	fail "ctl model answer $(cat "$T/ctlm.json")"
wait_for 3 qtrue "j['graph']['generation'] > $g0 and j['model']['loaded_generation'] > $m0" ||
	fail "ctl graph/model did not reach the core"
set +e
"$B/spinal-agent" ctl --listen 127.0.0.1:$PORT model "$T/nope.nir" >"$T/ctlbad.json"; rc=$?
set -e
[ $rc = 1 ] && grep -q '"status":422' "$T/ctlbad.json" || fail "ctl model of a missing file: rc $rc $(cat "$T/ctlbad.json")"
note "ctl: graph gen $g0 -> $(q 'j["graph"]["generation"]'), model generation $m0 -> $(q 'j["model"]["loaded_generation"]')"

# --- [core] tunables on SIGHUP: sent, verdict logged (this core has no handler)
cat >>"$T/agent.ini" <<EOC
[core]
max_speed = 0.5
EOC
kill -HUP $AG
wait_for 3 grep -q "config: \[core\] tunables" "$T/agent.log" || fail "tunables not sent on reload"
line=$(grep "config: \[core\] tunables" "$T/agent.log" | tail -1)
grep -qE "accepted|REJECTED by the core \(seq [0-9]+, reason no_handler\)" <<<"$line" ||
	fail "tunables verdict: $line"
note "reload: ${line#*: }"

acc1=$(q 'j["config"]["accepted"]')
[ "$acc1" -gt "$acc0" ] || fail "config.accepted did not rise ($acc0 -> $acc1)"

# --- restarted agent: continues above the core's last accepted seq
kill -9 $AG; wait $AG 2>/dev/null || true
start_agent
wait_for 5 grep -q "attached to core" <(tail -n 5 "$T/agent.log") || true
wait_for 5 curl -sf "$URL/status" || fail "agent 2 not up"
wait_for 5 bash -c "curl -sf $URL/status | grep -q '\"link\":true'" || fail "agent 2 has no config link"
post /estop '' 200
post /estop/clear '' 200
qtrue 'j["config"]["rejected_by"]["seq"] == 0' || fail "a restarted agent reused sequence numbers"
note "agent restart: seq continued ($(q 'j["config"]["accepted"]') accepted, 0 seq rejections)"

# --- restarted core: graph and model come back after the re-attach
kill -TERM $CORE; wait $CORE 2>/dev/null || true
start_core
wait_for 8 qtrue 'j["graph"]["nodes"] == 293 and j["model"]["neurons"] > 0' ||
	fail "restarted core did not get graph/model back: $(tail -n 5 "$T/agent.log")"
note "core restart: graph $(q 'j["graph"]["nodes"]') nodes and model $(q 'j["model"]["id"]') resent"
echo "agent_core_cfg: PASS"
