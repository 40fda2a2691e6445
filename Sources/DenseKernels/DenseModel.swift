/// A feed-forward stack of ``DenseLayer``s: a packed small-batch kernel for small batches, one
/// `cblas_sgemm` per layer for large ones.
///
/// A model is immutable and `Sendable`; the mutable scratch memory a forward pass needs lives in a
/// ``DenseWorkspace`` that each calling thread owns.
public struct DenseModel: Sendable {
    /// The layers, first to last.
    public internal(set) var layers: [DenseLayer]

    /// Batches of up to this many rows take the packed small-batch kernel rather than OpenBLAS; `nil`
    /// (the default) means the kernel's prior, ``SmallBatchCrossover/prior(for:)``, and 0 or 1 means
    /// `cblas_sgemm` from two rows up (one row: see ``packedSingleRow``).
    ///
    /// OpenBLAS packs the weights on every `sgemm` call, which dominates a small GEMM on large layers; the
    /// small-batch kernel reads weights packed once, when the layer was made (see ``SmallBatchKernel``).
    /// Where the crossover lies depends on the layer sizes, the instruction set, the BLAS kernel, the
    /// threads and the cache, so it is measured: see ``calibratedForSmallBatches(candidates:budget:smallBatchThreads:)``,
    /// which the batch processor runs when it starts with a model whose limit is `nil`.
    public var smallBatchLimit: Int?

    /// The limit ``forward(_:into:workspace:)`` applies: ``smallBatchLimit``, or the kernel's prior.
    public var effectiveSmallBatchLimit: Int { smallBatchLimit ?? SmallBatchCrossover.prior(for: smallBatchKernel) }

    /// Whether a single row takes the packed kernel (`true`) or `cblas_sgemv` (`false`); `nil` (the
    /// default) means the packed kernel unless ``effectiveSmallBatchLimit`` is 0.
    ///
    /// One row is decided apart from the rest because OpenBLAS computes it with another routine:
    /// `sgemv`, which packs nothing and competes with the kernel, where `sgemm` from two rows up does not.
    public var packedSingleRow: Bool?

    /// Whether ``forward(_:into:workspace:)`` computes a batch of `rows` with the packed kernel.
    public func usesPackedKernel(rows: Int) -> Bool {
        rows == 1 ? packedSingleRow ?? (effectiveSmallBatchLimit >= 1) : rows <= effectiveSmallBatchLimit
    }

    /// The kernel the layers are packed for: ``SmallBatchKernel/best`` unless
    /// ``with(smallBatchKernel:)`` chose another.
    public var smallBatchKernel: SmallBatchKernel { layers[0].packed.kernel }

    /// Creates a model, checking that each layer's inputs match the previous layer's outputs.
    public init(layers: [DenseLayer]) throws(DenseModelError) {
        guard let first = layers.first else { throw .noLayers }
        var width = first.inputs
        for (index, layer) in layers.enumerated() {
            guard layer.inputs == width else {
                throw .layerShapeMismatch(layer: index, expectedInputs: width, got: layer.inputs)
            }
            if layer.activation == .softmax && index != layers.count - 1 { throw .softmaxNotLast(layer: index) }
            width = layer.outputs
        }
        self.layers = layers
    }

    /// The number of features in one input row.
    public var inputWidth: Int { layers[0].inputs }
    /// The number of values in one output row.
    public var outputWidth: Int { layers[layers.count - 1].outputs }

    /// The widths of the activations between layers (one per layer but the last).
    public var intermediateWidths: [Int] { layers.dropLast().map(\.outputs) }

    /// Floating-point operations for one row (two per multiply-add).
    public var flopsPerRow: Int { layers.reduce(0) { $0 + 2 * $1.inputs * $1.outputs } }

    /// A description such as `1024→1024 relu→1024 relu→10 softmax`.
    public var shapeDescription: String {
        var text = "\(inputWidth)"
        for layer in layers {
            text += "→\(layer.outputs)"
            if layer.activation != .identity { text += " \(layer.activation.rawValue)" }
        }
        return text
    }
}
