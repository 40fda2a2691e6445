/// Why a batch was sent to a worker: the figure users need to tune the batch size and timeout.
public enum DispatchReason: String, Sendable, CaseIterable, Codable {
    /// The queued rows reached the target batch size.
    case full
    /// The oldest queued item had waited the batch timeout.
    case timeout
    /// The processor is stopping and drains what it accepted.
    case drain
    /// The greedy strategy took what was queued.
    case greedy
    /// The adaptive strategy sent what was queued short of its target because another worker was idle:
    /// the next arrival would start at once on that worker, so waiting could not save anything.
    case idleWorker
    /// The adaptive controller sent the batch early so its items meet ``BatchProcessorConfiguration/Batching/targetLatency``.
    case latency
    /// A failed batch (or a half of one, to isolate a failing item) ran again.
    case retry
}
