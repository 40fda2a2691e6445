#!/usr/bin/env python3
"""Sends the benchmark body once and checks the answer against the NumPy forward pass.

So both servers are known to compute the same model on the same rows before they are timed.
Usage: check.py --url URL --body FILE --kind json|binary [--header-len N] --expected FILE.npy
Exit 0 and one line on success; 1 with the reason otherwise.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--body", required=True)
    p.add_argument("--kind", choices=["json", "binary"], default="json")
    p.add_argument("--header-len", type=int)
    p.add_argument("--expected", required=True)
    p.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    with open(a.body, "rb") as f:
        body = f.read()
    headers = {"Content-Type": "application/json"}
    if a.kind == "binary":
        headers = {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(a.header_len)}
    req = urllib.request.Request(a.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=a.timeout) as r:
            payload = r.read()
            hlen = r.headers.get("Inference-Header-Content-Length")
    except urllib.error.HTTPError as e:
        print(f"check: {a.kind} request answered {e.code}: {e.read()[:300]!r}")
        return 1
    except OSError as e:
        print(f"check: {a.kind} request failed: {e}")
        return 1
    expected = np.load(a.expected)
    if hlen is not None:
        header = json.loads(payload[: int(hlen)])
        out = header["outputs"][0]
        raw = payload[int(hlen):]
        size = out.get("parameters", {}).get("binary_data_size", len(raw))
        got = np.frombuffer(raw[:size], dtype="<f4")
    else:
        out = json.loads(payload)["outputs"][0]
        data = out["data"]
        got = np.asarray(data, dtype=np.float64).reshape(-1)
    got = got.reshape(expected.shape) if got.size == expected.size else got
    if got.shape != expected.shape:
        print(f"check: {a.kind}: output has {got.size} values, expected shape {expected.shape}")
        return 1
    err = float(np.max(np.abs(got - expected)))
    if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        print(f"check: {a.kind}: output differs from the NumPy forward pass (max abs error {err:.3g})")
        return 1
    print(f"check: {a.kind} ok, output shape {list(got.shape)}, max abs error vs NumPy {err:.2g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
