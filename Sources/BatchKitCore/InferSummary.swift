/// What a `batchkit infer` run did, for its closing line.
public struct InferSummary: Sendable, Equatable {
    /// Rows computed.
    public let rows: Int
    /// Values per output row.
    public let outputWidth: Int
    /// Batches the scheduler formed.
    public let batches: Int
    /// Wall-clock time from starting the processor to the last result, in seconds.
    public let seconds: Double

    /// Mean rows per batch.
    public var meanBatch: Double { batches == 0 ? 0 : Double(rows) / Double(batches) }
}
