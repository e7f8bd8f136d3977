#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SPS conformance: C engine (spinal-model run) vs tools/nir_ref.py.

Generates one NIR file per node type / feature with tools/nir_export.py,
a recorded input sequence (STEPS >= 1000 steps of slowly varying features),
runs both implementations and compares outputs and every neuron's voltage
and spikes (--trace-voltage).

    error = max over steps and columns of |c - r| / max(1, |r|)

Must be <= 1e-5 against the float32 reference.  The float64 reference
error is printed for information (it also bounds float32 rounding; spike
columns may flip there when v lands within rounding of the threshold).
Exit status 1 on any failure.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import nir_export as nx  # noqa: E402
import nir_ref  # noqa: E402

TOL = 1e-5


def rnd(rng, *shape, s=1.0):
    return rng.normal(0.0, s, shape)


def cases(rng):
    """-> list of (name, graph, nin, options)."""
    c = []
    n_in, h, n_out = 8, 24, 3

    def tau(n, lo=0.005, hi=0.05):
        return rng.uniform(lo, hi, n)

    c.append(("affine", nx.sequential([
        nx.affine(rnd(rng, 4, 6), rnd(rng, 4))]), 6, {}))
    c.append(("linear+li", nx.sequential([
        nx.linear(rnd(rng, h, n_in)),
        nx.li(tau(h), rng.uniform(0.5, 2, h), rnd(rng, h, s=0.1))]),
        n_in, {}))
    c.append(("scale+li", nx.sequential([
        nx.scale(rnd(rng, n_in)),
        nx.li(tau(n_in), np.ones(n_in), np.zeros(n_in))]), n_in, {}))
    c.append(("lif", nx.sequential([
        nx.affine(rnd(rng, h, n_in, s=2.0), rnd(rng, h, s=0.5)),
        nx.lif(tau(h), rng.uniform(0.5, 2, h), rnd(rng, h, s=0.1),
               rng.uniform(0.5, 1.5, h), rnd(rng, h, s=0.1)),
        nx.affine(rnd(rng, n_out, h), rnd(rng, n_out, s=0.1)),
        nx.li(tau(n_out), np.ones(n_out), np.zeros(n_out))]), n_in, {}))
    c.append(("lif-subtract", nx.sequential([
        nx.affine(rnd(rng, h, n_in, s=2.0), rnd(rng, h, s=0.5)),
        nx.lif(tau(h), np.ones(h), np.zeros(h), np.ones(h)),
        nx.linear(rnd(rng, n_out, h)),
        nx.li(tau(n_out), np.ones(n_out), np.zeros(n_out))]), n_in,
        {"reset": "subtract"}))
    c.append(("cubalif+cubali", nx.sequential([
        nx.affine(rnd(rng, h, n_in, s=3.0), rnd(rng, h, s=0.5)),
        nx.cubalif(tau(h), tau(h), rng.uniform(0.5, 2, h),
                   rnd(rng, h, s=0.1), rng.uniform(0.3, 1.0, h),
                   w_in=rng.uniform(0.5, 2, h)),
        nx.affine(rnd(rng, n_out, h), np.zeros(n_out)),
        nx.cubali(tau(n_out), tau(n_out), np.ones(n_out),
                  np.zeros(n_out))]), n_in, {}))
    c.append(("if", nx.sequential([
        nx.affine(rnd(rng, h, n_in, s=50.0), rnd(rng, h, s=20.0)),
        nx.if_node(rng.uniform(0.5, 2, h), rng.uniform(0.5, 1.0, h)),
        nx.linear(rnd(rng, n_out, h)),
        nx.li(tau(n_out), np.ones(n_out), np.zeros(n_out))]), n_in, {}))
    c.append(("i", nx.sequential([
        nx.linear(rnd(rng, n_out, n_in)),
        nx.i_node(rng.uniform(0.5, 2, n_out))]), n_in, {}))
    # recurrent: input -> fc -> lif -> rec -> lif; lif -> out -> li
    c.append(("recurrent", nx.graph({
        "input": nx.input_node(n_in),
        "fc": nx.affine(rnd(rng, h, n_in, s=2.0), rnd(rng, h, s=0.3)),
        "lif": nx.lif(tau(h), np.ones(h), np.zeros(h), np.ones(h)),
        "rec": nx.linear(rnd(rng, h, h, s=0.5)),
        "out": nx.affine(rnd(rng, n_out, h), np.zeros(n_out)),
        "li": nx.li(tau(n_out), np.ones(n_out), np.zeros(n_out)),
        "output": nx.output_node(n_out),
    }, [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"),
        ("lif", "out"), ("out", "li"), ("li", "output")]), n_in, {}))
    # fan-in + scale branch + nested graph
    sub = nx.graph({
        "input": nx.input_node(n_in),
        "fc": nx.affine(rnd(rng, h, n_in, s=2.0), rnd(rng, h, s=0.3)),
        "lif": nx.lif(tau(h), np.ones(h), np.zeros(h), np.ones(h)),
        "output": nx.output_node(h),
    }, [("input", "fc"), ("fc", "lif"), ("lif", "output")])
    c.append(("nested+fanin", nx.graph({
        "input": nx.input_node(n_in),
        "block": sub,
        "skip": nx.linear(rnd(rng, n_out, n_in)),
        "head": nx.linear(rnd(rng, n_out, h)),
        "gain": nx.scale(rnd(rng, n_out)),
        "li": nx.li(tau(n_out), np.ones(n_out), np.zeros(n_out)),
        "output": nx.output_node(n_out),
    }, [("input", "block"), ("block", "head"), ("input", "skip"),
        ("skip", "gain"), ("head", "li"), ("gain", "li"),
        ("li", "output")]), n_in, {}))
    # snnTorch export: Leaky/Synaptic with beta, alpha; dt inferred (1e-4)
    c.append(("snntorch", nx.sequential([
        nx.affine(rnd(rng, h, n_in, s=0.7), rnd(rng, h, s=0.1)),
        nx.snntorch_lif(rng.uniform(0.8, 0.95, h), 1.0, h),
        nx.affine(rnd(rng, h, h, s=0.7), np.zeros(h)),
        nx.snntorch_synaptic(0.8, 0.9, 1.0, h),
        nx.linear(rnd(rng, n_out, h)),
        nx.li(np.full(n_out, 1e-4 / 0.1), np.full(n_out, 10.0),
              np.zeros(n_out))]), n_in,
        {"convention": "snntorch", "dt": None}))
    # Norse export: tau = 1/tau_inv, r = 1, dt 1e-3
    c.append(("norse", nx.sequential([
        nx.affine(rnd(rng, h, n_in, s=2.0), np.zeros(h)),
        nx.cubalif(np.full(h, 1 / 200.0), np.full(h, 1 / 100.0), np.ones(h),
                   np.zeros(h), np.full(h, 1.0), np.zeros(h)),
        nx.linear(rnd(rng, n_out, h)),
        nx.li(np.full(n_out, 1 / 100.0), np.ones(n_out),
              np.zeros(n_out))]), n_in,
        {"convention": "norse", "dt": None}))
    return c


def inputs(rng, n, steps):
    x = np.zeros((steps, n))
    s = np.zeros(n)
    for t in range(steps):
        s = 0.98 * s + rng.normal(0, 0.2, n)
        x[t] = s
    return x.astype(np.float32).astype(np.float64)  # exact in the CSV


def load(path):
    return np.loadtxt(path, delimiter=",", skiprows=0, ndmin=2,
                      comments=None, dtype=np.float64,
                      converters=None)


def err(c, r):
    return float(np.max(np.abs(c - r) / np.maximum(1.0, np.abs(r)))) \
        if c.size else 0.0


def snntorch_oracle(a, rng):
    """snn.Leaky written out from snnTorch's equations (not from the NIR
    ODE): mem = beta*mem + W x + b - reset*thr, reset = (mem_prev > thr);
    the engine under --convention snntorch must reproduce it."""
    h, nin = 16, 4
    beta = rng.uniform(0.8, 0.95, h)
    W, b = rnd(rng, h, nin, s=0.8), rnd(rng, h, s=0.1)
    base = os.path.join(a.work, "snntorch-oracle")
    nx.write(base + ".nir", nx.sequential([nx.affine(W, b),
                                           nx.snntorch_lif(beta, 1.0, h)]))
    x = inputs(rng, nin, a.steps)
    np.savetxt(base + ".in.csv", x, delimiter=",", fmt="%.9g")
    p = subprocess.run([a.model, "run", base + ".nir", "--input",
                        base + ".in.csv", "--output", base + ".c.csv",
                        "--trace-voltage", "--convention", "snntorch"],
                       capture_output=True, text=True)
    if p.returncode:
        print("snntorch-oracle FAIL: %s" % p.stderr.strip())
        return 1
    c = np.loadtxt(base + ".c.csv", delimiter=",", skiprows=1, ndmin=2)
    mem, spk = np.zeros(h), np.zeros(h)
    W32, b32 = W.astype(np.float32), b.astype(np.float32)
    vs, zs = [], []
    for t in range(a.steps):
        cur = W32.astype(np.float64) @ x[t] + b32
        reset = (mem > 1.0).astype(np.float64)
        mem = beta * mem + cur - reset * 1.0
        spk = (mem > 1.0).astype(np.float64)
        vs.append(mem.copy())
        zs.append(spk)
    e_v = err(c[:, 1 + h:1 + 2 * h], np.array(vs))
    flips = int(np.sum(c[:, 1 + 2 * h:1 + 3 * h] != np.array(zs)))
    ok = e_v <= 1e-4 and flips == 0
    print("%-16s %6d %5d %7d | %10.3g %10s | %10s %8.3f %s" %
          ("snntorch-oracle", a.steps, h, h, e_v, "%d flips" % flips, "-",
           float(np.mean(zs)), "ok" if ok else "FAIL"))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="spinal-model binary")
    ap.add_argument("--work", required=True)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--dt", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    failed = 0
    print("%-16s %6s %5s %7s | %10s %10s | %10s %8s" %
          ("case", "steps", "outs", "neurons", "err out", "err trace",
           "f64 out", "spikes"))
    for name, g, nin, opt in cases(rng):
        base = os.path.join(a.work, name)
        nx.write(base + ".nir", g)
        x = inputs(rng, nin, a.steps)
        np.savetxt(base + ".in.csv", x, delimiter=",", fmt="%.9g")
        dt = opt.get("dt", a.dt)
        conv = opt.get("convention", "nir")
        cmd = [a.model, "run", base + ".nir", "--input", base + ".in.csv",
               "--output", base + ".c.csv", "--trace-voltage",
               "--convention", conv]
        if dt:
            cmd += ["--dt", repr(dt)]
        if "reset" in opt:
            cmd += ["--reset", opt["reset"]]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            print("%-16s FAIL: spinal-model: %s" % (name, p.stderr.strip()))
            failed += 1
            continue
        with open(base + ".c.csv") as fh:
            header = fh.readline().strip().split(",")
        c = np.loadtxt(base + ".c.csv", delimiter=",", skiprows=1, ndmin=2)
        nout = sum(1 for h in header if h.startswith("out"))
        res = {}
        for prec in ("float32", "float64"):
            net = nir_ref.Net(base + ".nir", dt, conv, opt.get("reset"),
                              np.float32 if prec == "float32"
                              else np.float64)
            rows = []
            for t in range(a.steps):
                y = net.step(x[t])
                rows.append(np.concatenate([[t], y, net.trace()]))
            res[prec] = np.array(rows, dtype=np.float64)
        r = res["float32"]
        if c.shape != r.shape:
            print("%-16s FAIL: shape C %s vs reference %s" %
                  (name, c.shape, r.shape))
            failed += 1
            continue
        e_out = err(c[:, 1:1 + nout], r[:, 1:1 + nout])
        e_tr = err(c[:, 1 + nout:], r[:, 1 + nout:])
        e64 = err(c[:, 1:1 + nout], res["float64"][:, 1:1 + nout])
        zcols = [i for i, h in enumerate(header) if ".z" in h
                 and np.all(np.isin(c[:, i], (0.0, 1.0)))]
        spikes = float(np.mean(c[:, zcols])) if zcols else 0.0
        neurons = sum(1 for h in header if ".v" in h)
        ok = e_out <= TOL and e_tr <= TOL and a.steps >= 1000
        failed += not ok
        print("%-16s %6d %5d %7d | %10.3g %10.3g | %10.3g %8.3f %s" %
              (name, a.steps, nout, neurons, e_out, e_tr, e64, spikes,
               "ok" if ok else "FAIL"))
    failed += snntorch_oracle(a, rng)
    print("conformance: %s (tolerance %g, error = max |c-r|/max(1,|r|))" %
          ("FAIL" if failed else "PASS", TOL))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
