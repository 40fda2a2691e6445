import BatchProcessing
import DenseKernels
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// One infer request, checked against its model: the rows as `Float`s, how to answer, and the
/// scheduling parameters.
struct InferInput: Sendable {
    /// `k × inputWidth` values, row-major.
    var values: [Float]
    /// Rows in the request.
    var rows: Int
    /// Whether the request's input had rank 1 (`[d]`), so the output is answered as `[outputWidth]`.
    var rankOne: Bool
    /// The request `id`, echoed.
    var id: String?
    /// Whether the output goes back in the binary tensor data extension.
    var binaryOutput: Bool
    /// The item's priority (`parameters.priority`).
    var priority: BatchPriority
    /// The request's own deadline (`parameters.timeout`, in microseconds as Triton defines it).
    var timeout: Duration?

    /// Parses and checks a request body; every problem is a 400 that names the fix.
    ///
    /// - Parameter headerLength: the `Inference-Header-Content-Length` header: the body's first that
    ///   many bytes are JSON and binary tensors follow; without it the whole body is JSON.
    static func parse(body: ByteBuffer, headerLength: String?, model served: ServedModel) throws(ServerError)
        -> InferInput
    {
        let total = body.readableBytes
        var jsonLength = total
        if let headerLength {
            guard let length = Int(headerLength), length >= 0, length <= total else {
                throw .badRequest(
                    "Inference-Header-Content-Length is '\(headerLength)' but the body has \(total) bytes; "
                        + "it must be the byte length of the JSON part")
            }
            jsonLength = length
        }
        let header: InferRequestHeader
        do {
            let json = Data(body.readableBytesView.prefix(jsonLength))
            header = try JSONDecoder().decode(InferRequestHeader.self, from: json)
        } catch {
            throw .badRequest("the request is not a valid inference request: \(describe(error))")
        }

        let width = served.model.inputWidth
        guard header.inputs.count == 1, let input = header.inputs.first else {
            throw .badRequest(
                "model '\(served.name)' takes exactly one input ('\(ServedModel.inputName)', FP32 [-1, \(width)]); "
                    + "got \(header.inputs.count)")
        }
        guard let datatype = TensorDatatype(rawValue: input.datatype) else {
            throw .badRequest(
                "input '\(input.name)' has datatype '\(input.datatype)'; send one of \(TensorDatatype.names) "
                    + "(FP32 is used as is, the others are converted)")
        }
        let shape = input.shape
        let rows: Int
        switch shape.count {
        case 1 where shape[0] == width: rows = 1
        case 2 where shape[1] == width && shape[0] >= 1: rows = shape[0]
        default:
            throw .badRequest(
                "input '\(input.name)' has shape \(shape); model '\(served.name)' takes [k, \(width)] "
                    + "(k ≥ 1 rows of \(width) features) or [\(width)]")
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: width)
        guard !overflow else { throw .badRequest("input shape \(shape) is too large") }

        let values: [Float]
        if let size = input.parameters?["binary_data_size"] {
            guard let bytes = size.integer, bytes == Int64(count) * Int64(datatype.byteWidth) else {
                throw .badRequest(
                    "input '\(input.name)' declares binary_data_size \(size) but shape \(shape) of \(datatype.rawValue) "
                        + "needs \(count * datatype.byteWidth) bytes")
            }
            guard input.data == nil else {
                throw .badRequest("input '\(input.name)' has both binary_data_size and data; send one of them")
            }
            let available = total - jsonLength
            guard available == Int(bytes) else {
                throw .badRequest(
                    "the body has \(available) bytes after the JSON header but input '\(input.name)' declares "
                        + "\(bytes); set Inference-Header-Content-Length to the JSON part's length")
            }
            values = body.withUnsafeReadableBytes { raw in
                datatype.floats(from: UnsafeRawBufferPointer(rebasing: raw[jsonLength...]), count: count)
            }
        } else if let data = input.data {
            guard data.values.count == count else {
                throw .badRequest(
                    "input '\(input.name)' has \(data.values.count) values but shape \(shape) needs \(count)")
            }
            guard jsonLength == total else {
                throw .badRequest("the body has bytes after the JSON but no input declares binary_data_size")
            }
            values = data.values
        } else {
            throw .badRequest("input '\(input.name)' has neither data nor parameters.binary_data_size")
        }

        var binaryOutput = header.parameters?["binary_data_output"]?.boolean ?? false
        for output in header.outputs ?? [] {
            guard output.name == ServedModel.outputName else {
                throw .badRequest(
                    "model '\(served.name)' has one output, '\(ServedModel.outputName)'; got a request for '\(output.name)'"
                )
            }
            if let binary = output.parameters?["binary_data"]?.boolean { binaryOutput = binary }
        }

        return InferInput(
            values: values, rows: rows, rankOne: shape.count == 1, id: header.id, binaryOutput: binaryOutput,
            priority: try priority(header.parameters?["priority"]), timeout: try timeout(header.parameters?["timeout"]))
    }

    /// `parameters.priority`: a level name (`high`), or Triton's integer (0 the default, 1 the highest).
    static func priority(_ value: ParameterValue?) throws(ServerError) -> BatchPriority {
        guard let value else { return .normal }
        if case .string(let name) = value, let level = BatchPriority(name: name) { return level }
        if let level = value.integer, level >= 0 {
            // Triton: 0 is the model's default; 1 is the highest, larger numbers lower.
            return level == 0 ? .normal : BatchPriority(rawValue: Int(min(level - 1, 4))) ?? .background
        }
        let names = BatchPriority.allCases.map(\.description).joined(separator: ", ")
        throw .badRequest("parameters.priority must be 0 (default), 1 (highest) … 5, or one of \(names)")
    }

    /// `parameters.timeout`: microseconds, as Triton and `tritonclient`'s `timeout=` define it.
    static func timeout(_ value: ParameterValue?) throws(ServerError) -> Duration? {
        guard let value else { return nil }
        guard let micros = value.integer, micros > 0 else {
            throw .badRequest("parameters.timeout must be a positive number of microseconds")
        }
        return .microseconds(micros)
    }

    /// A decoding error in one line, with the JSON path where it has one.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type\(path(context)) (data must be numbers, flat or nested)"
        case .dataCorrupted(let context): return "malformed JSON\(path(context))"
        @unknown default: return "\(error)"
        }
    }

    /// The answer: JSON, or a JSON header followed by the output's bytes when binary output was asked for.
    func response(output: [Float], model served: ServedModel) -> Response {
        let width = served.model.outputWidth
        var text = "{\"model_name\":"
        JSONText.appendString(served.name, to: &text)
        text += ",\"model_version\":\"\(ServedModel.version)\""
        if let id {
            text += ",\"id\":"
            JSONText.appendString(id, to: &text)
        }
        let shape = rankOne ? "[\(width)]" : "[\(rows),\(width)]"
        text += ",\"outputs\":[{\"name\":\"\(ServedModel.outputName)\",\"datatype\":\"FP32\",\"shape\":\(shape)"
        if binaryOutput {
            let bytes = output.count * MemoryLayout<Float>.size
            text += ",\"parameters\":{\"binary_data_size\":\(bytes)}}]}"
            let headerBytes = text.utf8.count
            var buffer = ByteBuffer()
            buffer.reserveCapacity(headerBytes + bytes)
            buffer.writeString(text)
            output.withUnsafeBytes { _ = buffer.writeBytes($0) }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/octet-stream",
                    InferenceServer.inferenceHeaderLength: String(headerBytes),
                ],
                body: .init(byteBuffer: buffer))
        }
        text += ",\"data\":["
        text.reserveCapacity(text.utf8.count + output.count * 12)
        for (index, value) in output.enumerated() {
            if index > 0 { text += "," }
            JSONText.appendNumber(value, to: &text)
        }
        text += "]}]}"
        return InferenceServer.json(text)
    }
}
