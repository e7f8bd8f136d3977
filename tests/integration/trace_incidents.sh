#!/bin/bash
# Late-tick attribution on this host (docs/incident.md), every path that is
# real here:
#  1. --trace proc (forced fallback): the core says so once, every incident
#     is attributed from /proc + its own timestamps, counts add up, the
#     verdict reaches the log and spinal-inspect (human and JSON).
#  2. --trace auto with tracefs absent at the given path: "no tracefs" said
#     once, the fallback is used.
#  3. as root, with tracefs in /proc/filesystems: a private tracefs mount in
#     a scratch dir, --tracefs there: the instance spinal-NAME is created,
#     bounded (buffer_size_kb of the RT CPU), incidents come from kernel
#     events; a core that may not write tracefs (user nobody) falls back with
#     a one-line reason.  Without root or tracefs support it is reported as
#     not run, never as passed.
# The late-wake threshold is 1 us, so every tick of an ordinary process on a
# shared host is a candidate: no timing is asserted, only that what happened
# was attributed and accounted.
# Usage: trace_incidents.sh [BIN_DIR]
set -euo pipefail
B=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_agent.sh"
mk_scratch
INST=tr$$
MNT=""
cleanup_trace() {
	set +e
	if [ -n "$MNT" ]; then
		rmdir "$MNT"/instances/spinal-"$INST"* 2>/dev/null
		umount "$MNT" 2>/dev/null
		rmdir "$MNT" 2>/dev/null
	fi
	cleanup
}
trap cleanup_trace EXIT
export SPINAL_RUN_DIR=$T/run
mkdir -p "$SPINAL_RUN_DIR"

# run_core NAME SECONDS ARGS... : a short core run, log in $T/NAME.log, JSON of
# its incidents (taken while it runs) in $T/NAME.json
run_core() {
	local name=$1 secs=$2
	shift 2
	"$B/spinal-core" --name "$name" --no-rt --duration "$secs" --trace-late-us 1 \
		--trace-max-per-s 50 "$@" >"$T/$name.log" 2>&1 &
	local pid=$!
	PIDS+=($pid)
	wait_for 10 inspect_json "$name" || fail "$name: core did not come up: $(tail -n 3 "$T/$name.log")"
	wait_for 10 has_incidents "$name" || fail "$name: no incident published: $(tail -n 3 "$T/$name.log")"
	inspect_json "$name" >"$T/$name.json"
	"$B/spinal-inspect" --name "$name" >"$T/$name.txt"
	wait "$pid" || fail "$name: core exited with $?: $(tail -n 3 "$T/$name.log")"
}
has_incidents() { [ "$(inspect_json "$1" | json_get - "j['incidents']['published']")" -ge 3 ]; }
js() { json_get "$T/$1.json" "$2"; }

# every published incident has one dominant cause: by_cause adds up to published
check_accounting() {
	local name=$1
	[ "$(js "$name" "sum(j['incidents']['by_cause'].values()) == j['incidents']['published']")" = True ] ||
		fail "$name: by_cause does not add up to published: $(js "$name" "j['incidents']")"
	[ "$(js "$name" "j['incidents']['candidates'] >= j['incidents']['published'] + j['incidents']['skipped'] - 64")" = True ] ||
		fail "$name: candidates < published + skipped: $(js "$name" "j['incidents']")"
}

# --- 1. forced fallback ------------------------------------------------------
run_core "${INST}p" 3 --trace proc
n=$(grep -c 'tracing: --trace proc' "$T/${INST}p.log" || true)
[ "$n" = 1 ] || fail "--trace proc: expected the fallback announced once, got $n: $(cat "$T/${INST}p.log")"
[ "$(js "${INST}p" "j['incidents']['source']")" = proc ] || fail "source is not proc"
[ "$(js "${INST}p" "all(i['source'] == 'proc' for i in j['incidents']['last'])")" = True ] ||
	fail "an incident not from /proc in proc mode"
[ "$(js "${INST}p" "all(i['late_ns'] > 1000 and i['text'].startswith('tick ') for i in j['incidents']['last'])")" = True ] ||
	fail "incident without lateness or verdict text: $(js "${INST}p" "j['incidents']['last'][-1]")"
[ "$(js "${INST}p" "all(i['cause'] in ('unknown','preempted','self') for i in j['incidents']['last'])")" = True ] ||
	fail "proc mode named a cause it cannot see: $(js "${INST}p" "[i['cause'] for i in j['incidents']['last']]")"
check_accounting "${INST}p"
grep -q 'incident: tick [0-9]* late by [0-9]* us (.*, proc): cause ' "$T/${INST}p.log" ||
	fail "no incident line in the core's log: $(tail -n 3 "$T/${INST}p.log")"
grep -q 'incidents (proc): ' "$T/${INST}p.txt" || fail "spinal-inspect shows no incidents: $(tail -n 4 "$T/${INST}p.txt")"
note "proc: $(js "${INST}p" "j['incidents']['published']") attributed, by cause $(js "${INST}p" "{k: v for k, v in j['incidents']['by_cause'].items() if v}")"
note "proc: $(js "${INST}p" "j['incidents']['last'][-1]['text']")"

# --- 2. auto, tracefs absent at the path given ----------------------------------
mkdir -p "$T/notracefs"
run_core "${INST}a" 2 --tracefs "$T/notracefs"
n=$(grep -c "tracing: no tracefs (not mounted at $T/notracefs); late ticks are attributed from /proc" "$T/${INST}a.log" || true)
[ "$n" = 1 ] || fail "auto without tracefs: expected one fallback line, got $n: $(cat "$T/${INST}a.log")"
[ "$(js "${INST}a" "j['incidents']['source']")" = proc ] || fail "auto without tracefs: source not proc"
check_accounting "${INST}a"
note "auto, no tracefs: $(grep -m1 'tracing:' "$T/${INST}a.log" | sed 's/^spinal-core: //')"

# the host's own tracefs, as it is (mounted or not): report, never require
if [ -n "$(awk '$3 == "tracefs" { print $2 }' /proc/mounts | head -n 1)" ]; then
	note "host: tracefs is mounted at $(awk '$3 == "tracefs" { print $2 }' /proc/mounts | head -n 1)"
else
	note "host: tracefs is not mounted"
fi

# --- 3. a real tracefs --------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! grep -qw tracefs /proc/filesystems; then
	echo "trace_incidents: tracefs path NOT RUN (needs root and tracefs support in the kernel)"
	echo "trace_incidents: PASS (proc paths)"
	exit 0
fi
MNT=$T/tracefs
mkdir -p "$MNT"
mount -t tracefs nodev "$MNT" || fail "cannot mount tracefs at $MNT"
run_core "${INST}t" 3 --tracefs "$MNT"
grep -q "tracing: kernel events of CPU [0-9]* in $MNT/instances/spinal-${INST}t" "$T/${INST}t.log" ||
	fail "tracefs: no instance announced: $(grep tracing "$T/${INST}t.log")"
[ "$(js "${INST}t" "j['incidents']['source']")" = tracefs ] || fail "tracefs: source is not tracefs"
cpu=$(js "${INST}t" "j['rt_cpu']")
kb=$(cat "$MNT/instances/spinal-${INST}t/per_cpu/cpu$cpu/buffer_size_kb")
[ "$kb" -ge 512 ] && [ "$kb" -lt 1024 ] || fail "tracefs: RT CPU ring is $kb KiB, asked 512"
[ "$(cat "$MNT/instances/spinal-${INST}t/trace_clock" | grep -o '\[[a-z_]*\]')" = "[mono]" ] ||
	fail "tracefs: trace clock is not mono"
[ "$(cat "$MNT/instances/spinal-${INST}t/tracing_on")" = 0 ] || fail "tracefs: tracing left on after the core stopped"
# kernel events attributed something: a contributor that is not the RT thread
[ "$(js "${INST}t" "any(t['cause'] != 'self' for i in j['incidents']['last'] for t in i['top'])")" = True ] ||
	fail "tracefs: no incident has a kernel-derived contributor: $(js "${INST}t" "j['incidents']['last'][-1]")"
[ "$(js "${INST}t" "all(abs(sum(i['cause_ns'].values()) - ((i['end_ns'] if i['kind'] == 'overrun' else i['wake_ns']) - i['planned_ns'])) <= 2000 for i in j['incidents']['last'])")" = True ] ||
	fail "tracefs: the window is not charged exactly once: $(js "${INST}t" "j['incidents']['last'][-1]")"
check_accounting "${INST}t"
note "tracefs: $(js "${INST}t" "j['incidents']['published']") attributed, by cause $(js "${INST}t" "{k: v for k, v in j['incidents']['by_cause'].items() if v}")"
note "tracefs: $(js "${INST}t" "j['incidents']['last'][-1]['text']")"

# a core that may not write tracefs: one clear line, then the fallback
chmod 755 "$T"
chown nobody "$SPINAL_RUN_DIR"
if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/spinal-core" --name "${INST}u" \
		--no-rt --duration 2 --trace-late-us 1 --tracefs "$MNT" >"$T/${INST}u.log" 2>&1 ||
		fail "unprivileged core failed: $(tail -n 3 "$T/${INST}u.log")"
	grep -q "tracing: cannot .*spinal-${INST}u.*late ticks are attributed from /proc" "$T/${INST}u.log" ||
		fail "unprivileged core: no one-line reason for the fallback: $(grep tracing "$T/${INST}u.log")"
	note "unprivileged: $(grep -m1 'tracing:' "$T/${INST}u.log" | sed 's/^spinal-core: //' | cut -c1-160)"
fi
echo "trace_incidents: PASS"
