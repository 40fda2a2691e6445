import BatchProcessing
import Dispatch
import Locking

extension HandoffFloor {
    /// What one timed run of the bare hand-off did.
    struct Run {
        var items = 0
        var cpuSeconds = 0.0

        /// Process CPU time per item, in nanoseconds.
        var cpuNanosecondsPerItem: Double { items > 0 ? cpuSeconds * 1e9 / Double(items) : 0 }
    }

    /// Runs `producers` callers through a fresh hand-off for `duration`, as the closed loops run the
    /// processor: tasks awaiting one item at a time, or threads blocking on one at a time.
    ///
    /// Each caller reads the clock once per item, as the processor's closed loops do to stop on time.
    static func closedLoop(
        blocking: Bool,
        producers: Int,
        workers: Int,
        batchLimit: Int,
        duration: Duration
    ) async -> Run {
        let floor = HandoffFloor(workers: workers, batchLimit: batchLimit)
        let run =
            blocking
            ? await offPool { threads(floor, producers: producers, duration: duration) }
            : await tasks(floor, producers: producers, duration: duration)
        await offPool { floor.close() }
        return run
    }

    private static func tasks(_ floor: HandoffFloor, producers: Int, duration: Duration) async -> Run {
        let clock = ContinuousClock()
        let cpu = ProcessCPU.seconds()
        let deadline = clock.now + duration
        let items = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<producers {
                group.addTask {
                    var items = 0
                    while clock.now < deadline {
                        await floor.submit()
                        items += 1
                    }
                    return items
                }
            }
            return await group.reduce(0, +)
        }
        return Run(items: items, cpuSeconds: ProcessCPU.seconds() - cpu)
    }

    private static func threads(_ floor: HandoffFloor, producers: Int, duration: Duration) -> Run {
        let gate = StartGate(parties: producers)
        let counts = Locked(0)
        let threads = (0..<producers).map { _ in
            WorkerThread(name: "floor-producer") {
                let clock = ContinuousClock()
                let semaphore = DispatchSemaphore(value: 0)
                let (_, deadline) = gate.arrive()
                var items = 0
                while clock.now < deadline {
                    floor.submitBlocking(semaphore)
                    items += 1
                }
                counts.withLock { $0 += items }
            }
        }
        gate.waitForAll()
        let cpu = ProcessCPU.seconds()
        gate.open(for: duration)
        for thread in threads { thread.join() }
        return Run(items: counts.withLock { $0 }, cpuSeconds: ProcessCPU.seconds() - cpu)
    }
}
