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

    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

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
        guard bytes.count >= 8 else {
            throw bytes.elementsEqual(Self.magic.prefix(bytes.count))
                ? .truncatedPreamble(size: bytes.count) : .badMagic
        }
        guard bytes.prefix(6).elementsEqual(Self.magic) else { throw .badMagic }
        let (major, minor) = (bytes[6], bytes[7])
        let lengthBytes: Int
        switch (major, minor) {
        case (1, 0): lengthBytes = 2
        case (2, 0), (3, 0): lengthBytes = 4
        default: throw .unsupportedVersion(major: major, minor: minor)
        }
        let headerStart = 8 + lengthBytes
        guard bytes.count >= headerStart else { throw .truncatedPreamble(size: bytes.count) }
        var headerLength = 0
        for index in (8..<headerStart).reversed() { headerLength = headerLength << 8 | Int(bytes[index]) }
        guard headerLength <= bytes.count - headerStart else {
            throw .headerPastEnd(length: headerLength, available: bytes.count - headerStart)
        }
        let dataStart = headerStart + headerLength
        let header = try NpyHeader.parse(bytes[headerStart..<dataStart], utf8: major == 3)

        let expected = header.count * header.itemSize
        guard bytes.count - dataStart == expected else {
            throw .dataSizeMismatch(expected: expected, got: bytes.count - dataStart)
        }
        var values = bytes.withUnsafeBytes { raw in
            Self.decode(UnsafeRawBufferPointer(rebasing: raw[dataStart...]), header: header)
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
        var header = Array(NpyHeader.float32Text(shape: shape).utf8)
        // NumPy pads so magic + version + length + header (ending in a newline) is a multiple of 64,
        // adding a full 64 when it is already aligned.
        let padding = 64 - (10 + header.count + 1) % 64
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        header.append(UInt8(ascii: "\n"))

        var bytes = Self.magic + [1, 0]
        bytes.reserveCapacity(10 + header.count + values.count * 4)
        bytes.append(UInt8(truncatingIfNeeded: header.count))
        bytes.append(UInt8(truncatingIfNeeded: header.count >> 8))
        bytes.append(contentsOf: header)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Writes ``encoded()`` to `path` atomically: the bytes go to a temporary file in the same directory
    /// that is then renamed over `path`, so a failure never leaves a partial file there.
    public func write(to path: String) throws(NpyError) {
        do {
            try BinaryFile.writeAtomically(encoded(), to: path)
        } catch {
            throw .io(path: path, reason: error.reason)
        }
    }

    private static func decode(_ source: UnsafeRawBufferPointer, header: NpyHeader) -> [Float] {
        let count = header.count
        let big = header.bigEndian
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                switch header.itemSize {
                case 2:
                    let raw = source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)
                    buffer[index] = FloatFormats.float(
                        fromHalf: big ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw))
                case 4:
                    let raw = source.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)
                    buffer[index] = Float(bitPattern: big ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw))
                default:
                    let raw = source.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
                    buffer[index] = Float(Double(bitPattern: big ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)))
                }
            }
            initialized = count
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
