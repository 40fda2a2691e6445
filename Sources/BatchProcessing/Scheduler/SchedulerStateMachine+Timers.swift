import DequeModule

extension SchedulerStateMachine {
    /// The next time the timer thread must act, or `nil` if nothing is pending.
    ///
    /// A batch that is due but has no idle worker is not a timer event: the next worker to finish
    /// picks it up, so it is left out here to keep the timer from spinning.
    func nextDeadline(now: Duration) -> Duration? {
        var next: Duration?
        func consider(_ time: Duration?) {
            guard let time else { return }
            if next == nil || time < next! { next = time }
        }
        if idleWorkers > pendingWakeups, pendingWakeups == 0 {
            let readiness = readiness(now: now, spareWorkers: spareWorkersBesidesWoken)
            consider(readiness.reason != nil ? now : readiness.dueAt)
        }
        for level in levels { consider(level.first?.deadline) }
        for batch in inFlight.values {
            consider(batch.nextDeadline)
            if let limit = settings.watchdogLimit { consider(batch.dispatchedAt + limit) }
        }
        for retry in retries { consider(Self.earliestDeadline(of: retry.parts)) }
        if lifecycle == .running, case .open(let until)? = breaker?.state { consider(until) }
        for producer in waiters { consider(producer.deadline) }
        return next
    }

    /// The timer thread woke at `now`: expire what is overdue and dispatch what has become due.
    mutating func timerFired(now: Duration) -> Actions {
        var actions = Actions()
        let timeout = BatchProcessorError.timedOut(after: settings.itemTimeout)
        // Queued items: each level is in arrival order, so overdue items sit at the fronts.
        for level in levels.indices {
            while let front = levels[level].first, front.deadline <= now {
                levels[level].removeFirst()
                queuedItems -= 1
                queuedRows -= front.rows - front.dispatchedRows
                actions.failures.append((front.element, timeout))
            }
        }
        // Running items: fail them now, whatever the worker is doing; its late result is discarded.
        for (id, var batch) in inFlight {
            guard let due = batch.nextDeadline, due <= now else { continue }
            var next: Duration?
            for part in batch.parts {
                if part.deadline > batch.expiredThrough && part.deadline <= now {
                    actions.failures.append((part.element, timeout))
                } else if part.deadline > now, next == nil || part.deadline < next! {
                    next = part.deadline
                }
            }
            batch.expiredThrough = now
            batch.nextDeadline = next
            inFlight[id] = batch
        }
        // Retries whose items ran out of time while waiting to run again.
        for index in retries.indices.reversed() {
            let parts = retries[index].parts
            let kept = parts.filter { $0.deadline > now }
            guard kept.count < parts.count else { continue }
            for part in parts where part.deadline <= now { actions.failures.append((part.element, timeout)) }
            if kept.isEmpty { retries.remove(at: index) } else { retries[index].parts = kept }
        }
        // The watchdog: a batch running past its limit is given up on; its worker is replaced.
        if let limit = settings.watchdogLimit {
            for (id, batch) in inFlight where now - batch.dispatchedAt >= limit {
                inFlight.removeValue(forKey: id)
                stuck[id] = batch.dispatchedAt
                watchdogTrips += 1
                let stuckError = BatchProcessorError.timedOut(after: limit)
                for part in batch.parts where part.deadline > batch.expiredThrough {
                    actions.failures.append((part.element, stuckError))
                }
                actions.replaceWorkers += 1
                actions.stuckBatches.append(id)
            }
        }
        let timedOut = actions.failures.count
        if breaker != nil, timedOut > 0 { breaker!.record(succeeded: 0, failed: timedOut, now: now) }
        // Producers waiting for space past their enqueue timeout.
        while let index = waiters.firstIndex(where: { $0.deadline.map { $0 <= now } ?? false }) {
            let producer = waiters.remove(at: index)
            // How long it really waited: the timer may fire after the deadline, never before.
            actions.rejected.append(
                (producer.waiter, .queueFull(capacity: settings.maxQueueSize, waited: now - producer.since)))
        }
        admitWaiters(now: now, &actions)
        wakeWorkerIfReady(now: now, &actions.wakeups)
        finishStopIfDrained(&actions)
        return actions
    }
}
