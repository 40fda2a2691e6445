import DenseKernels
import Testing

@Suite struct MemoryEstimateTests {
    /// The built-in models and a few random stacks, deterministic from a seed.
    static let models: [(name: String, model: DenseModel)] = {
        var result: [(String, DenseModel)] = [("linear256", .linear256()), ("mlp1024", .mlp1024())]
        var generator = SplitMix64(seed: 2024)
        for index in 0..<4 {
            let depth = Int.random(in: 1...4, using: &generator)
            let widths = (0...depth).map { _ in Int.random(in: 1...300, using: &generator) }
            let activations = (0..<depth).map { layer in layer == depth - 1 ? Activation.softmax : .gelu }
            result.append(
                (
                    "random\(index) \(widths)",
                    DenseModel.randomModel(widths: widths, activations: activations, seed: UInt64(index))
                ))
        }
        return result
    }()

    static let rowCounts = [1, 2, 7, 64, 100, 257, 1000]

    /// What a batch of `rows` really allocates: input slab, workspace intermediates, output slab, weights.
    static func allocatedBytes(_ model: DenseModel, rows: Int) -> Int {
        let input = Slab(rows: rows, columns: model.inputWidth)
        let workspace = DenseWorkspace(model: model, maxRows: rows)
        let output = Slab(rows: rows, columns: model.outputWidth)
        let weights = model.layers.reduce(0) { $0 + $1.parameterBytes }
        return input.byteCount + workspace.intermediateBytes + output.byteCount + weights
    }

    @Test func estimateEqualsTheBytesAllocated() {
        for (name, model) in Self.models {
            let estimate = model.memoryEstimate
            for rows in Self.rowCounts {
                #expect(estimate.bytes(rows: rows) == Self.allocatedBytes(model, rows: rows), "\(name), \(rows) rows")
            }
        }
    }

    @Test func builtInWeightsAreCountedExactly() {
        // The row-major weights and bias, and their copy packed into panels (outputs padded to whole
        // panels, one bias row after the weights).
        func packed(_ model: DenseModel) -> Int {
            let width = model.smallBatchKernel.panelWidth
            return model.layers.reduce(0) {
                $0 + ($1.outputs + width - 1) / width * width * ($1.inputs + 1) * 4
            }
        }
        #expect(DenseModel.linear256().layers.reduce(0) { $0 + $1.packedBytes } == packed(.linear256()))
        #expect(DenseModel.linear256().memoryEstimate.weightBytes == (256 * 256 + 256) * 4 + packed(.linear256()))
        #expect(
            DenseModel.mlp1024().memoryEstimate.weightBytes
                == (2 * (1024 * 1024 + 1024) + 10 * 1024 + 10) * 4 + packed(.mlp1024()))
        // The two 1024-wide intermediates take a cache line more per row (`DenseWorkspace.rowStride`).
        #expect(DenseModel.mlp1024().memoryEstimate.bytesPerRow == (1024 + 2 * (1024 + 16) + 10) * 4)
    }

    @Test func rowCapIsTheLargestBatchWithinBudget() {
        for (name, model) in Self.models {
            let estimate = model.memoryEstimate
            for megabytes in [0.01, 0.5, 1, 3.7, 9, 16, 100, 1024] {
                let budget = Int(megabytes * 1_048_576)
                let cap = estimate.rowCap(budgetMB: megabytes)
                if estimate.weightBytes >= budget {
                    #expect(cap == 0, "\(name): weights exceed \(megabytes) MiB")
                    continue
                }
                #expect(estimate.bytes(rows: cap) <= budget, "\(name): \(cap) rows exceed \(megabytes) MiB")
                #expect(estimate.bytes(rows: cap + 1) > budget, "\(name): \(cap + 1) rows also fit \(megabytes) MiB")
            }
        }
    }

    @Test(arguments: ["linear256", "mlp1024"], SmallBatchKernel.supported)
    func twoThreadsCountTheInputCopyTheyMake(name: String, kernel: SmallBatchKernel) throws {
        let model = (name == "linear256" ? DenseModel.linear256() : .mlp1024())
            .with(smallBatchKernel: kernel).with(smallBatchLimit: 64)
        let workspace = DenseWorkspace(model: model, maxRows: 100, smallBatchThreads: 2)
        try #require(workspace.smallBatchThreads == 2, "no helper thread")
        let one = model.memoryEstimate
        let two = model.memoryEstimate(smallBatchThreads: 2)
        #expect(one.teamBytesPerRow == 0 && one.teamRows == 0)
        // The team copies a call's inputs only when it shares the call out by panels (below 8 rows), and
        // only for rows 4 KiB apart (linear256's 1 KiB rows are read in place) that are too many to read in
        // place all the same: more than 4 for AVX2, more than 8 (so none of those) for AVX-512.
        if name == "mlp1024" && kernel == .avx2 {
            #expect(two.teamBytesPerRow == 4 * 1024 && two.teamRows == 7)
        } else {
            #expect(two.teamBytesPerRow == 0 && two.teamRows == 0)
        }
        for rows in [1, 2, 4, 6, 7, 8, 12, 13, 16, 64, 100] {
            let input = Slab(rows: rows, columns: model.inputWidth)
            let output = Slab(rows: rows, columns: model.outputWidth)
            model.forward(input.view(rows: rows), into: output.view(rows: rows), workspace: workspace)
            // Calls too small to share copy nothing, so the copy is at most as large as the estimate says.
            #expect(
                workspace.teamCopyBytes <= two.bytes(rows: rows) - one.bytes(rows: rows),
                "\(name), \(kernel), \(rows) rows")
        }
        // It reaches the estimate at the largest call shared by panels, and grows no further.
        #expect(workspace.teamCopyBytes == two.bytes(rows: 100) - one.bytes(rows: 100), "\(name), \(kernel)")
        #expect(two.bytes(rows: 100) - one.bytes(rows: 100) == two.teamRows * two.teamBytesPerRow)
        let weights = (Double(one.weightBytes) / 1_048_576).rounded(.up)
        for megabytes in [weights + 0.5, weights + 2, weights + 7.3] {
            let cap = two.rowCap(budgetMB: megabytes)
            let budget = Int(megabytes * 1_048_576)
            #expect(two.bytes(rows: cap) <= budget && two.bytes(rows: cap + 1) > budget, "\(name), \(megabytes) MiB")
            #expect(cap <= one.rowCap(budgetMB: megabytes))
        }
    }

    @Test func rowCapIsZeroWhenTheWeightsDoNotFit() {
        let mlp = DenseModel.mlp1024().memoryEstimate
        // mlp1024's weights take ~8.04 MiB row-major and as much again packed for the small-batch kernel.
        #expect(mlp.rowCap(budgetMB: 16) == 0)
        #expect(mlp.rowCap(budgetMB: Double(mlp.weightBytes) / 1_048_576) == 0)
        #expect(mlp.rowCap(budgetMB: .infinity) == .max)
        #expect(mlp.rowCap(budgetMB: .nan) == 0)
        #expect(mlp.rowCap(budgetMB: 0) == 0)
        #expect(mlp.rowCap(budgetMB: -5) == 0)
        #expect(mlp.rowCap(budgetMB: 17) > 0)
    }
}
