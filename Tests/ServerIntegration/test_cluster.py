#!/usr/bin/env python3
"""Scale-out tests: replicas of `batchkit serve` behind nginx (scripts/cluster.py), on loopback.

Each test runs a bounded, fixed-rate load through nginx, every request one row whose exact output is
known from `batchkit infer` on the same rows, and checks what every client saw:

- failover: kill -9 one replica mid-run; every response is 200 and correct except at most the
  requests that replica held at the kill, counted from nginx's access log;
- draining: SIGTERM one replica under load; no request fails, the replica exits 0;
- rolling restart: drain and restart each replica in turn under load; no request fails;
- spread: with equal replicas, each serves its share within 20 %.

Usage: test_cluster.py --batchkit .build/release/batchkit [--seconds 8] [--rate 150]
Needs numpy. Exits non-zero on the first failed test.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from cluster import Cluster  # noqa: E402

MODEL = "linear256"
ROWS = 64


class Expected:
    """Input rows and their outputs from `batchkit infer`, the reference every answer must equal."""

    def __init__(self, batchkit, folder):
        rng = np.random.default_rng(7)
        self.rows = rng.standard_normal((ROWS, 256)).astype(np.float32)
        inputs, outputs = os.path.join(folder, "rows.npy"), os.path.join(folder, "expected.npy")
        np.save(inputs, self.rows)
        subprocess.run(
            [batchkit, "infer", "--model", MODEL, "--input", inputs, "--output", outputs, "--quiet"],
            check=True,
            timeout=120,
        )
        self.outputs = np.load(outputs)

    def body(self, index, request_id, input_name):
        row = self.rows[index]
        return json.dumps(
            {
                "id": request_id,
                "inputs": [{"name": input_name, "shape": [1, 256], "datatype": "FP32", "data": row.tolist()}],
            }
        ).encode()


class Load:
    """A fixed request rate over several keep-alive connections for a bounded time.

    Records, for every request sent, what came back: the status, and whether a 200's output and id
    were exactly right. A connection error counts as a failed request (the client saw no answer).
    """

    def __init__(self, url, expected, input_name, rate, seconds, connections=8):
        self.host, self.port = url.removeprefix("http://").split(":")
        self.expected, self.input_name = expected, input_name
        self.rate, self.seconds, self.connections = rate, seconds, connections
        self.results = []
        self.lock = threading.Lock()
        self.threads = []

    def start(self):
        self.began = time.monotonic()
        for worker in range(self.connections):
            thread = threading.Thread(target=self._run, args=(worker,), daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def wait(self):
        for thread in self.threads:
            thread.join(timeout=self.seconds + 60)
        return self.results

    def _run(self, worker):
        interval = self.connections / self.rate
        connection = None
        sequence = worker
        while True:
            due = self.began + (sequence // self.connections) * interval
            if due - self.began >= self.seconds:
                return
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            index = sequence % ROWS
            request_id = f"req-{sequence}"
            outcome = {"id": request_id, "status": None, "correct": False}
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
                connection.request(
                    "POST",
                    f"/v2/models/{MODEL}/infer",
                    body=self.expected.body(index, request_id, self.input_name),
                    headers={"Content-Type": "application/json"},
                )
                response = connection.getresponse()
                payload = response.read()
                outcome["status"] = response.status
                if response.status == 200:
                    answer = json.loads(payload)
                    data = np.asarray(answer["outputs"][0]["data"], dtype=np.float32)
                    # Within float rounding, not bit for bit: a row computed in a batch of one (the
                    # small-batch kernel) and in a GEMM of many rounds differently.
                    outcome["correct"] = answer.get("id") == request_id and np.allclose(
                        data, self.expected.outputs[index], rtol=1e-5, atol=1e-6
                    )
            except (OSError, http.client.HTTPException) as error:
                outcome["error"] = repr(error)
                connection = None
            with self.lock:
                self.results.append(outcome)
            sequence += self.connections


def summary(results):
    statuses = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    wrong = sum(1 for r in results if r["status"] == 200 and not r["correct"])
    return statuses, wrong


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def held_by(cluster, address, after_line):
    """Requests nginx had sent to `address` that it did not answer: its access-log attempts there that
    ended in an error (502, 504, or no status)."""
    held = 0
    for entry in cluster.access_entries()[after_line:]:
        for upstream, status in zip(entry["upstreams"], entry["upstream_statuses"]):
            if upstream == address and status != "200" and status != "429":
                held += 1
    return held


def test_failover(args, expected, input_name):
    with Cluster(replicas=3, models=[MODEL], workers=1, batchkit=args.batchkit) as cluster:
        load = Load(cluster.url, expected, input_name, args.rate, args.seconds).start()
        time.sleep(args.seconds / 3)
        victim = cluster.replicas[1]
        victim.kill()
        results = load.wait()
        statuses, wrong = summary(results)
        held = held_by(cluster, victim.address, 0)
        failed = sum(n for status, n in statuses.items() if status != 200)
        print(f"failover: {len(results)} requests, statuses {statuses}, wrong {wrong}, "
              f"held by the killed replica {held}, failed {failed}")
        check(wrong == 0, "a 200 carried a wrong output or id")
        check(failed <= held, f"{failed} requests failed, more than the {held} the killed replica held")
        check(len({r['id'] for r in results}) == len(results), "a request was answered twice")


def test_draining(args, expected, input_name):
    with Cluster(replicas=3, models=[MODEL], workers=1, batchkit=args.batchkit) as cluster:
        load = Load(cluster.url, expected, input_name, args.rate, args.seconds).start()
        time.sleep(args.seconds / 3)
        code = cluster.replicas[0].drain()
        results = load.wait()
        statuses, wrong = summary(results)
        print(f"draining: {len(results)} requests, statuses {statuses}, wrong {wrong}, replica exit {code}")
        check(code == 0, f"the drained replica exited {code}")
        check(wrong == 0, "a 200 carried a wrong output or id")
        check(statuses == {200: len(results)}, f"requests failed while a replica drained: {statuses}")


def test_rolling_restart(args, expected, input_name):
    with Cluster(replicas=3, models=[MODEL], workers=1, batchkit=args.batchkit) as cluster:
        load = Load(cluster.url, expected, input_name, args.rate, args.seconds * 2).start()
        time.sleep(args.seconds / 4)
        codes = []
        for replica in cluster.replicas:
            codes.append(replica.drain())
            replica.start()
            # As an orchestrator would: the next replica goes down only once this one is back in
            # rotation. nginx's passive checks leave a refused replica out for fail_timeout, so
            # taking the next one down sooner can leave no replica nginx will try.
            cluster.wait_in_rotation(replica, timeout=30)
        results = load.wait()
        statuses, wrong = summary(results)
        print(f"rolling restart: {len(results)} requests, statuses {statuses}, wrong {wrong}, exits {codes}")
        check(codes == [0] * len(codes), f"a replica exited non-zero: {codes}")
        check(wrong == 0, "a 200 carried a wrong output or id")
        check(statuses == {200: len(results)}, f"requests failed during the rolling restart: {statuses}")


def test_spread(args, expected, input_name):
    with Cluster(replicas=3, models=[MODEL], workers=1, batchkit=args.batchkit) as cluster:
        results = Load(cluster.url, expected, input_name, args.rate, args.seconds).start().wait()
        served = {r.address: 0 for r in cluster.replicas}
        for entry in cluster.access_entries():
            if entry["uri"].endswith("/infer") and entry["status"] == 200:
                served[entry["upstreams"][-1]] += 1
        mean = sum(served.values()) / len(served)
        print(f"spread: {len(results)} requests, per replica {list(served.values())}")
        check(all(abs(n - mean) <= 0.2 * mean for n in served.values()), f"uneven spread: {served}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batchkit", required=True)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rate", type=float, default=150, help="requests per second through nginx")
    parser.add_argument("--only", help="run one test: failover, draining, rolling, spread")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        expected = Expected(args.batchkit, folder)
    # The input's name as the server declares it, as a client reads it from the model metadata.
    with Cluster(replicas=1, models=[MODEL], batchkit=args.batchkit) as probe:
        with urllib.request.urlopen(probe.url + f"/v2/models/{MODEL}", timeout=10) as response:
            input_name = json.loads(response.read())["inputs"][0]["name"]
    tests = {
        "failover": test_failover,
        "draining": test_draining,
        "rolling": test_rolling_restart,
        "spread": test_spread,
    }
    for name, test in tests.items():
        if args.only and args.only != name:
            continue
        started = time.monotonic()
        test(args, expected, input_name)
        print(f"ok: {name} ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
