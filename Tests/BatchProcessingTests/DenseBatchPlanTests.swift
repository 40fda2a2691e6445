import BatchProcessing
import DenseKernels
import Testing

@testable import DenseBatching

/// How a processor's memory budget becomes its row cap: with two small-batch threads each runner's
/// workspace also holds the input copy they share where the kernel copies them (mlp1024's first layer
/// with AVX2), so fewer rows fit the same budget.
@Suite struct DenseBatchPlanTests {
    /// The kernel that copies mlp1024's inputs for two threads, if this CPU has it.
    static let copying: SmallBatchKernel? = SmallBatchKernel.supported.contains(.avx2) ? .avx2 : nil

    static func plan(_ threading: BLASThreading, budgetMB: Int, model: DenseModel) throws -> DenseBatchPlan {
        var configuration = BatchProcessorConfiguration()
        configuration.memory.maxBatchMB = budgetMB
        configuration.batching.maxSize = 1024
        return try DenseBatchPlan(
            configuration: configuration, options: DenseOptions { $0.blasThreading = threading },
            model: model)
    }

    @Test(.enabled(if: copying != nil, "needs AVX2"))
    func twoBLASThreadsLeaveRoomForTheInputCopy() throws {
        let kernel = try #require(Self.copying)
        let model = DenseModel.mlp1024().with(smallBatchKernel: kernel)
        #expect(BLASThreading.perWorker.smallBatchThreads == 1)
        #expect(BLASThreading.threads(1).smallBatchThreads == 1)
        #expect(BLASThreading.threads(4).smallBatchThreads == 2)
        // A few MiB above the weights: a few hundred rows, below the 1024-row size limit.
        let weights = Int((Double(model.memoryEstimate.weightBytes) / 1_048_576).rounded(.up))
        for budget in [weights + 1, weights + 2, weights + 4] {
            let one = try Self.plan(.perWorker, budgetMB: budget, model: model)
            let two = try Self.plan(.threads(2), budgetMB: budget, model: model)
            #expect(one.rowCap == model.memoryEstimate.rowCap(budgetMB: Double(budget)))
            #expect(two.rowCap == model.memoryEstimate(smallBatchThreads: 2).rowCap(budgetMB: Double(budget)))
            #expect(two.rowCap < one.rowCap, "\(budget) MiB")
        }
    }

    @Test func withoutACopyTwoThreadsFitAsManyRows() throws {
        // AVX-512 reads mlp1024's few-row calls in place, and the portable kernel every call.
        let kernel = SmallBatchKernel.supported.contains(.avx512) ? SmallBatchKernel.avx512 : .portable
        let model = DenseModel.mlp1024().with(smallBatchKernel: kernel)
        let weights = Int((Double(model.memoryEstimate.weightBytes) / 1_048_576).rounded(.up))
        for budget in [weights + 1, weights + 4] {
            let one = try Self.plan(.perWorker, budgetMB: budget, model: model)
            let two = try Self.plan(.threads(2), budgetMB: budget, model: model)
            #expect(two.rowCap == one.rowCap && one.rowCap > 0, "\(kernel), \(budget) MiB")
        }
    }
}
