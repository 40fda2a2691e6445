/// What ``BatchProcessor/stop(timeout:mode:)-8w1ke`` does with work that was accepted but not finished.
public enum StopMode: String, Sendable, CaseIterable {
    /// Stop accepting, finish everything queued and running within the timeout, then fail what is left
    /// with ``BatchProcessorError/shuttingDown``.
    case drain
    /// Stop accepting, fail everything still queued at once, let running batches finish within the timeout.
    case cancel
}
