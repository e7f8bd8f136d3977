#!/bin/bash
# spinal-inspect --histfile / --histjson: the exported histograms of a real
# core parse back to the counts the core reports (rows + overflows == count,
# per stage), in cyclictest's text format and in its JSON layout.
# Usage: inspect_hist.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
INST=ih$$
T=$(mktemp -d)
trap 'rm -rf "$T"; rm -f /dev/shm/spinal.$INST.*' EXIT
"$B/spinal-core" --name "$INST" --duration 1 --fallback-only -q 2>/dev/null
"$B/spinal-inspect" --name "$INST" --json >"$T/stats.json"
"$B/spinal-inspect" --name "$INST" --histfile "$T/h.txt" --histjson "$T/h.json" --hist-rows 200
/usr/bin/python3 - "$T/stats.json" "$T/h.txt" "$T/h.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))["stages"]
names = list(st)
rows, native, ov = {}, {}, []
for line in open(sys.argv[2]):
    if line.startswith("# spinal-col"):
        f = dict(kv.split("=") for kv in line.split()[3:])
        native[int(line.split()[2])] = int(f["count"])
    elif line.startswith("# Histogram Overflows:"):
        ov = [int(x) for x in line.split(":")[1].split()]
    elif not line.startswith("#") and line.strip():
        v = [int(x) for x in line.split()]
        for i, x in enumerate(v[1:]):
            rows[i] = rows.get(i, 0) + x
assert len(rows) == len(names) == 5, (len(rows), names)
for i, n in enumerate(names):
    assert native[i] == st[n]["count"], (n, native[i], st[n]["count"])
    assert rows[i] + ov[i] == st[n]["count"], (n, rows[i], ov[i], st[n]["count"])
j = json.load(open(sys.argv[3]))
for i, n in enumerate(names):
    t = j["thread"][str(i)]
    assert t["cycles"] == st[n]["count"], (n, t["cycles"], st[n]["count"])
    assert sum(t["histogram"].values()) <= t["cycles"]
print("inspect_hist: PASS (%s: %d samples each, text and JSON agree with the stats)" %
      (", ".join(names), st["wake"]["count"]))
PY
