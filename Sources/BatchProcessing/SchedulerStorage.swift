import Locking
import Logging

/// Owns the state machine, its lock, and the threads that act on its decisions.
///
/// Every event follows the same pattern: take the lock, apply the event to the machine, release the
/// lock, then perform the actions it returned — resuming callers, completing requests, signalling
/// threads. No continuation is resumed and no user code runs while the lock is held.
///
/// Threads: `maxWorkers` worker threads that take batches and compute them, and one timer thread for
/// everything time-driven (batch timeouts, item deadlines even while every worker is busy, enqueue
/// timeouts, the stop deadline). None of them is a Swift concurrency thread.
final class SchedulerStorage<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    // @unchecked: `machine` is only read or written with `lock` held; `threads` only under `lock`
    // too; everything else is immutable after init or Sendable itself.
    typealias Element = QueuedRequest<Item, Output>
    typealias Machine = SchedulerMachine<Item, Output>

    let configuration: BatchProcessorConfiguration
    let backend: BatchBackend<Item, Output>
    let stats: BatchStats?
    let logger: Logger
    /// Completed with `true` once the machine reaches `.stopped`.
    let stoppedSignal = ResultCell<Bool>()

    let lock = ConditionLock()
    private let workAvailable = Condition()
    private let timerWake = Condition()
    var machine: Machine
    var threads: [WorkerThread] = []
    private let clock = ContinuousClock()
    private let epoch: ContinuousClock.Instant
    /// The stop deadline once a stop has begun (guarded by `lock`).
    var stopDeadline: Duration?

    init(
        configuration: BatchProcessorConfiguration,
        backend: BatchBackend<Item, Output>,
        stats: BatchStats?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.backend = backend
        self.stats = stats
        self.logger = logger
        self.epoch = clock.now
        var settings = Machine.Settings()
        settings.minBatchSize = configuration.minBatchSize
        settings.rowCap = min(configuration.maxBatchSize, backend.rowCap ?? .max)
        settings.batchTimeout = configuration.batchTimeout
        settings.itemTimeout = configuration.itemTimeout
        settings.maxQueueSize = configuration.maxQueueSize
        settings.priorities = configuration.enablePriorityQueue
        settings.agingLimit = configuration.agingLimit
        settings.minBatchInterval = configuration.minBatchInterval
        settings.strategy = configuration.processingStrategy == .greedy ? .greedy : .fixed
        settings.workers = configuration.maxWorkers
        settings.splitsItems = backend.splitsItems
        settings.reduceOnFailure = configuration.reduceBatchOnFailure
        settings.rejectPredictedLate = configuration.rejectPredictedLateItems
        if configuration.adaptsBatchSize {
            var adaptive = AdaptiveController.Settings()
            adaptive.minBatchSize = configuration.minBatchSize
            adaptive.rowCap = settings.rowCap
            adaptive.workers = configuration.maxWorkers
            adaptive.targetLatency = configuration.targetLatency
            settings.adaptive = adaptive
        }
        self.machine = Machine(settings: settings, initialBatchSize: configuration.initialBatchSize)
    }

    /// The scheduler's clock: time since this storage was created.
    @inline(__always)
    func now() -> Duration { clock.now - epoch }

    /// The largest batch, in rows.
    var rowCap: Int { lock.withLock { machine.settings.rowCap } }

    // MARK: Threads

    /// Starts the worker and timer threads.
    func startThreads() {
        backend.prepare()
        let rowCap = machine.settings.rowCap
        lock.withLock {
            for _ in 0..<configuration.maxWorkers {
                let runner = backend.makeRunner(rowCap)
                let box = RunnerBox(runner)
                threads.append(WorkerThread { [self] in workerLoop(box.runner) })
            }
            threads.append(WorkerThread { [self] in timerLoop() })
        }
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
            case .run(let batch, let actions):
                wasWaiting = false
                lock.unlock()
                perform(actions)
                let outcome = execute(batch, on: runner)
                lock.lock()
                let completion = machine.batchCompleted(
                    id: batch.id, now: now(), rows: batch.rows, serviceTime: outcome.serviceTime,
                    succeeded: outcome.succeeded)
                if completion.needsPerforming {
                    lock.unlock()
                    perform(completion)
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
            if let next, next <= now {
                var actions = machine.timerFired(now: now)
                if let deadline = stopDeadline, machine.lifecycle == .draining, deadline <= now {
                    logger.warning("stop timed out; failing the items still queued or running with shuttingDown")
                    actions.merge(machine.forceStop())
                }
                lock.unlock()
                perform(actions)
                lock.lock()
                continue
            }
            machine.timerWillSleep(until: next)
            if let next {
                timerWake.wait(lock, timeout: next - now)
            } else {
                timerWake.wait(lock)
            }
            machine.timerDidWake()
        }
        lock.unlock()
    }

    // MARK: Work

    /// Runs a batch and completes its items; returns the compute time and whether every item succeeded.
    private func execute(
        _ batch: Machine.Batch,
        on runner: any BatchRunner<Item, Output>
    ) -> (serviceTime: Duration, succeeded: Bool) {
        let started = now()
        let results = runner.run(batch.parts)
        let finished = now()
        var succeeded = 0
        var allSucceeded = true
        for (part, result) in zip(batch.parts, results) {
            guard let result else { continue }
            if case .failure = result { allSucceeded = false }
            if finish(part.element, result), case .success = result { succeeded += 1 }
        }
        guard let stats else { return (finished - started, allSucceeded) }
        var queueTime = Duration.zero
        var latency = Duration.zero
        for part in batch.parts {
            queueTime += batch.dispatchedAt - part.element.submittedAt
            latency += finished - part.element.submittedAt
        }
        let count = max(batch.parts.count, 1)
        stats.record(
            processingTime: finished - started, batchSize: batch.rows, items: succeeded,
            queueTime: queueTime / count, meanLatency: latency / count, queueLength: batch.queueLength,
            reason: batch.reason
        ) { record in
            for (part, result) in zip(batch.parts, results) {
                if case .success = result { record(finished - part.element.submittedAt) }
            }
        }
        return (finished - started, allSucceeded)
    }

    /// Completes a request unless something else already did; counts and logs failures.
    ///
    /// - Returns: whether this call completed it.
    @discardableResult
    func finish(_ element: Element, _ result: Result<Output, BatchProcessorError>) -> Bool {
        guard element.cell.complete(result) else { return false }
        if case .failure(let error) = result {
            stats?.recordErrors(code: error.code.description, count: 1)
            if element.isFireAndForget {
                logger.warning("fire-and-forget item failed", metadata: ["error": "\(error)"])
            } else {
                logger.debug("item failed", metadata: ["error": "\(error)"])
            }
        }
        return true
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
        for (waiter, error) in actions.rejected { waiter.outcome.complete(error) }
        if actions.stopped {
            stoppedSignal.complete(true)
            logger.info("batch processor stopped")
        }
    }
}

extension SchedulerStateMachine.Actions {
    /// Whether there is anything to do.
    var needsPerforming: Bool {
        wakeWorkers > 0 || wakeTimer || !failures.isEmpty || !admitted.isEmpty || !rejected.isEmpty || stopped
            || wakeAllWorkers
    }
}
