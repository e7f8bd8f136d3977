# SPDX-License-Identifier: MIT
"""Sinabs cases: export with sinabs.to_nir, simulate with Sinabs' own layers
(IAF, LIF with norm_input=False, ExpLeak; MultiSpike, MembraneSubtract: the
defaults), one call per tick.

    $(tools/pyenv snn) tests/conformance/fw_sinabs.py --work DIR --steps N
"""
import os
import sys
import warnings

import numpy as np
import torch

import nir
import sinabs
import sinabs.layers as sl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fw_common as fc  # noqa: E402


def simulate(net, neurons, x):
    """Step layer by layer once per tick; record each neuron layer."""
    for m in net.modules():
        if isinstance(m, sl.StatefulLayer):
            m.reset_states()
    rec = {name: ([], [], []) for name in neurons}
    outs = []
    with torch.no_grad():
        for t in range(x.shape[0]):
            y = torch.from_numpy(x[t][None, None])  # (batch, time, n)
            for name, mod in net.named_children():
                y = mod(y)
                if name in neurons:
                    v = mod.v_mem[0].numpy().astype(np.float64)  # after the reset
                    z = y[0, 0].numpy().astype(np.float64)
                    if neurons[name]:
                        thr = mod.spike_threshold.detach().numpy().astype(np.float64)
                        m = fc.margin(v + z * thr, thr, multi=True)
                    else:
                        m = np.full_like(v, np.inf)
                    rec[name][0].append(v)
                    rec[name][1].append(z)
                    rec[name][2].append(m)
            outs.append(y[0, 0].numpy().astype(np.float64))
    return np.array(outs), {k: tuple(np.array(a) for a in v) for k, v in rec.items()}


def export(net, nin, path):
    g = sinabs.to_nir(net, torch.zeros(1, 1, nin))  # (batch, time, n)
    nir.write(path, g)
    return g, sorted({type(v).__name__ for v in g.nodes.values()} - {"Input", "Output"})


def main():
    a = fc.parse_args()
    warnings.simplefilter("ignore")
    torch.manual_seed(a.seed)
    man = fc.Manifest(a.work, "Sinabs", sinabs.__version__)
    nin, h, nout = 8, 24, 4

    def lin(i, o, gain):
        m = torch.nn.Linear(i, o)
        with torch.no_grad():
            m.weight.mul_(gain)
            m.bias.mul_(gain)
        return m

    # Linear -> IAF (IF) -> Linear -> ExpLeak (LI readout)
    net = torch.nn.Sequential()
    net.add_module("fc1", lin(nin, h, 0.3))
    net.add_module("iaf", sl.IAF())
    net.add_module("fc2", lin(h, nout, 0.5))
    net.add_module("leak", sl.ExpLeak(tau_mem=torch.full((nout,), 20.0)))
    x = fc.inputs(a.seed, nin, a.steps, scale=0.3)
    net(torch.zeros(1, 1, nin))  # sinabs sizes its states on the first call
    g, types = export(net, nin, os.path.join(a.work, "iaf-leak.nir"))
    out, rec = simulate(net, {"iaf": True, "leak": False}, x)
    man.add("iaf-leak", x, out, rec, "sinabs", types)

    # Linear -> LIF -> Linear -> IAF: multi-spike counts out
    net = torch.nn.Sequential()
    net.add_module("fc1", lin(nin, h, 2.0))
    net.add_module("lif", sl.LIF(tau_mem=torch.full((h,), 10.0),
                                 spike_threshold=torch.full((h,), 1.0), norm_input=False))
    net.add_module("fc2", lin(h, nout, 1.0))
    net.add_module("iaf", sl.IAF(spike_threshold=torch.tensor(0.5)))
    x = fc.inputs(a.seed + 1, nin, a.steps, scale=0.3)
    net(torch.zeros(1, 1, nin))
    g, types = export(net, nin, os.path.join(a.work, "lif-iaf.nir"))
    out, rec = simulate(net, {"lif": True, "iaf": True}, x)
    man.add("lif-iaf", x, out, rec, "sinabs", types,
            notes="sinabs.LIF(norm_input=False), as sinabs.from_nir builds it")
    man.write()


if __name__ == "__main__":
    main()
