#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain OS thread for the benchmark's producers, load generator and kernel callers: blocking calls
/// belong on threads like these, never on Swift's cooperative pool.
final class BenchThread: @unchecked Sendable {
    // @unchecked: `handle` is written in `init` before the object is shared and read only by `join`.
    private var handle = pthread_t()

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts a thread running `body`.
    init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(
            &handle, nil,
            { raw in
                Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed with \(result)")
    }

    /// Waits for the thread to finish; its writes are visible afterwards.
    func join() {
        pthread_join(handle, nil)
    }

    /// Lets the thread end on its own, with nobody joining it.
    func detach() {
        pthread_detach(handle)
    }
}
