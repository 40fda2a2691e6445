/// When the processor stops accepting work because too much of it fails, and how it recovers.
///
/// Closed (normal) → **open** when, over the last ``window``, at least ``minimumItems`` items finished
/// and the failed fraction reached ``errorRateThreshold``. While open, new items fail at once with
/// `circuitOpen` for ``coolDown``; then the breaker is **half-open** and admits ``probeItems`` items:
/// if they succeed it closes, if one fails it opens again.
public struct CircuitBreakerConfiguration: Sendable, Equatable {
    /// The failed fraction (0…1) of finished items that opens the breaker.
    public var errorRateThreshold = 0.5
    /// The fewest finished items in the window before the rate is trusted.
    public var minimumItems = 20
    /// The span over which the error rate is measured.
    public var window: Duration = .seconds(10)
    /// How long the breaker stays open before probing.
    public var coolDown: Duration = .seconds(5)
    /// Items admitted while half-open to decide whether to close.
    public var probeItems = 1

    /// The defaults, changed by `configure`.
    public init(_ configure: (inout CircuitBreakerConfiguration) -> Void = { _ in }) {
        configure(&self)
    }
}
