#!/bin/sh
# SPDX-License-Identifier: MIT
# Before/after of the graph builder and kNN against a base commit:
#   tools/bench/graph_ab.sh [BASE]        (default BASE=main; make bench-graph-ab)
# 1. whole-map build (load) of 100k and 1M-node lattices, base and this tree
#    interleaved (B, A, B, A ..., ROUNDS pairs, default 10): median ratio and
#    a bootstrap 95 % interval, raw rounds;
# 2. callgrind instruction counts of spinal_graph_knn per query on fixed
#    100k and 1M-node maps (deterministic), base -> this tree.
# Prints numbers, asserts nothing.  Needs git, valgrind, python3.
set -eu
BASE=${1:-main}
ROUNDS=${ROUNDS:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-$top/build}
tmp=$(mktemp -d /tmp/spinal-graph-ab.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
NEW=$O/bin/graph-ab
[ -x "$NEW" ] || { echo "graph_ab.sh: $NEW missing: run 'make bench-graph-ab'" >&2; exit 2; }

echo "graph_ab: base $BASE ($(git -C "$top" rev-parse --short "$BASE")) vs this tree ($(git -C "$top" rev-parse --short HEAD)$(git -C "$top" diff --quiet || echo +dirty))"
git -C "$top" archive "$BASE" | tar -x -C "$tmp"
make -s -C "$tmp" -j2 build/lib/libspinal-rt.a build/lib/libspinal.a >"$tmp/build.log" 2>&1 ||
	{ echo "graph_ab.sh: cannot build $BASE (see $tmp/build.log)" >&2; cat "$tmp/build.log" >&2; exit 1; }
cc -std=gnu11 -D_GNU_SOURCE -O2 -g -I"$tmp/include" -I"$tmp" "$top/tools/bench/graph_ab.c" \
	"$tmp/build/lib/libspinal-rt.a" "$tmp/build/lib/libspinal.a" -lurcu-qsbr -lurcu-common -lm \
	-o "$tmp/graph-ab-base"
OLD=$tmp/graph-ab-base

for n in 100000 1000000; do
	reps=3; [ $n -ge 1000000 ] && reps=1
	: >"$tmp/rounds.$n"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		b=$("$OLD" load $n $reps | awk '{print $3}')
		a=$("$NEW" load $n $reps | awk '{print $3}')
		echo "$b $a" >>"$tmp/rounds.$n"
		r=$((r + 1))
	done
done
python3 - "$tmp" <<'PY'
import random, statistics, sys
d = sys.argv[1]
print("1. whole-map build (load), lattice, ms: base / this tree, interleaved")
for n in (100000, 1000000):
    rows = [tuple(map(float, l.split())) for l in open("%s/rounds.%d" % (d, n))]
    ratio = [a / b for b, a in rows]
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choice(ratio) for _ in ratio) for _ in range(2000))
    lo, hi = meds[50], meds[1949]
    print("  %7d nodes: base median %.1f ms (%.1f..%.1f), this tree median %.1f ms (%.1f..%.1f)"
          % (n, statistics.median(b for b, _ in rows), min(b for b, _ in rows), max(b for b, _ in rows),
             statistics.median(a for _, a in rows), min(a for _, a in rows), max(a for _, a in rows)))
    print("           ratio this/base median %.3f 95%% CI [%.3f, %.3f]%s" % (
        statistics.median(ratio), lo, hi, "  (includes 1.0: no measurable difference)" if lo <= 1 <= hi else ""))
    print("           raw rounds (base, this): " + " ".join("%.1f/%.1f" % r for r in rows))
PY

echo "2. callgrind: instructions per spinal_graph_knn call (k = 8, fixed queries, uniform map)"
for n in 1000 100000 1000000; do
	q=2000
	for side in base new; do
		prog=$OLD; [ $side = new ] && prog=$NEW
		valgrind --tool=callgrind --toggle-collect=spinal_graph_knn \
			--callgrind-out-file="$tmp/cg.$side.$n" "$prog" knn $n $q >/dev/null 2>&1
		ir=$(callgrind_annotate "$tmp/cg.$side.$n" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
		eval "ir_$side=$ir"
	done
	python3 -c "import sys; b, a, q = map(int, sys.argv[1:]); print('  %7s nodes: base %6.0f, this tree %6.0f instructions/query (%+.1f%%)' % (sys.argv[4], b / q, a / q, 100.0 * (a - b) / b))" \
		"$ir_base" "$ir_new" $q $n
done
