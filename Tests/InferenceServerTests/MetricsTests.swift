import BatchProcessing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InferenceServer
import Prometheus
import Testing

/// `GET /metrics`: Prometheus text that parses, with the HTTP and per-model series.
@Suite struct MetricsTests {
    /// One sample line: `name{labels} value`, with the value a Prometheus float.
    static func parse(_ line: Substring) -> (name: String, labels: String, value: Double)? {
        guard let space = line.lastIndex(of: " ") else { return nil }
        let series = line[..<space]
        let valueText = line[line.index(after: space)...]
        let value: Double? =
            switch valueText {
            case "+Inf": .infinity
            case "-Inf": -.infinity
            case "NaN": .nan
            default: Double(valueText)
            }
        guard let value else { return nil }
        let name: Substring
        var labels = ""
        if let brace = series.firstIndex(of: "{") {
            guard series.last == "}" else { return nil }
            name = series[..<brace]
            labels = String(series[brace...])
        } else {
            name = series
        }
        let valid =
            !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
        return valid ? (String(name), labels, value) : nil
    }

    @Test func expositionParsesAndCountsRequests() async throws {
        let server = try await TestServer.make()
        try await TestServer.withClient(server) { client in
            try await client.execute(
                uri: TestServer.inferURI, method: .post, body: try TestServer.jsonBody([[1, 2, 3]])
            ) { _ in }
            try await client.execute(uri: "/v2/models/nope/infer", method: .post, body: ByteBuffer(string: "{}")) { _ in
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                var samples: [(name: String, labels: String, value: Double)] = []
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    let sample = Self.parse(line)
                    #expect(sample != nil, "unparsable line: \(line)")
                    if let sample { samples.append(sample) }
                }
                func value(_ name: String, _ fragments: [String]) -> Double? {
                    samples.first { $0.name == name && fragments.allSatisfy($0.labels.contains) }?.value
                }
                #expect(value("batchkit_http_requests_total", ["status=\"200\"", "infer"]) == 1)
                #expect(value("batchkit_http_requests_total", ["status=\"404\""]) == 1)
                #expect(value("batchkit_http_request_duration_seconds_count", ["infer"]) == 2)
                #expect(value("batchkit_http_requests_in_flight", []) == 1)  // this scrape
                #expect(value("batchkit_queue_depth", ["model=\"tiny\""]) == 0)
                #expect(text.contains("# TYPE batchkit_http_request_duration_seconds histogram"))
            }
        }
    }

    /// The bridge for the processors' swift-metrics instruments: model and replica labels, `_seconds` on timers.
    @Test func processorInstrumentNamesAreSanitized() {
        let registry = PrometheusRegistryProbe.make()
        let factory = ServerMetrics.makeMetricsFactory(registry: registry, replicaID: "r2")
        let (name, labels) = factory.nameAndLabelSanitizer("model=tiny|batch_processor_queue_time", [])
        #expect(name == "batch_processor_queue_time_seconds")
        #expect(labels.map(\.0) == ["model", "replica"])
        #expect(labels.map(\.1) == ["tiny", "r2"])
        let (plain, plainLabels) = factory.nameAndLabelSanitizer("other_total", [("a", "b")])
        #expect(plain == "other_total")
        #expect(plainLabels.count == 2)
    }
}
