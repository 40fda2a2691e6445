import ArgumentParser
import BatchKitCore
import BatchProcessing
import DenseBatching
import DenseKernels
import Dispatch

/// `batchkit-bench workload`: exactly `--items` items through a processor and nothing else, for counting
/// instructions under `valgrind --tool=callgrind` (`scripts/instructions.sh`).
///
/// Wall-clock figures on a shared two-core guest move twofold between runs; instruction counts do not.
/// The script runs this twice, with `N` and `2N` items, and divides the difference by `N`, so start-up,
/// warm-up and shutdown cancel out and what remains is the steady-state cost of one item. The warm-up is
/// therefore the same size in both runs (``warmUpItems``, or `N` if smaller).
struct WorkloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Run a fixed number of items through a processor (for instruction counts).",
        discussion: """
            --model identity runs BatchProcessor<Int, Int> with { $0 }; a built-in model name runs the dense \
            path. --callers tasks: --producers async tasks awaiting predict in a loop; threads: --producers \
            threads blocking on enqueuePredict(...).result(); seed: the seed's own test, one thread enqueuing \
            every item and then waiting on each future, under the default configuration; bulk: the same through \
            enqueuePredict(contentsOf:), 64 items a call. --model floor runs the bare pipeline of the callers' \
            shape instead of a processor: the hand-off alone for tasks and threads, linear256 behind futures \
            for seed. tasks and threads \
            use the benchmark's configuration (greedy, up to 256 rows, 2 ms timeout). Prints one line: the \
            items completed and failed.
            """
    )

    /// Who submits the items.
    enum Callers: String, ExpressibleByArgument, CaseIterable {
        case tasks, threads, seed, bulk
    }

    @Option(help: "identity, or a built-in model (\(DenseModel.builtInNames.joined(separator: ", "))).")
    var model = "linear256"

    @Option(help: "Who submits: \(Callers.allCases.map(\.rawValue).joined(separator: ", ")).")
    var callers = Callers.tasks

    @Option(help: "Items to run after a warm-up of 2500 (or as many, if fewer).")
    var items = 20_000

    @Option(help: "Concurrent callers for tasks and threads.")
    var producers = 64

    func validate() throws {
        guard model == "identity" || model == "floor" || DenseModel.builtIn(named: model) != nil else {
            throw ValidationError("--model: unknown model '\(model)'; use identity, floor or a built-in model")
        }
        guard model != "floor" || callers != .bulk else {
            throw ValidationError("--model floor: use --callers tasks, threads or seed")
        }
        guard (1...100_000_000).contains(items) else { throw ValidationError("--items: give 1…100000000") }
        guard (1...4096).contains(producers) else { throw ValidationError("--producers: give 1…4096") }
    }

    func run() async throws {
        var configuration =
            callers == .seed || callers == .bulk
            ? BatchProcessorConfiguration() : BenchCommand.benchDefaults.configuration
        // Under callgrind the run is ~50 times slower than native: no item may time out meanwhile.
        configuration.batching.itemTimeout = .seconds(3600)
        configuration.workers.watchdogLimit = .seconds(3600)
        // Health checks run per interval of wall time, which callgrind stretches ~50 times: counted,
        // they would charge items for the slowness of the instrument.
        configuration.health.enabled = false
        let failed: Int
        let cpuBefore = ProcessCPU.seconds()
        if model == "floor" && callers == .seed {
            failed = await driveSeedFloor(configuration)
        } else if model == "floor" {
            failed = await driveFloor(configuration)
        } else if model == "identity" {
            let processor = try BatchProcessor<Int, Int>(configuration: configuration)
            try processor.start { $0 }
            failed = await drive(processor, inputs: Array(0..<64))
            await processor.stop()
        } else {
            // The small-batch kernel for every batch, not a calibrated crossover: under callgrind the
            // calibration's timings are distorted, and a path that flips between the N and 2N runs
            // would swamp the scheduler's cost in the difference.
            let dense = DenseModel.builtIn(named: model)!.with(smallBatchLimit: 256)
            BLAS.setThreadCount(1)
            let processor = try BatchProcessor<[Float], [Float]>(configuration: configuration)
            try processor.start(model: dense, options: .init { $0.blasThreading = .perWorker })
            failed = await drive(processor, inputs: BenchInputs.rows(count: 64, width: dense.inputWidth))
            await processor.stop()
        }
        // Start-up and warm-up included: the figure is for comparing runs of equal size side by side.
        let cpuNanoseconds = (ProcessCPU.seconds() - cpuBefore) * 1e9 / Double(itemsWithWarmUp)
        print(
            "workload \(model) \(callers.rawValue): \(items) items, \(failed) failed, "
                + "\(Format.fixed(cpuNanoseconds, 0)) ns CPU per item"
        )
        if failed > 0 { throw ExitCode.failure }
    }

    /// Items run before the counted ones: a fixed number rather than a share of `--items`, so that
    /// runs of `N` and `2N` items differ by exactly `N` (a warm-up in proportion to `--items` would make
    /// them differ by more, and every count divided by `N` too high).
    static let warmUpItems = 2_500

    /// This run's warm-up.
    private var warmUp: Int { min(items, Self.warmUpItems) }

    /// Every item a run submits: the warm-up, then `--items`.
    private var itemsWithWarmUp: Int { items + warmUp }

    /// The bare hand-off (``HandoffFloor``) with the processor's callers, workers and batch limit.
    private func driveFloor(_ configuration: BatchProcessorConfiguration) async -> Int {
        let floor = HandoffFloor(
            workers: configuration.workers.count, batchLimit: configuration.batching.maxSize)
        let (count, producers) = (itemsWithWarmUp, producers)
        switch callers {
        case .tasks:
            await withTaskGroup(of: Void.self) { group in
                for producer in 0..<producers {
                    let share = ClosedLoop.share(of: count, producer: producer, producers: producers)
                    group.addTask { for _ in 0..<share { await floor.submit() } }
                }
            }
        case .threads, .seed, .bulk:
            await offPool {
                let threads = (0..<producers).map { producer in
                    let share = ClosedLoop.share(of: count, producer: producer, producers: producers)
                    return WorkerThread(name: "floor-producer") {
                        let semaphore = DispatchSemaphore(value: 0)
                        for _ in 0..<share { floor.submitBlocking(semaphore) }
                    }
                }
                for thread in threads { thread.join() }
            }
        }
        await offPool { floor.close() }
        return 0
    }

    /// The seed workload's bare pipeline (``SeedFloor``) on linear256, with the default configuration's
    /// workers, batch limit and queue capacity.
    private func driveSeedFloor(_ configuration: BatchProcessorConfiguration) async -> Int {
        let dense = DenseModel.builtIn(named: "linear256")!.with(smallBatchLimit: 256)
        BLAS.setThreadCount(1)
        let floor = SeedFloor(
            model: dense, workers: configuration.workers.count, batchLimit: configuration.batching.maxSize,
            capacity: configuration.queue.capacity)
        let inputs = BenchInputs.rows(count: 64, width: dense.inputWidth)
        let (count, warmUp) = (items, warmUp)
        let failed = await offPool {
            floor.drive(inputs: inputs, count: warmUp).failed + floor.drive(inputs: inputs, count: count).failed
        }
        await offPool { floor.close() }
        return failed
    }

    /// Warms up, then runs exactly `items` items; returns how many failed.
    private func drive<Item: Sendable, Output: Sendable>(
        _ processor: BatchProcessor<Item, Output>,
        inputs: [Item]
    ) async -> Int {
        let (count, warmUp, producers, callers) = (items, warmUp, producers, callers)
        switch callers {
        case .tasks:
            await ClosedLoop.tasks(processor, items: inputs, producers: producers, count: warmUp)
            await ClosedLoop.tasks(processor, items: inputs, producers: producers, count: count)
        case .threads:
            await offPool {
                ClosedLoop.threads(processor, items: inputs, producers: producers, count: warmUp) { $0() }
                ClosedLoop.threads(processor, items: inputs, producers: producers, count: count) { $0() }
            }
        case .seed, .bulk:
            let chunk = callers == .bulk ? 64 : 1
            await offPool {
                _ = SeedWorkload.run(processor, inputs: inputs, count: warmUp, chunk: chunk)
                _ = SeedWorkload.run(processor, inputs: inputs, count: count, chunk: chunk)
            }
        }
        return processor.stats().window.totalErrors
    }
}
