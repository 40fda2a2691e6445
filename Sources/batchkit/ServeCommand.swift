import ArgumentParser
import BatchKitCore
import BatchProcessing
import DenseBatching
import DenseKernels
import InferenceServer
import Logging

/// `batchkit serve`: the Open Inference Protocol (KServe v2 REST) in front of one batch processor per model.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve dense models over the Open Inference Protocol (KServe v2 REST, as Triton and MLServer).",
        discussion: """
            Every infer request is one item of k rows in its model's batch processor, so requests from many \
            connections are computed together. SIGTERM or SIGINT: readiness turns 503, the listener stops, \
            in-flight requests finish (up to --drain-timeout), and the process exits 0.
            """
    )

    @OptionGroup var options: ServeOptions

    mutating func run() async throws {
        let level = Logger.Level(rawValue: options.logLevel) ?? .info
        var logger = Logger(label: "batchkit.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        var processorLogger = logger
        processorLogger.logLevel = max(level, .notice)

        var settings = options.scheduler.settings(over: SchedulerSettings())
        settings.maxQueueSize = options.maxQueueSize
        let processorConfiguration = settings.configuration
        // JSON cannot carry NaN back, and one bad row should not poison a batch's softmax: refuse them.
        var denseOptions = settings.denseOptions
        denseOptions.nonFiniteInputs = .reject

        // Before any processor exists: a processor makes its instruments when it is created.
        let metrics = ServerMetrics(replicaID: options.replicaId)
        metrics.bootstrapMetricsSystem()

        var served: [ServedModel] = []
        do {
            for spec in options.models.isEmpty ? ["mlp1024"] : options.models {
                let (name, source) = try ServeOptions.split(spec)
                let model = try ModelLoader.load(source)
                served.append(
                    try ServedModel(
                        name: name, model: model, configuration: processorConfiguration, options: denseOptions,
                        logger: processorLogger))
            }
        } catch {
            Console.progress("batchkit serve: error: \(error)")
            throw ExitCode.failure
        }
        guard Set(served.map(\.name)).count == served.count else {
            Console.progress("batchkit serve: error: two --model options have the same name; name them NAME=PATH")
            throw ExitCode.failure
        }

        var configuration = ServerConfiguration()
        configuration.host = options.host
        configuration.port = options.port
        configuration.maxBodyBytes = options.maxBodyBytes
        configuration.drainTimeout = .nanoseconds(Int64((options.drainTimeout * 1e9).rounded()))
        configuration.replicaID = options.replicaId
        let server = InferenceServer(models: served, configuration: configuration, metrics: metrics, logger: logger)
        let host = options.host
        let listeningLogger = logger
        try await server.run { port in
            listeningLogger.notice("listening", metadata: ["address": "http://\(host):\(port)"])
        }
        logger.notice("stopped")
    }
}
