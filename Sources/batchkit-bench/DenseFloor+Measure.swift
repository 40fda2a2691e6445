import BatchProcessing
import DenseKernels
import Locking

extension DenseFloor {
    /// What one timed run of the bare pipeline did.
    struct Run: Sendable {
        var items = 0
        /// Items whose output differed from the model's; a sound floor has none.
        var failed = 0
        var seconds = 0.0
        var batches = 0
        var rows = 0
        /// CPU seconds the whole process used during the run.
        var cpuSeconds = 0.0

        var itemsPerSecond: Double { seconds > 0 ? Double(items) / seconds : 0 }
        /// Mean rows per batch formed during the run.
        var meanBatch: Double { batches == 0 ? 0 : Double(rows) / Double(batches) }
        /// CPU nanoseconds per item, all threads: callers, hand-off, packing, kernel and outputs.
        var cpuNanosecondsPerItem: Double { items == 0 ? 0 : cpuSeconds / Double(items) * 1e9 }
    }

    /// Runs `producers` callers through a fresh pipeline for `duration`, as the processor's closed loops
    /// run: tasks awaiting one item at a time, or threads blocking on one at a time, each cycling through
    /// `inputs` from its own offset. Each caller's first output is checked against the model.
    static func closedLoop(
        model: DenseModel,
        inputs: [[Float]],
        blocking: Bool,
        producers: Int,
        workers: Int,
        batchLimit: Int,
        duration: Duration
    ) async -> Run {
        let floor = DenseFloor(
            model: model, workers: workers, batchLimit: batchLimit,
            maxItemRows: inputs.map { $0.count / model.inputWidth }.max() ?? 1)
        let expected = FloorOutputs.reference(model: model, inputs: inputs)
        // A short warm-up, so the workers' slabs are paged in and the callers running before the clock starts.
        _ = await floor.tasks(inputs: inputs, expected: expected, producers: producers, duration: .milliseconds(100))
        let before = floor.counts
        var run =
            blocking
            ? await offPool {
                floor.threads(inputs: inputs, expected: expected, producers: producers, duration: duration)
            }
            : await floor.tasks(inputs: inputs, expected: expected, producers: producers, duration: duration)
        let after = floor.counts
        (run.batches, run.rows) = (after.batches - before.batches, after.rows - before.rows)
        await offPool { floor.close() }
        return run
    }

    private func tasks(inputs: [[Float]], expected: [[Float]], producers: Int, duration: Duration) async -> Run {
        let clock = ContinuousClock()
        let cpu = ProcessCPU.seconds()
        let start = clock.now
        let deadline = start + duration
        var run = await withTaskGroup(of: Run.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var run = Run()
                    var index = producer % inputs.count
                    let output = await self.predict(inputs[index])
                    if !FloorOutputs.matches(output, expected[index]) { run.failed += 1 }
                    run.items += 1
                    while clock.now < deadline {
                        index = index + 1 == inputs.count ? 0 : index + 1
                        _ = await self.predict(inputs[index])
                        run.items += 1
                    }
                    return run
                }
            }
            return await group.reduce(into: Run()) { total, run in
                total.items += run.items
                total.failed += run.failed
            }
        }
        run.seconds = (clock.now - start).inSeconds
        run.cpuSeconds = ProcessCPU.seconds() - cpu
        return run
    }

    private func threads(inputs: [[Float]], expected: [[Float]], producers: Int, duration: Duration) -> Run {
        let gate = StartGate(parties: producers)
        let total = Locked(Run())
        let threads = (0..<producers).map { producer in
            WorkerThread(name: "dense-floor-producer") {
                let clock = ContinuousClock()
                let slot = ThreadSlot()
                var run = Run()
                var index = producer % inputs.count
                let (_, deadline) = gate.arrive()
                let output = self.predictBlocking(inputs[index], slot: slot)
                if !FloorOutputs.matches(output, expected[index]) { run.failed += 1 }
                run.items += 1
                while clock.now < deadline {
                    index = index + 1 == inputs.count ? 0 : index + 1
                    _ = self.predictBlocking(inputs[index], slot: slot)
                    run.items += 1
                }
                total.withLock {
                    $0.items += run.items
                    $0.failed += run.failed
                }
            }
        }
        // Thread start-up is not the pipeline's cost: the clocks start once every caller is ready.
        gate.waitForAll()
        let cpu = ProcessCPU.seconds()
        let start = gate.open(for: duration)
        for thread in threads { thread.join() }
        var run = total.withLock { $0 }
        run.seconds = (ContinuousClock().now - start).inSeconds
        run.cpuSeconds = ProcessCPU.seconds() - cpu
        return run
    }
}
