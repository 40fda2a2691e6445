#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Removes an output's temporary file when the process is interrupted (SIGINT, SIGTERM, SIGHUP),
/// then dies of the signal as it would have: a Ctrl-C during a long `infer` leaves no hidden
/// `.out.npy.tmp-XXXXXX` behind. Error paths remove it themselves (``DenseKernels/OutputFile/abandon()``).
///
/// One file at a time: ``register(_:)`` replaces the previous one. The handler only calls `unlink`,
/// `signal` and `raise`, which are async-signal-safe; the path is copied into C memory that stays
/// valid until ``unregister()`` is called outside the handler.
public enum TemporaryFileCleanup {
    private static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Removes `path` if one of the signals arrives before ``unregister()``.
    public static func register(_ path: String) {
        let copy = strdup(path)
        let previous = slot.pointee
        slot.pointee = copy
        free(previous)
        for signalNumber in signals {
            _ = signal(signalNumber) { received in
                if let path = TemporaryFileCleanup.slot.pointee { unlink(path) }
                _ = signal(received, SIG_DFL)
                _ = raise(received)
            }
        }
    }

    /// Forgets the file (it was renamed into place or removed) and restores the default handlers.
    public static func unregister() {
        for signalNumber in signals { _ = signal(signalNumber, SIG_DFL) }
        let previous = slot.pointee
        slot.pointee = nil
        free(previous)
    }

    /// The registered path. A plain pointer, written before the handlers are installed, so the handler
    /// reads it without locks or Swift runtime calls.
    nonisolated(unsafe) static let slot: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let slot = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: 1)
        slot.initialize(to: nil)
        return slot
    }()
}
