#!/bin/bash
# Console streaming cost, side by side in one run: interleaved rounds A (no
# console open) and B (10 consoles: 10 SSE streams from 10 loopback
# addresses, read as a browser would), PAIRS pairs of ROUND_S seconds each.
# Per round: agent CPU (utime + stime from /proc) and the RT wake-lateness
# p99 of the ticks in that round (bucket difference of the core's histogram).
# Prints per-round figures, the median B/A ratio and its bootstrap 95 %
# interval.  Goal: <= 1 % agent CPU per console, no change in wake p99.
# Usage: bench.sh [BIN_DIR] [PAIRS] [ROUND_S]
set -euo pipefail
B=${1:-build/bin}
PAIRS=${2:-10}
ROUND=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tests/integration/lib_agent.sh"
mk_scratch
INST=cbench$$
PORT=$((24000 + $$ % 15000))
"$B/spinal-core" --name "$INST" --duration $((PAIRS * ROUND * 2 + 60)) -q >"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
	--graph "$root/data/maps/floor.json" --model "$root/data/models/default.nir" \
	--web-dir "$root/web" --console-streams 16 >"$T/agent.log" 2>&1 &
AG=$!
PIDS+=($AG)
wait_for 10 curl -sf "http://127.0.0.1:$PORT/console/api/hist" || fail "agent not up"
HZ=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$AG/stat"; }
hist() { curl -sf "http://127.0.0.1:$PORT/console/api/hist" >"$1"; }
: >"$T/rounds"
for ((i = 0; i < PAIRS; i++)); do
	for arm in A B; do
		CL=()
		if [ $arm = B ]; then
			for k in $(seq 2 11); do
				curl -sN --interface 127.0.0.$k "http://127.0.0.1:$PORT/console/api/stream" -o /dev/null &
				CL+=($!)
			done
			sleep 0.5
		fi
		hist "$T/h0"; c0=$(cpu); t0=$(date +%s%N)
		sleep "$ROUND"
		hist "$T/h1"; c1=$(cpu); t1=$(date +%s%N)
		[ ${#CL[@]} -gt 0 ] && { kill "${CL[@]}" 2>/dev/null; wait "${CL[@]}" 2>/dev/null || true; }
		/usr/bin/python3 - "$T/h0" "$T/h1" "$arm" "$c0" "$c1" "$t0" "$t1" "$HZ" >>"$T/rounds" <<'EOP'
import json, sys
h0, h1 = (json.load(open(p)) for p in sys.argv[1:3])
arm, c0, c1, t0, t1, hz = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
def buckets(h):
    return {(b[0], b[1]): b[2] for b in h["stages"][0]["buckets"]}
a, b = buckets(h0), buckets(h1)
d = sorted(((k, b[k] - a.get(k, 0)) for k in b if b[k] > a.get(k, 0)), key=lambda x: x[0][0])
n = sum(c for _, c in d)
rank, acc, p99 = 0.99 * n, 0, 0
for (lo, hi), c in d:
    acc += c
    if acc >= rank:
        p99 = hi if hi is not None else lo
        break
cpu = (c1 - c0) / hz / ((t1 - t0) / 1e9) * 100
print(json.dumps({"arm": arm, "cpu_pct": cpu, "wake_p99_ns": p99, "ticks": n}))
EOP
	done
done
/usr/bin/python3 - "$T/rounds" <<'EOP'
import json, random, statistics, sys
r = [json.loads(l) for l in open(sys.argv[1])]
A = [x for x in r if x["arm"] == "A"]; B = [x for x in r if x["arm"] == "B"]
for i, (a, b) in enumerate(zip(A, B)):
    print("  pair %2d: A cpu %5.2f %%  wake p99 %7.1f us | B (10 consoles) cpu %5.2f %%  wake p99 %7.1f us"
          % (i, a["cpu_pct"], a["wake_p99_ns"] / 1e3, b["cpu_pct"], b["wake_p99_ns"] / 1e3))
def med_ci(f):
    pairs = list(zip(A, B))
    vals = [f(a, b) for a, b in pairs]
    boots = sorted(statistics.median(random.choice(vals) for _ in vals) for _ in range(2000))
    return statistics.median(vals), boots[50], boots[1949]
random.seed(1)
d, lo, hi = med_ci(lambda a, b: b["cpu_pct"] - a["cpu_pct"])
print("agent CPU, B - A: median %+.2f %% of one CPU (95 %% CI %+.2f .. %+.2f) = %+.3f %% per console"
      % (d, lo, hi, d / 10))
rr, lo, hi = med_ci(lambda a, b: b["wake_p99_ns"] / max(1, a["wake_p99_ns"]))
print("RT wake p99, B / A: median %.3f (95 %% CI %.3f .. %.3f)" % (rr, lo, hi))
EOP
