import BatchProcessing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InferenceServer
import Testing

/// Every refusal: its status, its JSON message, and that it leaves nothing queued behind.
@Suite struct ErrorTests {
    static let headerName = HTTPField.Name("Inference-Header-Content-Length")!

    /// Posts `body` and checks the status and that the answer is a JSON error mentioning `fragment`.
    static func expectError(
        _ client: any TestClientProtocol, body: ByteBuffer, headers: HTTPFields = [:],
        uri: String = TestServer.inferURI,
        status: HTTPResponse.Status, mentioning fragment: String
    ) async throws {
        try await client.execute(uri: uri, method: .post, headers: headers, body: body) { response in
            #expect(response.status == status)
            let message = try TestServer.errorMessage(response.body)
            #expect(message.contains(fragment), "\(message)")
        }
    }

    @Test(arguments: [
        ("{not json", "malformed JSON"),
        ("{\"inputs\": 3}", "wrong type"),
        ("{}", "missing 'inputs'"),
        (
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,\"a\",3]}]}",
            "wrong type"
        ),
        (
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"BYTES\",\"data\":[1,2,3]}]}",
            "datatype 'BYTES'"
        ),
        (
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"BOOL\",\"data\":[1,2,3]}]}",
            "datatype 'BOOL'"
        ),
        (
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}",
            "takes [k, 3]"
        ),
        ("{\"inputs\":[{\"name\":\"input\",\"shape\":[2,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}", "needs 6"),
        ("{\"inputs\":[{\"name\":\"input\",\"shape\":[0,3],\"datatype\":\"FP32\",\"data\":[]}]}", "takes [k, 3]"),
        ("{\"inputs\":[]}", "exactly one input"),
        ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\"}]}", "neither data"),
        (
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}],"
                + "\"outputs\":[{\"name\":\"logits\"}]}", "'logits'"
        ),
        (
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}],"
                + "\"parameters\":{\"priority\":\"urgent\"}}", "parameters.priority"
        ),
        (
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}],"
                + "\"parameters\":{\"timeout\":-5}}", "parameters.timeout"
        ),
    ])
    func malformedRequestsAre400(body: String, fragment: String) async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await Self.expectError(
                client, body: ByteBuffer(string: body), status: .badRequest, mentioning: fragment)
            #expect(server.models[0].processor.stats().queueSize == 0)
        }
    }

    @Test func binaryBodyErrorsAre400() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            // Declared size disagrees with the shape.
            let (short, shortLength) = try TestServer.binaryBody(
                shape: [1, 3], datatype: "FP32", payload: TestServer.bytes([Float]([1, 2])))
            try await Self.expectError(
                client, body: short, headers: [Self.headerName: String(shortLength)], status: .badRequest,
                mentioning: "binary_data_size")
            // Header length beyond the body.
            let (body, _) = try TestServer.binaryBody(
                shape: [1, 3], datatype: "FP32", payload: TestServer.bytes([Float]([1, 2, 3])))
            try await Self.expectError(
                client, body: body, headers: [Self.headerName: "999999"], status: .badRequest,
                mentioning: "Inference-Header-Content-Length")
            // Binary tensor but no header length: the whole body is taken as JSON, which it is not.
            try await Self.expectError(client, body: body, status: .badRequest, mentioning: "malformed JSON")
        }
    }

    @Test func nonFiniteValuesAre400() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            let (body, length) = try TestServer.binaryBody(
                shape: [1, 3], datatype: "FP32", payload: TestServer.bytes([Float]([1, .nan, 3])))
            try await Self.expectError(
                client, body: body, headers: [Self.headerName: String(length)], status: .badRequest,
                mentioning: "finite")
            #expect(server.models[0].processor.stats().queueSize == 0)
        }
    }

    @Test func unknownModelIs404() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await Self.expectError(
                client, body: try TestServer.jsonBody([[1, 2, 3]]), uri: "/v2/models/resnet/infer", status: .notFound,
                mentioning: "serves: tiny")
        }
    }

    @Test func oversizedBodyIs413() async throws {
        let server = try await TestServer.make(maxBodyBytes: 2048)
        try await TestServer.withClient(server) { client in
            let rows = [[Float]](repeating: [1, 2, 3], count: 400)
            try await Self.expectError(
                client, body: try TestServer.jsonBody(rows), status: .contentTooLarge, mentioning: "--max-body-bytes")
        }
    }

    @Test func queueFullIs429WithRetryAfter() async throws {
        let server = try await TestServer.make(maxQueueSize: 1)
        let processor = server.models[0].processor
        try await TestServer.withClient(server) { client in
            processor.pause()
            try await withThrowingTaskGroup(of: Void.self) { group in
                let body = try TestServer.jsonBody([[1, 2, 3]])
                group.addTask {
                    try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                        #expect(response.status == .ok)
                    }
                }
                while processor.stats().queueSize < 1 { try await Task.sleep(for: .milliseconds(2)) }
                try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.retryAfter] == "1")
                    let message = try TestServer.errorMessage(response.body)
                    #expect(message.contains("capacity"), "\(message)")
                }
                processor.resume()
                try await group.waitForAll()
            }
            #expect(processor.stats().queueSize == 0)
        }
    }

    @Test func requestTimeoutIs504AndWithdrawsTheItem() async throws {
        let server = try await TestServer.make()
        let processor = server.models[0].processor
        try await TestServer.withClient(server) { client in
            processor.pause()
            let body = try TestServer.jsonBody([[1, 2, 3]], parameters: ["timeout": 30_000])
            try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                #expect(response.status == .gatewayTimeout)
                let message = try TestServer.errorMessage(response.body)
                #expect(message.contains("timeout"), "\(message)")
            }
            #expect(processor.stats().queueSize == 0)
            processor.resume()
        }
    }

    @Test func processorItemTimeoutIs504() async throws {
        let server = try await TestServer.make { $0.batching.itemTimeout = .milliseconds(30) }
        let processor = server.models[0].processor
        try await TestServer.withClient(server) { client in
            processor.pause()
            try await Self.expectError(
                client, body: try TestServer.jsonBody([[1, 2, 3]]), status: .gatewayTimeout, mentioning: "itemTimeout")
            processor.resume()
        }
    }

    @Test func stoppedProcessorIs503WithRetryAfter() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            await server.stopProcessors(timeout: .seconds(1))
            try await client.execute(
                uri: TestServer.inferURI, method: .post, body: try TestServer.jsonBody([[1, 2, 3]])
            ) {
                response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
            }
            try await client.execute(uri: "/v2/models/tiny/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test func overloadedIs429() {
        let error = ServerError(.overloaded(predicted: .milliseconds(90), objective: .milliseconds(50)), model: "m")
        #expect(error.status == .tooManyRequests)
        #expect(error.retryAfterSeconds == 1)
    }

    @Test func circuitOpenIs503() {
        let error = ServerError(.circuitOpen(retryAfter: .seconds(5)), model: "m")
        #expect(error.status == .serviceUnavailable)
        #expect(error.retryAfterSeconds != nil)
    }
}
