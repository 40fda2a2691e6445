#!/usr/bin/env python3
"""Open-loop HTTP/1.1 load at a fixed request rate, latency measured from the intended send time.

Request i is due at start + i/rate whatever happened to earlier ones (no coordinated omission). It goes
out on an idle keep-alive connection of a fixed pool; when all are busy it waits in a FIFO and the wait
counts in its latency, as it would for a real client with that pool. Latency = completion - intended
time. `dispatch_lag` is how late the generator itself sent requests that found an idle connection: when
its p99 is more than a fraction of the latencies, this generator (one Python thread) is the bottleneck.

Prints one JSON object on stdout. Usage:
  openloop.py --url http://127.0.0.1:PORT/path --rate R --duration S [--body FILE --kind json|binary
              --header-len N] [--connections C] [--warmup S] [--drain-timeout S]
"""
import argparse
import asyncio
import json
import sys
import time
from collections import deque
from urllib.parse import urlsplit

import numpy as np

try:
    import uvloop
except ImportError:  # plain asyncio works, a little slower
    uvloop = None


class Conn(asyncio.Protocol):
    def __init__(self, gen):
        self.gen = gen
        self.transport = None
        self.buf = bytearray()
        self.current = None  # index of the request in flight
        self.ready = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        self.ready.set_result(None)

    def send(self, index):
        self.current = index
        self.transport.write(self.gen.request_bytes)

    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).split(b"\r\n")
            status = int(head[0].split(b" ", 2)[1])
            length = 0
            chunked = False
            for line in head[1:]:
                key, _, value = line.partition(b":")
                key = key.strip().lower()
                if key == b"content-length":
                    length = int(value.strip())
                elif key == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            body_start = end + 4
            if chunked:
                total = self._chunked_end(body_start)
                if total is None:
                    return
            else:
                total = body_start + length
                if len(self.buf) < total:
                    return
            del self.buf[:total]
            index, self.current = self.current, None
            self.gen.on_response(self, index, status)

    def _chunked_end(self, pos):
        while True:
            line_end = self.buf.find(b"\r\n", pos)
            if line_end < 0:
                return None
            size = int(bytes(self.buf[pos:line_end]).split(b";")[0], 16)
            pos = line_end + 2 + size + 2
            if len(self.buf) < pos:
                return None
            if size == 0:
                return pos

    def connection_lost(self, exc):
        self.gen.on_lost(self)


class Generator:
    def __init__(self, args):
        self.args = args
        url = urlsplit(args.url)
        self.host, self.port = url.hostname, url.port or 80
        path = url.path or "/"
        body = b""
        headers = [f"Host: {url.netloc}"]
        if args.body:
            with open(args.body, "rb") as f:
                body = f.read()
            if args.kind == "binary":
                headers += ["Content-Type: application/octet-stream",
                            f"Inference-Header-Content-Length: {args.header_len}"]
            else:
                headers += ["Content-Type: application/json"]
            headers += [f"Content-Length: {len(body)}"]
            method = "POST"
        else:
            method = "GET"
        self.request_bytes = (f"{method} {path} HTTP/1.1\r\n" + "\r\n".join(headers) + "\r\n\r\n").encode() + body
        self.n = max(1, int(round(args.rate * args.duration)))
        self.intended = np.zeros(self.n)
        self.done_at = np.full(self.n, np.nan)
        self.status = np.zeros(self.n, dtype=np.int32)
        self.lag = []
        self.idle = []
        self.waiting = deque()
        self.completed = 0
        self.lost = 0
        self.all_done = None

    async def open(self):
        loop = asyncio.get_running_loop()
        conns = []
        for _ in range(self.args.connections):
            _, conn = await loop.create_connection(lambda: Conn(self), self.host, self.port)
            await conn.ready
            conns.append(conn)
        self.idle = conns

    def on_response(self, conn, index, status):
        now = time.monotonic()
        self.done_at[index] = now
        self.status[index] = status
        self._finished_one()
        if self.waiting:
            conn.send(self.waiting.popleft())
        else:
            self.idle.append(conn)

    def on_lost(self, conn):
        if conn.current is not None:
            self.done_at[conn.current] = time.monotonic()
            self.status[conn.current] = -1  # connection closed with the request in flight
            conn.current = None
            self._finished_one()
        self.lost += 1
        if conn in self.idle:
            self.idle.remove(conn)
        if self.all_done is not None and not self.all_done.done():
            asyncio.get_running_loop().create_task(self._replace())

    async def _replace(self):
        try:
            loop = asyncio.get_running_loop()
            _, conn = await loop.create_connection(lambda: Conn(self), self.host, self.port)
            await conn.ready
        except OSError:
            return
        if self.waiting:
            conn.send(self.waiting.popleft())
        else:
            self.idle.append(conn)

    def _finished_one(self):
        self.completed += 1
        if self.completed == self.n and not self.all_done.done():
            self.all_done.set_result(None)

    async def run(self):
        loop = asyncio.get_running_loop()
        self.all_done = loop.create_future()
        await self.open()
        cpu0 = time.process_time()
        interval = 1.0 / self.args.rate
        start = time.monotonic() + 0.05
        self.intended = start + np.arange(self.n) * interval
        for i in range(self.n):
            due = self.intended[i]
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
                now = time.monotonic()
            if self.idle:
                self.lag.append(now - due)
                self.idle.pop().send(i)
            else:
                self.waiting.append(i)
        try:
            await asyncio.wait_for(asyncio.shield(self.all_done), self.args.drain_timeout)
        except asyncio.TimeoutError:
            pass
        end = time.monotonic()
        cpu = time.process_time() - cpu0
        for conn in list(self.idle):
            conn.transport.close()
        result = self.summary(start, end)
        # Share of one core this generator used: near 1.0 it was the bottleneck, not the server.
        result["generator_cpu_share"] = cpu / max(1e-9, end - start)
        return result

    def summary(self, start, end):
        a = self.args
        measured = self.intended >= start + a.warmup
        finished = ~np.isnan(self.done_at)
        ok = finished & (self.status >= 200) & (self.status < 300)
        incomplete = int((measured & ~finished).sum())
        # Unfinished requests count with the latency they had reached when we stopped: a lower bound.
        lat = np.where(finished, self.done_at, end) - self.intended
        sel = lat[measured & (ok | ~finished)]
        pct = (lambda q: float(np.percentile(sel, q) * 1e3)) if sel.size else (lambda q: None)
        # Achieved rate: successful answers over the span from the first measured intended send to the
        # last measured answer, so a server that falls behind shows a lower rate than the target.
        t0 = start + a.warmup
        last = np.nanmax(np.where(measured & ok, self.done_at, np.nan)) if (measured & ok).any() else t0
        window = max(last - t0, self.intended[-1] - t0 + 1.0 / a.rate)
        lag = np.array(self.lag) if self.lag else np.zeros(1)
        statuses = {}
        for s in self.status[measured & finished & ~ok]:
            statuses[str(int(s))] = statuses.get(str(int(s)), 0) + 1
        return {
            "target_rps": a.rate,
            "connections": a.connections,
            "duration_s": a.duration,
            "warmup_s": a.warmup,
            "sent": int(self.n),
            "measured": int(measured.sum()),
            "ok": int((measured & ok).sum()),
            "achieved_rps": float((measured & ok).sum() / window) if window > 0 else None,
            "incomplete": incomplete,
            "failed_by_status": statuses,
            "connections_lost": self.lost,
            "latency_ms": {"p50": pct(50), "p90": pct(90), "p99": pct(99), "p999": pct(99.9),
                           "max": float(sel.max() * 1e3) if sel.size else None},
            "dispatch_lag_ms": {"p50": float(np.percentile(lag, 50) * 1e3),
                                "p99": float(np.percentile(lag, 99) * 1e3),
                                "max": float(lag.max() * 1e3)},
        }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--rate", type=float, required=True, help="requests per second")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of sending")
    p.add_argument("--warmup", type=float, default=1.0, help="leading seconds left out of the stats")
    p.add_argument("--connections", type=int, default=64, help="keep-alive connection pool")
    p.add_argument("--body")
    p.add_argument("--kind", choices=["json", "binary"], default="json")
    p.add_argument("--header-len", type=int)
    p.add_argument("--drain-timeout", type=float, default=10.0,
                   help="seconds to wait for outstanding responses after the last send")
    a = p.parse_args()
    if a.kind == "binary" and a.body and a.header_len is None:
        p.error("--kind binary needs --header-len")
    if a.warmup >= a.duration:
        a.warmup = 0.0
    if uvloop is not None:
        uvloop.install()
    result = asyncio.run(Generator(a).run())
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
