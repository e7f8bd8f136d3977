#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train spinal's default spiking policy to imitate the expert path follower.

1. Record: spinal-closedloop --model none drives the simulated robot with the
   classical follower (the expert) over seeded random start/goal pairs on the
   default map, with exploratory perturbations of the executed command, and
   dumps per tick the SFS feature vector the C pipeline computed and the
   expert's command (so Python never reimplements SFS).
2. Train: Affine -> LIF -> Affine -> LI in plain torch, discretised exactly as
   spinal-core runs it (NIR convention, forward Euler, dt = loop period, reset
   to v_reset = 0; docs/model.md), surrogate gradient (fast sigmoid) for the
   spike, truncated BPTT over windows of consecutive ticks.  Fixed seed.
3. Export NIR with tools/nir_export.py; spinal-closedloop then measures the
   success rate of the exported model on the C engine.

Usage: /usr/bin/python3 tools/train_policy.py --closedloop build/bin/spinal-closedloop
           [--out data/models/default.nir] [--work DIR] [--iters N] [--seed S]
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nir_export as nx  # noqa: E402

DT = 1e-3          # loop period the model is trained for (s)
TAU_HID = 5e-3     # LIF membrane time constant (s)
TAU_OUT = 20e-3    # LI readout time constant (s)
THR = 1.0
WINDOW = 150       # ticks per training window (== --dump-window)
BURN_IN = 60       # ticks before the loss counts (readout settles)


class Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x > 0).float()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1.0 + 10.0 * x.abs()) ** 2


class Policy(torch.nn.Module):
    def __init__(self, nin, hidden, nout):
        super().__init__()
        self.fc1 = torch.nn.Linear(nin, hidden)
        self.fc2 = torch.nn.Linear(hidden, nout)
        self.a_h = DT / TAU_HID
        self.a_o = DT / TAU_OUT

    def forward(self, x):  # x: (T, B, nin) -> (T, B, nout)
        T, B, _ = x.shape
        v = torch.zeros(B, self.fc1.out_features)
        o = torch.zeros(B, self.fc2.out_features)
        cur = self.fc1(x)
        outs = []
        for t in range(T):
            # NIR LIF, forward Euler, r = 1, v_leak = 0: v += a (I - v)
            v = (1.0 - self.a_h) * v + self.a_h * cur[t]
            z = Spike.apply(v - THR)
            v = v * (1.0 - z)  # reset to v_reset = 0 (value reset)
            o = (1.0 - self.a_o) * o + self.a_o * self.fc2(z)
            outs.append(o)
        return torch.stack(outs)


def record(args):
    path = os.path.join(args.work, "expert.bin")
    cmd = [args.closedloop, "--model", "none", "--pairs", str(args.pairs),
           "--seed", str(args.seed + 100), "--explore", "0.3",
           "--dump", path, "--dump-every", "400",
           "--dump-window", str(WINDOW), "-q"]
    print("record:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    raw = np.fromfile(path, dtype=np.float32)
    ncols = int(raw[:1].view(np.int32)[0])
    return raw[1:].reshape(-1, ncols)


def windows(rows):
    """Split rows (ep, tick, f..., v, w) into full windows of consecutive ticks."""
    ep, tick = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64)
    brk = np.flatnonzero((np.diff(ep) != 0) | (np.diff(tick) != 1)) + 1
    starts = np.concatenate([[0], brk])
    ends = np.concatenate([brk, [len(rows)]])
    xs, ys = [], []
    for s, e in zip(starts, ends):
        if e - s >= WINDOW:
            xs.append(rows[s:s + WINDOW, 2:-2])
            ys.append(rows[s:s + WINDOW, -2:])
    return np.stack(xs), np.stack(ys)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--closedloop", required=True)
    ap.add_argument("--out", default="data/models/default.nir")
    ap.add_argument("--work", default="build/train")
    ap.add_argument("--pairs", type=int, default=150)
    ap.add_argument("--hidden", type=int, default=96)
    ap.add_argument("--iters", type=int, default=700)
    ap.add_argument("--batch", type=int, default=96)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(2)

    X, Y = windows(record(args))
    print("data: %d windows of %d ticks, %d features" % (X.shape[0], WINDOW, X.shape[2]))
    X = torch.from_numpy(np.ascontiguousarray(X.transpose(1, 0, 2)))  # (T, N, F)
    Y = torch.from_numpy(np.ascontiguousarray(Y.transpose(1, 0, 2)))
    w_loss = torch.tensor([2.0, 1.0])  # v range is half omega's

    net = Policy(X.shape[2], args.hidden, 2)
    with torch.no_grad():
        net.fc1.weight.mul_(3.0)
        net.fc1.bias.fill_(0.8)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.iters)
    n = X.shape[1]
    t0 = time.time()
    for it in range(args.iters):
        idx = torch.randint(0, n, (args.batch,))
        out = net(X[:, idx])
        err = (out[BURN_IN:] - Y[BURN_IN:, idx]) * w_loss
        loss = (err ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if it % 100 == 0 or it == args.iters - 1:
            print("iter %4d loss %.4f (%.0f s)" % (it, loss.item(), time.time() - t0),
                  flush=True)

    W1 = net.fc1.weight.detach().numpy()
    b1 = net.fc1.bias.detach().numpy()
    W2 = net.fc2.weight.detach().numpy()
    b2 = net.fc2.bias.detach().numpy()
    H = W1.shape[0]
    g = nx.sequential([
        nx.affine(W1, b1),
        nx.lif(np.full(H, TAU_HID), np.ones(H), np.zeros(H), np.full(H, THR),
               v_reset=np.zeros(H)),
        nx.affine(W2, b2),
        nx.li(np.full(2, TAU_OUT), np.ones(2), np.zeros(2)),
    ], names=["fc1", "lif1", "fc2", "li_out"])
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    nx.write(args.out, g)
    print("wrote %s (%d inputs, %d LIF neurons, 2 outputs: v, omega; dt %g s)"
          % (args.out, X.shape[2], H, DT))


if __name__ == "__main__":
    main()
