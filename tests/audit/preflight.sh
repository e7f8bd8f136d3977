#!/bin/bash
# Preflight reports what is true on this host: compares spinal-audit preflight
# with facts read independently here (sysfs, uname, /proc), checks that every
# WARN/FAIL carries advice and that the exit status follows the FAIL verdicts.
# Usage: tests/audit/preflight.sh path/to/spinal-audit
set -u
audit=${1:?usage: preflight.sh SPINAL_AUDIT}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "preflight.sh: FAIL: $*" >&2; exit 1; }

"$audit" preflight --json >"$tmp/pf.json"; rc=$?
"$audit" preflight >"$tmp/pf.txt"; rc2=$?
[ $rc = $rc2 ] || fail "exit status differs between --json ($rc) and text ($rc2)"
[ $rc = 0 ] || [ $rc = 1 ] || fail "exit status $rc (expected 0 or 1)"

# independent facts
rt=0
[ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ] && rt=1
uname -v | grep -Eqw 'PREEMPT_RT|PREEMPT RT' && rt=1
iso=$(cat /sys/devices/system/cpu/isolated 2>/dev/null)
grep -q 'isolcpus=' /proc/cmdline && iso="${iso}cmdline"
rtrun=$(cat /proc/sys/kernel/sched_rt_runtime_us)

/usr/bin/python3 - "$tmp/pf.json" "$rc" "$rt" "${iso:-}" "$rtrun" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
rc, rt, iso, rtrun = int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], int(sys.argv[5])
c = {x["id"]: x for x in d["checks"]}
def need(cond, msg):
    if not cond:
        print("preflight.sh: FAIL:", msg, file=sys.stderr); sys.exit(1)
for k in ("kernel_rt", "isolated_cpus", "nohz_full", "rcu_nocbs", "rt_throttling", "sched_fifo",
          "memlock", "capabilities", "cpufreq", "smt", "irq_affinity", "clocksource"):
    need(k in c, "check %s missing" % k)
need(c["kernel_rt"]["verdict"] == ("PASS" if rt else "FAIL"),
     "kernel_rt says %s but the host is %sRT" % (c["kernel_rt"]["verdict"], "" if rt else "not "))
if iso:
    need("no isolated CPUs" not in c["isolated_cpus"]["detail"], "isolated CPUs exist: " + iso)
else:
    need(c["isolated_cpus"]["verdict"] == "WARN" and "no isolated CPUs" in c["isolated_cpus"]["detail"],
         "host has no isolated CPUs, report says: " + c["isolated_cpus"]["detail"])
need(c["rt_throttling"]["verdict"] == ("PASS" if rtrun < 0 else "WARN"), "rt_throttling vs %d" % rtrun)
for x in d["checks"]:
    if x["verdict"] in ("WARN", "FAIL"):
        need(x["advice"], "%s is %s without advice" % (x["id"], x["verdict"]))
fails = sum(x["verdict"] == "FAIL" for x in d["checks"])
need((rc == 1) == (fails > 0), "exit %d with %d FAIL" % (rc, fails))
need(d["summary"]["fail"] == fails, "summary disagrees")
print("preflight.sh: kernel_rt=%s isolated=%s (%d checks, %d FAIL) -- matches the host" %
      (c["kernel_rt"]["verdict"], c["isolated_cpus"]["verdict"], len(d["checks"]), fails))
PY
# the human report prints one advice line per WARN/FAIL
nbad=$(grep -cE '^\s+\[(WARN|FAIL)\]' "$tmp/pf.txt")
nadv=$(grep -cE '^\s+-> ' "$tmp/pf.txt")
[ "$nbad" = "$nadv" ] || fail "$nbad WARN/FAIL lines but $nadv advice lines"
"$audit" preflight --cpu 99999 >/dev/null 2>&1; [ $? = 2 ] || fail "bad --cpu not rejected with 2"
echo "preflight.sh: PASS"
