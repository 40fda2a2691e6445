#!/usr/bin/env python3
"""Draw a `batchkit-bench --json` report: throughput vs batch size, latency vs offered load, and (with the
`adaptive` scenario) p99 vs load per batching setting.

Usage: python3 scripts/plot_bench.py bench.json bench.png

Installs matplotlib with pip when it is missing (the only dependency).
"""
import json
import subprocess
import sys


def load_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("plot_bench: installing matplotlib (pip)", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"])
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    return plt


def plot_adaptive(axis, name, entry):
    """p99 vs offered load for each setting of the `adaptive` scenario; cut-off points are hollow."""
    points = entry["adaptive"]
    settings = list(dict.fromkeys(p["setting"] for p in points))
    for setting in settings:
        mine = sorted((p for p in points if p["setting"] == setting), key=lambda p: p["load"])
        style = {"lw": 2.5, "color": "black"} if setting == "adaptive" else {"lw": 1, "alpha": 0.8}
        if setting == "greedy":
            style["ls"] = "--"
        line, = axis.plot([100 * p["load"] for p in mine], [p["p99_ms"] for p in mine], marker="o", ms=4,
                          label=setting, **style)
        cut = [p for p in mine if p.get("cut_off", 0) > 0]
        if cut:
            axis.plot([100 * p["load"] for p in cut], [p["p99_ms"] for p in cut], "o", ms=9, mfc="none",
                      color=line.get_color())
    step = entry.get("adaptive_step")
    if step:
        settle = step.get("settle_ms")
        axis.text(0.02, 0.97,
                  f"step {100 * step['load_before']:.0f}→{100 * step['load_after']:.0f} %: settle "
                  + (f"{settle:.0f} ms" if settle is not None else "not settled")
                  + f", p99 {step['p99_before_ms']:.2f} → {step['p99_after_ms']:.2f} ms",
                  transform=axis.transAxes, va="top", fontsize=8)
    axis.set_yscale("log")
    axis.set_xlabel("offered load (% of closed-loop capacity)")
    axis.set_ylabel("p99 latency from scheduled arrival (ms)")
    axis.set_title(f"{name}: p99 vs load per batching setting (hollow: cut off)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, loc="lower right")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        report = json.load(f)
    plt = load_matplotlib()

    machine = report.get("machine", {})
    config = report.get("configuration", {})
    models = report.get("models", {})
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]

    adaptive_models = [name for name, entry in sorted(models.items()) if entry.get("adaptive")]
    if adaptive_models:
        # A second row: p99 vs load per batching setting, one panel per model (the `adaptive` scenario).
        fig, axes = plt.subplots(2, max(2, len(adaptive_models)), figsize=(12, 12), dpi=90, squeeze=False)
        throughput, latency = axes[0][0], axes[0][1]
        for extra in axes[0][2:]:
            extra.axis("off")
        for extra in axes[1][len(adaptive_models):]:
            extra.axis("off")
        for axis, name in zip(axes[1], adaptive_models):
            plot_adaptive(axis, name, models[name])
    else:
        fig, (throughput, latency) = plt.subplots(1, 2, figsize=(12, 6.2), dpi=90)

    for index, (name, entry) in enumerate(sorted(models.items())):
        color = colors[index % len(colors)]
        kernel = entry.get("kernel")
        if kernel:
            throughput.plot(kernel["batch_sizes"], kernel["rows_per_s"], "-o", color=color, ms=4,
                            label=f"{name}: kernel, 1 thread")
            throughput.plot([1], [kernel["single_row_rows_per_s"]], "x", color=color, ms=8,
                            label=f"{name}: single-row sgemv")
        for key, marker, what in (("processor", "*", "processor (tasks)"), ("sync", "D", "sync (threads)")):
            result = entry.get(key)
            if not result:
                continue
            throughput.plot([result["mean_batch"]], [result["items_per_s"]], marker, color=color, ms=11 if marker == "*" else 6,
                            label=f"{name}: {what}")
            if key == "processor":
                throughput.plot([result["kernel_batch"]], [result["kernel_rows_per_s_at_mean_batch"]], "s",
                                mfc="none", color=color, ms=9,
                                label=f"{name}: kernel, {machine.get('workers', '?')} threads @ mean batch")
        points = entry.get("open_loop") or []
        if points:
            loads = [100 * p["load"] for p in points]
            latency.plot(loads, [p["p50_ms"] for p in points], "-o", color=color, ms=4, label=f"{name}: p50")
            latency.plot(loads, [p["p99_ms"] for p in points], "--s", color=color, ms=4, label=f"{name}: p99")
            latency.plot(loads, [p["p999_ms"] for p in points], ":^", color=color, ms=4, label=f"{name}: p99.9")
            latency.plot(loads, [p["p99_target_ms"] for p in points], "-", color=color, alpha=0.35, lw=6,
                         label=f"{name}: p99 target")

    throughput.set_xscale("log", base=2)
    throughput.set_yscale("log")
    throughput.set_xlabel("batch size (rows)")
    throughput.set_ylabel("rows or items per second")
    throughput.set_title("Throughput vs batch size")
    throughput.grid(True, which="both", alpha=0.3)
    if throughput.lines:
        throughput.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)

    latency.set_yscale("log")
    latency.set_xlabel("offered load (% of closed-loop capacity)")
    latency.set_ylabel("latency from scheduled arrival (ms)")
    latency.set_title("Latency vs load (open loop, Poisson arrivals)")
    latency.grid(True, which="both", alpha=0.3)
    if latency.lines:
        latency.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    else:
        latency.text(0.5, 0.5, "no open-loop results", ha="center", va="center", transform=latency.transAxes)

    fig.suptitle(
        f"batchkit-bench {report.get('date', '')[:10]} · OpenBLAS {machine.get('blas_core', '?')} · "
        f"{machine.get('cores', '?')} cores · {config.get('workers', '?')} workers, {config.get('strategy', '?')}, "
        f"max batch {config.get('max_batch_size', '?')}, timeout {config.get('batch_timeout_ms', '?')} ms, "
        f"{config.get('producers', '?')} producers",
        fontsize=9)
    fig.tight_layout()
    fig.savefig(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
