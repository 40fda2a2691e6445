import BatchProcessing
import Locking

/// Runs independent simulations on several threads of its own. Each run is deterministic on its own, so
/// the results do not depend on how many run at once or in which order they finish.
///
/// Plain threads, not Dispatch: on Linux `concurrentPerform` runs on the global queues' threads, which
/// are the Swift concurrency pool's, and seconds of simulation there starve every task of the process.
enum ParallelRuns {
    /// The results of `configurations`, in their order.
    static func run(_ configurations: [SimulationConfiguration], threads: Int) -> [SimulationResult] {
        guard threads > 1, configurations.count > 1 else { return configurations.map(Simulator.run) }
        let next = Locked(0)
        let results = Locked([SimulationResult?](repeating: nil, count: configurations.count))
        let workers = (0..<min(threads, configurations.count)).map { _ in
            WorkerThread(name: "simulation") {
                while true {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < configurations.count else { return }
                    let result = Simulator.run(configurations[index])
                    results.withLock { $0[index] = result }
                }
            }
        }
        for worker in workers { worker.join() }
        return results.withLock { $0.map { $0! } }
    }
}
