import BatchKitCore
import BatchProcessing
import BenchStatistics
import DenseBatching
import DenseKernels

/// The `processor` and `sync` scenarios: closed-loop throughput and latency of single-row items on a
/// dense model, next to the kernel's own rows per second at the batch size the scheduler formed.
struct ProcessorBenchmark {
    /// Who submits: child tasks awaiting `predict`, or plain threads blocking on futures.
    enum Callers: String {
        case tasks = "processor"
        case threads = "sync"
    }

    let settings: BenchSettings
    let scheduler: SchedulerSettings
    let producers: Int
    /// Rows in each item: `1`, or a block of rows a caller submits as one item.
    var rowsPerItem = 1

    /// Runs one scenario on `model`, printing a progress line per run.
    func run(name: String, model: DenseModel, callers: Callers) async throws -> BenchReport.ClosedLoop {
        let processor = try BatchProcessor<[Float], [Float]>(
            configuration: scheduler.configuration, logger: BatchKitLog.logger)
        try processor.start(model: model, options: scheduler.denseOptions)
        let items = BenchInputs.rows(count: 64, width: model.inputWidth * rowsPerItem)
        let rowsPerItem = rowsPerItem
        _ = await closedLoop(processor, items: items, callers: callers, duration: settings.warmup)

        var runs: [ClosedLoop.Run] = []
        var kernels: [ParallelKernel.Sample] = []
        var floors: [HandoffFloor.Run] = []
        var bares: [(run: DenseFloor.Run, ratio: Double, cpuOverhead: Double)] = []
        for index in 1...settings.repeats {
            var run = await closedLoop(processor, items: items, callers: callers, duration: settings.runDuration)
            // The statistics count items; each holds `rowsPerItem` rows of the batches formed.
            run.rows *= rowsPerItem
            let batch = max(1, Int(run.meanBatch.rounded()))
            let workers = scheduler.workers
            let duration = settings.kernelDuration
            let kernel = await offPool {
                ParallelKernel.measure(model: model, batch: batch, threads: workers, duration: duration)
            }
            let floor = await HandoffFloor.closedLoop(
                blocking: callers == .threads, producers: producers, workers: workers,
                batchLimit: scheduler.maxBatchSize, duration: settings.runDuration)
            let bare = await DenseFloor.closedLoop(
                model: model, inputs: items, blocking: callers == .threads, producers: producers, workers: workers,
                batchLimit: scheduler.maxBatchSize, duration: settings.runDuration)
            let bareBatch = max(1, Int(bare.meanBatch.rounded()))
            let bareKernel = await offPool {
                ParallelKernel.measure(model: model, batch: bareBatch, threads: workers, duration: duration)
            }
            let bareRatio = bareKernel.ratio(itemsPerSecond: bare.itemsPerSecond, rowsPerItem: rowsPerItem)
            let bareOverhead = bareKernel.cpuBeyondKernel(
                nanosecondsPerItem: bare.cpuNanosecondsPerItem, rowsPerItem: rowsPerItem)
            bares.append((bare, bareRatio, bareOverhead))
            runs.append(run)
            kernels.append(kernel)
            floors.append(floor)
            Console.progress(
                "[\(callers.rawValue)] \(name) run \(index)/\(settings.repeats): \(Format.rate(run.itemsPerSecond)) "
                    + "items/s, mean batch \(Format.fixed(run.meanBatch, 1)), kernel \(Format.rate(kernel.rowsPerSecond)) "
                    + "rows/s at \(batch) × \(workers) threads, ratio "
                    + "\(Format.fixed(kernel.ratio(itemsPerSecond: run.itemsPerSecond, rowsPerItem: rowsPerItem), 3)), CPU/item "
                    + "\(Format.fixed(run.cpuNanosecondsPerItem, 0)) ns (kernel \(Format.fixed(kernel.cpuNanosecondsPerRow, 0)) ns/row, "
                    + "bare hand-off \(Format.fixed(floor.cpuNanosecondsPerItem, 0)) ns/item), bare pipeline "
                    + "\(Format.rate(bare.itemsPerSecond)) items/s at batch \(Format.fixed(bare.meanBatch, 1)), ratio "
                    + "\(Format.fixed(bareRatio, 3)), sched. CPU \(Format.fixed(bareOverhead, 0)) ns/item"
                    + (bare.failed > 0 ? " (\(bare.failed) WRONG)" : "") + ", "
                    + "p50 \(Format.fixed(run.latency.milliseconds(atPercentile: 50), 3)) ms, "
                    + "p99 \(Format.fixed(run.latency.milliseconds(atPercentile: 99), 3)) ms"
                    + (run.errors > 0 ? ", \(run.errors) ERRORS" : ""))
        }
        await processor.stop()

        let rates = Spread(runs.map(\.itemsPerSecond))
        let kernel = Spread(kernels.map(\.rowsPerSecond))
        let rows = Double(rowsPerItem)
        let ratio = Spread(
            zip(runs, kernels).map { $1.ratio(itemsPerSecond: $0.itemsPerSecond, rowsPerItem: rowsPerItem) })
        var latency = LatencyHistogram()
        for run in runs { latency.merge(run.latency) }
        let meanBatch = Spread(runs.map(\.meanBatch)).median
        let bareRatios = Spread(bares.map(\.ratio))
        return BenchReport.ClosedLoop(
            itemsPerSecond: rates.median, itemsPerSecondMin: rates.min, itemsPerSecondMax: rates.max,
            meanBatch: meanBatch, kernelBatch: max(1, Int(meanBatch.rounded())),
            kernelRowsPerSecondAtMeanBatch: kernel.median, kernelRowsPerSecondMin: kernel.min,
            kernelRowsPerSecondMax: kernel.max,
            ratioToKernel: ratio.median, ratioToKernelMin: ratio.min, ratioToKernelMax: ratio.max,
            overheadNanosecondsPerItem: (1 / rates.median - rows / kernel.median) * 1e9,
            cpuNanosecondsPerItem: Spread(runs.map(\.cpuNanosecondsPerItem)).median,
            kernelCPUNanosecondsPerRow: Spread(kernels.map(\.cpuNanosecondsPerRow)).median,
            cpuOverheadNanosecondsPerItem: Spread(
                zip(runs, kernels).map {
                    $1.cpuBeyondKernel(nanosecondsPerItem: $0.cpuNanosecondsPerItem, rowsPerItem: rowsPerItem)
                }
            ).median,
            floorCPUNanosecondsPerItem: Spread(floors.map(\.cpuNanosecondsPerItem)).median,
            bare: BenchReport.ClosedLoop.Bare(
                itemsPerSecond: Spread(bares.map(\.run.itemsPerSecond)).median,
                meanBatch: Spread(bares.map(\.run.meanBatch)).median, ratioToKernel: bareRatios.median,
                ratioToKernelMin: bareRatios.min, ratioToKernelMax: bareRatios.max,
                cpuOverheadNanosecondsPerItem: Spread(bares.map(\.cpuOverhead)).median,
                failed: bares.reduce(0) { $0 + $1.run.failed }),
            p50Milliseconds: latency.milliseconds(atPercentile: 50),
            p99Milliseconds: latency.milliseconds(atPercentile: 99),
            p999Milliseconds: latency.milliseconds(atPercentile: 99.9),
            rowsPerItem: rowsPerItem,
            producers: producers, runs: settings.repeats, runSeconds: settings.runDuration.inSeconds,
            errors: runs.reduce(0) { $0 + $1.errors })
    }

    private func closedLoop(
        _ processor: BatchProcessor<[Float], [Float]>,
        items: [[Float]],
        callers: Callers,
        duration: Duration
    ) async -> ClosedLoop.Run {
        switch callers {
        case .tasks:
            return await ClosedLoop.tasks(processor, items: items, producers: producers, duration: duration)
        case .threads:
            let producers = producers
            return await offPool {
                ClosedLoop.threads(processor, items: items, producers: producers, duration: duration)
            }
        }
    }

    /// The scenario's table: one row per model.
    static func table(_ callers: Callers, _ results: [(String, BenchReport.ClosedLoop)]) -> [String] {
        var lines = [
            Format.left("  model", 12) + Format.right("items/s (min – max)", 26) + Format.right("batch", 8)
                + Format.right("kernel rows/s (min – max)", 28) + Format.right("ratio", 8)
                + Format.right("bare (sched.)", 15)
                + Format.right("ns/item", 10) + Format.right("CPU ns/item (sched.)", 22) + Format.right("floor", 8)
                + Format.right("p50 ms", 9)
                + Format.right("p99 ms", 9)
        ]
        for (name, result) in results {
            lines.append(
                Format.left("  " + name, 12)
                    + Format.right(
                        "\(Format.rate(result.itemsPerSecond)) (\(Format.rate(result.itemsPerSecondMin)) – "
                            + "\(Format.rate(result.itemsPerSecondMax)))", 26)
                    + Format.right(Format.fixed(result.meanBatch, 1), 8)
                    + Format.right(
                        "\(Format.rate(result.kernelRowsPerSecondAtMeanBatch)) (\(Format.rate(result.kernelRowsPerSecondMin)) – "
                            + "\(Format.rate(result.kernelRowsPerSecondMax)))", 28)
                    + Format.right(Format.fixed(result.ratioToKernel, 2), 8)
                    + Format.right(
                        result.bare.map {
                            "\(Format.fixed($0.ratioToKernel, 2))"
                                + ($0.cpuOverheadNanosecondsPerItem.map { " (\(Format.fixed($0, 0)))" } ?? "")
                        } ?? "—", 15)
                    + Format.right(Format.fixed(result.overheadNanosecondsPerItem, 0), 10)
                    + Format.right(
                        "\(Format.fixed(result.cpuNanosecondsPerItem, 0)) (\(Format.fixed(result.cpuOverheadNanosecondsPerItem, 0)))",
                        22)
                    + Format.right(result.floorCPUNanosecondsPerItem.map { Format.fixed($0, 0) } ?? "—", 8)
                    + Format.right(Format.fixed(result.p50Milliseconds, 3), 9)
                    + Format.right(Format.fixed(result.p99Milliseconds, 3), 9))
        }
        return lines
    }
}
