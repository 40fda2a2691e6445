/// How the scheduler decides the size of each batch and when to send it.
public enum BatchProcessingStrategy: String, Sendable, CaseIterable, Codable {
    /// Batches of the configured size: dispatch when that many rows are queued or the oldest item has
    /// waited ``BatchProcessorConfiguration/Batching/timeout``.
    case fixed
    /// The batch size follows the load, from ``BatchProcessorConfiguration/Batching/initialSize``
    /// within ``BatchProcessorConfiguration/Batching/minSize`` and the row cap; dispatch rules as
    /// for ``fixed``.
    case adaptive
    /// Take everything queued, up to the maximum, as soon as a worker is free; never wait.
    case greedy
}
