# SPDX-License-Identifier: MIT
"""Shared by the framework conformance cases (tests/conformance/fw_*.py).

Each fw_<framework>.py runs in that framework's pinned venv, builds small
networks, exports them with the framework's own NIR exporter, simulates them
with the framework's own simulator and saves, per case:

    <work>/<case>.nir        the framework's export
    <work>/<case>.in.csv     the input sequence (float32-exact)
    <work>/<case>.ref.npz    out (T x n_out); per neuron layer NAME (the NIR
                             node): v:NAME  the membrane as the framework
                             keeps it after the step, z:NAME its output
                             (spikes or counts), m:NAME the margin of the
                             value the framework compared with the threshold,
                             |v_cmp - k theta| / |theta| for the nearest
                             crossing k >= 1 (inf for non-spiking layers)

and a manifest.json the driver (tests/conformance/frameworks.py) reads.
"""
import argparse
import json
import os

import numpy as np


def parse_args():
    """--work DIR --steps N --seed S, as tests/conformance/frameworks.py passes."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    return ap.parse_args()


def inputs(seed, n, steps, scale=0.2):
    """Slowly varying features, exactly representable in float32 and CSV."""
    rng = np.random.default_rng(seed)
    x = np.zeros((steps, n))
    s = np.zeros(n)
    for t in range(steps):
        s = 0.98 * s + rng.normal(0, scale, n)
        x[t] = s
    return x.astype(np.float32)


def margin(vcmp, thr, multi=False):
    """Distance of the compared value to the threshold, relative to it."""
    vcmp = np.asarray(vcmp, dtype=np.float64)
    thr = np.broadcast_to(np.asarray(thr, dtype=np.float64), vcmp.shape)
    if not multi:
        return np.abs(vcmp - thr) / np.abs(thr)
    k = np.maximum(1.0, np.round(vcmp / thr))
    return np.abs(vcmp - k * thr) / np.abs(thr)


class Manifest:
    def __init__(self, work, framework, version):
        self.work = work
        self.m = {"framework": framework, "version": version, "cases": []}
        os.makedirs(work, exist_ok=True)

    def add(self, name, x, out, layers, convention, node_types, dt=None,
            notes=""):
        """layers: {nir_node_name: (v, z, m)} arrays of shape (T, n)."""
        base = os.path.join(self.work, name)
        np.savetxt(base + ".in.csv", x, delimiter=",", fmt="%.9g")
        arrays = {"out": np.asarray(out, dtype=np.float64)}
        for lname, (v, z, m) in layers.items():
            arrays["v:" + lname] = np.asarray(v, dtype=np.float64)
            arrays["z:" + lname] = np.asarray(z, dtype=np.float64)
            arrays["m:" + lname] = np.asarray(m, dtype=np.float64)
        np.savez(base + ".ref.npz", **arrays)
        self.m["cases"].append({
            "name": name, "nir": base + ".nir", "input": base + ".in.csv",
            "ref": base + ".ref.npz", "convention": convention, "dt": dt,
            "node_types": node_types, "notes": notes,
        })

    def write(self):
        with open(os.path.join(self.work, "manifest.json"), "w") as f:
            json.dump(self.m, f, indent=1)
