#!/bin/bash
# spinal-audit against running cores:
#   - the fixture core with a good loop:   faults PASS, syscalls PASS
#   - the fixture core with a bad loop (malloc + stderr per tick): faults FAIL,
#     syscalls FAIL, exit status 1
#   - the real spinal-core:                faults PASS, syscalls PASS, latency measured
#   - spinal-audit hist output parses back to the core's sample count
#   - no such core: exit status 2
# Usage: tests/audit/audit_core.sh BUILD_DIR      (needs root: SCHED_FIFO, ptrace, perf)
set -u
O=${1:?usage: audit_core.sh BUILD_DIR}
CORE=${SPINAL_CORE:-$O/bin/spinal-core}
audit=$O/bin/spinal-audit fake=$O/tests/audit-fake-core core=$CORE
W=${AUDIT_TEST_WINDOW:-1}
n=at$$   # instance-name prefix of the cores this test starts
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp" /dev/shm/spinal.${n}?.*  # our instances only
}
trap cleanup EXIT
fail() { echo "audit_core.sh: FAIL: $*" >&2; exit 1; }
[ -x "$audit" ] && [ -x "$fake" ] || fail "build $audit and $fake first"
[ "$(id -u)" = 0 ] || { echo "audit_core.sh: needs root (perf, strace, SCHED_FIFO)" >&2; exit 1; }

wait_region() { # name
	for _ in $(seq 100); do [ -e /dev/shm/spinal.$1.stats ] && { sleep 0.3; return 0; }; sleep 0.05; done
	fail "core $1 did not create its stats region"
}

# expect FILE ID VERDICT...: the check's verdict is one of the listed ones
expect() {
	/usr/bin/python3 - "$@" <<'PY' || exit 1
import json, sys
f, cid, ok = sys.argv[1], sys.argv[2], sys.argv[3:]
d = json.load(open(f))
c = {x["id"]: x for x in d["checks"]}
if cid not in c:
    print("audit_core.sh: FAIL: %s: check %s missing" % (f, cid), file=sys.stderr); sys.exit(1)
if c[cid]["verdict"] not in ok:
    print("audit_core.sh: FAIL: %s: %s is %s (want %s): %s" % (f, cid, c[cid]["verdict"], "/".join(ok),
          c[cid]["detail"]), file=sys.stderr); sys.exit(1)
print("  %-10s %-5s %s" % (cid, c[cid]["verdict"], c[cid]["detail"][:110]))
PY
}

# exit status must be 1 exactly when some check FAILed
consistent() { # file rc
	local fails
	fails=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["fail"])' "$1")
	if [ "$fails" -gt 0 ]; then [ "$2" = 1 ] || fail "$1: $fails FAIL but exit $2"
	else [ "$2" = 0 ] || fail "$1: no FAIL but exit $2"; fi
}

run_audit() { # name out
	"$audit" --name "$1" --window "$W" --json >"$2"; local rc=$?
	[ $rc = 0 ] || [ $rc = 1 ] || fail "spinal-audit --name $1 exited $rc"
	consistent "$2" $rc
	echo $rc >"$2.rc"
}

echo "audit_core.sh: fixture core, good loop"
"$fake" ${n}g 30 2>/dev/null & pids+=($!)
wait_region ${n}g
run_audit ${n}g "$tmp/good.json"
expect "$tmp/good.json" faults PASS
expect "$tmp/good.json" syscalls PASS
expect "$tmp/good.json" migrations PASS
expect "$tmp/good.json" latency PASS WARN
kill "${pids[-1]}"

echo "audit_core.sh: fixture core, bad loop (malloc + stderr every tick)"
"$fake" ${n}b 30 --bad 2>/dev/null & pids+=($!)
wait_region ${n}b
run_audit ${n}b "$tmp/bad.json"
expect "$tmp/bad.json" faults FAIL
expect "$tmp/bad.json" syscalls FAIL
[ "$(cat "$tmp/bad.json.rc")" = 1 ] || fail "bad core: exit status $(cat "$tmp/bad.json.rc"), want 1"
grep -q '"write x' "$tmp/bad.json" || grep -q 'write x' "$tmp/bad.json" || fail "bad core: write not named"
kill "${pids[-1]}"

if [ -x "$O/tests/spinal-core-bad" ]; then
	echo "audit_core.sh: spinal-core built with the bad-loop test hook (mmap + stderr every tick)"
	"$O/tests/spinal-core-bad" --name ${n}x --duration 30 -q 2>/dev/null & pids+=($!)
	wait_region ${n}x
	run_audit ${n}x "$tmp/badcore.json"
	expect "$tmp/badcore.json" faults FAIL
	expect "$tmp/badcore.json" syscalls FAIL
	[ "$(cat "$tmp/badcore.json.rc")" = 1 ] || fail "bad spinal-core: exit status $(cat "$tmp/badcore.json.rc"), want 1"
	grep -q 'write' "$tmp/badcore.json" && grep -q 'mmap' "$tmp/badcore.json" || fail "bad spinal-core: write/mmap not named"
	kill "${pids[-1]}"
else
	fail "$O/tests/spinal-core-bad not built"
fi

if [ -x "$core" ]; then
	echo "audit_core.sh: real spinal-core"
	"$core" --name ${n}c --duration 30 -q 2>"$tmp/core.err" & pids+=($!)
	wait_region ${n}c
	run_audit ${n}c "$tmp/core.json"
	expect "$tmp/core.json" faults PASS
	expect "$tmp/core.json" syscalls PASS
	expect "$tmp/core.json" sched_policy PASS WARN
	expect "$tmp/core.json" latency PASS WARN
	"$audit" hist --name ${n}c --window 0.5 -o "$tmp/core.hist" || fail "spinal-audit hist failed"
	/usr/bin/python3 - "$tmp/core.hist" <<'PY' || exit 1
import sys
rows, cols, native = {}, None, {}
for line in open(sys.argv[1]):
    if line.startswith("# spinal-col"):
        f = dict(kv.split("=") for kv in line.split()[3:])
        native[int(line.split()[2])] = int(f["count"])
    elif line.startswith("# Histogram Overflows:"):
        ov = [int(x) for x in line.split(":")[1].split()]
    elif not line.startswith("#") and line.strip():
        v = [int(x) for x in line.split()]
        cols = len(v) - 1
        for i, x in enumerate(v[1:]): rows[i] = rows.get(i, 0) + x
assert cols == 5, "want 5 stage columns, got %s" % cols
for i in range(cols):
    assert rows[i] + ov[i] == native[i], "column %d: rows %d + overflows %d != count %d" % (i, rows[i], ov[i], native[i])
assert native[0] > 100, "wake column has %d samples in 0.5 s" % native[0]
print("  hist       5 columns, rows+overflows == counts (wake %d samples)" % native[0])
PY
	kill "${pids[-1]}"
else
	fail "$core not built"
fi

"$audit" --name nosuch$$ --window 1 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "missing core: exit $rc, want 2"
echo "audit_core.sh: PASS"
