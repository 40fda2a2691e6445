/// A feed-forward stack of ``DenseLayer``s evaluated with one `cblas_sgemm` per layer.
///
/// A model is immutable and `Sendable`; the mutable scratch memory a forward pass needs lives in a
/// ``DenseWorkspace`` that each calling thread owns.
public struct DenseModel: Sendable {
    /// The layers, first to last.
    public let layers: [DenseLayer]

    /// Batches of up to this many rows take the small-batch path rather than one GEMM per layer; `nil`
    /// (the default) means only single rows.
    ///
    /// The small-batch path computes one row with `cblas_sgemv` per layer, and several rows with a kernel
    /// that reads each weight row once for up to four input rows (row by row with `cblas_sgemv` where the
    /// CPU lacks AVX2 and FMA; see ``smallBatchKernelAvailable``). A small GEMM on large layers is
    /// dominated by packing the weights: on `mlp1024` OpenBLAS took ~800 µs for two rows by GEMM against
    /// ~230 µs with the kernel and ~330 µs for two `sgemv` rows. Where the crossover lies depends on the
    /// layer sizes, the BLAS kernel and the cache, so it is measured: see
    /// ``calibratedForSmallBatches(candidates:budget:)``, which the batch processor runs when it starts
    /// with a model whose limit is `nil`.
    public var smallBatchLimit: Int?

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
