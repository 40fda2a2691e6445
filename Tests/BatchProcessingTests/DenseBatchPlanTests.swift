import BatchProcessing
import DenseKernels
import Testing

@testable import DenseBatching

/// How a processor's memory budget becomes its row cap: with two small-batch threads each runner's
/// workspace also holds the input copy they share, so fewer rows fit the same budget.
@Suite struct DenseBatchPlanTests {
    static func plan(_ threading: BLASThreading, budgetMB: Int) throws -> DenseBatchPlan {
        var configuration = BatchProcessorConfiguration()
        configuration.memory.maxBatchMB = budgetMB
        configuration.batching.maxSize = 1024
        return try DenseBatchPlan(
            configuration: configuration, options: DenseOptions { $0.blasThreading = threading },
            model: .mlp1024())
    }

    @Test func twoBLASThreadsLeaveRoomForTheInputCopy() throws {
        let model = DenseModel.mlp1024()
        #expect(BLASThreading.perWorker.smallBatchThreads == 1)
        #expect(BLASThreading.threads(1).smallBatchThreads == 1)
        #expect(BLASThreading.threads(4).smallBatchThreads == 2)
        // A few MiB above the weights: a few hundred rows, below the 1024-row size limit.
        let weights = Int((Double(model.memoryEstimate.weightBytes) / 1_048_576).rounded(.up))
        for budget in [weights + 1, weights + 2, weights + 4] {
            let one = try Self.plan(.perWorker, budgetMB: budget)
            let two = try Self.plan(.threads(2), budgetMB: budget)
            #expect(one.rowCap == model.memoryEstimate.rowCap(budgetMB: Double(budget)))
            #expect(two.rowCap == model.memoryEstimate(smallBatchThreads: 2).rowCap(budgetMB: Double(budget)))
            #expect(two.rowCap < one.rowCap, "\(budget) MiB")
        }
    }
}
