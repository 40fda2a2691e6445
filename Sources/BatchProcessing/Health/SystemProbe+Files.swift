#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SystemProbe {
    /// The whole text of a small file such as those in `/proc`, which report a size of 0 and so must be
    /// read until end of file rather than by their size.
    static func readText(_ path: String) throws(SystemProbeError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        // /proc/meminfo, the largest of the files read, is about 1.5 KB; one buffer usually suffices.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        var failure: SystemProbeError?
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { chunk in
            while true {
                let count = read(descriptor, chunk.baseAddress!, chunk.count)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = .unreadable(path: path, reason: String(cString: strerror(errno)))
                    return
                }
                if count == 0 { return }
                bytes.append(contentsOf: chunk.prefix(count))
                // A /proc file of a megabyte is not one of ours; stop rather than grow without bound.
                if bytes.count > 1 << 20 {
                    failure = .malformed(path: path, detail: "larger than 1 MiB")
                    return
                }
            }
        }
        if let failure { throw failure }
        return String(decoding: bytes, as: UTF8.self)
    }
}
