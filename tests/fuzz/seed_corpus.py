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
        n += shared_variants(os.path.join(a.out, name + ".blob"))
    print("seed corpus: %d blobs in %s" % (n, a.out))


def shared_variants(path):
    """Blobs whose ops share parameter ranges (issue 12 item 6): whole and
    same shape (one copy in the plan), and in part (refused)."""
    import struct
    b = bytearray(open(path, "rb").read())
    n_ops, ops_off = struct.unpack_from("<I", b, 28)[0], struct.unpack_from("<I", b, 52)[0]
    ops = [ops_off + 64 * k for k in range(n_ops)]
    written = 0
    whole, part = bytearray(b), bytearray(b)
    mat = [o for o in ops if struct.unpack_from("<H", b, o)[0] == 1]
    for o in ops:
        if struct.unpack_from("<H", b, o)[0] == 4:  # neuron: DS shares DM's array
            dm = struct.unpack_from("<I", b, o + 24)[0]
            struct.pack_into("<I", whole, o + 24 + 4 * 5, dm)
    if len(mat) >= 2:  # a matvec's weights start 16 floats into another's
        w0 = struct.unpack_from("<I", b, mat[0] + 24)[0]
        struct.pack_into("<I", part, mat[1] + 24, w0 + 16)
    for suffix, blob in (("-shared", whole), ("-overlap", part)):
        if blob != b:
            open(path[:-5] + suffix + ".blob", "wb").write(bytes(blob))
            written += 1
    return written


if __name__ == "__main__":
    sys.exit(main())
