import BatchKitCore
import BatchProcessing
import BatchSimulation
import DenseBatching
import DenseKernels
import Locking

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Measures one model's cost table for the simulator on this machine: `t(n)` from the real kernel, the
/// noise around it, the scheduling costs from the real processor, and the wake-ups.
struct CostTableMeasurement {
    /// The batch sizes timed: every size of the small-batch path, then a spread up to the cap.
    static func sizes(rowCap: Int) -> [Int] {
        (Array(1...16) + [20, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]).filter { $0 <= rowCap }
    }

    /// The fixed sizes whose saturated throughput the scheduling costs are fitted to.
    static let fittedSizes = [1, 4, 16, 64, 256]

    let scheduler: SchedulerSettings
    /// Seconds each size's kernel is timed (on every worker thread at once).
    let secondsPerSize: Double
    /// Measured seconds of each saturated run.
    let saturatedDuration: Duration
    /// Interleaved rounds of kernel timings (and saturated runs per size); each keeps its quietest.
    var rounds = 3

    /// One timed call: wall-clock seconds, and the calling thread's CPU seconds.
    struct Call {
        var wall: Double
        var cpu: Double
    }

    /// The calling thread's CPU time, in seconds.
    static func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// The kernel's per-call times at `rows` rows on `threads` threads calling it at once (as the
    /// processor's workers do), every call of every thread.
    static func kernelCalls(model: DenseModel, rows: Int, threads: Int, seconds: Double) -> [Call] {
        let gate = StartGate(parties: threads)
        let calls = Locked([Call]())
        let workers = (0..<threads).map { index in
            WorkerThread(name: "bench-kernel") {
                let input = Slab(rows: rows, columns: model.inputWidth)
                var generator = SplitMix64(seed: UInt64(index + 1))
                for element in input.buffer.indices {
                    input.buffer[element] = Float.random(in: -1...1, using: &generator)
                }
                let output = Slab(rows: rows, columns: model.outputWidth)
                let workspace = DenseWorkspace(model: model, maxRows: rows)
                let inputView = input.view(rows: rows)
                let outputView = output.view(rows: rows)
                for _ in 0..<3 { model.forward(inputView, into: outputView, workspace: workspace) }
                let clock = ContinuousClock()
                var local: [Call] = []
                local.reserveCapacity(4096)
                let (_, deadline) = gate.arrive()
                var now = clock.now
                var cpu = threadCPU()
                while now < deadline {
                    model.forward(inputView, into: outputView, workspace: workspace)
                    let end = clock.now
                    let cpuEnd = threadCPU()
                    local.append(Call(wall: (end - now).inSeconds, cpu: cpuEnd - cpu))
                    now = end
                    cpu = cpuEnd
                }
                calls.withLock { $0 += local }
            }
        }
        gate.waitForAll()
        _ = gate.open(for: .seconds(seconds))
        for worker in workers { worker.join() }
        return calls.withLock { $0 }
    }

    /// A fresh processor of `setting` on `model`.
    private func processor(_ setting: BatchingSetting, model: DenseModel) throws -> BatchProcessor<[Float], [Float]> {
        var configured = scheduler
        switch setting {
        case .adaptive: configured.strategy = .adaptive
        case .greedy: configured.strategy = .greedy
        case .fixed(let size):
            configured.strategy = .fixed
            configured.maxBatchSize = size
        }
        let processor = try BatchProcessor<[Float], [Float]>(
            configuration: configured.configuration, logger: BatchKitLog.logger)
        try processor.start(model: model, options: configured.denseOptions)
        return processor
    }

    /// One open-loop run of `setting` on a fresh processor at `rate` items per second.
    func openLoop(
        _ setting: BatchingSetting, model: DenseModel, rate: Double, warmup: Duration, duration: Duration
    ) async throws -> OpenLoop.Run {
        let processor = try processor(setting, model: model)
        let items = BenchInputs.rows(count: 64, width: model.inputWidth)
        let run = await offPool {
            OpenLoop.run(processor, items: items, rate: rate, warmup: warmup, duration: duration)
        }
        await processor.stop(timeout: .seconds(2), mode: .cancel)
        return run
    }

    /// The throughput of `setting` (greedy unless given) on a fresh processor with `callers` closed-loop
    /// tasks, as the `processor` scenario measures capacity (after a 300 ms warm-up).
    func closedLoop(
        _ setting: BatchingSetting = .greedy, model: DenseModel, callers: Int, duration: Duration
    ) async throws -> ClosedLoop.Run {
        let processor = try processor(setting, model: model)
        let items = BenchInputs.rows(count: 64, width: model.inputWidth)
        _ = await ClosedLoop.tasks(processor, items: items, producers: callers, duration: .milliseconds(300))
        let run = await ClosedLoop.tasks(processor, items: items, producers: callers, duration: duration)
        await processor.stop(timeout: .seconds(2), mode: .cancel)
        return run
    }

    /// Measures `model`'s table.
    func measure(name: String, model: DenseModel, wake: WakeLatency.Figures) async throws -> CostTable {
        let workers = scheduler.workers
        let rowCap = scheduler.maxBatchSize
        // t(n) is the median of the calls' *thread CPU time*: on a shared guest the wall time of a call
        // includes whatever other work took the core meanwhile, which is the noise model's business, not
        // the kernel's cost. Interleaved rounds over the sizes; each size keeps its quietest round (the
        // lowest median), and the noise is fitted to the wall times of every call against that median.
        let sizes = Self.sizes(rowCap: rowCap)
        var best = [[Call]?](repeating: nil, count: sizes.count)
        var all = [[Call]](repeating: [], count: sizes.count)
        for round in 0..<rounds {
            for (index, rows) in sizes.enumerated() {
                let calls = await offPool { [secondsPerSize] in
                    Self.kernelCalls(model: model, rows: rows, threads: workers, seconds: secondsPerSize)
                }
                all[index] += calls
                if let kept = best[index], WakeLatency.median(kept.map(\.cpu)) <= WakeLatency.median(calls.map(\.cpu)) {
                    continue
                }
                best[index] = calls
            }
            Console.progress("[cost-table] \(name) kernel round \(round + 1)/\(rounds) done")
        }
        var points: [KernelPoint] = []
        var samples: [(seconds: Double, median: Double)] = []
        for (index, rows) in sizes.enumerated() {
            let calls = best[index]!
            let median = WakeLatency.median(calls.map(\.cpu))
            points.append(KernelPoint(rows: rows, seconds: median))
            samples += all[index].map { ($0.wall, median) }
            Console.progress(
                "[cost-table] \(name) t(\(rows)) = \(Format.fixed(median * 1e6, 1)) µs CPU (wall median "
                    + "\(Format.fixed(WakeLatency.median(calls.map(\.wall)) * 1e6, 1)) µs; quietest of \(rounds) rounds, "
                    + "\(calls.count) calls on \(workers) threads)")
        }
        let noise = NoiseModel.fit(samples, threshold: 250e-6)
        Console.progress(
            "[cost-table] \(name) noise: jitter σ \(Format.fixed(noise.jitter, 3)), \(Format.fixed(noise.stallsPerSecond, 2)) "
                + "stalls/s of computing, mean \(Format.fixed(noise.stallMeanSeconds * 1e3, 2)) ms")
        var table = CostTable(
            model: name, shape: model.shapeDescription, rowCap: rowCap, kernel: points,
            scheduling: SchedulingCosts(
                perBatch: 0, perItem: 0, workerWake: wake.signal, timerWake: wake.timedWait,
                submitQuantum: OpenLoop.sleepQuantum.inSeconds, generatorWake: wake.sleep, callerResume: wake.signal),
            noise: noise, workers: workers, cores: SystemProbe.cpuCount)
        // Scheduling costs: each fixed size saturated; the worker time per batch beyond the kernel is
        // perBatch + perItem × rows. A first run offered the kernel's own throughput floods the load
        // generator, whose thread then takes a core from the workers, and achieves much less than the
        // processor can; offered 1.3 × that, the processor may absorb all of it, and a run that is not
        // saturated overstates the costs. So the offer rises 1.3 × at a time until a run falls short of it.
        var fit: [(rows: Double, overhead: Double)] = []
        for size in Self.fittedSizes where size <= rowCap {
            let guess = table.throughput(batch: size, workers: workers)
            let first = try await openLoop(
                .fixed(size), model: model, rate: guess, warmup: .milliseconds(200), duration: saturatedDuration / 2)
            var offered = 1.3 * first.achievedPerSecond
            var run = try await openLoop(
                .fixed(size), model: model, rate: offered, warmup: .milliseconds(300), duration: saturatedDuration)
            var raises = 0
            while run.achievedPerSecond >= 0.95 * offered, raises < 6 {
                offered = 1.3 * run.achievedPerSecond
                run = try await openLoop(
                    .fixed(size), model: model, rate: offered, warmup: .milliseconds(300), duration: saturatedDuration)
                raises += 1
            }
            for _ in 1..<max(rounds - 1, 1) {
                let again = try await openLoop(
                    .fixed(size), model: model, rate: offered, warmup: .milliseconds(300), duration: saturatedDuration)
                if again.achievedPerSecond > run.achievedPerSecond { run = again }
            }
            let batch = max(run.meanBatch, 1)
            let kernel = table.kernelTime(rows: Int(batch.rounded()))
            // Wall time, not CPU time: a saturated worker's time per batch is what sets capacity, and
            // on two cores it includes more than the process's CPU per item shows — the generator's thread
            // and the callers' resumptions taking the workers' cores, lock hand-offs and futex wake-ups
            // during which no thread runs. Fitted to CPU time, the simulator put linear256's capacity at
            // 1.3–1.6× what the processor delivers. The faster of the runs keeps other work on the
            // machine out of it, as far as it can be.
            let wall = Double(workers) * batch / run.achievedPerSecond
            let perItemCPU = run.cpuSeconds / (run.achievedPerSecond * saturatedDuration.inSeconds)
            fit.append((batch, wall - kernel))
            Console.progress(
                "[cost-table] \(name) fixed-\(size) saturated: \(Format.rate(run.achievedPerSecond)) items/s, mean batch "
                    + "\(Format.fixed(batch, 1)), \(Format.fixed(wall * 1e6, 1)) µs per batch per worker (process CPU "
                    + "\(Format.fixed(perItemCPU * batch * 1e6, 1)) µs) against the kernel's \(Format.fixed(kernel * 1e6, 1)) µs"
            )
        }
        let (perBatch, perItem) = Self.lineFit(fit)
        table.scheduling.perBatch = perBatch
        table.scheduling.perItem = perItem
        // Closed-loop callers: greedy with 64 of them (the capacity the loads are fractions of); what a
        // worker's time per batch exceeds the open-loop fit by, per item, is what the callers take.
        var closed = try await closedLoop(model: model, callers: 64, duration: saturatedDuration)
        for _ in 1..<max(rounds - 1, 1) {
            let again = try await closedLoop(model: model, callers: 64, duration: saturatedDuration)
            if again.itemsPerSecond > closed.itemsPerSecond { closed = again }
        }
        let closedBatch = max(closed.meanBatch, 1)
        let closedWall = Double(workers) * closedBatch / closed.itemsPerSecond
        let openModel = table.workerTime(rows: Int(closedBatch.rounded()), items: Int(closedBatch.rounded()))
        table.scheduling.closedLoopPerItem = max((closedWall - openModel) / closedBatch, 0)
        // The same run fitted the other way: the callers' CPU on cores they share with the workers.
        table.scheduling.callerCPU = CallerCPUFit.fit(table: table, measuredPerSecond: closed.itemsPerSecond)
        Console.progress(
            "[cost-table] \(name) greedy, 64 closed-loop callers: \(Format.rate(closed.itemsPerSecond)) items/s, mean "
                + "batch \(Format.fixed(closedBatch, 1)), \(Format.fixed(closedWall * 1e6, 1)) µs per batch per worker "
                + "against the open-loop fit's \(Format.fixed(openModel * 1e6, 1)) µs")
        Console.progress(
            "[cost-table] \(name) scheduling: \(Format.fixed(perBatch * 1e6, 2)) µs per batch + "
                + "\(Format.fixed(perItem * 1e6, 2)) µs per item (closed loop: + "
                + "\(Format.fixed((table.scheduling.closedLoopPerItem ?? 0) * 1e6, 2)) µs, or on shared cores "
                + "\(Format.fixed((table.scheduling.callerCPU ?? 0) * 1e6, 2)) µs of caller CPU); wake-ups: worker \(Format.fixed(wake.signal * 1e6, 1)) µs, "
                + "timer \(Format.fixed(wake.timedWait * 1e6, 1)) µs late, generator \(Format.fixed(wake.sleep * 1e6, 1)) µs late"
        )
        return table
    }

    /// A robust line `overhead = a + b·rows` (Theil–Sen: the median of the pairwise slopes, then the median
    /// intercept), both clamped at zero: one saturated run disturbed by other work on the machine moves a
    /// least-squares fit of five points a long way, and the median of the slopes hardly at all.
    static func lineFit(_ points: [(rows: Double, overhead: Double)]) -> (Double, Double) {
        guard points.count >= 2 else { return (max(points.first?.overhead ?? 0, 0), 0) }
        var slopes: [Double] = []
        for i in points.indices {
            for j in points.indices where j > i && points[j].rows != points[i].rows {
                slopes.append((points[j].overhead - points[i].overhead) / (points[j].rows - points[i].rows))
            }
        }
        let slope = max(medianOf(slopes), 0)
        let intercept = max(medianOf(points.map { $0.overhead - slope * $0.rows }), 0)
        return (intercept, slope)
    }

    /// The median (the mean of the middle two for an even count).
    static func medianOf(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
