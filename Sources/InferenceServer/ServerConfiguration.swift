import BatchKitCore

/// How `batchkit serve` listens, limits request bodies and shuts down.
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to bind; loopback by default, so nothing is exposed unless asked for.
    public var host = "127.0.0.1"
    /// The TCP port; `0` lets the kernel pick a free one (see ``InferenceServer/run(onListening:)``).
    public var port = 8000
    /// The largest request body accepted, in bytes; larger bodies are answered 413.
    public var maxBodyBytes = 64 << 20
    /// How long a shutdown waits for in-flight and queued requests before cancelling them.
    public var drainTimeout: Duration = .seconds(10)
    /// How long a connection may sit idle between requests before it is closed, so idle or
    /// half-open clients do not hold connections forever.
    public var idleTimeout: Duration = .seconds(30)
    /// How long a request body may take to arrive once its headers are in; a slower body is answered
    /// 408 and its connection closed, so half-sent bodies cannot pile up.
    public var bodyTimeout: Duration = .seconds(10)
    /// A label on every metric (`replica="…"`), so several replicas behind one scraper stay apart;
    /// `nil` adds no label.
    public var replicaID: String?
    /// The name reported by `GET /v2` and in the `Server` header.
    public var serverName = "batchkit"
    /// The version reported by `GET /v2`.
    public var serverVersion = BatchKitVersion.current

    /// The defaults: 127.0.0.1:8000, 64 MiB bodies, 10 s drain.
    public init() {}
}
