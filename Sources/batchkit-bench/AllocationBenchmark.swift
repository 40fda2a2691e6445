import BatchKitCore
import BatchProcessing
import BenchStatistics
import DenseBatching
import DenseKernels

/// The `allocations` scenario: heap allocations per item in steady state on the dense path, counted
/// process-wide (callers, scheduler, workers, BLAS) by malloc-interposer over a fixed number of items.
struct AllocationBenchmark {
    let settings: BenchSettings
    let scheduler: SchedulerSettings
    let producers: Int

    /// `nil` when the interposer is not in effect.
    func run(name: String, model: DenseModel) async throws -> BenchReport.Allocations? {
        guard ProcessMallocCounter.isActive else {
            Console.progress("[allocations] \(name): skipped, malloc-interposer is not in effect")
            return nil
        }
        let configuration = scheduler.configuration
        let processor = try BatchProcessor<[Float], [Float]>(configuration: configuration, logger: BatchKitLog.logger)
        // One BLAS thread per worker: OpenBLAS's threaded GEMM allocates a job array per call.
        try processor.start(model: model, options: .init { $0.blasThreading = .perWorker })
        let items = BenchInputs.rows(count: 64, width: model.inputWidth)
        let count = settings.mallocItems
        let producers = producers

        // Warm up: pools fill, buffers reach their steady sizes, the task group's threads exist.
        await ClosedLoop.tasks(processor, items: items, producers: producers, count: count / 4)
        let asyncMallocs = await ProcessMallocCounter.mallocs {
            await ClosedLoop.tasks(processor, items: items, producers: producers, count: count)
        }
        let syncMallocs = await offPool {
            ClosedLoop.threads(processor, items: items, producers: producers, count: count / 4) { $0() }
            var counted = 0
            ClosedLoop.threads(processor, items: items, producers: producers, count: count, warmUp: 4) { body in
                counted = ProcessMallocCounter.mallocs(body)
            }
            return counted
        }
        await processor.stop()
        let result = BenchReport.Allocations(
            mallocsPerItem: Double(asyncMallocs) / Double(count),
            mallocsPerItemSync: Double(syncMallocs) / Double(count),
            items: count)
        Console.progress(
            "[allocations] \(name): \(Format.fixed(result.mallocsPerItem, 2)) mallocs/item via predict (tasks), "
                + "\(Format.fixed(result.mallocsPerItemSync, 2)) via enqueuePredict + result() (threads), "
                + "\(count) items each")
        return result
    }
}
