#!/usr/bin/env python3
"""Turns serve-bench's points.jsonl and machine.json into results.json and report.md (printed too).

Usage: report.py OUT_DIR
"""
import json
import os
import sys


def rps(w):
    """Successful requests per second of a wrk point (non-2xx answers excluded)."""
    return (w["requests"] - w["errors"]["status"]) / (w["duration_us"] / 1e6)


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def main():
    out = sys.argv[1]
    points = [json.loads(l) for l in open(os.path.join(out, "points.jsonl")) if l.strip()]
    machine = json.load(open(os.path.join(out, "machine.json")))
    closed = [p for p in points if p["kind"] == "closed" and p["server"] != "mlserver-tune"]
    tune = [p for p in points if p["kind"] == "closed" and p["server"] == "mlserver-tune"]
    opened = [p for p in points if p["kind"] == "open"]
    configs = [p for p in points if p["kind"] == "config"]
    notes = [p for p in points if p["kind"] == "note"]

    rows_out = []
    for p in closed:
        w = p["wrk"]
        r = rps(w)
        rows_out.append({
            "server": p["server"], "body": p["variant"], "model": p["model"], "connections": p["connections"],
            "requests_per_s": r, "rows_per_s": r * p["rows"] if p["variant"] != "trivial" else None,
            "p50_ms": w["latency_us"]["p50"] / 1e3, "p99_ms": w["latency_us"]["p99"] / 1e3,
            "p999_ms": w["latency_us"]["p999"] / 1e3,
            "errors": {k: v for k, v in w["errors"].items() if v},
        })

    def find(server, body, model, conns):
        for r in rows_out:
            if (r["server"], r["body"], r["model"], r["connections"]) == (server, body, model, conns):
                return r
        return None

    L = []
    L.append("# batchkit serve vs MLServer: closed and open loop on loopback\n")
    warnings = []
    try:
        if float(machine.get("loadavg_at_start", ["0"])[0]) > 1.0:
            warnings.append(f"the load average was {machine['loadavg_at_start'][0]} at start on "
                            f"{machine.get('logical_cpus')} CPUs: other work shared the machine")
    except ValueError:
        pass
    if "/debug/" in (machine.get("batchkit") or ""):
        warnings.append("batchkit is a debug build")
    if warnings:
        L.append("**Not a measurement: " + "; ".join(warnings) + ".** A smoke test of the harness only.\n")
    L.append("## Machine\n")
    flags = ("AVX-512 (avx512f)" if machine.get("avx512f") else "AVX2, no AVX-512" if machine.get("avx2")
             else "neither AVX2 nor AVX-512")
    L.append(f"- CPU: {machine.get('cpu_model')}, {machine.get('logical_cpus')} logical CPUs, {flags}")
    L.append(f"- OpenBLAS core: batchkit {machine.get('openblas_core_batchkit', 'n/a (not run)')}, "
             f"system libopenblas {machine.get('openblas_core_system')}, "
             f"NumPy's (MLServer) {machine.get('openblas_core_numpy')}")
    L.append(f"- MLServer {machine.get('mlserver')}, NumPy {machine.get('numpy')}, Python {machine.get('python')}; "
             f"{(machine.get('wrk') or '').split(' Copyright')[0]}; batchkit: {machine.get('batchkit') or 'not run'}")
    L.append(f"- load average at start {' '.join(machine.get('loadavg_at_start', []))}, at end "
             f"{' '.join(machine.get('loadavg_at_end', []))} (2 cores: anything above ~0.5 at start means the "
             "machine was not quiet and the numbers are not a measurement)")
    for c in configs:
        if c["server"] == "mlserver":
            L.append(f"- MLServer on {c['model']}: adaptive batching max_batch_size {c['max_batch_size']}, "
                     f"max_batch_time {c['max_batch_time']} s, parallel_workers {c['parallel_workers']}, "
                     f"OPENBLAS_NUM_THREADS {c.get('blas_threads', 'unset')}, NumPy in a thread: {c['offload']}")
        elif "trivial_path" in c:
            L.append(f"- trivial route measured: `GET {c['trivial_path']}` on the same batchkit server")
    for n in notes:
        L.append(f"- MLServer answered a binary-extension body on {n['model']} with HTTP {n['binary_body_status']} "
                 f"(Content-Type application/octet-stream) / {n.get('binary_body_status_json_content_type', 'n/a')} "
                 "(application/json): it takes JSON bodies only, so it is measured with JSON")
    L.append("")

    models = []
    for r in rows_out + [{"model": p["model"]} for p in opened]:
        if r["model"] not in models:
            models.append(r["model"])
    ratios = {}
    for model in models:
        L.append(f"## {model}\n")
        L.append("Closed loop (wrk, one fixed body per request, "
                 f"{next((p['rows'] for p in closed if p['model'] == model), 1)} row(s) per request):\n")
        L.append("| server | body | connections | requests/s | rows/s | p50 ms | p99 ms | p99.9 ms | errors |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
        order = {"binary": 0, "json": 1, "trivial": 2}
        for r in sorted((r for r in rows_out if r["model"] == model),
                        key=lambda r: (r["server"] != "batchkit", order.get(r["body"], 9), r["connections"])):
            L.append(f"| {r['server']} | {r['body'] if r['body'] != 'trivial' else 'trivial route'} | "
                     f"{r['connections']} | {fmt(r['requests_per_s'])} | {fmt(r['rows_per_s'])} | "
                     f"{fmt(r['p50_ms'], 2)} | {fmt(r['p99_ms'], 2)} | {fmt(r['p999_ms'], 2)} | "
                     f"{r['errors'] or ''} |")
        L.append("")
        m64 = find("mlserver", "json", model, 64)
        lines = []
        for body in ("binary", "json"):
            b64 = find("batchkit", body, model, 64)
            if b64 and m64 and m64["requests_per_s"] > 0:
                ratio = b64["requests_per_s"] / m64["requests_per_s"]
                ratios[f"{model} batchkit {body} / mlserver json @64"] = ratio
                verdict = ("meets" if ratio >= 10 and b64["p99_ms"] < m64["p99_ms"] else "misses")
                lines.append(f"- batchkit ({body}) ÷ MLServer (JSON) at 64 connections: **{ratio:.1f}×** "
                             f"requests/s; p99 {b64['p99_ms']:.2f} ms vs {m64['p99_ms']:.2f} ms "
                             f"({verdict} the target ≥ 10× with a lower p99)")
        conns = sorted({r["connections"] for r in rows_out if r["model"] == model and r["body"] == "trivial"})
        for c in conns:
            b = find("batchkit", "binary", model, c)
            t = find("batchkit", "trivial", model, c)
            if b and t and t["requests_per_s"] > 0:
                ratio = b["requests_per_s"] / t["requests_per_s"]
                ratios[f"{model} batchkit binary / trivial @{c}"] = ratio
                lines.append(f"- batchkit inference (binary) ÷ trivial route at {c} connection{'s' if c != 1 else ''}: **{ratio:.2f}×** "
                             f"({fmt(b['requests_per_s'])} vs {fmt(t['requests_per_s'])} requests/s; target ≥ 0.5×)")
        if lines:
            L.extend(lines)
            L.append("")
        ol = [p for p in opened if p["model"] == model]
        if ol:
            L.append("Open loop (fixed rate, latency from the intended send time, "
                     f"{ol[0]['openloop']['connections']} keep-alive connections):\n")
            L.append("| server | body | target req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | "
                     "failed / incomplete | generator lag p99 ms | generator CPU |")
            L.append("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
            for p in sorted(ol, key=lambda p: (p["server"] != "batchkit", order.get(p["variant"], 9),
                                               p["openloop"]["target_rps"])):
                o = p["openloop"]
                lat = o["latency_ms"]
                bad = ""
                if o["failed_by_status"] or o["incomplete"]:
                    bad = f"{o['failed_by_status'] or ''} {o['incomplete'] or ''}".strip()
                L.append(f"| {p['server']} | {p['variant']} | {fmt(o['target_rps'])} | {fmt(o['achieved_rps'])} | "
                         f"{fmt(lat['p50'], 2)} | {fmt(lat['p99'], 2)} | {fmt(lat['p999'], 2)} | {fmt(lat['max'], 1)} | "
                         f"{bad} | {o['dispatch_lag_ms']['p99']:.2f} | {o.get('generator_cpu_share', 0):.0%} |")
            lagged = [p for p in ol if p["openloop"]["dispatch_lag_ms"]["p99"] > 2.0
                      or p["openloop"].get("generator_cpu_share", 0) > 0.7]
            if lagged:
                L.append("\nAt some rates the generator's send lag p99 was above 2 ms or it used more than 70 % of a "
                         "core: there the Python generator itself may be the bottleneck, so those latencies are an "
                         "upper bound for the server.")
            L.append("")
    if tune:
        L.append("## MLServer tuning sweep (64 connections, JSON)\n")
        L.append("| model | setting | requests/s | p50 ms | p99 ms |")
        L.append("|---|---|---:|---:|---:|")
        for p in tune:
            w = p["wrk"]
            L.append(f"| {p['model']} | {p['variant'].replace('json ', '')} | {fmt(rps(w))} | "
                     f"{w['latency_us']['p50'] / 1e3:.2f} | {w['latency_us']['p99'] / 1e3:.2f} |")
        L.append("")

    text = "\n".join(L)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"machine": machine, "not_a_measurement": warnings, "closed_loop": rows_out, "open_loop": [
            {"server": p["server"], "body": p["variant"], "model": p["model"], **p["openloop"]} for p in opened],
            "ratios": ratios, "configs": configs, "notes": notes,
            "tuning": [{"model": p["model"], "setting": p["variant"], "requests_per_s": rps(p["wrk"]),
                        "p99_ms": p["wrk"]["latency_us"]["p99"] / 1e3} for p in tune]}, f, indent=1)
    print(text)
    print(f"\n(written: {out}/report.md, {out}/results.json)")


if __name__ == "__main__":
    main()
