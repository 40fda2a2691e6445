import ArgumentParser
import BatchKitCore
import BatchProcessing
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

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp(
            "A model to serve: NAME=PATH.safetensors, a .safetensors path (named after the file), or a built-in "
                + "(\(DenseModel.builtInNames.joined(separator: ", "))). Repeatable; default: mlp1024.",
            valueName: "spec"))
    var models: [String] = []

    @Option(help: "Address to bind (default: loopback only).")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0: any free port; the bound port is logged).")
    var port = 8000

    @Option(help: "Largest request body in bytes; larger ones are answered 413.")
    var maxBodyBytes = 64 << 20

    @Option(help: "Seconds a shutdown waits for in-flight and queued requests.")
    var drainTimeout: Double = 10

    @Option(help: "Items each model's processor queues before answering 429 (maxQueueSize).")
    var maxQueueSize = 4096

    @Option(help: "A 'replica' label on every metric, to tell replicas apart behind one scraper.")
    var replicaId: String?

    @Option(help: "Log level: trace, debug (one access-log line per request), info, notice, warning, error.")
    var logLevel = "info"

    @OptionGroup var scheduler: SchedulerOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard drainTimeout > 0 else { throw ValidationError("--drain-timeout must be positive") }
        guard maxQueueSize >= 1 else { throw ValidationError("--max-queue-size must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "unknown --log-level '\(logLevel)'; choose trace, debug, info, notice, warning or error")
        }
        for spec in models { _ = try ServeCommand.split(spec) }
    }

    /// `NAME=PATH` → (NAME, PATH); a bare built-in name or path names itself (a path by its file name).
    static func split(_ spec: String) throws -> (name: String, source: String) {
        let name: String
        let source: String
        if let equals = spec.firstIndex(of: "=") {
            name = String(spec[..<equals])
            source = String(spec[spec.index(after: equals)...])
        } else {
            source = spec
            let file = spec.split(separator: "/").last.map(String.init) ?? spec
            name = file.hasSuffix(".safetensors") ? String(file.dropLast(".safetensors".count)) : file
        }
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        guard !name.isEmpty, allowed, !source.isEmpty else {
            throw ValidationError(
                "--model '\(spec)': give NAME=PATH.safetensors or a built-in name; NAME uses letters, digits, _ - .")
        }
        return (name, source)
    }

    mutating func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        var logger = Logger(label: "batchkit.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        var processorLogger = logger
        processorLogger.logLevel = max(level, .notice)

        var settings = scheduler.settings(over: SchedulerSettings())
        settings.maxQueueSize = maxQueueSize
        var processorConfiguration = settings.configuration
        // JSON cannot carry NaN back, and one bad row should not poison a batch's softmax: refuse them.
        processorConfiguration.nonFiniteInputs = .reject

        // Before any processor exists: a processor makes its instruments when it is created.
        let metrics = ServerMetrics(replicaID: replicaId)
        metrics.bootstrapMetricsSystem()

        var served: [ServedModel] = []
        do {
            for spec in models.isEmpty ? ["mlp1024"] : models {
                let (name, source) = try ServeCommand.split(spec)
                let model = try ModelLoader.load(source)
                served.append(
                    try ServedModel(
                        name: name, model: model, configuration: processorConfiguration, logger: processorLogger))
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
        configuration.host = host
        configuration.port = port
        configuration.maxBodyBytes = maxBodyBytes
        configuration.drainTimeout = .nanoseconds(Int64((drainTimeout * 1e9).rounded()))
        configuration.replicaID = replicaId
        let server = InferenceServer(models: served, configuration: configuration, metrics: metrics, logger: logger)
        let host = host
        let listeningLogger = logger
        try await server.run { port in
            listeningLogger.notice("listening", metadata: ["address": "http://\(host):\(port)"])
        }
        logger.notice("stopped")
    }
}
