import BatchProcessing
import DenseBatching
import DenseKernels
import Locking
import Testing

@testable import BatchProcessing

@Suite struct HealthTests {
    static var evaluator: HealthEvaluator {
        HealthEvaluator(
            configuration: .init {
                $0.memory.warningPercent = 80
                $0.memory.criticalPercent = 90
                $0.health.queueWarning = 5
                $0.health.queueCritical = 10
                $0.health.alertLatencyP95 = .milliseconds(500)
                $0.health.alertErrorRate = 0.05
            })
    }

    @Test func everyRuleMapsToItsStatusAndReason() {
        typealias Inputs = HealthEvaluator.Inputs
        let cases: [(Inputs, HealthStatus, String?)] = [
            (Inputs(), .healthy, nil),
            (Inputs(systemMemoryPercent: 85), .degraded, "system memory 85.0% ≥ warning 80.0%"),
            (Inputs(systemMemoryPercent: 95), .unhealthy, "system memory 95.0% ≥ critical 90.0%"),
            (Inputs(queueSize: 6), .degraded, "queue holds 6 items ≥ warning 5"),
            (Inputs(queueSize: 10), .unhealthy, "queue holds 10 items ≥ critical 10"),
            (Inputs(stuckBatches: 1), .degraded, "1 batch(es) stuck past the watchdog limit"),
            (Inputs(p95Latency: .milliseconds(600)), .degraded, "p95 latency 0.6 seconds ≥ alert 0.5 seconds"),
            (Inputs(errorRate: 0.1, finishedItems: 100), .degraded, "error rate 10.0% ≥ alert 5.0%"),
            (Inputs(errorRate: 0.5, finishedItems: 3), .healthy, nil),
            (
                Inputs(circuit: .open(retryAfter: .seconds(1))), .unhealthy,
                "circuit breaker open: new items are refused"
            ),
            (Inputs(circuit: .halfOpen), .degraded, "circuit breaker half-open: probing"),
        ]
        for (inputs, status, reason) in cases {
            var evaluator = Self.evaluator
            let (report, _, _) = evaluator.evaluate(inputs)
            #expect(report.status == status, "\(inputs)")
            #expect(report.reasons.first == reason)
        }
    }

    @Test func onlyCriticalMemoryAsksForAction() {
        var evaluator = Self.evaluator
        let (_, _, actions) = evaluator.evaluate(.init(systemMemoryPercent: 95, queueSize: 10))
        #expect(actions == .init(memoryCritical: true))
    }

    @Test func onlyChangesBecomeEvents() {
        var evaluator = Self.evaluator
        let first = evaluator.evaluate(.init(queueSize: 6)).1
        #expect(
            first.map(\.kind) == [.thresholdCrossed(check: "queue"), .statusChanged(from: .healthy, to: .degraded)])
        #expect(evaluator.evaluate(.init(queueSize: 7)).1.isEmpty)
        let worse = evaluator.evaluate(.init(queueSize: 12)).1
        #expect(
            worse.map(\.kind) == [.thresholdCrossed(check: "queue"), .statusChanged(from: .degraded, to: .unhealthy)])
        let recovered = evaluator.evaluate(.init()).1
        #expect(recovered.map(\.kind) == [.recovered(check: "queue"), .statusChanged(from: .unhealthy, to: .healthy)])
        // A report-only evaluation changes nothing.
        _ = evaluator.evaluate(.init(queueSize: 12), commit: false)
        #expect(evaluator.lastStatus == .healthy)
    }

    @Test func periodicChecksActOnMemoryPressureAndPublishAlerts() async throws {
        let memory = Locked(50.0)
        let processor = try BatchProcessor<[Float], [Float]>(
            configuration: .init {
                $0.health.checkInterval = .milliseconds(10)
                $0.batching.initialSize = 8
            },
            resourceSampler: { ResourceSample(systemMemoryPercent: memory.withLock { $0 }) })
        try processor.start(model: .linear256())
        let alerts = processor.alerts()
        #expect(processor.health().status == .healthy)
        // Warm the controller so it has a target to scale.
        for _ in 0..<5 { _ = try await processor.predict(.init(repeating: 1, count: 256)) }
        memory.withLock { $0 = 95 }
        var seen: [HealthEvent.Kind] = []
        for await event in alerts {
            seen.append(event.kind)
            if event.kind == .statusChanged(from: .healthy, to: .unhealthy) { break }
        }
        #expect(seen.contains(.thresholdCrossed(check: "memory")))
        let report = processor.health()
        #expect(report.status == .unhealthy)
        #expect(report.reasons == ["system memory 95.0% ≥ critical 90.0%"])
        _ = try await processor.predict(.init(repeating: 1, count: 256))
        #expect(processor.stats().controller?.reason == "memoryPressure")
        await processor.stop()
    }

    /// The original module's `get_health_status` example, against this API.
    @Test func seedHealthStatusExample() async throws {
        // The machine's own memory and a loaded machine's latency are not what this example is about.
        let processor = try BatchProcessor<Int, Int>(
            configuration: .init {
                $0.batching.initialSize = 1
                $0.health.alertLatencyP95 = nil
            },
            resourceSampler: { ResourceSample(systemMemoryPercent: 10) })
        try processor.start { $0 }
        _ = try await processor.predict(1)
        let stats = processor.stats()
        let status: [String: Any] = [
            "status": stats.errorRate < 0.01 ? "healthy" : "degraded",
            "throughput": stats.throughput,
            "latency_p95": stats.p95Latency,
            "queue_size": stats.queueSize,
            "batch_size": stats.currentBatchSize,
            "health": processor.health().status.rawValue,
        ]
        #expect(status["status"] as? String == "healthy")
        #expect(status["health"] as? String == "healthy")
        await processor.stop()
    }
}
