import BatchProcessing
import Metrics
import MetricsTestKit
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

/// One metrics backend for the whole test process: swift-metrics can be bootstrapped only once.
enum SharedTestMetrics {
    static let metrics: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()
}

@Suite struct MetricsAndLifecycleTests {
    @Test func countersGaugesTimersAndRecordersAreEmitted() async throws {
        let metrics = SharedTestMetrics.metrics
        let label = "metrics_test"
        let processor = try BatchProcessor<Int, Int>(
            configuration: .init {
                $0.monitoring.metricsLabel = label
                $0.batching.initialSize = 4
                $0.batching.strategy = .fixed
                $0.health.enabled = false
            })
        struct Odd: Error {}
        try processor.start { batch in
            if batch.contains(where: { $0 % 2 == 1 }) { throw NonRetryable(Odd()) }
            return batch
        }
        // Queued while paused, so a stall between submissions cannot send a part of them by timeout.
        processor.pause()
        let futures = try (0..<8).map { value in try processor.enqueuePredict(value * 2) }
        processor.resume()
        for future in futures { _ = try await future.value }
        await #expect(throws: BatchProcessorError.self) { _ = try await processor.predict(1) }
        await processor.stop()
        #expect(await processor.predictRefusal() == .shuttingDown)

        #expect(metrics.counterTotal(label: "\(label)_items_succeeded_total") == 8)
        #expect(metrics.counterTotal(label: "\(label)_rows_total") == 8)
        #expect(
            metrics.counterTotal(label: "\(label)_items_failed_total", dimensions: [("reason", "processing_error")])
                == 1)
        #expect(metrics.counterTotal(label: "\(label)_items_failed_total", dimensions: [("reason", "shutdown")]) == 1)
        #expect(metrics.counterTotal(label: "\(label)_batches_total", dimensions: [("reason", "full")]) == 2)
        let latency = try metrics.expectTimer("\(label)_item_latency")
        #expect(latency.values.count == 8)
        let sizes = try metrics.expectRecorder("\(label)_batch_size")
        #expect(sizes.values.prefix(2) == [4, 4])
        let target = try metrics.expectGauge("\(label)_target_batch_size")
        #expect(target.lastValue == 4)
        _ = try metrics.expectGauge("\(label)_queue_depth")
        _ = try metrics.expectTimer("\(label)_batch_service_time")
        _ = try metrics.expectTimer("\(label)_queue_time")
    }

    @Test func gracefulShutdownDrainsTheProcessor() async throws {
        let processor = try BatchProcessor<Int, Int>(
            configuration: .init {
                $0.batching.strategy = .fixed
                $0.batching.timeout = .seconds(30)
                $0.batching.initialSize = 100
                $0.health.enabled = false
            })
        try processor.start { $0 }
        let futures = try (0..<5).map { try processor.enqueuePredict($0) }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await BatchProcessorService(processor).run() }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        // The items were far from a full batch and their timeout far away: the drain sent them.
        for (index, future) in futures.enumerated() { #expect(try await future.value == index) }
        #expect(!processor.isRunning)
    }
}

extension BatchProcessor where Item == Int, Output == Int {
    /// The code of the error a prediction of 0 ends with, if any.
    func predictRefusal() async -> BatchProcessorError.Code? {
        do {
            _ = try await predict(0)
            return nil
        } catch {
            return error.code
        }
    }
}
