import BatchKitCore
import BatchProcessing
import BenchStatistics
import DenseKernels

/// The `kernel` scenario: `DenseModel.forward` at several batch sizes and `forwardSingleRow`, called
/// directly from one thread, timed with `ContinuousClock`.
///
/// At each batch size the path not taken (OpenBLAS where the packed kernel runs, and the other way
/// round) is measured too, so the table shows whether the crossover chose the faster one.
///
/// Each measurement warms up (caches, page faults, OpenBLAS waking its threads), sizes a run so it
/// lasts at least ``Settings/minRunSeconds``, then times ``Settings/repeats`` such runs and keeps the
/// median and the range. Allocations are counted afterwards over ``Settings/mallocCalls`` calls.
struct KernelBenchmark {
    /// How long and how often to measure.
    struct Settings: Sendable {
        var batchSizes = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 256]
        var repeats: Int
        var minRunSeconds: Double
        var warmupSeconds: Double
        var mallocCalls = 100

        /// ≥ 0.2 s runs: long enough that timer resolution and one-off stalls stay below 1 %.
        static func standard(repeats: Int?) -> Settings {
            Settings(repeats: repeats ?? 7, minRunSeconds: 0.2, warmupSeconds: 0.3)
        }

        /// A fast pass for smoke tests; the numbers are noisier.
        static func quick(repeats: Int?) -> Settings {
            Settings(repeats: repeats ?? 5, minRunSeconds: 0.05, warmupSeconds: 0.05)
        }
    }

    /// Rows per second over the timed runs of one measurement.
    struct Sample {
        var median: Double
        var min: Double
        var max: Double
        var callsPerRun: Int
    }

    let settings: Settings
    private let clock = ContinuousClock()
    /// A sum of one output value per call, printed at the end so no forward pass can be optimised away.
    private(set) var checksum: Double = 0

    init(settings: Settings) {
        self.settings = settings
    }

    /// Measures `model` and returns its report entry, printing a progress line per measurement.
    mutating func run(name: String, model: DenseModel) -> BenchReport.Kernel {
        let maxRows = settings.batchSizes.max() ?? 1
        let input = Slab(rows: maxRows, columns: model.inputWidth)
        var generator = SplitMix64(seed: 7)
        for index in input.buffer.indices { input.buffer[index] = Float.random(in: -1...1, using: &generator) }
        let output = Slab(rows: maxRows, columns: model.outputWidth)
        let workspace = DenseWorkspace(model: model, maxRows: maxRows, smallBatchThreads: DenseModel.servingThreads)
        var last: Float = 0

        var medians: [Double] = []
        var minima: [Double] = []
        var maxima: [Double] = []
        var mallocsByBatch: [Double] = []
        var paths: [String] = []
        var others: [Double] = []
        for batch in settings.batchSizes {
            let inputView = input.view(rows: batch)
            let outputView = output.view(rows: batch)
            let packed = model.usesPackedKernel(rows: batch)
            let other =
                batch == 1 ? model.with(packedSingleRow: !packed) : model.with(smallBatchLimit: packed ? 1 : batch)
            let forward = {
                model.forward(inputView, into: outputView, workspace: workspace)
                last += output.buffer[0]
            }
            let otherForward = {
                other.forward(inputView, into: outputView, workspace: workspace)
                last += output.buffer[0]
            }
            let sample = measure(rowsPerCall: batch, forward)
            let mallocs = mallocsPerCall(forward)
            let otherSample = measure(rowsPerCall: batch, otherForward)
            medians.append(sample.median)
            minima.append(sample.min)
            maxima.append(sample.max)
            mallocsByBatch.append(mallocs)
            paths.append(packed ? "packed" : "OpenBLAS")
            others.append(otherSample.median)
            report(name: name, what: "batch \(batch) (\(paths.last!))", sample, mallocs: mallocs)
            Console.progress(
                "[kernel] \(name) batch \(batch) by \(packed ? "OpenBLAS" : "packed") instead: "
                    + "\(Format.rate(otherSample.median)) rows/s")
        }

        let row = UnsafeBufferPointer(start: input.buffer.baseAddress, count: model.inputWidth)
        let rowOutput = UnsafeMutableBufferPointer(start: output.buffer.baseAddress, count: model.outputWidth)
        let single = {
            model.forwardSingleRow(row, into: rowOutput, workspace: workspace)
            last += rowOutput[0]
        }
        let singleSample = measure(rowsPerCall: 1, single)
        let singleMallocs = mallocsPerCall(single)
        report(name: name, what: "single-row", singleSample, mallocs: singleMallocs)
        checksum += Double(last)

        let calls = Double(settings.batchSizes.count + 1)
        return BenchReport.Kernel(
            batchSizes: settings.batchSizes,
            rowsPerSecond: medians,
            rowsPerSecondMin: minima,
            rowsPerSecondMax: maxima,
            singleRowRowsPerSecond: singleSample.median,
            singleRowRowsPerSecondMin: singleSample.min,
            singleRowRowsPerSecondMax: singleSample.max,
            mallocsPerForward: (mallocsByBatch.reduce(0, +) + singleMallocs) / calls,
            mallocsPerForwardByBatch: mallocsByBatch,
            singleRowMallocsPerForward: singleMallocs,
            repeats: settings.repeats,
            minRunSeconds: settings.minRunSeconds,
            paths: paths,
            otherPathRowsPerSecond: others
        )
    }

    private func measure(rowsPerCall: Int, _ call: () -> Void) -> Sample {
        var warmCalls = 0
        let warmStart = clock.now
        repeat {
            call()
            warmCalls += 1
        } while (clock.now - warmStart).inSeconds < settings.warmupSeconds
        let perCall = (clock.now - warmStart).inSeconds / Double(warmCalls)
        let calls = max(1, Int((settings.minRunSeconds / perCall).rounded(.up)))
        var rates: [Double] = []
        for _ in 0..<settings.repeats {
            let start = clock.now
            for _ in 0..<calls { call() }
            rates.append(Double(calls * rowsPerCall) / (clock.now - start).inSeconds)
        }
        let spread = Spread(rates)
        return Sample(median: spread.median, min: spread.min, max: spread.max, callsPerRun: calls)
    }

    /// Process-wide mallocs per call in steady state, or −1 when the interposer is not in effect.
    private func mallocsPerCall(_ call: () -> Void) -> Double {
        guard ProcessMallocCounter.isActive else { return -1 }
        call()
        let count = ProcessMallocCounter.mallocs {
            for _ in 0..<settings.mallocCalls { call() }
        }
        return Double(count) / Double(settings.mallocCalls)
    }

    private func report(name: String, what: String, _ sample: Sample, mallocs: Double) {
        Console.progress(
            "[kernel] \(name) \(what): \(Format.rate(sample.median)) rows/s median of \(settings.repeats) "
                + "(\(Format.rate(sample.min)) – \(Format.rate(sample.max))), \(sample.callsPerRun) calls/run, "
                + "\(Format.fixed(mallocs, 2)) mallocs/call")
    }

    /// The human-readable table for one model's kernel results.
    static func table(name: String, model: DenseModel, _ kernel: BenchReport.Kernel) -> String {
        let megaflops = Double(model.flopsPerRow) / 1e6
        var lines = [
            "\(name): \(model.shapeDescription), \(Format.fixed(megaflops, 3)) MFLOP/row",
            Format.left("  batch", 12) + Format.right("rows/s", 12) + Format.right("min – max", 24)
                + Format.right("µs/call", 11) + Format.right("GFLOP/s", 10) + Format.right("mallocs", 9)
                + Format.right("path", 10) + Format.right("other path", 12) + Format.right("÷ other", 9),
        ]
        func line(_ label: String, rows: Int, median: Double, min: Double, max: Double, mallocs: Double) -> String {
            Format.left("  " + label, 12) + Format.right(Format.rate(median), 12)
                + Format.right("\(Format.rate(min)) – \(Format.rate(max))", 24)
                + Format.right(Format.fixed(Double(rows) / median * 1e6, 1), 11)
                + Format.right(Format.fixed(median * megaflops / 1e3, 1), 10)
                + Format.right(Format.fixed(mallocs, 2), 9)
        }
        var worst = Double.infinity
        for (index, batch) in kernel.batchSizes.enumerated() {
            var text = line(
                "\(batch)", rows: batch, median: kernel.rowsPerSecond[index], min: kernel.rowsPerSecondMin[index],
                max: kernel.rowsPerSecondMax[index], mallocs: kernel.mallocsPerForwardByBatch[index])
            if let paths = kernel.paths, let others = kernel.otherPathRowsPerSecond {
                let ratio = kernel.rowsPerSecond[index] / others[index]
                worst = Swift.min(worst, ratio)
                text +=
                    Format.right(paths[index], 10) + Format.right(Format.rate(others[index]), 12)
                    + Format.right(Format.fixed(ratio, 2), 9)
            }
            lines.append(text)
        }
        lines.append(
            line(
                "1 (sgemv)", rows: 1, median: kernel.singleRowRowsPerSecond, min: kernel.singleRowRowsPerSecondMin,
                max: kernel.singleRowRowsPerSecondMax, mallocs: kernel.singleRowMallocsPerForward))
        if worst.isFinite {
            lines.append(
                "  crossover check: the path taken runs at ≥ \(Format.fixed(worst, 2))× the other's rows/s at every "
                    + "batch size — "
                    + (worst >= 1 / 1.1 ? "ok (never > 10 % slower)" : "FAIL (> 10 % slower somewhere)"))
        }
        return lines.joined(separator: "\n")
    }
}
