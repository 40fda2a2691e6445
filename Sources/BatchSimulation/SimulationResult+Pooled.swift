extension SimulationResult {
    /// Runs of one setting under independent draws of the same process, as one result: their latencies
    /// pooled (so percentiles stand on every run's items), rates averaged, counts summed; the trace and
    /// the controller are the first run's.
    ///
    /// A p99 set by a load's rare long queues rests on the few that happen to fall in one run; pooled
    /// replications are the same run made longer, but run side by side.
    ///
    /// - Precondition: `runs` is not empty.
    public static func pooled(_ runs: [SimulationResult]) -> SimulationResult {
        precondition(!runs.isEmpty, "pooling needs at least one run")
        guard var pooled = runs.first, runs.count > 1 else { return runs[0] }
        let count = Double(runs.count)
        pooled.offeredPerSecond = runs.map(\.offeredPerSecond).reduce(0, +) / count
        pooled.achievedPerSecond = runs.map(\.achievedPerSecond).reduce(0, +) / count
        pooled.completed = runs.map(\.completed).reduce(0, +)
        pooled.errors = runs.map(\.errors).reduce(0, +)
        pooled.cutOff = runs.map(\.cutOff).reduce(0, +)
        pooled.latencies = runs.flatMap(\.latencies).sorted()
        pooled.batches = runs.map(\.batches).reduce(0, +)
        pooled.rows = runs.map(\.rows).reduce(0, +)
        pooled.batchesByReason = runs.reduce(into: [:]) { sum, run in
            sum.merge(run.batchesByReason, uniquingKeysWith: +)
        }
        pooled.events = runs.map(\.events).reduce(0, +)
        return pooled
    }
}
