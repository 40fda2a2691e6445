public import FoundationEssentials

/// The machine-readable result of `batchkit-bench --json FILE`: one entry per model and scenario.
///
/// Keys are snake_case so the file reads the same from Python or jq as from Swift.
public struct BenchReport: Codable, Sendable {
    /// Where the numbers were measured.
    public struct Machine: Codable, Sendable {
        /// Processors available to this process (`nproc`).
        public var cores: Int
        /// The OpenBLAS kernel family, for example `Haswell` or `Cooperlake`.
        public var blasCore: String
        /// OpenBLAS threads per call during the run.
        public var blasThreads: Int
        /// Worker threads of the processor scenarios (the kernel scenario calls from one thread).
        public var workers: Int
        /// `OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE`, `OPENBLAS_NUM_THREADS` as set, or `unset`.
        public var environment: [String: String]
        /// The system's 1, 5 and 15 minute load averages when the run started: other work on the
        /// machine, which makes every figure noisier.
        public var loadAverage: [Double]
        /// Percent of the machine's CPU time the hypervisor gave to other guests during the run
        /// (`steal` in /proc/stat): time this run wanted a core and did not get one.
        public var stealPercent: Double?

        enum CodingKeys: String, CodingKey {
            case cores
            case blasCore = "blas_core"
            case blasThreads = "blas_threads"
            case workers
            case environment
            case loadAverage = "load_average"
            case stealPercent = "steal_percent"
        }

        /// Creates the machine from each of its figures.
        public init(
            cores: Int,
            blasCore: String,
            blasThreads: Int,
            workers: Int,
            environment: [String: String],
            loadAverage: [Double],
            stealPercent: Double? = nil
        ) {
            self.cores = cores
            self.blasCore = blasCore
            self.blasThreads = blasThreads
            self.workers = workers
            self.environment = environment
            self.loadAverage = loadAverage
            self.stealPercent = stealPercent
        }
    }

    /// The kernel scenario for one model: throughput per batch size and the allocation count.
    public struct Kernel: Codable, Sendable {
        /// The batch sizes measured, in the order of the arrays below.
        public var batchSizes: [Int]
        /// Median rows per second over the timed runs, per batch size.
        public var rowsPerSecond: [Double]
        /// Slowest run's rows per second, per batch size.
        public var rowsPerSecondMin: [Double]
        /// Fastest run's rows per second, per batch size.
        public var rowsPerSecondMax: [Double]
        /// Median rows per second of the single-row (`sgemv`) path.
        public var singleRowRowsPerSecond: Double
        /// Slowest and fastest single-row runs.
        public var singleRowRowsPerSecondMin: Double
        /// Fastest single-row run.
        public var singleRowRowsPerSecondMax: Double
        /// Process-wide mallocs per forward call in steady state, over every batch size and the
        /// single-row path (0 is the goal; OpenBLAS's threaded GEMM adds one per layer).
        public var mallocsPerForward: Double
        /// Mallocs per call for each batch size, and for the single-row path.
        public var mallocsPerForwardByBatch: [Double]
        /// Mallocs per call of the single-row path.
        public var singleRowMallocsPerForward: Double
        /// Timed runs per measurement, and the shortest run length.
        public var repeats: Int
        /// The shortest timed run, in seconds.
        public var minRunSeconds: Double
        /// The path `forward` took at each batch size (`packed` or `OpenBLAS`); absent in older reports.
        public var paths: [String]?
        /// Median rows per second of the path not taken, per batch size: the crossover's check.
        public var otherPathRowsPerSecond: [Double]?

        enum CodingKeys: String, CodingKey {
            case paths
            case otherPathRowsPerSecond = "other_path_rows_per_s"
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

        /// Creates the kernel from each of its figures.
        public init(
            batchSizes: [Int],
            rowsPerSecond: [Double],
            rowsPerSecondMin: [Double],
            rowsPerSecondMax: [Double],
            singleRowRowsPerSecond: Double,
            singleRowRowsPerSecondMin: Double,
            singleRowRowsPerSecondMax: Double,
            mallocsPerForward: Double,
            mallocsPerForwardByBatch: [Double],
            singleRowMallocsPerForward: Double,
            repeats: Int,
            minRunSeconds: Double,
            paths: [String]? = nil,
            otherPathRowsPerSecond: [Double]? = nil
        ) {
            self.paths = paths
            self.otherPathRowsPerSecond = otherPathRowsPerSecond
            self.batchSizes = batchSizes
            self.rowsPerSecond = rowsPerSecond
            self.rowsPerSecondMin = rowsPerSecondMin
            self.rowsPerSecondMax = rowsPerSecondMax
            self.singleRowRowsPerSecond = singleRowRowsPerSecond
            self.singleRowRowsPerSecondMin = singleRowRowsPerSecondMin
            self.singleRowRowsPerSecondMax = singleRowRowsPerSecondMax
            self.mallocsPerForward = mallocsPerForward
            self.mallocsPerForwardByBatch = mallocsPerForwardByBatch
            self.singleRowMallocsPerForward = singleRowMallocsPerForward
            self.repeats = repeats
            self.minRunSeconds = minRunSeconds
        }
    }

    /// The `processor` (async tasks) or `sync` (blocking threads) closed-loop scenario for one model.
    public struct ClosedLoop: Codable, Sendable {
        /// Median items per second over the runs, and the slowest and fastest run.
        public var itemsPerSecond: Double
        /// Slowest run's items per second.
        public var itemsPerSecondMin: Double
        /// Fastest run's items per second.
        public var itemsPerSecondMax: Double
        /// Mean rows per batch the scheduler formed (median over the runs).
        public var meanBatch: Double
        /// The batch size the kernel was measured at: the mean batch, rounded.
        public var kernelBatch: Int
        /// `workers` threads calling `forward` at `kernelBatch` rows with nothing else (median, range).
        public var kernelRowsPerSecondAtMeanBatch: Double
        /// Slowest kernel run's rows per second.
        public var kernelRowsPerSecondMin: Double
        /// Fastest kernel run's rows per second.
        public var kernelRowsPerSecondMax: Double
        /// Items per second over kernel rows per second, paired run by run (median and range).
        public var ratioToKernel: Double
        /// Lowest ratio of a pair of runs.
        public var ratioToKernelMin: Double
        /// Highest ratio of a pair of runs.
        public var ratioToKernelMax: Double
        /// `1 / items_per_s − 1 / kernel_rows_per_s`, in nanoseconds: what scheduling adds per item.
        public var overheadNanosecondsPerItem: Double
        /// CPU time per item of the whole process (callers, scheduler, workers), median over the runs.
        public var cpuNanosecondsPerItem: Double
        /// CPU time per row of the kernel alone at `kernelBatch`, median over the runs.
        public var kernelCPUNanosecondsPerRow: Double
        /// The difference, paired run by run (median): the CPU scheduling costs per item. Steadier than
        /// `overhead_ns_per_item` on a busy machine, since waiting for a core is not counted.
        public var cpuOverheadNanosecondsPerItem: Double
        /// CPU time per item of the bare hand-off (callers park one item at a time, worker threads wake
        /// them, nothing else) with the same callers and workers, median over the runs: the part of the
        /// scheduling cost no scheduler of this shape avoids. Absent in files from before it was measured.
        public var floorCPUNanosecondsPerItem: Double?
        /// The same callers and workers through a bare greedy pipeline that also runs the model (workers
        /// take what is pending, pack it, run the forward pass, hand each output back; nothing else): its
        /// items per second, mean rows per batch and ratio to the kernel at that batch (medians over the
        /// runs). The most a greedy scheduler of this shape reaches; absent in files from before it was
        /// measured.
        public var bare: Bare?
        /// Per-item latency, submit to result, as the caller saw it, over all runs.
        public var p50Milliseconds: Double
        /// 99th-percentile latency, in milliseconds.
        public var p99Milliseconds: Double
        /// 99.9th-percentile latency, in milliseconds.
        public var p999Milliseconds: Double
        /// Rows in each item (`--rows-per-item`); `nil` in files from before it could be set, meaning 1.
        /// Items per second and CPU per item count items; the batch, the kernel and the ratio count rows.
        public var rowsPerItem: Int?
        /// Concurrent callers, timed runs and their length.
        public var producers: Int
        /// Timed runs.
        public var runs: Int
        /// Length of one timed run, in seconds.
        public var runSeconds: Double
        /// Items that failed (0 in a healthy run).
        public var errors: Int

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
            case floorCPUNanosecondsPerItem = "floor_cpu_ns_per_item"
            case bare
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case p999Milliseconds = "p999_ms"
            case rowsPerItem = "rows_per_item"
            case producers
            case runs
            case runSeconds = "run_s"
            case errors
        }

        /// Creates the closed loop from each of its figures.
        public init(
            itemsPerSecond: Double,
            itemsPerSecondMin: Double,
            itemsPerSecondMax: Double,
            meanBatch: Double,
            kernelBatch: Int,
            kernelRowsPerSecondAtMeanBatch: Double,
            kernelRowsPerSecondMin: Double,
            kernelRowsPerSecondMax: Double,
            ratioToKernel: Double,
            ratioToKernelMin: Double,
            ratioToKernelMax: Double,
            overheadNanosecondsPerItem: Double,
            cpuNanosecondsPerItem: Double,
            kernelCPUNanosecondsPerRow: Double,
            cpuOverheadNanosecondsPerItem: Double,
            floorCPUNanosecondsPerItem: Double? = nil,
            bare: Bare? = nil,
            p50Milliseconds: Double,
            p99Milliseconds: Double,
            p999Milliseconds: Double,
            rowsPerItem: Int? = nil,
            producers: Int,
            runs: Int,
            runSeconds: Double,
            errors: Int
        ) {
            self.itemsPerSecond = itemsPerSecond
            self.itemsPerSecondMin = itemsPerSecondMin
            self.itemsPerSecondMax = itemsPerSecondMax
            self.meanBatch = meanBatch
            self.kernelBatch = kernelBatch
            self.kernelRowsPerSecondAtMeanBatch = kernelRowsPerSecondAtMeanBatch
            self.kernelRowsPerSecondMin = kernelRowsPerSecondMin
            self.kernelRowsPerSecondMax = kernelRowsPerSecondMax
            self.ratioToKernel = ratioToKernel
            self.ratioToKernelMin = ratioToKernelMin
            self.ratioToKernelMax = ratioToKernelMax
            self.overheadNanosecondsPerItem = overheadNanosecondsPerItem
            self.cpuNanosecondsPerItem = cpuNanosecondsPerItem
            self.kernelCPUNanosecondsPerRow = kernelCPUNanosecondsPerRow
            self.cpuOverheadNanosecondsPerItem = cpuOverheadNanosecondsPerItem
            self.floorCPUNanosecondsPerItem = floorCPUNanosecondsPerItem
            self.bare = bare
            self.p50Milliseconds = p50Milliseconds
            self.p99Milliseconds = p99Milliseconds
            self.p999Milliseconds = p999Milliseconds
            self.rowsPerItem = rowsPerItem
            self.producers = producers
            self.runs = runs
            self.runSeconds = runSeconds
            self.errors = errors
        }
    }

    /// One load level of the `open-loop` scenario.
    public struct OpenLoopPoint: Codable, Sendable {
        /// The offered rate as a fraction of the capacity the `processor` scenario measured.
        public var load: Double
        /// Arrivals per second actually scheduled, and results per second delivered.
        public var offeredPerSecond: Double
        /// Results per second delivered.
        public var achievedPerSecond: Double
        /// Latency from each item's scheduled arrival to its result.
        public var p50Milliseconds: Double
        /// 95th-percentile latency, in milliseconds.
        public var p95Milliseconds: Double
        /// 99th-percentile latency, in milliseconds.
        public var p99Milliseconds: Double
        /// 99.9th-percentile latency, in milliseconds.
        public var p999Milliseconds: Double
        /// Mean rows per batch formed at this load.
        public var meanBatch: Double
        /// One worker's time for a batch of the mean size (the kernel alone), in milliseconds.
        public var serviceMillisecondsAtMeanBatch: Double
        /// The latency target: `2 × (batch timeout + service time of the mean batch)`.
        public var p99TargetMilliseconds: Double
        /// How late the generator submitted relative to the schedule (99th percentile): the part of the
        /// latency that is the load generator's, not the processor's.
        public var submitLagP99Milliseconds: Double
        /// Items measured, and items that failed.
        public var items: Int
        /// Items that failed.
        public var errors: Int

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

        /// Creates the open loop point from each of its figures.
        public init(
            load: Double,
            offeredPerSecond: Double,
            achievedPerSecond: Double,
            p50Milliseconds: Double,
            p95Milliseconds: Double,
            p99Milliseconds: Double,
            p999Milliseconds: Double,
            meanBatch: Double,
            serviceMillisecondsAtMeanBatch: Double,
            p99TargetMilliseconds: Double,
            submitLagP99Milliseconds: Double,
            items: Int,
            errors: Int
        ) {
            self.load = load
            self.offeredPerSecond = offeredPerSecond
            self.achievedPerSecond = achievedPerSecond
            self.p50Milliseconds = p50Milliseconds
            self.p95Milliseconds = p95Milliseconds
            self.p99Milliseconds = p99Milliseconds
            self.p999Milliseconds = p999Milliseconds
            self.meanBatch = meanBatch
            self.serviceMillisecondsAtMeanBatch = serviceMillisecondsAtMeanBatch
            self.p99TargetMilliseconds = p99TargetMilliseconds
            self.submitLagP99Milliseconds = submitLagP99Milliseconds
            self.items = items
            self.errors = errors
        }
    }

    /// The `overhead` scenario: the generic path with an identity function, so only scheduling is timed.
    public struct Overhead: Codable, Sendable {
        /// Median items per second over the runs.
        public var itemsPerSecond: Double
        /// Slowest run's items per second.
        public var itemsPerSecondMin: Double
        /// Fastest run's items per second.
        public var itemsPerSecondMax: Double
        /// Mean rows per batch formed (median over the runs).
        public var meanBatch: Double
        /// CPU time per item of the whole process, median over the runs.
        public var cpuNanosecondsPerItem: Double
        /// Median latency, submit to result, in milliseconds.
        public var p50Milliseconds: Double
        /// 99th-percentile latency, in milliseconds.
        public var p99Milliseconds: Double
        /// Concurrent callers.
        public var producers: Int

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

        /// Creates the overhead from each of its figures.
        public init(
            itemsPerSecond: Double,
            itemsPerSecondMin: Double,
            itemsPerSecondMax: Double,
            meanBatch: Double,
            cpuNanosecondsPerItem: Double,
            p50Milliseconds: Double,
            p99Milliseconds: Double,
            producers: Int
        ) {
            self.itemsPerSecond = itemsPerSecond
            self.itemsPerSecondMin = itemsPerSecondMin
            self.itemsPerSecondMax = itemsPerSecondMax
            self.meanBatch = meanBatch
            self.cpuNanosecondsPerItem = cpuNanosecondsPerItem
            self.p50Milliseconds = p50Milliseconds
            self.p99Milliseconds = p99Milliseconds
            self.producers = producers
        }
    }

    /// The `allocations` scenario: process-wide heap allocations per item in steady state, dense path.
    public struct Allocations: Codable, Sendable {
        /// Through `predict` from async tasks (everything: caller, scheduler, workers).
        public var mallocsPerItem: Double
        /// Through `enqueuePredict` and a blocking `result()` from threads.
        public var mallocsPerItemSync: Double
        /// Items counted per path.
        public var items: Int

        enum CodingKeys: String, CodingKey {
            case mallocsPerItem = "mallocs_per_item"
            case mallocsPerItemSync = "mallocs_per_item_sync"
            case items
        }

        /// Creates the allocations from each of its figures.
        public init(mallocsPerItem: Double, mallocsPerItemSync: Double, items: Int) {
            self.mallocsPerItem = mallocsPerItem
            self.mallocsPerItemSync = mallocsPerItemSync
            self.items = items
        }
    }

    /// Every scenario's result for one model; a scenario that was not run is absent.
    public struct Model: Codable, Sendable {
        /// The model's shape, for example `1024→1024 relu→1024 relu→10 softmax`.
        public var shape: String
        /// Batches up to this many rows take the small-batch path (measured at start; see
        /// `DenseModel.calibratedForSmallBatches`).
        public var smallBatchLimit: Int
        /// The small-batch kernel's instruction set and tile, for example `AVX2+FMA 6×16`.
        public var smallBatchKernel: String?
        /// How the limit was decided: the calibration's time ratios per batch size, or the flag.
        public var smallBatchCrossover: String?
        /// The `kernel` scenario.
        public var kernel: Kernel?
        /// The `processor` scenario (async tasks).
        public var processor: ClosedLoop?
        /// The `sync` scenario (blocking threads).
        public var sync: ClosedLoop?
        /// The `open-loop` scenario, one point per load.
        public var openLoop: [OpenLoopPoint]?
        /// The `overhead` scenario.
        public var overhead: Overhead?
        /// The `allocations` scenario.
        public var allocations: Allocations?
        /// The `seed-workload` scenario.
        public var seedWorkload: SeedWorkload?
        /// The `adaptive` scenario's points, per setting and load.
        public var adaptive: [AdaptivePoint]?
        /// The `adaptive` scenario's saturated throughput per setting.
        public var adaptiveSaturated: [AdaptiveSaturation]?
        /// The `adaptive` scenario's load step.
        public var adaptiveStep: AdaptiveStep?
        /// Adaptive against the best fixed setting per load, as judged when the report was written.
        public var adaptiveVerdicts: [AdaptiveVerdict]?

        enum CodingKeys: String, CodingKey {
            case smallBatchKernel = "small_batch_kernel"
            case smallBatchCrossover = "small_batch_crossover"
            case shape
            case smallBatchLimit = "small_batch_limit"
            case kernel
            case processor
            case sync
            case openLoop = "open_loop"
            case overhead
            case allocations
            case seedWorkload = "seed_workload"
            case adaptive
            case adaptiveSaturated = "adaptive_saturated"
            case adaptiveStep = "adaptive_step"
            case adaptiveVerdicts = "adaptive_verdicts"
        }

        /// Creates the model from each of its figures.
        public init(
            shape: String,
            smallBatchLimit: Int,
            kernel: Kernel? = nil,
            processor: ClosedLoop? = nil,
            sync: ClosedLoop? = nil,
            openLoop: [OpenLoopPoint]? = nil,
            overhead: Overhead? = nil,
            allocations: Allocations? = nil,
            adaptive: [AdaptivePoint]? = nil,
            adaptiveSaturated: [AdaptiveSaturation]? = nil,
            adaptiveStep: AdaptiveStep? = nil,
            adaptiveVerdicts: [AdaptiveVerdict]? = nil
        ) {
            self.shape = shape
            self.smallBatchLimit = smallBatchLimit
            self.kernel = kernel
            self.processor = processor
            self.sync = sync
            self.openLoop = openLoop
            self.overhead = overhead
            self.allocations = allocations
            self.adaptive = adaptive
            self.adaptiveSaturated = adaptiveSaturated
            self.adaptiveStep = adaptiveStep
            self.adaptiveVerdicts = adaptiveVerdicts
        }
    }

    /// The processor configuration every processor scenario used.
    public struct Configuration: Codable, Sendable {
        /// The batching strategy (`processingStrategy`).
        public var strategy: String
        /// The most rows per batch (`maxBatchSize`).
        public var maxBatchSize: Int
        /// The batch timeout, in milliseconds (`batchTimeout`).
        public var batchTimeoutMilliseconds: Double
        /// Worker threads (`maxWorkers`).
        public var workers: Int
        /// `perWorker` or `threads(N)` (`blasThreading`).
        public var blasThreading: String
        /// Concurrent callers.
        public var producers: Int
        /// Items queued before submitting waits (`maxQueueSize`).
        public var maxQueueSize: Int

        enum CodingKeys: String, CodingKey {
            case strategy
            case maxBatchSize = "max_batch_size"
            case batchTimeoutMilliseconds = "batch_timeout_ms"
            case workers
            case blasThreading = "blas_threading"
            case producers
            case maxQueueSize = "max_queue_size"
        }

        /// Creates the configuration from each of its figures.
        public init(
            strategy: String,
            maxBatchSize: Int,
            batchTimeoutMilliseconds: Double,
            workers: Int,
            blasThreading: String,
            producers: Int,
            maxQueueSize: Int
        ) {
            self.strategy = strategy
            self.maxBatchSize = maxBatchSize
            self.batchTimeoutMilliseconds = batchTimeoutMilliseconds
            self.workers = workers
            self.blasThreading = blasThreading
            self.producers = producers
            self.maxQueueSize = maxQueueSize
        }
    }

    /// Where the numbers were measured.
    public var machine: Machine
    /// When the run started (ISO 8601, UTC).
    public var date: String
    /// The processor configuration of every processor scenario.
    public var configuration: Configuration
    /// Each model's results, by built-in name.
    public var models: [String: Model]

    /// The report as pretty-printed JSON with sorted keys, so reruns diff cleanly.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Creates the report from each of its figures.
    public init(machine: Machine, date: String, configuration: Configuration, models: [String: Model]) {
        self.machine = machine
        self.date = date
        self.configuration = configuration
        self.models = models
    }
}
