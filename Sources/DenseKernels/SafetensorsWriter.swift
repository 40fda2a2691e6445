/// Builds a safetensors file from `Float` tensors, converting each to the dtype asked for.
///
/// Tensors are laid out in the order they were added; header keys are sorted and the header is padded
/// with spaces to a multiple of 8 bytes, as the reference writer does, so the data section is aligned.
public struct SafetensorsWriter: Sendable {
    private struct Entry: Sendable {
        let name: String
        let dtype: SafetensorsFile.DType
        let shape: [Int]
        let values: [Float]
    }

    /// The `__metadata__` to write; omitted from the header when empty.
    public var metadata: [String: String]
    private var entries: [Entry] = []
    private var names: Set<String> = []

    /// Creates a writer with no tensors.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Creates a writer holding `model` as `<prefix><index>.weight` `[out, in]` and `<prefix><index>.bias`,
    /// with its activations in the `activations` metadata: the layout `DenseModel(safetensors:)` reads.
    public init(model: DenseModel, prefix: String = "layers.", dtype: SafetensorsFile.DType = .f32)
        throws(SafetensorsError)
    {
        self.metadata = ["activations": model.layers.map(\.activation.rawValue).joined(separator: ",")]
        for (index, layer) in model.layers.enumerated() {
            try add(
                "\(prefix)\(index).weight", shape: [layer.outputs, layer.inputs], values: layer.weights, dtype: dtype)
            try add("\(prefix)\(index).bias", shape: [layer.outputs], values: layer.bias, dtype: dtype)
        }
    }

    /// Adds a tensor of `values` (row-major, filling `shape`) to be stored as `dtype`.
    ///
    /// Only the float dtypes F32, F16, BF16 and F64 can be written; narrowing rounds to nearest even.
    public mutating func add(
        _ name: String,
        shape: [Int],
        values: [Float],
        dtype: SafetensorsFile.DType = .f32
    ) throws(SafetensorsError) {
        guard name != "__metadata__", !names.contains(name) else { throw .duplicateTensor(name) }
        guard [.f32, .f16, .bf16, .f64].contains(dtype) else {
            throw .unsupportedDType(tensor: name, dtype: dtype.rawValue)
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .badShape(tensor: name, shape: shape) }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .badShape(tensor: name, shape: shape) }
            count = product
        }
        guard values.count == count else { throw .valueCountMismatch(tensor: name, expected: count, got: values.count) }
        entries.append(Entry(name: name, dtype: dtype, shape: shape, values: values))
        names.insert(name)
    }

    /// The complete file: header length, JSON header, data.
    public func encoded() -> [UInt8] {
        var header: [String: JSONValue] = [:]
        if !metadata.isEmpty { header["__metadata__"] = .object(metadata.mapValues { .string($0) }) }
        var offset = 0
        for entry in entries {
            let end = offset + entry.values.count * entry.dtype.byteSize
            header[entry.name] = .object([
                "dtype": .string(entry.dtype.rawValue),
                "shape": .array(entry.shape.map { .number(String($0)) }),
                "data_offsets": .array([.number(String(offset)), .number(String(end))]),
            ])
            offset = end
        }
        var json = Array(JSONValue.object(header).serialized.utf8)
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        Self.append(UInt64(json.count), to: &bytes)
        bytes.append(contentsOf: json)
        for entry in entries {
            switch entry.dtype {
            case .f64: for value in entry.values { Self.append(Double(value).bitPattern, to: &bytes) }
            case .f16: for value in entry.values { Self.append(FloatFormats.half(from: value), to: &bytes) }
            case .bf16: for value in entry.values { Self.append(FloatFormats.bfloat(from: value), to: &bytes) }
            default: for value in entry.values { Self.append(value.bitPattern, to: &bytes) }
            }
        }
        return bytes
    }

    /// Writes ``encoded()`` to `path` atomically: a failure leaves any existing file untouched.
    public func write(to path: String) throws(SafetensorsError) {
        do {
            try BinaryFile.writeAtomically(encoded(), to: path)
        } catch {
            throw .io(path: path, reason: error.reason)
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
