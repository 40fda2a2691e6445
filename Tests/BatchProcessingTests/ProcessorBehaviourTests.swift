import BatchProcessing
import DenseBatching
import DenseKernels
import Foundation
import Locking
import Logging
import MetricsTestKit
import Testing

/// The processor end to end, on real threads. Waits are on results, never on sleeps, except where a
/// slow processing function is the point of the test.
@Suite struct ProcessorBehaviourTests {
    static func config(_ configure: (inout BatchProcessorConfiguration) -> Void) -> BatchProcessorConfiguration {
        var configuration = BatchProcessorConfiguration()
        configuration.health.enabled = false
        configure(&configuration)
        return configuration
    }

    /// Polls `condition` until it holds or `limit` passes, so a broken expectation fails instead of hanging.
    static func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }

    static func code(of body: () async throws -> Void) async -> BatchProcessorError.Code? {
        do {
            try await body()
            return nil
        } catch let error as BatchProcessorError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func futuresTellWhenTheyWereResolved() async throws {
        let gate = Locked(false)
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.initialSize = 1
                $0.workers.count = 1
            })
        try processor.start { batch in
            // Holds the first batch until the test has looked at the pending future.
            while !gate.withLock({ $0 }) { usleep(100) }
            return batch.map { $0 + 1 }
        }
        let submitted = ContinuousClock.now
        let first = try await processor.enqueuePredict(1)
        let second = try await processor.enqueuePredict(2)
        #expect(first.completedAt == nil)
        second.cancel()
        let cancelledAt = try #require(second.completedAt)
        gate.withLock { $0 = true }
        #expect(try await first.value == 2)
        let returned = ContinuousClock.now
        let resolved = try #require(first.completedAt)
        #expect(submitted <= resolved && resolved <= returned)
        #expect(submitted <= cancelledAt && cancelledAt <= returned)
        await processor.stop()
    }

    @Test func wrongWidthIsRejectedAtSubmitWithoutHarmingOthers() async throws {
        let processor = try BatchProcessor<[Float], [Float]>(configuration: Self.config { $0.batching.initialSize = 2 })
        try processor.start(model: .linear256())
        let good = try await processor.enqueuePredict([Float](repeating: 1, count: 256))
        #expect(await Self.code { _ = try await processor.enqueuePredict([1, 2, 3]) } == .invalidInput)
        #expect(await Self.code { _ = try await processor.enqueuePredict([]) } == .invalidInput)
        #expect(try await good.value.count == 256)
        await processor.stop()
    }

    @Test func nonFiniteInputsFollowThePolicy() async throws {
        var row = [Float](repeating: 1, count: 256)
        row[3] = .nan
        let rejecting = try BatchProcessor<[Float], [Float]>(
            configuration: Self.config { $0.batching.initialSize = 1 })
        try rejecting.start(model: .linear256(), options: .init { $0.nonFiniteInputs = .reject })
        #expect(await Self.code { _ = try await rejecting.predict(row) } == .invalidInput)
        #expect(try await rejecting.predict(.init(repeating: 1, count: 256)).allSatisfy { $0.isFinite })
        await rejecting.stop()

        let allowing = try BatchProcessor<[Float], [Float]>(configuration: Self.config { $0.batching.initialSize = 2 })
        try allowing.start(model: .linear256())
        // A NaN poisons only its own item's output, not its batch neighbours'.
        async let bad = allowing.predict(row)
        async let good = allowing.predict(.init(repeating: 1, count: 256))
        let (badOutput, goodOutput) = try await (bad, good)
        #expect(badOutput.contains { $0.isNaN })
        #expect(goodOutput.allSatisfy { $0.isFinite })
        await allowing.stop()
    }

    @Test func multiRowAndSplitItemsMatchTheModel() async throws {
        let model = DenseModel.randomModel(widths: [8, 16, 3], activations: [.relu, .softmax], seed: 3)
        let estimate = model.memoryEstimate
        // A budget that holds exactly 5 rows, so a 13-row item must be split into 5 + 5 + 3.
        let budgetMB = Int((Double(estimate.bytes(rows: 5)) / 1_048_576).rounded(.up))
        let cap = estimate.rowCap(budgetMB: Double(budgetMB))
        let processor = try BatchProcessor<[Float], [Float]>(
            configuration: Self.config {
                $0.memory.maxBatchMB = budgetMB
                $0.batching.maxSize = 512
                $0.batching.initialSize = 4
            })
        try processor.start(model: model)
        #expect(processor.stats().maxRowsPerBatch == min(cap, 512))
        var generator = SplitMix64(seed: 9)
        let big = (0..<((cap * 2 + 3) * 8)).map { _ in Float.random(in: -1...1, using: &generator) }
        let small = (0..<(2 * 8)).map { _ in Float.random(in: -1...1, using: &generator) }
        async let bigResult = processor.predict(big)
        async let smallResult = processor.predict(small)
        let (gotBig, gotSmall) = try await (bigResult, smallResult)
        let wantBig = model.predict(big)
        let wantSmall = model.predict(small)
        #expect(gotBig.count == wantBig.count)
        for (got, want) in zip(gotBig, wantBig) { #expect(abs(got - want) < 1e-5) }
        for (got, want) in zip(gotSmall, wantSmall) { #expect(abs(got - want) < 1e-5) }
        await processor.stop()
    }

    @Test func memoryBudgetSmallerThanTheModelIsRefused() throws {
        let processor = try BatchProcessor<[Float], [Float]>(configuration: Self.config { $0.memory.maxBatchMB = 1 })
        #expect(throws: BatchProcessorError.self) { try processor.start(model: .mlp1024()) }
    }

    @Test func itemTimeoutFiresWhileTheWorkerIsBusy() async throws {
        let (started, release) = (Locked(false), Locked(false))
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.initialSize = 1
                $0.workers.count = 1
                // Long enough that a loaded machine still starts the first batch before it fires.
                $0.batching.itemTimeout = .seconds(2)
                $0.workers.watchdogLimit = .seconds(60)
            })
        try processor.start { batch in
            started.withLock { $0 = true }
            // Hold the only worker until the test has seen both items time out.
            while !release.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.005) }
            return batch
        }
        let running = try await processor.enqueuePredict(1)
        // The second item is queued behind a batch known to be running, whatever the scheduling.
        #expect(await Self.eventually { started.withLock { $0 } })
        let queued = try await processor.enqueuePredict(2)
        #expect(await Self.code { _ = try await running.value } == .timedOut)
        #expect(await Self.code { _ = try await queued.value } == .timedOut)
        #expect(processor.stats().activeBatches == 1)
        release.withLock { $0 = true }
        await processor.stop(timeout: .seconds(2))
        // The late result of the running batch is discarded: each item counted once, as timed out.
        #expect(processor.stats().window.errorsByCode["timedOut"] == 2)
        #expect(processor.stats().window.totalItems == 0)
    }

    @Test func watchdogReplacesAStuckWorker() async throws {
        let release = Locked(false)
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.initialSize = 1
                $0.workers.count = 1
                // Every batch is held to it, the healthy ones on the replacement worker too: long
                // enough that a worker descheduled mid-batch on a loaded machine does not trip it.
                $0.workers.watchdogLimit = .seconds(1)
            })
        try processor.start { batch in
            if batch.contains(1) {
                while !release.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.005) }
            }
            return batch
        }
        #expect(await Self.code { _ = try await processor.predict(1) } == .timedOut)
        #expect(processor.stats().stuckBatches == 1)
        #expect(processor.stats().watchdogTrips == 1)
        // Serving goes on with the replacement worker while the stuck one still hangs.
        #expect(try await processor.predict(2) == 2)
        release.withLock { $0 = true }
        #expect(await Self.eventually { processor.stats().stuckBatches == 0 })
        #expect(try await processor.predict(3) == 3)
        await processor.stop()
        #expect(processor.stats().window.totalItems == 2)
    }

    @Test func resultCountMismatchFailsTheBatch() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.batching.initialSize = 1 })
        try processor.start { batch in batch + [0] }
        #expect(await Self.code { _ = try await processor.predict(1) } == .resultCountMismatch)
        await processor.stop()
    }

    /// A wrong result count is a programming error: the batch runs once (no isolation, no retry, so the
    /// function's side effects do not repeat), every item fails, and logs, stats and metrics say so.
    @Test func resultCountMismatchFailsEveryItemOnceAndIsReported() async throws {
        let calls = Locked(0)
        let capture = LogCapture()
        let label = "mismatch_test"
        let metrics = SharedTestMetrics.metrics
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.initialSize = 4
                $0.batching.strategy = .fixed
                $0.batching.timeout = .seconds(10)
                $0.monitoring.metricsLabel = label
            },
            logger: capture.logger)
        try processor.start { batch in
            calls.withLock { $0 += 1 }
            return Array(batch.dropLast())
        }
        var futures: [BatchFuture<Int>] = []
        for value in 0..<4 { futures.append(try await processor.enqueuePredict(value)) }
        for future in futures {
            #expect(await Self.code { _ = try await future.value } == .resultCountMismatch)
        }
        await processor.stop()
        #expect(calls.withLock { $0 } == 1)
        let stats = processor.stats()
        #expect(stats.resultCountMismatches == 1)
        #expect(stats.isolationRuns == 0 && stats.retriesScheduled == 0)
        #expect(stats.window.errorsByCode["resultCountMismatch"] == 4)
        let logged = capture.all.filter { $0.level == .error }
        #expect(logged.count == 1)
        #expect(logged.first?.metadata["expected"] == "4")
        #expect(logged.first?.metadata["got"] == "3")
        #expect(metrics.counterTotal(label: "\(label)_result_count_mismatches_total") == 1)
    }

    /// Set while not running, the batch size is the next start's starting target (that start only).
    @Test func updateBatchSizeWhileNotRunningAppliesAtTheNextStart() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.initialSize = 8
                $0.batching.strategy = .fixed
                $0.batching.timeout = .seconds(10)
            })
        processor.updateBatchSize(2)
        #expect(processor.stats().currentBatchSize == 8)
        try processor.start { $0 }
        #expect(processor.stats().currentBatchSize == 2)
        // Two items fill the batch at once instead of waiting 10 s for eight.
        let first = try await processor.enqueuePredict(1)
        #expect(try await processor.predict(2) == 2)
        #expect(try await first.value == 1)
        processor.updateBatchSize(3)
        #expect(processor.stats().currentBatchSize == 3)
        await processor.stop()
        processor.updateBatchSize(5)
        try processor.start { $0 }
        #expect(processor.stats().currentBatchSize == 5)
        await processor.stop()
        try processor.start { $0 }
        #expect(processor.stats().currentBatchSize == 8)
        await processor.stop()
    }

    @Test func zeroBatchTimeoutSendsALoneItemAtOnce() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.initialSize = 64
                $0.batching.strategy = .fixed
                $0.batching.timeout = .zero
            })
        try processor.start { $0 }
        #expect(try await processor.predict(7) == 7)
        #expect(processor.stats().window.batchesByReason[.timeout] == 1)
        await processor.stop()
    }

    /// The lifecycle is logged in the order it happens, across a restart and a stop that times out.
    @Test func lifecycleLogLinesComeInTheOrderThingsHappen() async throws {
        let capture = LogCapture()
        let release = Locked(false)
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config { $0.batching.initialSize = 1 }, logger: capture.logger)
        try processor.start { $0 }
        #expect(try await processor.predict(1) == 1)
        // Nothing queued: the stop completes within the call that begins it.
        await processor.stop()
        try processor.start { batch in
            while !release.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.005) }
            return batch
        }
        let hung = try await processor.enqueuePredict(2)
        #expect(await Self.eventually { processor.stats().activeBatches == 1 })
        await processor.stop(timeout: .milliseconds(20))
        release.withLock { $0 = true }
        #expect(await Self.code { _ = try await hung.value } == .shuttingDown)
        let lifecycle = capture.messages.filter { $0.hasPrefix("batch processor") || $0.hasPrefix("stop timed out") }
        #expect(
            lifecycle == [
                "batch processor started", "batch processor stopping", "batch processor stopped",
                "batch processor started", "batch processor stopping",
                "stop timed out; failing the items still queued or running with shuttingDown",
                "batch processor stopped",
            ])
    }

    @Test func statsGiveTheLargestBatchAndBatchSizePercentiles() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.initialSize = 4
                $0.batching.strategy = .fixed
                $0.batching.timeout = .seconds(10)
            })
        try processor.start { $0 }
        var futures: [BatchFuture<Int>] = []
        for value in 0..<12 { futures.append(try await processor.enqueuePredict(value)) }
        for future in futures { _ = try await future.value }
        // A lone item sent by the drain makes one smaller batch.
        let last = try await processor.enqueuePredict(12)
        await processor.stop()
        _ = try await last.value
        let stats = processor.stats()
        #expect(stats.largestBatchSize == 4)
        #expect(stats.p50BatchSize == 4)
        #expect(stats.p90BatchSize == 4)
        #expect(stats.window.avgBatchSize == 13.0 / 4)
        #expect(stats.dictionary["largest_batch_size"] == 4)
    }

    @Test func lifecycleErrorsAndRestart() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.batching.initialSize = 1 })
        #expect(await Self.code { _ = try await processor.predict(1) } == .notStarted)
        try processor.start { $0 }
        #expect(await Self.code { try processor.start { $0 } } == .alreadyStarted)
        #expect(try await processor.predict(1) == 1)
        await processor.stop()
        await processor.stop()
        #expect(await Self.code { _ = try await processor.predict(1) } == .shuttingDown)
        #expect(!processor.isRunning)
        try processor.start { batch in batch.map { $0 + 1 } }
        #expect(try await processor.predict(1) == 2)
        await processor.stop()
    }

    @Test func drainStopFinishesEverythingAccepted() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                // Fixed: adaptive would send the items to idle workers at once instead of waiting.
                $0.batching.strategy = .fixed
                $0.batching.initialSize = 64
                $0.batching.timeout = .seconds(10)
            })
        try processor.start { $0 }
        let futures = try (0..<10).map { try processor.enqueuePredict($0) }
        // The batch is far from full and its timeout far away: only the drain sends it.
        await processor.stop(timeout: .seconds(5), mode: .drain)
        for (index, future) in futures.enumerated() { #expect(try await future.value == index) }
        #expect(processor.stats().window.batchesByReason[.drain] == 1)
    }

    @Test func cancelStopFailsQueuedItems() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.strategy = .fixed
                $0.batching.timeout = .seconds(10)
            })
        try processor.start { $0 }
        let futures = try (0..<5).map { try processor.enqueuePredict($0) }
        await processor.stop(mode: .cancel)
        for future in futures { #expect(await Self.code { _ = try await future.value } == .shuttingDown) }
    }

    @Test func drainStopTimesOutOnAHungBatch() async throws {
        let release = Locked(false)
        let started = Locked(false)
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.batching.initialSize = 1 })
        try processor.start { batch in
            started.withLock { $0 = true }
            while !release.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.01) }
            return batch
        }
        let stuck = try await processor.enqueuePredict(1)
        #expect(await Self.eventually { started.withLock { $0 } })
        await processor.stop(timeout: .milliseconds(100))
        #expect(await Self.code { _ = try await stuck.value } == .shuttingDown)
        release.withLock { $0 = true }
    }

    @Test func cancellingTheAwaitingTaskWithdrawsTheItem() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.batching.initialSize = 1 })
        try processor.start { $0 }
        processor.pause()
        let task = Task { try await processor.predict(7) }
        #expect(await Self.eventually { processor.stats().queueSize == 1 })
        task.cancel()
        #expect(await Self.code { _ = try await task.value } == .cancelled)
        #expect(processor.stats().queueSize == 0)
        processor.resume()
        #expect(try await processor.predict(8) == 8)
        await processor.stop()
    }

    @Test func fullQueueFailsFastOrWaits() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.queue.capacity = 2
                $0.batching.initialSize = 1
            })
        try processor.start { $0 }
        processor.pause()
        let first = try await processor.enqueuePredict(1)
        let second = try await processor.enqueuePredict(2)
        #expect(await Self.code { _ = try await processor.enqueuePredict(3, timeout: .zero) } == .queueFull)
        #expect(await Self.code { _ = try await processor.enqueuePredict(3, timeout: .milliseconds(30)) } == .queueFull)
        // A waiting producer gets in once dispatch frees space.
        async let third = processor.enqueuePredict(3, timeout: .seconds(60))
        #expect(await Self.eventually { processor.stats().waitingProducers == 1 })
        processor.resume()
        #expect(try await third.value == 3)
        #expect(try await first.value == 1)
        #expect(try await second.value == 2)
        await processor.stop()
    }

    /// `predict` queues inline and waits for queue space on its own path: the same outcomes as
    /// `enqueuePredict` followed by `value`.
    @Test func predictWaitsForRoomFailsFastOrIsWithdrawn() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.queue.capacity = 1
                $0.batching.initialSize = 1
            })
        try processor.start { $0.map { $0 * 2 } }
        processor.pause()
        let first = try await processor.enqueuePredict(1)
        #expect(await Self.code { _ = try await processor.predict(2, timeout: .zero) } == .queueFull)
        // Cancelled while waiting for room: the item never enters the queue.
        let cancelled = Task { try await processor.predict(3) }
        #expect(await Self.eventually { processor.stats().waitingProducers == 1 })
        cancelled.cancel()
        #expect(await Self.code { _ = try await cancelled.value } == .cancelled)
        #expect(processor.stats().waitingProducers == 0)
        // Waiting for room, then computed once dispatch frees it.
        async let waiting = processor.predict(4)
        #expect(await Self.eventually { processor.stats().waitingProducers == 1 })
        processor.resume()
        #expect(try await waiting == 8)
        #expect(try await first.value == 2)
        await processor.stop()
        #expect(processor.stats().window.totalItems == 2)
    }

    /// `predict` runs on the caller's executor: from an actor it queues the item without leaving it.
    @Test func predictFromAnActorReturnsEachOutput() async throws {
        actor Caller {
            var outputs: [Int] = []
            func run(_ processor: BatchProcessor<Int, Int>, _ items: Range<Int>) async throws {
                for item in items {
                    outputs.append(try await processor.predict(item))
                }
            }
        }
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.batching.initialSize = 4 })
        try processor.start { $0.map { $0 + 1 } }
        let caller = Caller()
        try await caller.run(processor, 0..<50)
        #expect(await caller.outputs == Array(1...50))
        await processor.stop()
    }

    @Test func fireAndForgetItemsAreProcessedAndCounted() async throws {
        let seen = Locked(0)
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.batching.initialSize = 4 })
        try processor.start { batch in
            seen.withLock { $0 += batch.count }
            return batch
        }
        for value in 0..<10 { try await processor.enqueue(value) }
        await processor.stop()
        #expect(seen.withLock { $0 } == 10)
        #expect(processor.stats().window.totalItems == 10)
    }

    @Test func greedyTakesWhatIsQueuedWithoutWaiting() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: Self.config {
                $0.batching.strategy = .greedy
                $0.batching.timeout = .seconds(10)
            })
        try processor.start { $0 }
        #expect(try await processor.predict(5) == 5)
        #expect(processor.stats().window.batchesByReason[.greedy] == 1)
        await processor.stop()
    }

    @Test func streamsDeliverInOrderWithErrorsInPlace() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.batching.initialSize = 8 })
        struct Odd: Error {}
        try processor.start { batch in batch.map { $0 * 10 } }
        let source = AsyncStream<Int> { continuation in
            for value in 0..<100 { continuation.yield(value) }
            continuation.finish()
        }
        var values: [Int] = []
        for try await result in processor.results(for: source, maxInFlight: 16) { values.append(try result.get()) }
        #expect(values == (0..<100).map { $0 * 10 })
        await processor.stop()

        let dense = try BatchProcessor<[Float], [Float]>(configuration: Self.config { $0.batching.initialSize = 4 })
        try dense.start(model: .linear256())
        let rows = AsyncStream<[Float]> { continuation in
            for index in 0..<6 { continuation.yield(index == 2 ? [1] : .init(repeating: 1, count: 256)) }
            continuation.finish()
        }
        var outcomes: [Bool] = []
        for try await result in dense.results(for: rows) { outcomes.append((try? result.get()) != nil) }
        #expect(outcomes == [true, true, false, true, true, true])
        await dense.stop()
    }

    @Test func monitoringOffRecordsNothing() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: Self.config { $0.monitoring.statistics = false })
        try processor.start { $0 }
        #expect(try await processor.predict(1) == 1)
        #expect(processor.stats().window == BatchStatsSnapshot())
        await processor.stop()
    }
}
