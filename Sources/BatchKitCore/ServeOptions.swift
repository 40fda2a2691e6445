public import ArgumentParser
import DenseKernels
import Logging

/// The flags of `batchkit serve`, and the checks that refuse bad values before anything starts.
public struct ServeOptions: ParsableArguments {
    @Option(
        name: .customLong("model"),
        help: ArgumentHelp(
            "A model to serve: NAME=PATH.safetensors, a .safetensors path (named after the file), or a built-in "
                + "(\(DenseModel.builtInNames.joined(separator: ", "))). Repeatable; default: mlp1024.",
            valueName: "spec"))
    public var models: [String] = []

    @Option(help: "Address to bind (default: loopback only).")
    public var host = "127.0.0.1"

    @Option(help: "TCP port (0: any free port; the bound port is logged).")
    public var port = 8000

    @Option(help: "Largest request body in bytes; larger ones are answered 413.")
    public var maxBodyBytes = 64 << 20

    @Option(help: "Seconds a shutdown waits for in-flight and queued requests.")
    public var drainTimeout: Double = 10

    @Option(help: "Items each model's processor queues before answering 429 (maxQueueSize).")
    public var maxQueueSize = 4096

    @Option(help: "A 'replica' label on every metric, to tell replicas apart behind one scraper.")
    public var replicaId: String?

    @Option(help: "Log level: trace, debug (one access-log line per request), info, notice, warning, error.")
    public var logLevel = "info"

    @OptionGroup public var scheduler: SchedulerOptions

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard drainTimeout > 0 else { throw ValidationError("--drain-timeout must be positive") }
        guard maxQueueSize >= 1 else { throw ValidationError("--max-queue-size must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "unknown --log-level '\(logLevel)'; choose trace, debug, info, notice, warning or error")
        }
        for spec in models { _ = try ServeOptions.split(spec) }
    }

    /// `NAME=PATH` → (NAME, PATH); a bare built-in name or path names itself (a path by its file name).
    public static func split(_ spec: String) throws -> (name: String, source: String) {
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

    /// The options' defaults; ArgumentParser fills the flags given.
    public init() {}
}
