import CSignalCleanup

/// Removes an output's temporary file when the process is interrupted (SIGINT, SIGTERM, SIGHUP),
/// then lets the signal act as it would have: a Ctrl-C during a long `infer` leaves no hidden
/// `.out.npy.tmp-XXXXXX` behind. Error paths remove it themselves (``DenseKernels/OutputFile/abandon()``).
///
/// Any number of pipelines may run at once, each with its own registration. The handlers are
/// installed while at least one file is registered, and the process's previous ones are restored
/// after the last is released; the handler itself only reads atomics and calls `unlink`,
/// `sigaction` and `raise`, which are async-signal-safe.
public enum TemporaryFileCleanup {
    /// One registered file, to hand back to ``unregister(_:)``.
    public struct Registration: Sendable {
        fileprivate let slot: Int32
    }

    /// Removes `path` if one of the signals arrives before ``unregister(_:)``.
    public static func register(_ path: String) -> Registration {
        Registration(slot: batchkit_cleanup_register(path))
    }

    /// Forgets the file (it was renamed into place or removed).
    public static func unregister(_ registration: Registration) {
        batchkit_cleanup_unregister(registration.slot)
    }
}
