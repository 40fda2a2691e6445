import BatchProcessing
import Glibc

/// libFuzzer entry point: decodes the input into a configuration, validates it, and checks that a
/// configuration that validates is one the processor can run with.
///
/// `validate()` may refuse anything with a `ConfigurationError`; what it accepts must satisfy the
/// invariants the scheduler relies on (see ``checkInvariants(_:)``), and `BatchProcessor.init` must
/// accept it too. A crash there, or in the checks, is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var reader = FuzzInput(UnsafeBufferPointer(start: data, count: size))
    let configuration = reader.configuration()
    // Triage: `FUZZ_PRINT=1 FuzzConfiguration crash-…` shows what a crashing input decodes to.
    if getenv("FUZZ_PRINT") != nil {
        print(configuration)
        fflush(nil)
    }
    do {
        try configuration.validate()
    } catch {
        precondition(!error.field.isEmpty && !error.rule.isEmpty, "a ConfigurationError without a field or rule")
        return 0
    }
    checkInvariants(configuration)
    let processor: BatchProcessor<Int, Int>
    do {
        processor = try BatchProcessor<Int, Int>(configuration: configuration)
    } catch {
        preconditionFailure("validate() accepted what BatchProcessor.init refuses: \(error)")
    }
    let stats = processor.stats()
    precondition(!stats.isRunning && stats.queueSize == 0, "a processor that was never started reports work")
    precondition(stats.currentBatchSize == configuration.batching.initialSize, "the initial batch size was not kept")
    precondition(stats.maxRowsPerBatch == configuration.batching.maxSize, "the maximum batch size was not kept")
    return 0
}

/// What the scheduler assumes of a validated configuration.
private func checkInvariants(_ configuration: BatchProcessorConfiguration) {
    let c = configuration
    precondition(c.batching.minSize >= 1, "minBatchSize")
    precondition(
        c.batching.minSize <= c.batching.initialSize && c.batching.initialSize <= c.batching.maxSize, "batch sizes")
    precondition(c.queue.capacity >= 1 && (1...256).contains(c.workers.count), "queue or workers")
    precondition(
        c.batching.timeout >= .zero && c.batching.itemTimeout > .zero && c.health.checkInterval > .zero, "timeouts")
    precondition(
        c.batching.minInterval >= .zero && c.failures.retryDelay >= .zero && c.failures.maxRetries >= 0, "intervals")
    precondition((c.queue.agingLimit ?? .seconds(1)) > .zero && (c.memory.maxBatchMB ?? 1) > 0, "optional limits")
    precondition(c.memory.warningPercent.isFinite && c.memory.criticalPercent.isFinite, "memory thresholds")
    precondition(0 <= c.memory.warningPercent && c.memory.warningPercent < c.memory.criticalPercent, "memory")
    precondition(c.memory.criticalPercent <= 100, "memoryCriticalThreshold")
    precondition(1 <= c.health.queueWarning && c.health.queueWarning < c.health.queueCritical, "queue")
    precondition(c.monitoring.window >= 1, "windows")
    // The scheduler adds each duration to its clock (time since start) to get a deadline, and its
    // timer sleeps via `Condition.wait(timeout: deadline - now)`, which reads `components`: that must
    // not trap for any duration the configuration holds, even after a century of uptime.
    let uptime = Duration.seconds(100 * 365 * 86_400)
    let durations = [
        c.batching.timeout, c.batching.itemTimeout, c.batching.minInterval, c.queue.agingLimit ?? .zero,
        c.health.checkInterval,
        c.failures.retryDelay,
    ]
    for duration in durations {
        let deadline = uptime + duration
        _ = (deadline - uptime).components
    }
}
