#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A dedicated OS thread running one closure: where batches compute, away from Swift's cooperative pool.
final class WorkerThread: @unchecked Sendable {
    // @unchecked: `thread` is written once in `init` before the handle is shared and only read after.
    private var thread: pthread_t?

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts a thread that runs `body` and ends.
    init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(
            &handle, nil,
            { raw in
                let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed with \(result)")
        thread = handle
    }

    /// Waits for the thread to finish.
    func join() {
        guard let thread else { return }
        pthread_join(thread, nil)
        self.thread = nil
    }

    /// Lets the thread finish on its own, without anyone joining it.
    func detach() {
        guard let thread else { return }
        pthread_detach(thread)
        self.thread = nil
    }
}
