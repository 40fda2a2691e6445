extension DenseModel {
    /// Returns this model with ``smallBatchLimit`` measured on this machine: the largest candidate batch
    /// size up to which the small-batch path beats one GEMM per layer.
    ///
    /// Run it with the BLAS thread count the model will be served with. Each candidate is timed both ways,
    /// alternately, five times; the median decides, and the search stops at the first size where GEMM is
    /// as fast (the per-row cost of GEMM only falls with size). It takes about 30 ms per candidate on
    /// `mlp1024` and well under 1 ms on `linear256`.
    ///
    /// - Parameters:
    ///   - candidates: the batch sizes to try (sorted first; sizes below 2 are ignored); the limit is one of
    ///     them, or 1.
    ///   - budget: the most time to spend; once it is used up the search stops with the limit
    ///     established so far (a smaller limit only leaves a little speed unused). It bounds how long a
    ///     caller's thread is held where timing runs slow — a debug or sanitizer build, a busy machine:
    ///     under ThreadSanitizer an unbounded search held the threads of the async tests for 10–30 s.
    public func calibratedForSmallBatches(
        candidates: [Int] = [2, 3, 4, 6, 8, 12, 16],
        budget: Duration = .milliseconds(250)
    ) -> DenseModel {
        let sizes = candidates.filter { $0 >= 2 }.sorted()
        guard let largest = sizes.last else { return with(smallBatchLimit: 1) }
        let workspace = DenseWorkspace(model: self, maxRows: largest)
        let input = Slab(rows: largest, columns: inputWidth)
        let output = Slab(rows: largest, columns: outputWidth)
        for index in input.buffer.indices { input.buffer[index] = Float(index % 17) / 17 - 0.5 }
        let byGEMM = with(smallBatchLimit: 1)
        let small = with(smallBatchLimit: largest)
        let clock = ContinuousClock()
        let deadline = clock.now + budget
        var limit = 1
        search: for rows in sizes {
            guard clock.now < deadline else { break }
            let (source, destination) = (input.view(rows: rows), output.view(rows: rows))
            // One untimed pass each: the first GEMM of a shape pays for OpenBLAS's buffers.
            byGEMM.forward(source, into: destination, workspace: workspace)
            small.forward(source, into: destination, workspace: workspace)
            var gemm: [Duration] = []
            var smallPath: [Duration] = []
            for _ in 0..<5 {
                guard clock.now < deadline else { break search }
                gemm.append(clock.measure { byGEMM.forward(source, into: destination, workspace: workspace) })
                smallPath.append(clock.measure { small.forward(source, into: destination, workspace: workspace) })
            }
            guard smallPath.sorted()[2] < gemm.sorted()[2] else { break }
            limit = rows
        }
        return with(smallBatchLimit: limit)
    }

    /// This model with another ``smallBatchLimit``.
    public func with(smallBatchLimit limit: Int?) -> DenseModel {
        var model = self
        model.smallBatchLimit = limit
        return model
    }
}
