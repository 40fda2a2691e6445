#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed file operation, with the system's reason; the format readers wrap it in their own error types.
struct FileIOError: Error, Equatable {
    let reason: String
}

/// Whole-file reads and atomic whole-file writes over POSIX calls.
///
/// POSIX rather than Foundation so the failure reasons are the system's own (`No such file or directory`)
/// and so a write can be made atomic with a temporary file in the destination's directory.
enum BinaryFile {
    /// The contents of the regular file at `path`.
    ///
    /// The buffer is sized from `fstat`, never from anything inside the file, so a corrupt header cannot
    /// make the reader allocate more than the file holds.
    static func read(_ path: String) throws(FileIOError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileIOError(reason: systemReason()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileIOError(reason: systemReason()) }
        // Directories, FIFOs and devices have no meaningful size; reading a FIFO could block forever.
        guard Int(info.st_mode) & 0o170000 == 0o100000 else { throw FileIOError(reason: "not a regular file") }
        let size = Int(info.st_size)
        var failure: FileIOError?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let result = posixRead(descriptor, buffer.baseAddress! + count, size - count)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = FileIOError(reason: systemReason())
                    return
                }
                // The file shrank while being read; what was read is all there is.
                if result == 0 { return }
                count += result
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Replaces the file at `path` with `bytes`, or leaves it untouched if anything fails.
    ///
    /// The bytes go to a temporary file in the same directory (so the rename cannot cross file systems),
    /// which is flushed and then renamed over `path`. The new file gets mode 0644.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileIOError) {
        guard !path.isEmpty, path.last != "/" else { throw FileIOError(reason: "the path names a directory") }
        let directory: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
        let separator = directory.hasSuffix("/") ? "" : "/"
        var template = Array("\(directory)\(separator).\(name).tmp-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw FileIOError(reason: "cannot create a temporary file in \(directory): \(systemReason())")
        }
        let temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var isOpen = true
        var renamed = false
        defer {
            if isOpen { close(descriptor) }
            if !renamed { unlink(temporaryPath) }
        }
        var failure: FileIOError?
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let result = posixWrite(descriptor, raw.baseAddress! + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = FileIOError(reason: systemReason())
                    return
                }
                written += result
            }
        }
        if let failure { throw failure }
        guard fchmod(descriptor, 0o644) == 0, fsync(descriptor) == 0 else {
            throw FileIOError(reason: systemReason())
        }
        isOpen = false
        guard close(descriptor) == 0 else { throw FileIOError(reason: systemReason()) }
        guard rename(temporaryPath, path) == 0 else { throw FileIOError(reason: systemReason()) }
        renamed = true
    }

    private static func systemReason() -> String {
        String(cString: strerror(errno))
    }
}

// `read` and `write` are shadowed by the static method names inside `BinaryFile`.
@inline(__always)
private func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

@inline(__always)
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
