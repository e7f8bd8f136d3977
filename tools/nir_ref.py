#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Reference implementation of the SPS discretisation, in numpy.

Independent of the C engine: reads the NIR file itself with h5py, flattens
nested graphs, finds recurrent edges, orders the nodes and runs the network
with the discretisation documented in docs/model.md.  spinal-model run must
match its outputs (tests/conformance/).

    nir_ref.py FILE --dt SECONDS --input in.csv --output out.csv
               [--model-dt S] [--convention nir|snntorch|norse]
               [--reset value|subtract|subtract-delayed]
               [--precision float32|float64] [--trace-voltage]

--precision float32 (default) evaluates every operation in float32 in the
order of the arithmetic contract (a bit-for-bit model of a correct engine);
float64 keeps the state in float64 (the ideal the float32 engine
approximates; spike times may differ where v lands within rounding of the
threshold).
"""
import argparse
import sys

import h5py
import numpy as np

NEURONS = ("LIF", "CubaLIF", "LI", "CubaLI", "IF", "I")
SUPPORTED = NEURONS + ("Input", "Output", "Affine", "Linear", "Scale",
                       "NIRGraph")


def _s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def read(path):
    """-> (nodes: list of (name, type, params)), edges [(src, dst)])."""
    nodes, edges = [], []

    def walk(grp, prefix, depth):
        io = {}
        for name in sorted(grp["nodes"].keys()):
            g = grp["nodes"][name]
            t = _s(g["type"][()])
            full = prefix + name
            if t not in SUPPORTED:
                raise ValueError("node '%s': unsupported type %s" % (full, t))
            if t == "NIRGraph":
                si, so = walk(g, full + ".", depth + 1)
                io[name] = (si, so)
                continue
            params = {k: np.asarray(g[k][()], dtype=np.float64)
                      for k in g.keys() if k != "type"}
            if depth > 0 and t in ("Input", "Output"):
                kind = "Ident"
                io.setdefault("__" + t, full)
            else:
                kind = t
            nodes.append((full, kind, params))
        for a, b in np.asarray(grp["edges"][()]).reshape(-1, 2) \
                if grp["edges"].shape != (0,) else []:
            a, b = _s(a), _s(b)
            src = io[a][1] if a in io else prefix + a
            dst = io[b][0] if b in io else prefix + b
            edges.append((src, dst))
        return io.get("__Input"), io.get("__Output")

    with h5py.File(path, "r") as f:
        walk(f["node"], "", 0)
    return nodes, edges


def width(kind, p):
    if kind in ("Affine", "Linear"):
        return p["weight"].shape[1], p["weight"].shape[0]
    if kind in ("Input", "Output", "Ident"):
        n = int(np.prod(p["shape"]))
        return n, n
    if kind == "Scale":
        return p["scale"].size, p["scale"].size
    n = max(v.size for k, v in p.items())
    return n, n


def plan(nodes, edges):
    """Order nodes (Kahn, ties in file order) and mark delayed edges."""
    names = [n[0] for n in nodes]
    kind = {n[0]: n[1] for n in nodes}
    succ = {n: [d for s, d in edges if s == n] for n in names}

    def reaches(a, b):
        seen, todo = set(), [a]
        while todo:
            x = todo.pop()
            if x == b:
                return True
            if x not in seen:
                seen.add(x)
                todo.extend(succ[x])
        return False

    cand = [kind[s] in NEURONS and reaches(d, s) for s, d in edges]
    indeg = {n: 0 for n in names}
    for (s, d), c in zip(edges, cand):
        if not c:
            indeg[d] += 1
    order, done = [], set()
    while True:
        pick = next((n for n in names if n not in done and indeg[n] == 0),
                    None)
        if pick is None:
            break
        done.add(pick)
        order.append(pick)
        for (s, d), c in zip(edges, cand):
            if s == pick and not c:
                indeg[d] -= 1
    if len(order) != len(names):
        raise ValueError("cycle without state")
    pos = {n: i for i, n in enumerate(order)}
    delayed = [c and pos[s] >= pos[d] for (s, d), c in zip(edges, cand)]
    return order, delayed


class Net:
    def __init__(self, path, dt, conv="nir", reset=None, ftype=np.float32):
        self.nodes, self.edges = read(path)
        self.order, self.delayed = plan(self.nodes, self.edges)
        self.f = ftype
        self.conv = conv
        self.reset = reset or ("subtract-delayed" if conv == "snntorch"
                               else "value")
        self.byname = {n[0]: n for n in self.nodes}
        if dt is None:
            dt = self._default_dt()
        self.dt = dt
        self.coef = {}
        for name, kind, p in self.nodes:
            if kind in NEURONS:
                self.coef[name] = self._discretise(kind, p)
        self.state = {}
        self.value = {}
        self.reset_state()

    def _default_dt(self):
        if self.conv == "norse":
            return 1e-3
        if self.conv == "snntorch":
            for name, kind, p in self.nodes:
                if kind in ("LIF", "LI"):
                    return float(p["tau"].flat[0] / p["r"].flat[0])
                if kind in ("CubaLIF", "CubaLI"):
                    return float(p["tau_mem"].flat[0] / p["r"].flat[0])
        raise ValueError("no dt")

    def _discretise(self, kind, p):
        n = width(kind, p)[1]
        f = self.f
        dt = self.dt

        def g(k, d=0.0):
            return np.broadcast_to(p[k].reshape(-1), (n,)).astype(np.float64) \
                if k in p else np.full(n, d)
        c = {}
        if kind in ("IF", "I"):
            am = np.full(n, dt)
            c["dm"] = np.ones(n)
            c["cm"] = np.zeros(n)
        else:
            tau = g("tau_mem" if kind.startswith("Cuba") else "tau")
            am = dt / tau
            c["dm"] = 1.0 - am
            c["cm"] = am * g("v_leak")
        c["bm"] = am * g("r")
        c["thr"] = g("v_threshold")
        c["vr"] = g("v_reset")
        if kind.startswith("Cuba"):
            a_s = dt / g("tau_syn")
            c["ds"] = 1.0 - a_s
            c["bs"] = g("w_in", 1.0) if self.conv == "norse" \
                else a_s * g("w_in", 1.0)
        # parameters are float32 in the deployed engine
        return {k: v.astype(np.float32).astype(f) for k, v in c.items()}

    def reset_state(self):
        f = self.f
        for name, kind, p in self.nodes:
            n = width(kind, p)[1]
            self.value[name] = np.zeros(n, dtype=f)
            if kind in NEURONS:
                self.state[name] = {"v": np.zeros(n, dtype=f),
                                    "i": np.zeros(n, dtype=f)}

    def _input(self, name):
        ins = [(s, d) for (s, d), dl in zip(self.edges, self.delayed)
               if d == name]
        acc = None
        for s, _ in ins:
            x = self.value[s]
            acc = x.copy() if acc is None else acc + x
        return acc

    def step(self, x):
        f = self.f
        out = None
        for name in self.order:
            _, kind, p = self.byname[name]
            if kind == "Input":
                self.value[name] = np.asarray(x, dtype=np.float32).astype(f)
                continue
            x_in = self._input(name)
            if kind in ("Output", "Ident"):
                self.value[name] = x_in.copy()
                if kind == "Output":
                    out = self.value[name]
            elif kind in ("Affine", "Linear"):
                W = p["weight"].astype(np.float32).astype(f)
                if kind == "Affine":
                    y = p["bias"].astype(np.float32).astype(f).copy()
                else:
                    y = np.zeros(W.shape[0], dtype=f)
                if f == np.float32:
                    # the contract: y = b + x0*W[:,0] + x1*W[:,1] + ...
                    for i in range(W.shape[1]):
                        if x_in[i] != 0:
                            y = y + x_in[i] * W[:, i]
                else:
                    y = y + W @ x_in
                self.value[name] = y
            elif kind == "Scale":
                self.value[name] = p["scale"].astype(np.float32).astype(f) \
                    * x_in
            else:
                self.value[name] = self._neuron(name, kind, x_in)
        return out

    def _neuron(self, name, kind, x):
        c, s = self.coef[name], self.state[name]
        spiking = kind in ("LIF", "CubaLIF", "IF")
        if kind.startswith("Cuba"):
            inew = c["ds"] * s["i"] + c["bs"] * x
            cur = s["i"] if self.conv == "norse" else inew
            s["i"] = inew
        else:
            cur = x
        v = c["dm"] * s["v"] + c["bm"] * cur + c["cm"]
        if not spiking:
            s["v"] = v
            return v.copy()
        if self.reset == "subtract-delayed":
            v = v - self.value[name] * c["thr"]  # last tick's spikes
        z = (v > c["thr"]).astype(self.f)
        if self.reset == "value":
            v = np.where(z > 0, c["vr"], v).astype(self.f)
        elif self.reset == "subtract":
            v = v - z * c["thr"]
        s["v"] = v
        return z

    def trace(self):
        cols = []
        for name in self.order:
            if name in self.coef:
                cols.append(self.state[name]["v"])
                cols.append(self.value[name])
        return np.concatenate(cols) if cols else np.zeros(0)


def load_csv(path):
    rows = []
    with open(path) as fh:
        for k, line in enumerate(fh):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                rows.append([float(v) for v in line.split(",")])
            except ValueError:
                if k == 0:
                    continue
                raise
    return np.array(rows, dtype=np.float64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--dt", type=float)
    ap.add_argument("--model-dt", type=float)
    ap.add_argument("--convention", default="nir",
                    choices=["nir", "snntorch", "norse"])
    ap.add_argument("--reset", choices=["value", "subtract",
                                        "subtract-delayed"])
    ap.add_argument("--precision", default="float32",
                    choices=["float32", "float64"])
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--trace-voltage", action="store_true")
    a = ap.parse_args()
    dt = a.model_dt or a.dt
    net = Net(a.file, dt, a.convention, a.reset,
              np.float32 if a.precision == "float32" else np.float64)
    xs = load_csv(a.input)
    with open(a.output, "w") as fh:
        for k, x in enumerate(xs):
            y = net.step(x)
            row = [str(k)] + ["%.9g" % v for v in y]
            if a.trace_voltage:
                row += ["%.9g" % v for v in net.trace()]
            fh.write(",".join(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
