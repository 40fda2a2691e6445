import DenseKernels
import Testing

/// Naive double-precision `act(X·Wᵀ + b)` for one layer.
func referenceLayer(_ input: [Double], rows: Int, layer: DenseLayer) -> [Double] {
    let weights = layer.weights.map(Double.init)
    let bias = layer.bias.map(Double.init)
    var output = [Double](repeating: 0, count: rows * layer.outputs)
    for row in 0..<rows {
        var pre = [Double](repeating: 0, count: layer.outputs)
        for out in 0..<layer.outputs {
            var sum = bias[out]
            for inner in 0..<layer.inputs {
                sum += input[row * layer.inputs + inner] * weights[out * layer.inputs + inner]
            }
            pre[out] = sum
        }
        let activated =
            layer.activation == .softmax
            ? Activation.softmaxReference(pre) : pre.map { layer.activation.reference($0) }
        output.replaceSubrange((row * layer.outputs)..<((row + 1) * layer.outputs), with: activated)
    }
    return output
}

func referenceModel(_ input: [Float], rows: Int, model: DenseModel) -> [Double] {
    var values = input.map(Double.init)
    for layer in model.layers { values = referenceLayer(values, rows: rows, layer: layer) }
    return values
}

func randomRows(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float.random(in: -scale...scale, using: &generator) }
}

@Suite struct ForwardTests {
    static let shapes: [(rows: Int, widths: [Int])] = [
        (1, [1, 1]), (1, [3, 5]), (2, [7, 1]), (5, [17, 33, 9]), (13, [64, 64]), (31, [1, 40, 3]),
        (64, [65, 31, 17]), (257, [8, 8]), (513, [5, 7]),
    ]

    @Test(arguments: Activation.allCases)
    func forwardMatchesDoubleReference(activation: Activation) throws {
        for (index, shape) in Self.shapes.enumerated() {
            let layerCount = shape.widths.count - 1
            let activations = (0..<layerCount).map { layer -> Activation in
                if activation == .softmax { return layer == layerCount - 1 ? .softmax : .relu }
                return activation
            }
            let model = DenseModel.randomModel(widths: shape.widths, activations: activations, seed: UInt64(index))
            let input = randomRows(shape.rows * model.inputWidth, seed: 99 + UInt64(index), scale: 2)
            let workspace = DenseWorkspace(model: model, maxRows: shape.rows + 3)
            let inputSlab = Slab(rows: shape.rows, columns: model.inputWidth)
            _ = inputSlab.buffer.initialize(from: input)
            let outputSlab = Slab(rows: shape.rows, columns: model.outputWidth)
            model.forward(inputSlab.fullView, into: outputSlab.fullView, workspace: workspace)
            let expected = referenceModel(input, rows: shape.rows, model: model)
            for (got, want) in zip(outputSlab.buffer, expected) {
                #expect(abs(Double(got) - want) <= 1e-4 + 1e-4 * abs(want), "shape \(shape) \(activation)")
            }
        }
    }

    @Test func everyRowCountFrom1To513MatchesReference() {
        let model = DenseModel.randomModel(widths: [9, 6, 4], activations: [.gelu, .softmax], seed: 7)
        let workspace = DenseWorkspace(model: model, maxRows: 513)
        let input = randomRows(513 * 9, seed: 1)
        let expected = referenceModel(input, rows: 513, model: model)
        let inputSlab = Slab(rows: 513, columns: 9)
        _ = inputSlab.buffer.initialize(from: input)
        let outputSlab = Slab(rows: 513, columns: 4)
        var worst = 0.0
        for rows in 1...513 {
            model.forward(inputSlab.view(rows: rows), into: outputSlab.view(rows: rows), workspace: workspace)
            for index in 0..<(rows * 4) {
                worst = max(worst, abs(Double(outputSlab.buffer[index]) - expected[index]))
            }
        }
        #expect(worst < 1e-5)
    }

    @Test func singleRowPathMatchesBatchedPath() {
        for model in [DenseModel.linear256(), DenseModel.mlp1024()] {
            let workspace = DenseWorkspace(model: model, maxRows: 4)
            let input = randomRows(4 * model.inputWidth, seed: 3)
            let batched = model.predict(input)
            for row in 0..<4 {
                var single = [Float](repeating: 0, count: model.outputWidth)
                input.withUnsafeBufferPointer { all in
                    let slice = UnsafeBufferPointer(
                        rebasing: all[(row * model.inputWidth)..<((row + 1) * model.inputWidth)])
                    single.withUnsafeMutableBufferPointer {
                        model.forwardSingleRow(slice, into: $0, workspace: workspace)
                    }
                }
                for (index, value) in single.enumerated() {
                    #expect(abs(value - batched[row * model.outputWidth + index]) < 1e-4)
                }
            }
        }
    }

    /// The packed small-batch path up to the limit and GEMM past it, against the double-precision
    /// reference. Widths that are not multiples of the panel width exercise the last, zero-padded panel,
    /// and a row stride wider than the input its strided reads.
    @Test(arguments: [33, 36])
    func smallBatchesMatchTheReference(inputStride: Int) {
        let model = DenseModel.randomModel(
            widths: [33, 40, 17, 5], activations: [.relu, .tanh, .softmax], seed: 11
        )
        .with(smallBatchLimit: 9)
        let workspace = DenseWorkspace(model: model, maxRows: 11)
        let input = randomRows(11 * 33, seed: 4)
        let expected = referenceModel(input, rows: 11, model: model)
        let inputSlab = Slab(rows: 11, columns: inputStride)
        for row in 0..<11 {
            for column in 0..<33 { inputSlab.buffer[row * inputStride + column] = input[row * 33 + column] }
        }
        let outputSlab = Slab(rows: 11, columns: 5)
        // 1…9 rows by the packed kernel, 10 and 11 by GEMM: each row its own result.
        for rows in 1...11 {
            outputSlab.buffer.update(repeating: .nan)
            let view = MatrixView(base: inputSlab.buffer.baseAddress!, rows: rows, columns: 33, rowStride: inputStride)
            model.forward(view, into: outputSlab.view(rows: rows), workspace: workspace)
            for index in 0..<(rows * 5) {
                #expect(abs(Double(outputSlab.buffer[index]) - expected[index]) < 1e-5, "rows \(rows)")
            }
        }
    }

    /// Every kernel this CPU runs, and OpenBLAS, at every batch size from 1 to 70 and with every
    /// activation, against the double-precision reference. 70 rows cover several full tiles and every
    /// remainder of the 4-, 6- and 12-row tiles and of the 48-row chunks; 150 and 37 outputs leave a
    /// partial last panel at every panel width, 257 inputs take two slices of both kernels' 256, the first
    /// layer is large enough for two threads to share from 8 rows (the second from 55), and the strided
    /// input and output views must be honoured.
    @Test(arguments: Activation.allCases)
    func everyKernelAndBatchSizeFrom1To70MatchesTheReference(activation: Activation) {
        let activations: [Activation] = activation == .softmax ? [.relu, .softmax] : [activation, activation]
        let base = DenseModel.randomModel(widths: [257, 150, 37], activations: activations, seed: 21)
        let maxRows = 70
        let input = randomRows(maxRows * 257, seed: 5, scale: 2)
        let expected = referenceModel(input, rows: maxRows, model: base)
        let (inputStride, outputStride) = (259, 39)
        let inputSlab = Slab(rows: maxRows, columns: inputStride)
        for row in 0..<maxRows {
            for column in 0..<257 { inputSlab.buffer[row * inputStride + column] = input[row * 257 + column] }
        }
        let outputSlab = Slab(rows: maxRows, columns: outputStride)
        let oneThread = DenseWorkspace(model: base, maxRows: maxRows)
        let twoThreads = DenseWorkspace(model: base, maxRows: maxRows, smallBatchThreads: 2)
        #expect(twoThreads.smallBatchThreads == 2)
        let kernels = SmallBatchKernel.supported.flatMap { kernel in
            let model = base.with(smallBatchKernel: kernel).with(smallBatchLimit: maxRows).with(packedSingleRow: true)
            return [("\(kernel)", model, oneThread), ("\(kernel), two threads", model, twoThreads)]
        }
        let paths = kernels + [("OpenBLAS", base.with(smallBatchLimit: 0).with(packedSingleRow: false), oneThread)]
        #expect(paths.count >= 3)
        for (name, model, workspace) in paths {
            var worst = 0.0
            for rows in 1...maxRows {
                outputSlab.buffer.update(repeating: .nan)
                let source = MatrixView(
                    base: inputSlab.buffer.baseAddress!, rows: rows, columns: 257, rowStride: inputStride)
                let destination = MatrixView(
                    base: outputSlab.buffer.baseAddress!, rows: rows, columns: 37, rowStride: outputStride)
                model.forward(source, into: destination, workspace: workspace)
                for row in 0..<rows {
                    for column in 0..<37 {
                        let want = expected[row * 37 + column]
                        let error = abs(Double(destination[row, column]) - want) / (1 + abs(want))
                        worst = max(worst, error.isNaN ? .infinity : error)
                    }
                    // The padding between rows of the output view is never written.
                    #expect(outputSlab.buffer[row * outputStride + 37].isNaN, "\(name), \(rows) rows")
                }
            }
            #expect(worst <= 1e-4, "\(name) \(activation): worst relative error \(worst)")
        }
    }

    /// Two threads share a call by panels (each computes some outputs of every row) or by rows (each
    /// computes whole tiles of the one-thread split); either way each row is summed in the same order as on
    /// one thread. Every size from 1 to 70 covers both ways, one and two chunks, an odd chunk count's split
    /// and every tile remainder; the larger sizes take three to six chunks.
    @Test(arguments: ["linear256", "mlp1024"], SmallBatchKernel.supported)
    func twoThreadsGiveTheSameBitsAsOne(name: String, kernel: SmallBatchKernel) {
        let maxRows = 256
        let model = (name == "linear256" ? DenseModel.linear256() : .mlp1024())
            .with(smallBatchKernel: kernel).with(smallBatchLimit: maxRows)
        let input = Slab(rows: maxRows, columns: model.inputWidth)
        _ = input.buffer.initialize(from: randomRows(maxRows * model.inputWidth, seed: 12))
        let one = Slab(rows: maxRows, columns: model.outputWidth)
        let two = Slab(rows: maxRows, columns: model.outputWidth)
        let single = DenseWorkspace(model: model, maxRows: maxRows)
        let pair = DenseWorkspace(model: model, maxRows: maxRows, smallBatchThreads: 2)
        let sizes =
            name == "linear256" ? Array(1...70) + [97, 100, 144, 145, 200, 256] : [1, 2, 7, 8, 12, 13, 25, 49, 100]
        for rows in sizes {
            model.forward(input.view(rows: rows), into: one.view(rows: rows), workspace: single)
            // Twice: the second call finds the helper spinning rather than asleep.
            for _ in 0..<2 {
                two.buffer.update(repeating: .nan)
                model.forward(input.view(rows: rows), into: two.view(rows: rows), workspace: pair)
                let differing = (0..<(rows * model.outputWidth)).first {
                    one.buffer[$0].bitPattern != two.buffer[$0].bitPattern
                }
                #expect(differing == nil, "\(name), \(kernel), \(rows) rows: value \(differing ?? 0) differs")
            }
        }
    }

    /// Input rows 2 KiB apart are copied before the kernel reads them, unless the call has few enough rows
    /// (8 on AVX-512, 4 on AVX2); rows at other strides are read in place. Both sum each row in the same
    /// order, so the two give the same bits, on one thread and two.
    @Test(arguments: SmallBatchKernel.supported)
    func rowsReadInPlaceGiveTheSameBitsAsTheirCopy(kernel: SmallBatchKernel) {
        let maxRows = 100
        let model = DenseModel.linear256().with(smallBatchKernel: kernel).with(smallBatchLimit: maxRows)
        let width = model.inputWidth
        let values = randomRows(maxRows * width, seed: 31)
        // 1 KiB apart (read in place) and 2 KiB apart (copied from 9 or 5 rows up).
        let (near, far) = (Slab(rows: maxRows, columns: width), Slab(rows: maxRows, columns: 2 * width))
        for row in 0..<maxRows {
            for column in 0..<width {
                near.buffer[row * width + column] = values[row * width + column]
                far.buffer[row * 2 * width + column] = values[row * width + column]
            }
        }
        let (one, two) = (
            Slab(rows: maxRows, columns: model.outputWidth), Slab(rows: maxRows, columns: model.outputWidth)
        )
        for threads in [1, 2] {
            let workspace = DenseWorkspace(model: model, maxRows: maxRows, smallBatchThreads: threads)
            for rows in Array(1...20) + [47, 48, 49, 97, 100] {
                let output = (one.view(rows: rows), two.view(rows: rows))
                model.forward(near.view(rows: rows), into: output.0, workspace: workspace)
                let copied = MatrixView(base: far.buffer.baseAddress!, rows: rows, columns: width, rowStride: 2 * width)
                model.forward(copied, into: output.1, workspace: workspace)
                let differing = (0..<(rows * model.outputWidth)).first {
                    one.buffer[$0].bitPattern != two.buffer[$0].bitPattern
                }
                #expect(
                    differing == nil, "\(kernel), \(threads) threads, \(rows) rows: value \(differing ?? 0) differs")
            }
        }
    }

    @Test func builtInModelsMatchTheReferenceWithEveryKernel() {
        // The built-in shapes: panels that divide 1024 and 256 exactly, and a 10-wide last layer.
        for base in [DenseModel.linear256(), DenseModel.mlp1024()] {
            let rows = 13
            let input = randomRows(rows * base.inputWidth, seed: 8)
            let expected = referenceModel(input, rows: rows, model: base)
            for kernel in SmallBatchKernel.supported {
                let got = base.with(smallBatchKernel: kernel).with(smallBatchLimit: rows).predict(input)
                for (value, want) in zip(got, expected) {
                    #expect(abs(Double(value) - want) <= 1e-4 + 1e-4 * abs(want), "\(kernel)")
                }
            }
        }
    }

    @Test func smallBatchKernelMatchesRowByRowOnTheBuiltInModel() {
        // The kernel sums in another order than GEMM, so the results agree to rounding, not bit for bit.
        let model = DenseModel.mlp1024().with(smallBatchLimit: 4)
        let rows = 4
        let workspace = DenseWorkspace(model: model, maxRows: rows)
        let input = Slab(rows: rows, columns: model.inputWidth)
        _ = input.buffer.initialize(from: randomRows(rows * model.inputWidth, seed: 9))
        let batched = Slab(rows: rows, columns: model.outputWidth)
        model.forward(input.fullView, into: batched.fullView, workspace: workspace)
        let single = Slab(rows: 1, columns: model.outputWidth)
        for row in 0..<rows {
            model.forward(input.fullView.rows(row..<(row + 1)), into: single.fullView, workspace: workspace)
            for column in 0..<model.outputWidth {
                #expect(abs(single.buffer[column] - batched.buffer[row * model.outputWidth + column]) < 1e-5)
            }
        }
    }

    @Test func calibrationKeepsTheLayersAndPicksACandidate() {
        let model = DenseModel.mlp1024()
        let prior = SmallBatchCrossover.prior(for: model.smallBatchKernel)
        let crossover = model.measureSmallBatchCrossover(candidates: [2, 4])
        #expect(Set([0, 2, 4, prior]).contains(crossover.limit))
        #expect(model.with(smallBatchLimit: 0).usesPackedKernel(rows: 1) == false)
        #expect(model.with(smallBatchLimit: 0).with(packedSingleRow: true).usesPackedKernel(rows: 1))
        #expect(model.with(smallBatchLimit: 8).usesPackedKernel(rows: 8))
        #expect(!model.with(smallBatchLimit: 8).usesPackedKernel(rows: 9))
        #expect(crossover.measurements.map(\.rows).allSatisfy { [2, 4].contains($0) })
        let calibrated = model.calibratedForSmallBatches(candidates: [2, 4])
        #expect(calibrated.layers.map(\.outputs) == model.layers.map(\.outputs))
        // Nothing to measure, or no time to: the kernel's prior.
        #expect(model.calibratedForSmallBatches(candidates: []).smallBatchLimit == prior)
        #expect(model.calibratedForSmallBatches(budget: .zero).smallBatchLimit == prior)
        #expect(model.effectiveSmallBatchLimit == prior)
    }

    @Test func strideViewsAreHonoured() {
        // A view whose row stride is wider than its columns: the GEMM must read only the columns.
        let model = DenseModel.randomModel(widths: [3, 2], activations: [.identity], seed: 5)
        let wide = Slab(rows: 2, columns: 5)
        for index in 0..<10 { wide.buffer[index] = Float(index) }
        let view = MatrixView(base: wide.buffer.baseAddress!, rows: 2, columns: 3, rowStride: 5)
        let output = Slab(rows: 2, columns: 2)
        model.forward(view, into: output.fullView, workspace: DenseWorkspace(model: model, maxRows: 2))
        let expected = referenceModel([0, 1, 2, 5, 6, 7], rows: 2, model: model)
        for (got, want) in zip(output.buffer, expected) { #expect(abs(Double(got) - want) < 1e-5) }
    }

    @Test func builtInModelsAreDeterministicAndShaped() {
        #expect(DenseModel.linear256().shapeDescription == "256→256")
        #expect(DenseModel.mlp1024().shapeDescription == "1024→1024 relu→1024 relu→10 softmax")
        #expect(DenseModel.linear256(seed: 1).layers[0].weights == DenseModel.linear256(seed: 1).layers[0].weights)
        #expect(DenseModel.linear256(seed: 1).layers[0].weights != DenseModel.linear256(seed: 2).layers[0].weights)
        #expect(DenseModel.builtIn(named: "nope") == nil)
    }

    @Test func inconsistentLayersAreRejected() throws {
        let first = try DenseLayer(weights: [1, 2], bias: [0], outputs: 1, inputs: 2)
        let second = try DenseLayer(weights: [1, 2, 3], bias: [0], outputs: 1, inputs: 3)
        #expect(throws: DenseModelError.layerShapeMismatch(layer: 1, expectedInputs: 1, got: 3)) {
            _ = try DenseModel(layers: [first, second])
        }
        #expect(throws: DenseModelError.noLayers) { _ = try DenseModel(layers: []) }
        #expect(throws: DenseModelError.weightCount(layer: 0, expected: 2, got: 3)) {
            _ = try DenseLayer(weights: [1, 2, 3], bias: [0], outputs: 1, inputs: 2)
        }
    }
}
