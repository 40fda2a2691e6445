import BatchKitCore
import BatchProcessing
import BenchStatistics
import DenseBatching
import DenseKernels

/// The `seed-workload` scenario: the seed's own test, run as the seed runs it — one thread enqueues
/// every item under the **default** configuration (not the benchmark's), then waits on each future —
/// next to the kernel's rate at the batch size it formed, on as many threads as workers.
struct SeedWorkloadBenchmark {
    let settings: BenchSettings
    /// Items per run, as in the seed's test.
    static let items = 20_000

    func run(name: String, model: DenseModel) async throws -> BenchReport.SeedWorkload {
        let configuration = BatchProcessorConfiguration()
        let processor = try BatchProcessor<[Float], [Float]>(configuration: configuration, logger: BatchKitLog.logger)
        try processor.start(model: model, options: .init { $0.blasThreading = .perWorker })
        let inputs = BenchInputs.rows(count: 64, width: model.inputWidth)
        let count = Self.items
        _ = await offPool { SeedWorkload.run(processor, inputs: inputs, count: count / 4) }
        var runs: [(run: SeedWorkload.Run, meanBatch: Double, kernel: Double)] = []
        for index in 1...settings.repeats {
            let before = processor.stats().window
            let run = await offPool { SeedWorkload.run(processor, inputs: inputs, count: count) }
            let after = processor.stats().window
            let batches = after.totalBatches - before.totalBatches
            let meanBatch = batches == 0 ? 0 : Double(after.totalItems - before.totalItems) / Double(batches)
            let (batch, workers, duration) =
                (max(1, Int(meanBatch.rounded())), configuration.workers.count, settings.kernelDuration)
            let kernel = await offPool {
                ParallelKernel.rowsPerSecond(model: model, batch: batch, threads: workers, duration: duration)
            }
            runs.append((run, meanBatch, kernel))
            Console.progress(
                "[seed-workload] \(name) run \(index)/\(settings.repeats): \(Format.rate(run.itemsPerSecond)) items/s, "
                    + "mean batch \(Format.fixed(meanBatch, 1)), kernel \(Format.rate(kernel)) rows/s at \(batch) × "
                    + "\(workers) threads, ratio \(Format.fixed(run.itemsPerSecond / kernel, 3)), p99 "
                    + "\(Format.fixed(run.latency.milliseconds(atPercentile: 99), 2)) ms"
                    + (run.failed > 0 ? ", \(run.failed) FAILED" : ""))
        }
        await processor.stop()
        let rates = Spread(runs.map(\.run.itemsPerSecond))
        let ratios = Spread(runs.map { $0.run.itemsPerSecond / $0.kernel })
        var latency = LatencyHistogram()
        for entry in runs { latency.merge(entry.run.latency) }
        return BenchReport.SeedWorkload(
            items: count, itemsPerSecond: rates.median, itemsPerSecondMin: rates.min, itemsPerSecondMax: rates.max,
            failed: runs.reduce(0) { $0 + $1.run.failed }, meanBatch: Spread(runs.map(\.meanBatch)).median,
            kernelRowsPerSecond: Spread(runs.map(\.kernel)).median, ratioToKernel: ratios.median,
            ratioToKernelMin: ratios.min, ratioToKernelMax: ratios.max,
            p50Milliseconds: latency.milliseconds(atPercentile: 50),
            p99Milliseconds: latency.milliseconds(atPercentile: 99))
    }

    /// The scenario's table: one row per model.
    static func table(_ results: [(String, BenchReport.SeedWorkload)]) -> [String] {
        var lines = [
            Format.left("  model", 12) + Format.right("items/s (min – max)", 26) + Format.right("batch", 8)
                + Format.right("kernel rows/s", 15) + Format.right("ratio (min – max)", 22) + Format.right("p50 ms", 9)
                + Format.right("p99 ms", 9) + Format.right("failed", 8)
        ]
        for (name, result) in results {
            lines.append(
                Format.left("  " + name, 12)
                    + Format.right(
                        "\(Format.rate(result.itemsPerSecond)) (\(Format.rate(result.itemsPerSecondMin)) – "
                            + "\(Format.rate(result.itemsPerSecondMax)))", 26)
                    + Format.right(Format.fixed(result.meanBatch, 1), 8)
                    + Format.right(Format.rate(result.kernelRowsPerSecond), 15)
                    + Format.right(
                        "\(Format.fixed(result.ratioToKernel, 2)) (\(Format.fixed(result.ratioToKernelMin, 2)) – "
                            + "\(Format.fixed(result.ratioToKernelMax, 2)))", 22)
                    + Format.right(Format.fixed(result.p50Milliseconds, 2), 9)
                    + Format.right(Format.fixed(result.p99Milliseconds, 2), 9)
                    + Format.right("\(result.failed)", 8))
        }
        return lines
    }
}
