/// Why a ``SystemProbe`` could not take a snapshot.
public enum SystemProbeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `/proc` file could not be opened or read (for instance, not on Linux, or `/proc` not mounted).
    case unreadable(path: String, reason: String)
    /// A `/proc` file was read but does not have the expected form; `detail` says what was missing.
    case malformed(path: String, detail: String)

    /// What went wrong, naming the file.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason); system probes need Linux with /proc mounted"
        case .malformed(let path, let detail):
            return "unexpected contents in \(path): \(detail)"
        }
    }
}
