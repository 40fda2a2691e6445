import BatchProcessing
import DenseKernels

extension SeedFloor {
    /// Runs the seed workload's shape through a fresh floor, as ``SeedWorkload/run(_:inputs:count:chunk:)``
    /// runs it through a processor: after a warm-up of a quarter as many, `count` rows submitted from the
    /// calling thread, then each waited on. Blocks, so call it off the pool.
    ///
    /// - Returns: the timed run and the mean rows per batch it formed.
    static func run(
        model: DenseModel,
        inputs: [[Float]],
        count: Int,
        workers: Int,
        batchLimit: Int,
        capacity: Int
    ) -> (run: SeedWorkload.Run, meanBatch: Double) {
        let floor = SeedFloor(model: model, workers: workers, batchLimit: batchLimit, capacity: capacity)
        defer { floor.close() }
        _ = floor.drive(inputs: inputs, count: max(1, count / 4))
        let before = floor.counts
        let run = floor.drive(inputs: inputs, count: count)
        let after = floor.counts
        let batches = after.batches - before.batches
        return (run, batches == 0 ? 0 : Double(after.items - before.items) / Double(batches))
    }

    /// Submits `count` rows, cycling through `inputs`, then waits on each future in turn.
    ///
    /// The first output for each input is checked against a forward pass of all the inputs at once, so a
    /// floor that delivered wrong rows would count them as failed rather than look fast.
    func drive(inputs: [[Float]], count: Int) -> SeedWorkload.Run {
        let expected = FloorOutputs.reference(model: model, inputs: inputs)
        let clock = ContinuousClock()
        var futures: [(ContinuousClock.Instant, Future)] = []
        futures.reserveCapacity(count)
        var run = SeedWorkload.Run()
        let start = clock.now
        var index = 0
        for _ in 0..<count {
            futures.append((clock.now, submit(inputs[index])))
            index = index + 1 == inputs.count ? 0 : index + 1
        }
        for (position, (submitted, future)) in futures.enumerated() {
            let (output, completedAt) = wait(future)
            if position < expected.count && !FloorOutputs.matches(output, expected[position]) {
                run.failed += 1
                continue
            }
            run.completed += 1
            if let completedAt { run.latency.record(completedAt - submitted) }
        }
        run.seconds = (clock.now - start).inSeconds
        return run
    }
}
