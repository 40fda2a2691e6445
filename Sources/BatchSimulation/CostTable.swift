/// One model's costs on one machine: the kernel's time per batch size `t(n)`, the scheduling costs
/// around it, and the noise — everything the simulator needs to stand in for the real processor.
///
/// `t(n)` is interpolated linearly between the measured sizes and extrapolated past the largest at the
/// cost per row of the last two, so a table measured at 1…16 rows and a spread of larger sizes covers
/// every batch the row cap allows.
public struct CostTable: Codable, Sendable, Equatable {
    /// The model's name (`linear256`, `mlp1024`, or a synthetic one).
    public var model: String
    /// The model's shape, for the report.
    public var shape: String
    /// The largest batch the table is meant for (the processor's `batching.maxSize`).
    public var rowCap: Int
    /// Measured sizes in increasing order of rows.
    public var kernel: [KernelPoint]
    /// Costs outside the kernel, and wake-ups.
    public var scheduling: SchedulingCosts
    /// How a batch's time varies around the table.
    public var noise: NoiseModel
    /// Workers the scheduling costs were fitted with (the processor's `workers.count`).
    public var workers: Int
    /// The machine's cores, which workers and closed-loop callers share (`nil`: as many as ``workers``,
    /// which is what `batchkit-bench` runs by default).
    public var cores: Int?

    /// A cost table from its parts; `kernel` is sorted by rows.
    public init(
        model: String, shape: String, rowCap: Int, kernel: [KernelPoint], scheduling: SchedulingCosts,
        noise: NoiseModel, workers: Int, cores: Int? = nil
    ) {
        self.model = model
        self.shape = shape
        self.rowCap = rowCap
        self.kernel = kernel.sorted { $0.rows < $1.rows }
        self.scheduling = scheduling
        self.noise = noise
        self.workers = workers
        self.cores = cores
    }

    /// The median kernel time of a batch of `rows` rows, in seconds.
    public func kernelTime(rows: Int) -> Double {
        guard let first = kernel.first else { return 0 }
        let n = max(rows, 1)
        if n <= first.rows { return first.seconds * Double(n) / Double(first.rows) }
        var lower = first
        for point in kernel.dropFirst() {
            if n == point.rows { return point.seconds }
            if n < point.rows {
                let fraction = Double(n - lower.rows) / Double(point.rows - lower.rows)
                return lower.seconds + fraction * (point.seconds - lower.seconds)
            }
            lower = point
        }
        // Past the largest size: the cost per row between the last two sizes.
        guard kernel.count >= 2 else { return lower.seconds * Double(n) / Double(lower.rows) }
        let before = kernel[kernel.count - 2]
        let perRow = max((lower.seconds - before.seconds) / Double(lower.rows - before.rows), 0)
        return lower.seconds + perRow * Double(n - lower.rows)
    }

    /// A worker's whole time for a batch of `rows` rows and `items` items, noise aside: kernel plus
    /// scheduling costs.
    public func workerTime(rows: Int, items: Int) -> Double {
        kernelTime(rows: rows) + scheduling.perBatch + scheduling.perItem * Double(items)
    }

    /// Items per second `workers` workers sustain at full batches of `rows` single-row items, noise aside.
    public func throughput(batch rows: Int, workers: Int) -> Double {
        Double(workers * rows) / workerTime(rows: rows, items: rows)
    }

    /// A CPU-like synthetic table, built in code so a test needs no file: `t(n) = fixed + perRow·n` on a
    /// spread of sizes, with the given costs and noise.
    public static func linear(
        model: String, fixed: Double, perRow: Double, rowCap: Int = 256, scheduling: SchedulingCosts,
        noise: NoiseModel = .none, workers: Int = 2
    ) -> CostTable {
        let sizes = Array(1...16) + [24, 32, 48, 64, 96, 128, 192, 256].filter { $0 <= rowCap }
        return CostTable(
            model: model, shape: "t(n) = \(fixed * 1e6) µs + \(perRow * 1e6) µs·n", rowCap: rowCap,
            kernel: sizes.map { KernelPoint(rows: $0, seconds: fixed + perRow * Double($0)) },
            scheduling: scheduling, noise: noise, workers: workers)
    }
}
