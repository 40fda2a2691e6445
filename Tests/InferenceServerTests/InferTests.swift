import BatchProcessing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InferenceServer
import Testing

/// Infer requests that succeed: JSON and binary bodies, every accepted datatype, parameters.
@Suite struct InferTests {
    static let rows: [[Float]] = [[1, 2, 3], [-4, 0.5, 8], [0, 0, 0]]

    @Test(arguments: [false, true])
    func jsonFlatOrNested(nested: Bool) async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            let body = try TestServer.jsonBody(Self.rows, nested: nested, id: "req-7")
            try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                #expect(response.status == .ok)
                let object = try TestServer.object(response.body)
                #expect(object["id"] as? String == "req-7")
                #expect(object["model_name"] as? String == "tiny")
                let output = try #require((object["outputs"] as? [[String: Any]])?.first)
                #expect(output["name"] as? String == "output")
                #expect(output["shape"] as? [Int] == [3, 2])
                let data = try #require(output["data"] as? [Double]).map(Float.init)
                #expect(data == Self.rows.flatMap(TestServer.expected))
            }
        }
    }

    @Test func rankOneInputGetsRankOneOutput() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            let body = try TestServer.jsonBody([[1, 2, 3]], shape: [3])
            try await client.execute(uri: "/v2/models/tiny/versions/1/infer", method: .post, body: body) { response in
                #expect(response.status == .ok)
                let output = try #require((try TestServer.object(response.body)["outputs"] as? [[String: Any]])?.first)
                #expect(output["shape"] as? [Int] == [2])
                #expect((output["data"] as? [Double])?.map(Float.init) == TestServer.expected([1, 2, 3]))
            }
        }
    }

    @Test func binaryInBinaryOut() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            let (body, headerLength) = try TestServer.binaryBody(
                shape: [3, 3], datatype: "FP32", payload: TestServer.bytes(Self.rows.flatMap { $0 }))
            let headers: HTTPFields = [
                HTTPField.Name("Inference-Header-Content-Length")!: String(headerLength),
                .contentType: "application/octet-stream",
            ]
            try await client.execute(uri: TestServer.inferURI, method: .post, headers: headers, body: body) {
                response in
                #expect(response.status == .ok)
                let (header, values) = try TestServer.binaryOutput(response)
                let output = try #require((header["outputs"] as? [[String: Any]])?.first)
                #expect((output["parameters"] as? [String: Any])?["binary_data_size"] as? Int == 24)
                #expect(output["data"] == nil)
                #expect(values == Self.rows.flatMap(TestServer.expected))
            }
        }
    }

    @Test func binaryInJSONOut() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            let (body, headerLength) = try TestServer.binaryBody(
                shape: [1, 3], datatype: "FP32", payload: TestServer.bytes([Float]([1, 2, 3])), binaryOutput: false)
            let headers: HTTPFields = [HTTPField.Name("Inference-Header-Content-Length")!: String(headerLength)]
            try await client.execute(uri: TestServer.inferURI, method: .post, headers: headers, body: body) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("Inference-Header-Content-Length")!] == nil)
                let output = try #require((try TestServer.object(response.body)["outputs"] as? [[String: Any]])?.first)
                #expect((output["data"] as? [Double])?.map(Float.init) == TestServer.expected([1, 2, 3]))
            }
        }
    }

    /// Every accepted binary datatype converts to the same floats.
    @Test(arguments: ["FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"])
    func binaryDatatypesConvert(datatype: String) async throws {
        let row: [Float] = [1, 2, 3]
        let payload: [UInt8] =
            switch datatype {
            case "FP64": TestServer.bytes(row.map { Double($0).bitPattern })
            case "FP16": TestServer.bytes([UInt16(0x3C00), 0x4000, 0x4200])  // 1, 2, 3 in binary16
            case "INT8": TestServer.bytes(row.map { Int8($0) })
            case "INT16": TestServer.bytes(row.map { Int16($0) })
            case "INT32": TestServer.bytes(row.map { Int32($0) })
            case "INT64": TestServer.bytes(row.map { Int64($0) })
            case "UINT8": TestServer.bytes(row.map { UInt8($0) })
            case "UINT16": TestServer.bytes(row.map { UInt16($0) })
            case "UINT32": TestServer.bytes(row.map { UInt32($0) })
            default: TestServer.bytes(row.map { UInt64($0) })
            }
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            let (body, headerLength) = try TestServer.binaryBody(shape: [1, 3], datatype: datatype, payload: payload)
            let headers: HTTPFields = [HTTPField.Name("Inference-Header-Content-Length")!: String(headerLength)]
            try await client.execute(uri: TestServer.inferURI, method: .post, headers: headers, body: body) {
                response in
                #expect(response.status == .ok)
                let values = try TestServer.binaryOutput(response).values
                #expect(values == TestServer.expected(row))
            }
        }
    }

    @Test(arguments: ["FP64", "INT32", "UINT8"])
    func jsonDatatypesConvert(datatype: String) async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            let body = try TestServer.jsonBody([[1, 2, 3]], datatype: datatype)
            try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                #expect(response.status == .ok)
                let output = try #require((try TestServer.object(response.body)["outputs"] as? [[String: Any]])?.first)
                #expect((output["data"] as? [Double])?.map(Float.init) == TestServer.expected([1, 2, 3]))
            }
        }
    }

    @Test(arguments: [
        #"{"priority": 1}"#, #"{"priority": 0}"#, #"{"priority": 9}"#, #"{"priority": "high"}"#,
        #"{"priority": "background"}"#, #"{"timeout": 5000000}"#, #"{"priority": 2, "timeout": 30000000}"#,
    ])
    func priorityAndTimeoutParametersAreAccepted(parameters: String) async throws {
        let server = try await TestServer.make()
        let parsed = try JSONSerialization.jsonObject(with: Data(parameters.utf8))
        let body = try TestServer.jsonBody([[1, 2, 3]], parameters: try #require(parsed as? [String: Any]))
        try await TestServer.withClient(server) { client in
            try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// With the worker held, a critical request queued after a background one is computed first. The
    /// background request has 20 000 rows, split into batches of one, so it finishes long after the
    /// critical one even when the test machine is busy and tasks resume late.
    @Test func higherPriorityIsServedFirst() async throws {
        let server = try await TestServer.make {
            $0.batching.maxSize = 1
            $0.batching.initialSize = 1
            // Priority alone decides: on a loaded machine the background item could otherwise age past
            // the limit before the critical one is queued and, aged, be served first (as it should be).
            $0.queue.agingLimit = nil
        }
        let processor = server.models[0].processor
        try await TestServer.withClient(server) { client in
            processor.pause()
            let order = OrderLog()
            try await withThrowingTaskGroup(of: Void.self) { group in
                let requests: [(String, [[Float]])] = [
                    ("background", [[Float]](repeating: [1, 0, 0], count: 20_000)), ("critical", [[2, 0, 0]]),
                ]
                for (index, (level, rows)) in requests.enumerated() {
                    let body = try TestServer.jsonBody(rows, parameters: ["priority": level])
                    group.addTask {
                        try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                            #expect(response.status == .ok)
                            await order.append(level)
                        }
                    }
                    // Queue them in this order.
                    while processor.stats().queueSize < index + 1 { try await Task.sleep(for: .milliseconds(2)) }
                }
                processor.resume()
                try await group.waitForAll()
            }
            #expect(await order.levels == ["critical", "background"])
        }
    }
}

/// The order in which concurrent requests completed.
actor OrderLog {
    var levels: [String] = []
    func append(_ level: String) { levels.append(level) }
}
