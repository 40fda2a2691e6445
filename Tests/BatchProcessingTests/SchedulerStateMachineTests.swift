import Testing

@testable import BatchProcessing

/// The scheduler's rules, driven synchronously with hand-set times: no threads, no sleeps.
@Suite struct SchedulerStateMachineTests {
    typealias Machine = SchedulerStateMachine

    static func machine(
        target: Int = 4,
        workers: Int = 1,
        _ configure: (inout Machine.Settings) -> Void = { _ in }
    ) -> Machine {
        var settings = Machine.Settings()
        settings.rowCap = 16
        settings.workers = workers
        configure(&settings)
        var machine = Machine(settings: settings, initialBatchSize: target)
        for _ in 0..<workers { _ = machine.workerNext(now: .zero, wasWaiting: false) }
        return machine
    }

    static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    @discardableResult
    static func submit(
        _ machine: inout Machine, _ element: String, rows: Int = 1, priority: BatchPriority = .normal,
        at time: Duration
    ) -> Machine.Wakeups {
        guard case .accepted(let wakeups) = machine.submit(element, priority: priority, rows: rows, now: time) else {
            Issue.record("\(element) was not accepted")
            return Machine.Wakeups()
        }
        return wakeups
    }

    /// Asks a worker for work — an idle one unless `wasWaiting` is false (one that just finished or just
    /// started); returns the batch if one is handed out.
    static func take(_ machine: inout Machine, at time: Duration, wasWaiting: Bool = true) -> Machine.Batch? {
        if case .run(let batch, _) = machine.workerNext(now: time, wasWaiting: wasWaiting) { return batch }
        return nil
    }

    @Test func dispatchesWhenTargetRowsAreQueued() {
        var machine = Self.machine(target: 4)
        for index in 0..<3 { #expect(Self.submit(&machine, "\(index)", at: .zero).wakeWorkers == 0) }
        #expect(Self.submit(&machine, "3", at: .zero).wakeWorkers == 1)
        let batch = Self.take(&machine, at: .zero)
        #expect(batch?.reason == .full)
        #expect(batch?.parts.map(\.element.label) == ["0", "1", "2", "3"])
        #expect(machine.queuedItems == 0)
    }

    @Test func dispatchesOnTimeoutMeasuredFromEachItemsArrival() {
        var machine = Self.machine(target: 4) { $0.batchTimeout = Self.ms(100) }
        Self.submit(&machine, "a", at: .zero)
        Self.submit(&machine, "b", at: Self.ms(80))
        #expect(machine.nextDeadline(now: Self.ms(10)) == Self.ms(100))
        #expect(machine.timerFired(now: Self.ms(99)).wakeWorkers == 0)
        #expect(machine.timerFired(now: Self.ms(100)).wakeWorkers == 1)
        let first = Self.take(&machine, at: Self.ms(100))
        #expect(first?.reason == .timeout)
        #expect(first?.parts.map(\.element.label) == ["a", "b"])
        // A later item gets its own full window, not the remainder of an earlier one.
        _ = machine.batchCompleted(id: first!.id, now: Self.ms(101))
        #expect(machine.workerNext(now: Self.ms(101), wasWaiting: false).isWait)
        Self.submit(&machine, "c", at: Self.ms(120))
        #expect(machine.nextDeadline(now: Self.ms(120)) == Self.ms(220))
        #expect(Self.take(&machine, at: Self.ms(219)) == nil)
        #expect(Self.take(&machine, at: Self.ms(220))?.parts.map(\.element.label) == ["c"])
    }

    @Test func timerIsNotNeededForADueBatchWithoutIdleWorkers() {
        var machine = Self.machine(target: 1, workers: 1)
        Self.submit(&machine, "a", at: .zero)
        let batch = Self.take(&machine, at: .zero)
        #expect(batch != nil)
        Self.submit(&machine, "b", at: .zero)
        // Due now, but the only worker is busy: the deadline is b's item timeout, not "now".
        #expect(machine.nextDeadline(now: .zero) == machine.settings.itemTimeout)
    }

    @Test func honoursMinimumBatchInterval() {
        var machine = Self.machine(target: 1, workers: 2) { $0.minBatchInterval = Self.ms(10) }
        Self.submit(&machine, "a", at: .zero)
        #expect(Self.take(&machine, at: .zero) != nil)
        Self.submit(&machine, "b", at: Self.ms(1))
        #expect(machine.workerNext(now: Self.ms(2), wasWaiting: false).isWait)
        #expect(machine.nextDeadline(now: Self.ms(2)) == Self.ms(10))
        #expect(machine.timerFired(now: Self.ms(10)).wakeWorkers == 1)
        #expect(Self.take(&machine, at: Self.ms(10))?.parts.map(\.element.label) == ["b"])
    }

    @Test func rowCapLimitsBatchesOfMultiRowItems() {
        var machine = Self.machine(target: 8) {
            $0.rowCap = 8
            $0.strategy = .greedy
        }
        for index in 0..<5 { Self.submit(&machine, "\(index)", rows: 3, at: .zero) }
        let batch = Self.take(&machine, at: .zero)
        #expect(batch?.rows == 6)
        #expect(batch?.reason == .greedy)
        #expect(machine.queuedRows == 9)
    }

    @Test func splitsItemsLargerThanTheCapAndKeepsTheirOrder() {
        var machine = Self.machine(target: 4) { $0.rowCap = 4 }
        Self.submit(&machine, "big", rows: 10, at: .zero)
        Self.submit(&machine, "small", rows: 1, at: .zero)
        var pieces: [(String, Int, Int)] = []
        while let batch = Self.take(&machine, at: Self.ms(200)) {
            #expect(batch.rows <= 4)
            pieces += batch.parts.map { ($0.element.label, $0.rowOffset, $0.rowCount) }
            _ = machine.batchCompleted(id: batch.id, now: Self.ms(200))
        }
        #expect(pieces.map(\.0) == ["big", "big", "big", "small"])
        #expect(pieces.map(\.1) == [0, 4, 8, 0])
        #expect(pieces.map(\.2) == [4, 4, 2, 1])
    }

    @Test func servesByPriorityThenArrival() {
        var machine = Self.machine(target: 5) {
            $0.priorities = true
            $0.agingLimit = nil
        }
        Self.submit(&machine, "low", priority: .low, at: .zero)
        Self.submit(&machine, "normal1", priority: .normal, at: Self.ms(1))
        Self.submit(&machine, "critical", priority: .critical, at: Self.ms(2))
        Self.submit(&machine, "normal2", priority: .normal, at: Self.ms(3))
        Self.submit(&machine, "high", priority: .high, at: Self.ms(4))
        let batch = Self.take(&machine, at: Self.ms(4))
        #expect(batch?.parts.map(\.element.label) == ["critical", "high", "normal1", "normal2", "low"])
    }

    @Test func fifoWhenPrioritiesAreOff() {
        var machine = Self.machine(target: 3) { $0.priorities = false }
        Self.submit(&machine, "low", priority: .low, at: .zero)
        Self.submit(&machine, "critical", priority: .critical, at: .zero)
        Self.submit(&machine, "normal", at: .zero)
        #expect(Self.take(&machine, at: .zero)?.parts.map(\.element.label) == ["low", "critical", "normal"])
    }

    @Test func agedItemsAreServedBeforeFresherUrgentOnes() {
        var machine = Self.machine(target: 1) {
            $0.priorities = true
            $0.agingLimit = .seconds(1)
            $0.itemTimeout = .seconds(60)
        }
        Self.submit(&machine, "background", priority: .background, at: .zero)
        Self.submit(&machine, "critical-early", priority: .critical, at: Self.ms(500))
        #expect(Self.take(&machine, at: Self.ms(600))?.parts.map(\.element.label) == ["critical-early"])
        // A stream of fresh critical items would starve background without aging.
        Self.submit(&machine, "critical-late", priority: .critical, at: Self.ms(1400))
        let batch = Self.take(&machine, at: Self.ms(1500))
        #expect(batch?.parts.map(\.element.label) == ["background"])
    }

    @Test func deadlinesFailQueuedAndRunningItemsWhileWorkersAreBusy() {
        var machine = Self.machine(target: 1, workers: 1) { $0.itemTimeout = .seconds(1) }
        Self.submit(&machine, "running", at: .zero)
        let batch = Self.take(&machine, at: .zero)
        #expect(batch != nil)
        Self.submit(&machine, "queued", at: Self.ms(500))
        #expect(machine.nextDeadline(now: Self.ms(600)) == .seconds(1))
        let first = machine.timerFired(now: .seconds(1))
        #expect(first.failures.map(\.0.label) == ["running"])
        #expect(first.failures.allSatisfy { $0.1.code == .timedOut })
        #expect(machine.nextDeadline(now: .seconds(1)) == Self.ms(1500))
        let second = machine.timerFired(now: Self.ms(1500))
        #expect(second.failures.map(\.0.label) == ["queued"])
        #expect(machine.queuedItems == 0)
        // The running item is not failed twice.
        #expect(machine.timerFired(now: .seconds(3)).failures.isEmpty)
    }

    @Test func pauseHoldsDispatchButNotDeadlines() {
        var machine = Self.machine(target: 1) { $0.itemTimeout = .seconds(1) }
        machine.pause()
        Self.submit(&machine, "a", at: .zero)
        #expect(Self.take(&machine, at: .zero) == nil)
        Self.submit(&machine, "b", at: Self.ms(900))
        #expect(machine.timerFired(now: .seconds(1)).failures.map(\.0.label) == ["a"])
        #expect(machine.resume(now: .seconds(1)).wakeWorkers == 1)
        #expect(Self.take(&machine, at: .seconds(1))?.parts.map(\.element.label) == ["b"])
    }

    @Test func drainStopDispatchesEverythingThenStops() {
        var machine = Self.machine(target: 10)
        machine.pause()
        Self.submit(&machine, "a", at: .zero)
        Self.submit(&machine, "b", at: .zero)
        let stop = machine.stop(mode: .drain, now: Self.ms(1))
        #expect(!stop.stopped)
        #expect(machine.submit("late", priority: .normal, rows: 1, now: Self.ms(2)).rejection?.code == .shuttingDown)
        let batch = Self.take(&machine, at: Self.ms(2))
        #expect(batch?.reason == .drain)
        #expect(batch?.parts.map(\.element.label) == ["a", "b"])
        #expect(machine.batchCompleted(id: batch!.id, now: Self.ms(3)).stopped)
        #expect(machine.workerNext(now: Self.ms(3), wasWaiting: false).isExit)
        // Idempotent.
        #expect(!machine.stop(mode: .drain, now: Self.ms(4)).stopped)
    }

    @Test func cancelStopFailsQueuedItemsAtOnce() {
        var machine = Self.machine(target: 10)
        Self.submit(&machine, "a", at: .zero)
        Self.submit(&machine, "b", at: .zero)
        let stop = machine.stop(mode: .cancel, now: Self.ms(1))
        #expect(stop.failures.map(\.0.label) == ["a", "b"])
        #expect(stop.failures.allSatisfy { $0.1.code == .shuttingDown })
        #expect(stop.stopped)
    }

    @Test func forcedStopFailsRunningItems() {
        var machine = Self.machine(target: 1)
        Self.submit(&machine, "running", at: .zero)
        _ = Self.take(&machine, at: .zero)
        Self.submit(&machine, "queued", at: .zero)
        _ = machine.stop(mode: .drain, now: Self.ms(1))
        let forced = machine.forceStop()
        #expect(Set(forced.failures.map(\.0.label)) == ["running", "queued"])
        #expect(forced.stopped)
        #expect(machine.lifecycle == .stopped)
    }

    @Test func cancellationWithdrawsAQueuedItem() {
        var machine = Self.machine(target: 10)
        Self.submit(&machine, "a", at: .zero)
        Self.submit(&machine, "b", at: .zero)
        let (element, _) = machine.cancel(now: .zero) { $0.label == "a" }
        #expect(element?.label == "a")
        #expect(machine.queuedItems == 1)
        #expect(machine.cancel(now: .zero) { $0.label == "a" }.0 == nil)
    }

    @Test func fullQueueMakesProducersWaitInOrderAndTimesThemOut() {
        let seven = ProducerWaiter(), eight = ProducerWaiter()
        var machine = Self.machine(target: 2) { $0.maxQueueSize = 2 }
        Self.submit(&machine, "a", at: .zero)
        Self.submit(&machine, "b", at: .zero)
        guard case .full = machine.submit("c", priority: .normal, rows: 1, now: .zero) else {
            Issue.record("expected full")
            return
        }
        let first = machine.wait(
            seven, element: .labelled("c"), priority: .normal, rows: 1, timeout: Self.ms(50), now: .zero)
        _ = machine.wait(eight, element: .labelled("d"), priority: .normal, rows: 1, timeout: Self.ms(10), now: .zero)
        // A newcomer does not overtake waiting producers even if space frees.
        guard case .full = machine.submit("e", priority: .normal, rows: 1, now: Self.ms(1)) else {
            Issue.record("expected full")
            return
        }
        let timedOut = machine.timerFired(now: Self.ms(10))
        #expect(timedOut.rejected.map(\.0.identity) == [eight.identity])
        #expect(timedOut.rejected.first?.1.code == .queueFull)
        guard case .run(let batch, let actions) = machine.workerNext(now: Self.ms(11), wasWaiting: true) else {
            Issue.record("expected a batch")
            return
        }
        #expect(batch.parts.map(\.element.label) == ["a", "b"])
        #expect(actions.admitted.map(\.identity) == [seven.identity])
        #expect(machine.queuedItems == 1)
        #expect(machine.cancelWaiter(id: first.id) == nil)
    }

    @Test func producerWithoutTimeoutWaitsForRoomUntilAdmittedOrStopped() {
        let seven = ProducerWaiter(), eight = ProducerWaiter()
        var machine = Self.machine(target: 2) {
            $0.maxQueueSize = 1
            $0.itemTimeout = .seconds(3600)
        }
        Self.submit(&machine, "a", at: .zero)
        _ = machine.wait(seven, element: .labelled("b"), priority: .normal, rows: 1, timeout: nil, now: .zero)
        _ = machine.wait(eight, element: .labelled("c"), priority: .normal, rows: 1, timeout: nil, now: .zero)
        // No deadline of theirs for the timer, and no time gives up on them.
        #expect(machine.nextDeadline(now: .zero) == Self.ms(100))
        #expect(machine.timerFired(now: .seconds(600)).rejected.isEmpty)
        #expect(machine.waitingProducers == 2)
        // Room admits the first in line; a stop ends the other's wait.
        guard case .run(_, let actions) = machine.workerNext(now: .seconds(600), wasWaiting: true) else {
            Issue.record("expected a batch")
            return
        }
        #expect(actions.admitted.map(\.identity) == [seven.identity])
        let stopped = machine.stop(mode: .drain, now: .seconds(601))
        #expect(stopped.rejected.map(\.0.identity) == [eight.identity])
        #expect(stopped.rejected.first?.1.code == .shuttingDown)
    }

    @Test func timedOutProducerLearnsHowLongItWaited() {
        let seven = ProducerWaiter()
        var machine = Self.machine(target: 2) { $0.maxQueueSize = 1 }
        Self.submit(&machine, "a", at: .zero)
        _ = machine.wait(
            seven, element: .labelled("b"), priority: .normal, rows: 1, timeout: Self.ms(50), now: Self.ms(5))
        #expect(machine.timerFired(now: Self.ms(54)).rejected.isEmpty)
        // The timer woke late: the error tells the wait it really was, not the time left on the deadline.
        let rejected = machine.timerFired(now: Self.ms(70)).rejected
        #expect(rejected.map(\.0.identity) == [seven.identity])
        #expect(rejected.first?.1.code == .queueFull)
        #expect(rejected.first?.1.waited == Self.ms(65))
    }

    @Test func zeroBatchTimeoutNeverWaits() {
        var machine = Self.machine(target: 4) { $0.batchTimeout = .zero }
        // Far from the target, yet due at once: the lone item wakes the idle worker.
        #expect(Self.submit(&machine, "a", at: Self.ms(5)).wakeWorkers == 1)
        let batch = Self.take(&machine, at: Self.ms(5))
        #expect(batch?.reason == .timeout)
        #expect(batch?.parts.map(\.element.label) == ["a"])
    }

    @Test func wakesOneWorkerPerDueBatch() {
        var machine = Self.machine(target: 2, workers: 3)
        #expect(Self.submit(&machine, "a", at: .zero).wakeWorkers == 0)
        #expect(Self.submit(&machine, "b", at: .zero).wakeWorkers == 1)
        #expect(Self.submit(&machine, "c", at: .zero).wakeWorkers == 0)
        // The woken worker takes a batch and, since another is due, passes the baton to one more.
        #expect(Self.submit(&machine, "d", at: .zero).wakeWorkers == 0)
        guard case .run(_, let actions) = machine.workerNext(now: .zero, wasWaiting: true) else {
            Issue.record("expected a batch")
            return
        }
        #expect(actions.wakeWorkers == 1)
    }

    @Test func targetIsClampedToItsBounds() {
        var machine = Self.machine(target: 4) {
            $0.minBatchSize = 2
            $0.rowCap = 8
        }
        _ = machine.setTargetBatchSize(100, now: .zero)
        #expect(machine.targetBatchSize == 8)
        _ = machine.setTargetBatchSize(0, now: .zero)
        #expect(machine.targetBatchSize == 2)
    }
}

extension SchedulerStateMachine.WorkerAction {
    var isWait: Bool {
        if case .wait = self { return true }
        return false
    }

    var isExit: Bool {
        if case .exit = self { return true }
        return false
    }
}

extension SchedulerStateMachine.SubmitResult {
    var rejection: BatchProcessorError? {
        if case .rejected(let error) = self { return error }
        return nil
    }
}
