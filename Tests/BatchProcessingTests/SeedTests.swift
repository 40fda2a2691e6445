import BatchProcessing
import DenseBatching
import DenseKernels
import Foundation
import Testing

/// The original module's own tests, translated.
@Suite struct SeedTests {
    static var basic: BatchProcessorConfiguration {
        .init {
            $0.batching.initialSize = 4
            $0.batching.maxSize = 16
            $0.batching.timeout = .milliseconds(100)
            $0.monitoring.statistics = true
            // The original retried failures after a fixed second; keep the test fast.
            $0.failures.retryDelay = .milliseconds(5)
        }
    }

    @Test func basicProcessing() async throws {
        let processor = try BatchProcessor<[Double], [Double]>(configuration: Self.basic)
        try processor.start { batch in batch.map { $0.map { $0 * 2 } } }
        let result = try await processor.predict([1, 2, 3])
        #expect(result == [2, 4, 6])
        await processor.stop()
    }

    @Test func priorityProcessing() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: .init {
                $0.batching.initialSize = 2
                $0.batching.maxSize = 4
                $0.queue.prioritized = true
                $0.workers.count = 1
            })
        let order = OrderLog()
        try processor.start { batch in
            order.append(batch)
            return batch
        }
        // Hold dispatch so both are queued together; the high-priority item must go first.
        processor.pause()
        let normal = try await processor.enqueuePredict(1, priority: .normal)
        let low = try await processor.enqueuePredict(3, priority: .low)
        let high = try await processor.enqueuePredict(2, priority: .high)
        processor.updateBatchSize(1)
        processor.resume()
        #expect(try await high.value == 2)
        #expect(try await normal.value == 1)
        #expect(try await low.value == 3)
        #expect(order.items == [2, 1, 3])
        await processor.stop()
    }

    @Test func adaptiveBatchingStaysInRange() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: .init {
                $0.batching.initialSize = 4
                $0.batching.maxSize = 16
                $0.batching.strategy = .adaptive
            })
        try processor.start { batch in
            Thread.sleep(forTimeInterval: 0.01)
            return batch
        }
        let futures = try (0..<10).map { _ in try processor.enqueuePredict(1) }
        for future in futures { #expect(try await future.value == 1) }
        #expect((1...16).contains(processor.stats().currentBatchSize))
        await processor.stop()
    }

    struct TooLarge: Error {}

    @Test func errorHandling() async throws {
        let processor = try BatchProcessor<[Int], [Int]>(configuration: Self.basic)
        try processor.start { batch in
            if batch.contains(where: { $0.count > 2 }) { throw TooLarge() }
            return batch
        }
        #expect(try await processor.predict([1]) == [1])
        await #expect {
            _ = try await processor.predict([1, 2, 3, 4])
        } throws: { error in
            let error = error as? BatchProcessorError
            return error?.code == .processingFailed && error?.underlying is TooLarge
        }
        await processor.stop()
    }

    @Test func statisticsCollection() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: Self.basic)
        try processor.start { $0 }
        let futures = try (0..<5).map { try processor.enqueuePredict($0) }
        for (index, future) in futures.enumerated() { #expect(try await future.value == index) }
        let stats = processor.stats()
        #expect(stats.dictionary["avg_processing_time"] != nil)
        // Adaptive by default: the target follows the load, within its bounds.
        #expect((1...16).contains(stats.dictionary["current_batch_size"] ?? 0))
        #expect(stats.throughput > 0)
        #expect(stats.window.totalItems == 5)
        #expect(stats.window.totalBatches == stats.window.batchesByReason.values.reduce(0, +))
        await processor.stop()
    }

    @Test func concurrentProcessing() async throws {
        let processor = try BatchProcessor<Int, Int>(configuration: Self.basic)
        try processor.start { batch in batch.map { $0 * 2 } }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for value in 0..<10 { group.addTask { (value, try await processor.predict(value)) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for value in 0..<10 { #expect(results[value] == value * 2) }
        await processor.stop()
    }

    @Test func mlPipelineIntegration() async throws {
        // A dense model standing in for the original's MockMLModel (sum of the features).
        let sum = try DenseModel(layers: [
            DenseLayer(weights: .init(repeating: 1, count: 10), bias: [0], outputs: 1, inputs: 10)
        ])
        let processor = try BatchProcessor<[Float], [Float]>(
            configuration: .init {
                $0.batching.initialSize = 32
                $0.batching.maxSize = 128
                $0.memory.maxBatchMB = 256
            })
        try processor.start(model: sum)
        var generator = SplitMix64(seed: 11)
        let data = (0..<100).map { _ in (0..<10).map { _ in Float.random(in: 0..<1, using: &generator) } }
        let futures = try data.map { try processor.enqueuePredict($0) }
        for (row, future) in zip(data, futures) {
            let result = try await future.value
            #expect(abs(result[0] - row.reduce(0, +)) < 1e-5)
        }
        let stats = processor.stats()
        #expect(stats.throughput > 0)
        #expect(stats.errorRate == 0)
        await processor.stop()
    }

    @Test func loadAndStress() async throws {
        let processor = try BatchProcessor<[Double], [Double]>(
            configuration: .init {
                $0.batching.initialSize = 16
                $0.batching.maxSize = 64
            })
        try processor.start { $0 }
        let futures = try (0..<1000).map { index in try processor.enqueuePredict([Double(index)]) }
        for (index, future) in futures.enumerated() { #expect(try await future.value == [Double(index)]) }
        #expect(processor.stats().window.totalItems == 1000)
        await processor.stop()
    }
}

/// Records the items of each batch in the order batches ran.
final class OrderLog: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var log: [Int] = []
    func append(_ items: [Int]) { lock.withLock { log += items } }
    var items: [Int] { lock.withLock { log } }
}
