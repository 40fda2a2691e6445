#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A dedicated OS thread running one closure: where batches compute, away from Swift's cooperative pool.
///
/// `package`, not public: `batchkit-bench` runs its producers and load generators on it too (blocking
/// calls belong on threads like these), and the thread is no part of the library's API.
package final class WorkerThread: @unchecked Sendable {
    // @unchecked: `thread` is written once in `init` before the handle is shared and only read after.
    private var thread: pthread_t?

    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, _ run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }

        /// Runs on the new thread: names it, then runs the body.
        func start() {
            WorkerThread.nameCurrentThread(name)
            run()
        }
    }

    /// Starts a thread named `name` that runs `body` and ends.
    ///
    /// The name is what `top -H`, `perf` and debuggers show for the thread (at most 15 bytes on Linux;
    /// longer names are cut), so a profile tells the workers from the timer and from the caller's threads.
    package init(name: String, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(name: name, body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(
            &handle, nil,
            { raw in
                let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
                body.start()
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed with \(result)")
        thread = handle
    }

    /// Names the calling thread; a name the system refuses leaves the thread unnamed.
    static func nameCurrentThread(_ name: String) {
        let truncated = Array(name.utf8.prefix(15))
        #if canImport(Darwin)
            _ = pthread_setname_np(String(decoding: truncated, as: UTF8.self))
        #else
            // Glibc's module does not export `pthread_setname_np` (it needs _GNU_SOURCE); writing the
            // thread's own `comm` file is what it does underneath (proc(5)).
            let file = open("/proc/thread-self/comm", O_WRONLY)
            guard file >= 0 else { return }
            _ = truncated.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            close(file)
        #endif
    }

    /// Waits for the thread to finish.
    package func join() {
        guard let thread else { return }
        pthread_join(thread, nil)
        self.thread = nil
    }

    /// Lets the thread finish on its own, without anyone joining it.
    package func detach() {
        guard let thread else { return }
        pthread_detach(thread)
        self.thread = nil
    }
}
