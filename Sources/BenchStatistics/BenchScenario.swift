/// A benchmark scenario `batchkit-bench --scenarios` can run; later scenarios add cases here.
public enum BenchScenario: String, CaseIterable, Sendable {
    /// `DenseModel.forward` and `forwardSingleRow` called directly: the compute core's ceiling.
    case kernel
    /// Closed loop: async tasks awaiting `predict`, against the kernel at the batch size formed.
    case processor
    /// Closed loop: plain threads blocking on `enqueuePredict(…).result()`.
    case sync
    /// Poisson arrivals at fractions of the `processor` capacity; latency from the scheduled arrival.
    case openLoop = "open-loop"
    /// The generic path with an identity function: scheduling cost alone.
    case overhead
    /// Heap allocations per item on the dense path.
    case allocations
    /// The seed's own test: one thread enqueues every item under the default configuration, then
    /// waits on each future.
    case seedWorkload = "seed-workload"
    /// The adaptive strategy against fixed sizes and greedy under open-loop load, and a load step.
    case adaptive

    /// Parses a comma-separated list such as `kernel,processor`, keeping order and dropping repeats.
    public static func parseList(_ text: String) throws(BenchOptionError) -> [BenchScenario] {
        var result: [BenchScenario] = []
        for name in CommaList.split(text) {
            guard let scenario = BenchScenario(rawValue: name) else {
                throw .unknownScenario(name, known: allCases.map(\.rawValue))
            }
            if !result.contains(scenario) { result.append(scenario) }
        }
        guard !result.isEmpty else { throw .emptyList("--scenarios") }
        return result
    }
}
