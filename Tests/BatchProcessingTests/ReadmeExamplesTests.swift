import BatchProcessing
import DenseBatching
import DenseKernels
import Foundation
import Testing

/// The examples of the README and of the DocC catalogs' root pages and articles, compiled and run, so the
/// documentation cannot drift from the API.
@Suite struct ReadmeExamplesTests {
    @Test func processingFunction() async throws {
        let processor = try BatchProcessor<[Double], Double>(configuration: .lowLatency)
        try processor.start { batch in batch.map { $0.reduce(0, +) } }

        let sum = try await processor.predict([1, 2, 3], priority: .high)
        #expect(sum == 6)
        await processor.stop()
    }

    @Test func denseModelFuturesStreamsAndErrors() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = try SafetensorsWriter(model: .mlp1024())
        writer.metadata["activations"] = "relu,relu,softmax"
        try writer.write(to: path)
        let features = [Float](repeating: 0.5, count: 1024)

        let model = try DenseModel(safetensors: path)
        let processor = try BatchProcessor<[Float], [Float]>(
            configuration: .init {
                $0.batching.maxSize = 256
                $0.batching.timeout = .milliseconds(5)
                $0.memory.maxBatchMB = 64
            })
        try processor.start(model: model)
        let probabilities = try await processor.predict(features)
        #expect(probabilities.count == 10)

        let fromThread = try Self.fromOrdinaryThread(processor, features)
        #expect(fromThread == probabilities)

        let many = [[Float]](repeating: features, count: 5)
        let outputs = try await processor.predict(contentsOf: many)
        let futures = await processor.enqueuePredict(contentsOf: many)
        #expect(outputs.count == 5 && futures.count == 5)
        // The same row in batches of different sizes: equal to float32 rounding, not bit for bit (the
        // small-batch kernel and OpenBLAS sum in different orders, and the batches formed depend on timing).
        let fifth = try await futures[4].value
        #expect(fifth.count == outputs[0].count)
        for (got, expected) in zip(fifth, outputs[0]) {
            #expect(abs(got - expected) <= 1e-6 + 1e-5 * abs(expected), "\(got) against \(expected)")
        }

        let rows = AsyncStream<[Float]> { continuation in
            for _ in 0..<3 { continuation.yield(features) }
            continuation.finish()
        }
        var written = 0
        for try await result in processor.results(for: rows, maxInFlight: 64) {
            switch result {
            case .success(let output): written += output.count
            case .failure(let error): Issue.record("\(error)")
            }
        }
        #expect(written == 30)

        #expect(try await Self.shedLoad(processor, features))
        await processor.stop()
    }

    /// The health and alerts example of the HealthAlertsAndMetrics article, with a stand-in pager.
    static func healthAndAlerts(_ processor: BatchProcessor<[Float], [Float]>) async {
        struct Pager { func send(_ message: String) { print(message) } }
        let pager = Pager()
        let report = processor.health()  // status, reasons, and the figures judged
        #expect(!report.reasons.isEmpty || report.status == .healthy)
        for await event in processor.alerts() {  // changes only: thresholdCrossed, recovered, statusChanged
            pager.send(event.message)
            break
        }
    }

    /// The DenseKernels catalog's forward-pass example.
    @Test func denseKernelsForward() throws {
        let model = DenseModel.mlp1024()
        let workspace = DenseWorkspace(model: model, maxRows: 64)
        let input = Slab(rows: 64, columns: model.inputWidth)
        let output = Slab(rows: 64, columns: model.outputWidth)
        for index in input.buffer.indices { input.buffer[index] = 0.5 }
        model.forward(input.view(rows: 64), into: output.view(rows: 64), workspace: workspace)
        #expect(output.buffer.prefix(10).reduce(0, +) > 0.99)
    }

    /// The README's error example: returns whether the item went through.
    static func shedLoad(_ processor: BatchProcessor<[Float], [Float]>, _ features: [Float]) async throws -> Bool {
        do {
            _ = try await processor.predict(features)
        } catch  where error.code == .queueFull {
            return false
        }
        return true
    }

    /// The README's blocking example; a synchronous context selects the blocking overloads.
    static func fromOrdinaryThread(_ processor: BatchProcessor<[Float], [Float]>, _ features: [Float]) throws -> [Float]
    {
        let future = try processor.enqueuePredict(features, timeout: .milliseconds(50), priority: .normal)
        let output = try future.result()
        let maybe = try future.result(timeout: .milliseconds(5))
        try processor.enqueue(features)
        return maybe ?? output
    }
}
