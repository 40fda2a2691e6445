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

/// Open-loop Poisson load whose rate steps from `low` to `high` mid-run, with the adaptive controller's
/// target sampled every few milliseconds: how fast the controller follows a load change.
///
/// Latency is measured from each item's scheduled arrival, as in ``OpenLoop``, and split by whether the
/// item was scheduled before or after the step.
enum AdaptiveStepLoad {
    /// One controller sample: milliseconds since the step (negative before it), target and reason.
    struct Sample: Sendable {
        var milliseconds: Double
        var target: Int
        var reason: String
    }

    /// The step run's measurements.
    struct Run: Sendable {
        var before = LatencyHistogram()
        var after = LatencyHistogram()
        var errors = 0
        var samples: [Sample] = []
        /// The controller's state when the load stopped.
        var controller: AdaptiveControllerSnapshot?
    }

    private struct Entry: Sendable {
        var future: BatchFuture<[Float]>?
        var scheduled: ContinuousClock.Instant
        /// 0: warm-up (not measured), 1: before the step, 2: after it.
        var phase: Int
    }

    /// Offers `low` items per second for `warmup + before`, then `high` for `after`.
    static func run(
        _ processor: BatchProcessor<[Float], [Float]>,
        items: [[Float]],
        low: Double,
        high: Double,
        warmup: Duration,
        before: Duration,
        after: Duration,
        sampleEvery: Duration
    ) -> Run {
        let clock = ContinuousClock()
        let expected = Int(low * (warmup + before).inSeconds + high * after.inSeconds) + 16
        let handoff = Handoff<Entry>(capacity: min(expected, 1 << 20))
        let start = clock.now + .milliseconds(2)
        let measureFrom = start + warmup
        let step = measureFrom + before
        let end = step + after
        let generatorErrors = Locked(0)

        let generator = WorkerThread(name: "bench-generator") {
            OpenLoop.tightenTimerSlack()
            var random = SplitMix64(seed: 2025)
            var errors = 0
            var scheduled = start
            var index = 0
            while scheduled < end {
                OpenLoop.waitUntil(scheduled, clock: clock)
                var future: BatchFuture<[Float]>?
                do {
                    // Fail fast: an open loop must not slow its arrivals, so a full queue is a refusal.
                    future = try processor.enqueuePredict(items[index], timeout: .zero)
                } catch {
                    errors += 1
                }
                let phase = scheduled < measureFrom ? 0 : scheduled < step ? 1 : 2
                handoff.push(Entry(future: future, scheduled: scheduled, phase: phase))
                index = index + 1 == items.count ? 0 : index + 1
                let uniform = Double(random.next() >> 11) * 0x1p-53
                scheduled += .seconds(double: -log1p(-uniform) / (scheduled < step ? low : high))
            }
            handoff.close()
            generatorErrors.withLock { $0 = errors }
        }

        let collected = Locked(Run())
        let collector = WorkerThread(name: "bench-collector") {
            var run = Run()
            var batch: [Entry] = []
            batch.reserveCapacity(min(expected, 1 << 20))
            while handoff.take(into: &batch) {
                for entry in batch {
                    guard let future = entry.future else { continue }
                    do {
                        _ = try future.result()
                    } catch {
                        run.errors += entry.phase > 0 ? 1 : 0
                    }
                    // The instant the result was set, as in OpenLoop.
                    let latency = (future.completedAt ?? clock.now) - entry.scheduled
                    if entry.phase == 1 { run.before.record(latency) }
                    if entry.phase == 2 { run.after.record(latency) }
                }
                batch.removeAll(keepingCapacity: true)
                OpenLoop.pauseCollector()
            }
            collected.withLock { $0 = run }
        }

        // Sampled from a thread of its own so the interval holds whatever the other two are doing.
        let samples = Locked([Sample]())
        let sampler = WorkerThread(name: "bench-sampler") {
            OpenLoop.tightenTimerSlack()
            var local: [Sample] = []
            local.reserveCapacity(Int((end - measureFrom).inSeconds / sampleEvery.inSeconds) + 16)
            var next = measureFrom
            while next < end {
                OpenLoop.waitUntil(next, clock: clock)
                if let controller = processor.stats().controller {
                    local.append(
                        Sample(
                            milliseconds: (clock.now - step).inSeconds * 1e3, target: controller.target,
                            reason: controller.reason))
                }
                next += sampleEvery
            }
            samples.withLock { $0 = local }
        }
        generator.join()
        sampler.join()
        let controller = processor.stats().controller
        collector.join()

        var run = collected.withLock { $0 }
        run.errors += generatorErrors.withLock { $0 }
        run.samples = samples.withLock { $0 }
        run.controller = controller
        return run
    }

    /// Milliseconds after the step until the target, median-filtered over `smoothing` samples, stays
    /// within `tolerance` of its final value (the median of the last quarter of the samples after the
    /// step), and that final value; `nil` when it is still outside the band in that last quarter.
    ///
    /// At the 10 ms sample interval the filter spans 100 ms: the arrival-rate estimate itself averages
    /// over 100 ms, so faster wobble is Poisson noise in the estimate rather than a change of setting.
    static func settle(
        _ samples: [Sample],
        tolerance: Double = 0.1,
        smoothing: Int = 10
    ) -> (milliseconds: Double?, final: Int) {
        let after = samples.filter { $0.milliseconds >= 0 }
        guard !after.isEmpty else { return (nil, 0) }
        let smoothed = after.indices.map { index in
            let window = after[max(0, index - smoothing / 2)..<min(after.count, index + smoothing / 2 + 1)]
            let sorted = window.map(\.target).sorted()
            return sorted[sorted.count / 2]
        }
        let tail = smoothed.suffix(max(1, smoothed.count / 4)).sorted()
        let final = tail[tail.count / 2]
        let band = Double(final) * tolerance
        // ±1 row as well: a target of 3 moving to 4 is within any sensible tolerance.
        let outside = smoothed.lastIndex { abs(Double($0 - final)) > max(band, 1) }
        guard let outside else { return (0, final) }
        if outside >= smoothed.count - tail.count { return (nil, final) }
        return (after[outside + 1].milliseconds, final)
    }
}
