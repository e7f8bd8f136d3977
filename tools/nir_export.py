#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write NIR graph files (HDF5) from numpy arrays, with h5py only.

The layout follows neuromorphs/NIR nir/serialization.py: a root "version"
string and a root group "node" holding a NIRGraph ("type", "nodes", "edges").
Used by the SPS tests and by the training script of the control pipeline.

    import nir_export as nx
    g = nx.graph({
        "input": nx.input_node(64),
        "fc1": nx.affine(W1, b1),
        "lif1": nx.lif(tau, r, v_leak, v_threshold),
        "fc2": nx.affine(W2, b2),
        "li": nx.li(tau2, r2, v_leak2),
        "output": nx.output_node(3),
    }, [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"),
        ("fc2", "li"), ("li", "output")])
    nx.write("policy.nir", g)

or nx.sequential([...]) for a chain.  Weights are (out, in) like NIR and
torch.nn.Linear.  snntorch_lif()/snntorch_synaptic() convert snnTorch's
beta/alpha the way snnTorch's own NIR export does.
"""
import h5py
import numpy as np

NIR_VERSION = "1.0.0"


def _f32(x, n=None):
    a = np.asarray(x, dtype=np.float32)
    if n is not None and a.ndim == 0:
        a = np.full(n, a, dtype=np.float32)
    return a


def input_node(n):
    return {"type": "Input", "shape": np.array([n], dtype=np.int64)}


def output_node(n):
    return {"type": "Output", "shape": np.array([n], dtype=np.int64)}


def affine(weight, bias):
    return {"type": "Affine", "weight": _f32(weight), "bias": _f32(bias)}


def linear(weight):
    return {"type": "Linear", "weight": _f32(weight)}


def scale(s):
    return {"type": "Scale", "scale": _f32(s)}


def lif(tau, r, v_leak, v_threshold, v_reset=None):
    n = np.size(tau)
    d = {"type": "LIF", "tau": _f32(tau), "r": _f32(r, n),
         "v_leak": _f32(v_leak, n), "v_threshold": _f32(v_threshold, n)}
    if v_reset is not None:
        d["v_reset"] = _f32(v_reset, n)
    return d


def cubalif(tau_syn, tau_mem, r, v_leak, v_threshold, v_reset=None, w_in=1.0):
    n = np.size(tau_mem)
    d = {"type": "CubaLIF", "tau_syn": _f32(tau_syn, n),
         "tau_mem": _f32(tau_mem), "r": _f32(r, n),
         "v_leak": _f32(v_leak, n), "v_threshold": _f32(v_threshold, n),
         "w_in": _f32(w_in, n)}
    if v_reset is not None:
        d["v_reset"] = _f32(v_reset, n)
    return d


def li(tau, r, v_leak):
    n = np.size(tau)
    return {"type": "LI", "tau": _f32(tau), "r": _f32(r, n),
            "v_leak": _f32(v_leak, n)}


def cubali(tau_syn, tau_mem, r, v_leak, w_in=1.0):
    n = np.size(tau_mem)
    return {"type": "CubaLI", "tau_syn": _f32(tau_syn, n),
            "tau_mem": _f32(tau_mem), "r": _f32(r, n),
            "v_leak": _f32(v_leak, n), "w_in": _f32(w_in, n)}


def if_node(r, v_threshold, v_reset=None):
    n = np.size(r)
    d = {"type": "IF", "r": _f32(r), "v_threshold": _f32(v_threshold, n)}
    if v_reset is not None:
        d["v_reset"] = _f32(v_reset, n)
    return d


def i_node(r):
    return {"type": "I", "r": _f32(r)}


def snntorch_lif(beta, threshold, n, dt=1e-4):
    """snn.Leaky as snnTorch exports it: tau = dt/(1-beta), r = tau/dt."""
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), (n,))
    tau = dt / (1.0 - beta)
    return lif(tau, tau / dt, np.zeros(n), np.full(n, threshold))


def snntorch_synaptic(alpha, beta, threshold, n, dt=1e-4):
    """snn.Synaptic as snnTorch exports it (w_in = tau_syn/dt)."""
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), (n,))
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), (n,))
    tau_syn = dt / (1.0 - alpha)
    tau_mem = dt / (1.0 - beta)
    return cubalif(tau_syn, tau_mem, tau_mem / dt, np.zeros(n),
                   np.full(n, threshold), w_in=tau_syn / dt)


def graph(nodes, edges):
    return {"type": "NIRGraph", "nodes": dict(nodes), "edges": list(edges)}


def sequential(layers, names=None):
    """A chain Input -> layers... -> Output; widths from the first/last."""
    names = names or ["n%d_%s" % (i, l["type"].lower())
                      for i, l in enumerate(layers)]
    first, last = layers[0], layers[-1]
    nin = _width(first, "in")
    nout = _width(last, "out")
    nodes = {"input": input_node(nin)}
    nodes.update(zip(names, layers))
    nodes["output"] = output_node(nout)
    order = ["input"] + names + ["output"]
    return graph(nodes, list(zip(order[:-1], order[1:])))


def _width(node, side):
    if node["type"] in ("Affine", "Linear"):
        return node["weight"].shape[1 if side == "in" else 0]
    for k in ("scale", "tau", "tau_mem", "r"):
        if k in node:
            return int(np.size(node[k]))
    raise ValueError("cannot infer width of %s" % node["type"])


def _write_node(group, node):
    for k, v in node.items():
        if k == "type":
            group.create_dataset("type", data=v, dtype=h5py.string_dtype())
        elif k == "nodes":
            sub = group.create_group("nodes")
            for name, child in v.items():
                _write_node(sub.create_group(name), child)
        elif k == "edges":
            e = np.array([[a, b] for a, b in v], dtype=object)
            if len(v) == 0:
                group.create_dataset("edges", data=np.zeros((0,)))
            else:
                group.create_dataset("edges", data=e,
                                     dtype=h5py.string_dtype())
        else:
            group.create_dataset(k, data=v)


def write(path, g, version=NIR_VERSION):
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=version, dtype=h5py.string_dtype())
        _write_node(f.create_group("node"), g)


if __name__ == "__main__":
    import sys
    rng = np.random.default_rng(0)
    out = sys.argv[1] if len(sys.argv) > 1 else "example.nir"
    write(out, sequential([
        affine(rng.normal(0, 0.5, (16, 8)), np.zeros(16)),
        lif(np.full(16, 0.02), np.ones(16), np.zeros(16), np.ones(16)),
        affine(rng.normal(0, 0.5, (3, 16)), np.zeros(3)),
        li(np.full(3, 0.05), np.ones(3), np.zeros(3)),
    ]))
    print("wrote", out)
