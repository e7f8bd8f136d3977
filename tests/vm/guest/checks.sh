#!/bin/sh
# Guest-side checks of the PREEMPT_RT VM test.  Every check prints exactly one
# "SPINAL-VM: PASS <name> <detail>" or "SPINAL-VM: FAIL <name> <detail>" line;
# tests/vm/run.sh turns them into the exit status.  Binaries that are not
# built yet are reported as FAIL, never skipped silently.

pass() { n=$1; shift; echo "SPINAL-VM: PASS $n $*"; }
fail() { n=$1; shift; echo "SPINAL-VM: FAIL $n $*"; }
check() { n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "(command: $*)"; fi; }
info() { echo "SPINAL-VM: INFO $*"; }

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

# owner: 1 ms period, 100 ms timeout; supervisor as an unprivileged user
spinal-wdtest own 1000 100 >"$LOG/own1" 2>&1 &
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
if [ $wrc = 0 ] && [ "$reason" = timeout ] && [ "${gap:-0}" -ge 100000000 ] &&
	[ $((t_seen - t_stop)) -lt 1000 ]; then
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
spinal-wdtest own 1000 100 >"$LOG/own3" 2>&1 &
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
