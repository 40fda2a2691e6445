internal import CSmallBatch

/// One fully connected layer, `y = act(x·Wᵀ + b)`, with weights in PyTorch `nn.Linear` layout `[out, in]`.
///
/// The weights live in an aligned ``Slab`` that is never written after initialisation, which is why a
/// layer can be shared by every worker thread.
public struct DenseLayer: Sendable {
    /// The number of input features.
    public let inputs: Int
    /// The number of output features.
    public let outputs: Int
    /// The function applied after the product and bias.
    public let activation: Activation

    let weightSlab: Slab
    let biasSlab: Slab
    /// The same weights and bias in the small-batch kernel's panels, packed once here.
    let packed: PackedWeights

    /// Creates a layer from row-major weights `[outputs, inputs]` and a bias of `outputs` values.
    public init(
        weights: [Float],
        bias: [Float],
        outputs: Int,
        inputs: Int,
        activation: Activation = .identity
    ) throws(DenseModelError) {
        guard inputs > 0, outputs > 0 else {
            throw .invalidDimension(layer: 0, inputs: inputs, outputs: outputs)
        }
        guard weights.count == outputs * inputs else {
            throw .weightCount(layer: 0, expected: outputs * inputs, got: weights.count)
        }
        guard bias.count == outputs else { throw .biasCount(layer: 0, expected: outputs, got: bias.count) }
        self.inputs = inputs
        self.outputs = outputs
        self.activation = activation
        self.weightSlab = Slab(rows: outputs, columns: inputs)
        self.biasSlab = Slab(rows: 1, columns: outputs)
        _ = weightSlab.buffer.initialize(from: weights)
        _ = biasSlab.buffer.initialize(from: bias)
        self.packed = PackedWeights(
            kernel: .best, weights: weightSlab.buffer.baseAddress!, bias: biasSlab.buffer.baseAddress!,
            outputs: outputs, inputs: inputs)
    }

    /// The weights, row-major `[outputs, inputs]`.
    public var weights: [Float] { Array(weightSlab.buffer) }
    /// The bias, one value per output.
    public var bias: [Float] { Array(biasSlab.buffer) }

    /// The weight from input `input` to output `output`.
    public func weight(output: Int, input: Int) -> Float {
        precondition(output >= 0 && output < outputs && input >= 0 && input < inputs, "weight index out of range")
        return weightSlab.buffer[output * inputs + input]
    }

    /// The bytes this layer's parameters occupy: the row-major weights and bias, and their packed copy.
    public var parameterBytes: Int { weightSlab.byteCount + biasSlab.byteCount + packed.byteCount }

    /// The bytes of the packed copy the small-batch kernel reads (part of ``parameterBytes``).
    public var packedBytes: Int { packed.byteCount }

    /// The most rows of a two-thread call on this layer, its input rows `inputStride` floats apart, whose
    /// inputs the team copies before sharing the call out by panels (0 if it never copies them).
    func teamCopyRows(inputStride: Int) -> Int {
        Int(small_batch_team_copy_rows(packed.kernel.code, Int32(outputs), Int32(inputs), Int32(inputStride)))
    }

    /// The same layer with another activation.
    public func with(activation: Activation) -> DenseLayer {
        DenseLayer(sharing: self, activation: activation)
    }

    /// The same layer packed for `kernel`.
    func packed(for kernel: SmallBatchKernel) -> DenseLayer {
        guard kernel != packed.kernel else { return self }
        let repacked = PackedWeights(
            kernel: kernel, weights: weightSlab.buffer.baseAddress!, bias: biasSlab.buffer.baseAddress!,
            outputs: outputs, inputs: inputs)
        return DenseLayer(sharing: self, activation: activation, packed: repacked)
    }

    private init(sharing other: DenseLayer, activation: Activation, packed: PackedWeights? = nil) {
        self.inputs = other.inputs
        self.outputs = other.outputs
        self.activation = activation
        self.weightSlab = other.weightSlab
        self.biasSlab = other.biasSlab
        self.packed = packed ?? other.packed
    }
}
