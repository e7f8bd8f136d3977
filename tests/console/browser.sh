#!/bin/bash
# The live console in a real browser: Debian's headless Chromium, driven by
# selenium (tools/pyenv console) through /usr/bin/chromedriver, against a
# running spinal-core (sim) + spinal-agent serving web/.  See browser.py for
# the steps; screenshots land in SHOT_DIR.
# Usage: browser.sh [BIN_DIR] [SHOT_DIR]
set -euo pipefail
B=${1:-build/bin}
SHOTS=${2:-build/console-shots}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tests/integration/lib_agent.sh"
[ -x /usr/bin/chromium ] || fail "chromium not installed (tools/deps/console.txt)"
[ -x /usr/bin/chromedriver ] || fail "chromium-driver not installed (tools/deps/console.txt)"
PY=$("$root/tools/pyenv" console) || fail "tools/pyenv console failed"
mk_scratch
INST=cweb$$
PORT=$((21000 + $$ % 20000))
mkdir -p "$SHOTS"

"$B/spinal-core" --name "$INST" --duration 600 -q >"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up: $(cat "$T/core.log")"
"$B/spinal-agent" --name "$INST" --log-dir "$T/log" --listen 127.0.0.1:$PORT \
	--graph "$root/data/maps/floor.json" --model "$root/data/models/default.nir" \
	--web-dir "$root/web" >"$T/agent.log" 2>&1 &
PIDS+=($!)
wait_for 10 curl -sf "http://127.0.0.1:$PORT/console/api/map" ||
	fail "agent console not up: $(cat "$T/agent.log")"

# the browser's own profile and cache stay in the scratch dir
HOME="$T" SE_OFFLINE=true "$PY" "$here/browser.py" --url "http://127.0.0.1:$PORT" \
	--shots "$SHOTS" --model "$root/data/models/default.nir" --map "$root/data/maps/floor.json" ||
	fail "browser test failed; agent log: $(tail -5 "$T/agent.log")"
grep -q "control API: e-stop set" "$T/agent.log" || fail "the agent never saw the console's e-stop"
echo "console_browser: PASS (screenshots in $SHOTS)"
