"""The MLServer side of the comparison: a custom runtime doing the dense forward pass in NumPy.

model-settings.json points `implementation` at `mlserver_runtime.DenseNumpyModel`, `parameters.uri` at a
folder of `<i>.weight.npy` ([out, in], PyTorch nn.Linear layout) and `<i>.bias.npy`, and
`parameters.extra.activations` at a comma list (identity, relu, softmax), the same layers and weights
`batchkit serve` loads from the safetensors file. With adaptive batching on, MLServer concatenates the
queued requests along the first axis and `predict` sees one [sum k, d] batch.

`parameters.extra.offload: true` runs the NumPy part in a thread (NumPy drops the GIL in matmul), so the
event loop keeps parsing JSON meanwhile; off by default, as in MLServer's custom-runtime examples.
"""
import asyncio
import os

import numpy as np
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse


class DenseNumpyModel(MLModel):
    async def load(self) -> bool:
        params = self.settings.parameters
        folder = params.uri
        if not os.path.isabs(folder):
            folder = os.path.join(os.path.dirname(self.settings._source or "."), folder)
        extra = params.extra or {}
        acts = [a.strip() for a in extra["activations"].split(",")]
        self._offload = bool(extra.get("offload", False))
        self._layers = []
        for i, act in enumerate(acts):
            w = np.load(os.path.join(folder, f"{i}.weight.npy")).astype(np.float32)
            b = np.load(os.path.join(folder, f"{i}.bias.npy")).astype(np.float32)
            # x @ W.T with W.T made contiguous once: one sgemm per layer, no per-call transpose copy.
            self._layers.append((np.ascontiguousarray(w.T), b, act))
        self._width = self._layers[0][0].shape[0]
        # Warm up: first-call costs (BLAS thread start, page faults) are not part of serving.
        self._forward(np.zeros((4, self._width), dtype=np.float32))
        self.ready = True
        return True

    def _forward(self, x: np.ndarray) -> np.ndarray:
        y = x
        for wt, b, act in self._layers:
            y = y @ wt
            y += b
            if act == "relu":
                np.maximum(y, 0, out=y)
            elif act == "softmax":
                y -= y.max(axis=1, keepdims=True)
                np.exp(y, out=y)
                y /= y.sum(axis=1, keepdims=True)
        return y

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        x = self.decode(payload.inputs[0], default_codec=NumpyCodec)
        x = np.asarray(x, dtype=np.float32).reshape(-1, self._width)
        if self._offload:
            y = await asyncio.to_thread(self._forward, x)
        else:
            y = self._forward(x)
        return InferenceResponse(
            model_name=self.name,
            id=payload.id,
            outputs=[NumpyCodec.encode_output(name="output", payload=y)],
        )
