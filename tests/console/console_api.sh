#!/bin/bash
# The console's documents and stream against a live core + agent: the page
# and its files (CSP, ETag/304), frame/hist/map documents, the SSE stream,
# the per-client stream cap (429), a client that never reads (skips frames,
# the drain keeps writing), hostile names for files and replay runs, replay.
# Usage: console_api.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tests/integration/lib_agent.sh"
mk_scratch
INST=capi$$
PORT=$((23000 + $$ % 15000))
U=http://127.0.0.1:$PORT
"$B/spinal-core" --name "$INST" --no-rt --duration 120 -q >"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
	--graph "$root/data/maps/floor.json" --model "$root/data/models/default.nir" \
	--web-dir "$root/web" >"$T/agent.log" 2>&1 &
PIDS+=($!)
wait_for 10 curl -sf "$U/console/api/map" || fail "agent not up: $(cat "$T/agent.log")"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# the page and its files
curl -sfD "$T/h" "$U/" -o "$T/index.html" || fail "GET /"
grep -q "console.js" "$T/index.html" || fail "/ is not the console page"
grep -qi "^content-security-policy: default-src 'self'" "$T/h" || fail "no CSP on /"
etag=$(sed -n 's/^[Ee][Tt]ag: //p' "$T/h" | tr -d '\r')
[ "$(code -H "If-None-Match: $etag" "$U/")" = 304 ] || fail "ETag revalidation is not 304"
[ "$(code "$U/console/console.js")" = 200 ] || fail "console.js"
for bad in /console/../Makefile /console/%2e%2e/Makefile /console/.hidden /console/nope.js; do
	[ "$(code "$U$bad")" = 404 ] || fail "GET $bad is not 404"
done
[ "$(code -X POST "$U/")" = 405 ] || fail "POST / is not 405"
# documents
f=$(curl -sf "$U/console/api/frame")
echo "$f" | json_get - 'j["schema"] == 1 and j["attached"] and j["map"]["id"] is not None' | grep -q True ||
	fail "frame: $f"
wait_for 10 sh -c "curl -sf $U/console/api/frame | grep -q '\"path\":\[[0-9]'" || fail "frame has no path"
curl -sf "$U/console/api/hist" | json_get - '[s["stage"] for s in j["stages"]] == ["wake","sfs","sps","aas","vi"] and all(s["count"] > 0 for s in j["stages"])' |
	grep -q True || fail "hist document"
curl -sf "$U/console/api/map" | json_get - 'len(j["nodes"]) == 293 and {e["kind"] for e in j["edges"]} >= {"corridor","door","room"}' |
	grep -q True || fail "map document"
[ "$(code "$U/console/api/nope")" = 404 ] || fail "unknown document is not 404"
# the stream: hello, then hist and frames
timeout 2 curl -sN "$U/console/api/stream" >"$T/sse" || true
grep -q '^event: hello' "$T/sse" && grep -q '^event: frame' "$T/sse" && grep -q '^event: hist' "$T/sse" ||
	fail "stream: $(head -c 300 "$T/sse")"
nf=$(grep -c '^event: frame' "$T/sse")
[ "$nf" -le 62 ] || fail "stream sent $nf frames in 2 s: not decimated to <= 30 Hz"
note "stream: $nf frames in 2 s (25 Hz default)"
# per-client cap: 4 streams from one address, the 5th is refused with a reason
wait_for 5 sh -c "curl -sf $U/console/api/stats | grep -q '\"streams_open\":0'" || fail "the first stream is still counted"
for i in 1 2 3 4; do
	curl -sN "$U/console/api/stream" -o /dev/null &
	SP[$i]=$!
	wait_for 5 sh -c "curl -sf $U/console/api/stats | grep -q '\"streams_open\":$i'" || fail "stream $i not open"
done
wait_for 5 sh -c "curl -sf $U/console/api/stats | grep -q '\"streams_open\":4'" || fail "4 streams not open"
c5=$(code "$U/console/api/stream")
[ "$c5" = 429 ] || fail "5th stream from one client: $c5, not 429"
curl -s "$U/console/api/stream" | grep -q "cap per client" || fail "429 without the reason"
kill "${SP[@]}" 2>/dev/null; wait "${SP[@]}" 2>/dev/null || true
wait_for 5 sh -c "curl -sf $U/console/api/stats | grep -q '\"streams_open\":0'" || fail "closed streams still counted"
# a client that never reads: it skips frames, the drain keeps writing
/usr/bin/python3 - 127.0.0.1 $PORT <<'EOP' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # before connect: a small window
s.connect((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /console/api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(12)
EOP
SLOW=$!
w0=$(curl -sf "$U/status" | json_get - 'j["telemetry"]["written"]')
sleep 8
w1=$(curl -sf "$U/status" | json_get - 'j["telemetry"]["written"]')
sk=$(curl -sf "$U/console/api/stats" | json_get - 'j["frames_skipped"]')
kill $SLOW 2>/dev/null || true
[ "$w1" -gt "$w0" ] || fail "the drain stopped while a console did not read ($w0 -> $w1)"
note "slow client: $sk frames skipped or behind (0 while the kernel's socket buffers still take them), the drain wrote $((w1 - w0)) records meanwhile"
# replay
run=$(curl -sf "$U/console/api/logs" | json_get - 'j["runs"][0]["run"]')
curl -sf "$U/console/api/replay?run=$run&frames=50" | json_get - 'len(j["frames"]) >= 10 and j["frames"][-1]["replay"]' |
	grep -q True || fail "replay frames"
curl -sf "$U/console/api/replay/hist?run=$run&to=0-1000" | json_get - 'j["stages"][1]["count"] > 0' |
	grep -q True || fail "replay histograms"
for bad in "run=../../etc/passwd" "run=$INST-x/../../y" "run=other-x" "run=$run&frames=0" "run=$run&frames=abc"; do
	c=$(code "$U/console/api/replay?$bad")
	[ "$c" = 400 ] || [ "$c" = 404 ] || fail "replay?$bad answered $c"
done
[ "$(code "$U/console/api/replay/hist?run=$run&to=9-1")" = 400 ] || fail "hist range 9-1 accepted"
echo "console_api: PASS"
