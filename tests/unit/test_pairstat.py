#!/usr/bin/python3
"""Unit test of tools/bench/pairstat.py: known answers, refusals, the CLI."""
import os
import random
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
tool = os.path.join(here, "..", "..", "tools", "bench", "pairstat.py")
sys.path.insert(0, os.path.dirname(tool))
import pairstat  # noqa: E402

fails = 0


def check(cond, what):
    global fails
    print("%s - %s" % ("ok  " if cond else "FAIL", what))
    fails += 0 if cond else 1


r = random.Random(7)
a = [100 + r.gauss(0, 3) for _ in range(20)]
b = [x * 1.5 + r.gauss(0, 3) for x in a]
s = pairstat.summarize(a, b, "t")
check(1.4 < s["ratio_b_over_a"] < 1.6, "ratio of a 1.5x side is ~1.5 (%.3f)" % s["ratio_b_over_a"])
lo, hi = s["ratio_ci95"]
check(lo < s["ratio_b_over_a"] < hi and hi < 1.6 and lo > 1.4, "interval brackets the median, excludes 1.0")
check(s["measurable"], "a 1.5x difference is measurable")
check(len(s["rounds"]) == 20 and s["rounds"][3] == {"a": a[3], "b": b[3]}, "raw rounds kept in order")
same = [x + r.gauss(0, 3) for x in a]
s2 = pairstat.summarize(a, same)
check(not s2["measurable"] and "no measurable difference" in pairstat.line(s2), "equal sides: interval contains 1.0")
check(pairstat.summarize(a, b) == s | {"name": ""}, "deterministic: same rounds, same interval")
for bad, why in (((a[:9], b[:9]), "fewer than 10 pairs"), ((a, b[:-1]), "incomplete pairs"),
                 (([0.0] * 10, [1.0] * 10), "zero baseline")):
    try:
        pairstat.summarize(*bad)
        check(False, "refuses " + why)
    except ValueError:
        check(True, "refuses " + why)
rounds = "".join("A %r\nB %r\n" % (x, y) for x, y in zip(a, b))
p = subprocess.run([sys.executable, tool, "--name", "wake p99", "--unit", "us"], input=rounds,
                   capture_output=True, text=True)
check(p.returncode == 0 and "wake p99" in p.stdout and "B is higher" in p.stdout, "CLI summary line")
p = subprocess.run([sys.executable, tool], input="A 1\nC 2\n", capture_output=True, text=True)
check(p.returncode == 2 and "line 2" in p.stderr, "CLI refuses a malformed line with its number")
p = subprocess.run([sys.executable, tool], input="A nan\nB 1\n", capture_output=True, text=True)
check(p.returncode == 2, "CLI refuses a non-finite figure")
sys.exit(1 if fails else 0)
