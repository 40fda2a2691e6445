import Locking
import Logging

/// Keeps every log record a logger emits, in order, so tests can check what was logged and when.
final class LogCapture: Sendable {
    /// One log record.
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let records = Locked<[Record]>([])

    /// Everything logged so far, oldest first.
    var all: [Record] { records.withLock { $0 } }

    /// The messages logged so far, oldest first.
    var messages: [String] { all.map(\.message) }

    /// A logger whose records go here (every level).
    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ record: Record) {
        records.withLock { $0.append(record) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(Record(level: event.level, message: event.message.description, metadata: merged))
        }
    }
}
