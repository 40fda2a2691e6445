import BatchProcessing
import Dispatch
import Foundation
import Locking
import Testing

/// Many producers, sync and async, against a small queue: every future resolves exactly once with its
/// own value or an allowed error, and the processor's counts add up to what the producers saw.
@Suite struct StressTests {
    struct Tally: Sendable {
        var succeeded = 0
        var failed: [String: Int] = [:]
        var rejected = 0
    }

    @Test func manyProducersExactlyOnce() async throws {
        let itemsPerProducer = 3000
        let processor = try BatchProcessor<Int, Int>(
            configuration: .init {
                $0.queue.capacity = 128
                $0.workers.count = 3
                $0.batching.initialSize = 16
                $0.batching.maxSize = 64
                $0.batching.timeout = .milliseconds(2)
                // Far beyond the run: a starved item waits rather than fail with `timedOut`, which the
                // checks below would take for a lost one.
                $0.batching.itemTimeout = .seconds(120)
                $0.queue.prioritized = true
                $0.health.enabled = false
            })
        try processor.start { batch in batch.map { $0 * 2 } }
        let tally = Locked(Tally())

        // Four blocking producers on plain threads.
        let threadsDone = DispatchGroup()
        for producer in 0..<4 {
            threadsDone.enter()
            // Threads of their own: blocked Dispatch workers starve Swift's cooperative pool on Linux, and
            // the async tests running beside this one then stall for seconds (seen under TSan on 2 cores).
            Thread.detachNewThread {
                var local = Tally()
                var futures: [(Int, BatchFuture<Int>)] = []
                for index in 0..<itemsPerProducer {
                    let value = producer * 1_000_000 + index
                    do {
                        let priority = BatchPriority.allCases[index % 5]
                        futures.append(
                            (value, try processor.enqueuePredict(value, timeout: .seconds(30), priority: priority)))
                    } catch {
                        local.rejected += 1
                    }
                    if futures.count >= 64 {
                        for (value, future) in futures { Self.check(future, value, &local) }
                        futures.removeAll(keepingCapacity: true)
                    }
                }
                for (value, future) in futures { Self.check(future, value, &local) }
                tally.withLock { Self.merge(local, into: &$0) }
                threadsDone.leave()
            }
        }

        // Four async producers, some of whose tasks are cancelled.
        try await withThrowingTaskGroup(of: Tally.self) { group in
            for producer in 4..<8 {
                group.addTask {
                    var local = Tally()
                    try await withThrowingTaskGroup(of: (Int, Result<Int, BatchProcessorError>).self) { inner in
                        for index in 0..<itemsPerProducer {
                            let value = producer * 1_000_000 + index
                            let request = Task {
                                do throws(BatchProcessorError) {
                                    return (
                                        value,
                                        Result<Int, BatchProcessorError>.success(
                                            try await processor.predict(value, timeout: .seconds(30)))
                                    )
                                } catch {
                                    return (value, .failure(error))
                                }
                            }
                            // Every 97th caller gives up: its item is withdrawn or its result discarded.
                            if index % 97 == 0 { request.cancel() }
                            inner.addTask { await request.value }
                            if index % 32 == 31 {
                                for _ in 0..<16 {
                                    if let (value, result) = try await inner.next() {
                                        Self.check(result, value, &local)
                                    }
                                }
                            }
                        }
                        for try await (value, result) in inner { Self.check(result, value, &local) }
                    }
                    return local
                }
            }
            group.addTask {
                // Pause and resume a few times while the producers run.
                for _ in 0..<5 {
                    try await Task.sleep(for: .milliseconds(5))
                    processor.pause()
                    try await Task.sleep(for: .milliseconds(2))
                    processor.resume()
                }
                return Tally()
            }
            for try await local in group { tally.withLock { Self.merge(local, into: &$0) } }
        }
        await withCheckedContinuation { continuation in
            threadsDone.notify(queue: .global()) { continuation.resume() }
        }
        await processor.stop()

        let final = tally.withLock { $0 }
        print("stress tally: succeeded \(final.succeeded), failed \(final.failed), rejected \(final.rejected)")
        let stats = processor.stats()
        let failedTotal = final.failed.values.reduce(0, +)
        #expect(final.succeeded + failedTotal + final.rejected == 8 * itemsPerProducer)
        #expect(stats.window.totalItems == final.succeeded)
        // Refusals count as errors too: a producer starved of CPU (a loaded CI machine) may wait out its
        // enqueue timeout.
        #expect(stats.window.totalErrors == failedTotal + final.rejected)
        #expect(Set(final.failed.keys).isSubset(of: ["cancelled", "queueFull"]))
        #expect(final.succeeded > 8 * itemsPerProducer / 2)
        #expect(stats.queueSize == 0 && stats.activeBatches == 0)
    }

    static func check(_ future: BatchFuture<Int>, _ value: Int, _ tally: inout Tally) {
        do throws(BatchProcessorError) {
            check(.success(try future.result()), value, &tally)
        } catch {
            check(.failure(error), value, &tally)
        }
    }

    static func check(_ result: Result<Int, BatchProcessorError>, _ value: Int, _ tally: inout Tally) {
        switch result {
        case .success(let doubled):
            #expect(doubled == value * 2)
            tally.succeeded += 1
        case .failure(let error):
            tally.failed[error.code.description, default: 0] += 1
        }
    }

    static func merge(_ local: Tally, into total: inout Tally) {
        total.succeeded += local.succeeded
        total.rejected += local.rejected
        for (key, count) in local.failed { total.failed[key, default: 0] += count }
    }
}
