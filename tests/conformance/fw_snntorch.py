# SPDX-License-Identifier: MIT
"""snnTorch cases: export with snntorch.export_nir.export_to_nir, simulate
with snnTorch's own layers (init_hidden=True, one call per tick).

    $(tools/pyenv snntorch) tests/conformance/fw_snntorch.py --work DIR --steps N
"""
import os
import sys

import h5py
import numpy as np
import torch

import nir
import snntorch as snn
from snntorch.export_nir import export_to_nir

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import fw_common as fc  # noqa: E402


def full(n, v):
    return torch.full((n,), float(v))


def lin(nin, nout, gain, bias=0.0):
    m = torch.nn.Linear(nin, nout)
    with torch.no_grad():
        m.weight.mul_(gain)
        m.bias.mul_(gain).add_(bias)
    return m


def run(net, neurons, x):
    """Step net once per row of x; record every neuron layer."""
    for m in net.modules():  # every hidden state to rest (the export traced one step)
        if getattr(m, "init_hidden", False):
            m.reset_hidden()
    rec = {name: ([], [], []) for name in neurons}
    outs = []
    with torch.no_grad():
        for t in range(x.shape[0]):
            y = net(torch.from_numpy(x[t:t + 1]))
            outs.append(y[0].numpy().astype(np.float64))
            for name, (mod, kind) in neurons.items():
                mem = mod.mem[0].numpy().astype(np.float64)
                thr = mod.threshold.detach().numpy().astype(np.float64)
                if kind == "readout":
                    z, m = mem, np.full_like(mem, np.inf)
                else:
                    z = (mem > thr).astype(np.float64)  # snnTorch: spk = H(mem - thr)
                    m = fc.margin(mem, thr)
                rec[name][0].append(mem)
                rec[name][1].append(z)
                rec[name][2].append(m)
    return np.array(outs), {k: tuple(np.array(a) for a in v) for k, v in rec.items()}


def export(net, nin, path, readout=None):
    g = export_to_nir(net, torch.zeros(1, nin), ignore_dims=[0])
    if readout:  # the membrane readout as NIR names it (tools/train_policy.py)
        ro = g.nodes[readout]
        g.nodes[readout] = nir.CubaLI(tau_syn=ro.tau_syn, tau_mem=ro.tau_mem, r=ro.r,
                                      v_leak=ro.v_leak, w_in=ro.w_in)
    nir.write(path, g)
    with h5py.File(path, "a") as f:
        f.attrs["spinal_convention"] = "snntorch"
    return sorted({type(v).__name__ for v in g.nodes.values()} - {"Input", "Output"})


class Readout(torch.nn.Module):
    """snn.Synaptic without reset whose membrane is the output (regression)."""

    def __init__(self, n):
        super().__init__()
        self.syn = snn.Synaptic(alpha=full(n, 0.95), beta=full(n, 0.95), threshold=full(n, 1e6),
                                reset_mechanism="none", init_hidden=True)

    def forward(self, x):
        self.syn(x)
        return self.syn.mem


def main():
    a = fc.parse_args()
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    man = fc.Manifest(a.work, "snnTorch", snn.__version__)
    nin, h, nout = 8, 24, 4

    # feed-forward: Linear -> Leaky -> Linear -> Synaptic (subtract reset, snnTorch's default)
    lif1 = snn.Leaky(beta=torch.tensor(rng.uniform(0.8, 0.95, h), dtype=torch.float32),
                     threshold=full(h, 1.0), init_hidden=True)
    syn2 = snn.Synaptic(alpha=full(nout, 0.8), beta=full(nout, 0.9), threshold=full(nout, 1.0),
                        init_hidden=True)
    net = torch.nn.Sequential()
    net.add_module("fc1", lin(nin, h, 3.0, 0.3))
    net.add_module("lif1", lif1)
    net.add_module("fc2", lin(h, nout, 2.0))
    net.add_module("syn2", syn2)
    x = fc.inputs(a.seed, nin, a.steps)
    types = export(net, nin, os.path.join(a.work, "ff.nir"))
    out, rec = run(net, {"lif1": (lif1, "spike"), "syn2": (syn2, "spike")}, x)
    man.add("ff", x, out, rec, "snntorch", types)

    # recurrent: Linear -> RLeaky -> Linear -> RSynaptic (all-to-all recurrence)
    r1 = snn.RLeaky(beta=full(h, 0.85), threshold=full(h, 1.0), linear_features=h,
                    init_hidden=True)
    r2 = snn.RSynaptic(alpha=full(nout, 0.7), beta=full(nout, 0.9), threshold=full(nout, 1.0),
                       linear_features=nout, init_hidden=True)
    with torch.no_grad():
        r1.recurrent.weight.mul_(0.5)
        r2.recurrent.weight.mul_(0.5)
    net = torch.nn.Sequential()
    net.add_module("fc1", lin(nin, h, 3.0, 0.3))
    net.add_module("r1", r1)
    net.add_module("fc2", lin(h, nout, 2.0))
    net.add_module("r2", r2)
    x = fc.inputs(a.seed + 1, nin, a.steps)
    types = export(net, nin, os.path.join(a.work, "recurrent.nir"))
    out, rec = run(net, {"r1.lif": (r1, "spike"), "r2.lif": (r2, "spike")}, x)
    man.add("recurrent", x, out, rec, "snntorch", types)

    # the default policy's shape: Linear -> Leaky -> Linear -> Synaptic membrane readout
    lif1 = snn.Leaky(beta=full(h, 0.8), threshold=full(h, 1.0), init_hidden=True)
    ro = Readout(2)
    net = torch.nn.Sequential()
    net.add_module("fc1", lin(nin, h, 3.0, 0.3))
    net.add_module("lif1", lif1)
    net.add_module("fc2", lin(h, 2, 0.05))
    net.add_module("out", ro.syn)
    x = fc.inputs(a.seed + 2, nin, a.steps)
    types = export(net, nin, os.path.join(a.work, "readout.nir"), readout="out")
    net.out = ro  # simulate the membrane readout (the export saw the layer)
    out, rec = run(net, {"lif1": (lif1, "spike"), "out": (ro.syn, "readout")}, x)
    man.add("readout", x, out, rec, "snntorch", types,
            notes="Synaptic membrane readout exported as CubaLI")
    man.write()


if __name__ == "__main__":
    main()
