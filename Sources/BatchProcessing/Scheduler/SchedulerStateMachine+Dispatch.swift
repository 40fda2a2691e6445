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
    /// `spareWorkers` is how many idle workers there are besides the one that would take the batch: the
    /// adaptive strategy waits for its target only when there are none.
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
        if settings.strategy == .greedy { return Readiness(reason: .greedy) }
        if queuedRows >= targetBatchSize { return Readiness(reason: .full) }
        if controller != nil, spareWorkers > 0 { return Readiness(reason: .idleWorker) }
        let oldest = oldestArrival!
        var due = oldest + settings.batchTimeout
        if due <= now { return Readiness(reason: .timeout) }
        if let objective = controller?.settings.targetLatency,
            let service = controller?.serviceTime(rows: queuedRows)
        {
            // Send while the oldest item can still make the objective, with a fifth of it to spare.
            let latest = oldest + objective * 0.8 - .nanoseconds(Int64(service * 1e9))
            if latest <= now { return Readiness(reason: .latency) }
            due = min(due, latest)
        }
        return Readiness(dueAt: min(due, retryDue ?? due))
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
    mutating func wakeWorkerIfReady(now: Duration, _ actions: inout Actions) {
        guard idleWorkers > pendingWakeups, pendingWakeups == 0,
            readiness(now: now, spareWorkers: spareWorkersBesidesWoken).reason != nil
        else { return }
        pendingWakeups += 1
        actions.wakeWorkers += 1
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
            if let due = readiness.dueAt { armTimer(for: due, &actions) }
            return .wait(wakeTimer: actions.wakeTimer)
        }
        let batch: Batch
        if reason == .retry {
            batch = takeRetry(now: now)
        } else {
            batch = takeBatch(limit: batchLimit(for: reason, now: now), reason: reason, now: now)
        }
        var actions = Actions()
        admitWaiters(now: now, &actions)
        wakeWorkerIfReady(now: now, &actions)
        return .run(batch, actions)
    }

    /// The most rows the next batch takes.
    ///
    /// Greedy and draining take the queue up to the cap; fixed takes the target. Adaptive waits for the
    /// target and then takes its share of the queue, up to the controller's limit: when the queue takes
    /// long enough to compute to be worth a second worker, this worker takes the rows that make the
    /// whole queue finish soonest, with the rest going to the idle workers — or, with none idle, to the
    /// busy worker predicted to come free first. One worker taking a whole backlog would serialise rows
    /// another could compute in parallel moments later, and a larger batch is not always cheaper per
    /// row (measured on mlp1024: 17–40 rows by GEMM cost about what 16 cost on the small-batch kernel).
    private func batchLimit(for reason: DispatchReason, now: Duration) -> Int {
        if reason == .greedy || reason == .drain { return settings.rowCap }
        guard let controller else { return targetBatchSize }
        let wholeQueue = max(controller.batchLimit, targetBatchSize)
        guard settings.workers > 1, queuedRows > targetBatchSize, controller.worthSharing(rows: queuedRows) else {
            return wholeQueue
        }
        // When the rest would finish, if this worker takes `rows`: split over the idle workers, or queued
        // behind the busy worker that comes free first.
        let comesFree = idleWorkers > 0 ? 0 : soonestPredictedEnd(now: now, controller: controller)
        let others = max(idleWorkers, 1)
        func restEnds(_ rows: Int) -> Double {
            let rest = queuedRows - rows
            guard rest > 0 else { return comesFree }
            return comesFree + (controller.serviceTime(rows: (rest + others - 1) / others) ?? 0)
        }
        func ends(_ rows: Int) -> Double { controller.serviceTime(rows: rows) ?? 0 }
        // This worker's time grows with its rows and the rest's shrinks: find where they cross (a noisy
        // size table only makes the split less even). What is left must meet the target, or an idle
        // worker would wait for more rows while this one computes.
        var (low, high) = (max(targetBatchSize, 1), queuedRows - targetBatchSize)
        guard low <= high else { return wholeQueue }
        while low < high {
            let middle = (low + high) / 2
            if ends(middle) >= restEnds(middle) { high = middle } else { low = middle + 1 }
        }
        var rows = low
        if rows > targetBatchSize, max(ends(rows - 1), restEnds(rows - 1)) <= max(ends(rows), restEnds(rows)) {
            rows -= 1
        }
        if max(ends(rows), restEnds(rows)) >= ends(queuedRows) { return wholeQueue }
        return min(controller.batchLimit, rows)
    }

    /// Seconds from `now` until the first busy worker is predicted to finish its batch.
    private func soonestPredictedEnd(now: Duration, controller: AdaptiveController) -> Double {
        var soonest = Double.infinity
        for batch in inFlight.values {
            let elapsed = (now - batch.dispatchedAt).inSeconds
            let remaining = max((controller.serviceTime(rows: batch.rows) ?? 0) - elapsed, 0)
            soonest = min(soonest, remaining)
        }
        return soonest.isFinite ? soonest : 0
    }

    /// Takes up to `limit` rows off the queue: by priority (or aging), whole items, splitting only items
    /// larger than the row cap.
    private mutating func takeBatch(limit: Int, reason: DispatchReason, now: Duration) -> Batch {
        var parts: [Part] = []
        parts.reserveCapacity(Swift.min(limit, queuedItems))
        var taken = 0
        while taken < limit, let level = nextLevel(now: now) {
            let entry = levels[level][levels[level].startIndex]
            let remaining = entry.rows - entry.dispatchedRows
            let space = limit - taken
            if remaining <= space || (taken == 0 && remaining <= settings.rowCap) || !settings.splitsItems {
                if !parts.isEmpty && remaining > space { break }
                levels[level].removeFirst()
                queuedItems -= 1
                queuedRows -= remaining
                parts.append(part(of: entry, rows: remaining))
                taken += remaining
            } else if remaining > settings.rowCap {
                // An item larger than any batch: send a cap-sized piece now, keep the rest at the front.
                let count = taken == 0 ? settings.rowCap : space
                levels[level][levels[level].startIndex].dispatchedRows += count
                queuedRows -= count
                parts.append(part(of: entry, rows: count))
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
            id: nextBatchID, parts: parts, rows: taken, reason: reason, dispatchedAt: now, queueLength: queuedItems)
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
            dispatchedAt: now, queueLength: queuedItems)
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

    private func part(of entry: Entry, rows: Int) -> Part {
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
        inFlight.removeValue(forKey: id)
        if breaker != nil { breaker!.record(succeeded: items, failed: 0, now: now) }
        if controller != nil {
            controller!.recordBatch(
                rows: rows, serviceTime: serviceTime, succeeded: succeeded || !settings.reduceOnFailure)
            controller!.decide(now: now, queuedRows: queuedRows)
            targetBatchSize = controller!.target
            // No wake-up here even if the new target makes a batch due: the worker that finished asks
            // for work next and takes it (waking others for what it leaves). Waking an idle worker
            // here woke it for nothing after most batches — a futex wake and a context switch each.
        }
        finishStopIfDrained(&actions)
        return actions
    }

    /// Sets the target batch size, clamped to `minBatchSize...rowCap`.
    mutating func setTargetBatchSize(_ size: Int, now: Duration) -> Actions {
        targetBatchSize = Swift.min(Swift.max(size, settings.minBatchSize), settings.rowCap)
        controller?.override(targetBatchSize)
        var actions = Actions()
        wakeWorkerIfReady(now: now, &actions)
        return actions
    }

    /// Holds dispatch; deadlines keep running.
    mutating func pause() { isPaused = true }

    /// Lets dispatch continue.
    mutating func resume(now: Duration) -> Actions {
        isPaused = false
        var actions = Actions()
        if let due = oldestArrival { armTimer(for: due + settings.batchTimeout, &actions) }
        wakeWorkerIfReady(now: now, &actions)
        return actions
    }
}
