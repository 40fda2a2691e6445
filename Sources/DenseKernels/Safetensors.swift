/// A parsed safetensors file: its metadata, its tensor directory, and the bytes the tensors live in.
///
/// The format is an 8-byte little-endian header length `N`, `N` bytes of JSON describing each tensor
/// (`dtype`, `shape`, `data_offsets` relative to the data section), then the data section. Every offset,
/// shape and dtype is validated when the file is opened, so ``floats(_:)`` can only fail for a missing
/// name.
public struct SafetensorsFile: Sendable {
    /// The largest header the reader accepts unless told otherwise (100 MB, as the reference reader does).
    public static let defaultMaxHeaderLength = 100_000_000

    /// The element types a safetensors file can declare.
    public enum DType: String, Sendable, CaseIterable {
        /// One byte, zero for false.
        case bool = "BOOL"
        /// Unsigned 8-bit integer.
        case u8 = "U8"
        /// Signed 8-bit integer.
        case i8 = "I8"
        /// Unsigned 16-bit integer.
        case u16 = "U16"
        /// Signed 16-bit integer.
        case i16 = "I16"
        /// Unsigned 32-bit integer.
        case u32 = "U32"
        /// Signed 32-bit integer.
        case i32 = "I32"
        /// Unsigned 64-bit integer.
        case u64 = "U64"
        /// Signed 64-bit integer.
        case i64 = "I64"
        /// IEEE 754 binary16.
        case f16 = "F16"
        /// bfloat16: the top half of a binary32.
        case bf16 = "BF16"
        /// IEEE 754 binary32.
        case f32 = "F32"
        /// IEEE 754 binary64.
        case f64 = "F64"
        /// FP8 with 4 exponent and 3 mantissa bits, no infinities (`float8_e4m3fn`).
        case f8E4M3 = "F8_E4M3"
        /// FP8 with 5 exponent and 2 mantissa bits (`float8_e5m2`).
        case f8E5M2 = "F8_E5M2"

        /// Whether the elements are integers or booleans rather than floating-point numbers.
        public var isInteger: Bool {
            switch self {
            case .bool, .u8, .i8, .u16, .i16, .u32, .i32, .u64, .i64: return true
            case .f16, .bf16, .f32, .f64, .f8E4M3, .f8E5M2: return false
            }
        }

        /// The bytes one element occupies.
        public var byteSize: Int {
            switch self {
            case .bool, .u8, .i8, .f8E4M3, .f8E5M2: return 1
            case .u16, .i16, .f16, .bf16: return 2
            case .u32, .i32, .f32: return 4
            case .u64, .i64, .f64: return 8
            }
        }
    }

    /// Where one tensor lives and how to read it.
    public struct TensorInfo: Sendable, Equatable {
        /// The element type.
        public let dtype: DType
        /// The dimensions, outermost first; `[]` is a scalar.
        public let shape: [Int]
        /// The tensor's bytes, as offsets into the data section (the `data_offsets` of the header).
        public let byteRange: Range<Int>

        /// The number of elements: the product of ``shape``.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The string-to-string `__metadata__` of the header; empty if the file has none.
    public let metadata: [String: String]
    /// Every tensor in the file, by name.
    public let tensors: [String: TensorInfo]

    let bytes: [UInt8]
    let dataStart: Int

    /// Parses a safetensors file held in memory.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - maxHeaderLength: the largest JSON header to accept; a bound on the work a hostile file can
    ///     cause before it is rejected.
    public init(bytes: [UInt8], maxHeaderLength: Int = SafetensorsFile.defaultMaxHeaderLength)
        throws(SafetensorsError)
    {
        guard bytes.count >= 8 else { throw .fileTooSmall(size: bytes.count) }
        var length: UInt64 = 0
        for index in (0..<8).reversed() { length = length << 8 | UInt64(bytes[index]) }
        guard length <= UInt64(max(maxHeaderLength, 0)) else {
            throw .headerTooLarge(length: length, limit: maxHeaderLength)
        }
        guard length <= UInt64(bytes.count - 8) else { throw .headerPastEnd(length: length, fileSize: bytes.count) }
        let headerEnd = 8 + Int(length)
        let (metadata, tensors) = try Self.parseHeader(Array(bytes[8..<headerEnd]), dataSize: bytes.count - headerEnd)
        self.metadata = metadata
        self.tensors = tensors
        self.bytes = bytes
        self.dataStart = headerEnd
    }

    /// Reads and parses the safetensors file at `path`.
    public init(contentsOf path: String, maxHeaderLength: Int = SafetensorsFile.defaultMaxHeaderLength)
        throws(SafetensorsError)
    {
        let bytes: [UInt8]
        do {
            bytes = try BinaryFile.read(path)
        } catch {
            throw .io(path: path, reason: error.reason)
        }
        try self.init(bytes: bytes, maxHeaderLength: maxHeaderLength)
    }

    /// The tensor names ordered by where their data starts, then by name: the order they were written in.
    public var tensorNames: [String] {
        tensors.keys.sorted { left, right in
            let (a, b) = (tensors[left]!.byteRange.lowerBound, tensors[right]!.byteRange.lowerBound)
            return a != b ? a < b : left < right
        }
    }

    /// The elements of tensor `name`, row-major, converted to `Float`.
    ///
    /// Floats narrower than `Float` widen exactly; F64 and 32/64-bit integers round to nearest; BOOL
    /// gives 0 or 1.
    public func floats(_ name: String) throws(SafetensorsError) -> [Float] {
        guard let info = tensors[name] else { throw .missingTensor(name) }
        let count = info.elementCount
        let start = dataStart + info.byteRange.lowerBound
        return bytes.withUnsafeBytes { raw in
            let source = UnsafeRawBufferPointer(rebasing: raw[start..<(start + info.byteRange.count)])
            switch info.dtype {
            case .f32: return Self.decode(source, count, UInt32.self) { Float(bitPattern: $0) }
            case .f64: return Self.decode(source, count, UInt64.self) { Float(Double(bitPattern: $0)) }
            case .f16: return Self.decode(source, count, UInt16.self) { FloatFormats.float(fromHalf: $0) }
            case .bf16: return Self.decode(source, count, UInt16.self) { FloatFormats.float(fromBFloat: $0) }
            case .f8E4M3: return Self.decode(source, count, UInt8.self) { FloatFormats.float(fromE4M3: $0) }
            case .f8E5M2: return Self.decode(source, count, UInt8.self) { FloatFormats.float(fromE5M2: $0) }
            case .bool: return Self.decode(source, count, UInt8.self) { $0 == 0 ? 0 : 1 }
            case .u8: return Self.decode(source, count, UInt8.self) { Float($0) }
            case .i8: return Self.decode(source, count, Int8.self) { Float($0) }
            case .u16: return Self.decode(source, count, UInt16.self) { Float($0) }
            case .i16: return Self.decode(source, count, Int16.self) { Float($0) }
            case .u32: return Self.decode(source, count, UInt32.self) { Float($0) }
            case .i32: return Self.decode(source, count, Int32.self) { Float($0) }
            case .u64: return Self.decode(source, count, UInt64.self) { Float($0) }
            case .i64: return Self.decode(source, count, Int64.self) { Float($0) }
            }
        }
    }

    /// Converts `count` little-endian elements of type `T` starting at `source`.
    @inline(__always)
    private static func decode<T: FixedWidthInteger>(
        _ source: UnsafeRawBufferPointer,
        _ count: Int,
        _: T.Type,
        _ convert: (T) -> Float
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let stride = MemoryLayout<T>.size
            for index in 0..<count {
                let element = T(littleEndian: source.loadUnaligned(fromByteOffset: index * stride, as: T.self))
                buffer[index] = convert(element)
            }
            initialized = count
        }
    }
}
