import BatchProcessing

/// The seed's own workload: one thread enqueues every item with `enqueuePredict`, then waits on each
/// future in turn, as the original module's tests and examples do.
enum SeedWorkload {
    /// What one run of the workload came to.
    struct Run: Sendable {
        /// Items whose futures resolved with an output.
        var completed = 0
        /// Items refused at submission or failed afterwards.
        var failed = 0
        /// From the first submission to the last result.
        var seconds = 0.0
        /// Submission to resolution (the future's `completedAt`) of each completed item.
        var latency = LatencyHistogram()

        var itemsPerSecond: Double { seconds > 0 ? Double(completed) / seconds : 0 }
    }

    /// Submits `count` items from the calling thread, then waits for each; blocks, so call it off the pool.
    ///
    /// - Parameter chunk: items per call: 1 submits with `enqueuePredict(_:)` as the seed does, more
    ///   with `enqueuePredict(contentsOf:)`.
    static func run<Item: Sendable, Output: Sendable>(
        _ processor: BatchProcessor<Item, Output>,
        inputs: [Item],
        count: Int,
        chunk: Int = 1
    ) -> Run {
        let clock = ContinuousClock()
        var futures: [(ContinuousClock.Instant, BatchFuture<Output>)] = []
        futures.reserveCapacity(count)
        var run = Run()
        let start = clock.now
        var index = 0
        if chunk > 1 {
            var block: [Item] = []
            while futures.count < count {
                block.removeAll(keepingCapacity: true)
                for _ in 0..<min(chunk, count - futures.count) {
                    block.append(inputs[index])
                    index = index + 1 == inputs.count ? 0 : index + 1
                }
                let submitted = clock.now
                for future in processor.enqueuePredict(contentsOf: block) { futures.append((submitted, future)) }
            }
        } else {
            for _ in 0..<count {
                let submitted = clock.now
                do {
                    futures.append((submitted, try processor.enqueuePredict(inputs[index])))
                } catch {
                    run.failed += 1
                }
                index = index + 1 == inputs.count ? 0 : index + 1
            }
        }
        for (submitted, future) in futures {
            do {
                _ = try future.result()
                run.completed += 1
                if let completed = future.completedAt { run.latency.record(completed - submitted) }
            } catch {
                run.failed += 1
            }
        }
        run.seconds = (clock.now - start).inSeconds
        return run
    }
}
