import Testing

@testable import BatchProcessing

/// Retries, isolation, the watchdog and the circuit breaker, driven by hand-set times.
@Suite struct FaultToleranceStateMachineTests {
    typealias Machine = SchedulerStateMachine
    static let failure = BatchProcessorError.processingFailed(Poison())
    struct Poison: Error {}

    static func machine(workers: Int = 1, _ configure: (inout Machine.Settings) -> Void = { _ in }) -> Machine {
        var settings = Machine.Settings()
        settings.rowCap = 64
        settings.workers = workers
        settings.retryDelay = .milliseconds(100)
        settings.maxRetries = 3
        configure(&settings)
        var machine = Machine(settings: settings, initialBatchSize: 4)
        for _ in 0..<workers { _ = machine.workerNext(now: .zero, wasWaiting: false) }
        return machine
    }

    static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    static func submit(_ machine: inout Machine, _ elements: [String], at time: Duration = .zero) {
        for element in elements {
            guard case .accepted = machine.submit(element, priority: .normal, rows: 1, now: time) else {
                Issue.record("\(element) not accepted")
                return
            }
        }
    }

    static func take(_ machine: inout Machine, at time: Duration) -> Machine.Batch? {
        if case .run(let batch, _) = machine.workerNext(now: time, wasWaiting: true) { return batch }
        return nil
    }

    /// Runs batches until none is due, failing every batch that contains `poison`; returns the items
    /// that completed and the failures reported.
    static func drive(
        _ machine: inout Machine,
        poison: Set<String>,
        until end: Duration,
        step: Duration = .milliseconds(10)
    ) -> (completed: [String], failed: [String], reasons: [DispatchReason]) {
        var completed: [String] = []
        var failed: [String] = []
        var reasons: [DispatchReason] = []
        var now = Duration.zero
        // The single worker is registered as waiting by `machine(workers:)`.
        var waiting = true
        while now <= end {
            let fired = machine.timerFired(now: now)
            failed += fired.failures.map(\.0.label)
            while case .run(let batch, _) = machine.workerNext(now: now, wasWaiting: waiting) {
                waiting = false
                reasons.append(batch.reason)
                let items = batch.parts.map(\.element.label)
                let actions: Machine.Actions
                if items.contains(where: poison.contains) {
                    actions = machine.batchFailed(
                        id: batch.id, error: failure, retryable: true, serviceTime: .microseconds(10), jitter: 1,
                        now: now)
                } else {
                    completed += items
                    actions = machine.batchCompleted(
                        id: batch.id, now: now, rows: batch.rows, items: items.count, serviceTime: .microseconds(10))
                }
                failed += actions.failures.map(\.0.label)
            }
            waiting = true
            now += step
        }
        return (completed, failed, reasons)
    }

    @Test func bisectionIsolatesThePoisonItemAndHealthyItemsSucceed() {
        var machine = Self.machine { $0.maxRetries = 0 }
        Self.submit(&machine, ["a", "b", "poison", "d", "e", "f", "g", "h"])
        machine.pause()
        _ = machine.setTargetBatchSize(8, now: .zero)
        _ = machine.resume(now: .zero)
        let result = Self.drive(&machine, poison: ["poison"], until: Self.ms(50))
        #expect(Set(result.completed) == ["a", "b", "d", "e", "f", "g", "h"])
        #expect(result.failed == ["poison"])
        // 8 → 4 → 2 → 1: three splits.
        #expect(machine.isolationRuns == 3)
    }

    @Test func wrongResultCountFailsTheWholeBatchWithoutIsolationOrRetry() {
        var machine = Self.machine()
        Self.submit(&machine, ["a", "b", "c", "d"])
        guard let batch = Self.take(&machine, at: .zero) else {
            Issue.record("expected a batch")
            return
        }
        let error = BatchProcessorError.resultCountMismatch(expected: 4, got: 3)
        let actions = machine.batchReturnedWrongResultCount(id: batch.id, error: error, now: Self.ms(1))
        #expect(actions.failures.map(\.0.label) == ["a", "b", "c", "d"])
        #expect(actions.failures.allSatisfy { $0.1.code == .resultCountMismatch })
        #expect(machine.resultCountMismatches == 1)
        #expect(machine.isolationRuns == 0 && machine.retriesScheduled == 0 && machine.pendingRetryItems == 0)
        #expect(machine.activeBatches == 0)
        #expect(Self.take(&machine, at: Self.ms(1000)) == nil)
    }

    @Test func aSingleFailingItemIsRetriedWithExponentialBackoffThenFails() {
        var machine = Self.machine { $0.maxRetries = 3 }
        _ = machine.setTargetBatchSize(1, now: .zero)
        Self.submit(&machine, ["poison"])
        var runs: [Duration] = []
        var failedAt: Duration?
        var now = Duration.zero
        while now <= .seconds(2), failedAt == nil {
            failedAt = machine.timerFired(now: now).failures.isEmpty ? nil : now
            if let batch = Self.take(&machine, at: now) {
                runs.append(now)
                let actions = machine.batchFailed(
                    id: batch.id, error: Self.failure, retryable: true, serviceTime: .zero, jitter: 1, now: now)
                if !actions.failures.isEmpty { failedAt = now }
                _ = machine.workerNext(now: now, wasWaiting: false)
            }
            now += Self.ms(1)
        }
        // First run at 0, retries after 100, 200 and 400 ms: 0, 100, 300, 700.
        #expect(runs == [.zero, Self.ms(100), Self.ms(300), Self.ms(700)])
        #expect(failedAt == Self.ms(700))
        #expect(machine.retriesScheduled == 3)
    }

    @Test func nonRetryableErrorsFailAtOnce() {
        var machine = Self.machine()
        _ = machine.setTargetBatchSize(1, now: .zero)
        Self.submit(&machine, ["bad"])
        let batch = Self.take(&machine, at: .zero)!
        let actions = machine.batchFailed(
            id: batch.id, error: Self.failure, retryable: false, serviceTime: .zero, jitter: 1, now: .zero)
        #expect(actions.failures.map(\.0.label) == ["bad"])
        #expect(machine.retries.isEmpty)
    }

    @Test func retriesDoNotHoldAWorkerAndRespectJitter() {
        var machine = Self.machine(workers: 1)
        _ = machine.setTargetBatchSize(1, now: .zero)
        Self.submit(&machine, ["flaky", "other"])
        let batch = Self.take(&machine, at: .zero)!
        _ = machine.batchFailed(
            id: batch.id, error: Self.failure, retryable: true, serviceTime: .zero, jitter: 1.5, now: .zero)
        // The worker is free at once for other work while the retry waits out its backoff.
        guard case .run(let next, _) = machine.workerNext(now: .zero, wasWaiting: false) else {
            Issue.record("expected the other item")
            return
        }
        #expect(next.parts.map(\.element.label) == ["other"])
        _ = machine.batchCompleted(id: next.id, now: .zero, rows: 1, items: 1)
        #expect(machine.workerNext(now: .zero, wasWaiting: false).isWait)
        #expect(machine.nextDeadline(now: .zero) == Self.ms(150))
        #expect(Self.take(&machine, at: Self.ms(150))?.reason == .retry)
    }

    @Test func retriesExpireAtTheItemDeadline() {
        var machine = Self.machine { $0.itemTimeout = Self.ms(50) }
        _ = machine.setTargetBatchSize(1, now: .zero)
        Self.submit(&machine, ["flaky"])
        let batch = Self.take(&machine, at: .zero)!
        _ = machine.batchFailed(
            id: batch.id, error: Self.failure, retryable: true, serviceTime: .zero, jitter: 1, now: Self.ms(1))
        let fired = machine.timerFired(now: Self.ms(50))
        #expect(fired.failures.map(\.0.label) == ["flaky"])
        #expect(fired.failures.first?.1.code == .timedOut)
        #expect(machine.retries.isEmpty)
    }

    @Test func drainWaitsForRetriesAndCancelFailsThem() {
        var drained = Self.machine()
        _ = drained.setTargetBatchSize(1, now: .zero)
        Self.submit(&drained, ["flaky"])
        let batch = Self.take(&drained, at: .zero)!
        _ = drained.batchFailed(
            id: batch.id, error: Self.failure, retryable: true, serviceTime: .zero, jitter: 1, now: .zero)
        #expect(!drained.stop(mode: .drain, now: Self.ms(1)).stopped)
        let retry = Self.take(&drained, at: Self.ms(100))
        #expect(retry?.reason == .retry)
        #expect(drained.batchCompleted(id: retry!.id, now: Self.ms(101), rows: 1, items: 1).stopped)

        var cancelled = Self.machine()
        _ = cancelled.setTargetBatchSize(1, now: .zero)
        Self.submit(&cancelled, ["flaky"])
        let first = Self.take(&cancelled, at: .zero)!
        _ = cancelled.batchFailed(
            id: first.id, error: Self.failure, retryable: true, serviceTime: .zero, jitter: 1, now: .zero)
        let stop = cancelled.stop(mode: .cancel, now: Self.ms(1))
        #expect(stop.failures.map(\.0.label) == ["flaky"])
        #expect(stop.stopped)
    }

    @Test func watchdogFailsAStuckBatchAndRetiresItsWorker() {
        var machine = Self.machine { $0.watchdogLimit = .seconds(1) }
        _ = machine.setTargetBatchSize(1, now: .zero)
        Self.submit(&machine, ["hung"])
        let batch = Self.take(&machine, at: .zero)!
        #expect(machine.nextDeadline(now: Self.ms(10)) == .seconds(1))
        let fired = machine.timerFired(now: .seconds(1))
        #expect(fired.failures.map(\.0.label) == ["hung"])
        #expect(fired.replaceWorkers == 1)
        #expect(machine.activeBatches == 0)
        #expect(machine.stuck.count == 1)
        // When the hung call finally returns, its worker is told to retire.
        #expect(machine.batchCompleted(id: batch.id, now: .seconds(5), rows: 1, items: 1).retireWorker)
        #expect(machine.stuck.isEmpty)
    }

    @Test func circuitBreakerOpensCoolsDownProbesAndCloses() {
        var breaker = CircuitBreaker(
            settings: .init {
                $0.errorRateThreshold = 0.5
                $0.minimumItems = 10
                $0.coolDown = .seconds(5)
                $0.probeItems = 1
            })
        breaker.record(succeeded: 5, failed: 4, now: .zero)
        #expect(breaker.state == .closed)
        breaker.record(succeeded: 0, failed: 1, now: .zero)
        #expect(breaker.state == .open(until: .seconds(5)))
        let admitted1 = breaker.admit(now: .seconds(4))
        #expect(!admitted1)
        let admitted2 = breaker.admit(now: .seconds(5))
        #expect(admitted2)
        let admitted3 = breaker.admit(now: .seconds(5))
        #expect(!admitted3)
        breaker.record(succeeded: 0, failed: 1, now: .seconds(6))
        #expect(breaker.state == .open(until: .seconds(11)))
        let admitted4 = breaker.admit(now: .seconds(11))
        #expect(admitted4)
        breaker.record(succeeded: 1, failed: 0, now: .seconds(11))
        #expect(breaker.state == .closed)
        #expect(breaker.timesOpened == 2)
    }

    @Test func circuitBreakerForgetsOldResults() {
        var breaker = CircuitBreaker(
            settings: .init {
                $0.minimumItems = 10
                $0.window = .seconds(10)
            })
        breaker.record(succeeded: 0, failed: 9, now: .zero)
        // Nine failures 20 s ago are outside the window: one more does not open the breaker.
        breaker.record(succeeded: 0, failed: 1, now: .seconds(20))
        #expect(breaker.state == .closed)
    }

    @Test func openBreakerRefusesNewItems() {
        var machine = Self.machine {
            $0.circuitBreaker = .init {
                $0.minimumItems = 1
                $0.coolDown = .seconds(1)
            }
        }
        _ = machine.setTargetBatchSize(1, now: .zero)
        Self.submit(&machine, ["bad"])
        let batch = Self.take(&machine, at: .zero)!
        _ = machine.batchFailed(
            id: batch.id, error: Self.failure, retryable: false, serviceTime: .zero, jitter: 1, now: .zero)
        guard case .rejected(let error) = machine.submit("next", priority: .normal, rows: 1, now: Self.ms(10)) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.code == .circuitOpen)
        guard case .accepted = machine.submit("probe", priority: .normal, rows: 1, now: .seconds(1)) else {
            Issue.record("expected the probe to be admitted")
            return
        }
    }
}
