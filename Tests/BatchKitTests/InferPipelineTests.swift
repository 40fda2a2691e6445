import BatchKitCore
import BatchProcessing
import DenseBatching
import DenseKernels
import Foundation
import Testing

/// `batchkit infer`'s pipeline end to end on files: what it writes is what the model computes, and bad
/// inputs fail with one clear error and leave no output behind.
@Suite struct InferPipelineTests {
    /// A fresh directory for one test's files, removed afterwards.
    private final class Scratch {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("batchkit-\(UUID())").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func file(_ name: String) -> String { path + "/" + name }
    }

    private static func randomRows(_ rows: Int, _ width: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<(rows * width)).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    /// Small batches and a short timeout, so a few hundred rows make many batches of different sizes.
    private static var settings: SchedulerSettings {
        var settings = SchedulerSettings()
        settings.maxBatchSize = 32
        settings.batchTimeout = .microseconds(500)
        settings.workers = 2
        return settings
    }

    /// A short run starts on the kernel's prior crossover instead of spending up to 0.6 s calibrating;
    /// a long one still calibrates, and a limit the caller fixed is kept either way.
    @Test func shortRunsSkipCalibration() {
        let model = DenseModel.mlp1024()
        let short = InferPipeline.servedModel(model, rows: 9)
        #expect(short.smallBatchLimit == SmallBatchCrossover.prior(for: model.smallBatchKernel))
        let floorRows = InferPipeline.calibrationFloorFlops / model.flopsPerRow
        #expect(InferPipeline.servedModel(model, rows: floorRows - 1).smallBatchLimit != nil)
        #expect(InferPipeline.servedModel(model, rows: floorRows + 1).smallBatchLimit == nil)
        #expect(InferPipeline.servedModel(model, rows: .max).smallBatchLimit == nil)
        #expect(InferPipeline.servedModel(model.with(smallBatchLimit: 5), rows: 9).smallBatchLimit == 5)
        #expect(InferPipeline.servedModel(model.with(smallBatchLimit: 5), rows: 1 << 30).smallBatchLimit == 5)
    }

    @Test func builtInModelRoundTrip() async throws {
        let scratch = try Scratch()
        let model = DenseModel.linear256()
        let rows = 300
        let values = Self.randomRows(rows, 256, seed: 1)
        try NpyArray(shape: [rows, 256], values: values).write(to: scratch.file("x.npy"))

        let loaded = try ModelLoader.load("linear256")
        let summary = try await InferPipeline.run(
            model: loaded, inputPath: scratch.file("x.npy"), outputPath: scratch.file("y.npy"),
            settings: Self.settings)

        let output = try NpyArray(contentsOf: scratch.file("y.npy"))
        #expect(output.shape == [rows, 256])
        #expect(summary.rows == rows && summary.batches >= rows / 32)
        let expected = model.predict(values)
        // Batched GEMM and single-row GEMV may sum in a different order: compare with a tolerance.
        let worst = zip(output.values, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4)
    }

    @Test func safetensorsModelWithActivationsFromMetadataOrFlag() async throws {
        let scratch = try Scratch()
        let model = DenseModel.randomModel(widths: [8, 16, 16, 3], activations: [.relu, .relu, .softmax], seed: 5)
        // The layout torch's nn.Sequential(Linear, ReLU, Linear, ReLU, Linear, Softmax) saves: indices 0, 2, 4.
        var writer = SafetensorsWriter(metadata: ["activations": "relu,relu,softmax"])
        for (index, layer) in model.layers.enumerated() {
            try writer.add("\(index * 2).weight", shape: [layer.outputs, layer.inputs], values: layer.weights)
            try writer.add("\(index * 2).bias", shape: [layer.outputs], values: layer.bias)
        }
        try writer.write(to: scratch.file("model.safetensors"))
        writer.metadata = [:]
        try writer.write(to: scratch.file("bare.safetensors"))

        let rows = 77
        let values = Self.randomRows(rows, 8, seed: 2)
        // float64 input, as numpy writes by default.
        try Self.writeFloat64(rows: rows, columns: 8, values: values, to: scratch.file("x.npy"))
        let expected = model.predict(values)

        for (file, activations) in [("model.safetensors", nil), ("bare.safetensors", "relu, relu, softmax")] {
            let loaded = try ModelLoader.load(scratch.file(file), activations: activations)
            _ = try await InferPipeline.run(
                model: loaded, inputPath: scratch.file("x.npy"), outputPath: scratch.file("y.npy"),
                settings: Self.settings)
            let output = try NpyArray(contentsOf: scratch.file("y.npy"))
            #expect(output.shape == [rows, 3])
            let worst = zip(output.values, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "\(file)")
        }
        let bare = #expect(throws: InferError.self) { try ModelLoader.load(scratch.file("bare.safetensors")) }
        #expect(
            bare?.description.hasSuffix("pass them with --activations (one per layer, e.g. relu,relu,softmax)") == true)
        #expect(throws: InferError.self) {
            try ModelLoader.load(scratch.file("bare.safetensors"), activations: "relu,swish,softmax")
        }
    }

    @Test func widthMismatchFailsBeforeWritingAnything() async throws {
        let scratch = try Scratch()
        try NpyArray(shape: [4, 100], values: Self.randomRows(4, 100, seed: 3)).write(to: scratch.file("x.npy"))
        let error = await #expect(throws: InferError.self) {
            try await InferPipeline.run(
                model: .linear256(), inputPath: scratch.file("x.npy"), outputPath: scratch.file("y.npy"),
                settings: Self.settings)
        }
        #expect(error?.description == "input \(scratch.file("x.npy")) has rows of 100 features but the model takes 256")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("y.npy")))
    }

    @Test func missingAndMalformedInputsFailWithOneLine() async throws {
        let scratch = try Scratch()
        let missing = await #expect(throws: InferError.self) {
            try await InferPipeline.run(
                model: .linear256(), inputPath: scratch.file("nope.npy"), outputPath: scratch.file("y.npy"),
                settings: Self.settings)
        }
        #expect(missing?.description == "cannot read input \(scratch.file("nope.npy")): No such file or directory")

        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: scratch.file("bad.npy")))
        try NpyArray(vector: [1, 2, 3]).write(to: scratch.file("vector.npy"))
        for name in ["bad.npy", "vector.npy"] {
            let error = await #expect(throws: InferError.self) {
                try await InferPipeline.run(
                    model: .linear256(), inputPath: scratch.file(name), outputPath: scratch.file("y.npy"),
                    settings: Self.settings)
            }
            #expect(error.map { !$0.description.contains("\n") } == true)
        }
        let noDirectory = await #expect(throws: InferError.self) {
            try await InferPipeline.run(
                model: .linear256(), inputPath: scratch.file("vector.npy"), outputPath: scratch.file("no/y.npy"),
                settings: Self.settings)
        }
        #expect(noDirectory?.description.hasPrefix("cannot write output") == true)
        #expect(throws: InferError.self) { try ModelLoader.load(scratch.file("missing.safetensors")) }
        #expect(throws: InferError.self) { try ModelLoader.load("linear256", activations: "relu") }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("y.npy")))
    }

    @Test func nonFiniteInputsPropagateOrFailNamingTheRow() async throws {
        let scratch = try Scratch()
        let rows = 50
        var values = Self.randomRows(rows, 256, seed: 4)
        values[17 * 256 + 5] = .nan
        values[30 * 256 + 9] = .infinity
        try NpyArray(shape: [rows, 256], values: values).write(to: scratch.file("x.npy"))

        var settings = Self.settings
        _ = try await InferPipeline.run(
            model: .linear256(), inputPath: scratch.file("x.npy"), outputPath: scratch.file("y.npy"),
            settings: settings)
        let output = try NpyArray(contentsOf: scratch.file("y.npy")).values
        let row = { (index: Int) in output[(index * 256)..<((index + 1) * 256)] }
        #expect(row(17).allSatisfy { $0.isNaN })
        #expect(row(30).allSatisfy { !$0.isFinite })
        #expect((0..<rows).filter { $0 != 17 && $0 != 30 }.allSatisfy { row($0).allSatisfy { $0.isFinite } })

        settings.nonFiniteInputs = .reject
        let error = await #expect(throws: InferError.self) {
            try await InferPipeline.run(
                model: .linear256(), inputPath: scratch.file("x.npy"), outputPath: scratch.file("z.npy"),
                settings: settings)
        }
        #expect(error?.description.hasPrefix("input \(scratch.file("x.npy")) row 17 holds nan at column 5;") == true)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("z.npy")))
    }

    @Test func missingBiasIsNotedAndOrphanBiasRefused() throws {
        let scratch = try Scratch()
        var writer = SafetensorsWriter(metadata: ["activations": "relu,identity"])
        try writer.add("0.weight", shape: [3, 2], values: .init(repeating: 0.5, count: 6))
        try writer.add("0.bias", shape: [3], values: [1, 2, 3])
        try writer.add("2.weight", shape: [1, 3], values: [1, 1, 1])
        try writer.write(to: scratch.file("m.safetensors"))
        var notes: [String] = []
        let model = try ModelLoader.load(scratch.file("m.safetensors")) { notes.append($0) }
        #expect(model.layers.count == 2)
        #expect(notes.contains { $0.contains("layer 1 ('2.weight') has no bias tensor; it is computed with zeros") })

        try writer.add("4.bias", shape: [1], values: [0])
        try writer.write(to: scratch.file("orphan.safetensors"))
        let error = #expect(throws: InferError.self) { try ModelLoader.load(scratch.file("orphan.safetensors")) }
        #expect(error?.description.contains("tensor '4.bias' is a bias without a weight") == true)
    }

    @Test func outputThroughSymlinkAndFifoKeepsThemWhatTheyAre() async throws {
        let scratch = try Scratch()
        let rows = 20
        let values = Self.randomRows(rows, 256, seed: 6)
        try NpyArray(shape: [rows, 256], values: values).write(to: scratch.file("x.npy"))
        let expected = DenseModel.linear256().predict(values)

        // A symlink: the target is replaced, the link stays a link.
        try NpyArray(vector: [0]).write(to: scratch.file("target.npy"))
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link.npy"), withDestinationPath: "target.npy")
        _ = try await InferPipeline.run(
            model: .linear256(), inputPath: scratch.file("x.npy"), outputPath: scratch.file("link.npy"),
            settings: Self.settings)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.file("link.npy")) == "target.npy")
        let viaLink = try NpyArray(contentsOf: scratch.file("target.npy"))
        #expect(viaLink.shape == [rows, 256])
        #expect(zip(viaLink.values, expected).allSatisfy { abs($0 - $1) < 1e-4 })

        // A FIFO: written in place, still a FIFO afterwards, nothing else left in the folder.
        let fifo = scratch.file("pipe.npy")
        #expect(mkfifo(fifo, 0o600) == 0)
        async let drained = onOwnThread { () -> [UInt8] in
            let descriptor = open(fifo, O_RDONLY)
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while case let count = chunk.withUnsafeMutableBytes({ read(descriptor, $0.baseAddress!, $0.count) }),
                count > 0
            {
                bytes += chunk[..<count]
            }
            return bytes
        }
        _ = try await InferPipeline.run(
            model: .linear256(), inputPath: scratch.file("x.npy"), outputPath: fifo, settings: Self.settings)
        let viaFifo = try NpyArray(bytes: await drained)
        #expect(viaFifo.shape == [rows, 256])
        #expect(zip(viaFifo.values, expected).allSatisfy { abs($0 - $1) < 1e-4 })
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == [
                "link.npy", "pipe.npy", "target.npy", "x.npy",
            ])

        let directory = await #expect(throws: InferError.self) {
            try await InferPipeline.run(
                model: .linear256(), inputPath: scratch.file("x.npy"), outputPath: scratch.path,
                settings: Self.settings)
        }
        #expect(directory?.description == "cannot write output \(scratch.path): it is a directory")
    }

    @Test func emptyInputWritesAnEmptyMatrix() async throws {
        let scratch = try Scratch()
        try NpyArray(shape: [0, 256], values: []).write(to: scratch.file("x.npy"))
        let summary = try await InferPipeline.run(
            model: .linear256(), inputPath: scratch.file("x.npy"), outputPath: scratch.file("y.npy"),
            settings: Self.settings)
        #expect(summary.rows == 0)
        #expect(try NpyArray(contentsOf: scratch.file("y.npy")).shape == [0, 256])
    }

    /// Writes a C-order little-endian float64 `.npy`, as `numpy.save` does for a default array.
    private static func writeFloat64(rows: Int, columns: Int, values: [Float], to path: String) throws {
        var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), \(columns)), }".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: 64 - (10 + header.count + 1) % 64) + [0x0A]
        var bytes: [UInt8] =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        bytes += header
        for value in values { withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
