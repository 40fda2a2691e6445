import Locking
import Logging

/// A producer's pending wait for queue space.
struct SpaceWait {
    let waiter: ProducerWaiter
    let id: UInt64
    let element: QueuedRequest
}

extension SchedulerStorage: RequestCanceller {
    /// Checks `item`, wraps it in a new request and offers it to the queue.
    ///
    /// - Returns: the request, and the wait for space the caller must complete if the queue was full.
    @inline(__always)
    func admit(_ item: Item, _ submission: Submission) throws(BatchProcessorError) -> Admission {
        let (element, rows) = try makeElement(item, fireAndForget: submission.fireAndForget)
        let wait = try offer(element, rows: rows, priority: submission.priority, timeout: submission.timeout)
        return (element, wait)
    }

    /// Checks `item` and wraps it in a new request.
    func makeElement(_ item: Item, fireAndForget: Bool) throws(BatchProcessorError) -> (Element, rows: Int) {
        let rows = try backend.rows(item).get()
        let assembly = rows > rowCap ? backend.makeAssembly?(rows) : nil
        let cell = Cell.make(item: item, assembly: assembly, cellClass: cellClass, placeholderOf: placeholderCell)
        let element = QueuedRequest(cell: cell, submittedAt: nanoseconds(), isFireAndForget: fireAndForget)
        return (element, rows)
    }

    /// Offers an item to the queue.
    ///
    /// - Returns: `nil` if it was accepted, or the wait for space the caller must complete (`timeout`
    ///   `nil`: until there is room; positive: up to that long).
    /// - Throws: `queueFull` when the queue is full and `timeout` is zero or negative; `shuttingDown`.
    func offer(
        _ element: Element,
        rows: Int,
        priority: BatchPriority,
        timeout: Duration?
    ) throws(BatchProcessorError) -> SpaceWait? {
        lock.lock()
        let now = now()
        switch machine.submit(element, priority: priority, rows: rows, now: now) {
        case .accepted(let wakeups):
            lock.unlock()
            if !wakeups.isEmpty { perform(wakeups) }
            return nil
        case .rejected(let error):
            lock.unlock()
            throw error
        case .full:
            if let timeout, timeout <= .zero {
                // The caller's explicit fail-fast: it did not wait at all.
                let capacity = machine.settings.maxQueueSize
                lock.unlock()
                throw .queueFull(capacity: capacity, waited: .zero)
            }
            let waiter = ProducerWaiter()
            let (id, actions) = machine.wait(
                waiter, element: element, priority: priority, rows: rows, timeout: timeout, now: now)
            lock.unlock()
            perform(actions)
            return SpaceWait(waiter: waiter, id: id, element: element)
        }
    }

    /// Blocks the calling thread until the item is admitted or the wait fails.
    func waitBlocking(_ wait: SpaceWait) throws(BatchProcessorError) {
        // Admission, the timer thread (at the wait's deadline) or a stop ends every wait, so no
        // timeout is needed here; without a deadline the caller blocks until there is room.
        if let error = wait.waiter.outcome.waitBlocking(timeout: nil) ?? nil { throw error }
    }

    /// Suspends until the item is admitted or the wait fails; cancelling the task withdraws it.
    func wait(_ wait: SpaceWait) async throws(BatchProcessorError) {
        let outcome = await withTaskCancellationHandler {
            await wait.waiter.outcome.wait()
        } onCancel: {
            cancelWait(wait)
        }
        if let outcome { throw outcome }
    }

    private func cancelWait(_ wait: SpaceWait) {
        let waiter = lock.withLock { machine.cancelWaiter(id: wait.id) }
        waiter?.outcome.complete(.cancelled)
    }

    /// Cancels a request: withdraws it if still queued, and completes it with `cancelled` unless it
    /// already has a result. A batch already computing it finishes, and its result is discarded.
    func cancel(_ cell: CompletionCore) {
        // Every future this storage makes holds a cell of its own result type.
        let cell = unsafeDowncast(cell, to: ResultCell<Result<Output, BatchProcessorError>>.self)
        lock.lock()
        let (element, actions) = machine.cancel(now: now()) { $0.cell === cell }
        lock.unlock()
        perform(actions)
        if let element {
            finish(element, .failure(.cancelled))
        } else if cell.complete(.failure(.cancelled), at: MonotonicClock.nanoseconds()) {
            telemetry.recordFailure(.cancelled)
        }
    }

    /// Holds dispatch.
    func pause() { lock.withLock { machine.pause() } }

    /// Resumes dispatch.
    func resume() {
        let actions = lock.withLock { machine.resume(now: now()) }
        perform(actions)
    }

    /// Sets the target batch size; returns the value after clamping.
    @discardableResult
    func setTargetBatchSize(_ size: Int) -> Int {
        let (actions, target) = lock.withLock {
            let actions = machine.setTargetBatchSize(size, now: now())
            return (actions, machine.targetBatchSize)
        }
        perform(actions)
        return target
    }

    /// Begins stopping; the stop completes by `timeout` at the latest (signalled by ``stoppedSignal``).
    func beginStop(mode: StopMode, timeout: Duration) {
        // Logged before the stop begins: once it has, a worker (or this call, with nothing queued) may
        // finish it and log "stopped" at once. Not under the lock, as a log handler is the user's code.
        if lock.withLock({ machine.lifecycle == .running }) {
            logger.info("batch processor stopping", metadata: ["mode": "\(mode)"])
        }
        let actions: Machine.Actions = lock.withLock {
            let now = now()
            var actions = machine.stop(mode: mode, now: now)
            if machine.lifecycle == .draining {
                let deadline = now + max(timeout, .zero)
                stopDeadline = min(stopDeadline ?? deadline, deadline)
                machine.armTimer(for: deadline, &actions.wakeups)
                // The timer may be mid-cycle rather than asleep; a signal makes it re-read the deadline.
                actions.wakeTimer = true
            }
            return actions
        }
        perform(actions)
    }

    /// Lets the threads end on their own: a worker stuck in a hung batch must not hold up `stop`.
    func releaseThreads() {
        let all = lock.withLock {
            let all = threads
            threads = []
            return all
        }
        for thread in all { thread.detach() }
    }

    /// Whether the machine has stopped (a cheap check, for starting and `isRunning`).
    var isStopped: Bool { lock.withLock { machine.lifecycle == .stopped } }

    /// The processor's statistics: `window` plus the machine's live figures, read under the lock.
    func stats(window: BatchStatsSnapshot) -> BatchProcessorStats {
        let now = now()
        return lock.withLock {
            var stats = BatchProcessorStats(
                window: window, currentBatchSize: machine.targetBatchSize, maxRowsPerBatch: machine.settings.rowCap,
                activeBatches: machine.activeBatches, queueSize: machine.queuedItems,
                waitingProducers: machine.waitingProducers, isPaused: machine.isPaused,
                isStopping: machine.lifecycle == .draining, isRunning: machine.lifecycle != .stopped,
                controller: machine.controller.map(AdaptiveControllerSnapshot.init))
            stats.pendingRetries = machine.pendingRetryItems
            stats.isolationRuns = machine.isolationRuns
            stats.retriesScheduled = machine.retriesScheduled
            stats.watchdogTrips = machine.watchdogTrips
            stats.resultCountMismatches = machine.resultCountMismatches
            stats.stuckBatches = machine.stuck.count
            stats.circuit = CircuitState(machine.breaker?.state, now: now)
            return stats
        }
    }
}

extension SchedulerStorage {
    /// Offers prepared requests in order under one hold of the lock, until one finds the queue full.
    ///
    /// One lock hold and at most one worker wake-up for the lot, instead of one each per item.
    ///
    /// - Parameter outcomes: receives, per request offered, `nil` if it was queued or the error that
    ///   refused it (shutting down, an open circuit, predicted to be late).
    /// - Returns: how many requests were offered; the rest found the queue full and are the caller's to
    ///   offer one at a time, waiting for room as single items do.
    func offer(
        contentsOf requests: [(element: Element, rows: Int)],
        priority: BatchPriority,
        outcomes: inout [BatchProcessorError?]
    ) -> Int {
        var wakeups = Machine.Wakeups()
        var offered = 0
        lock.lock()
        let now = now()
        submitting: while offered < requests.count {
            let request = requests[offered]
            switch machine.submit(request.element, priority: priority, rows: request.rows, now: now) {
            case .accepted(let more): wakeups.merge(more)
            case .rejected(let error): outcomes.append(error)
            case .full: break submitting
            }
            if outcomes.count == offered { outcomes.append(nil) }
            offered += 1
        }
        lock.unlock()
        if !wakeups.isEmpty { perform(wakeups) }
        return offered
    }
}
