#!/bin/bash
# Agent benchmark (issue 6), printed, not asserted.  Core at 10 kHz:
#   phase 1: S s without an agent      -> RT wake lateness p99 (baseline)
#   phase 2: S s with the agent        -> lateness p99, records lost, agent CPU %
#   phase 3: S/3 s with the agent under strace -c -e write -> write calls per 1000 records
# Usage: agent_bench.sh [BIN_DIR] [SECONDS]   (default 60)
set -euo pipefail
B=${1:-build/bin}
S=${2:-${BENCH_SECONDS:-60}}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=bench$$
HZ=$(getconf CLK_TCK)

core_run() { # seconds name
	"$B/spinal-core" --name "$2" --period-us 100 --duration "$1" -q >"$T/core-$2.log" 2>&1 &
	CORE=$!; PIDS+=($CORE)
	wait_for 5 inspect_json "$2" || fail "core did not come up: $(cat "$T/core-$2.log")"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "agent benchmark: core at 10 kHz, ${S} s per phase ($(nproc) CPUs)"
core_run "$S" "${INST}a"
wait $CORE || true
inspect_json "${INST}a" >"$T/a.json"
p99a=$(json_get "$T/a.json" 'j["stages"]["wake"]["p99_ns"]')
ticks_a=$(json_get "$T/a.json" 'j["ticks"]')

core_run "$S" "${INST}b"
"$B/spinal-agent" --name "${INST}b" --log-dir "$T/logb" --listen off --exit-with-core \
	>"$T/agent-b.log" 2>&1 &
AG=$!; PIDS+=($AG)
wait_for 5 grep -q attached "$T/agent-b.log" || fail "agent did not attach"
c0=$(cpu_ticks $AG); t0=$(date +%s%N)
sleep "$((S - 1))"
c1=$(cpu_ticks $AG); t1=$(date +%s%N)
wait $CORE || true
wait $AG || fail "agent failed: $(tail -3 "$T/agent-b.log")"
inspect_json "${INST}b" >"$T/b.json"
"$B/spinal-agent" stat --json "$T/logb" >"$T/b-stat.json"
p99b=$(json_get "$T/b.json" 'j["stages"]["wake"]["p99_ns"]')
produced=$(json_get "$T/b.json" 'j["telemetry"]["produced"]')
dropped=$(json_get "$T/b.json" 'j["telemetry"]["dropped"]')
missing=$(json_get "$T/b-stat.json" 'j["missing"]')
records=$(json_get "$T/b-stat.json" 'j["records"]')
cpu=$(/usr/bin/python3 -c "import sys; print('%.2f' % (100.0 * (int(sys.argv[2]) - int(sys.argv[1])) / int(sys.argv[5]) / ((int(sys.argv[4]) - int(sys.argv[3])) / 1e9)))" "$c0" "$c1" "$t0" "$t1" "$HZ")

S3=$((S / 3 > 5 ? S / 3 : 5))
core_run "$S3" "${INST}c"
strace -f -c -e trace=write -o "$T/strace.txt" \
	"$B/spinal-agent" --name "${INST}c" --log-dir "$T/logc" --listen off --exit-with-core \
	>"$T/agent-c.log" 2>&1 || true
wait $CORE || true
"$B/spinal-agent" stat --json "$T/logc" >"$T/c-stat.json"
rec_c=$(json_get "$T/c-stat.json" 'j["records"] + j["gap_markers"]')
writes=$(awk '$NF == "write" {print $4}' "$T/strace.txt")
writes=${writes:-0}

printf '  %-44s %s\n' "ticks without agent / with agent:" "$ticks_a / $produced"
printf '  %-44s %s\n' "records written / lost (gap-marked):" "$records / $missing (core dropped $dropped)"
printf '  %-44s %s\n' "agent CPU (utime+stime over wall):" "$cpu %"
printf '  %-44s %s\n' "write calls (strace, phase 3):" "$writes for $rec_c log entries = $(/usr/bin/python3 -c "import sys; print('%.2f' % (1000.0 * int(sys.argv[1]) / max(1, int(sys.argv[2]))))" "$writes" "$rec_c") per 1000 records"
printf '  %-44s %s\n' "RT wake lateness p99 without agent:" "$p99a ns"
printf '  %-44s %s\n' "RT wake lateness p99 with agent:" "$p99b ns (ratio $(/usr/bin/python3 -c "import sys; print('%.2f' % (int(sys.argv[2]) / max(1, int(sys.argv[1]))))" "$p99a" "$p99b"))"
