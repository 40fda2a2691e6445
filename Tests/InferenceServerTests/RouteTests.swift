import BatchProcessing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InferenceServer
import Testing

/// Health, metadata and readiness routes.
@Suite struct RouteTests {
    @Test func liveAndReadyAfterWarmUp() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await client.execute(uri: "/v2/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v2/health/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v2/models/tiny/ready", method: .get) { response in
                #expect(response.status == .ok)
                let object = try TestServer.object(response.body)
                #expect(object["ready"] as? Bool == true)
            }
            try await client.execute(uri: "/v2/models/tiny/versions/1/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func notReadyBeforeWarmUpButLive() async throws {
        let server = try await TestServer.make(warm: false)
        try await TestServer.withClient(server) { client in
            try await client.execute(uri: "/v2/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v2/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                let message = try TestServer.errorMessage(response.body)
                #expect(message.contains("loading"), "\(message)")
            }
            try await client.execute(uri: "/v2/models/tiny/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            let body = try TestServer.jsonBody([[1, 2, 3]])
            try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
            }
        }
    }

    @Test func drainingTurnsReadinessOff() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            server.beginDrain()
            try await client.execute(uri: "/v2/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let message = try TestServer.errorMessage(response.body)
                #expect(message.contains("shutting down"), "\(message)")
            }
            // Liveness stays: the process is fine, it is only leaving.
            try await client.execute(uri: "/v2/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
            // Requests that still arrive while draining are answered.
            let body = try TestServer.jsonBody([[1, 2, 3]])
            try await client.execute(uri: TestServer.inferURI, method: .post, body: body) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func serverMetadata() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await client.execute(uri: "/v2", method: .get) { response in
                #expect(response.status == .ok)
                let object = try TestServer.object(response.body)
                #expect(object["name"] as? String == "batchkit")
                #expect((object["extensions"] as? [String])?.contains("binary_tensor_data") == true)
            }
        }
    }

    @Test(arguments: ["/v2/models/tiny", "/v2/models/tiny/versions/1"])
    func modelMetadata(uri: String) async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok)
                let object = try TestServer.object(response.body)
                #expect(object["name"] as? String == "tiny")
                let inputs = try #require(object["inputs"] as? [[String: Any]])
                #expect(inputs.first?["name"] as? String == "input")
                #expect(inputs.first?["datatype"] as? String == "FP32")
                #expect(inputs.first?["shape"] as? [Int] == [-1, 3])
                let outputs = try #require(object["outputs"] as? [[String: Any]])
                #expect(outputs.first?["shape"] as? [Int] == [-1, 2])
            }
        }
    }

    @Test(arguments: [
        "/v2/models/nope", "/v2/models/nope/ready", "/v2/models/tiny/versions/2", "/v2/models/tiny/versions/2/ready",
    ])
    func unknownModelOrVersionIs404(uri: String) async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .notFound)
                let message = try TestServer.errorMessage(response.body)
                #expect(!message.isEmpty)
            }
        }
    }

    @Test func unknownRouteIsJSON404() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await client.execute(uri: "/v3/whatever", method: .get) { response in
                #expect(response.status == .notFound)
                let message = try TestServer.errorMessage(response.body)
                #expect(!message.isEmpty)
            }
        }
    }
}
