import DequeModule

extension SchedulerStateMachine {
    /// A producer offers an item of `rows` rows.
    ///
    /// A full queue (or producers already waiting, who keep their turn) answers ``SubmitResult/full``;
    /// the caller then fails at once (a zero enqueue timeout) or calls
    /// ``wait(_:element:priority:rows:timeout:now:)``.
    mutating func submit(_ element: Element, priority: BatchPriority, rows: Int, now: Duration) -> SubmitResult {
        guard lifecycle == .running else { return .rejected(.shuttingDown) }
        guard queuedItems < settings.maxQueueSize, waiters.isEmpty else { return .full }
        if breaker != nil, !breaker!.admit(now: now) {
            return .rejected(.circuitOpen(retryAfter: breakerRetryAfter(now: now)))
        }
        if let error = policy.admissionError(rows: rows, queuedRows: queuedRows) { return .rejected(error) }
        return .accepted(enqueue(element, priority: priority, rows: rows, now: now))
    }

    /// A producer waits up to `timeout` for queue space (`nil`: until there is room or the processor stops).
    ///
    /// Waiting producers are admitted in the order they began to wait, as space frees.
    ///
    /// - Returns: the waiter's id, for ``cancelWaiter(id:)``, and actions (the timer may need rearming).
    mutating func wait(
        _ waiter: Waiter,
        element: Element,
        priority: BatchPriority,
        rows: Int,
        timeout: Duration?,
        now: Duration
    ) -> (id: UInt64, actions: Actions) {
        nextWaiterID += 1
        let deadline = timeout.map { now + $0 }
        waiters.append(
            WaitingProducer(
                id: nextWaiterID, waiter: waiter, element: element, priority: priority, rows: rows,
                since: now, deadline: deadline))
        var actions = Actions()
        // A producer without a deadline needs no timer: admission or stop ends its wait.
        if let deadline { armTimer(for: deadline, &actions.wakeups) }
        return (nextWaiterID, actions)
    }

    /// A waiting producer gave up (its task was cancelled).
    ///
    /// - Returns: the waiter, if it was still waiting, to be resumed with an error.
    mutating func cancelWaiter(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    /// Withdraws the first queued item matching `predicate` (its caller cancelled).
    ///
    /// - Returns: the element if it was still queued (the caller then fails it), and actions.
    mutating func cancel(now: Duration, where predicate: (Element) -> Bool) -> (Element?, Actions) {
        for level in levels.indices {
            guard let index = levels[level].firstIndex(where: { predicate($0.element) }) else { continue }
            let entry = levels[level].remove(at: index)
            queuedItems -= 1
            queuedRows -= entry.rows - entry.dispatchedRows
            var actions = Actions()
            admitWaiters(now: now, &actions)
            finishStopIfDrained(&actions)
            return (entry.element, actions)
        }
        return (nil, .none)
    }

    mutating func enqueue(_ element: Element, priority: BatchPriority, rows: Int, now: Duration) -> Wakeups {
        precondition(rows > 0, "an item has at least one row")
        nextSequence += 1
        let wasEmpty = queuedItems == 0
        let deadline = now + settings.itemTimeout
        // Built in place: a named entry read after the append would be copied, request and all.
        levels[settings.priorities ? priority.rawValue : 0].append(
            Entry(
                element: element, sequence: nextSequence, priority: priority, arrival: now, deadline: deadline,
                rows: rows))
        queuedItems += 1
        queuedRows += rows
        policy.itemArrived(queuedRows: queuedRows, now: now)
        var wakeups = Wakeups()
        // Deadlines grow with arrival, so only an item entering an empty queue can bring the next
        // timer event forward; and a batch due now needs no timer to be sent.
        if wasEmpty {
            let dueNow = readiness(now: now, spareWorkers: spareWorkersBesidesWoken).reason != nil
            armTimer(for: dueNow ? deadline : min(now + settings.batchTimeout, deadline), &wakeups)
        }
        wakeWorkerIfReady(now: now, &wakeups)
        return wakeups
    }

    /// How long until the breaker probes again.
    func breakerRetryAfter(now: Duration) -> Duration {
        if case .open(let until)? = breaker?.state { return max(until - now, .zero) }
        return .zero
    }

    /// Moves waiting producers into freed queue space, oldest first.
    mutating func admitWaiters(now: Duration, _ actions: inout Actions) {
        while queuedItems < settings.maxQueueSize, lifecycle == .running, let producer = waiters.popFirst() {
            actions.wakeups.merge(enqueue(producer.element, priority: producer.priority, rows: producer.rows, now: now))
            actions.admitted.append(producer.waiter)
        }
    }

    /// Asks the timer thread to wake earlier if `deadline` comes before what it sleeps towards.
    mutating func armTimer(for deadline: Duration, _ wakeups: inout Wakeups) {
        guard timerSleeping else { return }
        if let armed = timerArmedAt, armed <= deadline { return }
        timerArmedAt = deadline
        wakeups.wakeTimer = true
    }

    /// The timer thread is about to sleep until `deadline` (`nil`: nothing pending, until woken).
    ///
    /// While anything is pending it never sleeps longer than ``Settings/timerHeartbeat``, so a far
    /// deadline (an item's 30 s timeout) never needs a wake-up of its own: waking the timer on every
    /// item entering an empty queue cost a context switch per item under light load.
    ///
    /// - Returns: when the timer should wake.
    mutating func timerWillSleep(until deadline: Duration?, now: Duration) -> Duration? {
        timerSleeping = true
        timerArmedAt = deadline.map { min($0, now + settings.timerHeartbeat) }
        return timerArmedAt
    }

    /// The timer thread woke up.
    mutating func timerDidWake() {
        timerSleeping = false
    }
}
