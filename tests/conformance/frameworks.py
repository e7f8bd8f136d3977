#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Framework conformance: each framework's own NIR exporter and simulator
against spinal's C engine (spinal-model run, the code the core runs).

For every framework set (tools/py/requirements-SET.txt) this runs
tests/conformance/fw_<name>.py in that venv; the script exports small
networks with the framework's exporter and records the framework's own
simulation (tests/conformance/fw_common.py).  Then, per case:

  * spinal-model info names the engine's neuron layers (L<k> -> NIR node);
  * spinal-model run --trace-voltage steps the C engine over the same inputs;
  * a flip is a step where a neuron's output (spike, or spike count)
    differs.  A flip where the framework's compared membrane was within
    1e-4 |theta| of a threshold crossing is "near" (float32 summation order
    can cause it); any other flip is "clear" and fails the row;
  * until the first flip, every membrane voltage and every output must agree
    within 1e-5: max |c - r| / max(1, |r|);
  * the row also fails if that comparison covers fewer than 1000 steps (or
    all of them, when fewer are run).

Prints the table (framework, version, node types, steps, max error, flips)
and writes it as Markdown for docs/model.md with --table.  Exit 1 if any
row fails or a framework could not run.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TOL = 1e-5
NEAR = 1e-4
FRAMEWORKS = [("snntorch", "snntorch"), ("rockpool", "snn"), ("sinabs", "snn")]


def venv_python(pyset):
    p = subprocess.run([os.path.join(ROOT, "tools", "pyenv"), pyset], capture_output=True,
                       text=True)
    if p.returncode:
        raise RuntimeError("tools/pyenv %s: %s" % (pyset, p.stderr.strip()))
    return p.stdout.strip()


def layers_of(model, case, extra):
    p = subprocess.run([model, "info", case["nir"]] + extra, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("spinal-model info: %s%s" % (p.stdout.strip().splitlines()[-1:],
                                                         p.stderr.strip()))
    names = []
    for line in p.stdout.splitlines():
        if line.startswith("layer L"):
            names.append(line.split(": ", 1)[1])
    return names


def compare(model, case, work):
    extra = ["--convention", case["convention"]]
    if case.get("dt"):
        extra += ["--dt", repr(case["dt"])]
    names = layers_of(model, case, extra)
    out_csv = os.path.join(work, case["name"] + ".c.csv")
    p = subprocess.run([model, "run", case["nir"], "--input", case["input"], "--output",
                        out_csv, "--trace-voltage"] + extra, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("spinal-model run: %s" % p.stderr.strip())
    with open(out_csv) as f:
        header = f.readline().strip().split(",")
    c = np.loadtxt(out_csv, delimiter=",", skiprows=1, ndmin=2)
    ref = np.load(case["ref"])
    col = {h: i for i, h in enumerate(header)}
    steps = c.shape[0]
    r_out = ref["out"].reshape(steps, -1)
    c_out = c[:, [col[h] for h in header if h.startswith("out")]]
    if c_out.shape != r_out.shape:
        raise RuntimeError("outputs: C %s vs framework %s" % (c_out.shape, r_out.shape))
    flips_near = flips_clear = 0
    first = steps
    vpairs = [(c_out, r_out)]
    zs = []
    for k, name in enumerate(names):
        if "v:" + name not in ref:
            raise RuntimeError("layer L%d (%s): the framework recorded no such layer (%s)"
                               % (k, name, [f for f in ref.files if f.startswith("v:")]))
        cv = c[:, [i for h, i in col.items() if h.startswith("L%d.v" % k)]]
        cz = c[:, [i for h, i in col.items() if h.startswith("L%d.z" % k)]]
        rv, rz, rm = ref["v:" + name], ref["z:" + name], ref["m:" + name]
        if cv.shape != rv.shape:
            raise RuntimeError("layer %s: C %s vs framework %s" % (name, cv.shape, rv.shape))
        vpairs.append((cv, rv))
        flip = cz != rz
        if np.all(np.isinf(rm)):
            flip = np.zeros_like(flip)  # non-spiking layer: z is v (compared as v)
        zs.append((flip, rm))
        rows = np.flatnonzero(flip.any(axis=1))
        if rows.size:
            first = min(first, int(rows[0]))
    # flips before the first near-threshold one are all that is comparable
    div = steps
    for flip, rm in zs:
        near = flip & (rm <= NEAR)
        rows = np.flatnonzero(near.any(axis=1))
        if rows.size:
            div = min(div, int(rows[0]))
    for flip, rm in zs:
        flips_near += int(np.sum(flip & (rm <= NEAR)))
        flips_clear += int(np.sum(flip[:div + 1] & (rm[:div + 1] > NEAR)))
    err = 0.0
    for cv, rv in vpairs:
        if first:
            d = np.abs(cv[:first] - rv[:first]) / np.maximum(1.0, np.abs(rv[:first]))
            err = max(err, float(np.max(d)) if d.size else 0.0)
    spikes = float(np.mean([np.mean(ref["z:" + n] > 0) for n in names
                            if not np.all(np.isinf(ref["m:" + n]))] or [0.0]))
    need = min(steps, 1000)
    ok = err <= TOL and flips_clear == 0 and first >= need
    return {"steps": steps, "agree": first, "err": err, "near": flips_near,
            "clear": flips_clear, "ok": ok, "layers": len(names), "spikes": spikes}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="spinal-model binary")
    ap.add_argument("--work", required=True)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="comma-separated frameworks")
    ap.add_argument("--table", help="write the Markdown table here")
    a = ap.parse_args()
    rows, failed = [], 0
    for fw, pyset in FRAMEWORKS:
        if a.only and fw not in a.only.split(","):
            continue
        work = os.path.join(a.work, fw)
        os.makedirs(work, exist_ok=True)
        try:
            py = venv_python(pyset)
            # samna (a sinabs/rockpool dependency) runs pip at import to fetch
            # its binary from its vendor's index: keep that pip off the network
            env = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS="")
            p = subprocess.run([py, os.path.join(HERE, "fw_%s.py" % fw), "--work", work,
                                "--steps", str(a.steps), "--seed", str(a.seed)],
                               capture_output=True, text=True, env=env)
            if p.returncode:
                raise RuntimeError("fw_%s.py: %s" % (fw, p.stderr.strip()[-2000:]))
            with open(os.path.join(work, "manifest.json")) as f:
                man = json.load(f)
        except RuntimeError as e:
            print("%s: FAIL: %s" % (fw, e))
            failed += 1
            continue
        for case in man["cases"]:
            try:
                r = compare(a.model, case, work)
            except RuntimeError as e:
                print("%s/%s: FAIL: %s" % (fw, case["name"], e))
                failed += 1
                continue
            r.update(framework=man["framework"], version=man["version"], case=case["name"],
                     types=", ".join(case["node_types"]), conv=case["convention"])
            rows.append(r)
            failed += not r["ok"]
    hdr = ("| framework | version | case | NIR node types | convention | steps | "
           "agree until | max error | near-θ flips | other flips | spikes/step | result |")
    lines = [hdr, "|" + "---|" * 12]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s | %d | %d | %.2g | %d | %d | %.3f | %s |" % (
            r["framework"], r["version"], r["case"], r["types"], r["conv"], r["steps"],
            r["agree"], r["err"], r["near"], r["clear"], r["spikes"],
            "match" if r["ok"] else "FAIL"))
    print("\n".join(lines))
    if a.table:
        with open(a.table, "w") as f:
            f.write("\n".join(lines) + "\n")
    print("frameworks: %s (%d rows; voltages and outputs within %g until the first flip, "
          "no flip where the membrane was clear of the threshold by %g)"
          % ("FAIL" if failed else "PASS", len(rows), TOL, NEAR))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
