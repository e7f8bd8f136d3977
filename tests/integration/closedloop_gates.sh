#!/bin/bash
# spinal-closedloop's --require-* gates fail where they must: an untrained
# model (random weights, a confidence output near zero) "reaches" its goals
# only because the fallback follower drives; --require-fallback-max and
# --require-policy must fail it.  The shipped policy must pass the same gates.
# Usage: closedloop_gates.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
T=$(mktemp -d /tmp/spinal-gates.XXXXXX)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$T/untrained.nir" <<'PY'
import sys
import numpy as np
sys.path.insert(0, "tools")
import nir_export as nx
rng = np.random.default_rng(7)
nx.write(sys.argv[1], nx.sequential([
    nx.affine(rng.normal(0, 0.1, (32, 40)), np.zeros(32)),
    nx.lif(np.full(32, 0.02), np.ones(32), np.zeros(32), np.ones(32), np.zeros(32)),
    nx.affine(rng.normal(0, 0.1, (3, 32)), np.array([0.0, 0.0, -5.0])),  # confidence ~ 0
    nx.li(np.full(3, 0.02), np.ones(3), np.zeros(3))]))
PY
gates=(--goal-tol 0.1 --require-fallback-max 0.01 --require-policy 0.9)
if out=$("$B/spinal-closedloop" --model "$T/untrained.nir" --pairs 5 -q "${gates[@]}"); then
	echo "closedloop_gates: FAIL: an untrained model passed the gates: $out"; exit 1
fi
grep -q "FAIL: the fallback drove" <<<"$out" || { echo "closedloop_gates: FAIL: no fallback verdict: $out"; exit 1; }
grep -q "FAIL: the policy drove" <<<"$out" || { echo "closedloop_gates: FAIL: no policy verdict: $out"; exit 1; }
echo "  untrained: $(grep '^driven' <<<"$out")"
"$B/spinal-closedloop" --model data/models/default.nir --pairs 5 -q "${gates[@]}" >/dev/null ||
	{ echo "closedloop_gates: FAIL: the shipped policy fails the gates"; exit 1; }
echo "closedloop_gates: PASS"
