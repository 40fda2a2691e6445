public import BatchProcessing

/// One batching configuration compared: the adaptive controller, greedy, or a fixed size.
public enum BatchingSetting: Sendable, Hashable, CustomStringConvertible {
    /// `.adaptive`, starting at the row cap (as `batchkit-bench` starts it).
    case adaptive
    /// `.greedy` up to the row cap.
    case greedy
    /// `.fixed` at this many rows (initial and maximum size, as `batchkit-bench`'s `fixed-N`).
    case fixed(Int)

    /// `adaptive`, `greedy` or `fixed-N`, as the benchmark labels them.
    public var description: String {
        switch self {
        case .adaptive: "adaptive"
        case .greedy: "greedy"
        case .fixed(let size): "fixed-\(size)"
        }
    }

    /// Parses a label written by ``description``.
    public init?(label: String) {
        switch label {
        case "adaptive": self = .adaptive
        case "greedy": self = .greedy
        default:
            guard label.hasPrefix("fixed-"), let size = Int(label.dropFirst(6)), size > 0 else { return nil }
            self = .fixed(size)
        }
    }

    /// The processor configuration `batchkit-bench` builds for this setting (its `SchedulerSettings`
    /// defaults: 2 ms timeout, health checks off, a queue of `queueCapacity`), with `rowCap` the
    /// largest batch of the adaptive and greedy settings.
    public func configuration(
        rowCap: Int, workers: Int, batchTimeout: Duration, queueCapacity: Int
    ) -> BatchProcessorConfiguration {
        var configuration = BatchProcessorConfiguration()
        let size: Int
        switch self {
        case .adaptive:
            configuration.batching.strategy = .adaptive
            size = rowCap
        case .greedy:
            configuration.batching.strategy = .greedy
            size = rowCap
        case .fixed(let fixed):
            configuration.batching.strategy = .fixed
            size = fixed
        }
        configuration.batching.maxSize = size
        configuration.batching.initialSize = size
        configuration.batching.timeout = batchTimeout
        configuration.workers.count = workers
        configuration.queue.capacity = queueCapacity
        configuration.health.queueCritical = max(2, queueCapacity * 9 / 10)
        configuration.health.queueWarning = max(1, queueCapacity * 7 / 10)
        configuration.health.enabled = false
        return configuration
    }

    /// The row cap a processor with this setting runs with.
    public func rowCap(_ maximum: Int) -> Int {
        if case .fixed(let size) = self { return size }
        return maximum
    }
}
