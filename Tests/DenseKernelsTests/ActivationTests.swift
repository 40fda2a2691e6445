import DenseKernels
import Testing

@Suite struct ActivationTests {
    /// Runs `activation` on one row holding `values` through an identity-weight layer and returns the result.
    func apply(_ activation: Activation, to values: [Float]) -> [Float] {
        let count = values.count
        var identity = [Float](repeating: 0, count: count * count)
        for index in 0..<count { identity[index * count + index] = 1 }
        let layer = try! DenseLayer(
            weights: identity, bias: .init(repeating: 0, count: count), outputs: count, inputs: count,
            activation: activation)
        return try! DenseModel(layers: [layer]).predict(values)
    }

    static let samples: [Float] =
        stride(from: -12.0, through: 12.0, by: 0.37).map { Float($0) } + [
            0, -0.0, 1e-6, -1e-6, 1e-3, 30, -30, 80, -80, 100, -100,
        ]

    @Test(arguments: [Activation.identity, .relu, .gelu, .sigmoid, .tanh])
    func elementwiseMatchesScalarDefinition(activation: Activation) {
        let output = apply(activation, to: Self.samples)
        for (x, got) in zip(Self.samples, output) {
            let want = activation.reference(Double(x))
            #expect(abs(Double(got) - want) <= 2e-6 + 2e-6 * abs(want), "\(activation)(\(x)) = \(got), want \(want)")
        }
    }

    @Test func softmaxRowsSumToOneAndStayFinite() {
        for values in [Self.samples, [1e4, -1e4, 0, 1e4], [-1e4, -1e4, -1e4], [3], Array(repeating: 1e4, count: 19)] {
            let output = apply(.softmax, to: values)
            #expect(output.allSatisfy { $0.isFinite })
            #expect(abs(output.reduce(0, +) - 1) < 1e-5)
            let reference = Activation.softmaxReference(values.map(Double.init))
            for (got, want) in zip(output, reference) { #expect(abs(Double(got) - want) < 1e-6) }
        }
    }

    @Test func namesParse() {
        #expect(Activation(name: " ReLU ") == .relu)
        #expect(Activation(name: "linear") == .identity)
        #expect(Activation(name: "swish") == nil)
    }
}
