import Testing

@testable import BatchProcessing

/// `enqueuePredict(contentsOf:)` and `predict(contentsOf:)`: many items in one call, each with its own
/// future, in order, scheduled as single items.
@Suite struct ManyItemsTests {
    private static func processor(
        _ configure: (inout BatchProcessorConfiguration) -> Void = { _ in }
    ) throws -> BatchProcessor<Int, Int> {
        var configuration = BatchProcessorConfiguration()
        configuration.batching.maxSize = 8
        configuration.batching.initialSize = 8
        configuration.batching.timeout = .milliseconds(1)
        configure(&configuration)
        return try BatchProcessor<Int, Int>(configuration: configuration)
    }

    @Test func outputsComeBackInItemOrder() async throws {
        let processor = try Self.processor()
        try processor.start { items in items.map { $0 * 10 } }
        let items = Array(0..<100)
        #expect(try await processor.predict(contentsOf: items) == items.map { $0 * 10 })
        #expect(processor.stats().window.totalItems == 100)
        await processor.stop()
    }

    /// A full queue part-way: the rest wait for room like single items and nothing is refused.
    @Test func itemsBeyondTheQueueCapacityWaitForRoom() async throws {
        let processor = try Self.processor { $0.queue.capacity = 10 }
        try processor.start { items in items.map { $0 + 1 } }
        let items = Array(0..<500)
        #expect(try await processor.predict(contentsOf: items) == items.map { $0 + 1 })
        await processor.stop()
    }

    /// One bad item fails its own future only; the others compute.
    @Test func aFailingItemFailsOnlyItsOwnFuture() async throws {
        let processor = try Self.processor { $0.failures.retryDelay = .milliseconds(1) }
        try processor.start { items in
            if items.contains(3) { throw NonRetryable(Failure.three) }
            return items
        }
        let futures = await processor.enqueuePredict(contentsOf: [1, 2, 3, 4])
        var outcomes: [Int?] = []
        for future in futures { outcomes.append(try? await future.value) }
        #expect(outcomes == [1, 2, nil, 4])
        await #expect(throws: BatchProcessorError.self) { try await processor.predict(contentsOf: [5, 3, 6]) }
        await processor.stop()
    }

    /// A processor that is not running resolves every future with `notStarted` at once.
    @Test func notStartedResolvesEveryFuture() async throws {
        let processor = try Self.processor()
        let futures = await processor.enqueuePredict(contentsOf: [1, 2, 3])
        #expect(futures.count == 3)
        for future in futures {
            #expect(future.isDone)
            let error = await #expect(throws: BatchProcessorError.self) { try await future.value }
            #expect(error?.code == .notStarted)
        }
    }

    /// Queued under one lock hold: with dispatch paused, all of them are in the queue when the call returns.
    @Test func theItemsAreQueuedBeforeTheCallReturns() async throws {
        let processor = try Self.processor()
        try processor.start { $0 }
        processor.pause()
        let futures = await processor.enqueuePredict(contentsOf: Array(0..<50))
        #expect(processor.stats().queueSize == 50)
        processor.resume()
        for (index, future) in futures.enumerated() { #expect(try await future.value == index) }
        await processor.stop()
    }

    /// The blocking variant, from a plain thread.
    @Test func blockingCallersGetTheSameFutures() async throws {
        let processor = try Self.processor { $0.queue.capacity = 16 }
        try processor.start { items in items.map { -$0 } }
        let sum = await Self.offPool {
            processor.enqueuePredict(contentsOf: Array(0..<200)).reduce(0) { $0 + ((try? $1.result()) ?? 1_000_000) }
        }
        #expect(sum == -(0..<200).reduce(0, +))
        await processor.stop()
    }

    private enum Failure: Error { case three }

    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            WorkerThread(name: "test-offpool") { continuation.resume(returning: body()) }.detach()
        }
    }
}
