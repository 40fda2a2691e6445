extension BenchReport.ClosedLoop {
    /// A closed loop's callers and workers through a bare greedy pipeline that runs the model too.
    public struct Bare: Codable, Sendable {
        /// Median items per second over the runs.
        public var itemsPerSecond: Double
        /// Mean rows per batch formed (median over the runs).
        public var meanBatch: Double
        /// Median over the runs of rows per second ÷ the kernel's at the pipeline's own mean batch.
        public var ratioToKernel: Double
        /// Smallest run's ratio.
        public var ratioToKernelMin: Double
        /// Largest run's ratio.
        public var ratioToKernelMax: Double
        /// CPU per item beyond the kernel's at the pipeline's mean batch (median, paired run by run): the
        /// scheduling CPU a bare pipeline of this shape spends, to read `cpu_overhead_ns_per_item` against.
        public var cpuOverheadNanosecondsPerItem: Double?
        /// Items whose output differed from the model's (a broken pipeline, not a fast one); should be none.
        public var failed: Int

        enum CodingKeys: String, CodingKey {
            case itemsPerSecond = "items_per_s"
            case meanBatch = "mean_batch"
            case ratioToKernel = "ratio_to_kernel"
            case ratioToKernelMin = "ratio_to_kernel_min"
            case ratioToKernelMax = "ratio_to_kernel_max"
            case cpuOverheadNanosecondsPerItem = "cpu_overhead_ns_per_item"
            case failed
        }

        /// Creates the bare pipeline's result from each of its figures.
        public init(
            itemsPerSecond: Double, meanBatch: Double, ratioToKernel: Double, ratioToKernelMin: Double,
            ratioToKernelMax: Double, cpuOverheadNanosecondsPerItem: Double?, failed: Int
        ) {
            self.itemsPerSecond = itemsPerSecond
            self.meanBatch = meanBatch
            self.ratioToKernel = ratioToKernel
            self.ratioToKernelMin = ratioToKernelMin
            self.ratioToKernelMax = ratioToKernelMax
            self.cpuOverheadNanosecondsPerItem = cpuOverheadNanosecondsPerItem
            self.failed = failed
        }
    }
}
