import Locking
import Logging

/// Owns the state machine, its lock, and the threads that act on its decisions.
///
/// Every event follows the same pattern: take the lock, apply the event to the machine, release the
/// lock, then perform the actions it returned — resuming callers, completing requests, signalling
/// threads. No continuation is resumed and no user code runs while the lock is held.
///
/// Threads: `workers.count` worker threads that take batches and compute them, and one timer thread for
/// everything time-driven (batch timeouts, item deadlines even while every worker is busy, enqueue
/// timeouts, the stop deadline). None of them is a Swift concurrency thread; they are named
/// `batch-worker` and `batch-timer`.
final class SchedulerStorage<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    // @unchecked: `machine` is only read or written with `lock` held; `threads` only under `lock`
    // too; everything else is immutable after init or Sendable itself.
    typealias Element = QueuedRequest
    typealias Machine = SchedulerStateMachine
    typealias Cell = RequestCell<Item, Output>
    typealias Wake = CompletionWake

    let configuration: BatchProcessorConfiguration
    let backend: BatchBackend<Item, Output>
    let telemetry: TelemetryRecorder
    let logger: Logger
    let alerts: AlertHub
    let sampler: @Sendable () -> ResourceSample
    /// Health judgement with its memory of failing checks (guarded by its own lock, not the scheduler's).
    let health: Locked<HealthEvaluator>
    /// When the next periodic health check is due (guarded by `lock`).
    var nextHealthCheck: Duration?
    /// Memory was critical at the last check (guarded by `lock`).
    var memoryPressure = false
    /// Completed with `true` once the machine reaches `.stopped`.
    let stoppedSignal = ResultCell<Bool>(placeholder: false)
    /// Resumes the tasks awaiting a batch's items from the cooperative pool (closed once stopped).
    let relay = ContinuationRelay()

    let lock = ConditionLock()
    private let workAvailable = Condition()
    private let timerWake = Condition()
    // Unchecked exclusivity: `lock` already makes every access exclusive, and the runtime's dynamic
    // check is paid on every event, several per item.
    @exclusivity(unchecked) var machine: Machine
    var threads: [WorkerThread] = []
    /// When this storage was created, in ``MonotonicClock`` nanoseconds.
    private let epochNanoseconds: Int64
    /// The stop deadline once a stop has begun (guarded by `lock`).
    var stopDeadline: Duration?

    init(
        configuration: BatchProcessorConfiguration,
        backend: BatchBackend<Item, Output>,
        telemetry: TelemetryRecorder,
        alerts: AlertHub,
        sampler: @escaping @Sendable () -> ResourceSample,
        logger: Logger,
        initialBatchSize: Int? = nil
    ) {
        self.configuration = configuration
        self.backend = backend
        self.telemetry = telemetry
        self.alerts = alerts
        self.sampler = sampler
        self.health = Locked(HealthEvaluator(configuration: configuration))
        self.logger = logger
        self.epochNanoseconds = MonotonicClock.nanoseconds()
        let settings = Machine.Settings(
            configuration: configuration, rowCap: backend.rowCap, splitsItems: backend.splitsItems)
        self.rowCap = settings.rowCap
        self.machine = Machine(
            settings: settings, initialBatchSize: initialBatchSize ?? configuration.batching.initialSize)
    }

    /// The scheduler's clock in whole nanoseconds since this storage was created: what items are
    /// stamped with, so their telemetry is integer arithmetic.
    @inline(__always)
    func nanoseconds() -> Int64 { MonotonicClock.nanoseconds() &- epochNanoseconds }

    /// The scheduler's clock: time since this storage was created.
    @inline(__always)
    func now() -> Duration { .nanoseconds(nanoseconds()) }

    /// The largest batch, in rows (fixed for the storage's life, so read without the lock).
    let rowCap: Int

    /// The request cell's class, looked up once: see ``RequestCell/make(item:assembly:cellClass:placeholderOf:)``.
    let cellClass: AnyClass = Cell.self
    /// The placeholder new request cells copy: see ``RequestCell/make(item:assembly:cellClass:placeholderOf:)``.
    /// Never completed.
    let placeholderCell = ResultCell<Result<Output, BatchProcessorError>>(placeholder: .failure(.cancelled))

    // MARK: Threads

    /// Starts the worker and timer threads.
    func startThreads() {
        backend.prepare()
        let rowCap = machine.settings.rowCap
        lock.withLock {
            for _ in 0..<configuration.workers.count { startWorker(rowCap: rowCap) }
            threads.append(WorkerThread(name: "batch-timer") { [self] in timerLoop() })
        }
    }

    /// Starts one worker thread with its own runner. Called with `lock` held.
    private func startWorker(rowCap: Int) {
        let box = RunnerBox(backend.makeRunner(rowCap))
        threads.append(WorkerThread(name: "batch-worker") { [self] in workerLoop(box.runner) })
    }

    /// Moves a runner, created on the starting thread, to the worker thread that alone uses it.
    private final class RunnerBox: @unchecked Sendable {
        // @unchecked: the runner is handed over once and then used by one thread only.
        let runner: any BatchRunner<Item, Output>
        init(_ runner: any BatchRunner<Item, Output>) { self.runner = runner }
    }

    private func workerLoop(_ runner: any BatchRunner<Item, Output>) {
        lock.lock()
        var wasWaiting = false
        var scratch = WorkerScratch()
        while true {
            switch machine.workerNext(now: now(), wasWaiting: wasWaiting) {
            case .exit:
                lock.unlock()
                return
            case .wait(let wakeTimer):
                // Signalling a condition under the lock is safe: it resumes no caller and runs no user code.
                if wakeTimer { timerWake.signal() }
                workAvailable.wait(lock)
                wasWaiting = true
            case .run(var batch, let actions):
                wasWaiting = false
                lock.unlock()
                perform(actions)
                let outcome = execute(batch, on: runner, scratch: &scratch)
                lock.lock()
                let completion: Machine.Actions
                if let mismatch = outcome.mismatch {
                    completion = machine.batchReturnedWrongResultCount(id: batch.id, error: mismatch, now: now())
                } else if let failure = outcome.failure {
                    completion = machine.batchFailed(
                        id: batch.id, error: failure.error, retryable: failure.retryable,
                        serviceTime: outcome.serviceTime, jitter: Double.random(in: 0.5..<1.5), now: now())
                } else {
                    completion = machine.batchCompleted(
                        id: batch.id, now: now(), rows: batch.rows, items: outcome.succeededItems,
                        serviceTime: outcome.serviceTime, succeeded: outcome.succeeded)
                    // The machine no longer holds the parts, so their storage goes back for the next batch.
                    machine.recycle(&batch.parts)
                }
                let live = (machine.queuedItems, machine.activeBatches, machine.targetBatchSize)
                telemetry.recordState(queueDepth: live.0, activeBatches: live.1, target: live.2)
                if memoryPressure && configuration.memory.trimsUnderPressure {
                    // Memory is critical and this batch just released its slabs: hand them back.
                    lock.unlock()
                    _ = backend.trim()
                    lock.lock()
                }
                if completion.retireWorker {
                    lock.unlock()
                    deliver(&scratch)
                    perform(completion)
                    logger.warning("a worker whose batch was declared stuck has returned and retires")
                    return
                }
                if completion.needsPerforming || !scratch.wakes.isEmpty {
                    lock.unlock()
                    // After the machine and the recycled part list let go of the batch's requests: a
                    // caller woken here finds its cell referenced by nobody else, free for its next item.
                    deliver(&scratch)
                    if completion.needsPerforming { perform(completion) }
                    lock.lock()
                }
            }
        }
    }

    private func timerLoop() {
        lock.lock()
        while machine.lifecycle != .stopped {
            let now = now()
            var next = machine.nextDeadline(now: now)
            if let deadline = stopDeadline, machine.lifecycle == .draining {
                next = min(next ?? deadline, deadline)
            }
            if configuration.health.enabled, machine.lifecycle == .running {
                let due = nextHealthCheck ?? now + configuration.health.checkInterval
                nextHealthCheck = due
                if due <= now {
                    nextHealthCheck = now + configuration.health.checkInterval
                    lock.unlock()
                    _ = checkHealth(commit: true)
                    lock.lock()
                    continue
                }
                next = min(next ?? due, due)
            }
            if let next, next <= now {
                var actions = machine.timerFired(now: now)
                var stopTimedOut = false
                if let deadline = stopDeadline, machine.lifecycle == .draining, deadline <= now {
                    stopTimedOut = true
                    actions.merge(machine.forceStop())
                }
                lock.unlock()
                // Logged outside the lock (a log handler is the user's code), before the "stopped" that
                // performing the forced stop logs.
                if stopTimedOut {
                    logger.warning("stop timed out; failing the items still queued or running with shuttingDown")
                }
                perform(actions)
                lock.lock()
                continue
            }
            if let wake = machine.timerWillSleep(until: next, now: now) {
                timerWake.wait(lock, timeout: wake - now)
            } else {
                timerWake.wait(lock)
            }
            machine.timerDidWake()
        }
        lock.unlock()
    }

    // MARK: Work

    /// What running one batch came to.
    private struct Outcome {
        var serviceTime: Duration
        var succeeded: Bool
        var succeededItems: Int
        var failure: (error: BatchProcessorError, retryable: Bool)?
        /// The function returned the wrong number of results: the whole batch fails with this error.
        var mismatch: BatchProcessorError?
    }

    /// A worker's lists, reused batch after batch so that a batch allocates none of its own.
    private struct WorkerScratch {
        /// The batch's claimed items, to publish once the worker has reported the batch.
        var wakes: [Wake] = []
        var succeededSubmissions: [Int64] = []
        var waiters: [CompletionWaiter] = []
        var tasks: [ContinuationRelay.Continuation] = []
    }

    /// Publishes the results claimed by ``execute(_:on:scratch:)`` and wakes their callers: blocked
    /// threads directly, awaiting tasks through the ``ContinuationRelay``.
    private func deliver(_ scratch: inout WorkerScratch) {
        guard !scratch.wakes.isEmpty else { return }
        // Each wake-up is let go of as soon as its cell is published: a caller that finds its result
        // published without waiting, and submits again, then finds its cell held by nobody else.
        scratch.wakes.reverse()
        while let wake = scratch.wakes.popLast() { wake.publish(into: &scratch.waiters) }
        for waiter in scratch.waiters {
            if case .task(let continuation) = waiter { scratch.tasks.append(continuation) }
        }
        // Tasks first: the relay resumes them on the pool while this thread signals the blocked ones.
        relay.hand(&scratch.tasks)
        for waiter in scratch.waiters {
            if case .thread(let thread) = waiter { thread.signal() }
        }
        scratch.waiters.removeAll(keepingCapacity: true)
    }

    /// Runs a batch and claims its items' results (unless it failed as a whole, which the machine
    /// handles), leaving their wake-ups in `scratch.wakes` for ``deliver(_:)``.
    private func execute(
        _ batch: Machine.Batch,
        on runner: any BatchRunner<Item, Output>,
        scratch: inout WorkerScratch
    ) -> Outcome {
        let started = nanoseconds()
        let run = runner.run(batch.parts)
        let finished = nanoseconds()
        let serviceTime = Duration.nanoseconds(finished &- started)
        guard case .completed(let results) = run else {
            if case .resultCountMismatch(let expected, let got) = run {
                logger.error(
                    "the processing function returned the wrong number of results; failing the batch's items",
                    metadata: ["expected": "\(expected)", "got": "\(got)", "batch": "\(batch.id)"])
                telemetry.recordResultCountMismatch()
                var outcome = Outcome(serviceTime: serviceTime, succeeded: false, succeededItems: 0)
                outcome.mismatch = .resultCountMismatch(expected: expected, got: got)
                return outcome
            }
            if case .failed(let error, let retryable) = run {
                logger.debug(
                    "batch failed", metadata: ["items": "\(batch.parts.count)", "error": "\(error)"])
                return Outcome(
                    serviceTime: serviceTime, succeeded: false, succeededItems: 0,
                    failure: (error, retryable))
            }
            return Outcome(serviceTime: serviceTime, succeeded: false, succeededItems: 0)
        }
        var allSucceeded = true
        // Callers are woken only after the statistics include their item, so what they read adds up.
        scratch.wakes.reserveCapacity(batch.parts.count)
        scratch.succeededSubmissions.reserveCapacity(batch.parts.count)
        let finishedAt = finished &+ epochNanoseconds
        // Through a buffer pointer: each field read from the array itself copied the whole part first (a
        // part is too large for the compiler to copy inline, so each copy is a call).
        batch.parts.withUnsafeBufferPointer { parts in
            // One loop touches the results: for a type the compiler did not specialise, each generic
            // access looks up metadata, so the statistics get the succeeded items' submission times here.
            for index in parts.indices {
                guard let result = results[index] else { continue }
                let isSuccess: Bool
                if case .success = result { isSuccess = true } else { isSuccess = false }
                if !isSuccess { allSucceeded = false }
                guard let wake = claim(parts[index].element, result, at: finishedAt) else { continue }
                scratch.wakes.append(wake)
                if isSuccess { scratch.succeededSubmissions.append(parts[index].element.submittedAt) }
            }
        }
        defer { scratch.succeededSubmissions.removeAll(keepingCapacity: true) }
        let succeeded = scratch.succeededSubmissions.count
        let outcome = Outcome(serviceTime: serviceTime, succeeded: allSucceeded, succeededItems: succeeded)
        batch.parts.withUnsafeBufferPointer { parts in
            telemetry.recordBatch(
                reason: batch.reason, rows: batch.rows, items: parts.count,
                dispatchedAt: batch.dispatchedAt.wholeNanoseconds, started: started, finished: finished,
                submittedAt: { parts[$0].element.submittedAt }, succeededSubmissions: scratch.succeededSubmissions)
        }
        return outcome
    }

    /// Completes a request unless something else already did; counts and logs failures.
    ///
    /// - Returns: whether this call completed it.
    @discardableResult
    func finish(_ element: Element, _ result: Result<Output, BatchProcessorError>) -> Bool {
        guard let wake = claim(element, result, at: MonotonicClock.nanoseconds()) else { return false }
        wake.run()
        return true
    }

    /// Completes a request's cell without waking its waiters yet; counts and logs a failure.
    @inline(__always)
    private func claim(
        _ element: Element,
        _ result: Result<Output, BatchProcessorError>,
        at nanoseconds: Int64
    ) -> Wake? {
        guard let wake = element.cell(Item.self, Output.self).claim(result, at: nanoseconds) else { return nil }
        if case .failure(let error) = result {
            telemetry.recordFailure(error.code)
            if element.isFireAndForget {
                logger.warning("fire-and-forget item failed", metadata: ["error": "\(error)"])
            } else {
                logger.debug("item failed", metadata: ["error": "\(error)"])
            }
        }
        return wake
    }

    /// Sends the signals an accepted item asked for, outside the lock.
    func perform(_ wakeups: Machine.Wakeups) {
        for _ in 0..<wakeups.wakeWorkers { workAvailable.signal() }
        if wakeups.wakeTimer { timerWake.signal() }
    }

    /// Carries out what the machine decided, outside the lock.
    func perform(_ actions: Machine.Actions) {
        if actions.wakeAllWorkers {
            workAvailable.broadcast()
        } else {
            for _ in 0..<actions.wakeWorkers { workAvailable.signal() }
        }
        if actions.wakeTimer || actions.stopped { timerWake.signal() }
        for (element, error) in actions.failures { finish(element, .failure(error)) }
        for waiter in actions.admitted { waiter.outcome.complete(nil) }
        if actions.replaceWorkers > 0 {
            logger.error(
                "watchdog: batches ran past their limit; their items failed and their workers are replaced",
                metadata: ["batches": "\(actions.stuckBatches)"])
            lock.withLock {
                for _ in 0..<actions.replaceWorkers { startWorker(rowCap: machine.settings.rowCap) }
            }
        }
        for (waiter, error) in actions.rejected { waiter.outcome.complete(error) }
        if actions.stopped {
            // Logged before `stop` callers wake, so nothing they log (a restart's "started") comes first.
            logger.info("batch processor stopped")
            relay.close()
            stoppedSignal.complete(true)
        }
    }
}

extension SchedulerStateMachine.Actions {
    /// Whether there is anything to do.
    var needsPerforming: Bool {
        wakeWorkers > 0 || wakeTimer || !failures.isEmpty || !admitted.isEmpty || !rejected.isEmpty || stopped
            || wakeAllWorkers || replaceWorkers > 0 || retireWorker
    }
}
