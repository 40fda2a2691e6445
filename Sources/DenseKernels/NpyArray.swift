/// A 1-D or 2-D float array in NumPy's `.npy` format, held as row-major `Float`s.
///
/// Reading accepts format versions 1.0, 2.0 and 3.0 with float16, float32 or float64 elements in either
/// byte order (`<f2`, `<f4`, `<f8`, `>f2`, `>f4`, `>f8`), converting to `Float`. A Fortran-order
/// (column-major) 2-D array is transposed into row-major on read, so ``values`` always means the same
/// thing. Writing always produces what `numpy.save` writes for a C-order float32 array: version 1.0,
/// `<f4`, header padded with spaces and a newline to a 64-byte boundary. Empty arrays (`(0,)`, `(0, k)`)
/// are allowed both ways.
public struct NpyArray: Sendable, Equatable {
    /// The dimensions: `[count]` or `[rows, columns]`.
    public let shape: [Int]
    /// The elements in row-major (C) order.
    public let values: [Float]

    /// Creates an array, checking that `shape` is 1-D or 2-D and that `values` fill it exactly.
    public init(shape: [Int], values: [Float]) throws(NpyError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .badShape(shape) }
        guard shape.count == 1 || shape.count == 2 else { throw .unsupportedRank(shape: shape) }
        let (count, overflow) =
            shape.count == 1 ? (shape[0], false) : shape[0].multipliedReportingOverflow(by: shape[1])
        guard !overflow else { throw .badShape(shape) }
        guard count == values.count else { throw .valueCountMismatch(shape: shape, count: values.count) }
        self.shape = shape
        self.values = values
    }

    /// Creates a 1-D array of `values`.
    public init(vector values: [Float]) {
        self.shape = [values.count]
        self.values = values
    }

    /// Parses the contents of a `.npy` file.
    public init(bytes: [UInt8]) throws(NpyError) {
        let preamble = try NpyPreamble(bytes.prefix(12), available: bytes.count)
        let headerStart = preamble.headerStart
        let headerLength = preamble.headerLength
        guard headerLength <= bytes.count - headerStart else {
            throw .headerPastEnd(length: headerLength, available: bytes.count - headerStart)
        }
        let dataStart = headerStart + headerLength
        let header = try NpyHeader.parse(bytes[headerStart..<dataStart], utf8: preamble.major == 3)

        let expected = header.count * header.itemSize
        guard bytes.count - dataStart == expected else {
            throw .dataSizeMismatch(expected: expected, got: bytes.count - dataStart)
        }
        var values = [Float](unsafeUninitializedCapacity: header.count) { buffer, initialized in
            guard header.count > 0 else { return initialized = 0 }
            bytes.withUnsafeBytes { raw in
                NpyDecoding.decode(
                    UnsafeRawBufferPointer(rebasing: raw[dataStart...]), count: header.count, header: header,
                    into: buffer.baseAddress!, stride: 1)
            }
            initialized = header.count
        }
        if header.fortranOrder && header.shape.count == 2 {
            values = Self.transpose(values, rows: header.shape[0], columns: header.shape[1])
        }
        self.shape = header.shape
        self.values = values
    }

    /// Reads and parses the `.npy` file at `path`.
    public init(contentsOf path: String) throws(NpyError) {
        let bytes: [UInt8]
        do {
            bytes = try BinaryFile.read(path)
        } catch {
            throw .io(path: path, reason: error.reason)
        }
        try self.init(bytes: bytes)
    }

    /// The file contents `numpy.save` would produce for this array as C-order float32.
    public func encoded() -> [UInt8] {
        var bytes = Self.float32Preamble(shape: shape)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Everything `numpy.save` writes before the data of a C-order float32 array of `shape`: magic,
    /// version 1.0, header length and the header padded to a 64-byte boundary.
    public static func float32Preamble(shape: [Int]) -> [UInt8] {
        var header = Array(NpyHeader.float32Text(shape: shape).utf8)
        // NumPy pads so magic + version + length + header (ending in a newline) is a multiple of 64,
        // adding a full 64 when it is already aligned.
        let padding = 64 - (10 + header.count + 1) % 64
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        header.append(UInt8(ascii: "\n"))

        var bytes = NpyPreamble.magic + [1, 0]
        bytes.append(UInt8(truncatingIfNeeded: header.count))
        bytes.append(UInt8(truncatingIfNeeded: header.count >> 8))
        bytes.append(contentsOf: header)
        return bytes
    }

    /// Writes ``encoded()`` to `path` by ``OutputFile``'s policy: a regular file (or a new one) is
    /// replaced atomically through a temporary file in the same directory, so a failure never leaves a
    /// partial file there; a device or FIFO is written in place; symbolic links are followed.
    public func write(to path: String) throws(NpyError) {
        do {
            try BinaryFile.writeAtomically(encoded(), to: path)
        } catch {
            throw .io(path: path, reason: error.reason)
        }
    }

    /// Converts column-major `rows × columns` values to row-major.
    private static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        // An empty array needs no work, and its other dimension can be huge: `(0, 2**62)` made the
        // column loop spin for hours on no data (found by Fuzz/FuzzNpy).
        guard !values.isEmpty else { return values }
        var result = [Float](repeating: 0, count: values.count)
        for column in 0..<columns {
            for row in 0..<rows { result[row * columns + column] = values[column * rows + row] }
        }
        return result
    }
}

/// The fixed start of a `.npy` file: magic, version, and the header's length.
struct NpyPreamble {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The format's major version: 1, 2 or 3.
    let major: UInt8
    /// Where the header text starts: 10 for version 1, 12 for versions 2 and 3.
    let headerStart: Int
    /// The header's length in bytes, as the preamble states it.
    let headerLength: Int

    /// Parses the first bytes of a file (up to 12); `available` is how long the file is, if known, for
    /// telling a truncated file from one that is not `.npy` at all.
    init(_ bytes: ArraySlice<UInt8>, available: Int) throws(NpyError) {
        guard bytes.count >= 8 else {
            throw bytes.elementsEqual(Self.magic.prefix(bytes.count))
                ? .truncatedPreamble(size: available) : .badMagic
        }
        guard bytes.prefix(6).elementsEqual(Self.magic) else { throw .badMagic }
        let first = bytes.startIndex
        let (major, minor) = (bytes[first + 6], bytes[first + 7])
        let lengthBytes: Int
        switch (major, minor) {
        case (1, 0): lengthBytes = 2
        case (2, 0), (3, 0): lengthBytes = 4
        default: throw .unsupportedVersion(major: major, minor: minor)
        }
        headerStart = 8 + lengthBytes
        guard bytes.count >= headerStart else { throw .truncatedPreamble(size: available) }
        var length = 0
        for index in (8..<headerStart).reversed() { length = length << 8 | Int(bytes[first + index]) }
        self.major = major
        headerLength = length
    }
}

/// Converts stored `.npy` elements to `Float`.
enum NpyDecoding {
    /// Decodes `count` elements of `header`'s type from `source` into `destination`, `stride` floats
    /// apart (1 for consecutive values, the row width to fill a column of a row-major matrix).
    static func decode(
        _ source: UnsafeRawBufferPointer, count: Int, header: NpyHeader, into destination: UnsafeMutablePointer<Float>,
        stride: Int
    ) {
        guard count > 0 else { return }
        let big = header.bigEndian
        switch header.itemSize {
        case 2:
            for index in 0..<count {
                let raw = source.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)
                destination[index &* stride] = FloatFormats.float(
                    fromHalf: big ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw))
            }
        case 4:
            if !big && stride == 1 {
                UnsafeMutableRawPointer(destination).copyMemory(from: source.baseAddress!, byteCount: count * 4)
                #if _endian(big)
                    for index in 0..<count {
                        destination[index] = Float(bitPattern: UInt32(littleEndian: destination[index].bitPattern))
                    }
                #endif
                return
            }
            for index in 0..<count {
                let raw = source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self)
                destination[index &* stride] = Float(
                    bitPattern: big ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw))
            }
        default:
            for index in 0..<count {
                let raw = source.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self)
                destination[index &* stride] = Float(
                    Double(bitPattern: big ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)))
            }
        }
    }
}
