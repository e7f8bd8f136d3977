#!/usr/bin/python3
"""pairstat: the one statistic every side-by-side benchmark reports.

A side-by-side benchmark runs interleaved rounds, A, B, A, B ... (at least 10
pairs, same CPU, priority and period), and records one figure per round and
side.  This module turns those rounds into: each side's median and spread
(min, interquartile range, max), the median of the per-pair ratios B/A, and a
bootstrap 95 % interval of that median (resampling whole pairs, fixed seed so
the same rounds always give the same interval).  When the interval contains
1.0 the summary says "no measurable difference".

As a program (bash benchmarks):

    tools/bench/pairstat.py --name "wake p99" --unit us --a spinal --b cyclictest \\
        [--json OUT] [--min-pairs 10] < rounds

  where each input line is "A <value>" or "B <value>" in the order measured
  (the k-th A pairs with the k-th B).  Prints one summary line; --json writes
  the summary with the raw rounds (bench.json's format).  Exit 2 on malformed
  input or fewer than --min-pairs pairs; numbers are never invented.

As a module (tools/bench/run):  summary = pairstat.summarize(a_list, b_list, ...)
"""
import argparse
import json
import random
import statistics
import sys

BOOT_RESAMPLES = 2000
BOOT_SEED = 20261201


def _quantile(xs, q):
    s = sorted(xs)
    if not s:
        return float("nan")
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def spread(xs):
    """min, q25, median, q75, max of @xs."""
    return {
        "min": min(xs),
        "q25": _quantile(xs, 0.25),
        "median": statistics.median(xs),
        "q75": _quantile(xs, 0.75),
        "max": max(xs),
    }


def bootstrap_median_ci(ratios, level=0.95, resamples=BOOT_RESAMPLES, seed=BOOT_SEED):
    """Percentile bootstrap interval of the median of @ratios (pairs resampled)."""
    rng = random.Random(seed)
    n = len(ratios)
    meds = sorted(statistics.median(rng.choices(ratios, k=n)) for _ in range(resamples))
    a = (1.0 - level) / 2.0
    return _quantile(meds, a), _quantile(meds, 1.0 - a)


def summarize(a, b, name="", unit="", a_name="A", b_name="B", min_pairs=10):
    """Summary dict of paired rounds @a[i], @b[i]; raises ValueError when unusable."""
    if len(a) != len(b):
        raise ValueError("%d A rounds but %d B rounds: pairs must be complete" % (len(a), len(b)))
    if len(a) < min_pairs:
        raise ValueError("%d pairs; at least %d are needed for an interval" % (len(a), min_pairs))
    if any(x <= 0 for x in a):
        raise ValueError("an A figure is <= 0: a ratio B/A needs positive A figures")
    ratios = [y / x for x, y in zip(a, b)]
    lo, hi = bootstrap_median_ci(ratios)
    med = statistics.median(ratios)
    return {
        "name": name,
        "unit": unit,
        "a": a_name,
        "b": b_name,
        "pairs": len(a),
        "a_spread": spread(a),
        "b_spread": spread(b),
        "ratio_b_over_a": med,
        "ratio_ci95": [lo, hi],
        "measurable": not (lo <= 1.0 <= hi),
        "rounds": [{"a": x, "b": y} for x, y in zip(a, b)],
    }


def _fmt(v):
    return "%.4g" % v


def line(s):
    """One human line for a summary."""
    a, b = s["a_spread"], s["b_spread"]
    u = (" " + s["unit"]) if s["unit"] else ""
    verdict = ("no measurable difference (interval contains 1.0)" if not s["measurable"]
               else "%s is %s" % (s["b"], "higher" if s["ratio_b_over_a"] > 1 else "lower"))
    return ("%s: %s median %s%s [%s..%s], %s median %s%s [%s..%s]; %s/%s = %s, 95%% CI %s..%s "
            "over %d pairs: %s" % (
                s["name"] or "figure", s["a"], _fmt(a["median"]), u, _fmt(a["min"]), _fmt(a["max"]),
                s["b"], _fmt(b["median"]), u, _fmt(b["min"]), _fmt(b["max"]),
                s["b"], s["a"], _fmt(s["ratio_b_over_a"]), _fmt(s["ratio_ci95"][0]),
                _fmt(s["ratio_ci95"][1]), s["pairs"], verdict))


def read_rounds(f):
    a, b = [], []
    for n, raw in enumerate(f, 1):
        t = raw.split("#", 1)[0].split()
        if not t:
            continue
        if len(t) != 2 or t[0] not in ("A", "B"):
            raise ValueError("line %d: expected 'A <value>' or 'B <value>', got %r" % (n, raw.strip()))
        try:
            v = float(t[1])
        except ValueError:
            raise ValueError("line %d: %r is not a number" % (n, t[1]))
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("line %d: %r is not finite" % (n, t[1]))
        (a if t[0] == "A" else b).append(v)
    return a, b


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", default="", help="what the figure is (e.g. 'wake p99')")
    p.add_argument("--unit", default="", help="unit of the figures (e.g. us)")
    p.add_argument("--a", default="A", help="name of side A (the baseline)")
    p.add_argument("--b", default="B", help="name of side B")
    p.add_argument("--json", help="write the summary and raw rounds to this file")
    p.add_argument("--min-pairs", type=int, default=10, help="refuse fewer pairs (default 10)")
    o = p.parse_args(argv)
    try:
        a, b = read_rounds(sys.stdin)
        s = summarize(a, b, o.name, o.unit, o.a, o.b, o.min_pairs)
    except ValueError as e:
        print("pairstat: %s" % e, file=sys.stderr)
        return 2
    print(line(s))
    if o.json:
        with open(o.json, "w") as f:
            json.dump(s, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
