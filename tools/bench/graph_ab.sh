#!/bin/sh
# SPDX-License-Identifier: MIT
# Before/after of the graph builder and kNN against a base commit:
#   tools/bench/graph_ab.sh [BASE]        (default BASE=main; make bench-graph-ab)
# 1. whole-map build (load) of 100k and 1M-node lattices, base and this tree
#    interleaved (base, this, base, this ..., ROUNDS pairs, default 10),
#    summarised by tools/bench/pairstat.py (median ratio, bootstrap 95 %
#    interval), raw rounds;
# 2. kNN along a path (as SFS queries), ns per query, interleaved the same way;
# 3. callgrind instruction counts of spinal_graph_knn per query on fixed
#    1k, 100k and 1M-node maps, and of sfs_compute per tick (k = 8, along a
#    path on a lattice with a goal), deterministic, base -> this tree.
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
echo "1. whole-map build (load) of a jittered lattice, ms per build: base = A, this tree = B"
for n in 100000 1000000; do
	awk '{print "A", $1; print "B", $2}' "$tmp/rounds.$n" |
		python3 "$top/tools/bench/pairstat.py" --name "load $n nodes" --unit ms --a "$BASE" --b this |
		sed 's/^/  /'
	echo "  raw rounds (base this): $(tr '\n' ',' <"$tmp/rounds.$n")"
done

echo "2. kNN (k = 8) along a path, ns per query: base = A, this tree = B, interleaved"
for n in 1000 100000 1000000; do
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		echo "A $("$OLD" knnt $n 200000 | awk '{print $3}')"
		echo "B $("$NEW" knnt $n 200000 | awk '{print $3}')"
		r=$((r + 1))
	done >"$tmp/knnt.$n"
	python3 "$top/tools/bench/pairstat.py" --name "knn $n nodes" --unit ns --a "$BASE" --b this \
		<"$tmp/knnt.$n" | sed 's/^/  /'
done

# instructions per call of $1 (callgrind) in "prog $2 N Q", base and this tree
cg_compare() {
	fn=$1 mode=$2 n=$3 q=$4 what=$5
	for side in base new; do
		prog=$OLD; [ $side = new ] && prog=$NEW
		valgrind --tool=callgrind --toggle-collect="$fn" \
			--callgrind-out-file="$tmp/cg.$side" "$prog" "$mode" "$n" "$q" >/dev/null 2>&1
		ir=$(callgrind_annotate "$tmp/cg.$side" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
		eval "ir_$side=$ir"
	done
	python3 -c "import sys; b, a, q = map(int, sys.argv[1:4]); print('  %7s nodes: base %6.0f, this tree %6.0f instructions/%s (%+.1f%%)' % (sys.argv[4], b / q, a / q, sys.argv[5], 100.0 * (a - b) / b))" \
		"$ir_base" "$ir_new" "$q" "$n" "$what"
}

echo "3. callgrind: instructions per spinal_graph_knn call (k = 8, fixed queries, uniform map)"
for n in 1000 100000 1000000; do
	cg_compare spinal_graph_knn knn $n 2000 query
done
echo "4. callgrind: instructions per sfs_compute tick (k = 8, no cache, along a path, lattice with a goal)"
for n in 10000 100000; do
	cg_compare sfs_compute sfs $n 2000 tick
done
