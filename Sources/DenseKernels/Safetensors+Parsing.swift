extension SafetensorsFile {
    /// Validates the JSON header against a data section of `dataSize` bytes.
    ///
    /// Checks run in the order a reader relies on them: entry form, dtype, shape (sign, then overflow of
    /// the byte size), offsets within the data, and finally that the range holds exactly the tensor.
    static func parseHeader(
        _ header: [UInt8],
        dataSize: Int
    ) throws(SafetensorsError) -> (metadata: [String: String], tensors: [String: TensorInfo]) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(header)
        } catch {
            throw .invalidHeader("not valid JSON: \(error.message) at header byte \(error.offset)")
        }
        guard case .object(let entries) = json else {
            throw .invalidHeader("the header is \(json.kind), expected a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        for (name, entry) in entries {
            if name == "__metadata__" {
                metadata = try parseMetadata(entry)
            } else {
                tensors[name] = try parseTensor(name, entry, dataSize: dataSize)
            }
        }
        return (metadata, tensors)
    }

    private static func parseMetadata(_ entry: JSONValue) throws(SafetensorsError) -> [String: String] {
        guard case .object(let members) = entry else {
            throw .invalidHeader("__metadata__ is \(entry.kind), expected an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value else {
                throw .invalidHeader("__metadata__ value for '\(key)' is \(value.kind), expected a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseTensor(
        _ name: String,
        _ entry: JSONValue,
        dataSize: Int
    ) throws(SafetensorsError) -> TensorInfo {
        guard case .object(let fields) = entry else {
            throw .invalidHeader("entry '\(name)' is \(entry.kind), expected an object")
        }
        guard let dtypeField = fields["dtype"] else { throw .missingField(tensor: name, field: "dtype") }
        guard let shapeField = fields["shape"] else { throw .missingField(tensor: name, field: "shape") }
        guard let offsetsField = fields["data_offsets"] else {
            throw .missingField(tensor: name, field: "data_offsets")
        }

        guard case .string(let dtypeName) = dtypeField else {
            throw .invalidHeader("tensor '\(name)': dtype is \(dtypeField.kind), expected a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unknownDType(tensor: name, dtype: dtypeName) }

        let shape = try integers(shapeField, tensor: name, field: "shape")
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .badShape(tensor: name, shape: shape) }
        var byteCount = dtype.byteSize
        for dimension in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .badShape(tensor: name, shape: shape) }
            byteCount = product
        }

        let offsets = try integers(offsetsField, tensor: name, field: "data_offsets")
        guard offsets.count == 2 else {
            throw .invalidHeader("tensor '\(name)': data_offsets has \(offsets.count) values, expected [begin, end]")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw .offsetsOutOfRange(tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        guard end - begin == byteCount else {
            throw .byteCountMismatch(tensor: name, expected: byteCount, got: end - begin)
        }
        return TensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    private static func integers(_ value: JSONValue, tensor: String, field: String) throws(SafetensorsError) -> [Int] {
        guard case .array(let elements) = value else {
            throw .invalidHeader("tensor '\(tensor)': \(field) is \(value.kind), expected an array of integers")
        }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let integer = element.integer else {
                // Truncated so a hostile header cannot turn into a megabyte-long error message.
                let shown = String(element.serialized.prefix(40))
                throw .invalidHeader("tensor '\(tensor)': \(field) holds \(shown), expected a 64-bit integer")
            }
            result.append(integer)
        }
        return result
    }
}
