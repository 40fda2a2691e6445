#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a 2-D `.npy` matrix a block of rows at a time, so memory stays proportional to the block, not
/// to the file.
///
/// Opening reads and validates only the preamble and the header: the shape, the dtype and, for a
/// regular file, that the data is exactly `rows × columns × itemsize` bytes. Nothing of the data is
/// read until ``read(rows:into:)``, so a caller can check the width before touching a byte of it.
/// Accepts what ``NpyArray`` accepts (versions 1.0–3.0, float16/32/64 in either byte order, C or
/// Fortran order). C-order data is read sequentially, so a pipe (standard input) works too; Fortran
/// order is read column by column with positioned reads, one per column per block, and needs a
/// regular file.
public final class NpyRowReader {
    /// The array's shape: `[rows, columns]` (or `[count]` for a 1-D array, which has no rows to read).
    public let shape: [Int]
    /// What errors call the input.
    public let name: String
    /// Rows read so far.
    public private(set) var rowsRead = 0

    /// The longest header accepted from a pipe, whose length cannot be checked against a file size.
    public static let maxStreamHeaderLength = 1 << 24

    let header: NpyHeader
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let dataStart: Int
    private var scratch: [UInt8] = []

    /// Rows in the array (0 for a 1-D array).
    public var rows: Int { shape.count == 2 ? shape[0] : 0 }
    /// Values per row (the length, for a 1-D array; 1 for a 0-D one).
    public var columns: Int { shape.count == 2 ? shape[1] : shape.first ?? 1 }
    /// Bytes one stored element occupies: 2, 4 or 8.
    public var itemSize: Int { header.itemSize }

    /// Opens the `.npy` file at `path` and reads its header.
    public convenience init(path: String) throws(NpyError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: path, reason: BinaryFile.systemReason()) }
        do {
            try self.init(descriptor: descriptor, name: path, owns: true)
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Reads the header from an open descriptor (standard input, say), which the reader does not close.
    public convenience init(fileDescriptor: Int32, name: String) throws(NpyError) {
        try self.init(descriptor: fileDescriptor, name: name, owns: false)
    }

    private init(descriptor: Int32, name: String, owns: Bool) throws(NpyError) {
        self.descriptor = descriptor
        self.name = name
        self.ownsDescriptor = owns
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io(path: name, reason: BinaryFile.systemReason()) }
        let type = info.st_mode & S_IFMT
        guard type != S_IFDIR else { throw .io(path: name, reason: "it is a directory") }
        let fileSize: Int? = type == S_IFREG ? Int(info.st_size) : nil

        var preambleBytes = try Self.readUpTo(8, descriptor, name)
        if preambleBytes.count == 8, preambleBytes.prefix(6).elementsEqual(NpyPreamble.magic), preambleBytes[6] > 1 {
            preambleBytes += try Self.readUpTo(4, descriptor, name)
        } else if preambleBytes.count == 8 {
            preambleBytes += try Self.readUpTo(2, descriptor, name)
        }
        let preamble = try NpyPreamble(preambleBytes[...], available: fileSize ?? preambleBytes.count)
        let headerStart = preamble.headerStart
        let headerLength = preamble.headerLength
        if let fileSize {
            guard headerLength <= fileSize - headerStart else {
                throw .headerPastEnd(length: headerLength, available: fileSize - headerStart)
            }
        } else if headerLength > Self.maxStreamHeaderLength {
            throw .invalidHeader(
                "the header claims \(headerLength) bytes, more than the \(Self.maxStreamHeaderLength) read from a pipe")
        }
        let headerBytes = try Self.readUpTo(headerLength, descriptor, name)
        guard headerBytes.count == headerLength else {
            throw .headerPastEnd(length: headerLength, available: headerBytes.count)
        }
        header = try NpyHeader.parse(headerBytes[...], utf8: preamble.major == 3)
        shape = header.shape
        dataStart = headerStart + headerLength
        let expected = header.count * header.itemSize
        if let fileSize {
            guard fileSize - dataStart == expected else {
                throw .dataSizeMismatch(expected: expected, got: fileSize - dataStart)
            }
        } else if header.fortranOrder && shape.count == 2 && header.count > 0 {
            throw .io(
                path: name,
                reason: "a Fortran-order array cannot be read from a pipe a row at a time; save it in C order "
                    + "(np.ascontiguousarray) or pass a file")
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Reads the next `count` rows as `Float`s into `destination` (`count × columns` values, row-major).
    ///
    /// - Precondition: the array is 2-D and `count` rows remain.
    /// - Throws: ``NpyError/io(path:reason:)`` when reading fails, ``NpyError/dataSizeMismatch(expected:got:)``
    ///   when the data ends early (a pipe, or a file that shrank).
    public func read(rows count: Int, into destination: UnsafeMutablePointer<Float>) throws(NpyError) {
        precondition(shape.count == 2, "only a 2-D array has rows")
        precondition(count >= 0 && rowsRead + count <= rows, "reading past the last row")
        guard count > 0, columns > 0 else {
            rowsRead += count
            return
        }
        if header.fortranOrder {
            try readColumns(count, into: destination)
        } else {
            let bytes = count * columns * itemSize
            if scratch.count < bytes { scratch = [UInt8](repeating: 0, count: bytes) }
            let descriptor = descriptor
            let name = name
            let got = try scratch.withUnsafeMutableBytes { raw in
                Result { () throws(NpyError) in try Self.readFully(descriptor, raw.baseAddress!, bytes, name) }
            }.get()
            guard got == bytes else {
                let total = header.count * itemSize
                throw .dataSizeMismatch(expected: total, got: rowsRead * columns * itemSize + got)
            }
            scratch.withUnsafeBytes { raw in
                NpyDecoding.decode(
                    UnsafeRawBufferPointer(rebasing: raw[..<bytes]), count: count * columns, header: header,
                    into: destination, stride: 1)
            }
        }
        rowsRead += count
    }

    /// Column-major data: one positioned read per column, scattered into the rows.
    private func readColumns(_ count: Int, into destination: UnsafeMutablePointer<Float>) throws(NpyError) {
        let bytes = count * itemSize
        if scratch.count < bytes { scratch = [UInt8](repeating: 0, count: bytes) }
        for column in 0..<columns {
            let offset = dataStart + (column * rows + rowsRead) * itemSize
            let (descriptor, name) = (descriptor, name)
            let got = try scratch.withUnsafeMutableBytes { raw in
                Result { () throws(NpyError) in
                    try Self.readFully(descriptor, raw.baseAddress!, bytes, name, offset: offset)
                }
            }.get()
            guard got == bytes else {
                throw .dataSizeMismatch(expected: header.count * itemSize, got: offset - dataStart + got)
            }
            scratch.withUnsafeBytes { raw in
                NpyDecoding.decode(
                    UnsafeRawBufferPointer(rebasing: raw[..<bytes]), count: count, header: header,
                    into: destination + column, stride: columns)
            }
        }
    }

    /// Up to `count` bytes from the current position; fewer only at the end of the data.
    private static func readUpTo(_ count: Int, _ descriptor: Int32, _ name: String) throws(NpyError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: NpyError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(NpyError) {
                initialized = try readFully(descriptor, buffer.baseAddress!, count, name)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads until `count` bytes or the end of the data; with `offset`, from there (`pread`).
    private static func readFully(
        _ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ name: String, offset: Int? = nil
    ) throws(NpyError) -> Int {
        var done = 0
        while done < count {
            let result =
                offset.map { pread(descriptor, buffer + done, count - done, off_t($0 + done)) }
                ?? systemRead(descriptor, buffer + done, count - done)
            if result < 0 {
                if errno == EINTR { continue }
                throw .io(path: name, reason: BinaryFile.systemReason())
            }
            if result == 0 { break }
            done += result
        }
        return done
    }
}

// `read` is shadowed by the method of that name inside `NpyRowReader`.
@inline(__always)
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
