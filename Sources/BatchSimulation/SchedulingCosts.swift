/// What a batch and an item cost beyond the model's own computation, and how late threads wake: the
/// part of the processor's time the cost table's kernel figures leave out.
///
/// Measured by `batchkit-bench cost-table` on the machine at hand: the per-batch and per-item costs are
/// fitted to the real processor's saturated throughput at several fixed batch sizes (the worker time
/// per batch, `workers × rows ÷ items/s`, minus the kernel's `t(rows)`, is `perBatch + perItem × rows`
/// — everything else a worker and the process do per batch and per item: the lock, completing each
/// item's future, waking its caller, the load generator's submit), the wake-ups by timing a condition
/// variable and a timed wait.
public struct SchedulingCosts: Codable, Sendable, Equatable {
    /// A worker's time per batch outside the model, in seconds.
    public var perBatch: Double
    /// A worker's time per item outside the model, in seconds (it includes what the process's other
    /// threads take from the workers' cores per item).
    public var perItem: Double
    /// From signalling an idle worker to its running, in seconds.
    public var workerWake: Double
    /// How late the timer thread wakes from a timed wait, in seconds.
    public var timerWake: Double
    /// The load generator's shortest sleep (`OpenLoop.sleepQuantum`), in seconds: arrivals falling due
    /// within it are submitted together when it wakes, and their latency counts from the schedule.
    public var submitQuantum: Double
    /// How late the load generator wakes from a sleep (timer slack 1 µs, plus the wake-up), in seconds.
    public var generatorWake: Double
    /// From a result being set to its closed-loop caller submitting again, in seconds.
    public var callerResume: Double
    /// What closed-loop callers take from the workers' cores per item beyond ``perItem``, in seconds:
    /// resuming each caller's task and its next submit run on the same two cores as the workers, and
    /// cost more than the open loop's generator does. Fitted to greedy's throughput with 64 closed-loop
    /// callers and charged to the worker per item in closed-loop runs only. `nil` (read as 0) in tables
    /// measured before it was.
    public var closedLoopPerItem: Double?
    /// The CPU a closed-loop caller spends per item, from its resumption to its next submit, in
    /// seconds, on the cores it shares with the workers (``CostTable/cores``): the closed-loop model of
    /// runs with ``SimulationConfiguration/sharedCores``, where ``closedLoopPerItem`` is not charged.
    /// Fitted to greedy's throughput with 64 closed-loop callers (``CallerCPUFit``); `nil` in tables
    /// measured before it was.
    public var callerCPU: Double?
    /// How long a runnable caller's pool thread waits for a core while workers hold every one before the
    /// kernel's scheduler gives it one of theirs, in seconds (`nil`: at once).
    public var callerPreemptAfter: Double?

    /// Scheduling costs from each figure.
    public init(
        perBatch: Double, perItem: Double, workerWake: Double, timerWake: Double, submitQuantum: Double,
        generatorWake: Double, callerResume: Double, closedLoopPerItem: Double? = nil, callerCPU: Double? = nil,
        callerPreemptAfter: Double? = nil
    ) {
        self.perBatch = perBatch
        self.perItem = perItem
        self.workerWake = workerWake
        self.timerWake = timerWake
        self.submitQuantum = submitQuantum
        self.generatorWake = generatorWake
        self.callerResume = callerResume
        self.closedLoopPerItem = closedLoopPerItem
        self.callerCPU = callerCPU
        self.callerPreemptAfter = callerPreemptAfter
    }

    /// No costs and instant wake-ups: the scheduler's rules alone, against the kernel's times.
    public static let zero = SchedulingCosts(
        perBatch: 0, perItem: 0, workerWake: 0, timerWake: 0, submitQuantum: 0, generatorWake: 0, callerResume: 0)
}
