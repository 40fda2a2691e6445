import BatchProcessing
import Benchmark
import DenseBatching
import DenseKernels
import Logging

// Hot paths of the dense serving path, one benchmark each: wall clock, throughput and mallocs per
// iteration. ARC metrics are left out on purpose: their runtime interposer crashes on Linux here.
// Each benchmark runs in its own process, so the lazily started processor below is per benchmark.

/// A processor configured as `batchkit bench` configures it, started on first use.
let linear256Processor: BatchProcessor<[Float], [Float]> = {
    var logger = Logger(label: "HotPaths")
    logger.logLevel = .warning
    let processor = try! BatchProcessor<[Float], [Float]>(
        configuration: .init {
            $0.batching.strategy = .greedy
            $0.batching.maxSize = 256
            $0.batching.initialSize = 256
            $0.batching.timeout = .milliseconds(2)
            $0.workers.count = 2
            $0.health.enabled = false
        },
        logger: logger)
    try! processor.start(model: .linear256())
    return processor
}()

/// Deterministic rows; submitting one passes the array by reference, so the input allocates nothing.
func makeRows(_ count: Int, width: Int) -> [[Float]] {
    var generator = SplitMix64(seed: 3)
    return (0..<count).map { _ in (0..<width).map { _ in Float.random(in: -1...1, using: &generator) } }
}

let rows256 = makeRows(256, width: 256)

/// Slabs and a workspace made once, so every sample times a warm forward pass rather than page faults.
final class ForwardFixture: Sendable {
    let model: DenseModel
    let input: Slab
    let output: Slab
    let workspace: DenseWorkspace
    let batch: Int

    init(_ model: DenseModel, batch: Int) {
        self.model = model
        self.batch = batch
        input = Slab(rows: batch, columns: model.inputWidth)
        for index in input.buffer.indices { input.buffer[index] = Float(index % 7) * 0.1 }
        output = Slab(rows: batch, columns: model.outputWidth)
        workspace = DenseWorkspace(model: model, maxRows: batch)
    }

    func forward() {
        model.forward(input.view(rows: batch), into: output.view(rows: batch), workspace: workspace)
    }
}

let forwardFixtures = [
    ("linear256", ForwardFixture(.linear256(), batch: 16)), ("linear256", ForwardFixture(.linear256(), batch: 256)),
    ("mlp1024", ForwardFixture(.mlp1024(), batch: 1)), ("mlp1024", ForwardFixture(.mlp1024(), batch: 64)),
]

let packSlab = Slab(rows: 256, columns: 256)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        maxDuration: .seconds(1),
        maxIterations: 100_000
    )

    Benchmark("enqueue→result linear256, 1 item at a time") { benchmark in
        let processor = linear256Processor
        for index in benchmark.scaledIterations {
            blackHole(try processor.enqueuePredict(rows256[index % 256]).result())
        }
    }

    Benchmark("enqueue→result linear256, 64 items in flight (per 64)") { benchmark in
        let processor = linear256Processor
        var futures: [BatchFuture<[Float]>] = []
        futures.reserveCapacity(64)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for index in 0..<64 { futures.append(try processor.enqueuePredict(rows256[index])) }
            for future in futures { blackHole(try future.result()) }
            futures.removeAll(keepingCapacity: true)
        }
    }

    Benchmark("slab pack 256 rows × 256 (MatrixView.copyRows)") { benchmark in
        let view = packSlab.fullView
        for _ in benchmark.scaledIterations {
            for index in rows256.indices {
                rows256[index].withUnsafeBufferPointer { view.copyRows(from: $0, startingAt: index) }
            }
            blackHole(packSlab.buffer[0])
        }
    }

    for (name, fixture) in forwardFixtures {
        Benchmark("forward \(name), batch \(fixture.batch)") { benchmark in
            // One BLAS thread, as each worker runs with `.perWorker`.
            BLAS.setThreadCount(1)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                fixture.forward()
                blackHole(fixture.output.buffer[0])
            }
        }
    }
}
