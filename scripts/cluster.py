#!/usr/bin/env python3
"""Replicas of `batchkit serve` behind nginx, on loopback, under a folder of their own.

As a command (scripts/cluster.sh passes its arguments here):

    scripts/cluster.sh --replicas 3 --model linear256            # serve until Ctrl-C
    scripts/cluster.sh --replicas 2 -- curl -s localhost:8080/v2  # run a command against it, then stop

As a module, the scale-out tests drive a `Cluster`: start it, kill or drain or restart replicas while
load runs, read nginx's access log. Nothing outside the cluster's temporary folder is touched: nginx
runs with its own prefix, config, pid file and logs. Everything started is stopped on exit.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "deploy", "nginx", "batchkit.conf.template")


def free_port():
    """A loopback TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url, timeout=1.0):
    """The status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return None


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"cluster: {what} within {timeout:.0f} s")


class Replica:
    """One `batchkit serve` process on a loopback port."""

    def __init__(self, index, port, command, folder):
        self.index = index
        self.port = port
        self.id = f"replica-{index}"
        self.command = command + ["--port", str(port), "--replica-id", self.id]
        self.log_path = os.path.join(folder, f"{self.id}.log")
        self.process = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    @property
    def url(self):
        return f"http://{self.address}"

    def start(self, ready_timeout=60):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(
            lambda: self.process.poll() is None and http_status(self.url + "/v2/health/ready") == 200
            or self.process.poll() is not None,
            ready_timeout,
            f"{self.id} ready",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"cluster: {self.id} exited with {self.process.returncode}; see {self.log_path}")

    def kill(self):
        """SIGKILL: the replica vanishes with whatever it holds."""
        self.process.kill()
        self.process.wait(timeout=10)

    def drain(self, timeout=60):
        """SIGTERM and wait: the replica turns unready, finishes what it holds, and exits 0."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class Cluster:
    """N replicas and the nginx in front of them."""

    def __init__(
        self,
        replicas=3,
        models=("linear256",),
        workers=1,
        batchkit=None,
        port=None,
        base_port=None,
        max_body_bytes=8 * 1024 * 1024,
        read_timeout_s=30,
        serve_args=(),
        folder=None,
    ):
        self.folder = folder or tempfile.mkdtemp(prefix="batchkit-cluster-")
        self.batchkit = batchkit or os.path.join(ROOT, ".build", "release", "batchkit")
        self.port = port or free_port()
        self.max_body_bytes = max_body_bytes
        self.read_timeout_s = read_timeout_s
        command = [self.batchkit, "serve", "--host", "127.0.0.1", "--workers", str(workers)]
        command += ["--max-body-bytes", str(max_body_bytes)]
        for model in models:
            command += ["--model", model]
        command += list(serve_args)
        self.replicas = [
            Replica(i, (base_port + i) if base_port else free_port(), command, self.folder) for i in range(replicas)
        ]
        self.nginx = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self):
        return os.path.join(self.folder, "access.log")

    def render_config(self):
        with open(TEMPLATE) as f:
            text = f.read()
        servers = "\n".join(f"        server {r.address} max_fails=1 fail_timeout=2s;" for r in self.replicas)
        fields = {
            # As root, nginx's workers would switch to an unprivileged user that cannot write here.
            "USER": "user root;" if os.geteuid() == 0 else "",
            "PREFIX": self.folder,
            "SERVERS": servers,
            "MAX_FAILS": "1",
            "FAIL_TIMEOUT": "2s",
            "LISTEN_PORT": str(self.port),
            "MAX_BODY": str(self.max_body_bytes),
            "TRIES": str(len(self.replicas)),
            "NEXT_TIMEOUT": f"{self.read_timeout_s}s",
            "READ_TIMEOUT": f"{self.read_timeout_s}s",
        }
        for key, value in fields.items():
            text = text.replace(f"@{key}@", value)
        unfilled = [line for line in text.splitlines() if re.search(r"@[A-Z_]+@", line) and not line.lstrip().startswith("#")]
        if unfilled:
            raise ValueError(f"cluster: unfilled template fields: {unfilled}")
        path = os.path.join(self.folder, "nginx.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self):
        for replica in self.replicas:
            replica.start()
        config = self.render_config()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-t", "-q", "-p", self.folder, "-c", config], check=True)
        with open(os.path.join(self.folder, "nginx.out"), "ab") as out:
            self.nginx = subprocess.Popen(
                [nginx, "-p", self.folder, "-c", config, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT
            )
        wait_until(lambda: http_status(self.url + "/v2/health/ready") == 200, 20, "nginx answering")
        return self

    def stop(self):
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        for replica in self.replicas:
            replica.stop()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, kind, error, trace):
        self.stop()
        if kind is None:
            shutil.rmtree(self.folder, ignore_errors=True)
        else:
            print(f"cluster: logs kept in {self.folder}", file=sys.stderr)

    def wait_in_rotation(self, replica, timeout=30):
        """Waits until nginx has sent `replica` a request it answered, after its last (re)start."""
        started = len(self.access_entries())
        wait_until(
            lambda: any(
                entry["upstreams"][-1] == replica.address and entry["upstream_statuses"][-1] == "200"
                for entry in self.access_entries()[started:]
            ),
            timeout,
            f"{replica.id} back in nginx's rotation",
        )

    def access_entries(self):
        """nginx's access log, one dict per request."""
        entries = []
        with open(self.access_log) as f:
            for line in f:
                fields = line.split('"')
                request_id, status, seconds = fields[0].split()[:3]
                entries.append(
                    {
                        "id": request_id,
                        "status": int(status),
                        "seconds": float(seconds),
                        "upstreams": [a.strip() for a in fields[1].split(",")],
                        "upstream_statuses": [s.strip() for s in fields[3].split(",")],
                        "uri": fields[4].split()[-1],
                    }
                )
        return entries


def main():
    parser = argparse.ArgumentParser(
        description="Run replicas of batchkit serve behind nginx on loopback.",
        epilog="Anything after -- is run with CLUSTER_URL (nginx), CLUSTER_REPLICAS (comma-separated) and "
        "CLUSTER_DIR set; the cluster stops when it exits.",
    )
    parser.add_argument("--replicas", type=int, default=2, help="how many batchkit serve processes (default 2)")
    parser.add_argument(
        "--model", action="append", help="passed to each replica's --model (repeatable; default linear256)"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker threads per replica (default 1)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's loopback port (default 8080)")
    parser.add_argument("--base-port", type=int, default=None, help="first replica port (default: free ports)")
    parser.add_argument("--max-body-bytes", type=int, default=8 * 1024 * 1024, help="body limit, both tiers")
    parser.add_argument("--batchkit", default=None, help="the batchkit binary (default .build/release/batchkit)")
    parser.add_argument("--serve-arg", action="append", default=[], help="one more argument for every replica")
    argv = sys.argv[1:]
    command = []
    if "--" in argv:
        command = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    args = parser.parse_args(argv)
    cluster = Cluster(
        replicas=args.replicas,
        models=args.model or ["linear256"],
        workers=args.workers,
        batchkit=args.batchkit,
        port=args.port,
        base_port=args.base_port,
        max_body_bytes=args.max_body_bytes,
        serve_args=args.serve_arg,
    )
    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    status = 0
    with cluster:
        for r in cluster.replicas:
            print(f"cluster: {r.id} on {r.url} (log {r.log_path})", file=sys.stderr)
        print(f"cluster: nginx on {cluster.url} (folder {cluster.folder})", file=sys.stderr)
        if command:
            env = dict(
                os.environ,
                CLUSTER_URL=cluster.url,
                CLUSTER_DIR=cluster.folder,
                CLUSTER_REPLICAS=",".join(r.url for r in cluster.replicas),
            )
            status = subprocess.call(command, env=env)
        else:
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("cluster: stopping", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
