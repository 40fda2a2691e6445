import Locking
import Logging

extension SchedulerStorage {
    /// Samples the machine and the scheduler, judges health, and acts on it: with `commit`, logs and
    /// publishes what changed, shrinks batches and trims pooled memory when memory is critical.
    func checkHealth(commit: Bool) -> HealthReport {
        let sample = sampler()
        let snapshot = telemetry.stats?.snapshot()
        let live = stats(window: snapshot ?? BatchStatsSnapshot())
        var inputs = HealthEvaluator.Inputs()
        inputs.systemMemoryPercent = sample.systemMemoryPercent
        inputs.residentBytes = sample.residentBytes
        inputs.processCPUPercent = sample.processCPUPercent
        inputs.queueSize = live.queueSize
        inputs.stuckBatches = live.stuckBatches
        inputs.errorRate = snapshot?.errorRate ?? 0
        inputs.finishedItems = (snapshot?.totalItems ?? 0) + (snapshot?.totalErrors ?? 0)
        inputs.p95Latency = snapshot?.p95Latency ?? .zero
        inputs.circuit = live.circuit
        let (report, events, actions) = health.withLock { $0.evaluate(inputs, commit: commit) }
        guard commit else { return report }
        let wasUnderPressure = lock.withLock {
            let was = memoryPressure
            memoryPressure = actions.memoryCritical
            // One owner of the batch size: memory pressure goes through the dispatch policy.
            machine.policy.setMemoryPressure(critical: actions.memoryCritical)
            return was
        }
        if actions.memoryCritical && !wasUnderPressure && configuration.memory.trimsUnderPressure {
            let freed = backend.trim()
            logger.warning("memory critical: batches halved, pooled slabs released", metadata: ["bytes": "\(freed)"])
        }
        for event in events {
            switch event.kind {
            case .recovered: logger.info("health: \(event.message)")
            case .statusChanged(_, let to) where to == .healthy: logger.info("health: \(event.message)")
            default: logger.warning("health: \(event.message)")
            }
        }
        alerts.publish(events)
        return report
    }
}
