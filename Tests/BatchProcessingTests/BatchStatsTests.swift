import BatchProcessing
import Testing

@Suite struct BatchStatsTests {
    @Test func averagesCoverTheWindowOnly() {
        let stats = BatchStats(windowSize: 3)
        for size in [100, 1, 2, 3] {
            stats.update(
                processingTime: .milliseconds(size), batchSize: size, queueTime: .milliseconds(1),
                latency: .milliseconds(2))
        }
        let snapshot = stats.snapshot()
        #expect(snapshot.windowBatches == 3)
        #expect(snapshot.avgBatchSize == 2)
        #expect(snapshot.avgProcessingTime == .milliseconds(2))
        #expect(snapshot.totalBatches == 4)
        #expect(snapshot.totalItems == 106)
    }

    @Test func largestBatchAndBatchSizePercentilesCoverTheWindow() {
        let stats = BatchStats(windowSize: 100)
        #expect(stats.snapshot().largestBatchSize == 0)
        // An outlier that leaves the window no longer counts.
        stats.update(processingTime: .milliseconds(1), batchSize: 1000, queueTime: .zero)
        for size in (1...100).reversed() {
            stats.update(processingTime: .milliseconds(1), batchSize: size, queueTime: .zero)
        }
        let snapshot = stats.snapshot()
        #expect(snapshot.largestBatchSize == 100)
        #expect(snapshot.p50BatchSize == 50)
        #expect(snapshot.p90BatchSize == 90)
        #expect(snapshot.p99BatchSize == 99)
    }

    @Test func percentilesArePerItem() {
        let stats = BatchStats(windowSize: 100)
        // 99 items at 1 ms in one batch, 1 item at 100 ms in another: per batch the p50 would be
        // ambiguous; per item it is 1 ms and the p99 is still 1 ms, the maximum 100 ms.
        stats.update(processingTime: .milliseconds(1), batchSize: 99, queueTime: .zero, latency: .milliseconds(1))
        stats.update(processingTime: .milliseconds(1), batchSize: 1, queueTime: .zero, latency: .milliseconds(100))
        let snapshot = stats.snapshot()
        #expect(abs(snapshot.p50Latency.seconds - 0.001) < 0.00001)
        #expect(abs(snapshot.p99Latency.seconds - 0.001) < 0.00001)
    }

    /// One item per batch at each latency from 50 µs to 50 ms in steps of 0.3 %, then one of two
    /// minutes: each percentile lies within 1 % of the exact (nearest-rank) value, and a latency past
    /// the minute the histogram starts with still counts at its own size.
    @Test func latencyPercentilesAreWithinOnePercent() {
        var latencies: [Int64] = []
        var microseconds = 50.0
        while microseconds < 50_000 {
            latencies.append(Int64(microseconds))
            microseconds *= 1.003
        }
        let stats = BatchStats(windowSize: latencies.count)
        for latency in latencies.shuffled() {
            stats.update(
                processingTime: .microseconds(10), batchSize: 1, queueTime: .zero, latency: .microseconds(latency))
        }
        let snapshot = stats.snapshot()
        let sorted = latencies.sorted()
        func exact(_ percent: Int) -> Double { Double(sorted[(sorted.count * percent + 99) / 100 - 1]) * 1e-6 }
        for (reported, percent) in [(snapshot.p50Latency, 50), (snapshot.p95Latency, 95), (snapshot.p99Latency, 99)] {
            #expect(
                abs(reported.seconds / exact(percent) - 1) <= 0.01,
                "p\(percent): \(reported) against \(exact(percent)) s")
        }

        let slow = BatchStats(windowSize: 10)
        slow.update(processingTime: .microseconds(10), batchSize: 1, queueTime: .zero, latency: .seconds(120))
        #expect(abs(slow.snapshot().p99Latency.seconds / 120 - 1) <= 0.01, "\(slow.snapshot().p99Latency)")
    }

    @Test func errorRateCountsItems() {
        let stats = BatchStats(windowSize: 10)
        stats.update(processingTime: .milliseconds(1), batchSize: 9, queueTime: .zero)
        stats.recordError()
        #expect(abs(stats.snapshot().errorRate - 0.1) < 1e-12)
        stats.reset()
        #expect(stats.snapshot() == BatchStatsSnapshot())
    }

    @Test func throughputAndLoadAreWallClockRates() async throws {
        let stats = BatchStats(windowSize: 10, parallelism: 2)
        stats.update(processingTime: .milliseconds(10), batchSize: 50, queueTime: .zero)
        try await Task.sleep(for: .milliseconds(40))
        let snapshot = stats.snapshot()
        // 50 items over at least 50 ms of wall clock: at most 1000 items/s, and falling while idle.
        #expect(snapshot.throughput > 0 && snapshot.throughput <= 1000)
        #expect(snapshot.systemLoad > 0 && snapshot.systemLoad <= 0.1)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
