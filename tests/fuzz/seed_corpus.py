#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seed corpus for fuzz_model_blob: real blobs lowered by spinal-model from
small generated NIR files (every op type and flag the importer emits)."""
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
import nir_export as nx  # noqa: E402
import run as conformance  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(7)
    n = 0
    for name, g, nin, opt in conformance.cases(rng):
        nirf = os.path.join(a.out, "..", name + ".nir")
        nx.write(nirf, g)
        cmd = [a.model, "blob", nirf, "--output",
               os.path.join(a.out, name + ".blob"),
               "--convention", opt.get("convention", "nir"), "--context", "4"]
        if opt.get("dt", 1e-3):
            cmd += ["--dt", "0.001"]
        if "reset" in opt:
            cmd += ["--reset", opt["reset"]]
        subprocess.run(cmd, check=True)
        n += 1
    print("seed corpus: %d blobs in %s" % (n, a.out))


if __name__ == "__main__":
    sys.exit(main())
