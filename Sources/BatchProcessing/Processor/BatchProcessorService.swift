public import ServiceLifecycle

/// Runs a started ``BatchProcessor`` as a swift-service-lifecycle `Service`.
///
/// Add it to a `ServiceGroup`; on graceful shutdown (SIGTERM, or the group shutting down) it stops the
/// processor in `drain` mode, so everything accepted finishes within `stopTimeout`.
///
/// ```swift
/// try processor.start(model: model)
/// let group = ServiceGroup(services: [BatchProcessorService(processor), httpServer], logger: logger)
/// try await group.run()
/// ```
public struct BatchProcessorService<Item: Sendable, Output: Sendable>: Service {
    /// The processor this service stops on shutdown.
    public let processor: BatchProcessor<Item, Output>
    /// The longest the drain may take before remaining items fail with `shuttingDown`.
    public let stopTimeout: Duration

    /// Wraps a processor; start it before running the service.
    public init(_ processor: BatchProcessor<Item, Output>, stopTimeout: Duration = .seconds(10)) {
        self.processor = processor
        self.stopTimeout = stopTimeout
    }

    /// Serves until graceful shutdown or cancellation, then drains and stops the processor.
    public func run() async throws {
        // Returns on graceful shutdown; throws CancellationError if the task is cancelled instead.
        // Either way the processor must stop, so the error is rethrown only after stopping.
        let shutdown = await Result(catching: { try await gracefulShutdown() })
        await processor.stop(timeout: stopTimeout, mode: .drain)
        try shutdown.get()
    }
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
