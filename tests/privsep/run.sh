#!/bin/bash
# Privilege separation checks against a running spinal-core (mk/privsep.mk):
#  1. every thread of a running core: no E/P/I/A capabilities, NoNewPrivs,
#     seccomp filter (Seccomp: 2), not root; shm_open mode too (no filter)
#  2. read-only peers: inspector descriptors refuse PROT_WRITE/mprotect/
#     reopen/resize; agent gets CONS+CFG writable only, seals hold
#  3. wrong uid refused: by the socket file mode (0660), and by SO_PEERCRED
#     when the mode lets anyone connect (0666); root is not the agent
#  4. spinal-inspect --socket reads a socket-mode core
#  5. seccomp: --seccomp-test dies of SIGSYS with the expected log line
#     (trap mode), and is killed silently in kill mode
# Needs root (switches users); skips with a message otherwise.
set -uo pipefail
# Sanitizer builds: LeakSanitizer's exit-time check ptraces the process from a
# helper process, which the core's seccomp filter (and NoNewPrivs) stop; keep
# ASan/UBSan error detection, skip the leak check of a sandboxed core.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
BUILD=build
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR]" >&2; exit 2 ;;
	esac
done
CORE=$BUILD/bin/spinal-core
INSPECT=$BUILD/bin/spinal-inspect
PEER=$BUILD/tests/privsep-peer
if [ "$(id -u)" != 0 ]; then
	echo "check-privsep: SKIP (needs root to switch users)"; exit 0
fi
AGENT_USER=spinal
getent passwd $AGENT_USER >/dev/null || { echo "check-privsep: user '$AGENT_USER' missing (tools/install-deps creates it)" >&2; exit 1; }
D=$(mktemp -d /tmp/spinal-privsep.XXXXXX)
chmod 755 "$D"
fail=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }

wait_sock() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done; return 1; }
wait_running() { # pid log: until the core logs "running"
	for _ in $(seq 200); do grep -q "running:" "$2" 2>/dev/null && return 0; kill -0 "$1" 2>/dev/null || return 1; sleep 0.05; done; return 1
}

# threads of $1: every one without capabilities, with NoNewPrivs (and seccomp if $2=1)
check_threads() {
	local pid=$1 want_sc=$2 label=$3 n=0 nbad=0 t
	for t in /proc/$pid/task/*; do
		n=$((n + 1))
		local s; s=$(cat "$t/status" 2>/dev/null) || continue
		local comm; comm=$(cat "$t/comm" 2>/dev/null)
		local inh prm eff amb nnp sc uid
		inh=$(awk '/^CapInh/{print $2}' <<<"$s"); prm=$(awk '/^CapPrm/{print $2}' <<<"$s")
		eff=$(awk '/^CapEff/{print $2}' <<<"$s"); amb=$(awk '/^CapAmb/{print $2}' <<<"$s")
		nnp=$(awk '/^NoNewPrivs/{print $2}' <<<"$s"); sc=$(awk '/^Seccomp:/{print $2}' <<<"$s")
		uid=$(awk '/^Uid/{print $2}' <<<"$s")
		if [ "$inh$prm$eff$amb" != "0000000000000000000000000000000000000000000000000000000000000000" ] ||
		   [ "$nnp" != 1 ] || [ "$uid" = 0 ] || { [ "$want_sc" = 1 ] && [ "$sc" != 2 ]; }; then
			echo "     thread $(basename "$t") ($comm): uid $uid Inh $inh Prm $prm Eff $eff Amb $amb NoNewPrivs $nnp Seccomp $sc"
			nbad=$((nbad + 1))
		fi
	done
	if [ "$nbad" = 0 ] && [ "$n" -ge 3 ]; then ok "$label: $n threads, no capabilities, NoNewPrivs, uid != 0$([ "$want_sc" = 1 ] && echo ', seccomp filter')"
	else bad "$label: $nbad of $n threads hold privileges"; fi
}

# --- 1+2+3+4: socket mode, seccomp trap
S=$D/core.sock
$CORE -n psA -d 30 --socket "$S" --agent-user $AGENT_USER >"$D/a.log" 2>&1 &
A=$!; pids+=($A)
if ! wait_sock "$S" || ! wait_running $A "$D/a.log"; then bad "core with --socket did not start"; cat "$D/a.log"; exit 1; fi
sleep 0.3
check_threads $A 1 "socket mode, running core"
grep -c memfd: /proc/$A/maps >/dev/null && ok "regions are memfds ($(grep -c 'memfd:spinal' /proc/$A/maps) mappings), none in /dev/shm: $(ls /dev/shm | grep -c 'spinal\.psA\.' || true)"
[ "$(stat -c %a "$S")" = 660 ] && ok "socket mode 0660 group $(stat -c %G "$S")" || bad "socket mode $(stat -c %a "$S")"
if $PEER --socket "$S" --role inspector --as-user $AGENT_USER >"$D/peer-i.log"; then ok "inspector descriptors read-only ($(grep -c '^held' "$D/peer-i.log") attempts held)"
else bad "inspector descriptors"; cat "$D/peer-i.log"; fi
if $PEER --socket "$S" --role agent --as-user $AGENT_USER >"$D/peer-a.log"; then ok "agent: STATS/TELEM read-only, CONS/CFG writable but sealed ($(grep -c '^held' "$D/peer-a.log") attempts held)"
else bad "agent descriptors"; cat "$D/peer-a.log"; fi
$PEER --socket "$S" --role agent --as-user nobody --expect refused >"$D/r1.log" && ok "uid nobody refused by the socket mode: $(cut -c1-90 "$D/r1.log")" || bad "nobody not refused: $(cat "$D/r1.log")"
$PEER --socket "$S" --role agent --expect refused >"$D/r2.log" && ok "root asking as agent refused by SO_PEERCRED" || bad "root got agent descriptors"
if $INSPECT --socket "$S" -n psA >"$D/insp.log" 2>&1 && grep -q running "$D/insp.log"; then ok "spinal-inspect --socket reads the core"
else bad "spinal-inspect --socket"; cat "$D/insp.log"; fi
grep -q "handoff: refused" "$D/a.log" && ok "core logged the refusal: $(grep -m1 'handoff: refused' "$D/a.log" | cut -c1-110)" || bad "no refusal logged"
kill -TERM $A; wait $A; rc=$?
[ $rc = 0 ] && ok "clean stop under seccomp (exit 0)" || { bad "core exit $rc"; tail -5 "$D/a.log"; }

# --- 3b: mode 0666 lets anyone connect: SO_PEERCRED must refuse
S2=$D/open.sock
$CORE -n psB -d 30 --socket "$S2" --socket-mode 0666 --agent-user $AGENT_USER -q >"$D/b.log" 2>&1 &
B=$!; pids+=($B)
wait_sock "$S2" && sleep 0.5
$PEER --socket "$S2" --role agent --as-user 54321 --expect refused >"$D/r3.log" &&
	grep -q "is not the agent user" "$D/r3.log" && ok "wrong uid refused at the socket by SO_PEERCRED: $(grep -o 'refused.*' "$D/r3.log" | cut -c1-80)" ||
	bad "wrong uid with mode 0666: $(cat "$D/r3.log")"
$PEER --socket "$S2" --role inspector --as-user 54321 --expect refused >"$D/r4.log" &&
	ok "uid 54321 (not in the spinal group) refused as inspector" || bad "uid 54321 got inspector descriptors"
kill -TERM $B; wait $B

# --- 1b: shm_open (default) mode: still no capabilities and NoNewPrivs
$CORE -n psC -d 30 >"$D/c.log" 2>&1 &
C=$!; pids+=($C)
wait_running $C "$D/c.log" && sleep 0.3
check_threads $C 0 "shm_open mode (no --socket), seccomp off"
kill -TERM $C; wait $C

# --- 1c: systemd's way: a non-root service user with ambient CAP_SYS_NICE and
#     CAP_IPC_LOCK (capsh stands in for AmbientCapabilities=)
CU=spinal-core; getent passwd $CU >/dev/null || CU=nobody
if command -v capsh >/dev/null; then
	mkdir -p "$D/f" && chown "$CU" "$D/f"  # the socket directory belongs to the core's user
	capsh --caps="cap_sys_nice,cap_ipc_lock+eip cap_setpcap,cap_setuid,cap_setgid+ep" --keep=1 \
		--user=$CU --addamb=cap_sys_nice,cap_ipc_lock -- \
		-c "exec $CORE -n psF -d 30 --socket $D/f/core.sock --agent-user $AGENT_USER" >"$D/f.log" 2>&1 &
	F=$!; pids+=($F)
	wait_running $F "$D/f.log" && sleep 0.3
	FP=$(pgrep -n -f "spinal-core -n psF")
	grep -q "SCHED_FIFO" "$D/f.log" && ok "ambient-capability start as $CU: SCHED_FIFO granted" || { bad "ambient start: no SCHED_FIFO"; tail -3 "$D/f.log"; }
	[ -n "$FP" ] && check_threads "$FP" 1 "ambient-capability start as $CU, after setup"
	kill -TERM "$FP" 2>/dev/null; wait $F
else
	bad "capsh missing (libcap2-bin): ambient-capability start not tested"
fi

# --- 5: seccomp test hook
( exec $CORE -n psD -d 30 --socket "$D/d.sock" --agent-user $AGENT_USER --seccomp-test >"$D/d.log" 2>&1 ) 2>/dev/null
rc=$?
if [ $rc = $((128 + 31)) ] && grep -q "seccomp: thread .* made forbidden system call 41 (socket)" "$D/d.log"; then
	ok "seccomp trap: forbidden socket() killed the core (exit $rc): $(grep -o 'seccomp: thread.*(socket)' "$D/d.log")"
else bad "seccomp trap: exit $rc"; tail -3 "$D/d.log"; fi
( exec $CORE -n psE -d 30 --seccomp kill --seccomp-test >"$D/e.log" 2>&1 ) 2>/dev/null
rc=$?
[ $rc = $((128 + 31)) ] && ok "seccomp kill mode: killed by SIGSYS (exit $rc), no userspace line (kernel audit log only)" ||
	{ bad "seccomp kill: exit $rc"; tail -3 "$D/e.log"; }

[ $fail = 0 ] && echo "check-privsep: PASS" || echo "check-privsep: FAIL"
exit $fail
