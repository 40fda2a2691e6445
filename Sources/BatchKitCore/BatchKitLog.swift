public import Logging

/// The logger `batchkit` gives its processors: warnings and errors only, to standard error, so the
/// processors' start and stop messages never mix with results on standard output.
public enum BatchKitLog {
    public static let logger: Logger = {
        var logger = Logger(label: "batchkit") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }()
}
