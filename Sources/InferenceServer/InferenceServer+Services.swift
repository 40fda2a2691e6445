import Logging
import ServiceLifecycle

/// Starts and warms the processors, then, at shutdown (after the listener has stopped), drains them.
struct ProcessorService: Service {
    let server: InferenceServer

    func run() async throws {
        try await server.warmUp()
        // Returns at graceful shutdown; throws only if the group is cancelled, when draining is moot.
        try? await gracefulShutdown()
        server.logger.info("stopping processors", metadata: ["drainTimeout": "\(server.configuration.drainTimeout)"])
        await server.stopProcessors(timeout: server.configuration.drainTimeout)
    }
}

/// Turns readiness to 503 as the very first step of a graceful shutdown, before the listener stops,
/// so load balancers stop routing here while requests already sent still get answers.
struct ReadinessGate: Service {
    let server: InferenceServer

    func run() async throws {
        try? await gracefulShutdown()
        server.beginDrain()
        server.logger.info("draining: readiness now answers 503")
    }
}
