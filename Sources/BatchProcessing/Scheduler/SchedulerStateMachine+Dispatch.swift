import DequeModule

extension SchedulerStateMachine {
    /// Whether a batch should go out now, and if not, when to look again.
    struct Readiness {
        var reason: DispatchReason?
        /// When a batch becomes due if nothing else happens (batch timeout or minimum interval).
        var dueAt: Duration?
    }

    /// Whether a batch should go out now.
    ///
    /// Retries, draining, pausing and the minimum interval are settled here; the rest is the policy's.
    /// `spareWorkers` is how many idle workers there are besides the one that would take the batch: the
    /// adaptive rule waits for its target only when there are none.
    func readiness(now: Duration, spareWorkers: Int) -> Readiness {
        var retryDue: Duration?
        if !retries.isEmpty, lifecycle != .stopped, !isPaused || lifecycle == .draining {
            retryDue = retries.lazy.map(\.notBefore).min()
            if retryDue! <= now { return Readiness(reason: .retry) }
        }
        guard queuedItems > 0 else { return Readiness(dueAt: retryDue) }
        if lifecycle == .draining { return Readiness(reason: .drain) }
        guard lifecycle == .running, !isPaused else { return Readiness(dueAt: retryDue) }
        if let last = lastDispatchAt, settings.minBatchInterval > .zero, now < last + settings.minBatchInterval {
            return Readiness(dueAt: min(last + settings.minBatchInterval, retryDue ?? .seconds(Int64.max)))
        }
        switch policy.decide(
            queuedRows: queuedRows, oldestArrival: oldestArrival!, spareWorkers: spareWorkers, now: now)
        {
        case .dispatch(let reason): return Readiness(reason: reason)
        case .wait(let due): return Readiness(dueAt: min(due, retryDue ?? due))
        }
    }

    /// The arrival time of the oldest queued item.
    var oldestArrival: Duration? {
        var oldest: Duration?
        for level in levels {
            if let front = level.first, oldest == nil || front.arrival < oldest! { oldest = front.arrival }
        }
        return oldest
    }

    /// Idle workers besides the one a wake-up would signal.
    var spareWorkersBesidesWoken: Int { max(idleWorkers - pendingWakeups - 1, 0) }

    /// Signals one idle worker if a batch is due and no signalled worker is already on its way.
    mutating func wakeWorkerIfReady(now: Duration, _ wakeups: inout Wakeups) {
        guard idleWorkers > pendingWakeups, pendingWakeups == 0,
            readiness(now: now, spareWorkers: spareWorkersBesidesWoken).reason != nil
        else { return }
        pendingWakeups += 1
        wakeups.wakeWorkers += 1
    }

    /// A worker asks for work. `wasWaiting` is true when it returns from waiting after an earlier `.wait`.
    mutating func workerNext(now: Duration, wasWaiting: Bool) -> WorkerAction {
        if wasWaiting {
            idleWorkers -= 1
            if pendingWakeups > 0 { pendingWakeups -= 1 }
        }
        if lifecycle == .stopped { return .exit }
        // This worker is no longer counted idle, so every idle worker is a spare one.
        let readiness = readiness(now: now, spareWorkers: idleWorkers)
        guard let reason = readiness.reason else {
            idleWorkers += 1
            var actions = Actions()
            if let due = readiness.dueAt { armTimer(for: due, &actions.wakeups) }
            return .wait(wakeTimer: actions.wakeTimer)
        }
        let batch: Batch
        if reason == .retry {
            batch = takeRetry(now: now)
        } else {
            let limit = policy.batchLimit(
                for: reason, queuedRows: queuedRows, idleWorkers: idleWorkers,
                running: inFlight.values.lazy.map { (dispatchedAt: $0.dispatchedAt, rows: $0.rows) }, now: now)
            batch = takeBatch(limit: limit, reason: reason, now: now)
        }
        var actions = Actions()
        admitWaiters(now: now, &actions)
        wakeWorkerIfReady(now: now, &actions.wakeups)
        return .run(batch, actions)
    }

    /// Takes up to `limit` rows off the queue: by priority (or aging), whole items, splitting only items
    /// larger than the row cap.
    private mutating func takeBatch(limit: Int, reason: DispatchReason, now: Duration) -> Batch {
        var parts = spareParts.popLast() ?? []
        parts.reserveCapacity(Swift.min(limit, queuedItems))
        var taken = 0
        while taken < limit, let level = nextLevel(now: now) {
            // The front's row counts only: copying the entry would retain and release its request.
            let front = levels[level].startIndex
            let remaining = levels[level][front].rows - levels[level][front].dispatchedRows
            let space = limit - taken
            if remaining <= space || (taken == 0 && remaining <= settings.rowCap) || !settings.splitsItems {
                if !parts.isEmpty && remaining > space { break }
                let entry = levels[level].removeFirst()
                queuedItems -= 1
                queuedRows -= remaining
                parts.append(part(of: entry, rows: remaining))
                taken += remaining
            } else if remaining > settings.rowCap {
                // An item larger than any batch: send a cap-sized piece now, keep the rest at the front.
                let count = taken == 0 ? settings.rowCap : space
                parts.append(part(of: levels[level][front], rows: count))
                levels[level][front].dispatchedRows += count
                queuedRows -= count
                taken += count
                break
            } else {
                break
            }
        }
        nextBatchID += 1
        lastDispatchAt = now
        let deadline = Self.earliestDeadline(of: parts)
        inFlight[nextBatchID] = InFlight(
            parts: parts, dispatchedAt: now, rows: taken, attempt: 0, expiredThrough: .zero, nextDeadline: deadline)
        return Batch(
            id: nextBatchID, parts: parts, rows: taken, reason: reason, dispatchedAt: now)
    }

    /// Takes the retry batch that has been due longest.
    private mutating func takeRetry(now: Duration) -> Batch {
        let index = retries.indices.min { retries[$0].notBefore < retries[$1].notBefore }!
        let retry = retries.remove(at: index)
        nextBatchID += 1
        let deadline = Self.earliestDeadline(of: retry.parts)
        let rows = retry.parts.reduce(0) { $0 + $1.rowCount }
        inFlight[nextBatchID] = InFlight(
            parts: retry.parts, dispatchedAt: now, rows: rows, attempt: retry.attempt, expiredThrough: .zero,
            nextDeadline: deadline)
        var batch = Batch(
            id: nextBatchID, parts: retry.parts, rows: rows, reason: .retry,
            dispatchedAt: now)
        batch.attempt = retry.attempt
        return batch
    }

    /// The earliest deadline among `parts`. A plain loop: this runs for every batch, and a key-path
    /// `map` showed up in profiles at ~5 % of scheduling time.
    static func earliestDeadline(of parts: [Part]) -> Duration? {
        var earliest: Duration?
        for index in parts.indices where earliest == nil || parts[index].deadline < earliest! {
            earliest = parts[index].deadline
        }
        return earliest
    }

    private func part(of entry: consuming Entry, rows: Int) -> Part {
        Part(
            element: entry.element, sequence: entry.sequence, arrival: entry.arrival, deadline: entry.deadline,
            rowOffset: entry.dispatchedRows, rowCount: rows, itemRows: entry.rows)
    }

    /// The level to serve next: an aged front first (oldest of them), else the most urgent non-empty level.
    private func nextLevel(now: Duration) -> Int? {
        if levels.count > 1, let agingLimit = settings.agingLimit {
            var aged: Int?
            for index in levels.indices {
                guard let front = levels[index].first, now - front.arrival >= agingLimit else { continue }
                if aged == nil || front.sequence < levels[aged!].first!.sequence { aged = index }
            }
            if let aged { return aged }
        }
        return levels.firstIndex { !$0.isEmpty }
    }

    /// A worker finished batch `id` of `rows` rows in `serviceTime` (its items are already completed).
    mutating func batchCompleted(
        id: UInt64,
        now: Duration,
        rows: Int = 0,
        items: Int = 0,
        serviceTime: Duration = .zero,
        succeeded: Bool = true
    ) -> Actions {
        var actions = Actions()
        if stuck.removeValue(forKey: id) != nil {
            // The watchdog already failed this batch's items and replaced its worker.
            actions.retireWorker = true
            return actions
        }
        let dispatchedAt = inFlight.removeValue(forKey: id)?.dispatchedAt
        if breaker != nil { breaker!.record(succeeded: items, failed: 0, now: now) }
        policy.batchEnded(
            rows: rows, serviceTime: serviceTime, busyTime: dispatchedAt.map { now - $0 }, succeeded: succeeded,
            queuedRows: queuedRows, now: now)
        // No wake-up here even if a new target makes a batch due: the worker that finished asks for
        // work next and takes it (waking others for what it leaves). Waking an idle worker here woke
        // it for nothing after most batches — a futex wake and a context switch each.
        finishStopIfDrained(&actions)
        return actions
    }

    /// Takes back the part list of a completed batch for a later batch to fill (leaving `parts` empty).
    ///
    /// Only worth it once nothing else holds the list — the worker gives it back after
    /// ``batchCompleted(id:now:rows:items:serviceTime:succeeded:)`` dropped the machine's copy — as
    /// emptying a shared list would allocate a new one.
    mutating func recycle(_ parts: inout [Part]) {
        var list: [Part] = []
        swap(&list, &parts)
        guard spareParts.count < settings.workers else { return }
        list.removeAll(keepingCapacity: true)
        spareParts.append(list)
    }

    /// Sets the target batch size, clamped to `minBatchSize...rowCap`.
    mutating func setTargetBatchSize(_ size: Int, now: Duration) -> Actions {
        policy.setTarget(size)
        var actions = Actions()
        wakeWorkerIfReady(now: now, &actions.wakeups)
        return actions
    }

    /// Holds dispatch; deadlines keep running.
    mutating func pause() { isPaused = true }

    /// Lets dispatch continue.
    mutating func resume(now: Duration) -> Actions {
        isPaused = false
        var actions = Actions()
        if let due = oldestArrival { armTimer(for: due + settings.batchTimeout, &actions.wakeups) }
        wakeWorkerIfReady(now: now, &actions.wakeups)
        return actions
    }
}
