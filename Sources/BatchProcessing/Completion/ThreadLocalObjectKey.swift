#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keys for thread-local slots that hold a retained object (stored with `Unmanaged.passRetained`).
enum ThreadLocalObjectKey {
    /// A new key whose slots release the object they still hold when their thread ends.
    static func make() -> pthread_key_t {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { stored in
            guard let stored else { return }
            Unmanaged<AnyObject>.fromOpaque(stored).release()
        }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }
}
