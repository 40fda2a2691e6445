"""A real Open Inference Protocol client (tritonclient[http]) against `batchkit serve`.

Run by scripts/server-test.sh, which starts the server. Environment:
  SERVER_URL   host:port of the server (serving mlp1024 and linear256)
  BATCHKIT     path of the batchkit binary, for the `batchkit infer` reference
  WORK_DIR     a scratch directory
"""

import os
import subprocess
import sys
import unittest

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

URL = os.environ["SERVER_URL"]
BATCHKIT = os.environ["BATCHKIT"]
WORK = os.environ["WORK_DIR"]


def reference(model: str, rows: np.ndarray, extra=()) -> np.ndarray:
    """`batchkit infer` on the same rows: the batched serving path in-process."""
    src = os.path.join(WORK, f"{model}-in.npy")
    dst = os.path.join(WORK, f"{model}-out.npy")
    np.save(src, rows.astype("<f4"))
    subprocess.run(
        [BATCHKIT, "infer", "--model", model, "--input", src, "--output", dst, "--quiet", *extra],
        check=True, timeout=120,
    )
    return np.load(dst)


class TritonClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = httpclient.InferenceServerClient(url=URL, connection_timeout=10, network_timeout=30)

    def infer(self, model, rows, binary_in=True, binary_out=True, **kwargs):
        inp = httpclient.InferInput("input", list(rows.shape), "FP32")
        inp.set_data_from_numpy(rows, binary_data=binary_in)
        out = httpclient.InferRequestedOutput("output", binary_data=binary_out)
        return self.client.infer(model, [inp], outputs=[out], **kwargs)

    def test_health_and_metadata(self):
        self.assertTrue(self.client.is_server_live())
        self.assertTrue(self.client.is_server_ready())
        self.assertTrue(self.client.is_model_ready("mlp1024"))
        self.assertTrue(self.client.is_model_ready("linear256", model_version="1"))
        server = self.client.get_server_metadata()
        self.assertEqual(server["name"], "batchkit")
        self.assertIn("binary_tensor_data", server["extensions"])
        meta = self.client.get_model_metadata("mlp1024")
        self.assertEqual(meta["inputs"][0]["shape"], [-1, 1024])
        self.assertEqual(meta["inputs"][0]["datatype"], "FP32")
        self.assertEqual(meta["outputs"][0]["shape"], [-1, 10])
        self.assertFalse(self.client.is_model_ready("nope"))

    def test_results_equal_batchkit_infer(self):
        """Same model, same rows: the server answers what `batchkit infer` writes, JSON and binary alike.

        Within float32 rounding, not bit for bit: a one-row batch takes `sgemv` or the packed kernel as
        each process's small-batch calibration (or, for a short `infer` run, the kernel's prior) decides,
        and the two sum in different orders. The two wire formats carry the server's floats exactly.
        """
        rng = np.random.default_rng(7)
        for model, width in (("mlp1024", 1024), ("linear256", 256)):
            rows = rng.standard_normal((40, width)).astype(np.float32)
            # --max-batch-size 1: every row is its own batch, as each one-row request below is.
            expected = reference(model, rows, ["--max-batch-size", "1"])
            # One request per row, as infer submits each row as its own item: the same path.
            binary = np.concatenate([self.infer(model, rows[i:i + 1]).as_numpy("output") for i in range(len(rows))])
            as_json = np.concatenate(
                [self.infer(model, rows[i:i + 1], binary_in=False, binary_out=False).as_numpy("output")
                 for i in range(len(rows))])
            np.testing.assert_allclose(
                binary, expected, rtol=1e-5, atol=1e-6, err_msg=f"{model}: binary answers differ from infer")
            np.testing.assert_array_equal(as_json, binary, err_msg=f"{model}: JSON and binary answers differ")
            # Many rows in one request: one item of k rows, equal to the reference within float rounding
            # (a batch of k rows may take another GEMM path than single rows; see README).
            together = self.infer(model, rows).as_numpy("output")
            self.assertEqual(together.shape, expected.shape)
            np.testing.assert_allclose(together, expected, rtol=1e-5, atol=1e-6)

    def test_request_id_priority_and_timeout(self):
        rows = np.zeros((2, 256), dtype=np.float32)
        result = self.infer("linear256", rows, request_id="abc-1", priority=1, timeout=5_000_000)
        self.assertEqual(result.get_response()["id"], "abc-1")
        self.assertEqual(result.as_numpy("output").shape, (2, 256))

    def test_wrong_width_is_400(self):
        rows = np.zeros((1, 100), dtype=np.float32)
        with self.assertRaises(InferenceServerException) as caught:
            self.infer("mlp1024", rows)
        self.assertEqual(caught.exception.status(), "400")
        self.assertIn("1024", caught.exception.message())

    def test_unknown_model_is_404(self):
        with self.assertRaises(InferenceServerException) as caught:
            self.infer("resnet", np.zeros((1, 4), dtype=np.float32))
        self.assertEqual(caught.exception.status(), "404")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
