import BatchKitCore
import BatchProcessing
import Locking

/// Closed-loop load: `producers` callers, each submitting one item and waiting for its result before
/// submitting the next, for a fixed time. Measures items per second, the batches formed and each
/// item's latency (submit to result, taken by the caller).
enum ClosedLoop {
    /// One closed-loop run.
    struct Run: Sendable {
        /// Items completed (successfully or not).
        var items = 0
        /// Items that failed; a healthy benchmark has none.
        var errors = 0
        /// From releasing the producers to the last result.
        var seconds = 0.0
        /// Batches the processor completed during the run.
        var batches = 0
        /// Rows those batches held.
        var rows = 0
        /// CPU seconds the whole process used during the run.
        var cpuSeconds = 0.0
        var latency = LatencyHistogram()

        var itemsPerSecond: Double { Double(items) / seconds }
        /// Mean rows per batch formed during the run.
        var meanBatch: Double { batches == 0 ? 0 : Double(rows) / Double(batches) }
        /// CPU nanoseconds per item, all threads: callers, scheduler and workers.
        var cpuNanosecondsPerItem: Double { items == 0 ? 0 : cpuSeconds / Double(items) * 1e9 }

        mutating func add(_ part: Run) {
            items += part.items
            errors += part.errors
            latency.merge(part.latency)
        }
    }

    /// `producers` child tasks calling `predict` in a loop for `duration`.
    static func tasks<Item: Sendable, Output: Sendable>(
        _ processor: BatchProcessor<Item, Output>,
        items: [Item],
        producers: Int,
        duration: Duration
    ) async -> Run {
        let clock = ContinuousClock()
        let mark = Mark(processor, start: clock.now)
        let deadline = mark.start + duration
        var run = await withTaskGroup(of: Run.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var part = Run()
                    var index = producer % items.count
                    while true {
                        let begin = clock.now
                        if begin >= deadline { break }
                        do {
                            _ = try await processor.predict(items[index])
                        } catch {
                            part.errors += 1
                        }
                        part.latency.record(clock.now - begin)
                        part.items += 1
                        index = index + 1 == items.count ? 0 : index + 1
                    }
                    return part
                }
            }
            var total = Run()
            for await part in group { total.add(part) }
            return total
        }
        mark.finish(&run, processor)
        return run
    }

    /// `producers` plain threads calling `enqueuePredict` and blocking on `result()` for `duration`.
    static func threads<Item: Sendable, Output: Sendable>(
        _ processor: BatchProcessor<Item, Output>,
        items: [Item],
        producers: Int,
        duration: Duration
    ) -> Run {
        let gate = StartGate(parties: producers)
        let parts = Locked<[Run]>([])
        let threads = (0..<producers).map { producer in
            WorkerThread(name: "bench-producer") {
                let clock = ContinuousClock()
                var part = Run()
                var index = producer % items.count
                let (_, deadline) = gate.arrive()
                while true {
                    let begin = clock.now
                    if begin >= deadline { break }
                    do {
                        _ = try processor.enqueuePredict(items[index]).result()
                    } catch {
                        part.errors += 1
                    }
                    part.latency.record(clock.now - begin)
                    part.items += 1
                    index = index + 1 == items.count ? 0 : index + 1
                }
                parts.withLock { $0.append(part) }
            }
        }
        gate.waitForAll()
        var mark = Mark(processor, start: ContinuousClock().now)
        mark.start = gate.open(for: duration)
        for thread in threads { thread.join() }
        var run = Run()
        for part in parts.withLock({ $0 }) { run.add(part) }
        mark.finish(&run, processor)
        return run
    }

    /// The processor's counters and the process's CPU time as a timed run starts.
    private struct Mark {
        let window: BatchStatsSnapshot
        let cpuSeconds: Double
        var start: ContinuousClock.Instant

        init<Item: Sendable, Output: Sendable>(
            _ processor: BatchProcessor<Item, Output>, start: ContinuousClock.Instant
        ) {
            window = processor.stats().window
            cpuSeconds = ProcessCPU.seconds()
            self.start = start
        }

        /// Fills in the run's time, CPU time, batches and rows since the mark.
        func finish<Item: Sendable, Output: Sendable>(_ run: inout Run, _ processor: BatchProcessor<Item, Output>) {
            run.seconds = (ContinuousClock().now - start).inSeconds
            run.cpuSeconds = ProcessCPU.seconds() - cpuSeconds
            let after = processor.stats().window
            run.batches = after.totalBatches - window.totalBatches
            // Single-row items: every completed item is one row of some batch.
            run.rows = after.totalItems - window.totalItems
        }
    }

    /// Producer `producer`'s part of `count` items split as evenly as possible over `producers`.
    static func share(of count: Int, producer: Int, producers: Int) -> Int {
        count / producers + (producer < count % producers ? 1 : 0)
    }

    /// Exactly `count` items from `producers` tasks (for counting allocations per item).
    static func tasks<Item: Sendable, Output: Sendable>(
        _ processor: BatchProcessor<Item, Output>,
        items: [Item],
        producers: Int,
        count: Int
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                let share = share(of: count, producer: producer, producers: producers)
                group.addTask {
                    var index = producer % items.count
                    for _ in 0..<share {
                        _ = try? await processor.predict(items[index])
                        index = index + 1 == items.count ? 0 : index + 1
                    }
                }
            }
        }
    }

    /// Exactly `count` items from `producers` threads; `around` brackets the run once every thread is
    /// ready (for counting allocations per item without counting thread start-up).
    ///
    /// Each thread first runs `warmUp` items of its own, before `around` and not among the `count`:
    /// what a thread makes once, on its first items (its blocking waiter, its spare request cells), is
    /// then not charged to the items counted.
    static func threads<Item: Sendable, Output: Sendable>(
        _ processor: BatchProcessor<Item, Output>,
        items: [Item],
        producers: Int,
        count: Int,
        warmUp: Int = 0,
        around: (() -> Void) -> Void
    ) {
        let gate = StartGate(parties: producers)
        let threads = (0..<producers).map { producer in
            let share = share(of: count, producer: producer, producers: producers)
            return WorkerThread(name: "bench-producer") {
                var index = producer % items.count
                for _ in 0..<warmUp { _ = try? processor.enqueuePredict(items[index]).result() }
                _ = gate.arrive()
                for _ in 0..<share {
                    _ = try? processor.enqueuePredict(items[index]).result()
                    index = index + 1 == items.count ? 0 : index + 1
                }
            }
        }
        gate.waitForAll()
        around {
            gate.open(for: .zero)
            for thread in threads { thread.join() }
        }
    }
}
