/// A model that cannot be built: what is inconsistent, and where.
public enum DenseModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A model needs at least one layer.
    case noLayers
    /// A dimension was zero or negative.
    case invalidDimension(layer: Int, inputs: Int, outputs: Int)
    /// The weight array does not hold `outputs × inputs` values.
    case weightCount(layer: Int, expected: Int, got: Int)
    /// The bias array does not hold `outputs` values.
    case biasCount(layer: Int, expected: Int, got: Int)
    /// A layer's input width differs from the previous layer's output width.
    case layerShapeMismatch(layer: Int, expectedInputs: Int, got: Int)
    /// Softmax is only supported on the last layer, where it produces the model's probabilities.
    case softmaxNotLast(layer: Int)

    /// What is wrong with the model, in one line.
    public var description: String {
        switch self {
        case .noLayers:
            return "the model has no layers; give it at least one DenseLayer"
        case .invalidDimension(let layer, let inputs, let outputs):
            return "layer \(layer) has shape [\(outputs), \(inputs)]; both dimensions must be positive"
        case .weightCount(let layer, let expected, let got):
            return "layer \(layer) weights hold \(got) values, expected \(expected) (outputs × inputs, row-major)"
        case .biasCount(let layer, let expected, let got):
            return "layer \(layer) bias holds \(got) values, expected \(expected) (one per output)"
        case .layerShapeMismatch(let layer, let expectedInputs, let got):
            return "layer \(layer) takes \(got) inputs but the previous layer produces \(expectedInputs)"
        case .softmaxNotLast(let layer):
            return "layer \(layer) uses softmax, which is only allowed on the last layer"
        }
    }
}
