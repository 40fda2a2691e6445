/// The real ``SchedulerStateMachine`` behind a `package` surface, for a discrete-event simulator to drive.
///
/// `BatchSimulation` plays the threads of ``SchedulerStorage`` — producers submitting, workers asking for
/// batches and reporting them done, the timer thread sleeping towards the next deadline — against a
/// virtual clock, and calls the same machine methods in the same order the storage does. Nothing here
/// decides anything: every decision (when a batch goes, how large it is, what the adaptive controller
/// makes of the measured costs) is the machine's and its ``DispatchPolicy``'s own code. Items are
/// identified by a number the simulator chooses; the machine carries it in a request whose cell holds
/// only that number.
package struct SchedulerSimulationCore {
    typealias Machine = SchedulerStateMachine

    /// A batch a worker took: its id (for ``batchCompleted(id:rows:items:serviceTime:now:)``), the item
    /// numbers in it, its rows and why it went out.
    package struct Batch {
        package let id: UInt64
        package let items: [UInt64]
        package let rows: Int
        package let reason: DispatchReason
    }

    /// What the storage would do outside the lock after an event, in the simulator's terms.
    package struct Effects {
        /// Idle workers to signal, one each.
        package var wakeWorkers = 0
        /// Signal every idle worker (a stop).
        package var wakeAllWorkers = false
        /// Signal the timer thread: its next deadline moved earlier.
        package var wakeTimer = false
        /// Items that ended with an error (a deadline, a stop), by number.
        package var failed: [UInt64] = []

        init(_ actions: Machine.Actions) {
            wakeWorkers = actions.wakeWorkers
            wakeAllWorkers = actions.wakeAllWorkers
            wakeTimer = actions.wakeTimer || actions.stopped
            failed = actions.failures.map { NumberedCell.number(of: $0.0) }
        }

        init(_ wakeups: Machine.Wakeups) {
            wakeWorkers = wakeups.wakeWorkers
            wakeTimer = wakeups.wakeTimer
        }
    }

    /// The machine's answer to a worker asking for work.
    package enum WorkerStep {
        /// Compute this batch; first perform `effects` (wake-ups for what the batch left behind).
        case run(Batch, Effects)
        /// Wait to be signalled; if `wakeTimer`, signal the timer first.
        case wait(wakeTimer: Bool)
        /// The processor stopped.
        case exit
    }

    /// The machine's answer to a submitted item.
    package enum SubmitOutcome {
        case accepted(Effects)
        /// The queue is full: an open loop with a zero enqueue timeout refuses the item.
        case full
        case rejected
    }

    private var machine: Machine

    /// A machine configured exactly as ``SchedulerStorage`` configures one for `configuration`, with
    /// `rowCap` the backend's row cap (the dense backend's `min(batching.maxSize, memory row cap)`).
    package init(configuration: BatchProcessorConfiguration, rowCap: Int) {
        let settings = Machine.Settings(configuration: configuration, rowCap: rowCap, splitsItems: true)
        machine = Machine(settings: settings, initialBatchSize: configuration.batching.initialSize)
    }

    /// A producer offers item `item` of `rows` rows at `now`, with normal priority.
    package mutating func submit(item: UInt64, rows: Int, now: Duration) -> SubmitOutcome {
        switch machine.submit(NumberedCell.request(item), priority: .normal, rows: rows, now: now) {
        case .accepted(let wakeups): return .accepted(Effects(wakeups))
        case .full: return .full
        case .rejected: return .rejected
        }
    }

    /// A worker asks for work at `now` (`wasWaiting`: it returns from a wait rather than from a batch).
    package mutating func workerNext(now: Duration, wasWaiting: Bool) -> WorkerStep {
        switch machine.workerNext(now: now, wasWaiting: wasWaiting) {
        case .exit:
            return .exit
        case .wait(let wakeTimer):
            return .wait(wakeTimer: wakeTimer)
        case .run(let batch, let actions):
            let items = batch.parts.map { NumberedCell.number(of: $0.element) }
            let simulated = Batch(id: batch.id, items: items, rows: batch.rows, reason: batch.reason)
            return .run(simulated, Effects(actions))
        }
    }

    /// A worker finished batch `id` at `now`: `rows` rows, `items` items, computed in `serviceTime`.
    package mutating func batchCompleted(
        id: UInt64, rows: Int, items: Int, serviceTime: Duration, now: Duration
    ) -> Effects {
        Effects(
            machine.batchCompleted(
                id: id, now: now, rows: rows, items: items, serviceTime: serviceTime, succeeded: true))
    }

    /// When the timer thread must act next, or `nil` if nothing is pending.
    package func nextDeadline(now: Duration) -> Duration? { machine.nextDeadline(now: now) }

    /// The timer thread woke at `now` with a deadline due.
    package mutating func timerFired(now: Duration) -> Effects { Effects(machine.timerFired(now: now)) }

    /// The timer thread goes to sleep towards `deadline`; returns when it wakes unless signalled.
    package mutating func timerWillSleep(until deadline: Duration?, now: Duration) -> Duration? {
        machine.timerWillSleep(until: deadline, now: now)
    }

    /// The timer thread woke (its timeout passed, or it was signalled).
    package mutating func timerDidWake() { machine.timerDidWake() }

    /// What a batch waits for now, in rows.
    package var target: Int { machine.targetBatchSize }

    /// Items queued.
    package var queuedItems: Int { machine.queuedItems }

    /// The adaptive controller's state, when the strategy is adaptive.
    package var controller: AdaptiveControllerSnapshot? { machine.controller.map(AdaptiveControllerSnapshot.init) }

    /// The adaptive controller's target and reason, without building a snapshot (cheap enough to sample
    /// every millisecond of a simulation).
    package var controllerTarget: (target: Int, reason: String)? {
        machine.controller.map { ($0.target, $0.reason.rawValue) }
    }
}

/// The cell of a simulated request: the item's number, where the storage's cells hold the item and its result.
private final class NumberedCell: Sendable {
    let number: UInt64

    init(_ number: UInt64) { self.number = number }

    static func request(_ number: UInt64) -> QueuedRequest {
        QueuedRequest(cell: NumberedCell(number), submittedAt: 0, isFireAndForget: false)
    }

    static func number(of request: QueuedRequest) -> UInt64 {
        // Every request the simulation core gives its machine is made by `request(_:)`.
        unsafeDowncast(request.cell, to: NumberedCell.self).number
    }
}
