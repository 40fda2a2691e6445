import DenseKernels
import Foundation

/// Writes the seed corpora into `Fuzz/Corpus/<target>/`: small valid inputs the fuzzers mutate.
///
/// Built without the fuzzer flags (it has a `main`); `scripts/fuzz.sh --seeds` runs it. The seeds are
/// committed, so this only needs to run again when the formats or the harnesses change.
@main
struct FuzzSeeds {
    static func main() throws {
        let root = CommandLine.arguments.dropFirst().first ?? "Fuzz/Corpus"
        try safetensorsSeeds(into: root + "/FuzzSafetensors")
        try npySeeds(into: root + "/FuzzNpy")
        try configurationSeeds(into: root + "/FuzzConfiguration")
        try npyStreamSeeds(from: root + "/FuzzNpy", into: root + "/FuzzNpyStream")
        try inferFlagsSeeds(into: root + "/FuzzInferFlags")
    }

    /// The `.npy` seeds (not their structured forms) behind the stream harness's control byte: read from
    /// a file a row at a time, and from a pipe four rows at a time.
    static func npyStreamSeeds(from source: String, into directory: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: source).filter { !$0.hasSuffix(".text") }
        for name in names.sorted() {
            let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source + "/" + name)))
            try write([0x00] + file, to: directory, name: name + "-file")
            try write([0x0B] + file, to: directory, name: name + "-pipe")
        }
    }

    /// Scheduler flag lines, NUL-separated as the flags harness splits them.
    static func inferFlagsSeeds(into directory: String) throws {
        let lines: [String: [String]] = [
            "empty": [],
            "every-flag": [
                "--max-batch-size", "64", "--batch-timeout-ms", "2.5", "--workers", "2", "--strategy", "adaptive",
                "--memory-mb", "512",
            ],
            "exponents": ["--max-batch-size", "1e3", "--batch-timeout-ms", "1e-3"],
            "negative": ["--max-batch-size=-5", "--workers", "-1"],
            "too-large": ["--max-batch-size", "16777216", "--memory-mb", "16777216"],
        ]
        for (name, arguments) in lines {
            try write(Array(arguments.joined(separator: "\0").utf8), to: directory, name: name)
        }
    }

    /// Models as the writer stores them (F32, F16, BF16), and hand-written headers for the other dtypes.
    static func safetensorsSeeds(into directory: String) throws {
        let model = try DenseModel(layers: [
            DenseLayer(
                weights: (0..<12).map { Float($0) / 8 - 0.5 }, bias: [0.1, -0.2, 0.3], outputs: 3, inputs: 4,
                activation: .relu),
            DenseLayer(
                weights: [1, -1, 0.5, 0.25, -0.75, 2], bias: [0, 1], outputs: 2, inputs: 3, activation: .softmax),
        ])
        for dtype in [SafetensorsFile.DType.f32, .f16, .bf16] {
            let writer = try SafetensorsWriter(model: model, dtype: dtype)
            try writeSafetensors(writer.encoded(), to: directory, name: "model-\(dtype.rawValue.lowercased())")
        }
        // `nn.Sequential` layout: indices 0 and 2, no bias on layer 2, no activations metadata.
        var sequential = SafetensorsWriter()
        try sequential.add("net.0.weight", shape: [2, 2], values: [1, 2, 3, 4])
        try sequential.add("net.0.bias", shape: [2], values: [0.5, -0.5])
        try sequential.add("net.2.weight", shape: [1, 2], values: [1, -1], dtype: .f64)
        try writeSafetensors(sequential.encoded(), to: directory, name: "sequential-no-metadata")

        // A layer with no inputs: valid tensors that the model loader must refuse.
        var zeroWidth = SafetensorsWriter(metadata: ["activations": "relu"])
        try zeroWidth.add("layers.0.weight", shape: [3, 0], values: [])
        try writeSafetensors(zeroWidth.encoded(), to: directory, name: "zero-width-layer")

        var shapes = SafetensorsWriter(metadata: ["format": "pt"])
        try shapes.add("scalar", shape: [], values: [42])
        try shapes.add("empty", shape: [0, 4], values: [])
        try shapes.add("cube", shape: [2, 1, 2], values: [1, 2, 3, 4])
        try writeSafetensors(shapes.encoded(), to: directory, name: "shapes")

        // The dtypes the writer cannot produce, each with its data, in one file.
        let header = """
            {"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},\
            "b":{"dtype":"BOOL","shape":[2],"data_offsets":[2,4]},\
            "c":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[4,6]},\
            "d":{"dtype":"F8_E5M2","shape":[2],"data_offsets":[6,8]},\
            "e":{"dtype":"U16","shape":[1],"data_offsets":[8,10]},\
            "f":{"dtype":"I32","shape":[1],"data_offsets":[10,14]},\
            "g":{"dtype":"U64","shape":[1],"data_offsets":[14,22]},\
            "__metadata__":{"activations":"relu"}}
            """
        let json = Array(header.utf8)
        let data: [UInt8] =
            [0xFF, 0x01, 0, 7, 0x38, 0x7F, 0x3C, 0xFC, 1, 2, 3, 4, 5, 6] + [UInt8](repeating: 9, count: 8)
        try writeSafetensors(littleEndian(UInt64(json.count)) + json + data, to: directory, name: "other-dtypes")
    }

    /// Arrays as `numpy.save` writes them, and hand-written files for the other versions, dtypes and orders.
    static func npySeeds(into directory: String) throws {
        try writeNpy(NpyArray(vector: [1, -2.5, 3]).encoded(), to: directory, name: "vector")
        try writeNpy(NpyArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).encoded(), to: directory, name: "matrix")
        try writeNpy(NpyArray(shape: [0, 4], values: []).encoded(), to: directory, name: "empty-matrix")

        // An empty Fortran-order matrix: no data, but the reader still transposes it.
        let emptyFortran = "{'descr': '<f4', 'fortran_order': True, 'shape': (0, 3), }\n"
        try writeNpy(
            preamble(major: 1, emptyFortran) + Array(emptyFortran.utf8), to: directory, name: "empty-fortran")

        // Version 2.0, big-endian float64, Fortran order: a 2 × 2 matrix stored column by column.
        let fortran = "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 2), }\n"
        let values = [1.0, 3.0, 2.0, 4.0].flatMap { bigEndian($0.bitPattern) }
        try writeNpy(preamble(major: 2, fortran) + Array(fortran.utf8) + values, to: directory, name: "v2-fortran-f8")

        // Version 3.0 (UTF-8 header), little-endian float16, Python 2 style `3L` dimension.
        let half = "{\"descr\": \"<f2\", \"fortran_order\": False, \"shape\": (3L,)}\n"
        let halves: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C]
        try writeNpy(preamble(major: 3, half) + Array(half.utf8) + halves, to: directory, name: "v3-f2")
    }

    /// The configuration fuzzer reads its input byte by byte; these reach the defaults, every
    /// fallback, and a few mixtures.
    static func configurationSeeds(into directory: String) throws {
        try write([], to: directory, name: "defaults")
        try write([UInt8](repeating: 5, count: 40), to: directory, name: "fallbacks")
        try write([6, 2, 6, 1, 6, 9, 6, 7, 1, 6, 4, 0, 1, 0xC8, 1, 6, 3], to: directory, name: "small-values")
        try write(Array((0..<64).map { UInt8(truncatingIfNeeded: $0 * 37) }), to: directory, name: "mixture")
    }

    /// The magic, version and header length of a `.npy` file whose header is `text`.
    static func preamble(major: UInt8, _ text: String) -> [UInt8] {
        let length = major == 1 ? littleEndian(UInt16(text.utf8.count)) : littleEndian(UInt32(text.utf8.count))
        return [0x93] + Array("NUMPY".utf8) + [major, 0] + length
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    /// Writes a safetensors seed twice: as the file, and in the harness's structured form `name.text`.
    static func writeSafetensors(_ file: [UInt8], to directory: String, name: String) throws {
        try write(file, to: directory, name: name)
        let length = file[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        try write(structured(file, headerStart: 8, headerLength: length), to: directory, name: name + ".text")
    }

    /// Writes a `.npy` seed twice: as the file, and in the harness's structured form `name.text`.
    static func writeNpy(_ file: [UInt8], to directory: String, name: String) throws {
        try write(file, to: directory, name: name)
        let start = file[6] == 1 ? 10 : 12
        let length = file[8..<start].reversed().reduce(0) { $0 << 8 | Int($1) }
        try write(structured(file, headerStart: start, headerLength: length), to: directory, name: name + ".text")
    }

    /// The structured form of a file that the harnesses also accept: header text, a NUL byte, the data.
    static func structured(_ file: [UInt8], headerStart: Int, headerLength: Int) -> [UInt8] {
        Array(file[headerStart..<(headerStart + headerLength)]) + [0] + file[(headerStart + headerLength)...]
    }

    static func write(_ bytes: [UInt8], to directory: String, name: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
        print("\(directory)/\(name): \(bytes.count) bytes")
    }
}
