#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension DenseModel {
    /// Returns this model with ``smallBatchLimit`` measured on this machine (see
    /// ``measureSmallBatchCrossover(candidates:budget:smallBatchThreads:)``).
    public func calibratedForSmallBatches(
        candidates: [Int] = SmallBatchCrossover.defaultCandidates,
        budget: Duration = .milliseconds(600),
        smallBatchThreads: Int? = nil
    ) -> DenseModel {
        let crossover = measureSmallBatchCrossover(
            candidates: candidates, budget: budget, smallBatchThreads: smallBatchThreads)
        var model = with(smallBatchLimit: crossover.limit)
        model.packedSingleRow = crossover.singleRow
        return model
    }

    /// Times the packed kernel against OpenBLAS at each candidate batch size and decides the crossover
    /// (``SmallBatchCrossover``).
    ///
    /// Run it with the BLAS thread count the model will be served with: the packed kernel runs on as many
    /// threads (at most 2) unless `smallBatchThreads` says otherwise, as a workspace made with
    /// ``DenseModel/servingThreads`` does. Each candidate is timed both ways, seven times (each time over
    /// enough calls to last ≥ 0.3 ms; one row fifteen times, ≥ 1 ms): on one thread (and one OpenBLAS
    /// thread) the two paths alternate run by run; on two, every size with one path, then with the
    /// other. On `mlp1024` it takes about 0.4 s, on `linear256` well under 0.1 s.
    ///
    /// - Parameters:
    ///   - candidates: the batch sizes to try (sizes below 1 are ignored).
    ///   - budget: the most time to spend; once it is used up the search stops and the kernel's prior
    ///     fills in. It bounds how long a caller's thread is held where timing runs slow — a debug or
    ///     sanitizer build, a busy machine. With two threads, 0.3 s more: the wait for OpenBLAS's
    ///     threads to stop spinning before the kernel is timed. With two threads each path also runs at
    ///     the largest size for its first 30 ms, untimed, so its threads have settled when it is timed.
    ///   - smallBatchThreads: the packed kernel's threads (1 or 2); `nil` means ``DenseModel/servingThreads``.
    public func measureSmallBatchCrossover(
        candidates: [Int] = SmallBatchCrossover.defaultCandidates,
        budget: Duration = .milliseconds(600),
        smallBatchThreads: Int? = nil
    ) -> SmallBatchCrossover {
        let sizes = Array(Set(candidates.filter { $0 >= 1 })).sorted()
        let prior = SmallBatchCrossover.prior(for: smallBatchKernel)
        guard let largest = sizes.last else { return SmallBatchCrossover(measurements: [], prior: prior) }
        let workspace = DenseWorkspace(
            model: self, maxRows: largest, smallBatchThreads: smallBatchThreads ?? Self.servingThreads)
        let input = Slab(rows: largest, columns: inputWidth)
        let output = Slab(rows: largest, columns: outputWidth)
        for index in input.buffer.indices { input.buffer[index] = Float(index % 17) / 17 - 0.5 }
        var blas = with(smallBatchLimit: 0)
        blas.packedSingleRow = false
        var packed = with(smallBatchLimit: largest)
        packed.packedSingleRow = true
        let clock = ContinuousClock()
        var start = clock.now
        // Seconds per call over seven timed runs of ≥ 0.3 ms each, after an untimed one that pays for
        // OpenBLAS's buffers (the first GEMM of a shape) and wakes the helper thread; fewer runs if the
        // deadline passes. One row gets fifteen runs of ≥ 1 ms: there the two paths are close (`sgemv`
        // against the kernel), calls are short, and seven short runs decided it either way from run to run.
        func time(_ models: [DenseModel], rows: Int, until deadline: ContinuousClock.Instant) -> [[Double]] {
            let (source, destination) = (input.view(rows: rows), output.view(rows: rows))
            let (runs, runSeconds) = rows == 1 ? (15, 0.001) : (7, 0.0003)
            let calls = models.map { model in
                let once = clock.measure { model.forward(source, into: destination, workspace: workspace) }
                let calls = max(1, Int((runSeconds / max(once.inSeconds, 1e-9)).rounded(.up)))
                for _ in 0..<calls { model.forward(source, into: destination, workspace: workspace) }
                return calls
            }
            var seconds = models.map { _ in [Double]() }
            for _ in 0..<runs where clock.now < deadline {
                for (index, model) in models.enumerated() {
                    // Alternating, each path would find the caches as the other left them and read slower
                    // than it serves, where one path runs many calls in a row: one untimed call brings its
                    // own weights back. Not for calls as long as a run, which stream more than the caches
                    // hold anyway and would double the time the largest sizes take.
                    if models.count > 1 && calls[index] > 1 {
                        model.forward(source, into: destination, workspace: workspace)
                    }
                    let elapsed = clock.measure {
                        for _ in 0..<calls[index] { model.forward(source, into: destination, workspace: workspace) }
                    }
                    seconds[index].append(elapsed.inSeconds / Double(calls[index]))
                }
            }
            return seconds
        }
        func warm(_ model: DenseModel, rows: Int) {
            let (source, destination) = (input.view(rows: rows), output.view(rows: rows))
            let until = clock.now + Self.twoThreadWarmUp
            repeat { model.forward(source, into: destination, workspace: workspace) } while clock.now < until
        }
        var measurements = sizes.map { SmallBatchCrossover.Measurement(rows: $0, packed: [], blas: []) }
        if workspace.smallBatchThreads == 1 && BLAS.threadCount == 1 {
            // One thread each: the two paths alternate run by run, so a slow spell of the machine (a 256-row
            // mlp1024 call takes 10 ms, its seven runs 70 ms) slows both alike instead of whichever ran in
            // it, and cannot turn a size whose paths are a few per cent apart the wrong way.
            _ = time([packed], rows: sizes[0], until: start)
            for index in measurements.indices where clock.now < start + budget {
                let both = time([packed, blas], rows: measurements[index].rows, until: start + budget)
                measurements[index].packed = both[0]
                measurements[index].blas = both[1]
            }
            return SmallBatchCrossover(measurements: measurements, prior: prior)
        }
        // With two threads, every size with the packed kernel first, then with OpenBLAS: not alternately,
        // because a threaded OpenBLAS leaves its threads spinning for ~0.1 s after each call, and they would
        // take the core the kernel's helper thread needs. Half the budget for each path.
        if workspace.smallBatchThreads >= 2 {
            // OpenBLAS's threads spin for up to ~0.3 s after they start or finish a call, on the core the
            // helper thread needs: wait until they sleep, or the kernel is timed at half speed.
            usleep(300_000)
            start = clock.now
        }
        // Wake the helper thread and warm the caches for the first timings. A helper woken from its sleep
        // often starts on the caller's core and is moved to its own only after some milliseconds; timed
        // before that, two threads ran at one thread's speed, or stalled, up to 64 rows, and the crossover
        // sent those sizes to OpenBLAS. So the largest size runs for a while first.
        _ = time([packed], rows: sizes[0], until: start)
        warm(packed, rows: largest)
        for index in measurements.indices where clock.now < start + budget / 2 {
            measurements[index].packed = time([packed], rows: measurements[index].rows, until: start + budget / 2)[0]
        }
        // OpenBLAS starts its threads on its first threaded call and settles them the same way.
        warm(blas, rows: largest)
        for index in measurements.indices where clock.now < start + budget {
            guard measurements[index].packed.count >= SmallBatchCrossover.minimumRuns else { break }
            measurements[index].blas = time([blas], rows: measurements[index].rows, until: start + budget)[0]
        }
        return SmallBatchCrossover(measurements: measurements, prior: prior)
    }

    /// How long the calibration runs each path at its largest size before timing it with two threads.
    static let twoThreadWarmUp = Duration.milliseconds(30)

    /// The small-batch threads that match OpenBLAS's current thread count
    /// (``smallBatchThreads(blasThreads:)``). Serving code makes its workspaces with this.
    public static var servingThreads: Int { smallBatchThreads(blasThreads: BLAS.threadCount) }

    /// The small-batch threads that match `blasThreads` OpenBLAS threads per call: 2 for two or more,
    /// else 1.
    public static func smallBatchThreads(blasThreads: Int) -> Int { blasThreads >= 2 ? 2 : 1 }

    /// This model with another ``packedSingleRow``.
    public func with(packedSingleRow: Bool?) -> DenseModel {
        var model = self
        model.packedSingleRow = packedSingleRow
        return model
    }

    /// This model with another ``smallBatchLimit``.
    public func with(smallBatchLimit limit: Int?) -> DenseModel {
        var model = self
        model.smallBatchLimit = limit
        return model
    }

    /// This model with its layers packed for `kernel`, which must run on this CPU.
    public func with(smallBatchKernel kernel: SmallBatchKernel) -> DenseModel {
        precondition(kernel.isSupported, "the \(kernel) kernel does not run on this CPU")
        var model = self
        model.layers = layers.map { $0.packed(for: kernel) }
        return model
    }
}

extension SmallBatchCrossover {
    /// The batch sizes a calibration tries by default.
    public static let defaultCandidates = [1, 2, 4, 8, 16, 32, 64, 128, 256]
}

extension Duration {
    fileprivate var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
