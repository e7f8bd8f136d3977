#!/bin/bash
# Seccomp overhead on the RT loop: wake lateness (p50/p99/max) and VI stage
# p99 with --seccomp off and trap, measured side by side in one run,
# alternating ROUNDS times so that host noise hits both alike.  Printed, not
# asserted (make bench-seccomp).
set -uo pipefail
BUILD=build; SECS=10; ROUNDS=3
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--seconds S] [--rounds N]" >&2; exit 2 ;;
	esac
done
D=$(mktemp -d /tmp/spinal-bench-sc.XXXXXX); chmod 755 "$D"
trap 'rm -rf "$D"' EXIT
one() { # mode round -> "p50 p99 max vi_p99 ticks"
	local mode=$1 n=bsc$1$2
	$BUILD/bin/spinal-core -n $n -q -d $((SECS + 2)) --socket "$D/$n.sock" --agent-user spinal \
		--seccomp "$mode" >"$D/$n.log" 2>&1 &
	local p=$!
	sleep "$SECS"
	$BUILD/bin/spinal-inspect --socket "$D/$n.sock" -n $n --json >"$D/$n.json" 2>/dev/null
	wait $p
	/usr/bin/python3 - "$D/$n.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
w, v = j["stages"]["wake"], j["stages"]["vi"]
print(w["p50_ns"] / 1e3, w["p99_ns"] / 1e3, w["max_ns"] / 1e3, v["p99_ns"] / 1e3, j["ticks"])
PY
}
echo "bench-seccomp: $ROUNDS x ${SECS}s per mode, period 1000 us, $(uname -r), $(nproc) CPUs"
printf "%-6s %-5s %10s %10s %10s %10s %8s\n" mode round wake_p50 wake_p99 wake_max vi_p99 ticks
declare -A sum
for r in $(seq "$ROUNDS"); do
	for m in off trap; do
		read -r p50 p99 mx vi t < <(one $m $r)
		printf "%-6s %-5s %8.1fus %8.1fus %8.1fus %8.2fus %8s\n" $m $r "$p50" "$p99" "$mx" "$vi" "$t"
		sum[$m]="${sum[$m]:-} $p99"
	done
done
awk -v a="${sum[off]}" -v b="${sum[trap]}" 'BEGIN {
	na = split(a, x); nb = split(b, y); for (i = 1; i <= na; i++) sa += x[i]; for (i = 1; i <= nb; i++) sb += y[i]
	printf "wake p99 mean: off %.1f us, trap %.1f us, ratio trap/off %.3f\n", sa / na, sb / nb, (sb / nb) / (sa / na) }' 
