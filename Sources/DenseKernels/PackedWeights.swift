internal import CSmallBatch

/// A layer's weights and bias packed once into the panels the small-batch kernel streams.
///
/// Immutable after initialisation, so every worker thread can read it; ``DenseLayer`` holds one beside
/// its row-major weights, which OpenBLAS keeps reading for large batches.
final class PackedWeights: Sendable {
    /// The kernel the panels are laid out for.
    let kernel: SmallBatchKernel
    /// The number of panels (outputs rounded up to ``SmallBatchKernel/panelWidth``, divided by it).
    let panels: Int
    let slab: Slab

    init(kernel: SmallBatchKernel, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputs: Int, inputs: Int)
    {
        precondition(kernel.isSupported, "the \(kernel) kernel does not run on this CPU")
        self.kernel = kernel
        self.panels = Int(small_batch_panel_count(kernel.code, Int32(outputs)))
        self.slab = Slab(rows: 1, columns: small_batch_packed_count(kernel.code, Int32(outputs), Int32(inputs)))
        small_batch_pack(kernel.code, Int32(outputs), Int32(inputs), weights, bias, slab.buffer.baseAddress)
    }

    /// The bytes the packed copy occupies.
    var byteCount: Int { slab.byteCount }

    /// Computes `act(x·Wᵀ + b)` for every output into `output`, where `act` is relu if `relu` is set and
    /// the identity otherwise, on the calling thread and, if there is one, `team`'s helper thread.
    func forward(
        _ input: MatrixView, into output: MatrixView, inputs: Int, outputs: Int, relu: Bool, team: OpaquePointer?
    ) {
        guard let team else {
            forward(input, into: output, inputs: inputs, outputs: outputs, relu: relu, panels: 0..<panels)
            return
        }
        small_batch_team_forward(
            team, kernel.code, Int32(input.rows), Int32(outputs), Int32(inputs), slab.buffer.baseAddress, input.base,
            Int32(input.rowStride), output.base, Int32(output.rowStride), relu ? 1 : 0)
    }

    /// Computes `act(x·Wᵀ + b)` for `panels` of the layer's outputs into `output`, on the calling thread.
    func forward(
        _ input: MatrixView, into output: MatrixView, inputs: Int, outputs: Int, relu: Bool, panels range: Range<Int>
    ) {
        small_batch_forward(
            kernel.code, Int32(input.rows), Int32(outputs), Int32(inputs), slab.buffer.baseAddress, input.base,
            Int32(input.rowStride), output.base, Int32(output.rowStride), relu ? 1 : 0, Int32(range.lowerBound),
            Int32(range.upperBound))
    }
}
