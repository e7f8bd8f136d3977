#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Train spinal's default spiking policy with snnTorch and export it with
snnTorch's own NIR exporter.

Run with the pinned snnTorch venv (`make policy` does):
    $(tools/pyenv snntorch) tools/train_policy.py --closedloop build/bin/spinal-closedloop

1. Record: spinal-closedloop --model none drives the simulated robot with the
   classical follower (the expert) over seeded random start/goal pairs on the
   default map, with exploratory perturbations of the executed command; per
   tick it dumps the SFS feature vector the C pipeline computed and the
   AAS-limited expert command (the follower's command clamped from the
   command executed the tick before: what the safety filter would let the
   expert do from there).  Python never reimplements SFS or AAS.
2. Train the snnTorch network
       Linear -> snn.Leaky (subtract reset) -> Linear -> snn.Synaptic readout
   (reset_mechanism="none": its membrane is the output, the snnTorch idiom
   for regression), dt = 1 ms ticks, surrogate gradients, truncated BPTT
   over windows of consecutive ticks.  Loss: imitation of the limited expert
   plus an output-smoothness term (per-tick change of v and omega relative to
   the acceleration limits), so the policy's command needs no clamp.
3. DAgger: the trained policy drives (spinal-closedloop --model, C engine)
   and the expert labels the states the policy visits; retrain on all data.
4. Export with snntorch.export_nir.export_to_nir.  snnTorch exports every
   Leaky/Synaptic as a spiking LIF/CubaLIF; NIR's name for a membrane
   readout without threshold is LI/CubaLI, so the readout node alone is
   rewritten (same tau_syn, tau_mem, r, v_leak, w_in; threshold dropped) with
   the nir package, and the file's root attribute spinal_convention =
   "snntorch" declares the equations, so every spinal importer (agent,
   spinal-model, spinal-closedloop) lowers it as snnTorch runs it.

Deterministic: fixed seeds, one thread, torch.use_deterministic_algorithms;
the same seed and versions give the same file on the same machine.
"""
import argparse
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import torch

import nir
import snntorch as snn
from snntorch.export_nir import export_to_nir

WINDOW = 120       # ticks per training window (== --dump-window)
BURN_IN = 40       # ticks before the loss counts (readout settles)
DT = 1e-3          # the loop period the policy runs at
ACCEL, ALPHA = 2.0, 8.0  # closed-loop AAS limits (tools/pipe_world.c)
BETA_HID = 0.8     # hidden Leaky: tau_mem = 5 ms at 1 kHz
ALPHA_OUT = 0.95   # readout synapse: 20 ms
BETA_OUT = 0.95    # readout membrane: 20 ms


class Policy(torch.nn.Module):
    def __init__(self, nin, hidden, nout=2):
        super().__init__()
        full = lambda n, v: torch.full((n,), v)  # noqa: E731 (per-neuron: NIR shapes)
        self.fc1 = torch.nn.Linear(nin, hidden)
        self.lif1 = snn.Leaky(beta=full(hidden, BETA_HID), threshold=full(hidden, 1.0),
                              reset_mechanism="subtract")
        self.fc2 = torch.nn.Linear(hidden, nout)
        self.out = snn.Synaptic(alpha=full(nout, ALPHA_OUT), beta=full(nout, BETA_OUT),
                                threshold=full(nout, 1e6), reset_mechanism="none")

    def forward(self, x):
        """x: (T, B, nin) -> readout membrane (T, B, nout)."""
        mem1 = self.lif1.init_leaky()
        syn2, mem2 = self.out.init_synaptic()
        cur = self.fc1(x)
        outs = []
        for t in range(x.shape[0]):
            spk1, mem1 = self.lif1(cur[t], mem1)
            _, syn2, mem2 = self.out(self.fc2(spk1), syn2, mem2)
            outs.append(mem2)
        return torch.stack(outs)


def run(cmd):
    print("run:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def record(args, tag, model=None, explore=0.3, seed_off=100):
    path = os.path.join(args.work, "data-%s.bin" % tag)
    cmd = [args.closedloop, "--model", model or "none", "--pairs", str(args.pairs),
           "--seed", str(args.seed + seed_off), "--goal-tol", "0.1",
           "--dump", path, "--dump-every", "300", "--dump-window", str(WINDOW), "-q"]
    if not model:
        cmd += ["--explore", str(explore)]
    run(cmd)
    raw = np.fromfile(path, dtype=np.float32)
    ncols = int(raw[:1].view(np.int32)[0])
    return raw[1:].reshape(-1, ncols)


def windows(rows):
    """Rows (ep, tick, f..., fb_v, fb_w, lim_v, lim_w) -> full windows."""
    ep, tick = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64)
    brk = np.flatnonzero((np.diff(ep) != 0) | (np.diff(tick) != 1)) + 1
    starts = np.concatenate([[0], brk])
    ends = np.concatenate([brk, [len(rows)]])
    xs, ys = [], []
    for s, e in zip(starts, ends):
        if e - s >= WINDOW:
            xs.append(rows[s:s + WINDOW, 2:-4])
            ys.append(rows[s:s + WINDOW, -2:])
    return np.stack(xs), np.stack(ys)


def train(net, X, Y, iters, args, lr=3e-3):
    X = torch.from_numpy(np.ascontiguousarray(X.transpose(1, 0, 2)))  # (T, N, F)
    Y = torch.from_numpy(np.ascontiguousarray(Y.transpose(1, 0, 2)))
    w = torch.tensor([2.0, 1.0])                       # v's range is half omega's
    step_lim = torch.tensor([ACCEL * DT, ALPHA * DT])  # per-tick change AAS allows
    # Adam steps every weight by ~lr; the readout multiplies fc2 by its DC
    # gain 1/((1 - alpha)(1 - beta)), so fc2 steps are scaled down by it
    gain = (1 - ALPHA_OUT) * (1 - BETA_OUT)
    opt = torch.optim.Adam([
        {"params": net.fc1.parameters(), "lr": lr},
        {"params": net.fc2.parameters(), "lr": lr * gain},
    ])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iters)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for it in range(iters):
        idx = torch.randint(0, X.shape[1], (args.batch,), generator=gen)
        out = net(X[:, idx])
        err = ((out[BURN_IN:] - Y[BURN_IN:, idx]) * w) ** 2
        d = (out[BURN_IN:] - out[BURN_IN - 1:-1]) / step_lim
        smooth = torch.relu(d.abs() - 0.5) ** 2  # free below half the limit
        loss = err.mean() + args.smooth * smooth.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if it % 50 == 0 or it == iters - 1:
            print("iter %4d loss %.5f (imitation %.5f, smoothness %.5f) %.0f s"
                  % (it, loss.item(), err.mean().item(), smooth.mean().item(),
                     time.time() - t0), flush=True)


def export(net, nin, path):
    """snnTorch's exporter, then the readout CubaLIF -> CubaLI (see above)."""
    net.eval()
    # nirtorch traces a chain of single-tensor modules: the trained layers,
    # the neurons as the same snnTorch layers with hidden state
    seq = torch.nn.Sequential()
    seq.add_module("fc1", net.fc1)
    seq.add_module("lif1", snn.Leaky(beta=net.lif1.beta.detach(),
                                     threshold=net.lif1.threshold.detach(),
                                     reset_mechanism="subtract", init_hidden=True))
    seq.add_module("fc2", net.fc2)
    seq.add_module("out", snn.Synaptic(alpha=net.out.alpha.detach(), beta=net.out.beta.detach(),
                                       threshold=net.out.threshold.detach(),
                                       reset_mechanism="none", init_hidden=True))
    g = export_to_nir(seq, torch.zeros(1, nin), ignore_dims=[0])
    ro = g.nodes["out"]
    if not isinstance(ro, nir.CubaLIF):
        raise SystemExit("train_policy: snnTorch exported the readout as %s, expected CubaLIF"
                         % type(ro).__name__)
    g.edges = sorted(g.edges)  # nirtorch lists them in set (hash) order
    g.nodes["out"] = nir.CubaLI(tau_syn=ro.tau_syn, tau_mem=ro.tau_mem, r=ro.r,
                                v_leak=ro.v_leak, w_in=ro.w_in)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    nir.write(tmp, g)
    # the file declares the equations it was trained with (docs/model.md)
    with h5py.File(tmp, "a") as f:
        f.attrs["spinal_convention"] = "snntorch"
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--closedloop", required=True)
    ap.add_argument("--out", default="data/models/default.nir")
    ap.add_argument("--work", default="build/train")
    ap.add_argument("--pairs", type=int, default=150)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--iters", type=int, default=400)
    ap.add_argument("--dagger", type=int, default=1, help="DAgger rounds")
    ap.add_argument("--dagger-iters", type=int, default=200)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--smooth", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    X, Y = windows(record(args, "expert"))
    nin = X.shape[2]
    print("data: %d windows of %d ticks, %d features" % (X.shape[0], WINDOW, nin), flush=True)
    net = Policy(nin, args.hidden)
    with torch.no_grad():
        net.fc1.weight.mul_(3.0)
        net.fc1.bias.fill_(0.3)
        # the readout integrates twice: gain 1 / ((1 - alpha)(1 - beta))
        net.fc2.weight.mul_((1 - ALPHA_OUT) * (1 - BETA_OUT))
        net.fc2.bias.zero_()
    train(net, X, Y, args.iters, args)
    export(net, nin, args.out)
    for r in range(args.dagger):
        Xd, Yd = windows(record(args, "dagger%d" % r, model=args.out, seed_off=200 + r))
        X, Y = np.concatenate([X, Xd]), np.concatenate([Y, Yd])
        print("dagger %d: %d windows" % (r, X.shape[0]), flush=True)
        train(net, X, Y, args.dagger_iters, args, lr=1e-3)
        export(net, nin, args.out)
    print("wrote %s (%d inputs, %d Leaky neurons, Synaptic readout: v, omega; dt %g s)"
          % (args.out, nin, args.hidden, DT))


if __name__ == "__main__":
    main()
