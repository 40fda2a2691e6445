/// Why a request did not produce a result: what went wrong and what to do about it.
///
/// One struct with an extensible ``Code`` (rather than a public enum) so new failure kinds can be added
/// without breaking callers that switch over them. Compare ``code`` to match a kind:
///
///     do { try await processor.predict(item) } catch where error.code == .queueFull { retryLater() }
public struct BatchProcessorError: Error, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case queueFull, timedOut, shuttingDown, notStarted, alreadyStarted, cancelled, invalidInput
            case processingFailed, resultCountMismatch, circuitOpen, invalidConfiguration, overloaded
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The queue was at ``BatchProcessorConfiguration/Queue/capacity`` for the whole enqueue timeout (or
        /// the caller passed a zero timeout: fail at once rather than wait for room).
        public static let queueFull = Code(.queueFull)
        /// The item was not completed within ``BatchProcessorConfiguration/Batching/itemTimeout``.
        public static let timedOut = Code(.timedOut)
        /// The processor is stopping or stopped.
        public static let shuttingDown = Code(.shuttingDown)
        /// The processor has not been started.
        public static let notStarted = Code(.notStarted)
        /// `start` was called on a running processor.
        public static let alreadyStarted = Code(.alreadyStarted)
        /// The caller cancelled the request.
        public static let cancelled = Code(.cancelled)
        /// The item does not fit the processor (wrong width, empty, non-finite values …).
        public static let invalidInput = Code(.invalidInput)
        /// The processing function or model threw for this item's batch.
        public static let processingFailed = Code(.processingFailed)
        /// The processing function returned a different number of results than items.
        public static let resultCountMismatch = Code(.resultCountMismatch)
        /// Too many recent failures: the processor sheds load for a cool-down.
        public static let circuitOpen = Code(.circuitOpen)
        /// The item would miss ``BatchProcessorConfiguration/Batching/targetLatency`` and was refused early.
        public static let overloaded = Code(.overloaded)
        /// The configuration cannot work with what the processor was started with.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// The code's name, as in logs and in `errorsByCode`.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened and what to do, in one sentence.
    public let message: String
    /// The error thrown by the processing function, for ``Code/processingFailed``.
    public let underlying: (any Error)?
    /// How long the caller waited for queue space, for ``Code/queueFull`` (zero when it asked not to wait).
    public let waited: Duration?

    private init(_ code: Code, _ message: String, underlying: (any Error)? = nil, waited: Duration? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.waited = waited
    }

    /// The code and the message, for logs.
    public var description: String { "\(code): \(message)" }

    /// The queue held `capacity` items for the whole of the caller's wait of `waited` (`nil` or zero: the
    /// caller asked not to wait).
    public static func queueFull(capacity: Int, waited: Duration?) -> Self {
        let waited = max(waited ?? .zero, .zero)
        let wait = waited > .zero ? "for the \(waited) the caller waited" : "and the caller asked not to wait"
        return Self(
            .queueFull,
            "the queue is full (\(capacity) items) \(wait); retry later, wait longer (a larger enqueue "
                + "timeout, or nil to wait for room), or raise maxQueueSize / add workers",
            waited: waited)
    }

    /// The item was not done within `limit` of its arrival.
    public static func timedOut(after limit: Duration) -> Self {
        Self(.timedOut, "not completed within itemTimeout (\(limit)); raise itemTimeout or reduce load")
    }

    /// The processor is stopping or stopped.
    public static var shuttingDown: Self {
        Self(.shuttingDown, "the processor is stopping or stopped; start it again before submitting")
    }

    /// The processor was never started.
    public static var notStarted: Self {
        Self(.notStarted, "the processor has not been started; call start(...) first")
    }

    /// `start` on a running processor.
    public static var alreadyStarted: Self {
        Self(.alreadyStarted, "the processor is already running; stop it before starting it again")
    }

    /// The caller cancelled.
    public static var cancelled: Self { Self(.cancelled, "the request was cancelled by its caller") }

    /// The item's shape or values are wrong for this processor.
    public static func invalidInput(expected: String, got: String) -> Self {
        Self(.invalidInput, "invalid input: expected \(expected), got \(got)")
    }

    /// The processing function threw.
    public static func processingFailed(_ error: any Error) -> Self {
        Self(.processingFailed, "processing failed: \(error)", underlying: error)
    }

    /// The circuit breaker is open.
    public static func circuitOpen(retryAfter: Duration) -> Self {
        Self(
            .circuitOpen,
            "too many recent items failed, so new items are refused for a cool-down; retry after \(retryAfter)")
    }

    /// The item's predicted latency exceeds the objective.
    public static func overloaded(predicted: Duration, objective: Duration) -> Self {
        Self(
            .overloaded,
            "predicted latency \(predicted) exceeds targetLatency \(objective); retry later, add workers "
                + "or relax the objective")
    }

    /// The configuration does not fit what `start` was given (for example a memory budget smaller than a model).
    public static func invalidConfiguration(_ error: ConfigurationError) -> Self {
        Self(.invalidConfiguration, error.description, underlying: error)
    }

    /// The processing function returned `got` results for `expected` items.
    public static func resultCountMismatch(expected: Int, got: Int) -> Self {
        Self(
            .resultCountMismatch,
            "the processing function returned \(got) results for a batch of \(expected) items, so every item "
                + "of the batch failed without a retry; fix the function to return exactly one result per "
                + "item, in order")
    }
}
