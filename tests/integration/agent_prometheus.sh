#!/bin/bash
# A real Prometheus server (Debian's prometheus) on loopback scrapes the
# agent; after two scrapes a spinal series is queried back through the
# Prometheus HTTP API.  The shipped alert rules load and pass promtool.
# Usage: agent_prometheus.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
command -v prometheus >/dev/null || fail "prometheus not installed (tools/deps/agent.txt)"
mk_scratch
INST=prom$$
PORT=$((20000 + $$ % 20000))
PPORT=$((PORT + 1))
rules=$(cd "$here/../../deploy/prometheus" && pwd)/spinal-alerts.yml
promtool check rules "$rules" >/dev/null || fail "promtool check rules $rules"

"$B/spinal-core" --name "$INST" --duration 60 -q >"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT >"$T/agent.log" 2>&1 &
PIDS+=($!)
wait_for 5 curl -sf "http://127.0.0.1:$PORT/metrics" || fail "agent /metrics not up"

cat >"$T/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: spinal
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOC
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address=127.0.0.1:$PPORT >"$T/prom.log" 2>&1 &
PIDS+=($!)
Q="http://127.0.0.1:$PPORT/api/v1/query"
wait_for 20 curl -sf "http://127.0.0.1:$PPORT/-/ready" || fail "prometheus not ready: $(tail -5 "$T/prom.log")"
# two scrapes: the counter has two samples in the last minute
two_scrapes() {
	curl -sf --get "$Q" --data-urlencode 'query=count_over_time(spinal_ticks_total[1m])' |
		json_get - 'int(j["data"]["result"][0]["value"][1]) >= 2' | grep -q True
}
wait_for 20 two_scrapes || fail "prometheus did not scrape the agent twice: $(tail -5 "$T/prom.log")"
curl -sf --get "$Q" --data-urlencode 'query=rate(spinal_ticks_total[10s])' >"$T/rate.json"
rate=$(json_get "$T/rate.json" 'float(j["data"]["result"][0]["value"][1])')
curl -sf --get "$Q" --data-urlencode \
	'query=histogram_quantile(0.99, rate(spinal_stage_latency_seconds_bucket{stage="wake"}[10s]))' >"$T/p99.json"
p99=$(json_get "$T/p99.json" 'j["data"]["result"][0]["value"][1]')
up=$(curl -sf --get "$Q" --data-urlencode 'query=up{job="spinal"}' | json_get - 'j["data"]["result"][0]["value"][1]')
note "through Prometheus: up=$up, rate(spinal_ticks_total)=$rate/s, wake lateness p99=$p99 s"
[ "$up" = 1 ] || fail "target not up"
/usr/bin/python3 -c "import sys; r=float(sys.argv[1]); sys.exit(0 if r > 0 else 1)" "$rate" ||
	fail "tick rate $rate/s is not positive"
curl -sf "http://127.0.0.1:$PPORT/api/v1/rules" | json_get - 'len(j["data"]["groups"][0]["rules"])' |
	grep -qx 6 || fail "alert rules not loaded"
echo "agent_prometheus: PASS"
