#!/bin/sh
# Guest-side checks of the PREEMPT_RT VM test.  Every check prints exactly one
# "SPINAL-VM: PASS <name> <detail>" or "SPINAL-VM: FAIL <name> <detail>" line;
# tests/vm/run.sh turns them into the exit status.  Binaries that are not
# built yet are reported as FAIL, never skipped silently.

pass() { n=$1; shift; echo "SPINAL-VM: PASS $n $*"; }
fail() { n=$1; shift; echo "SPINAL-VM: FAIL $n $*"; }
check() { n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "(command: $*)"; fi; }
info() { echo "SPINAL-VM: INFO $*"; }
skip() { n=$1; shift; echo "SPINAL-VM: SKIP $n $*"; }

# now in ms from /proc/uptime
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# wait_for FILE PATTERN TIMEOUT_MS: 0 when PATTERN shows up in FILE in time
wait_for() {
	t_end=$(( $(now_ms) + $3 ))
	while [ "$(now_ms)" -lt "$t_end" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		usleep 20000
	done
	return 1
}

# run a command as the unprivileged user spinal (uid $SPINAL_UID)
as_spinal() { su -s /bin/sh spinal -c "exec $*"; }

# field NAME from "k=v k=v" text on stdin
field() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

SYS=/sys/class/misc/spinal_wd/stats
LOG=/spinal/log
SPINAL_UID=100
WD_MS=250

# --- kernel ------------------------------------------------------------
rt=$(cat /sys/kernel/realtime 2>/dev/null)
if [ "$rt" = 1 ] && uname -v | grep -q PREEMPT_RT; then
	pass kernel_preempt_rt "$(uname -r) $(uname -v)"
else
	fail kernel_preempt_rt "realtime='$rt' version='$(uname -v)'"
fi
iso=$(cat /sys/devices/system/cpu/isolated)
nohz=$(cat /sys/devices/system/cpu/nohz_full 2>/dev/null)
if [ "$iso" = 1 ] && [ "$nohz" = 1 ]; then
	pass isolated_cpu1 "isolated=$iso nohz_full=$nohz online=$(cat /sys/devices/system/cpu/online)"
else
	fail isolated_cpu1 "isolated='$iso' nohz_full='$nohz'"
fi

# --- the watchdog module, through lib/wd.c (spinal-wdtest) ------------
if spinal-wdtest probe >/dev/null 2>&1; then
	fail wd_absent_fallback "device present before insmod"
else
	pass wd_absent_fallback "lib/wd.c reports not available without the module"
fi
if insmod /spinal/spinal_wd.ko && [ -c /dev/spinal_wd ]; then
	pass wd_insmod "/dev/spinal_wd $(ls -l /dev/spinal_wd | awk '{print $1, $5, $6}')"
else
	fail wd_insmod "$(dmesg | tail -n 5)"
fi

# owner: 1 ms period, $WD_MS ms timeout (generous: the guest runs under TCG on
# a shared host); supervisor as an unprivileged user
spinal-wdtest own 1000 $WD_MS >"$LOG/own1" 2>&1 &
own=$!
wait_for "$LOG/own1" armed 5000 && [ "$(cat $SYS/state)" = 1 ]
check wd_arm test "$(cat $SYS/state)" = 1
sleep 1
misses_running=$(cat $SYS/misses)
checks_running=$(cat $SYS/checks)
info "wd running 1 s: checks=$checks_running misses=$misses_running max_gap_ns=$(cat $SYS/max_gap_ns)"
if [ "$(cat $SYS/trips)" = 0 ]; then
	pass wd_no_false_trip "1 s of beats at 1 kHz, checks=$checks_running"
else
	fail wd_no_false_trip "tripped while beating: reason $(cat $SYS/last_reason)"
fi
spinal-wdtest arm2 >"$LOG/arm2" 2>&1
check wd_single_owner grep -q 'Device or resource busy' "$LOG/arm2"

as_spinal spinal-wdtest watch 5000 >"$LOG/watch1" 2>&1 &
watch=$!
wait_for "$LOG/watch1" watching 3000
t_stop=$(now_ms)
kill -STOP $own
wait $watch
wrc=$?
t_seen=$(now_ms)
gap=$(grep '^trip' "$LOG/watch1" | field last_trip_gap_ns)
reason=$(grep '^trip' "$LOG/watch1" | field reason)
if [ $wrc = 0 ] && [ "$reason" = timeout ] && [ "${gap:-0}" -ge $((WD_MS * 1000000)) ] &&
	[ $((t_seen - t_stop)) -lt $((WD_MS + 1000)) ]; then
	pass wd_stop_trips "SIGSTOP -> trip seen by uid $SPINAL_UID after $((t_seen - t_stop)) ms, gap ${gap} ns, reason $reason"
else
	fail wd_stop_trips "rc=$wrc reason=$reason gap=$gap after $((t_seen - t_stop)) ms: $(cat "$LOG/watch1")"
fi
info "$(grep -E '^(woken|trip)' "$LOG/watch1" | tr '\n' ' ')"

if rmmod spinal_wd 2>/dev/null; then
	fail wd_rmmod_busy "module unloaded while its owner holds it"
else
	pass wd_rmmod_busy "rmmod refused while the (stopped) owner holds /dev/spinal_wd"
fi
kill -9 $own
wait $own 2>/dev/null

# release: a fresh owner killed with SIGKILL trips at once (reason release)
spinal-wdtest own 1000 1000 >"$LOG/own2" 2>&1 &
own=$!
wait_for "$LOG/own2" armed 5000
as_spinal spinal-wdtest watch 5000 >"$LOG/watch2" 2>&1 &
watch=$!
wait_for "$LOG/watch2" watching 3000
t_kill=$(now_ms)
kill -9 $own
wait $watch
wrc=$?
t_seen=$(now_ms)
reason=$(grep '^trip' "$LOG/watch2" | field reason)
if [ $wrc = 0 ] && [ "$reason" = release ] && [ $((t_seen - t_kill)) -lt 500 ]; then
	pass wd_kill9_release "SIGKILL -> trip (release) seen after $((t_seen - t_kill)) ms, timeout was 1000 ms"
else
	fail wd_kill9_release "rc=$wrc reason=$reason after $((t_seen - t_kill)) ms: $(cat "$LOG/watch2")"
fi

# a clean exit (SIGTERM -> disarm) is not a trip
trips=$(cat $SYS/trips)
spinal-wdtest own 1000 $WD_MS >"$LOG/own3" 2>&1 &
own=$!
wait_for "$LOG/own3" armed 5000
kill -TERM $own
wait $own
sleep 0.3
if [ "$(cat $SYS/trips)" = "$trips" ] && [ "$(cat $SYS/state)" = 0 ]; then
	pass wd_clean_disarm "SIGTERM -> disarm, no trip"
else
	fail wd_clean_disarm "trips $trips -> $(cat $SYS/trips), state $(cat $SYS/state)"
fi

# --- spinal-core on the isolated CPU, with the watchdog armed ------------
# stat fields of a task after the ")" of its comm: 37 processor,
# 38 rt_priority, 39 policy (1 = SCHED_FIFO)
task_field() { sed 's/.*) //' "$1" | awk -v n="$2" '{ print $n }'; }
json_field() { grep -o "\"$2\":[^,}]*" "$1" | head -n 1 | sed 's/.*://'; }
PRIO=70
WDT_MS=300

if ! command -v spinal-core >/dev/null 2>&1; then
	skip core "spinal-core is not built"
else
	spinal-core -n vm -P $PRIO --wd-timeout-ms $WDT_MS >"$LOG/core1" 2>&1 &
	core=$!
	if wait_for "$LOG/core1" 'running:' 15000; then
		pass core_start "$(grep 'running:' "$LOG/core1" | sed 's/^spinal-core: //')"
	else
		fail core_start "$(tail -n 5 "$LOG/core1")"
	fi
	sed 's/^/SPINAL-VM: CORE /' "$LOG/core1"
	tid=$(sed -n 's/.*RT thread tid \([0-9]*\).*/\1/p' "$LOG/core1" | head -n 1)
	st=/proc/$core/task/${tid:-0}/stat
	as_spinal spinal-inspect -n vm --json >"$LOG/inspect1" 2>&1
	irc=$?

	if grep -q 'kernel: PREEMPT_RT' "$LOG/core1" &&
		[ "$(json_field "$LOG/inspect1" preempt_rt)" = true ]; then
		pass core_says_rt "core log and stats flags say PREEMPT_RT"
	else
		fail core_says_rt "$(grep 'kernel:' "$LOG/core1") inspect preempt_rt=$(json_field "$LOG/inspect1" preempt_rt)"
	fi
	cpu=$(task_field "$st" 37)
	aff=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$core/task/${tid:-0}/status 2>/dev/null)
	if grep -q 'isolated CPU 1' "$LOG/core1" && [ "$cpu" = 1 ] && [ "$aff" = 1 ] &&
		[ "$(json_field "$LOG/inspect1" rt_cpu)" = 1 ]; then
		pass core_isolated_cpu1 "RT thread $tid runs on CPU $cpu, allowed $aff, chosen from the isolated list"
	else
		fail core_isolated_cpu1 "tid=$tid cpu=$cpu allowed=$aff log: $(grep 'cpu:' "$LOG/core1")"
	fi
	prio=$(task_field "$st" 38)
	pol=$(task_field "$st" 39)
	if [ "$pol" = 1 ] && [ "$prio" = $PRIO ]; then
		pass core_sched_fifo "RT thread policy SCHED_FIFO, rt_priority $prio (requested $PRIO)"
	else
		fail core_sched_fifo "policy=$pol rt_priority=$prio (requested $PRIO)"
	fi
	lck=$(sed -n 's/^VmLck:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$core/status)
	if [ "${lck:-0}" -gt 0 ] && [ "$(json_field "$LOG/inspect1" mlocked)" = true ]; then
		pass core_mlocked "VmLck ${lck} kB"
	else
		fail core_mlocked "VmLck='$lck' inspect mlocked=$(json_field "$LOG/inspect1" mlocked)"
	fi
	ticks=$(json_field "$LOG/inspect1" ticks)
	if [ $irc = 0 ] && [ "${ticks:-0}" -gt 0 ]; then
		pass inspect_reads_stats "as uid $SPINAL_UID: ticks=$ticks overruns=$(json_field "$LOG/inspect1" overruns) wake p99=$(grep -o '"wake":{[^}]*}' "$LOG/inspect1" | grep -o '"p99_ns":[0-9]*' | cut -d: -f2) ns"
	else
		fail inspect_reads_stats "rc=$irc $(head -c 300 "$LOG/inspect1")"
	fi

	# the agent, unprivileged, drains telemetry and watches the kernel watchdog
	agent=""
	if command -v spinal-agent >/dev/null 2>&1; then
		spinal-agent -n vm -d "$LOG/telem" -l off >"$LOG/agent" 2>&1 &
		agent=$!
		t_end=$(( $(now_ms) + 10000 ))
		written=0
		while [ "$(now_ms)" -lt "$t_end" ]; do
			as_spinal spinal-inspect -n vm --json >"$LOG/inspect2" 2>&1
			written=$(json_field "$LOG/inspect2" agent_written)
			[ "${written:-0}" -gt 0 ] && break
			sleep 0.2
		done
		auid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$agent/status 2>/dev/null)
		if [ -n "$auid" ] && [ "$auid" != 0 ] && [ "${written:-0}" -gt 0 ]; then
			pass agent_drains "agent runs as uid $auid, telemetry records written $written, produced $(json_field "$LOG/inspect2" produced), dropped $(json_field "$LOG/inspect2" dropped)"
		else
			fail agent_drains "uid='$auid' written='$written' $(tail -n 3 "$LOG/agent")"
		fi
	else
		skip agent "spinal-agent is not built"
	fi

	if grep -q 'kernel watchdog armed' "$LOG/core1" && [ "$(cat $SYS/owner_pid)" = "$core" ] &&
		[ "$(cat $SYS/state)" = 1 ]; then
		pass wd_core_armed "owner pid $core, timeout $(cat $SYS/timeout_ns) ns, check $(cat $SYS/check_ns) ns"
	else
		fail wd_core_armed "owner=$(cat $SYS/owner_pid) state=$(cat $SYS/state) log: $(grep -i watchdog "$LOG/core1")"
	fi
	sleep 1
	if [ "$(cat $SYS/state)" = 1 ]; then
		pass wd_core_no_false_trip "core beating 1 s at 1 kHz: checks since load $(cat $SYS/checks), misses $(cat $SYS/misses)"
	else
		fail wd_core_no_false_trip "state $(cat $SYS/state) reason $(cat $SYS/last_reason) gap $(cat $SYS/last_trip_gap_ns)"
	fi

	as_spinal spinal-wdtest watch 5000 >"$LOG/cwatch1" 2>&1 &
	watch=$!
	wait_for "$LOG/cwatch1" watching 3000
	t_stop=$(now_ms)
	kill -STOP $core
	wait $watch
	wrc=$?
	t_seen=$(now_ms)
	reason=$(grep '^trip' "$LOG/cwatch1" | field reason)
	gap=$(grep '^trip' "$LOG/cwatch1" | field last_trip_gap_ns)
	if [ $wrc = 0 ] && [ "$reason" = timeout ] && [ $((t_seen - t_stop)) -lt $((WDT_MS + 1000)) ] &&
		[ "${gap:-0}" -ge $((WDT_MS * 1000000)) ]; then
		pass wd_core_stop_trips "kill -STOP spinal-core -> trip after $((t_seen - t_stop)) ms (timeout $WDT_MS ms), gap $gap ns, seen by uid $SPINAL_UID"
	else
		fail wd_core_stop_trips "rc=$wrc reason=$reason after $((t_seen - t_stop)) ms: $(cat "$LOG/cwatch1")"
	fi
	if [ -n "$agent" ]; then
		sleep 0.5
		if grep -qiE 'kernel watchdog|stalled|died' "$LOG/agent"; then
			pass agent_sees_trip "$(grep -iE 'kernel watchdog|stalled|died' "$LOG/agent" | head -n 2 | tr '\n' ' ')"
		else
			fail agent_sees_trip "agent log has no stall/watchdog line: $(tail -n 3 "$LOG/agent")"
		fi
		kill -TERM $agent 2>/dev/null
		wait $agent 2>/dev/null
		sed 's/^/SPINAL-VM: AGENT /' "$LOG/agent"
	fi
	kill -9 $core
	wait $core 2>/dev/null

	# kill -9 of a running core trips at once, through release
	spinal-core -n vm2 -P $PRIO --wd-timeout-ms 5000 >"$LOG/core2" 2>&1 &
	core=$!
	wait_for "$LOG/core2" 'kernel watchdog armed' 15000
	as_spinal spinal-wdtest watch 5000 >"$LOG/cwatch2" 2>&1 &
	watch=$!
	wait_for "$LOG/cwatch2" watching 3000
	t_kill=$(now_ms)
	kill -9 $core
	wait $watch
	wrc=$?
	t_seen=$(now_ms)
	wait $core 2>/dev/null
	reason=$(grep '^trip' "$LOG/cwatch2" | field reason)
	if [ $wrc = 0 ] && [ "$reason" = release ] && [ $((t_seen - t_kill)) -lt 1000 ]; then
		pass wd_core_kill9_release "kill -9 spinal-core -> trip (release) after $((t_seen - t_kill)) ms, timeout was 5000 ms"
	else
		fail wd_core_kill9_release "rc=$wrc reason=$reason after $((t_seen - t_kill)) ms: $(cat "$LOG/cwatch2") $(tail -n 3 "$LOG/core2")"
	fi
fi

# --- why was that tick late: provoked causes on the RT CPU ----------------
# A core at a 10 ms period (the emulated guest is slow), late-wake threshold
# TR_LATE_US; in separate windows an IRQ load routed to CPU 1 (ttyS1's TX
# interrupts, its threaded handler above the core), a SCHED_FIFO thread at a
# higher priority on CPU 1, a SCHED_OTHER hog pinned to CPU 1.  The dominant
# cause of the incidents each load adds must be the one provoked: the
# emulated guest is late on its own (exit from idle under TCG takes ~1 ms),
# so a window's count per dominant cause is compared with the baseline
# window's (same length) and the class with the largest excess wins.
TR_PERIOD_US=10000
TR_LATE_US=${TR_LATE_US:-300}
TR_SECS=4
if ! command -v spinal-vmload >/dev/null 2>&1; then
	fail trace_windows "spinal-vmload is not built"
elif ! grep -q tracefs /proc/mounts; then
	fail trace_tracefs "tracefs is not mounted in the guest"
else
	spinal-core -n tr -P $PRIO -p $TR_PERIOD_US --wd-timeout-ms 0 --trace-late-us $TR_LATE_US \
		--trace-max-per-s 0 >"$LOG/trcore" 2>&1 &
	trcore=$!
	wait_for "$LOG/trcore" 'running:' 15000
	if grep -q 'tracing: kernel events of CPU 1' "$LOG/trcore"; then
		pass trace_tracefs "$(grep 'tracing:' "$LOG/trcore" | sed 's/^spinal-core: //')"
	else
		fail trace_tracefs "$(grep -i 'tracing' "$LOG/trcore")"
	fi
	CAUSES="irq softirq thread_rt thread_other timer idle self unknown"
	# window NAME EXPECTED CMD...: run CMD (the load, TR_SECS long), then judge
	window() {
		wn=$1; want=$2; shift 2
		c0=$(spinal-vmload causes tr)
		"$@" >"$LOG/load-$wn" 2>&1
		usleep 800000 # the tracer analyses a tick once the events past it arrived
		c1=$(spinal-vmload causes tr)
		best=""; bestx=0; line=""
		for c in $CAUSES; do
			a=$(echo "$c0" | field "$c"); b=$(echo "$c1" | field "$c")
			d=$((b - a)); base=$(eval echo "\${base_$c:-0}")
			[ -z "$want" ] && eval "base_$c=$d"
			line="$line $c=$d(base $base)"
			if [ $((d - base)) -gt "$bestx" ]; then best=$c; bestx=$((d - base)); fi
		done
		spinal-inspect -n tr | grep -E '^    tick ' | tail -n 2 | sed "s/^ */SPINAL-VM: INFO $wn: /"
		if [ -z "$want" ]; then
			info "trace window $wn (baseline): dominant ${best:-none}:$line"
		elif [ "$best" = "$want" ]; then
			pass "trace_window_$wn" "dominant added cause $best (+$bestx incidents over the baseline):$line"
		else
			fail "trace_window_$wn" "expected $want, dominant ${best:-none}:$line $(tail -n 2 "$LOG/load-$wn")"
		fi
	}
	window baseline "" sleep $TR_SECS
	c=$(spinal-vmload causes tr)
	if [ "$(echo "$c" | field source)" = tracefs ] && [ "$(echo "$c" | field published)" -gt 0 ]; then
		pass trace_attributes "late ticks attributed from kernel events: $c"
	else
		fail trace_attributes "$c"
	fi
	if grep -q 'spinal.trace_windows=1' /proc/cmdline; then
	window irq irq spinal-vmload flood /dev/ttyS1 0 $TR_SECS 3 1 90
	info "irq load: $(tr '\n' ' ' <"$LOG/load-irq")"
	window fifo thread_rt spinal-vmload spin 1 fifo 80 3000 20000 $TR_SECS
	window other thread_other spinal-vmload spin 1 other 0 1000 1000 $TR_SECS
	else
		skip trace_windows "provoked-cause windows run with make check-vm-trace"
	fi
	info "$(spinal-vmload causes tr)"
	kill -TERM $trcore
	wait $trcore
	sed 's/^/SPINAL-VM: TRCORE /' "$LOG/trcore" | grep -v 'incident:' | tail -n 4
fi

# --- module statistics ----------------------------------------------------
for f in $SYS/*; do
	echo "SPINAL-VM: STAT ${f##*/}=$(cat "$f")"
done

if rmmod spinal_wd && [ ! -e /dev/spinal_wd ]; then
	pass wd_rmmod "clean unload"
else
	fail wd_rmmod "$(dmesg | tail -n 5)"
fi
if dmesg | grep -qE 'BUG|WARNING|Oops|scheduling while atomic|sleeping function'; then
	fail kernel_log_clean "$(dmesg | grep -E 'BUG|WARNING|Oops|atomic|sleeping' | head -n 3)"
else
	pass kernel_log_clean "no BUG/WARNING in dmesg"
fi
dmesg | grep spinal_wd | sed 's/^/SPINAL-VM: DMESG /'
