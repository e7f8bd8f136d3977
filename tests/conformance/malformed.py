#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Malformed NIR files: spinal-model must fail cleanly (exit 1, one line
naming the problem, no crash or sanitizer report) for each of them, and
accept the well-formed control file.  Exit status 1 on any mismatch."""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import nir_export as nx  # noqa: E402


def good():
    return nx.sequential([
        nx.affine(np.ones((4, 3)), np.zeros(4)),
        nx.lif(np.full(4, 0.02), np.ones(4), np.zeros(4), np.ones(4)),
        nx.linear(np.ones((2, 4))),
        nx.li(np.full(2, 0.02), np.ones(2), np.zeros(2))],
        names=["fc", "lif", "head", "li"])


def mutate(fn):
    def make(path):
        g = good()
        fn(g)
        nx.write(path, g)
    return make


def raw(fn):
    def make(path):
        nx.write(path, good())
        with h5py.File(path, "r+") as f:
            fn(f)
    return make


def text_file(path):
    with open(path, "w") as fh:
        fh.write("this is not hdf5\n")


def no_node(path):
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0.0", dtype=h5py.string_dtype())


def oversized(f):
    del f["node/nodes/fc/weight"]
    f["node/nodes/fc"].create_dataset("weight", shape=(5000, 5000),
                                      dtype="f4", chunks=(100, 100))


def edges3(f):
    del f["node/edges"]
    f["node"].create_dataset("edges", data=np.array(
        [["input", "fc", "x"]], dtype=object), dtype=h5py.string_dtype())


def numeric_type(f):
    del f["node/nodes/lif/type"]
    f["node/nodes/lif"].create_dataset("type", data=3)


def string_weight(f):
    del f["node/nodes/head/weight"]
    f["node/nodes/head"].create_dataset("weight", data="abc",
                                        dtype=h5py.string_dtype())


def setp(node, key, val):
    def fn(g):
        g["nodes"][node][key] = val
    return mutate(fn)


def cyc(g):
    g["nodes"]["a"] = nx.linear(np.ones((4, 4)))
    g["nodes"]["b"] = nx.linear(np.ones((4, 4)))
    g["edges"] += [("fc", "a"), ("a", "b"), ("b", "a")]


def two_inputs(g):
    g["nodes"]["input2"] = nx.input_node(3)
    g["edges"].append(("input2", "fc"))


CASES = [
    # name, maker, expected substring, extra args
    ("control", mutate(lambda g: None), None, []),
    ("not-hdf5", text_file, "not an HDF5 file", []),
    ("no-node-group", no_node, "no 'node' group", []),
    ("missing-dataset", mutate(lambda g: g["nodes"]["lif"].pop("tau")),
     "missing dataset 'tau'", []),
    ("missing-edges", raw(lambda f: f["node"].__delitem__("edges")),
     "missing dataset 'edges'", []),
    ("wrong-shape", setp("head", "weight", np.ones((2, 5), np.float32)),
     "shapes do not match", []),
    ("weight-1d", setp("head", "weight", np.ones(8, np.float32)),
     "weight must be 2-D", []),
    ("bias-length", setp("fc", "bias", np.zeros(3, np.float32)),
     "bias has 3 values", []),
    ("param-length", setp("lif", "r", np.ones(3, np.float32)),
     "'r' has 3 values", []),
    ("nan-weight", setp("fc", "weight",
                        np.array([[np.nan] * 3] * 4, np.float32)),
     "non-finite", []),
    ("inf-tau", setp("lif", "tau", np.full(4, np.inf, np.float32)),
     "non-finite", []),
    ("negative-tau", setp("lif", "tau", np.full(4, -1.0, np.float32)),
     "must be > 0", []),
    ("cycle-without-state", mutate(cyc), "cycle without state", []),
    ("oversized", raw(oversized), "oversized", []),
    ("unsupported", setp("lif", "type", "Conv2d"),
     "type 'Conv2d' is not supported", []),
    ("unknown-edge", mutate(lambda g: g["edges"].append(("fc", "nope"))),
     "no node named 'nope'", []),
    ("edges-n-by-3", raw(edges3), "N x 2", []),
    ("type-not-string", raw(numeric_type), "unreadable 'type'", []),
    ("weight-not-numeric", raw(string_weight), "not numeric", []),
    ("two-inputs", mutate(two_inputs), "more than one Input", []),
    ("no-incoming", mutate(lambda g: g["edges"].remove(("fc", "lif"))),
     "has no incoming edge", []),
    ("unstable-dt", mutate(lambda g: None), "forward Euler is unstable",
     ["--dt", "0.5"]),
    ("bad-shape", setp("input", "shape", np.array([-3])),
     "bad shape entry", []),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    failed = 0
    for name, make, want, extra in CASES:
        path = os.path.join(a.work, name + ".nir")
        make(path)
        for cmd in ("info", "run"):
            args = [a.model, cmd, path]
            if cmd == "run":
                inp = os.path.join(a.work, "in.csv")
                with open(inp, "w") as fh:
                    fh.write("0,0,0\n1,1,1\n")
                args += ["--input", inp, "--output",
                         os.path.join(a.work, name + ".out.csv")]
            args += extra if extra else ["--dt", "0.001"]
            p = subprocess.run(args, capture_output=True, text=True)
            msg = (p.stdout + p.stderr).strip().splitlines()
            last = msg[-1] if msg else ""
            if want is None:
                ok = p.returncode == 0
            else:
                ok = p.returncode == 1 and want in p.stdout + p.stderr \
                    and "ERROR: AddressSanitizer" not in p.stderr \
                    and "runtime error" not in p.stderr
            failed += not ok
            print("%-20s %-4s rc=%d %s  %s" % (name, cmd, p.returncode,
                                              "ok  " if ok else "FAIL",
                                              last[:110]))
    print("malformed NIR: %s" % ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
