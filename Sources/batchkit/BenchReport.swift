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
        /// Worker threads of the processor scenarios (the kernel scenario calls from one thread).
        var workers: Int
        /// `OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE`, `OPENBLAS_NUM_THREADS` as set, or `unset`.
        var environment: [String: String]
        /// The system's 1, 5 and 15 minute load averages when the run started: other work on the
        /// machine, which makes every figure noisier.
        var loadAverage: [Double]
        /// Percent of the machine's CPU time the hypervisor gave to other guests during the run
        /// (`steal` in /proc/stat): time this run wanted a core and did not get one.
        var stealPercent: Double?

        enum CodingKeys: String, CodingKey {
            case cores
            case blasCore = "blas_core"
            case blasThreads = "blas_threads"
            case workers
            case environment
            case loadAverage = "load_average"
            case stealPercent = "steal_percent"
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

    /// The `processor` (async tasks) or `sync` (blocking threads) closed-loop scenario for one model.
    struct ClosedLoop: Codable, Sendable {
        /// Median items per second over the runs, and the slowest and fastest run.
        var itemsPerSecond: Double
        var itemsPerSecondMin: Double
        var itemsPerSecondMax: Double
        /// Mean rows per batch the scheduler formed (median over the runs).
        var meanBatch: Double
        /// The batch size the kernel was measured at: the mean batch, rounded.
        var kernelBatch: Int
        /// `workers` threads calling `forward` at `kernelBatch` rows with nothing else (median, range).
        var kernelRowsPerSecondAtMeanBatch: Double
        var kernelRowsPerSecondMin: Double
        var kernelRowsPerSecondMax: Double
        /// Items per second over kernel rows per second, paired run by run (median and range).
        var ratioToKernel: Double
        var ratioToKernelMin: Double
        var ratioToKernelMax: Double
        /// `1 / items_per_s − 1 / kernel_rows_per_s`, in nanoseconds: what scheduling adds per item.
        var overheadNanosecondsPerItem: Double
        /// CPU time per item of the whole process (callers, scheduler, workers), median over the runs.
        var cpuNanosecondsPerItem: Double
        /// CPU time per row of the kernel alone at `kernelBatch`, median over the runs.
        var kernelCPUNanosecondsPerRow: Double
        /// The difference, paired run by run (median): the CPU scheduling costs per item. Steadier than
        /// `overhead_ns_per_item` on a busy machine, since waiting for a core is not counted.
        var cpuOverheadNanosecondsPerItem: Double
        /// Per-item latency, submit to result, as the caller saw it, over all runs.
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var p999Milliseconds: Double
        /// Concurrent callers, timed runs and their length.
        var producers: Int
        var runs: Int
        var runSeconds: Double
        /// Items that failed (0 in a healthy run).
        var errors: Int

        enum CodingKeys: String, CodingKey {
            case itemsPerSecond = "items_per_s"
            case itemsPerSecondMin = "items_per_s_min"
            case itemsPerSecondMax = "items_per_s_max"
            case meanBatch = "mean_batch"
            case kernelBatch = "kernel_batch"
            case kernelRowsPerSecondAtMeanBatch = "kernel_rows_per_s_at_mean_batch"
            case kernelRowsPerSecondMin = "kernel_rows_per_s_min"
            case kernelRowsPerSecondMax = "kernel_rows_per_s_max"
            case ratioToKernel = "ratio_to_kernel"
            case ratioToKernelMin = "ratio_to_kernel_min"
            case ratioToKernelMax = "ratio_to_kernel_max"
            case overheadNanosecondsPerItem = "overhead_ns_per_item"
            case cpuNanosecondsPerItem = "cpu_ns_per_item"
            case kernelCPUNanosecondsPerRow = "kernel_cpu_ns_per_row"
            case cpuOverheadNanosecondsPerItem = "cpu_overhead_ns_per_item"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case p999Milliseconds = "p999_ms"
            case producers
            case runs
            case runSeconds = "run_s"
            case errors
        }
    }

    /// One load level of the `open-loop` scenario.
    struct OpenLoopPoint: Codable, Sendable {
        /// The offered rate as a fraction of the capacity the `processor` scenario measured.
        var load: Double
        /// Arrivals per second actually scheduled, and results per second delivered.
        var offeredPerSecond: Double
        var achievedPerSecond: Double
        /// Latency from each item's scheduled arrival to its result.
        var p50Milliseconds: Double
        var p95Milliseconds: Double
        var p99Milliseconds: Double
        var p999Milliseconds: Double
        /// Mean rows per batch formed at this load.
        var meanBatch: Double
        /// One worker's time for a batch of the mean size (the kernel alone), in milliseconds.
        var serviceMillisecondsAtMeanBatch: Double
        /// The latency target: `2 × (batch timeout + service time of the mean batch)`.
        var p99TargetMilliseconds: Double
        /// How late the generator submitted relative to the schedule (99th percentile): the part of the
        /// latency that is the load generator's, not the processor's.
        var submitLagP99Milliseconds: Double
        /// Items measured, and items that failed.
        var items: Int
        var errors: Int

        enum CodingKeys: String, CodingKey {
            case load
            case offeredPerSecond = "offered_per_s"
            case achievedPerSecond = "achieved_per_s"
            case p50Milliseconds = "p50_ms"
            case p95Milliseconds = "p95_ms"
            case p99Milliseconds = "p99_ms"
            case p999Milliseconds = "p999_ms"
            case meanBatch = "mean_batch"
            case serviceMillisecondsAtMeanBatch = "service_ms_at_mean_batch"
            case p99TargetMilliseconds = "p99_target_ms"
            case submitLagP99Milliseconds = "submit_lag_p99_ms"
            case items
            case errors
        }
    }

    /// The `overhead` scenario: the generic path with an identity function, so only scheduling is timed.
    struct Overhead: Codable, Sendable {
        var itemsPerSecond: Double
        var itemsPerSecondMin: Double
        var itemsPerSecondMax: Double
        var meanBatch: Double
        /// CPU time per item of the whole process, median over the runs.
        var cpuNanosecondsPerItem: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var producers: Int

        enum CodingKeys: String, CodingKey {
            case itemsPerSecond = "items_per_s"
            case itemsPerSecondMin = "items_per_s_min"
            case itemsPerSecondMax = "items_per_s_max"
            case meanBatch = "mean_batch"
            case cpuNanosecondsPerItem = "cpu_ns_per_item"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case producers
        }
    }

    /// The `allocations` scenario: process-wide heap allocations per item in steady state, dense path.
    struct Allocations: Codable, Sendable {
        /// Through `predict` from async tasks (everything: caller, scheduler, workers).
        var mallocsPerItem: Double
        /// Through `enqueuePredict` and a blocking `result()` from threads.
        var mallocsPerItemSync: Double
        /// Items counted per path.
        var items: Int

        enum CodingKeys: String, CodingKey {
            case mallocsPerItem = "mallocs_per_item"
            case mallocsPerItemSync = "mallocs_per_item_sync"
            case items
        }
    }

    /// Every scenario's result for one model; a scenario that was not run is absent.
    struct Model: Codable, Sendable {
        /// The model's shape, for example `1024→1024 relu→1024 relu→10 softmax`.
        var shape: String
        /// Batches up to this many rows take the small-batch path (measured at start; see
        /// `DenseModel.calibratedForSmallBatches`).
        var smallBatchLimit: Int
        var kernel: Kernel?
        var processor: ClosedLoop?
        var sync: ClosedLoop?
        var openLoop: [OpenLoopPoint]?
        var overhead: Overhead?
        var allocations: Allocations?
        var adaptive: [AdaptivePoint]?
        var adaptiveSaturated: [AdaptiveSaturation]?
        var adaptiveStep: AdaptiveStep?
        var adaptiveVerdicts: [AdaptiveVerdict]?

        enum CodingKeys: String, CodingKey {
            case shape
            case smallBatchLimit = "small_batch_limit"
            case kernel
            case processor
            case sync
            case openLoop = "open_loop"
            case overhead
            case allocations
            case adaptive
            case adaptiveSaturated = "adaptive_saturated"
            case adaptiveStep = "adaptive_step"
            case adaptiveVerdicts = "adaptive_verdicts"
        }
    }

    /// The processor configuration every processor scenario used.
    struct Configuration: Codable, Sendable {
        var strategy: String
        var maxBatchSize: Int
        var batchTimeoutMilliseconds: Double
        var workers: Int
        var blasThreading: String
        var producers: Int
        var maxQueueSize: Int

        enum CodingKeys: String, CodingKey {
            case strategy
            case maxBatchSize = "max_batch_size"
            case batchTimeoutMilliseconds = "batch_timeout_ms"
            case workers
            case blasThreading = "blas_threading"
            case producers
            case maxQueueSize = "max_queue_size"
        }
    }

    var machine: Machine
    /// When the run started (ISO 8601, UTC).
    var date: String
    var configuration: Configuration
    var models: [String: Model]

    /// The report as pretty-printed JSON with sorted keys, so reruns diff cleanly.
    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
