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

    /// `values` as the pre-activation of a layer with zero weights (so every row computes exactly its
    /// bias, whatever the input), computed for `rows` identical rows: 1 takes `sgemv`, 3 the small-batch
    /// kernel, 40 the GEMM path. An identity weight would not do: `NaN · 0` spreads a NaN to every column.
    func applyThroughBias(_ activation: Activation, to values: [Float], rows: Int) -> [[Float]] {
        let count = values.count
        let layer = try! DenseLayer(
            weights: .init(repeating: 0, count: count * 4), bias: values, outputs: count, inputs: 4,
            activation: activation)
        let model = try! DenseModel(layers: [layer]).with(smallBatchLimit: 4)
        let output = model.predict(.init(repeating: 0.5, count: rows * 4))
        return (0..<rows).map { Array(output[($0 * count)..<(($0 + 1) * count)]) }
    }

    /// NaN, +∞ and −∞ among finite values, in the vector part and in the tail of a 19-wide row.
    static let nonFiniteSamples: [Float] = [
        0.5, .nan, -1, .infinity, -.infinity, 2, 0, -0.0, 7, -.nan, .infinity, 3, -.infinity, 88, -88, 100, .nan,
        -.infinity, .infinity,
    ]

    /// What NumPy's float64 formulas give (`1/(1+np.exp(-x))`, `np.tanh`, `np.maximum(x, 0)`, the tanh
    /// GELU): NaN stays NaN, and ±∞ go where the formula sends them, `gelu(−∞)` to NaN (`−∞ · 0`).
    @Test(arguments: Activation.allCases.filter { $0 != .softmax })
    func nonFiniteValuesFollowTheFloat64Reference(activation: Activation) {
        let expected: [Activation: (nan: Float, plus: Float, minus: Float)] = [
            .identity: (.nan, .infinity, -.infinity), .relu: (.nan, .infinity, 0), .sigmoid: (.nan, 1, 0),
            .tanh: (.nan, 1, -1), .gelu: (.nan, .infinity, .nan),
        ]
        let (nan, plus, minus) = expected[activation]!
        #expect(Float(activation.reference(.nan)).isNaN)
        #expect(Float(activation.reference(.infinity)).bitPattern == plus.bitPattern)
        #expect(Float(activation.reference(-.infinity)).bitPattern == minus.bitPattern || minus.isNaN)
        for rows in [1, 3, 40] {
            for (row, output) in applyThroughBias(activation, to: Self.nonFiniteSamples, rows: rows).enumerated() {
                for (x, got) in zip(Self.nonFiniteSamples, output) {
                    let want: Float = x.isNaN ? nan : x == .infinity ? plus : x == -.infinity ? minus : got
                    let same = want.isNaN ? got.isNaN : got == want
                    #expect(same, "\(activation)(\(x)) = \(got), want \(want) (\(rows) rows, row \(row))")
                    if x.isFinite {
                        let reference = activation.reference(Double(x))
                        #expect(abs(Double(got) - reference) <= 2e-6 + 2e-6 * abs(reference), "\(activation)(\(x))")
                    }
                }
            }
        }
    }

    /// NumPy's `e = np.exp(x - x.max()); e / e.sum()`: a NaN or a +∞ anywhere, or nothing but −∞, makes
    /// the row NaN; a −∞ among finite values is exactly 0 and the rest still sum to 1.
    @Test func softmaxNonFiniteRowsFollowNumPy() {
        let allNaN: [[Float]] = [
            [1, .nan, 2], [1, .infinity, 2], [.infinity, .infinity], [.infinity, -.infinity], [.nan, .infinity],
            [-.infinity, -.infinity], Array(repeating: 1, count: 17) + [.nan], [.nan] + Array(repeating: 1, count: 17),
            Array(repeating: -3, count: 9) + [.infinity] + Array(repeating: 2, count: 9),
        ]
        for values in allNaN {
            #expect(Activation.softmaxReference(values.map(Double.init)).allSatisfy { $0.isNaN }, "\(values)")
            for rows in [1, 3, 40] {
                for output in applyThroughBias(.softmax, to: values, rows: rows) {
                    #expect(output.allSatisfy { $0.isNaN }, "softmax(\(values)) = \(output) (\(rows) rows)")
                }
            }
        }
        let withMinusInfinity: [[Float]] = [
            [1, -.infinity, 2], Array(repeating: 0.5, count: 16) + [-.infinity, 3, -.infinity],
            [-.infinity] + (0..<20).map { Float($0) / 7 },
        ]
        for values in withMinusInfinity {
            let reference = Activation.softmaxReference(values.map(Double.init))
            for rows in [1, 3, 40] {
                for output in applyThroughBias(.softmax, to: values, rows: rows) {
                    for (index, (got, want)) in zip(output, reference).enumerated() {
                        if values[index] == -.infinity {
                            #expect(got == 0, "softmax(\(values))[\(index)] = \(got)")
                        } else {
                            #expect(
                                abs(Double(got) - want) < 1e-6, "softmax(\(values))[\(index)] = \(got), want \(want)")
                        }
                    }
                    #expect(abs(output.reduce(0, +) - 1) < 1e-5)
                }
            }
        }
        // NumPy's figures for [1, -inf, 2].
        let three = Activation.softmaxReference([1, -.infinity, 2])
        #expect(abs(three[0] - 0.268_941_42) < 1e-8 && three[1] == 0 && abs(three[2] - 0.731_058_58) < 1e-8)
    }

    /// A NaN row through a whole model (GEMMs and the softmax epilogue) comes out NaN, not the uniform
    /// `[0.1] * 10` a clamped exponential used to make of it; its batch neighbours are untouched.
    @Test func nonFiniteRowThroughAModelStaysNonFinite() {
        let model = DenseModel.mlp1024().with(smallBatchLimit: 2)
        for rows in [1, 2, 9] {
            var input = [Float](repeating: 0.01, count: rows * 1024)
            input[(rows - 1) * 1024 + 17] = .nan
            let output = model.predict(input)
            #expect(output[((rows - 1) * 10)...].allSatisfy { $0.isNaN }, "\(rows) rows")
            #expect(output[..<((rows - 1) * 10)].allSatisfy { $0.isFinite }, "\(rows) rows")
        }
    }

    @Test func namesParse() {
        #expect(Activation(name: " ReLU ") == .relu)
        #expect(Activation(name: "linear") == .identity)
        #expect(Activation(name: "swish") == nil)
    }
}
