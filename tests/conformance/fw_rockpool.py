# SPDX-License-Identifier: MIT
"""Rockpool cases: export with rockpool.nn.modules.torch.nir.to_nir, simulate
with Rockpool's own torch modules (LinearTorch, LIFTorch, ExpSynTorch).

    $(tools/pyenv snn) tests/conformance/fw_rockpool.py --work DIR --steps N

Rockpool 3.1.0's exporter leaves ExpSynTorch's tau attached to autograd,
which nir.write refuses; the arrays are detached before writing (nothing
else is touched).
"""
import os
import sys
import warnings

import numpy as np
import torch

import nir
import rockpool
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import ExpSynTorch, LIFTorch, LinearTorch
from rockpool.nn.modules.torch.nir import to_nir

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fw_common as fc  # noqa: E402

DT = 1e-3


def export(net, nin, path):
    g = to_nir(net, torch.zeros(1, 1, nin))
    for n in g.nodes.values():
        for k, v in list(vars(n).items()):
            if isinstance(v, torch.Tensor):
                setattr(n, k, v.detach().numpy())
    nir.write(path, g)
    return g, sorted({type(v).__name__ for v in g.nodes.values()} - {"Input", "Output"})


def main():
    a = fc.parse_args()
    warnings.simplefilter("ignore")
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    man = fc.Manifest(a.work, "Rockpool", rockpool.__version__)
    nin, h, nout = 8, 24, 4

    # LinearTorch -> LIFTorch (CubaLIF, multi-spike) -> LinearTorch -> ExpSynTorch (LI)
    lif = LIFTorch(h, tau_mem=torch.tensor(rng.uniform(0.01, 0.05, h), dtype=torch.float32),
                   tau_syn=torch.tensor(rng.uniform(0.005, 0.02, h), dtype=torch.float32), dt=DT)
    net = Sequential(LinearTorch((nin, h), has_bias=False), lif,
                     LinearTorch((h, nout), has_bias=True),
                     ExpSynTorch(nout, tau=torch.full((nout,), 0.02), dt=DT))
    with torch.no_grad():
        net[0].weight.mul_(0.01)
    g, types = export(net, nin, os.path.join(a.work, "lif-expsyn.nir"))
    x = fc.inputs(a.seed, nin, a.steps, scale=0.3)
    names = [k for k, v in g.nodes.items() if type(v).__name__ in ("CubaLIF", "LI", "LIF")]
    net.reset_state()  # to rest: the export traced the network once
    with torch.no_grad():
        out, _, rec = net(torch.from_numpy(x[None]), record=True)
    thr = lif.threshold.detach().numpy().astype(np.float64)
    vm = rec[names[0]]["vmem"][0].numpy().astype(np.float64)  # after the subtract
    z = rec[names[0]]["spikes"][0].numpy().astype(np.float64)
    vcmp = vm + z * thr  # the value compared with the threshold
    o = out[0].numpy().astype(np.float64)
    layers = {names[0]: (vm, z, fc.margin(vcmp, thr, multi=True)),
              names[1]: (o, o, np.full_like(o, np.inf))}
    man.add("lif-expsyn", x, o, layers, "rockpool", types)

    # LinearTorch -> LIFTorch -> LinearTorch -> LIFTorch: spike counts out
    l1 = LIFTorch(h, tau_mem=0.02, tau_syn=0.01, dt=DT)
    l2 = LIFTorch(nout, tau_mem=0.03, tau_syn=0.015, dt=DT)
    net = Sequential(LinearTorch((nin, h)), l1, LinearTorch((h, nout)), l2)
    with torch.no_grad():
        net[0].weight.mul_(0.01)
        net[2].weight.mul_(0.03)
    g, types = export(net, nin, os.path.join(a.work, "lif-lif.nir"))
    x = fc.inputs(a.seed + 1, nin, a.steps, scale=0.3)
    names = [k for k, v in g.nodes.items() if type(v).__name__ == "CubaLIF"]
    net.reset_state()  # to rest: the export traced the network once
    with torch.no_grad():
        out, _, rec = net(torch.from_numpy(x[None]), record=True)
    layers = {}
    for name, mod in zip(names, (l1, l2)):
        thr = mod.threshold.detach().numpy().astype(np.float64)
        vm = rec[name]["vmem"][0].numpy().astype(np.float64)
        z = rec[name]["spikes"][0].numpy().astype(np.float64)
        layers[name] = (vm, z, fc.margin(vm + z * thr, thr, multi=True))
    man.add("lif-lif", x, out[0].numpy(), layers, "rockpool", types)
    man.write()


if __name__ == "__main__":
    main()
