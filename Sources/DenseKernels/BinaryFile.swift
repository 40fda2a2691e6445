#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed file operation, with the system's reason; the format readers wrap it in their own error types.
public struct FileIOError: Error, Equatable, Sendable {
    /// What went wrong, as the system or the check put it (`No such file or directory`).
    public let reason: String
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

    /// Writes `bytes` to `path` by the policy of ``OutputFile``: replaced atomically when `path` (after
    /// following symbolic links) is a regular file or absent, written in place when it is a device, FIFO
    /// or socket. A failure never leaves a partial or temporary file in the atomic case.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileIOError) {
        let file = try OutputFile(path: path)
        do throws(FileIOError) {
            let written = bytes.withUnsafeBytes { raw in Result { () throws(FileIOError) in try file.write(raw) } }
            try written.get()
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
    }

    static func systemReason(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}

/// Where an output goes, and how: the one policy every writer in the package follows.
///
/// - A regular file, or a path where nothing exists yet, is written **atomically**: the bytes go to a
///   hidden temporary file in the same directory (`.<name>.tmp-XXXXXX`, so the rename cannot cross file
///   systems), which ``commit()`` flushes and renames over the path. A failure, or ``abandon()``,
///   removes the temporary file and leaves the path as it was. A replaced file keeps its permission
///   bits; a new one gets 0644.
/// - A device (`/dev/null`, a tape), a FIFO or a socket is **written in place**: it is opened for
///   writing and never replaced, so `--output /dev/null` run as root cannot turn the device node into
///   a regular file. What was written before a failure stays written.
/// - A symbolic link is followed to what it points at (up to 40 links), and that target gets the
///   policy above; the link itself is left a link. A dangling link creates its target.
/// - A directory, or a path ending in `/`, is refused.
public final class OutputFile {
    /// The path the bytes finally land at: the given path with symbolic links followed.
    public let target: String
    /// Where the bytes go until ``commit()``, when the write is atomic; `nil` when writing in place.
    public let temporaryPath: String?

    private var descriptor: Int32
    private let mode: mode_t
    private var buffer: [UInt8] = []
    private var finished = false
    private static let bufferSize = 1 << 20

    /// Opens the output at `path` by the policy above (creating the temporary file, or opening the
    /// device or FIFO, which waits for a reader like any writer of a FIFO).
    ///
    /// - Parameters:
    ///   - path: where the bytes finally land.
    ///   - announce: called with the temporary file's path before the file is created (again with another
    ///     path in the unlikely case that one exists already), so that a caller removing it on a signal has
    ///     it registered before it can exist.
    public convenience init(path: String, announce: (String) -> Void = { _ in }) throws(FileIOError) {
        let (target, existing) = try Self.resolve(path)
        if existing == .special {
            let descriptor = open(target, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw FileIOError(reason: "cannot open \(target): \(BinaryFile.systemReason())")
            }
            self.init(target: target, descriptor: descriptor, temporaryPath: nil, mode: 0)
            return
        }
        let (directory, name) = Self.split(target)
        let separator = directory.hasSuffix("/") ? "" : "/"
        // mkstemp would name the file only once it exists; named here, it is announced first.
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<100 {
            temporary = "\(directory)\(separator).\(name).tmp-\(Self.randomSuffix())"
            announce(temporary)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            throw FileIOError(reason: "cannot create a temporary file in \(directory): \(BinaryFile.systemReason())")
        }
        var mode: mode_t = 0o644
        if case .regularFile(let permissions) = existing { mode = mode_t(permissions) }
        self.init(target: target, descriptor: descriptor, temporaryPath: temporary, mode: mode)
    }

    /// Writes in place to an open descriptor (standard output, say), which ``commit()`` flushes and
    /// ``abandon()`` leaves open; `name` is how errors name it.
    public convenience init(fileDescriptor: Int32, name: String) {
        self.init(target: name, descriptor: fileDescriptor, temporaryPath: nil, mode: 0)
        ownsDescriptor = false
    }

    private var ownsDescriptor = true

    /// Twelve letters and digits: as unguessable a name as mkstemp's, from the system's generator.
    private static func randomSuffix() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    private init(target: String, descriptor: Int32, temporaryPath: String?, mode: mode_t) {
        self.target = target
        self.descriptor = descriptor
        self.temporaryPath = temporaryPath
        self.mode = mode
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        if !finished { abandon() }
    }

    /// Appends `bytes`, buffered (1 MiB at a time).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        precondition(!finished, "write after commit or abandon")
        if buffer.count + bytes.count > Self.bufferSize { try flush() }
        if bytes.count >= Self.bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends `values` as little-endian float32.
    public func write(floats values: UnsafeBufferPointer<Float>) throws(FileIOError) {
        #if _endian(little)
            try write(UnsafeRawBufferPointer(values))
        #else
            for value in values {
                let written = withUnsafeBytes(of: value.bitPattern.littleEndian) { raw in
                    Result { () throws(FileIOError) in try write(raw) }
                }
                try written.get()
            }
        #endif
    }

    /// Writes what is buffered.
    public func flush() throws(FileIOError) {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        let written = buffer.withUnsafeBytes { raw in Result { () throws(FileIOError) in try writeAll(raw) } }
        try written.get()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        guard bytes.count > 0 else { return }
        var written = 0
        while written < bytes.count {
            let result = posixWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw FileIOError(reason: BinaryFile.systemReason())
            }
            written += result
        }
    }

    /// Finishes the output: flushes, and for an atomic write syncs the temporary file and renames it
    /// over ``target``. On failure the temporary file is removed.
    public func commit() throws(FileIOError) {
        precondition(!finished, "commit after commit or abandon")
        do throws(FileIOError) {
            try flush()
            if let temporaryPath {
                guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else {
                    throw FileIOError(reason: BinaryFile.systemReason())
                }
                let status = close(descriptor)
                descriptor = -1
                guard status == 0 else { throw FileIOError(reason: BinaryFile.systemReason()) }
                guard rename(temporaryPath, target) == 0 else { throw FileIOError(reason: BinaryFile.systemReason()) }
            } else if ownsDescriptor {
                let status = close(descriptor)
                descriptor = -1
                guard status == 0 else { throw FileIOError(reason: BinaryFile.systemReason()) }
            }
            finished = true
        } catch {
            abandon()
            throw error
        }
    }

    /// Gives up: closes the output and removes the temporary file, leaving ``target`` as it was (an
    /// in-place output keeps what was already written). Safe to call more than once.
    public func abandon() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 && (ownsDescriptor || temporaryPath != nil) { close(descriptor) }
        descriptor = -1
        if let temporaryPath { unlink(temporaryPath) }
    }

    /// What a resolved output path holds now.
    public enum Existing: Sendable, Equatable {
        /// A regular file with these permission bits, which an atomic write keeps.
        case regularFile(permissions: UInt32)
        /// A device, FIFO or socket: written in place.
        case special
    }

    /// `path` with symbolic links followed, and what is there now (`nil`: nothing).
    public static func resolve(_ path: String) throws(FileIOError) -> (target: String, existing: Existing?) {
        guard !path.isEmpty, path.last != "/" else { throw FileIOError(reason: "the path names a directory") }
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0 else {
                guard errno == ENOENT else { throw FileIOError(reason: BinaryFile.systemReason()) }
                return (current, nil)
            }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                var bytes = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlink(current, &bytes, bytes.count - 1)
                guard length >= 0 else { throw FileIOError(reason: BinaryFile.systemReason()) }
                let link = String(decoding: bytes[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                current = link.hasPrefix("/") ? link : split(current).directory + "/" + link
            case S_IFDIR:
                throw FileIOError(reason: current == path ? "it is a directory" : "it links to directory \(current)")
            case S_IFREG:
                return (current, .regularFile(permissions: UInt32(info.st_mode & 0o7777)))
            default:
                return (current, .special)
            }
        }
        throw FileIOError(reason: BinaryFile.systemReason(ELOOP))
    }

    /// The directory part of `path` (`.` when there is none) and the name after the last slash.
    public static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return (directory, String(path[path.index(after: slash)...]))
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
