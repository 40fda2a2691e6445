import BatchKitCore
import BatchProcessing
import BenchStatistics
import DenseBatching
import DenseKernels

/// The `seed-workload` scenario: the seed's own test, run as the seed runs it — one thread enqueues
/// every item under the **default** configuration (not the benchmark's), then waits on each future —
/// next to the kernel's rate at the batch size it formed, on as many threads as workers, and next to the
/// same workload through the bare pipeline of its shape (``SeedFloor``).
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
        var runs: [Measured] = []
        var floors: [Measured] = []
        for index in 1...settings.repeats {
            let before = processor.stats().window
            let run = await offPool { SeedWorkload.run(processor, inputs: inputs, count: count) }
            let after = processor.stats().window
            let batches = after.totalBatches - before.totalBatches
            let meanBatch = batches == 0 ? 0 : Double(after.totalItems - before.totalItems) / Double(batches)
            let processorRun = await measured(
                run, meanBatch: meanBatch, model: model, workers: configuration.workers.count)
            let (workers, batchLimit, capacity) =
                (configuration.workers.count, configuration.batching.maxSize, configuration.queue.capacity)
            let floor = await offPool {
                SeedFloor.run(
                    model: model, inputs: inputs, count: count, workers: workers, batchLimit: batchLimit,
                    capacity: capacity)
            }
            let floorRun = await measured(floor.run, meanBatch: floor.meanBatch, model: model, workers: workers)
            runs.append(processorRun)
            floors.append(floorRun)
            Console.progress(
                "[seed-workload] \(name) run \(index)/\(settings.repeats): \(processorRun.summary); "
                    + "floor \(floorRun.summary)")
        }
        await processor.stop()
        let rates = Spread(runs.map(\.run.itemsPerSecond))
        let ratios = Spread(runs.map(\.ratio))
        let floorRates = Spread(floors.map(\.run.itemsPerSecond))
        let floorRatios = Spread(floors.map(\.ratio))
        let latency = Measured.latency(runs)
        let floorLatency = Measured.latency(floors)
        return BenchReport.SeedWorkload(
            items: count, itemsPerSecond: rates.median, itemsPerSecondMin: rates.min, itemsPerSecondMax: rates.max,
            failed: runs.reduce(0) { $0 + $1.run.failed }, meanBatch: Spread(runs.map(\.meanBatch)).median,
            kernelRowsPerSecond: Spread(runs.map(\.kernel)).median, ratioToKernel: ratios.median,
            ratioToKernelMin: ratios.min, ratioToKernelMax: ratios.max,
            p50Milliseconds: latency.milliseconds(atPercentile: 50),
            p99Milliseconds: latency.milliseconds(atPercentile: 99),
            floor: BenchReport.SeedWorkloadFloor(
                itemsPerSecond: floorRates.median, itemsPerSecondMin: floorRates.min,
                itemsPerSecondMax: floorRates.max, failed: floors.reduce(0) { $0 + $1.run.failed },
                meanBatch: Spread(floors.map(\.meanBatch)).median,
                kernelRowsPerSecond: Spread(floors.map(\.kernel)).median, ratioToKernel: floorRatios.median,
                ratioToKernelMin: floorRatios.min, ratioToKernelMax: floorRatios.max,
                p50Milliseconds: floorLatency.milliseconds(atPercentile: 50),
                p99Milliseconds: floorLatency.milliseconds(atPercentile: 99)))
    }

    /// One run of the workload, with the kernel measured at the batch it formed.
    private struct Measured {
        var run: SeedWorkload.Run
        var meanBatch: Double
        var batch: Int
        var kernel: Double

        var ratio: Double { run.itemsPerSecond / kernel }

        var summary: String {
            "\(Format.rate(run.itemsPerSecond)) items/s, mean batch \(Format.fixed(meanBatch, 1)), kernel "
                + "\(Format.rate(kernel)) rows/s at \(batch), ratio \(Format.fixed(ratio, 3)), p99 "
                + "\(Format.fixed(run.latency.milliseconds(atPercentile: 99), 2)) ms"
                + (run.failed > 0 ? ", \(run.failed) FAILED" : "")
        }

        static func latency(_ runs: [Measured]) -> LatencyHistogram {
            var latency = LatencyHistogram()
            for entry in runs { latency.merge(entry.run.latency) }
            return latency
        }
    }

    /// Measures the kernel at `meanBatch` on `workers` threads, right after the run it is paired with.
    private func measured(_ run: SeedWorkload.Run, meanBatch: Double, model: DenseModel, workers: Int) async
        -> Measured
    {
        let (batch, duration) = (max(1, Int(meanBatch.rounded())), settings.kernelDuration)
        let kernel = await offPool {
            ParallelKernel.rowsPerSecond(model: model, batch: batch, threads: workers, duration: duration)
        }
        return Measured(run: run, meanBatch: meanBatch, batch: batch, kernel: kernel)
    }

    /// The scenario's table: one row per model.
    static func table(_ results: [(String, BenchReport.SeedWorkload)]) -> [String] {
        var lines = [
            Format.left("  model", 12) + Format.right("items/s (min – max)", 26) + Format.right("batch", 8)
                + Format.right("kernel rows/s", 15) + Format.right("ratio (min – max)", 22) + Format.right("p50 ms", 9)
                + Format.right("p99 ms", 9) + Format.right("failed", 8)
        ]
        for (name, result) in results {
            lines.append(row("  " + name, result) + Format.right("\(result.failed)", 8))
            if let floor = result.floor { lines.append(row("   floor", floor) + Format.right("\(floor.failed)", 8)) }
        }
        return lines
    }

    /// One line of the table: the processor's figures or its bare pipeline's, which have the same names.
    private static func row(_ label: String, _ figures: some SeedWorkloadFigures) -> String {
        Format.left(label, 12)
            + Format.right(
                "\(Format.rate(figures.itemsPerSecond)) (\(Format.rate(figures.itemsPerSecondMin)) – "
                    + "\(Format.rate(figures.itemsPerSecondMax)))", 26)
            + Format.right(Format.fixed(figures.meanBatch, 1), 8)
            + Format.right(Format.rate(figures.kernelRowsPerSecond), 15)
            + Format.right(
                "\(Format.fixed(figures.ratioToKernel, 2)) (\(Format.fixed(figures.ratioToKernelMin, 2)) – "
                    + "\(Format.fixed(figures.ratioToKernelMax, 2)))", 22)
            + Format.right(Format.fixed(figures.p50Milliseconds, 2), 9)
            + Format.right(Format.fixed(figures.p99Milliseconds, 2), 9)
    }
}
