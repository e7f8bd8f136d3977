#!/bin/bash
# spinal-core --io shm with spinal-sim as a separate process (docs/driver.md).
#
# The core drives with the classical path follower (--fallback-only): the agent
# cannot load a model into a live core yet, and the shipped SNN's closed-loop
# success rate is covered offline by check-pipeline-closedloop.  Checked here:
#  (b) SIGSTOP of the driver: AAS commands zero once the state is older than
#      --stale-ms (not before, and within a scheduling margin after), counted
#      as aas.interventions.stale_state; the pose stands still; SIGCONT: the
#      robot moves again;
#  (c) the agent's safe_stop_req (written here into the CONS region): the
#      driver stops the robot although the core still commands motion, and
#      drives again when it is cleared;
#  (a) the robot reaches the goal, with no stale-state stop after recovery;
#  (d) SIGKILL of the core: the driver stops the robot on the stale command.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${O:-build}/bin
. tests/integration/lib_agent.sh
mk_scratch

INST=ioshm$$
STALE_MS=${STALE_MS:-200}
SLACK_MS=${SLACK_MS:-150}   # shell + inspector polling on a shared 2-CPU box
GOAL=2.5,1.5
PY=/usr/bin/python3

"$B/spinal-core" --name "$INST" --io shm --no-rt --fallback-only --goal $GOAL \
	--stale-ms "$STALE_MS" --wd-timeout-ms 0 --duration 180 -q 2>"$T/core.err" &
CORE=$!
PIDS+=("$CORE")
"$B/spinal-sim" --name "$INST" --status-ms 20 --wait 5 >"$T/sim.log" 2>"$T/sim.err" &
SIM=$!
PIDS+=("$SIM")

moving() { json_get <(inspect_json "$INST") 'j["pose"]["x"] > 0.3' | grep -q True; }
wait_for 10 moving || { cat "$T/core.err" "$T/sim.err" >&2; fail "the robot never moved under --io shm"; }
note "robot moving under --io shm + spinal-sim (pid $SIM)"

# (b) and (c): timed in one Python process (one spinal-inspect call ~ a few ms)
$PY - "$B/spinal-inspect" "$INST" "$SIM" "$STALE_MS" "$SLACK_MS" "$T/sim.log" <<'PY'
import json, mmap, os, signal, struct, subprocess, sys, time

insp, inst, sim, stale_ms, slack_ms, simlog = sys.argv[1:7]
sim, stale_ms, slack_ms = int(sim), int(stale_ms), int(slack_ms)

def snap():
    return json.loads(subprocess.run([insp, "--name", inst, "--json"], check=True,
                                     capture_output=True, text=True).stdout)

def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    os.kill(sim, signal.SIGCONT)
    sys.exit(1)

def stale(j):
    return j["aas"]["interventions"]["stale_state"]

def moved(a, b):
    return abs(a["pose"]["x"] - b["pose"]["x"]) + abs(a["pose"]["y"] - b["pose"]["y"])

# (b) SIGSTOP: stop exactly by the stale-state rule
j0 = snap()
if j0["cmd"]["v"] <= 0.05:
    fail("robot not commanded to move before SIGSTOP: %r" % j0["cmd"])
t0 = time.monotonic()
os.kill(sim, signal.SIGSTOP)
while True:
    j = snap()
    t = (time.monotonic() - t0) * 1000
    if j["cmd"]["v"] == 0 and j["cmd"]["omega"] == 0 and stale(j) > stale(j0):
        break
    if t > stale_ms + 5000:
        fail("no stale stop %.0f ms after SIGSTOP: %r" % (t, j["cmd"]))
if t < stale_ms - 2:
    fail("stopped %.0f ms after SIGSTOP, before --stale-ms %d: not the stale rule" % (t, stale_ms))
if t > stale_ms + slack_ms:
    fail("stale stop %.0f ms after SIGSTOP, later than --stale-ms %d + %d ms" % (t, stale_ms, slack_ms))
print("  (b) SIGSTOP: cmd zero and stale_state rising after %.0f ms (--stale-ms %d)" % (t, stale_ms))
time.sleep(0.3)
j2 = snap()
if stale(j2) - stale(j) < 200 or j2["cmd"]["v"] != 0 or moved(j, j2) != 0:
    fail("while stopped: stale_state %d -> %d, cmd %r, moved %.4f" %
         (stale(j), stale(j2), j2["cmd"], moved(j, j2)))
os.kill(sim, signal.SIGCONT)
t0 = time.monotonic()
while True:
    j3 = snap()
    if j3["cmd"]["v"] > 0.05 and moved(j2, j3) > 0.02:
        break
    if time.monotonic() - t0 > 3:
        fail("robot did not move again after SIGCONT: cmd %r, moved %.4f" % (j3["cmd"], moved(j2, j3)))
print("  (b) SIGCONT: moving again after %.0f ms (cmd v %.3f)" % ((time.monotonic() - t0) * 1000, j3["cmd"]["v"]))

# (c) the agent's safe-stop request, written into the CONS region by hand
fd = os.open("/dev/shm/spinal.%s.cons" % inst, os.O_RDWR)
m = mmap.mmap(fd, 0)
nsect = struct.unpack_from("<I", m, 28)[0]
off = None
for i in range(nsect):
    sid, _, soff, _ = struct.unpack_from("<IIQQ", m, 112 + 24 * i)
    if sid == 5:  # SPINAL_SECT_AGENT; safe_stop_req at +44
        off = soff + 44
if off is None:
    fail("no agent section in the CONS region")
struct.pack_into("<I", m, off, 1)
time.sleep(0.15)
ja = snap()
time.sleep(0.3)
jb = snap()
struct.pack_into("<I", m, off, 0)
last = open(simlog).read().splitlines()[-1]
if moved(ja, jb) != 0 or "safe_stop=" not in last:
    fail("safe_stop_req ignored: moved %.4f, sim: %s" % (moved(ja, jb), last))
print("  (c) safe_stop_req: robot held still (core cmd v %.3f), driver counted it" % jb["cmd"]["v"])
t0 = time.monotonic()
while moved(jb, snap()) < 0.02:
    if time.monotonic() - t0 > 3:
        fail("robot did not move again after safe_stop_req was cleared")
PY
note "(b), (c) passed"

# (a) the goal, with no stale stop after recovery
s1=$(json_get <(inspect_json "$INST") 'j["aas"]["interventions"]["stale_state"]')
reached() { json_get <(inspect_json "$INST") 'j["goal_reached"]' | grep -q True; }
wait_for 90 reached || fail "goal $GOAL not reached through --io shm in 90 s: $(inspect_json "$INST" | head -c 1500)"
j=$(inspect_json "$INST")
d=$(json_get - '((j["pose"]["x"]-2.5)**2+(j["pose"]["y"]-1.5)**2)**0.5' <<<"$j")
s2=$(json_get - 'j["aas"]["interventions"]["stale_state"]' <<<"$j")
$PY -c "import sys; sys.exit(0 if $d <= 0.15 else 1)" || fail "goal reached but pose is $d m away"
[ "$s2" = "$s1" ] || fail "stale_state rose $s1 -> $s2 in normal operation"
note "(a) goal $GOAL reached through spinal-sim: pose $d m from it, no stale stop after recovery"

# (d) core death: the driver stops the robot by itself
kill -9 "$CORE"
wait "$CORE" 2>/dev/null || true
sleep 0.4
last=$(tail -n 1 "$T/sim.log")
grep -q "now stale_cmd" <<<"$last" && grep -q " v 0.000 omega 0.000" <<<"$last" ||
	fail "driver kept going after the core died: $last"
note "(d) core SIGKILL: driver holds the robot stopped (stale_cmd)"
kill -TERM "$SIM"
wait "$SIM" || fail "spinal-sim exited with status $?"
grep -q "^spinal-sim: stopped: " "$T/sim.log" || fail "no exit summary from spinal-sim"
echo "pipeline_shm: PASS"
