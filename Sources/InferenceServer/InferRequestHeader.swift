/// The JSON part of a `POST /v2/models/{name}/infer` request, as the Open Inference Protocol lays it out.
///
/// With the binary tensor data extension this is only the header: inputs then carry
/// `parameters.binary_data_size` and their bytes follow the JSON in the body.
struct InferRequestHeader: Decodable, Sendable {
    /// One input tensor.
    struct Input: Decodable, Sendable {
        var name: String
        var shape: [Int]
        var datatype: String
        var parameters: [String: ParameterValue]?
        var data: TensorData?
    }

    /// One requested output.
    struct Output: Decodable, Sendable {
        var name: String
        var parameters: [String: ParameterValue]?
    }

    var id: String?
    var parameters: [String: ParameterValue]?
    var inputs: [Input]
    var outputs: [Output]?

    enum CodingKeys: String, CodingKey {
        case id, parameters, inputs, outputs
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // The protocol says `id` is a string; clients that send a number still get it echoed.
        if let text = try? container.decodeIfPresent(String.self, forKey: .id) {
            id = text
        } else if let number = try? container.decodeIfPresent(Int64.self, forKey: .id) {
            id = String(number)
        } else {
            id = nil
        }
        parameters = try container.decodeIfPresent([String: ParameterValue].self, forKey: .parameters)
        inputs = try container.decode([Input].self, forKey: .inputs)
        outputs = try container.decodeIfPresent([Output].self, forKey: .outputs)
    }
}

/// A `parameters` value: the protocol allows a boolean, a number or a string.
enum ParameterValue: Decodable, Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    /// The value as an integer, if it is one (a whole double counts).
    var integer: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9e18: Int64(value)
        default: nil
        }
    }

    /// The value as a boolean, if it is one.
    var boolean: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}

/// A tensor's `data`: flat or nested arrays of numbers, flattened in row-major order.
struct TensorData: Decodable, Sendable {
    var values: [Float]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Flat is the common case and decodes in one call; nested arrays are flattened level by level.
        if let flat = try? container.decode([Float].self) {
            values = flat
            return
        }
        let nested = try container.decode([TensorData].self)
        var values: [Float] = []
        values.reserveCapacity(nested.reduce(0) { $0 + $1.values.count })
        for part in nested { values += part.values }
        self.values = values
    }
}
