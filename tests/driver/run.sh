#!/bin/bash
# make check-driver: the C and Python drivers of docs/driver.md
# (examples/driver/), built against libspinal-driver.so as a user builds
# them, against a real spinal-core --io shm:
#   C       drives; a bumper fault (state flags) stops the robot: command
#           exactly zero from the first counted aas.interventions.bumper on,
#           and the pose stands still
#   Python  (python/spinal, ctypes) drives the robot to the core's goal
#   docs    the code blocks in docs/driver.md are these files, byte for byte
# Usage: tests/driver/run.sh [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build
[ "${1:-}" = "--build" ] && BUILD=$2
B=$BUILD/bin
. tests/integration/lib_agent.sh
mk_scratch
INST=drv$$

# docs/driver.md shows exactly the tested code
/usr/bin/python3 - docs/driver.md <<'PY' || fail "docs/driver.md and examples/driver/ differ"
import re, sys
doc = open(sys.argv[1]).read()
blocks = re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```\n", doc, re.S)
if len(blocks) < 2:
    sys.exit("docs/driver.md: no '<!-- file: ... -->' code blocks")
for path, body in blocks:
    if open(path).read() != body:
        sys.exit("docs/driver.md: the block for %s is not the file" % path)
print("  docs: %s are the tested files" % ", ".join(p for p, _ in blocks))
PY

"$B/spinal-core" --name "$INST" --io shm --no-rt --fallback-only --goal 4,0 --stale-ms 200 \
	--max-consec-miss 0 --wd-timeout-ms 0 --duration 120 -q >"$T/core.log" 2>&1 &
PIDS+=($!)
wait_for 5 inspect_json "$INST" || fail "core did not come up"

# C: drive, then a bumper at 1.5 s; sample the core while it runs
"$BUILD/examples/minimal_driver" "$INST" 4 1.5 >"$T/c.log" 2>&1 &
DRV=$!
PIDS+=($DRV)
/usr/bin/python3 - "$B/spinal-inspect" "$INST" "$DRV" >"$T/c-check.log" 2>&1 <<'PY' || { cat "$T/c-check.log" "$T/c.log" >&2; fail "C driver: bumper stop"; }
import json, os, subprocess, sys, time
insp, inst, drv = sys.argv[1], sys.argv[2], int(sys.argv[3])
samples = []
while True:
    j = json.loads(subprocess.run([insp, "--name", inst, "--json"], capture_output=True,
                                  text=True, check=True).stdout)
    samples.append((j["aas"]["interventions"]["bumper"], j["cmd"], j["pose"]))
    try:  # until the driver has exited (a zombie until the shell reaps it)
        if open("/proc/%d/stat" % drv).read().split(") ")[1][0] == "Z":
            break
    except (OSError, IndexError):
        break
    time.sleep(0.05)
before = [s for s in samples if s[0] == 0]
after = [s for s in samples if s[0] > 0]
if not any(s[1]["v"] > 0.05 for s in before):
    sys.exit("the robot never drove before the bumper: %r" % before[-3:])
if len(after) < 5:
    sys.exit("bumper not counted as aas.interventions.bumper: %r" % samples[-3:])
# from the first counted bumper on: zero command, pose frozen (one sample of slack
# for the tick in flight when the counter was read)
moving = [s for s in after[1:] if s[1]["v"] != 0 or s[1]["omega"] != 0]
if moving:
    sys.exit("non-zero command while the bumper is set: %r" % moving[:2])
p0, p1 = after[1][2], after[-1][2]
if abs(p0["x"] - p1["x"]) > 1e-6 or abs(p0["y"] - p1["y"]) > 1e-6:
    sys.exit("the robot moved while the bumper is set: %r -> %r" % (p0, p1))
print("  C driver: drove to x=%.2f, bumper counted %d times, command zero and pose frozen in %d samples"
      % (before[-1][2]["x"], after[-1][0], len(after) - 1))
PY
wait $DRV || fail "C driver exited $?"
cat "$T/c-check.log"

# Python: the same loop through ctypes drives to the goal
PYRUN=(/usr/bin/python3)
if [[ $(ldd "$BUILD/lib/libspinal-driver.so.1") == *libasan* ]]; then
	# sanitizer build: the interpreter needs the runtime first
	PYRUN=(env LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 /usr/bin/python3)
fi
SPINAL_DRIVER_LIB="$BUILD/lib/libspinal-driver.so.1" PYTHONPATH=python \
	"${PYRUN[@]}" examples/driver/minimal_driver.py "$INST" 15 >"$T/py.log" 2>&1 ||
	{ cat "$T/py.log" >&2; fail "Python driver failed"; }
grep -q 'goal reached True' "$T/py.log" || { cat "$T/py.log" >&2; fail "Python driver: goal not reached"; }
note "Python driver: $(tail -n 1 "$T/py.log")"
echo "check-driver: PASS"
