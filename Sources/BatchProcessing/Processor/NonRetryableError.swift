/// An error a processing function throws to say that running the batch again cannot help.
///
/// A batch failing with such an error is still split to isolate the failing items, but a single item
/// failing with it fails at once instead of being retried with backoff.
public protocol NonRetryableError: Error {}

/// Wraps any error as non-retryable: `throw NonRetryable(ValidationError())`.
public struct NonRetryable: NonRetryableError, CustomStringConvertible {
    /// The error that cannot be fixed by retrying.
    public let underlying: any Error

    /// Wraps `underlying`.
    public init(_ underlying: any Error) {
        self.underlying = underlying
    }

    /// The wrapped error, marked as not retryable.
    public var description: String { "\(underlying) (not retryable)" }
}
