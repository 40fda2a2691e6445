internal import CBLAS
internal import CSmallBatch

extension DenseModel {
    /// Computes the model for every row of `input` into `output`.
    ///
    /// Batches of up to ``effectiveSmallBatchLimit`` rows go through the packed small-batch kernel (bias
    /// and relu fused into it); larger ones take one `cblas_sgemm` per layer followed by the fused bias +
    /// activation epilogue; a single row takes the kernel or `cblas_sgemv` (``packedSingleRow``).
    /// ``usesPackedKernel(rows:)`` says which.
    ///
    /// Allocates nothing: intermediates go to `workspace`, the result to `output`.
    ///
    /// - Precondition: `input` is `rows × inputWidth`, `output` is `rows × outputWidth`, and
    ///   `rows ≤ workspace.maxRows`.
    public func forward(_ input: MatrixView, into output: MatrixView, workspace: DenseWorkspace) {
        precondition(input.columns == inputWidth, "input has \(input.columns) columns, model takes \(inputWidth)")
        precondition(output.columns == outputWidth, "output has \(output.columns) columns, model gives \(outputWidth)")
        precondition(output.rows == input.rows, "input and output row counts differ")
        precondition(input.rows <= workspace.maxRows, "batch of \(input.rows) rows exceeds workspace")
        precondition(workspace.intermediates.count == layers.count - 1, "workspace belongs to another model")
        let rows = input.rows
        guard rows > 0 else { return }
        if usesPackedKernel(rows: rows) {
            forwardSmallBatch(input, into: output, workspace: workspace)
            return
        }
        if rows == 1 {
            // OpenBLAS's sgemm is several times slower than sgemv for a single row (measured on mlp1024:
            // ~2 k vs ~11 k rows/s).
            forwardSingleRow(UnsafeBufferPointer(input.row(0)), into: output.row(0), workspace: workspace)
            return
        }
        var source = input
        // Indices, not `enumerated()`: unspecialised (debug) code boxes each enumerated element on the heap.
        for index in layers.indices {
            let layer = layers[index]
            let isLast = index == layers.count - 1
            let destination = isLast ? output : workspace.intermediate(index, rows: rows)
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans,
                Int32(rows), Int32(layer.outputs), Int32(layer.inputs),
                1, source.base, Int32(source.rowStride),
                layer.weightSlab.buffer.baseAddress, Int32(layer.inputs),
                0, destination.base, Int32(destination.rowStride)
            )
            Epilogue.apply(destination, bias: layer.biasSlab.buffer.baseAddress!, activation: layer.activation)
            source = destination
        }
    }

    /// Computes a batch with the packed kernel, which reads each weight panel once per tile of rows (up
    /// to 6 with AVX2, 12 with AVX-512), one of the kernel's chunks of up to 48 rows at a time per thread.
    ///
    /// The kernel streams every weight panel past each chunk anyway, so taking a chunk through every
    /// layer before the next costs no weight traffic, and keeps its activations in the L2 cache where a
    /// whole batch's (1 MiB for 256 rows of 1024 floats) would not fit. Each chunk tiles as it would in
    /// the whole batch, so the rows get the same bits. With a workspace made for two threads, each
    /// layer's call is shared between the caller and the workspace's helper thread.
    func forwardSmallBatch(_ input: MatrixView, into output: MatrixView, workspace: DenseWorkspace) {
        let rows = Int32(input.rows)
        let chunks = Int(small_batch_chunk_count(rows))
        // Two threads take a chunk each, as they split a larger call by rows: halving every chunk would
        // have each stream all the weights for half as many rows.
        let step = workspace.smallBatchThreads
        // A plain loop: unspecialised (debug) code iterating a stride or a range of Int32 allocates on
        // every step.
        var (chunk, start) = (0, 0)
        while chunk < chunks {
            chunk = min(chunk + step, chunks)
            let end = Int(small_batch_chunk_start(rows, Int32(chunk)))
            forwardChunk(input.rows(start..<end), into: output.rows(start..<end), workspace: workspace)
            start = end
        }
    }

    /// Computes rows that form one of the kernel's chunks layer by layer, rather than tile by tile, so a
    /// layer's panels are still in cache for its next tile. Identity and relu layers are finished by the
    /// kernel; the other activations run on the cache-hot result.
    private func forwardChunk(_ input: MatrixView, into output: MatrixView, workspace: DenseWorkspace) {
        let rows = input.rows
        var source = input
        for index in layers.indices {
            let layer = layers[index]
            let destination = index == layers.count - 1 ? output : workspace.intermediate(index, rows: rows)
            let fused = layer.activation == .identity || layer.activation == .relu
            layer.packed.forward(
                source, into: destination, inputs: layer.inputs, outputs: layer.outputs,
                relu: layer.activation == .relu, team: workspace.team)
            if !fused { Epilogue.apply(destination, bias: nil, activation: layer.activation) }
            source = destination
        }
    }

    /// Computes the model for one row with `cblas_sgemv` per layer: the per-item baseline.
    ///
    /// Allocates nothing: intermediates go to `workspace`.
    public func forwardSingleRow(
        _ input: UnsafeBufferPointer<Float>,
        into output: UnsafeMutableBufferPointer<Float>,
        workspace: DenseWorkspace
    ) {
        precondition(input.count == inputWidth && output.count == outputWidth, "single-row shapes do not match")
        var source = UnsafePointer(input.baseAddress!)
        for index in layers.indices {
            let layer = layers[index]
            let isLast = index == layers.count - 1
            let destination = isLast ? output.baseAddress! : workspace.vectors[index].buffer.baseAddress!
            cblas_sgemv(
                CblasRowMajor, CblasNoTrans,
                Int32(layer.outputs), Int32(layer.inputs),
                1, layer.weightSlab.buffer.baseAddress, Int32(layer.inputs),
                source, 1, 0, destination, 1
            )
            let view = MatrixView(base: destination, rows: 1, columns: layer.outputs, rowStride: layer.outputs)
            Epilogue.apply(view, bias: layer.biasSlab.buffer.baseAddress!, activation: layer.activation)
            source = UnsafePointer(destination)
        }
    }

    /// Computes the model for `rows` (row-major, a multiple of ``inputWidth`` floats) into a new array.
    ///
    /// A convenience that allocates its slabs; serving code uses ``forward(_:into:workspace:)``.
    public func predict(_ rows: [Float]) -> [Float] {
        precondition(rows.count % inputWidth == 0, "input is not whole rows of \(inputWidth) features")
        let count = rows.count / inputWidth
        guard count > 0 else { return [] }
        let input = Slab(rows: count, columns: inputWidth)
        _ = input.buffer.initialize(from: rows)
        let output = Slab(rows: count, columns: outputWidth)
        forward(input.fullView, into: output.fullView, workspace: DenseWorkspace(model: self, maxRows: count))
        return Array(output.buffer)
    }
}
