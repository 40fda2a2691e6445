extension DenseModel {
    /// The names of the models built into the library, which need no weight files.
    public static let builtInNames = ["linear256", "mlp1024"]

    /// A built-in model by name (`linear256` or `mlp1024`), or `nil` for an unknown name.
    public static func builtIn(named name: String, seed: UInt64 = 42) -> DenseModel? {
        switch name {
        case "linear256": return linear256(seed: seed)
        case "mlp1024": return mlp1024(seed: seed)
        default: return nil
        }
    }

    /// 256 → 256, identity: one GEMM, the shape where per-item overhead shows most.
    public static func linear256(seed: UInt64 = 42) -> DenseModel {
        randomModel(widths: [256, 256], activations: [.identity], seed: seed)
    }

    /// 1024 → 1024 relu → 1024 relu → 10 softmax: compute-bound, where batching pays most.
    public static func mlp1024(seed: UInt64 = 42) -> DenseModel {
        randomModel(widths: [1024, 1024, 1024, 10], activations: [.relu, .relu, .softmax], seed: seed)
    }

    /// A model with PyTorch's default `nn.Linear` initialisation (uniform in ±1/√inputs), deterministic
    /// from `seed`.
    public static func randomModel(widths: [Int], activations: [Activation], seed: UInt64) -> DenseModel {
        precondition(widths.count == activations.count + 1, "one activation per layer")
        var generator = SplitMix64(seed: seed)
        var layers: [DenseLayer] = []
        for index in activations.indices {
            let inputs = widths[index]
            let outputs = widths[index + 1]
            let bound = 1 / Float(inputs).squareRoot()
            let weights = (0..<(inputs * outputs)).map { _ in Float.random(in: -bound...bound, using: &generator) }
            let bias = (0..<outputs).map { _ in Float.random(in: -bound...bound, using: &generator) }
            // The shapes are consistent by construction.
            layers.append(
                try! DenseLayer(
                    weights: weights,
                    bias: bias,
                    outputs: outputs,
                    inputs: inputs,
                    activation: activations[index]
                )
            )
        }
        return try! DenseModel(layers: layers)
    }
}
