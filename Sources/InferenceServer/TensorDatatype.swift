import DenseKernels

/// The protocol's numeric datatypes the server accepts, each converted to `Float` for the model.
enum TensorDatatype: String, Sendable, CaseIterable {
    case fp32 = "FP32"
    case fp64 = "FP64"
    case fp16 = "FP16"
    case int8 = "INT8"
    case int16 = "INT16"
    case int32 = "INT32"
    case int64 = "INT64"
    case uint8 = "UINT8"
    case uint16 = "UINT16"
    case uint32 = "UINT32"
    case uint64 = "UINT64"

    /// Bytes per element in the binary tensor data extension.
    var byteWidth: Int {
        switch self {
        case .int8, .uint8: 1
        case .fp16, .int16, .uint16: 2
        case .fp32, .int32, .uint32: 4
        case .fp64, .int64, .uint64: 8
        }
    }

    /// The accepted names, for error messages.
    static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// Converts `count` little-endian elements at the start of `bytes` to `Float`.
    ///
    /// FP32 is a straight copy into the new array (on the little-endian machines Swift runs on), the
    /// path `tritonclient` takes by default; other types convert element by element.
    func floats(from bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        precondition(bytes.count >= count * byteWidth, "the caller checks the byte count")
        switch self {
        case .fp32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 {
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: bytes[0..<(count * 4)]))
                }
                initialized = count
            }
        case .fp64: return convert(bytes, count, Double.self) { Float($0) }
        case .fp16: return convert(bytes, count, UInt16.self) { FloatFormats.float(fromHalf: $0) }
        case .int8: return convert(bytes, count, Int8.self) { Float($0) }
        case .int16: return convert(bytes, count, Int16.self) { Float($0) }
        case .int32: return convert(bytes, count, Int32.self) { Float($0) }
        case .int64: return convert(bytes, count, Int64.self) { Float($0) }
        case .uint8: return convert(bytes, count, UInt8.self) { Float($0) }
        case .uint16: return convert(bytes, count, UInt16.self) { Float($0) }
        case .uint32: return convert(bytes, count, UInt32.self) { Float($0) }
        case .uint64: return convert(bytes, count, UInt64.self) { Float($0) }
        }
    }

    private func convert<T: FixedWidthInteger>(
        _ bytes: UnsafeRawBufferPointer, _ count: Int, _: T.Type, _ transform: (T) -> Float
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                // Unaligned loads: the tensor may start at any offset after the JSON header.
                buffer[index] = transform(
                    T(littleEndian: bytes.loadUnaligned(fromByteOffset: index * T.bitWidth / 8, as: T.self)))
            }
            initialized = count
        }
    }

    private func convert(
        _ bytes: UnsafeRawBufferPointer, _ count: Int, _: Double.Type, _ transform: (Double) -> Float
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                buffer[index] = transform(Double(bitPattern: bits))
            }
            initialized = count
        }
    }
}
