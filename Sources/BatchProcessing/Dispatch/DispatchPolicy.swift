/// The fixed, greedy and adaptive dispatch rules in one place: how large the next batch is, whether a
/// free worker takes it now or waits, and how the size reacts to batches, memory pressure and the user.
///
/// A plain value owned by ``SchedulerStateMachine``, which asks it under its lock — no allocation, no
/// existential, no lock of its own. The machine keeps what is not about the rule: retries, draining,
/// pausing and the minimum interval between batches are settled before the policy is asked.
///
/// - Fixed: a batch waits for ``target`` rows, or until its oldest item has waited the batch timeout,
///   and then takes ``target`` rows.
/// - Greedy: a free worker takes everything queued, up to the row cap, at once.
/// - Adaptive: ``AdaptiveController`` moves the target with the load and measured costs; a free worker
///   sends short of it while another worker is idle or when the latency objective requires, and a batch
///   takes its share of the queue up to the controller's limit.
struct DispatchPolicy {
    enum Rule: Equatable {
        case fixed
        case greedy
        case adaptive
    }

    /// The scheduler's settings the rules read (see ``SchedulerStateMachine/Settings``).
    struct Settings {
        var minBatchSize: Int
        /// The hard row cap: no batch is larger.
        var rowCap: Int
        var workers: Int
        var batchTimeout: Duration
        /// Shrink the adaptive target after failed batches.
        var reduceOnFailure: Bool
        /// Refuse items predicted to miss the adaptive latency objective.
        var rejectPredictedLate: Bool
    }

    /// The policy's answer to a free worker.
    enum Decision: Equatable {
        /// Take a batch now, for this reason.
        case dispatch(DispatchReason)
        /// Nothing is due before this time unless something else happens.
        case wait(until: Duration)
    }

    let rule: Rule
    let settings: Settings
    /// What a batch waits for, in rows, within `minBatchSize...rowCap`.
    private(set) var target: Int
    /// Sizes batches under the adaptive rule (`nil` under the others).
    var controller: AdaptiveController?

    /// A greedy `strategy` takes everything; otherwise the rule is adaptive when `adaptive` settings are
    /// given and fixed when not.
    init(
        strategy: BatchProcessingStrategy,
        adaptive: AdaptiveController.Settings?,
        settings: Settings,
        initialTarget: Int
    ) {
        self.settings = settings
        self.target = min(max(initialTarget, settings.minBatchSize), settings.rowCap)
        if strategy == .greedy {
            rule = .greedy
        } else if let adaptive {
            rule = .adaptive
            controller = AdaptiveController(settings: adaptive, initialTarget: target)
        } else {
            rule = .fixed
        }
    }

    // MARK: When to dispatch

    /// Whether a free worker should take a batch now, with `queuedRows` rows queued, the oldest of them
    /// arrived at `oldestArrival` (read only when needed), and `spareWorkers` idle workers besides it.
    func decide(
        queuedRows: Int,
        oldestArrival: @autoclosure () -> Duration,
        spareWorkers: Int,
        now: Duration
    ) -> Decision {
        if rule == .greedy { return .dispatch(.greedy) }
        if queuedRows >= target { return .dispatch(.full) }
        // Adaptive: another idle worker would start the next arrival at once, so waiting saves nothing.
        if controller != nil, spareWorkers > 0 { return .dispatch(.idleWorker) }
        let oldest = oldestArrival()
        var due = oldest + settings.batchTimeout
        if due <= now { return .dispatch(.timeout) }
        if let objective = controller?.settings.targetLatency,
            let service = controller?.serviceTime(rows: queuedRows)
        {
            // Send while the oldest item can still make the objective, with a fifth of it to spare.
            let latest = oldest + objective * 0.8 - .nanoseconds(Int64(service * 1e9))
            if latest <= now { return .dispatch(.latency) }
            due = min(due, latest)
        }
        return .wait(until: due)
    }

    /// The most rows a batch sent for `reason` takes.
    ///
    /// Greedy and draining take the queue up to the cap; fixed takes the target. Adaptive waits for the
    /// target and then takes its share of the queue, up to the controller's limit: when the queue takes
    /// long enough to compute to be worth a second worker, this worker takes the rows that make the
    /// whole queue finish soonest, with the rest going to the idle workers — or, with none idle, to the
    /// busy worker predicted to come free first. One worker taking a whole backlog would serialise rows
    /// another could compute in parallel moments later, and a larger batch is not always cheaper per
    /// row (measured on mlp1024: 17–40 rows by GEMM cost about what 16 cost on the small-batch kernel).
    ///
    /// - Parameters:
    ///   - idleWorkers: idle workers besides the one taking the batch.
    ///   - running: the batches being computed (read only when the queue is worth sharing).
    ///
    /// The batch so formed then gives way to the size that costs a worker least per row, service time and
    /// the work around it together (``AdaptiveController/efficientSize(atMost:atLeast:)``), leaving the rest
    /// to the next free worker: a smaller batch that costs clearly less per row (on mlp1024 a backlog of
    /// 20–40 rows went out as one GEMM batch at ~79 µs per row where 16 rows on the small-batch kernel
    /// cost ~61), or, where the cost per row has flattened out, one as cheap whose rows are answered
    /// sooner: a batch above the sizes measured one by one must be clearly cheaper per row to be taken.
    /// Where the cost per row still falls along the fitted line, a backlog that cannot drain goes out in
    /// full batches.
    func batchLimit(
        for reason: DispatchReason,
        queuedRows: Int,
        idleWorkers: Int,
        running: some Sequence<(dispatchedAt: Duration, rows: Int)>,
        now: Duration
    ) -> Int {
        if reason == .greedy || reason == .drain { return settings.rowCap }
        guard let controller else { return target }
        let limit = sharedLimit(
            queuedRows: queuedRows, idleWorkers: idleWorkers, running: running, now: now, controller: controller)
        let take = min(limit, queuedRows)
        guard take > target else { return limit }
        return controller.efficientSize(atMost: take, atLeast: target)
    }

    /// The rows that make the queue finish soonest, shared with the idle workers or the busy one that comes
    /// free first (see ``batchLimit(for:queuedRows:idleWorkers:running:now:)``).
    private func sharedLimit(
        queuedRows: Int,
        idleWorkers: Int,
        running: some Sequence<(dispatchedAt: Duration, rows: Int)>,
        now: Duration,
        controller: AdaptiveController
    ) -> Int {
        let wholeQueue = max(controller.batchLimit, target)
        guard settings.workers > 1, queuedRows > target, controller.worthSharing(rows: queuedRows) else {
            return wholeQueue
        }
        // When the rest would finish, if this worker takes `rows`: split over the idle workers, or queued
        // behind the busy worker that comes free first.
        let comesFree = idleWorkers > 0 ? 0 : Self.soonestPredictedEnd(of: running, now: now, controller: controller)
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
        var (low, high) = (max(target, 1), queuedRows - target)
        guard low <= high else { return wholeQueue }
        while low < high {
            let middle = (low + high) / 2
            if ends(middle) >= restEnds(middle) { high = middle } else { low = middle + 1 }
        }
        var rows = low
        if rows > target, max(ends(rows - 1), restEnds(rows - 1)) <= max(ends(rows), restEnds(rows)) {
            rows -= 1
        }
        if max(ends(rows), restEnds(rows)) >= ends(queuedRows) { return wholeQueue }
        return min(controller.batchLimit, rows)
    }

    /// Seconds from `now` until the first of the `running` batches is predicted to finish.
    private static func soonestPredictedEnd(
        of running: some Sequence<(dispatchedAt: Duration, rows: Int)>,
        now: Duration,
        controller: AdaptiveController
    ) -> Double {
        var soonest = Double.infinity
        for batch in running {
            let elapsed = (now - batch.dispatchedAt).inSeconds
            let remaining = max((controller.workerTime(rows: batch.rows) ?? 0) - elapsed, 0)
            soonest = min(soonest, remaining)
        }
        return soonest.isFinite ? soonest : 0
    }

    // MARK: Admission

    /// The error for an item of `rows` rows predicted to miss the latency objective, if such items are
    /// refused and this one will.
    ///
    /// The prediction: the queue, this item last, drains in rounds of one batch per worker, each batch
    /// as large as the queue shared among the workers (at least the target, at most the batch limit),
    /// each round taking that batch's measured service time.
    func admissionError(rows: Int, queuedRows: Int) -> BatchProcessorError? {
        guard settings.rejectPredictedLate, let controller, let objective = controller.settings.targetLatency else {
            return nil
        }
        let workers = max(settings.workers, 1)
        let pending = queuedRows + rows
        let size = max(min(max((pending + workers - 1) / workers, target), controller.batchLimit), 1)
        guard let service = controller.serviceTime(rows: size), service > 0 else { return nil }
        let rounds = (pending + workers * size - 1) / (workers * size)
        let predicted = Double(rounds) * service
        guard predicted > objective.inSeconds else { return nil }
        return .overloaded(predicted: .microseconds(Int64((predicted * 1e6).rounded())), objective: objective)
    }

    // MARK: Reactions

    /// An item entered the queue, which now holds `queuedRows` rows.
    mutating func itemArrived(queuedRows: Int, now: Duration) {
        guard controller != nil else { return }
        controller!.recordArrival()
        // The target moves only when the rate is folded in or a batch is measured (which decides on
        // its own), so most arrivals skip the decision: it ran under the lock for every item.
        if controller!.rateIsDue(now: now) {
            controller!.decide(now: now, queuedRows: queuedRows)
            target = controller!.target
        }
    }

    /// A batch of `rows` rows ended after `serviceTime`, `succeeded` or not; `queuedRows` rows wait.
    ///
    /// `busyTime` is how long the batch kept its worker, dispatch to completion, when known.
    mutating func batchEnded(
        rows: Int, serviceTime: Duration, busyTime: Duration? = nil, succeeded: Bool, queuedRows: Int,
        now: Duration
    ) {
        guard controller != nil else { return }
        controller!.recordBatch(
            rows: rows, serviceTime: serviceTime, busyTime: busyTime,
            succeeded: succeeded || !settings.reduceOnFailure)
        controller!.decide(now: now, queuedRows: queuedRows)
        target = controller!.target
    }

    /// Sets the target (`updateBatchSize`), clamped to `minBatchSize...rowCap`; the adaptive rule keeps it
    /// until its next decision.
    mutating func setTarget(_ size: Int) {
        target = min(max(size, settings.minBatchSize), settings.rowCap)
        controller?.override(target)
    }

    /// System memory is critical (or no longer): the adaptive rule halves its target and limit meanwhile.
    mutating func setMemoryPressure(critical: Bool) {
        controller?.setMemoryScale(critical ? 0.5 : 1)
    }
}
