import DenseKernels

extension BLASThreading {
    /// The threads the packed small-batch kernel runs on under this setting, as each runner's workspace
    /// is made (`DenseModel.servingThreads` once the thread count is applied): 2 where OpenBLAS gets two
    /// threads or more, else 1. What `DenseModel.memoryEstimate(smallBatchThreads:)` needs to count the
    /// two-thread input copy.
    public var smallBatchThreads: Int {
        switch self {
        case .perWorker: 1
        case .threads(let count): count >= 2 ? 2 : 1
        case .unchanged: DenseModel.servingThreads
        }
    }
}
