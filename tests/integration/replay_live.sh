#!/bin/bash
# Record/replay of a live run: spinal-core + spinal-agent (default map, trained
# SNN loaded over the config ring, goal node set) for a few seconds; the
# agent's log replays through the same SFS/SPS/AAS code bit for bit
# (spinal-replay --core-defaults), and a log with one command altered is
# reported as diverging at exactly that tick.
# Usage: replay_live.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=rl$$

"$B/spinal-core" --name "$INST" --start 2,8,0 --duration 4 -q >"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen off --exit-with-core \
	--graph data/maps/floor.json --model data/models/default.nir --goal-node 191 >"$T/agent.log" 2>&1
log=$(ls "$T"/log/*.tlog | head -n 1)
[ -n "$log" ] || fail "no log written"
"$B/spinal-agent" stat --json "$log" >"$T/stat.json"
[ "$(json_get "$T/stat.json" 'j["missing"]')" = 0 ] || fail "records missing: $(cat "$T/stat.json")"
out=$("$B/spinal-replay" "$log" --map data/maps/floor.json --core-defaults) ||
	fail "replay diverged: $out"
echo "  $out"
# the id of the shipped model as the agent lowers it at the core's 1 ms period
id=$("$B/spinal-model" info data/models/default.nir --dt 0.001 | sed -n 's/^model id: //p')
[ -n "$id" ] || fail "spinal-model info printed no model id"
grep -q "model $id" <<<"$out" || fail "the run did not use the trained model ($id): $out"

# alter the command of one record (tick 1500): replay must name that tick
/usr/bin/python3 - "$log" "$T/bad.tlog" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
hdr = next(h for h in (256, 512, 128, 64) if (len(data) - h) % 256 == 0)
off = hdr + 1500 * 256
assert struct.unpack_from("<Q", data, off)[0] == 1500, "record 1500 not where expected"
# cmd_v is at byte 160 of struct spinal_telem_rec (include/spinal/telemetry.h)
v = struct.unpack_from("<f", data, off + 160)[0]
struct.pack_into("<f", data, off + 160, v + 0.25)
open(sys.argv[2], "wb").write(data)
PY
if bad=$("$B/spinal-replay" "$T/bad.tlog" --map data/maps/floor.json --core-defaults); then
	fail "altered log replayed as identical"
fi
grep -q "DIVERGED at tick 1500 (command)" <<<"$bad" || fail "divergence not at tick 1500: $bad"
echo "  altered record: $(head -c 60 <<<"$bad")..."
echo "replay_live: PASS"
