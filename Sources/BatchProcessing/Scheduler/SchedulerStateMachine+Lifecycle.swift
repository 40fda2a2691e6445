import DequeModule

extension SchedulerStateMachine {
    /// Stops accepting items. `drain` sends everything queued regardless of batch size, timeout and
    /// pause; `cancel` fails everything queued at once. Waiting producers fail in both modes.
    ///
    /// Idempotent: a second call changes nothing.
    mutating func stop(mode: StopMode, now: Duration) -> Actions {
        guard lifecycle == .running else { return .none }
        lifecycle = .draining
        var actions = Actions()
        while let producer = waiters.popFirst() { actions.rejected.append((producer.waiter, .shuttingDown)) }
        if mode == .cancel {
            failQueued(with: .shuttingDown, &actions)
            failRetries(with: .shuttingDown, &actions)
        }
        finishStopIfDrained(&actions)
        actions.wakeAllWorkers = true
        return actions
    }

    /// The stop timeout passed: fail whatever is still queued or running, and stop now.
    mutating func forceStop() -> Actions {
        var actions = Actions()
        while let producer = waiters.popFirst() { actions.rejected.append((producer.waiter, .shuttingDown)) }
        failQueued(with: .shuttingDown, &actions)
        failRetries(with: .shuttingDown, &actions)
        for batch in inFlight.values {
            for part in batch.parts where part.deadline > batch.expiredThrough {
                actions.failures.append((part.element, .shuttingDown))
            }
        }
        inFlight.removeAll()
        if lifecycle != .stopped {
            lifecycle = .stopped
            actions.stopped = true
        }
        actions.wakeAllWorkers = true
        return actions
    }

    private mutating func failRetries(with error: BatchProcessorError, _ actions: inout Actions) {
        for retry in retries {
            for part in retry.parts { actions.failures.append((part.element, error)) }
        }
        retries.removeAll()
    }

    private mutating func failQueued(with error: BatchProcessorError, _ actions: inout Actions) {
        for level in levels.indices {
            while let entry = levels[level].popFirst() { actions.failures.append((entry.element, error)) }
        }
        queuedItems = 0
        queuedRows = 0
    }

    /// Completes a stop once nothing is queued or running.
    mutating func finishStopIfDrained(_ actions: inout Actions) {
        guard lifecycle == .draining, queuedItems == 0, inFlight.isEmpty, retries.isEmpty else { return }
        lifecycle = .stopped
        actions.stopped = true
        actions.wakeAllWorkers = true
    }
}
