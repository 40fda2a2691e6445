import Dispatch

/// Runs independent simulations on several threads. Each run is deterministic on its own, so the
/// results do not depend on how many run at once or in which order they finish.
enum ParallelRuns {
    /// The results of `configurations`, in their order.
    static func run(_ configurations: [SimulationConfiguration], threads: Int) -> [SimulationResult] {
        guard threads > 1, configurations.count > 1 else { return configurations.map(Simulator.run) }
        let box = Box(count: configurations.count)
        DispatchQueue.concurrentPerform(iterations: configurations.count) { index in
            box.store(Simulator.run(configurations[index]), at: index)
        }
        return box.results()
    }

    private final class Box: @unchecked Sendable {
        // @unchecked: each index is written by exactly one iteration, and read after all of them ended.
        private var slots: [SimulationResult?]
        private let lock = DispatchSemaphore(value: 1)

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func store(_ result: SimulationResult, at index: Int) {
            lock.wait()
            slots[index] = result
            lock.signal()
        }

        func results() -> [SimulationResult] { slots.map { $0! } }
    }
}
