import BatchProcessing
import Dispatch
import Foundation
import Locking
import Testing

/// The fault-injection stress test: 8 producers (4 blocking threads, 4 tasks), poison items, transient
/// batch failures, pause/resume, a stop and restart, and queue-full pressure. Every accepted item
/// resolves exactly once; only poison items fail; the queue stays within its bound; the statistics
/// match what the producers saw. `STRESS_ITEMS` sets the total (default 100 000; 1 000 000 by hand).
@Suite struct FaultStressTests {
    struct Transient: Error {}
    struct Poisoned: Error {}

    struct Tally: Sendable {
        var succeeded = 0
        var poisonFailed = 0
        var unexpected: [String] = []
        var refusals = 0
    }

    static var totalItems: Int {
        ProcessInfo.processInfo.environment["STRESS_ITEMS"].flatMap(Int.init) ?? 100_000
    }

    /// Every hundredth value is poison.
    static func isPoison(_ value: Int) -> Bool { value % 100 == 37 }

    @Test func faultsNeverLoseOrDuplicateAnItem() async throws {
        let perProducer = Self.totalItems / 8
        let configuration = BatchProcessorConfiguration {
            $0.queue.capacity = 256
            $0.workers.count = 3
            $0.batching.initialSize = 32
            $0.batching.maxSize = 64
            $0.batching.timeout = .milliseconds(1)
            $0.failures.retryDelay = .milliseconds(1)
            $0.failures.maxRetries = 3
            $0.queue.prioritized = true
            $0.health.enabled = false
            $0.batching.itemTimeout = .seconds(120)
        }
        let processor = try BatchProcessor<Int, Int>(configuration: configuration)
        let work: @Sendable ([Int]) throws -> [Int] = { batch in
            if batch.contains(where: Self.isPoison) {
                // Half the poison says retrying is useless; the other half is retried with backoff first.
                if batch.contains(where: { $0 % 200 == 37 }) { throw NonRetryable(Poisoned()) }
                throw Poisoned()
            }
            // Transient failures hit multi-item batches, so an isolated item always gets through.
            if batch.count > 1, Int.random(in: 0..<100) < 5 { throw Transient() }
            return batch.map { $0 &* 3 }
        }
        try processor.start(work)
        let tally = Locked(Tally())
        let maxQueueSeen = Locked(0)
        let done = Locked(false)

        /// Submits until accepted (refusals — queue full, stopping — are counted and retried).
        @Sendable func submitBlocking(_ value: Int) -> BatchFuture<Int> {
            while true {
                do throws(BatchProcessorError) {
                    return try processor.enqueuePredict(
                        value, timeout: .milliseconds(5), priority: BatchPriority.allCases[value % 5])
                } catch {
                    tally.withLock { $0.refusals += 1 }
                    if error.code != .queueFull { Thread.sleep(forTimeInterval: 0.001) }
                }
            }
        }

        @Sendable func record(_ value: Int, _ result: Result<Int, BatchProcessorError>) {
            tally.withLock { tally in
                switch result {
                case .success(let output) where output == value &* 3 && !Self.isPoison(value):
                    tally.succeeded += 1
                case .failure(let error) where Self.isPoison(value) && error.code == .processingFailed:
                    tally.poisonFailed += 1
                default:
                    tally.unexpected.append("\(value): \(result)")
                }
            }
        }

        let threads = DispatchGroup()
        for producer in 0..<4 {
            threads.enter()
            // Threads of their own: blocked Dispatch workers starve Swift's cooperative pool on Linux, and
            // the async tests running beside this one then stall for seconds (seen under TSan on 2 cores).
            Thread.detachNewThread {
                var pending: [(Int, BatchFuture<Int>)] = []
                for index in 0..<perProducer {
                    let value = producer * 10_000_000 + index
                    pending.append((value, submitBlocking(value)))
                    if pending.count == 128 {
                        for (value, future) in pending {
                            record(value, Result { () throws(BatchProcessorError) in try future.result() })
                        }
                        pending.removeAll(keepingCapacity: true)
                    }
                }
                for (value, future) in pending {
                    record(value, Result { () throws(BatchProcessorError) in try future.result() })
                }
                threads.leave()
            }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 4..<8 {
                group.addTask {
                    var pending: [(Int, BatchFuture<Int>)] = []
                    for index in 0..<perProducer {
                        let value = producer * 10_000_000 + index
                        while true {
                            do throws(BatchProcessorError) {
                                pending.append(
                                    (value, try await processor.enqueuePredict(value, timeout: .milliseconds(5))))
                                break
                            } catch {
                                tally.withLock { $0.refusals += 1 }
                                try await Task.sleep(for: .milliseconds(1))
                            }
                        }
                        if pending.count == 128 {
                            for (value, future) in pending {
                                record(
                                    value,
                                    await Result { () async throws(BatchProcessorError) in try await future.value })
                            }
                            pending.removeAll(keepingCapacity: true)
                        }
                    }
                    for (value, future) in pending {
                        record(value, await Result { () async throws(BatchProcessorError) in try await future.value })
                    }
                }
            }
            group.addTask {
                // Chaos: pause/resume at random, one drain-stop and restart, and a watch on the queue bound.
                var restarted = false
                var rounds = 0
                while !done.withLock({ $0 }) {
                    rounds += 1
                    let queue = processor.stats().queueSize
                    maxQueueSeen.withLock { $0 = max($0, queue) }
                    switch Int.random(in: 0..<10) {
                    case 0:
                        processor.pause()
                        try await Task.sleep(for: .milliseconds(Int.random(in: 1...5)))
                        processor.resume()
                    case 1 where !restarted && rounds > 20:
                        restarted = true
                        await processor.stop(timeout: .seconds(30), mode: .drain)
                        try processor.start(work)
                    default:
                        try await Task.sleep(for: .milliseconds(2))
                    }
                }
                #expect(restarted)
            }
            // Wait for the producers (all but the chaos task), then stop the chaos.
            var finishedProducers = 0
            while finishedProducers < 4 {
                try await group.next()
                finishedProducers += 1
            }
            await withCheckedContinuation { continuation in
                threads.notify(queue: .global()) { continuation.resume() }
            }
            done.withLock { $0 = true }
            try await group.waitForAll()
        }
        await processor.stop()

        let final = tally.withLock { $0 }
        let total = perProducer * 8
        let poison = (0..<8).reduce(0) { sum, producer in
            sum + (0..<perProducer).filter { Self.isPoison(producer * 10_000_000 + $0) }.count
        }
        let stats = processor.stats()
        print(
            "fault stress: \(total) items, succeeded \(final.succeeded), poison failed \(final.poisonFailed), "
                + "refusals \(final.refusals), isolation runs \(stats.isolationRuns), retries \(stats.retriesScheduled)"
        )
        #expect(final.unexpected.isEmpty, "\(final.unexpected.prefix(5))")
        #expect(final.succeeded + final.poisonFailed == total)
        #expect(final.poisonFailed == poison)
        #expect(maxQueueSeen.withLock { $0 } <= configuration.queue.capacity)
        #expect(stats.window.totalItems == final.succeeded)
        #expect(stats.window.totalErrors == final.poisonFailed + final.refusals)
        #expect(stats.isolationRuns > 0)
        #expect(stats.retriesScheduled > 0)
        #expect(stats.queueSize == 0 && stats.activeBatches == 0 && stats.pendingRetries == 0)
    }
}

extension Result where Failure == BatchProcessorError {
    init(_ body: () throws(BatchProcessorError) -> Success) {
        do { self = .success(try body()) } catch { self = .failure(error) }
    }

    init(_ body: () async throws(BatchProcessorError) -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
