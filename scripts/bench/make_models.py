#!/usr/bin/env python3
"""Writes the two benchmark models and the request bodies the load generators post.

For each model (linear256: 256->256 identity; mlp1024: 1024->1024 relu, 1024->1024 relu, 1024->10
softmax) with fixed random weights (seeded, PyTorch nn.Linear's default uniform(+-1/sqrt(in)) init):

  OUT/models/NAME.safetensors   `<i>.weight` [out, in] and `<i>.bias` [out] as F32, metadata
                                `activations` = "relu,relu,softmax": what `batchkit serve --model
                                NAME=FILE` loads (DenseModel+Safetensors.swift)
  OUT/models/NAME/<i>.weight.npy, <i>.bias.npy and model-settings.json's parameters.extra.activations:
                                the same weights for the MLServer runtime (mlserver_runtime.py)
  OUT/bodies/NAME.json.body     a KServe v2 JSON request of ROWS rows (FP32, flat data, shape [ROWS, d])
  OUT/bodies/NAME.bin.body      the same rows with the binary tensor data extension (JSON header, then
  OUT/bodies/NAME.bin.hlen      ROWS*d little-endian float32), and the header's length in bytes
  OUT/bodies/NAME.rows.npy      the rows, and NAME.expected.npy the NumPy forward pass of them

Usage: make_models.py OUT_DIR [--rows K] [--seed S]
"""
import argparse
import json
import os

import numpy as np
from safetensors.numpy import save_file

MODELS = {
    "linear256": [(256, 256, "identity")],
    "mlp1024": [(1024, 1024, "relu"), (1024, 1024, "relu"), (1024, 10, "softmax")],
}


def forward(x, layers):
    """Reference forward pass in float32: y = x @ W.T + b, then the activation."""
    y = x.astype(np.float32)
    for w, b, act in layers:
        y = y @ w.T + b
        if act == "relu":
            y = np.maximum(y, 0)
        elif act == "softmax":
            y = y - y.max(axis=1, keepdims=True)
            np.exp(y, out=y)
            y /= y.sum(axis=1, keepdims=True)
        elif act != "identity":
            raise ValueError(act)
    return y


def make(out, name, rows, seed):
    rng = np.random.default_rng(seed + sum(map(ord, name)))
    layers = []
    for fan_in, fan_out, act in MODELS[name]:
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32)
        layers.append((w, b, act))
    acts = ",".join(a for _, _, a in layers)

    models = os.path.join(out, "models")
    os.makedirs(os.path.join(models, name), exist_ok=True)
    tensors = {}
    for i, (w, b, _) in enumerate(layers):
        tensors[f"{i}.weight"] = w
        tensors[f"{i}.bias"] = b
        np.save(os.path.join(models, name, f"{i}.weight.npy"), w)
        np.save(os.path.join(models, name, f"{i}.bias.npy"), b)
    save_file(tensors, os.path.join(models, f"{name}.safetensors"), metadata={"activations": acts})
    with open(os.path.join(models, name, "activations.txt"), "w") as f:
        f.write(acts + "\n")

    width = layers[0][0].shape[1]
    x = rng.standard_normal((rows, width)).astype(np.float32)
    bodies = os.path.join(out, "bodies")
    os.makedirs(bodies, exist_ok=True)
    np.save(os.path.join(bodies, f"{name}.rows.npy"), x)
    np.save(os.path.join(bodies, f"{name}.expected.npy"), forward(x, layers))

    # float32 -> Python float is exact and repr() round-trips, so the JSON rows are the binary rows.
    json_req = {
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [rows, width],
                    "data": [float(v) for v in x.reshape(-1)]}],
    }
    with open(os.path.join(bodies, f"{name}.json.body"), "wb") as f:
        f.write(json.dumps(json_req, separators=(",", ":")).encode())

    raw = x.astype("<f4").tobytes()
    header = {
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [rows, width],
                    "parameters": {"binary_data_size": len(raw)}}],
        "outputs": [{"name": "output", "parameters": {"binary_data": True}}],
    }
    hbytes = json.dumps(header, separators=(",", ":")).encode()
    with open(os.path.join(bodies, f"{name}.bin.body"), "wb") as f:
        f.write(hbytes + raw)
    with open(os.path.join(bodies, f"{name}.bin.hlen"), "w") as f:
        f.write(f"{len(hbytes)}\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--rows", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--models", default="linear256,mlp1024")
    a = p.parse_args()
    for name in a.models.split(","):
        make(a.out, name, a.rows, a.seed)


if __name__ == "__main__":
    main()
