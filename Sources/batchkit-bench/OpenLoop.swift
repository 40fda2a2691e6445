import BatchKitCore
import BatchProcessing
import DenseKernels
import FoundationEssentials
import Locking

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Open-loop load: Poisson arrivals at a fixed rate from a dedicated generator thread, whatever the
/// processor does, with each item's latency measured from its *scheduled* arrival time.
///
/// Measuring from the schedule rather than from the actual submit avoids coordinated omission: if the
/// generator or the processor falls behind, the delay shows up in the latencies instead of silently
/// lowering the offered load. A second thread collects results in arrival order and reads each one's
/// ``BatchProcessing/BatchFuture/completedAt``, so an item finishing before an older one, and the
/// collector's own wake-ups, do not count.
enum OpenLoop {
    /// One load level's measurements.
    struct Run: Sendable {
        var arrivals = 0
        var completed = 0
        var errors = 0
        var offeredPerSecond = 0.0
        var achievedPerSecond = 0.0
        var latency = LatencyHistogram()
        var submitLag = LatencyHistogram()
        var batches = 0
        var rows = 0
        /// Batches formed during the run, by why they went out.
        var batchesByReason: [DispatchReason: Int] = [:]
        /// CPU seconds the process used while the measured arrivals were offered.
        var cpuSeconds = 0.0

        var meanBatch: Double { batches == 0 ? 0 : Double(rows) / Double(batches) }
    }

    private struct Entry: Sendable {
        var future: BatchFuture<[Float]>?
        var scheduled: ContinuousClock.Instant
        var measured: Bool
    }

    /// Offers `rate` items per second for `warmup + duration`, measuring the part after `warmup`.
    static func run(
        _ processor: BatchProcessor<[Float], [Float]>,
        items: [[Float]],
        rate: Double,
        warmup: Duration,
        duration: Duration
    ) -> Run {
        let clock = ContinuousClock()
        let expected = Int(rate * (warmup + duration).inSeconds) + 16
        let handoff = Handoff<Entry>(capacity: min(expected, 1 << 20))
        let before = processor.stats().window
        let start = clock.now + .milliseconds(2)
        let measureFrom = start + warmup
        let end = measureFrom + duration
        let generated = Locked(Run())

        let generator = WorkerThread(name: "bench-generator") {
            tightenTimerSlack()
            raisePriority()
            var generator = SplitMix64(seed: 2024)
            var run = Run()
            var scheduled = start
            var index = 0
            var cpuAtMeasureFrom: Double?
            while scheduled < end {
                waitUntil(scheduled, clock: clock)
                let measured = scheduled >= measureFrom
                if measured && cpuAtMeasureFrom == nil { cpuAtMeasureFrom = ProcessCPU.seconds() }
                var future: BatchFuture<[Float]>?
                do {
                    // Fail fast: an open loop must not slow its arrivals, so a full queue is a refusal.
                    future = try processor.enqueuePredict(items[index], timeout: .zero)
                } catch {
                    run.errors += measured ? 1 : 0
                }
                if measured {
                    run.arrivals += 1
                    run.submitLag.record(clock.now - scheduled)
                }
                handoff.push(Entry(future: future, scheduled: scheduled, measured: measured))
                index = index + 1 == items.count ? 0 : index + 1
                // Exponential gaps: the arrivals of a Poisson process.
                let uniform = Double(generator.next() >> 11) * 0x1p-53
                scheduled += .seconds(double: -log1p(-uniform) / rate)
            }
            run.cpuSeconds = cpuAtMeasureFrom.map { ProcessCPU.seconds() - $0 } ?? 0
            handoff.close()
            generated.withLock { $0 = run }
        }

        let collected = Locked(Run())
        // The collector keeps normal priority and looks every millisecond: latencies are stamped when each
        // result is set, so its own timing does not matter, and it should not compete with the workers.
        let collector = WorkerThread(name: "bench-collector") {
            var run = Run()
            var batch: [Entry] = []
            batch.reserveCapacity(min(expected, 1 << 20))
            var lastCompletion = measureFrom
            while handoff.take(into: &batch) {
                for entry in batch {
                    guard let future = entry.future else { continue }
                    let failed: Bool
                    do {
                        _ = try future.result()
                        failed = false
                    } catch {
                        failed = true
                    }
                    guard entry.measured else { continue }
                    // The instant the result was set, not when this thread got to it: futures are
                    // collected in submission order, and this thread's own wake-up is not the processor's.
                    let done = future.completedAt ?? clock.now
                    run.latency.record(done - entry.scheduled)
                    if failed { run.errors += 1 } else { run.completed += 1 }
                    lastCompletion = max(lastCompletion, done)
                }
                batch.removeAll(keepingCapacity: true)
                pauseCollector()
            }
            let span = (lastCompletion - measureFrom).inSeconds
            run.achievedPerSecond = span > 0 ? Double(run.completed) / span : 0
            collected.withLock { $0 = run }
        }
        generator.join()
        collector.join()

        var run = collected.withLock { $0 }
        let submitted = generated.withLock { $0 }
        run.arrivals = submitted.arrivals
        run.errors += submitted.errors
        run.submitLag = submitted.submitLag
        run.cpuSeconds = submitted.cpuSeconds
        run.offeredPerSecond = Double(submitted.arrivals) / duration.inSeconds
        let after = processor.stats().window
        run.batches = after.totalBatches - before.totalBatches
        run.rows = after.totalItems - before.totalItems
        run.batchesByReason = after.batchesByReason.merging(
            before.batchesByReason.mapValues { -$0 }, uniquingKeysWith: +)
        return run
    }

    /// The generator's shortest sleep: arrivals due within it are submitted together when it wakes.
    ///
    /// Spinning for exact arrival times (as this harness first did) kept a high-priority thread
    /// runnable for most of a core, and on two cores the workers then waited for it in
    /// scheduler-slice-sized stalls: the same setting's p99 moved 1–18 ms from run to run. Sleeping at
    /// least 50 µs costs each item at most that much lateness, which is measured (from the schedule)
    /// and the same for every setting compared.
    static let sleepQuantum = Duration.microseconds(50)

    /// Sleeps until `deadline`, or for ``sleepQuantum`` if that is sooner; returns at once if it passed.
    static func waitUntil(_ deadline: ContinuousClock.Instant, clock: ContinuousClock) {
        let remaining = deadline - clock.now
        if remaining <= .zero { return }
        let (seconds, attoseconds) = max(remaining, sleepQuantum).components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        nanosleep(&request, nil)
    }

    /// The collector's pause between looks at the handoff: latencies are stamped when each result is
    /// set, so a millisecond's delay costs the measurement nothing and saves the workers a wake-up per
    /// item.
    static func pauseCollector() {
        var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
        nanosleep(&pause, nil)
    }

    /// Gives this thread precedence over the workers (nice −10), so arrivals and their timestamps stay on
    /// schedule while the workers keep both cores busy, as arrivals from the network would. Best effort:
    /// without the privilege the thread keeps its priority, and the submit lag shows the cost.
    private static func raisePriority() {
        #if os(Linux)
            // On Linux, PRIO_PROCESS with id 0 applies to the calling thread only.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -10)
        #endif
    }

    /// Lowers this thread's timer slack from Linux's default 50 µs to 1 µs so short sleeps end on time
    /// (best effort: without the file, sleeps are just less precise, and the lag says so).
    static func tightenTimerSlack() {
        let descriptor = open("/proc/thread-self/timerslack_ns", O_WRONLY)
        guard descriptor >= 0 else { return }
        _ = "1000".withCString { write(descriptor, $0, 4) }
        close(descriptor)
    }
}
