/// One simulated run: the costs, the batching setting, the load, and how long.
public struct SimulationConfiguration: Sendable {
    /// The model's costs on the machine simulated.
    public var table: CostTable
    /// The batching setting under test.
    public var setting: BatchingSetting
    /// Who submits, and when.
    public var workload: Workload
    /// Worker threads (defaults to the table's).
    public var workers: Int
    /// Cores the workers and closed-loop callers share (defaults to the table's, or its workers); used
    /// with ``sharedCores``.
    public var cores: Int
    /// Whether closed-loop callers share the cores with the workers, spending
    /// ``SchedulingCosts/callerCPU`` each (the table must have it); otherwise their cost is charged to
    /// the workers as ``SchedulingCosts/closedLoopPerItem``. Off by default: `simulate-check` finds
    /// neither model predicts how the settings rank with closed-loop callers (see AdaptiveComparison).
    public var sharedCores = false
    /// The batch timeout (`batching.timeout`; `batchkit-bench` uses 2 ms).
    public var batchTimeout: Duration = .milliseconds(2)
    /// Queue capacity; an open loop's item is refused when it is full (`batchkit-bench`: 65 536).
    public var queueCapacity = 1 << 16
    /// Simulated seconds before measuring.
    public var warmup = 0.3
    /// Simulated seconds measured: items scheduled in this window count.
    public var duration = 1.0
    /// Simulated seconds after the window for measured items to finish; what is still unfinished then
    /// is cut off, its latency counted up to the cut-off.
    public var grace = 0.25
    /// The seed every random stream of the run derives from.
    public var seed: UInt64 = 1
    /// How often the adaptive controller's target is sampled, in seconds (`nil`: not traced).
    public var traceEvery: Double?
    /// Where the trace's time zero is, in seconds from the start (a load step's time).
    public var traceOrigin = 0.0
    /// Whether noise is drawn (off: every batch takes its table time exactly).
    public var noise = true

    /// A run of `setting` under `workload` on `table`'s costs, with the table's worker count.
    public init(table: CostTable, setting: BatchingSetting, workload: Workload) {
        self.table = table
        self.setting = setting
        self.workload = workload
        self.workers = table.workers
        self.cores = table.cores ?? table.workers
    }
}
