public import BatchProcessing
public import Hummingbird

/// A request the server refuses or could not answer: the HTTP status and a message that says what to do.
///
/// Rendered as `{"error": "…"}`, the shape Triton and KServe clients read, with `Retry-After` on
/// 429 and 503 so a client knows to come back rather than give up.
public struct ServerError: Error, Sendable, Equatable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// What went wrong and what to do.
    public let message: String
    /// Seconds a client should wait before retrying (429, 503).
    public let retryAfterSeconds: Int?

    /// An error answered with `status`.
    public init(_ status: HTTPResponse.Status, _ message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// A malformed request (400).
    static func badRequest(_ message: String) -> Self { Self(.badRequest, message) }

    /// No model of that name (404), listing the ones served.
    static func unknownModel(_ name: String, known: [String]) -> Self {
        Self(.notFound, "unknown model '\(name)'; this server serves: \(known.joined(separator: ", "))")
    }

    /// A body over the limit (413).
    static func tooLarge(limit: Int) -> Self {
        Self(
            .contentTooLarge,
            "request body exceeds the \(limit)-byte limit; send fewer rows per request or raise --max-body-bytes")
    }

    /// Not ready yet, or shutting down (503).
    static func notReady(_ what: String) -> Self {
        Self(.serviceUnavailable, "\(what); retry shortly or use another replica", retryAfterSeconds: 1)
    }

    /// The HTTP answer to a processor refusal or failure of `model`'s item.
    public init(_ error: BatchProcessorError, model: String) {
        switch error.code {
        case .queueFull, .overloaded:
            self.init(.tooManyRequests, "model '\(model)' is at capacity: \(error.message)", retryAfterSeconds: 1)
        case .shuttingDown, .notStarted:
            self.init(
                .serviceUnavailable, "model '\(model)' is shutting down or not started; retry on another replica",
                retryAfterSeconds: 1)
        case .circuitOpen:
            self.init(.serviceUnavailable, "model '\(model)': \(error.message)", retryAfterSeconds: 5)
        case .timedOut:
            self.init(.gatewayTimeout, "model '\(model)': \(error.message)")
        case .invalidInput:
            self.init(.badRequest, "model '\(model)': \(error.message)")
        default:
            self.init(.internalServerError, "model '\(model)': \(error.message)")
        }
    }

    /// The response: JSON body, `Retry-After` when set.
    public func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        var text = "{\"error\":"
        JSONText.appendString(message, to: &text)
        text += "}"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
