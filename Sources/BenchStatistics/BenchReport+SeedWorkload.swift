extension BenchReport {
    /// The `seed-workload` scenario: the seed's own test — one thread enqueues every item under the
    /// default configuration, then waits on each future — against the kernel at the batch it forms.
    public struct SeedWorkload: Codable, Sendable {
        /// Items per run.
        public var items: Int
        /// Median items per second over the runs, first submission to last result.
        public var itemsPerSecond: Double
        /// Slowest run's items per second.
        public var itemsPerSecondMin: Double
        /// Fastest run's items per second.
        public var itemsPerSecondMax: Double
        /// Items refused or failed over all runs; the seed's workload should have none.
        public var failed: Int
        /// Mean rows per batch formed (median over the runs).
        public var meanBatch: Double
        /// The kernel's rows per second at the mean batch on as many threads as workers (median).
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
        /// The same workload through the bare pipeline of its shape (`SeedWorkloadFloor`), run after each processor run
        /// (absent in files written before it was measured).
        public var floor: SeedWorkloadFloor?

        enum CodingKeys: String, CodingKey {
            case items
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
            case floor
        }

        /// Creates the scenario's result from each of its figures.
        public init(
            items: Int, itemsPerSecond: Double, itemsPerSecondMin: Double, itemsPerSecondMax: Double, failed: Int,
            meanBatch: Double, kernelRowsPerSecond: Double, ratioToKernel: Double, ratioToKernelMin: Double,
            ratioToKernelMax: Double, p50Milliseconds: Double, p99Milliseconds: Double, floor: SeedWorkloadFloor?
        ) {
            self.items = items
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
            self.floor = floor
        }
    }
}
