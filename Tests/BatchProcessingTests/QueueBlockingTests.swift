import BatchProcessing
import Foundation
import Locking
import Testing

/// `maxQueueSize` blocks as the seed's `max_queue_size` does: no timeout waits for room, a positive
/// one waits up to it, `.zero` fails at once. Waits end on events, never on sleeps; every wait is bounded.
@Suite struct QueueBlockingTests {
    static func paused(maxQueueSize: Int) throws -> BatchProcessor<Int, Int> {
        let processor = try BatchProcessor<Int, Int>(
            configuration: ProcessorBehaviourTests.config {
                $0.queue.capacity = maxQueueSize
                $0.batching.initialSize = 1
            })
        try processor.start { $0 }
        processor.pause()
        return processor
    }

    /// Runs `body` on a thread of its own (a blocking call must not hold a cooperative thread) and
    /// returns a task that ends with its result.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> Task<T, Never> {
        Task {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread { continuation.resume(returning: body()) }
            }
        }
    }

    @Test func zeroTimeoutFailsAtOnceAndSaysItDidNotWait() async throws {
        let processor = try Self.paused(maxQueueSize: 1)
        _ = try await processor.enqueuePredict(1)
        do {
            _ = try await processor.enqueuePredict(2, timeout: .zero)
            Issue.record("a full queue accepted an item with a zero timeout")
        } catch {
            #expect(error.code == .queueFull)
            #expect(error.waited == .zero)
        }
        #expect(processor.stats().waitingProducers == 0)
        await processor.stop()
    }

    @Test func positiveTimeoutReportsHowLongTheCallerWaited() async throws {
        let processor = try Self.paused(maxQueueSize: 1)
        _ = try await processor.enqueuePredict(1)
        do {
            _ = try await processor.enqueuePredict(2, timeout: .milliseconds(20))
            Issue.record("a paused full queue admitted an item")
        } catch {
            #expect(error.code == .queueFull)
            #expect(error.waited.map { $0 >= .milliseconds(20) } == true)
        }
        await processor.stop()
    }

    @Test func noTimeoutSuspendsUntilThereIsRoom() async throws {
        let processor = try Self.paused(maxQueueSize: 1)
        let first = try await processor.enqueuePredict(1)
        async let second = processor.enqueuePredict(2)
        #expect(await ProcessorBehaviourTests.eventually { processor.stats().waitingProducers == 1 })
        processor.resume()
        #expect(try await second.value == 2)
        #expect(try await first.value == 1)
        await processor.stop()
    }

    @Test func noTimeoutBlocksTheThreadUntilThereIsRoom() async throws {
        let processor = try Self.paused(maxQueueSize: 1)
        _ = try await processor.enqueuePredict(1)
        let blocked = Self.onThread { () -> Result<Int, BatchProcessorError> in
            Result { () throws(BatchProcessorError) in
                try processor.enqueuePredict(2).result(timeout: .seconds(30)) ?? -1
            }
        }
        #expect(await ProcessorBehaviourTests.eventually { processor.stats().waitingProducers == 1 })
        processor.resume()
        #expect(try await blocked.value.get() == 2)
        await processor.stop()
    }

    @Test func cancellingAWaitingProducerWithdrawsItsItem() async throws {
        let seen = Locked<[Int]>([])
        let processor = try BatchProcessor<Int, Int>(
            configuration: ProcessorBehaviourTests.config {
                $0.queue.capacity = 1
                $0.batching.initialSize = 1
            })
        try processor.start { batch in
            seen.withLock { $0 += batch }
            return batch
        }
        processor.pause()
        let first = try await processor.enqueuePredict(1)
        let waiting = Task { try await processor.predict(2) }
        #expect(await ProcessorBehaviourTests.eventually { processor.stats().waitingProducers == 1 })
        waiting.cancel()
        #expect(await ProcessorBehaviourTests.code { _ = try await waiting.value } == .cancelled)
        #expect(processor.stats().waitingProducers == 0)
        processor.resume()
        #expect(try await first.value == 1)
        await processor.stop()
        #expect(seen.withLock { $0 } == [1])
    }

    @Test func stopEndsEveryWaitWithShuttingDown() async throws {
        let processor = try Self.paused(maxQueueSize: 1)
        let first = try await processor.enqueuePredict(1)
        let suspended = Task { try await processor.enqueuePredict(2) }
        let blocked = Self.onThread { () -> BatchProcessorError.Code? in
            do throws(BatchProcessorError) {
                _ = try processor.enqueuePredict(3)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(await ProcessorBehaviourTests.eventually { processor.stats().waitingProducers == 2 })
        await processor.stop()
        #expect(await ProcessorBehaviourTests.code { _ = try await suspended.value } == .shuttingDown)
        #expect(await blocked.value == .shuttingDown)
        // The queued item is drained, as a drain stop promises.
        #expect(try await first.value == 1)
    }

    /// The seed's workload: one producer, 20 000 items, the default configuration, no enqueue timeout.
    /// The Python original completes all of them; a fail-fast queue refused a quarter to a half.
    ///
    /// The producer is a thread of its own, as the seed's is: blocked on a cooperative thread it would
    /// stall the async tests running beside this one.
    @Test(.timeLimit(.minutes(1)))
    func oneProducerOfTwentyThousandItemsUnderTheDefaultsHasNoneRefused() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: BatchProcessorConfiguration())
        try processor.start { $0 }
        let outcome = await Self.onThread { () -> (refused: Int, wrong: Int) in
            var futures: [BatchFuture<Int>] = []
            futures.reserveCapacity(20_000)
            var refused = 0
            for value in 0..<20_000 {
                do throws(BatchProcessorError) {
                    futures.append(try processor.enqueuePredict(value))
                } catch {
                    refused += 1
                }
            }
            var wrong = 0
            for (value, future) in futures.enumerated() where (try? future.result(timeout: .seconds(30))) != value {
                wrong += 1
            }
            return (refused, wrong)
        }.value
        await processor.stop()
        #expect(outcome.refused == 0)
        #expect(outcome.wrong == 0)
        let window = processor.stats().window
        #expect(window.totalItems == 20_000)
        #expect(window.totalErrors == 0)
    }
}
