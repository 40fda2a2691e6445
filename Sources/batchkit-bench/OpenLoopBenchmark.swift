import BatchKitCore
import BatchProcessing
import BenchStatistics
import DenseBatching
import DenseKernels

/// The `open-loop` scenario: Poisson arrivals at fractions of the closed-loop capacity, and the latency
/// each level costs, next to the target `2 × (batch timeout + service time of the mean batch)`.
struct OpenLoopBenchmark {
    let settings: BenchSettings
    let scheduler: SchedulerSettings

    /// Runs every load level of `settings` against `capacity` items per second.
    func run(name: String, model: DenseModel, capacity: Double) async throws -> [BenchReport.OpenLoopPoint] {
        let processor = try BatchProcessor<[Float], [Float]>(
            configuration: scheduler.configuration, logger: BatchKitLog.logger)
        try processor.start(model: model, options: scheduler.denseOptions)
        let items = BenchInputs.rows(count: 64, width: model.inputWidth)
        let timeout = scheduler.batchTimeout.inSeconds * 1e3
        var points: [BenchReport.OpenLoopPoint] = []
        for load in settings.loads {
            let rate = capacity * load
            let (warmup, duration) = (settings.openLoopWarmup, settings.openLoopDuration)
            let run = await offPool {
                OpenLoop.run(processor, items: items, rate: rate, warmup: warmup, duration: duration)
            }
            let batch = max(1, Int(run.meanBatch.rounded()))
            let kernelDuration = settings.kernelDuration
            let oneWorker = await offPool {
                ParallelKernel.rowsPerSecond(model: model, batch: batch, threads: 1, duration: kernelDuration)
            }
            let service = run.meanBatch / oneWorker * 1e3
            let point = BenchReport.OpenLoopPoint(
                load: load, offeredPerSecond: run.offeredPerSecond, achievedPerSecond: run.achievedPerSecond,
                p50Milliseconds: run.latency.milliseconds(atPercentile: 50),
                p95Milliseconds: run.latency.milliseconds(atPercentile: 95),
                p99Milliseconds: run.latency.milliseconds(atPercentile: 99),
                p999Milliseconds: run.latency.milliseconds(atPercentile: 99.9),
                meanBatch: run.meanBatch, serviceMillisecondsAtMeanBatch: service,
                p99TargetMilliseconds: 2 * (timeout + service),
                submitLagP99Milliseconds: run.submitLag.milliseconds(atPercentile: 99),
                items: run.arrivals, errors: run.errors)
            points.append(point)
            Console.progress(
                "[open-loop] \(name) load \(Format.fixed(load * 100, 0)) %: offered \(Format.rate(point.offeredPerSecond))/s, "
                    + "achieved \(Format.rate(point.achievedPerSecond))/s, mean batch \(Format.fixed(point.meanBatch, 1)), "
                    + "p50 \(Format.fixed(point.p50Milliseconds, 3)) p99 \(Format.fixed(point.p99Milliseconds, 3)) "
                    + "p99.9 \(Format.fixed(point.p999Milliseconds, 3)) ms (target p99 ≤ "
                    + "\(Format.fixed(point.p99TargetMilliseconds, 3)) ms), submit lag p99 "
                    + "\(Format.fixed(point.submitLagP99Milliseconds * 1e3, 1)) µs"
                    + (point.errors > 0 ? ", \(point.errors) ERRORS" : ""))
        }
        await processor.stop()
        return points
    }

    /// The scenario's table: one row per model and load.
    static func table(_ results: [(String, [BenchReport.OpenLoopPoint])]) -> [String] {
        var lines = [
            Format.left("  model", 12) + Format.right("load", 6) + Format.right("offered/s", 11)
                + Format.right("achieved/s", 12) + Format.right("batch", 8) + Format.right("p50 ms", 9)
                + Format.right("p95 ms", 9) + Format.right("p99 ms", 9) + Format.right("p99.9 ms", 10)
                + Format.right("p99 target", 12) + Format.right("lag p99 µs", 12)
        ]
        for (name, points) in results {
            for point in points {
                lines.append(
                    Format.left("  " + name, 12) + Format.right("\(Format.fixed(point.load * 100, 0)) %", 6)
                        + Format.right(Format.rate(point.offeredPerSecond), 11)
                        + Format.right(Format.rate(point.achievedPerSecond), 12)
                        + Format.right(Format.fixed(point.meanBatch, 1), 8)
                        + Format.right(Format.fixed(point.p50Milliseconds, 3), 9)
                        + Format.right(Format.fixed(point.p95Milliseconds, 3), 9)
                        + Format.right(Format.fixed(point.p99Milliseconds, 3), 9)
                        + Format.right(Format.fixed(point.p999Milliseconds, 3), 10)
                        + Format.right(Format.fixed(point.p99TargetMilliseconds, 3), 12)
                        + Format.right(Format.fixed(point.submitLagP99Milliseconds * 1e3, 1), 12))
            }
        }
        return lines
    }
}
