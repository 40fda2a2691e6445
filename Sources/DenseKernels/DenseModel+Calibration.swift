extension DenseModel {
    /// Returns this model with ``smallBatchLimit`` measured on this machine (see
    /// ``measureSmallBatchCrossover(candidates:budget:)``).
    public func calibratedForSmallBatches(
        candidates: [Int] = SmallBatchCrossover.defaultCandidates,
        budget: Duration = .milliseconds(600),
        smallBatchThreads: Int? = nil
    ) -> DenseModel {
        let crossover = measureSmallBatchCrossover(
            candidates: candidates, budget: budget, smallBatchThreads: smallBatchThreads)
        return with(smallBatchLimit: crossover.limit)
    }

    /// Times the packed kernel against OpenBLAS at each candidate batch size and decides the crossover
    /// (``SmallBatchCrossover``).
    ///
    /// Run it with the BLAS thread count the model will be served with: the packed kernel runs on as many
    /// threads (at most 2) unless `smallBatchThreads` says otherwise, as a workspace made with
    /// ``DenseModel/servingThreads`` does. Each candidate is timed both ways,
    /// alternately, seven times (each time over enough calls to last ≥ 0.2 ms); the search stops at the
    /// first size where OpenBLAS is clearly faster. On `mlp1024` it takes about 0.3 s, on `linear256` well
    /// under 0.1 s.
    ///
    /// - Parameters:
    ///   - candidates: the batch sizes to try (sizes below 1 are ignored).
    ///   - budget: the most time to spend; once it is used up the search stops and the kernel's prior
    ///     fills in. It bounds how long a caller's thread is held where timing runs slow — a debug or
    ///     sanitizer build, a busy machine.
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
        let blas = with(smallBatchLimit: 0)
        let packed = with(smallBatchLimit: largest)
        let clock = ContinuousClock()
        let deadline = clock.now + budget
        var measurements: [SmallBatchCrossover.Measurement] = []
        search: for rows in sizes {
            let (source, destination) = (input.view(rows: rows), output.view(rows: rows))
            var measurement = SmallBatchCrossover.Measurement(rows: rows, packed: [], blas: [])
            defer { measurements.append(measurement) }
            guard clock.now < deadline else { break }
            // One untimed pass each: the first GEMM of a shape pays for OpenBLAS's buffers. It also sizes
            // the timed runs.
            let once = clock.measure {
                blas.forward(source, into: destination, workspace: workspace)
                packed.forward(source, into: destination, workspace: workspace)
            }
            let calls = max(1, Int((0.0004 / max(once.inSeconds, 1e-9)).rounded(.up)))
            for _ in 0..<7 {
                guard clock.now < deadline else { break search }
                let blasTime = clock.measure {
                    for _ in 0..<calls { blas.forward(source, into: destination, workspace: workspace) }
                }
                let packedTime = clock.measure {
                    for _ in 0..<calls { packed.forward(source, into: destination, workspace: workspace) }
                }
                measurement.blas.append(blasTime.inSeconds / Double(calls))
                measurement.packed.append(packedTime.inSeconds / Double(calls))
            }
            if measurement.ratio > 1 + SmallBatchCrossover.margin { break }
        }
        return SmallBatchCrossover(measurements: measurements, prior: prior)
    }

    /// The small-batch threads that match OpenBLAS's current thread count: 2 if OpenBLAS runs two or
    /// more threads per call, else 1. Serving code makes its workspaces with this.
    public static var servingThreads: Int { BLAS.threadCount >= 2 ? 2 : 1 }

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
