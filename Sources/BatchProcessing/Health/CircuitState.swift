/// The circuit breaker's state as reported in statistics and health.
public enum CircuitState: Sendable, Equatable, CustomStringConvertible {
    /// No breaker is configured.
    case disabled
    /// Items flow normally.
    case closed
    /// New items are refused; probing starts after `retryAfter`.
    case open(retryAfter: Duration)
    /// A few probe items decide whether to close.
    case halfOpen

    init(_ state: CircuitBreaker.State?, now: Duration) {
        switch state {
        case nil: self = .disabled
        case .closed?: self = .closed
        case .open(let until)?: self = .open(retryAfter: max(until - now, .zero))
        case .halfOpen?: self = .halfOpen
        }
    }

    /// The state's name, for logs.
    public var description: String {
        switch self {
        case .disabled: "disabled"
        case .closed: "closed"
        case .open(let retryAfter): "open (probing in \(retryAfter))"
        case .halfOpen: "half-open"
        }
    }
}
