import BatchProcessing
import DenseBatching
import DenseKernels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InferenceServer
import Logging
import Testing

/// A server over a tiny exact model, so expected outputs are plain arithmetic.
enum TestServer {
    /// 3 → 2, identity: out = [x0 + 0.5, 2·x1 + x2 − 1], exact in Float for small values.
    static func tinyModel() throws -> DenseModel {
        let layer = try DenseLayer(
            weights: [1, 0, 0, 0, 2, 1], bias: [0.5, -1], outputs: 2, inputs: 3, activation: .identity)
        return try DenseModel(layers: [layer])
    }

    static func expected(_ row: [Float]) -> [Float] { [row[0] + 0.5, 2 * row[1] + row[2] - 1] }

    static var logger: Logger {
        var logger = Logger(label: "InferenceServerTests")
        logger.logLevel = .warning
        return logger
    }

    /// A server for the tiny model named `tiny`; warmed unless `warm` is false.
    static func make(
        warm: Bool = true,
        maxQueueSize: Int = 64,
        maxBodyBytes: Int = 1 << 20,
        configure: (inout BatchProcessorConfiguration) -> Void = { _ in }
    ) async throws -> InferenceServer {
        var processor = BatchProcessorConfiguration()
        processor.batching.maxSize = 8
        processor.batching.initialSize = 8
        processor.batching.timeout = .milliseconds(1)
        processor.workers.count = 1
        processor.queue.capacity = maxQueueSize
        processor.health.queueWarning = max(1, maxQueueSize / 2)
        processor.health.queueCritical = max(2, maxQueueSize * 3 / 4)
        processor.health.enabled = false
        processor.monitoring.metricsLabel = nil
        configure(&processor)
        let served = try ServedModel(
            name: "tiny", model: tinyModel(), configuration: processor, options: .init { $0.nonFiniteInputs = .reject },
            logger: logger)
        var configuration = ServerConfiguration()
        configuration.maxBodyBytes = maxBodyBytes
        configuration.bodyTimeout = .seconds(2)
        let server = InferenceServer(models: [served], configuration: configuration, logger: logger)
        if warm { try await server.warmUp() }
        return server
    }

    /// Runs `test` against the server's router, stopping its processors afterwards.
    static func withClient(
        _ server: InferenceServer, _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let app = Application(router: server.makeRouter())
        do {
            try await app.test(.router) { client in try await test(client) }
        } catch {
            await server.stopProcessors(timeout: .seconds(1))
            throw error
        }
        await server.stopProcessors(timeout: .seconds(1))
    }

    /// The body parsed as a JSON object.
    static func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        let data = Data(buffer.readableBytesView)
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The error message of a JSON error body.
    static func errorMessage(_ buffer: ByteBuffer) throws -> String {
        try #require(object(buffer)["error"] as? String)
    }

    /// A JSON infer body for `rows` with `shape`, data nested by row when `nested`.
    static func jsonBody(
        _ rows: [[Float]], shape: [Int]? = nil, datatype: String = "FP32", nested: Bool = false,
        id: String? = nil, parameters: [String: Any]? = nil, binaryOutput: Bool? = nil
    ) throws -> ByteBuffer {
        var input: [String: Any] = [
            "name": "input", "datatype": datatype, "shape": shape ?? [rows.count, rows.first?.count ?? 0],
            "data": nested ? rows.map { $0.map(Double.init) } : rows.flatMap { $0.map(Double.init) },
        ]
        input["parameters"] = [String: Any]()
        var request: [String: Any] = ["inputs": [input]]
        if let id { request["id"] = id }
        if let parameters { request["parameters"] = parameters }
        if let binaryOutput {
            request["outputs"] = [["name": "output", "parameters": ["binary_data": binaryOutput]]]
        }
        return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: request))
    }

    /// A binary-extension body: JSON header, then `payload`; returns the body and the header length.
    static func binaryBody(
        shape: [Int], datatype: String, payload: [UInt8], binaryOutput: Bool = true
    ) throws -> (ByteBuffer, Int) {
        let request: [String: Any] = [
            "inputs": [
                [
                    "name": "input", "datatype": datatype, "shape": shape,
                    "parameters": ["binary_data_size": payload.count],
                ]
            ],
            "outputs": [["name": "output", "parameters": ["binary_data": binaryOutput]]],
        ]
        let header = try JSONSerialization.data(withJSONObject: request)
        var buffer = ByteBuffer(bytes: header)
        buffer.writeBytes(payload)
        return (buffer, header.count)
    }

    /// The little-endian bytes of `values`.
    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    static func bytes(_ values: [Float]) -> [UInt8] { bytes(values.map(\.bitPattern)) }

    /// The floats of a binary response's tensor part.
    static func binaryOutput(_ response: TestResponse) throws -> (header: [String: Any], values: [Float]) {
        let length = try #require(
            response.headers[HTTPField.Name("Inference-Header-Content-Length")!].flatMap { Int($0) })
        let body = response.body
        let header = try #require(body.getSlice(at: body.readerIndex, length: length))
        let rest = Array(body.readableBytesView.dropFirst(length))
        let values = stride(from: 0, to: rest.count, by: 4).map { offset in
            Float(
                bitPattern: UInt32(rest[offset]) | UInt32(rest[offset + 1]) << 8 | UInt32(rest[offset + 2]) << 16
                    | UInt32(rest[offset + 3]) << 24)
        }
        return (try object(header), values)
    }

    static let inferURI = "/v2/models/tiny/infer"
}
