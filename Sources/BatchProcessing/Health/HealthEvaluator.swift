/// Judges health from measured figures against the configured thresholds, and remembers which
/// checks were failing so that only changes become alerts. Pure: no clock, no I/O.
struct HealthEvaluator {
    /// The figures one check looks at.
    struct Inputs {
        var systemMemoryPercent: Double?
        var residentBytes: Int?
        var processCPUPercent: Double?
        var queueSize = 0
        var stuckBatches = 0
        var errorRate = 0.0
        var finishedItems = 0
        var p95Latency: Duration = .zero
        var circuit = CircuitState.disabled
    }

    /// What the processor should do about the figures.
    struct Actions: Equatable {
        /// Memory is critical: shrink batches and release pooled memory.
        var memoryCritical = false
    }

    let memoryWarning: Double
    let memoryCritical: Double
    let queueWarning: Int
    let queueCritical: Int
    let latencyAlert: Duration?
    let errorRateAlert: Double?
    /// Errors over fewer finished items than this are not judged (one failure in three is noise).
    var minimumItemsForErrorRate = 20

    private var failing: [String: HealthStatus] = [:]
    private(set) var lastStatus = HealthStatus.healthy

    init(configuration: BatchProcessorConfiguration) {
        memoryWarning = configuration.memory.warningPercent
        memoryCritical = configuration.memory.criticalPercent
        queueWarning = configuration.health.queueWarning
        queueCritical = configuration.health.queueCritical
        latencyAlert = configuration.health.alertLatencyP95
        errorRateAlert = configuration.health.alertErrorRate
    }

    /// Judges `inputs`. With `commit`, remembers the result and returns the changes as events.
    mutating func evaluate(_ inputs: Inputs, commit: Bool = true) -> (HealthReport, [HealthEvent], Actions) {
        var checks: [(name: String, status: HealthStatus, reason: String)] = []
        var actions = Actions()
        if let memory = inputs.systemMemoryPercent {
            if memory >= memoryCritical {
                checks.append(
                    ("memory", .unhealthy, "system memory \(percent(memory)) ≥ critical \(percent(memoryCritical))"))
                actions.memoryCritical = true
            } else if memory >= memoryWarning {
                checks.append(
                    ("memory", .degraded, "system memory \(percent(memory)) ≥ warning \(percent(memoryWarning))"))
            }
        }
        if inputs.queueSize >= queueCritical {
            checks.append(("queue", .unhealthy, "queue holds \(inputs.queueSize) items ≥ critical \(queueCritical)"))
        } else if inputs.queueSize >= queueWarning {
            checks.append(("queue", .degraded, "queue holds \(inputs.queueSize) items ≥ warning \(queueWarning)"))
        }
        if inputs.stuckBatches > 0 {
            checks.append(
                ("stuck_batches", .degraded, "\(inputs.stuckBatches) batch(es) stuck past the watchdog limit"))
        }
        if let limit = latencyAlert, inputs.p95Latency >= limit {
            checks.append(("latency_p95", .degraded, "p95 latency \(inputs.p95Latency) ≥ alert \(limit)"))
        }
        if let limit = errorRateAlert, inputs.finishedItems >= minimumItemsForErrorRate, inputs.errorRate >= limit {
            checks.append(
                (
                    "error_rate", .degraded,
                    "error rate \(percent(inputs.errorRate * 100)) ≥ alert \(percent(limit * 100))"
                ))
        }
        switch inputs.circuit {
        case .open: checks.append(("circuit", .unhealthy, "circuit breaker open: new items are refused"))
        case .halfOpen: checks.append(("circuit", .degraded, "circuit breaker half-open: probing"))
        case .closed, .disabled: break
        }
        let status = checks.map(\.status).max() ?? .healthy
        let report = HealthReport(
            status: status, reasons: checks.map(\.reason), systemMemoryPercent: inputs.systemMemoryPercent,
            residentBytes: inputs.residentBytes, processCPUPercent: inputs.processCPUPercent,
            queueSize: inputs.queueSize, stuckBatches: inputs.stuckBatches, errorRate: inputs.errorRate,
            p95Latency: inputs.p95Latency, circuit: inputs.circuit)
        guard commit else { return (report, [], actions) }
        var events: [HealthEvent] = []
        var now: [String: HealthStatus] = [:]
        for check in checks {
            now[check.name] = check.status
            if failing[check.name] != check.status {
                events.append(
                    HealthEvent(kind: .thresholdCrossed(check: check.name), message: check.reason, report: report))
            }
        }
        for name in failing.keys.sorted() where now[name] == nil {
            events.append(
                HealthEvent(
                    kind: .recovered(check: name), message: "\(name) is back within its threshold", report: report))
        }
        if status != lastStatus {
            events.append(
                HealthEvent(
                    kind: .statusChanged(from: lastStatus, to: status),
                    message: "health changed from \(lastStatus.rawValue) to \(status.rawValue)", report: report))
        }
        failing = now
        lastStatus = status
        return (report, events, actions)
    }

    private func percent(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return "\(tenths)%"
    }
}
