import DenseKernels
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A standard normal sample by Box–Muller, from the package's seedable generator.
func gaussian(using generator: inout SplitMix64) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
    let u2 = Double.random(in: 0..<1, using: &generator)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}

/// A regression problem `y = W·x + b + σ·ε` with known `W` (`[outputs, inputs]`) and `b`.
struct LinearProblem {
    var rows: Int
    var inputs: Int
    var outputs: Int
    var weights: [Double]
    var bias: [Double]
    var x: [Float]
    var y: [Float]

    init(
        rows: Int, inputs: Int, outputs: Int, noise: Double, featureMean: Double = 3, hasBias: Bool = true, seed: UInt64
    ) {
        var generator = SplitMix64(seed: seed)
        self.rows = rows
        self.inputs = inputs
        self.outputs = outputs
        weights = (0..<(outputs * inputs)).map { _ in Double.random(in: -2...2, using: &generator) }
        bias = (0..<outputs).map { _ in hasBias ? Double.random(in: -3...3, using: &generator) : 0 }
        x = (0..<(rows * inputs)).map { _ in Float(featureMean + gaussian(using: &generator)) }
        var targets = [Float](repeating: 0, count: rows * outputs)
        for row in 0..<rows {
            for output in 0..<outputs {
                var value = bias[output] + noise * gaussian(using: &generator)
                for input in 0..<inputs {
                    value += weights[output * inputs + input] * Double(x[row * inputs + input])
                }
                targets[row * outputs + output] = Float(value)
            }
        }
        y = targets
    }

    func fit(lambda: Float, fitBias: Bool = true, precision: DenseLayer.RidgePrecision = .automatic) throws
        -> DenseLayer
    {
        try DenseLayer.fitRidge(
            x: x, y: y, rows: rows, inputs: inputs, outputs: outputs, lambda: lambda, fitBias: fitBias,
            precision: precision)
    }
}

func squaredNorm(_ values: [Float]) -> Double { values.reduce(0) { $0 + Double($1) * Double($1) } }

@Suite struct RidgeTests {
    static let problem = LinearProblem(rows: 2000, inputs: 5, outputs: 3, noise: 0.01, seed: 11)

    @Test(arguments: [DenseLayer.RidgePrecision.single, .double, .automatic])
    func recoversKnownWeightsAndBias(precision: DenseLayer.RidgePrecision) throws {
        let problem = Self.problem
        let layer = try problem.fit(lambda: 1e-3, precision: precision)
        #expect(layer.inputs == 5 && layer.outputs == 3 && layer.activation == .identity)
        // The coefficients' standard error is σ/√rows ≈ 2e-4; the bias also carries x̄ = 3 times that.
        for output in 0..<3 {
            for input in 0..<5 {
                let want = problem.weights[output * 5 + input]
                #expect(abs(Double(layer.weight(output: output, input: input)) - want) < 2e-3)
            }
            #expect(abs(Double(layer.bias[output]) - problem.bias[output]) < 1e-2)
        }
    }

    @Test func fitLayerPredictsTheTargets() throws {
        let problem = Self.problem
        let layer = try problem.fit(lambda: 1e-3, fitBias: true)
        let predicted = try DenseModel(layers: [layer]).predict(problem.x)
        let residual = zip(predicted, problem.y).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        // The residual of a good fit is the noise: RMS ≈ σ = 0.01.
        #expect((residual / Double(problem.y.count)).squareRoot() < 0.012)
    }

    @Test func withoutBiasTheBiasIsZero() throws {
        let problem = LinearProblem(rows: 500, inputs: 4, outputs: 2, noise: 0.01, hasBias: false, seed: 3)
        let layer = try problem.fit(lambda: 1e-3, fitBias: false)
        #expect(layer.bias == [0, 0])
        for (got, want) in zip(layer.weights, problem.weights) { #expect(abs(Double(got) - want) < 5e-3) }
    }

    @Test func matrixViewsWithWideStridesGiveTheSameFit() throws {
        let problem = LinearProblem(rows: 300, inputs: 3, outputs: 2, noise: 0.01, seed: 5)
        let xSlab = Slab(rows: 300, columns: 7)
        let ySlab = Slab(rows: 300, columns: 4)
        xSlab.buffer.initialize(repeating: .nan)
        ySlab.buffer.initialize(repeating: .nan)
        let xView = MatrixView(base: xSlab.buffer.baseAddress!, rows: 300, columns: 3, rowStride: 7)
        let yView = MatrixView(base: ySlab.buffer.baseAddress!, rows: 300, columns: 2, rowStride: 4)
        _ = problem.x.withUnsafeBufferPointer { xView.copyRows(from: $0, startingAt: 0) }
        _ = problem.y.withUnsafeBufferPointer { yView.copyRows(from: $0, startingAt: 0) }
        // The NaN padding between rows proves the strides are honoured: reading it would be rejected.
        let fromViews = try DenseLayer.fitRidge(x: xView, y: yView, lambda: 0.5, activation: .relu)
        let fromArrays = try problem.fit(lambda: 0.5)
        #expect(fromViews.activation == .relu)
        for (got, want) in zip(fromViews.weights, fromArrays.weights) { #expect(abs(got - want) < 1e-5) }
        for (got, want) in zip(fromViews.bias, fromArrays.bias) { #expect(abs(got - want) < 1e-5) }
    }

    @Test func largerLambdaShrinksWeightsTowardZero() throws {
        let problem = Self.problem
        var previous = Double.infinity
        for lambda: Float in [0, 10, 1e3, 1e5, 1e7] {
            let norm = squaredNorm(try problem.fit(lambda: lambda).weights)
            #expect(norm < previous, "‖W‖² = \(norm) at λ = \(lambda) did not shrink")
            previous = norm
        }
        let huge = try problem.fit(lambda: 1e12)
        #expect(squaredNorm(huge.weights) < 1e-10)
        // With W → 0 the unpenalised bias becomes the mean target.
        for output in 0..<3 {
            let mean = (0..<problem.rows).reduce(0.0) { $0 + Double(problem.y[$1 * 3 + output]) } / 2000
            #expect(abs(Double(huge.bias[output]) - mean) < 1e-3)
        }
    }

    @Test func duplicatedColumnsAreSingularWithoutLambdaAndSplitWithIt() throws {
        let rows = 400
        var generator = SplitMix64(seed: 9)
        var x = [Float]()
        var y = [Float]()
        for _ in 0..<rows {
            let a = Float(gaussian(using: &generator))
            let b = Float(gaussian(using: &generator))
            x += [a, b, a]
            y.append(2 * a - b + 1)
        }
        for precision in [DenseLayer.RidgePrecision.single, .double, .automatic] {
            do {
                _ = try DenseLayer.fitRidge(
                    x: x, y: y, rows: rows, inputs: 3, outputs: 1, lambda: 0, precision: precision)
                Issue.record("a fit with duplicated columns and λ = 0 succeeded (\(precision))")
            } catch {
                guard case .notPositiveDefinite(let info, let lambda) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(info == 3 && lambda == 0)
                #expect(error.description.contains("raise lambda"))
            }
        }
        // With λ > 0 the penalty splits the weight of the duplicated feature evenly between its copies.
        let layer = try DenseLayer.fitRidge(x: x, y: y, rows: rows, inputs: 3, outputs: 1, lambda: 1)
        #expect(abs(layer.weights[0] - layer.weights[2]) < 1e-4)
        #expect(abs(layer.weights[0] + layer.weights[2] - 2) < 0.02)
        #expect(abs(layer.weights[1] + 1) < 0.01)
    }

    @Test func badArgumentsAreRejected() {
        let x: [Float] = [1, 2, 3, 4, 5, 6]
        let y: [Float] = [1, 2, 3]
        #expect(throws: RidgeError.inputCount(expected: 9, got: 6)) {
            try DenseLayer.fitRidge(x: x, y: y, rows: 3, inputs: 3, outputs: 1, lambda: 1)
        }
        #expect(throws: RidgeError.targetCount(expected: 6, got: 3)) {
            try DenseLayer.fitRidge(x: x, y: y, rows: 3, inputs: 2, outputs: 2, lambda: 1)
        }
        #expect(throws: RidgeError.invalidShape(rows: 0, inputs: 2, outputs: 1)) {
            try DenseLayer.fitRidge(x: [], y: [], rows: 0, inputs: 2, outputs: 1, lambda: 1)
        }
        #expect(throws: RidgeError.invalidShape(rows: Int.max, inputs: 2, outputs: 1)) {
            try DenseLayer.fitRidge(x: x, y: y, rows: .max, inputs: 2, outputs: 1, lambda: 1)
        }
        #expect(throws: RidgeError.invalidLambda(-1)) {
            try DenseLayer.fitRidge(x: x, y: y, rows: 3, inputs: 2, outputs: 1, lambda: -1)
        }
        #expect(throws: RidgeError.invalidLambda(.infinity)) {
            try DenseLayer.fitRidge(x: x, y: y, rows: 3, inputs: 2, outputs: 1, lambda: .infinity)
        }
        let nanError = #expect(throws: RidgeError.self) {
            try DenseLayer.fitRidge(x: x, y: y, rows: 3, inputs: 2, outputs: 1, lambda: .nan)
        }
        if case .invalidLambda(let lambda) = nanError {
            #expect(lambda.isNaN)
        } else {
            Issue.record("NaN lambda gave \(String(describing: nanError))")
        }
        #expect(throws: RidgeError.nonFiniteInput(row: 1, column: 1)) {
            try DenseLayer.fitRidge(x: [1, 2, 3, .infinity, 5, 6], y: y, rows: 3, inputs: 2, outputs: 1, lambda: 1)
        }
        #expect(throws: RidgeError.nonFiniteTarget(row: 2, column: 0)) {
            try DenseLayer.fitRidge(x: x, y: [1, 2, .nan], rows: 3, inputs: 2, outputs: 1, lambda: 1)
        }
        let slab = Slab(rows: 4, columns: 2)
        slab.buffer.initialize(repeating: 1)
        #expect(throws: RidgeError.rowCountMismatch(inputs: 4, targets: 3)) {
            try DenseLayer.fitRidge(x: slab.view(rows: 4), y: slab.view(rows: 3), lambda: 1)
        }
    }

    @Test func errorsDescribeThemselves() {
        let errors: [RidgeError] = [
            .invalidShape(rows: 0, inputs: 1, outputs: 1), .inputCount(expected: 2, got: 1),
            .targetCount(expected: 2, got: 1), .rowCountMismatch(inputs: 2, targets: 1), .invalidLambda(-1),
            .nonFiniteInput(row: 0, column: 0), .nonFiniteTarget(row: 0, column: 0),
            .notPositiveDefinite(info: 2, lambda: 0),
        ]
        for error in errors { #expect(!error.description.isEmpty) }
        #expect(RidgeError.notPositiveDefinite(info: 2, lambda: 0).description.contains("info 2"))
    }
}
