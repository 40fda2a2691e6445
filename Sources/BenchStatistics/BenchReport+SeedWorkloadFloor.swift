extension BenchReport {
    /// The seed's workload through the least pipeline of its shape: one producer, a future per item,
    /// worker threads that take what is pending (up to the default batch size), run the same forward
    /// pass and resolve the futures, and nothing else — the ceiling for the processor's ratio.
    public struct SeedWorkloadFloor: Codable, Sendable {
        /// Median items per second over the runs, first submission to last result.
        public var itemsPerSecond: Double
        /// Slowest run's items per second.
        public var itemsPerSecondMin: Double
        /// Fastest run's items per second.
        public var itemsPerSecondMax: Double
        /// Items whose output differed from the model's (a broken floor, not a fast one); should be none.
        public var failed: Int
        /// Mean rows per batch formed (median over the runs).
        public var meanBatch: Double
        /// The kernel's rows per second at that mean batch on as many threads as workers (median).
        public var kernelRowsPerSecond: Double
        /// Median over the runs of items per second ÷ the kernel's rows per second.
        public var ratioToKernel: Double
        /// Smallest run's ratio.
        public var ratioToKernelMin: Double
        /// Largest run's ratio.
        public var ratioToKernelMax: Double
        /// Median, submission to completion, in milliseconds (all runs).
        public var p50Milliseconds: Double
        /// 99th percentile, submission to completion, in milliseconds (all runs).
        public var p99Milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case itemsPerSecond = "items_per_s"
            case itemsPerSecondMin = "items_per_s_min"
            case itemsPerSecondMax = "items_per_s_max"
            case failed
            case meanBatch = "mean_batch"
            case kernelRowsPerSecond = "kernel_rows_per_s"
            case ratioToKernel = "ratio_to_kernel"
            case ratioToKernelMin = "ratio_to_kernel_min"
            case ratioToKernelMax = "ratio_to_kernel_max"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
        }

        /// Creates the floor's result from each of its figures.
        public init(
            itemsPerSecond: Double, itemsPerSecondMin: Double, itemsPerSecondMax: Double, failed: Int,
            meanBatch: Double, kernelRowsPerSecond: Double, ratioToKernel: Double, ratioToKernelMin: Double,
            ratioToKernelMax: Double,
            p50Milliseconds: Double, p99Milliseconds: Double
        ) {
            self.itemsPerSecond = itemsPerSecond
            self.itemsPerSecondMin = itemsPerSecondMin
            self.itemsPerSecondMax = itemsPerSecondMax
            self.failed = failed
            self.meanBatch = meanBatch
            self.kernelRowsPerSecond = kernelRowsPerSecond
            self.ratioToKernel = ratioToKernel
            self.ratioToKernelMin = ratioToKernelMin
            self.ratioToKernelMax = ratioToKernelMax
            self.p50Milliseconds = p50Milliseconds
            self.p99Milliseconds = p99Milliseconds
        }
    }
}
