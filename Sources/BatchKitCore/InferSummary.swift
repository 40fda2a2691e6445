/// What a `batchkit infer` run did, for its closing line.
public struct InferSummary: Sendable, Equatable {
    /// Rows computed.
    public let rows: Int
    /// Values per output row.
    public let outputWidth: Int
    /// Batches the scheduler formed.
    public let batches: Int
    /// Wall-clock time for the whole run — reading, computing and writing — in seconds.
    public let seconds: Double
    /// The workers' batch compute time alone, per worker: the mean batch's processing time times the
    /// batches, over the workers (the mean is the statistics window's, so an estimate on long runs).
    public let computeSeconds: Double

    /// Creates a summary.
    public init(rows: Int, outputWidth: Int, batches: Int, seconds: Double, computeSeconds: Double) {
        self.rows = rows
        self.outputWidth = outputWidth
        self.batches = batches
        self.seconds = seconds
        self.computeSeconds = computeSeconds
    }

    /// Mean rows per batch.
    public var meanBatch: Double { batches == 0 ? 0 : Double(rows) / Double(batches) }
    /// Rows per second for the whole run.
    public var rowsPerSecond: Double { Double(rows) / max(seconds, 1e-9) }
    /// Rows per second of batch compute alone.
    public var computeRowsPerSecond: Double { Double(rows) / max(computeSeconds, 1e-9) }
}
