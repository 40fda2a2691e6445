import Locking
import Testing

@testable import BatchProcessing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The processor's threads carry names, so `top -H`, `perf` and debuggers tell them apart.
@Suite struct WorkerThreadTests {
    #if os(Linux)
        /// The calling thread's name as the kernel reports it.
        static func currentThreadName() -> String? {
            guard let file = fopen("/proc/thread-self/comm", "r") else { return nil }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 64)
            guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return line.hasSuffix("\n") ? String(line.dropLast()) : line
        }

        /// A name within the kernel's 15 bytes is kept whole; a longer one is cut to its first 15 bytes.
        @Test(arguments: [("batch-worker", "batch-worker"), ("a-name-longer-than-fifteen", "a-name-longer-t")])
        func theThreadCarriesItsName(given: String, shown: String) {
            let seen = Locked<String?>(nil)
            let thread = WorkerThread(name: given) { seen.withLock { $0 = Self.currentThreadName() } }
            thread.join()
            #expect(seen.withLock { $0 } == shown)
        }
    #endif
}
