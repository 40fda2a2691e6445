import FoundationEssentials

/// The machine-readable result of `batchkit bench --json FILE`: one entry per model and scenario.
///
/// Keys are snake_case so the file reads the same from Python or jq as from Swift.
struct BenchReport: Codable, Sendable {
    /// Where the numbers were measured.
    struct Machine: Codable, Sendable {
        /// Processors available to this process (`nproc`).
        var cores: Int
        /// The OpenBLAS kernel family, for example `Haswell` or `Cooperlake`.
        var blasCore: String
        /// OpenBLAS threads per call during the run.
        var blasThreads: Int
        /// Threads calling the model concurrently (1 for the kernel scenario).
        var workers: Int
        /// `OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE`, `OPENBLAS_NUM_THREADS` as set, or `unset`.
        var environment: [String: String]

        enum CodingKeys: String, CodingKey {
            case cores
            case blasCore = "blas_core"
            case blasThreads = "blas_threads"
            case workers
            case environment
        }
    }

    /// The kernel scenario for one model: throughput per batch size and the allocation count.
    struct Kernel: Codable, Sendable {
        /// The batch sizes measured, in the order of the arrays below.
        var batchSizes: [Int]
        /// Median rows per second over the timed runs, per batch size.
        var rowsPerSecond: [Double]
        /// Slowest run's rows per second, per batch size.
        var rowsPerSecondMin: [Double]
        /// Fastest run's rows per second, per batch size.
        var rowsPerSecondMax: [Double]
        /// Median rows per second of the single-row (`sgemv`) path.
        var singleRowRowsPerSecond: Double
        /// Slowest and fastest single-row runs.
        var singleRowRowsPerSecondMin: Double
        var singleRowRowsPerSecondMax: Double
        /// Process-wide mallocs per forward call in steady state, over every batch size and the
        /// single-row path (0 is the goal; OpenBLAS's threaded GEMM adds one per layer).
        var mallocsPerForward: Double
        /// Mallocs per call for each batch size, and for the single-row path.
        var mallocsPerForwardByBatch: [Double]
        var singleRowMallocsPerForward: Double
        /// Timed runs per measurement, and the shortest run length.
        var repeats: Int
        var minRunSeconds: Double

        enum CodingKeys: String, CodingKey {
            case batchSizes = "batch_sizes"
            case rowsPerSecond = "rows_per_s"
            case rowsPerSecondMin = "rows_per_s_min"
            case rowsPerSecondMax = "rows_per_s_max"
            case singleRowRowsPerSecond = "single_row_rows_per_s"
            case singleRowRowsPerSecondMin = "single_row_rows_per_s_min"
            case singleRowRowsPerSecondMax = "single_row_rows_per_s_max"
            case mallocsPerForward = "mallocs_per_forward"
            case mallocsPerForwardByBatch = "mallocs_per_forward_by_batch"
            case singleRowMallocsPerForward = "single_row_mallocs_per_forward"
            case repeats
            case minRunSeconds = "min_run_s"
        }
    }

    /// Every scenario's result for one model; a scenario that was not run is absent.
    struct Model: Codable, Sendable {
        /// The model's shape, for example `1024→1024 relu→1024 relu→10 softmax`.
        var shape: String
        var kernel: Kernel?
    }

    var machine: Machine
    var models: [String: Model]

    /// The report as pretty-printed JSON with sorted keys, so reruns diff cleanly.
    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
