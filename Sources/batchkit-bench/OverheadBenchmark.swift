import BatchKitCore
import BatchProcessing
import BenchStatistics

/// The `overhead` scenario: `BatchProcessor<Int, Int>` with an identity function, so nothing but
/// submitting, batching, hand-off and resuming is timed.
struct OverheadBenchmark {
    let settings: BenchSettings
    let scheduler: SchedulerSettings
    let producers: Int

    func run(name: String) async throws -> BenchReport.Overhead {
        // The generic path has no BLAS, so nothing touches the process's BLAS threads.
        let processor = try BatchProcessor<Int, Int>(configuration: scheduler.configuration, logger: BatchKitLog.logger)
        try processor.start { $0 }
        let items = Array(0..<64)
        _ = await ClosedLoop.tasks(processor, items: items, producers: producers, duration: settings.warmup)
        var runs: [ClosedLoop.Run] = []
        for index in 1...settings.repeats {
            let run = await ClosedLoop.tasks(
                processor, items: items, producers: producers, duration: settings.runDuration)
            runs.append(run)
            Console.progress(
                "[overhead] \(name) run \(index)/\(settings.repeats): \(Format.rate(run.itemsPerSecond)) items/s "
                    + "(\(Format.fixed(1e9 / run.itemsPerSecond, 0)) ns/item, CPU \(Format.fixed(run.cpuNanosecondsPerItem, 0)) "
                    + "ns/item), mean batch "
                    + "\(Format.fixed(run.meanBatch, 1))" + (run.errors > 0 ? ", \(run.errors) ERRORS" : ""))
        }
        await processor.stop()
        let rates = Spread(runs.map(\.itemsPerSecond))
        var latency = LatencyHistogram()
        for run in runs { latency.merge(run.latency) }
        return BenchReport.Overhead(
            itemsPerSecond: rates.median, itemsPerSecondMin: rates.min, itemsPerSecondMax: rates.max,
            meanBatch: Spread(runs.map(\.meanBatch)).median,
            cpuNanosecondsPerItem: Spread(runs.map(\.cpuNanosecondsPerItem)).median,
            p50Milliseconds: latency.milliseconds(atPercentile: 50),
            p99Milliseconds: latency.milliseconds(atPercentile: 99), producers: producers)
    }
}
