import BatchProcessing
import DenseBatching
import DenseKernels
import Dispatch
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// An Open Inference Protocol (KServe v2 REST) server over one ``BatchProcessor`` per model.
///
/// Every infer request becomes one item of `k` rows in its model's processor, so requests from many
/// connections are computed together in batches. ``run(onListening:)`` runs the HTTP server, the
/// processors and the readiness gate in one `ServiceGroup` that shuts down gracefully on SIGTERM/SIGINT:
/// readiness turns 503 first, the listener stops, in-flight requests finish, then the processors drain.
///
/// ```swift
/// let model = try ServedModel(name: "mlp1024", model: .mlp1024(), configuration: .init(), logger: logger)
/// let server = InferenceServer(models: [model], configuration: .init(), logger: logger)
/// try await server.run()
/// ```
public final class InferenceServer: Sendable {
    /// Listening, limits and shutdown.
    public let configuration: ServerConfiguration
    /// The models served, in the order given.
    public let models: [ServedModel]
    /// The Prometheus instruments `GET /metrics` renders.
    public let metrics: ServerMetrics
    let modelsByName: [String: ServedModel]
    let logger: Logger
    let readiness = Readiness()

    /// A server for `models` (names must be unique), not yet warmed or listening.
    public init(
        models: [ServedModel], configuration: ServerConfiguration, metrics: ServerMetrics? = nil, logger: Logger
    ) {
        precondition(!models.isEmpty, "serve at least one model")
        self.configuration = configuration
        self.models = models
        self.modelsByName = Dictionary(models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        precondition(modelsByName.count == models.count, "model names must be unique")
        self.metrics = metrics ?? ServerMetrics(replicaID: configuration.replicaID)
        self.logger = logger
    }

    /// Whether the models are warm and the server is not draining.
    public var isReady: Bool { readiness.current == .ready }

    /// Starts every model's processor and computes one row through each, then marks the server ready.
    ///
    /// Starting a processor calibrates the model's small-batch kernel (up to 250 ms of blocking work),
    /// so it runs on a Dispatch thread rather than holding a thread of the cooperative pool.
    public func warmUp() async throws {
        for served in models {
            let processor = served.processor
            let model = served.model
            let options = served.options
            let started: Result<Void, BatchProcessorError> = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(
                        returning: Result { () throws(BatchProcessorError) in
                            try processor.start(model: model, options: options)
                        })
                }
            }
            try started.get()
            _ = try await processor.predict([Float](repeating: 0, count: model.inputWidth))
            logger.info(
                "model ready",
                metadata: [
                    "model": "\(served.name)", "inputs": "\(model.inputWidth)", "outputs": "\(model.outputWidth)",
                ])
        }
        readiness.markReady()
    }

    /// Marks the server draining: readiness probes answer 503 from now on.
    public func beginDrain() {
        readiness.markDraining()
    }

    /// Stops every processor, finishing what they hold within `timeout`.
    public func stopProcessors(timeout: Duration) async {
        for served in models {
            await served.processor.stop(timeout: timeout, mode: .drain)
        }
    }

    /// The Hummingbird application: the routes of ``makeRouter()`` on ``configuration``'s address.
    ///
    /// - Parameter onListening: called with the bound port once the listener is up (useful with port 0).
    public func makeApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let http1 = HTTP1Channel.Configuration(idleTimeout: TimeAmount(configuration.idleTimeout))
        return Application(
            router: makeRouter(),
            server: .http1(configuration: http1),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Warms the models, serves until SIGTERM or SIGINT, then shuts down gracefully within
    /// ``ServerConfiguration/drainTimeout``.
    ///
    /// - Parameter onListening: called with the bound port once the listener is up.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        // Services shut down in reverse order: readiness first, then the listener and its
        // in-flight requests, and the processors last, so nothing accepted loses its model.
        var group = ServiceGroupConfiguration(
            services: [
                .init(service: ProcessorService(server: self)),
                .init(service: makeApplication(onListening: onListening)),
                .init(service: ReadinessGate(server: self)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // The processors get the drain timeout after the listener has stopped; the margin covers both.
        group.maximumGracefulShutdownDuration = configuration.drainTimeout * 2 + .seconds(1)
        group.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: group).run()
    }
}

extension TimeAmount {
    /// `duration` in NIO's unit, to the nanosecond.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
