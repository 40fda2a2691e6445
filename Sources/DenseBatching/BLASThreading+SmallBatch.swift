import DenseKernels

extension BLASThreading {
    /// The threads the packed small-batch kernel runs on under this setting, as each runner's workspace
    /// is made (`DenseModel.servingThreads` once the thread count is applied; known here before it is).
    /// What `DenseModel.memoryEstimate(smallBatchThreads:)` needs to count the two-thread input copy.
    public var smallBatchThreads: Int {
        switch self {
        case .perWorker: 1
        case .threads(let count): DenseModel.smallBatchThreads(blasThreads: count)
        case .unchanged: DenseModel.servingThreads
        }
    }
}
