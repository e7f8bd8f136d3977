#!/bin/bash
# Per-stage latency of the whole pipeline (default map, trained SNN loaded by
# the agent, robot driving toward the far goal) over S seconds at 1 kHz and at
# 10 kHz, next to the seed service's p99 budgets (SFS 2 ms, SPS 5 ms, AAS 1 ms,
# VI 1 ms) as ratios.  Prints a table; asserts nothing.
# Usage: tools/bench/pipeline_stages.sh [BIN_DIR] [SECONDS]   (default 60)
set -euo pipefail
B=${1:-build/bin}
S=${2:-60}
T=$(mktemp -d /tmp/spinal-ps-XXXXXX)
chmod 755 "$T"
pids=()
cleanup() { set +e; for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T" /dev/shm/spinal.ps$$*; }
trap cleanup EXIT

run() { # period_us -> JSON of spinal-inspect at the end
	local inst=ps$$p$1
	"$B/spinal-core" --name "$inst" --period-us "$1" --start 2,8,0 --duration "$((S + 3))" \
		--max-consec-miss 0 -q 2>"$T/core$1.err" &
	pids+=($!)
	for _ in $(seq 100); do "$B/spinal-inspect" --name "$inst" --json >/dev/null 2>&1 && break; sleep 0.05; done
	"$B/spinal-agent" --name "$inst" --log-dir "$T/log$1" --listen off --exit-with-core \
		--graph data/maps/floor.json --model data/models/default.nir 2>"$T/agent$1.err" &
	pids+=($!)
	wait "${pids[-2]}" || true
	wait "${pids[-1]}" || true
	"$B/spinal-inspect" --name "$inst" --json
}
a=$(run 1000)
b=$(run 100)
/usr/bin/python3 - "$a" "$b" "$S" <<'PY'
import json, sys
runs = [("1 kHz", json.loads(sys.argv[1])), ("10 kHz", json.loads(sys.argv[2]))]
budget = {"sfs": 2e6, "sps": 5e6, "aas": 1e6, "vi": 1e6}
def t(ns): return "%.2f us" % (ns / 1e3) if ns < 1e6 else "%.2f ms" % (ns / 1e6)
print("per-stage latency, core + agent + trained SNN on the default map, %s s per rate" % sys.argv[3])
print("%-6s %-7s %10s %10s %10s %10s   %s" % ("stage", "rate", "p50", "p99", "max", "budget", "budget/p99"))
for st in ("wake", "sfs", "sps", "aas", "vi"):
    for name, j in runs:
        s = j["stages"][st]
        b = budget.get(st)
        print("%-6s %-7s %10s %10s %10s %10s   %s" % (st, name, t(s["p50_ns"]), t(s["p99_ns"]), t(s["max_ns"]),
              t(b) if b else "-", ("%.0fx" % (b / s["p99_ns"])) if b and s["p99_ns"] else "-"))
for name, j in runs:
    print("%s: %d ticks, %d overruns, model %s (%d neurons), AAS %s" % (name, j["ticks"], j["overruns"],
          j["model"]["id"], j["model"]["neurons"],
          {k: v for k, v in j["aas"]["interventions"].items() if v}))
PY
