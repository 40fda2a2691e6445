import DenseKernels
import Foundation
import Testing

/// A fresh directory under the system temporary directory, removed when the value is released.
private final class ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A safetensors file with `header` as its JSON text, unpadded, followed by `data`.
private func safetensors(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
}

/// The little-endian bytes of `values` as F32.
private func f32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
}

/// The data section of an encoded file: everything after the header.
private func dataSection(_ bytes: [UInt8]) -> [UInt8] {
    let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
    return Array(bytes[(8 + length)...])
}

/// The `count` little-endian UInt16 values at the start of `bytes`.
private func uint16s(_ bytes: [UInt8]) -> [UInt16] {
    stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
}

/// Two floats are the same value, treating every NaN as equal to every other.
private func sameValue(_ a: Float, _ b: Float) -> Bool { a == b || (a.isNaN && b.isNaN) }

@Suite struct SafetensorsTests {
    // MARK: Round trips and encodings

    @Test func float32RoundTripThroughFile() throws {
        let scratch = try ScratchDirectory()
        let matrix: [Float] = [1, -2.5, 3.25, .pi, -0.0, 1e-30]
        let vector: [Float] = [0.5, -1e20]
        var writer = SafetensorsWriter(metadata: ["format": "pt", "note": "quote \" and \\ and\nnewline"])
        try writer.add("a.matrix", shape: [2, 3], values: matrix)
        try writer.add("b.vector", shape: [2], values: vector)
        try writer.add("c.scalar", shape: [], values: [42])
        try writer.add("d.empty", shape: [0, 4], values: [])
        let path = scratch.file("model.safetensors")
        try writer.write(to: path)

        let file = try SafetensorsFile(contentsOf: path)
        #expect(file.metadata == writer.metadata)
        #expect(file.tensorNames == ["a.matrix", "b.vector", "c.scalar", "d.empty"])
        let info = try #require(file.tensors["a.matrix"])
        #expect(info.dtype == .f32 && info.shape == [2, 3] && info.byteRange == 0..<24 && info.elementCount == 6)
        #expect(file.tensors["b.vector"]?.byteRange == 24..<32)
        #expect(file.tensors["c.scalar"]?.elementCount == 1)
        #expect(file.tensors["d.empty"]?.byteRange == 36..<36)
        #expect(try file.floats("a.matrix").map(\.bitPattern) == matrix.map(\.bitPattern))
        #expect(try file.floats("b.vector") == vector)
        #expect(try file.floats("c.scalar") == [42])
        #expect(try file.floats("d.empty") == [])
        // The reference writer pads the header so the data section starts 8-byte aligned.
        #expect((try SafetensorsFile(bytes: writer.encoded())).tensors == file.tensors)
        #expect((writer.encoded().count - 36) % 8 == 0)
    }

    static let awkwardValues: [Float] = [
        0, -0.0, 1, -2, 0.1, 1.0 / 3, 65504, 65519, 65520, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-8,
        0x1p-24, 0x1.8p-24, 0x1p-25, 1 + 0x1p-11, 1 + 0x1.8p-11, 1 + 0x1p-8, 1 + 0x1.8p-8, 1 + 0x1.8p-7, -3.0e38,
        .infinity,
        -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .nan,
    ]

    @Test func float16EncodingMatchesFloat16Rounding() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", shape: [Self.awkwardValues.count], values: Self.awkwardValues, dtype: .f16)
        let bytes = writer.encoded()
        let bits = uint16s(dataSection(bytes))
        for (value, got) in zip(Self.awkwardValues, bits) {
            if value.isNaN {
                #expect(Float16(bitPattern: got).isNaN)
            } else {
                #expect(got == Float16(value).bitPattern, "\(value)")
            }
        }
        #expect(bits[2] == 0x3C00)
        let file = try SafetensorsFile(bytes: bytes)
        #expect(file.tensors["x"]?.dtype == .f16)
        for (value, got) in zip(Self.awkwardValues, try file.floats("x")) {
            #expect(sameValue(got, Float(Float16(value))), "\(value)")
        }
    }

    @Test func float16DecodingMatchesFloat16ForEveryBitPattern() throws {
        let patterns = (0...UInt16.max).flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }
        let file = try SafetensorsFile(
            bytes: safetensors(#"{"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}"#, data: patterns))
        let values = try file.floats("all")
        for bits in 0...UInt16.max {
            let want = Float(Float16(bitPattern: bits))
            #expect(sameValue(values[Int(bits)], want), "bits \(bits)")
        }
    }

    @Test func bfloat16EncodingRoundsToNearestEven() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", shape: [Self.awkwardValues.count], values: Self.awkwardValues, dtype: .bf16)
        let bits = uint16s(dataSection(writer.encoded()))
        for (value, got) in zip(Self.awkwardValues, bits) {
            if value.isNaN {
                #expect(Float(bitPattern: UInt32(got) << 16).isNaN)
            } else {
                #expect(got == Self.bfloat(value), "\(value)")
            }
        }
        #expect(bits[Self.awkwardValues.firstIndex(of: 1)!] == 0x3F80)
        #expect(bits[Self.awkwardValues.firstIndex(of: 1 + 0x1p-8)!] == 0x3F80)  // halfway: down to even
        #expect(bits[Self.awkwardValues.firstIndex(of: 1 + 0x1.8p-7)!] == 0x3F82)  // halfway: up to even
        #expect(bits[Self.awkwardValues.firstIndex(of: 1 + 0x1.8p-8)!] == 0x3F81)
        #expect(bits[Self.awkwardValues.firstIndex(of: .greatestFiniteMagnitude)!] == 0x7F80)  // to infinity
        let decoded = try SafetensorsFile(bytes: writer.encoded()).floats("x")
        #expect(decoded[3] == -2 && decoded[2] == 1)
    }

    @Test func float64EncodingIsExact() throws {
        let values = Self.awkwardValues.filter { !$0.isNaN }
        var writer = SafetensorsWriter()
        try writer.add("x", shape: [values.count], values: values, dtype: .f64)
        let bytes = writer.encoded()
        let data = dataSection(bytes)
        #expect(data.count == values.count * 8)
        let first = data[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(Double(bitPattern: first) == -0.0 && first == (-0.0 as Double).bitPattern)
        #expect(try SafetensorsFile(bytes: bytes).floats("x") == values)
    }

    @Test func float64NarrowsToNearestFloat() throws {
        let doubles: [Double] = [0.1, 1e300, -1e-300, 1.0000000596046448]
        let data = doubles.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let file = try SafetensorsFile(
            bytes: safetensors(#"{"d":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}}"#, data: data))
        #expect(try file.floats("d") == doubles.map { Float($0) })
    }

    @Test func integerBoolAndFloat8DtypesConvert() throws {
        let header = """
            {"i32":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},
             "u8":{"dtype":"U8","shape":[2],"data_offsets":[8,10]},
             "b":{"dtype":"BOOL","shape":[3],"data_offsets":[10,13]},
             "i64":{"dtype":"I64","shape":[1],"data_offsets":[13,21]},
             "e4m3":{"dtype":"F8_E4M3","shape":[5],"data_offsets":[21,26]},
             "e5m2":{"dtype":"F8_E5M2","shape":[3],"data_offsets":[26,29]},
             "i8":{"dtype":"I8","shape":[1],"data_offsets":[29,30]}}
            """
        let data: [UInt8] =
            [0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0] + [200, 3] + [0, 1, 2]
            + withUnsafeBytes(of: Int64(-5_000_000_000).littleEndian, Array.init)
            + [0x38, 0xB8, 0x7E, 0x7F, 0x01] + [0x3C, 0xC0, 0x7C] + [0x80]
        let file = try SafetensorsFile(bytes: safetensors(header, data: data))
        #expect(try file.floats("i32") == [-1, 7])
        #expect(try file.floats("u8") == [200, 3])
        #expect(try file.floats("b") == [0, 1, 1])
        #expect(try file.floats("i64") == [-5e9])
        let e4m3 = try file.floats("e4m3")
        #expect(Array(e4m3[0..<3]) == [1, -1, 448])  // 0x7E is the largest finite E4M3FN value
        #expect(e4m3[3].isNaN && e4m3[4] == 0x1p-9)
        #expect(try file.floats("e5m2") == [1, -2, .infinity])
        #expect(try file.floats("i8") == [-128])
    }

    /// `safetensors.numpy.save({"net.0.weight": f32 [[1, -2], [0.5, 3]], "net.0.bias": f16 [0.25, -1]},
    /// metadata={"activations": "tanh"})` from the reference Python package, verbatim.
    static let pythonSafetensors: [UInt8] =
        [0xB0, 0, 0, 0, 0, 0, 0, 0]
        + Array(
            (#"{"__metadata__":{"activations":"tanh"},"net.0.weight":{"dtype":"F32","shape":[2,2],"#
                + #""data_offsets":[0,16]},"net.0.bias":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}}      "#)
                .utf8)
        + [
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x40, 0x40,
            0x00, 0x34, 0x00, 0xBC,
        ]

    @Test func readsFileWrittenByReferenceImplementation() throws {
        #expect(Self.pythonSafetensors.count == 204)
        let file = try SafetensorsFile(bytes: Self.pythonSafetensors)
        #expect(file.metadata == ["activations": "tanh"])
        #expect(try file.floats("net.0.weight") == [1, -2, 0.5, 3])
        #expect(try file.floats("net.0.bias") == [0.25, -1])
        let model = try DenseModel(safetensors: file)
        #expect(model.layers.count == 1 && model.layers[0].activation == .tanh)
        let output = model.predict([1, 1])
        #expect(abs(output[0] - Float(tanh(-0.75))) < 1e-6 && abs(output[1] - Float(tanh(2.5))) < 1e-6)
    }

    // MARK: Models

    /// A model with the given widths and activations and deterministic weights.
    private func model(_ widths: [Int], _ activations: [Activation], seed: UInt64 = 7) -> DenseModel {
        DenseModel.randomModel(widths: widths, activations: activations, seed: seed)
    }

    /// Writes `model`'s layers under `names[i]` (`<name>.weight`, `<name>.bias`) with `metadata`.
    private func writer(
        for model: DenseModel,
        names: [String],
        metadata: [String: String] = [:],
        bias: Bool = true
    ) throws -> SafetensorsWriter {
        var writer = SafetensorsWriter(metadata: metadata)
        for (layer, name) in zip(model.layers, names) {
            try writer.add("\(name).weight", shape: [layer.outputs, layer.inputs], values: layer.weights)
            if bias { try writer.add("\(name).bias", shape: [layer.outputs], values: layer.bias) }
        }
        return writer
    }

    private func input(_ count: Int) -> [Float] { (0..<count).map { Float($0 % 7) * 0.37 - 1 } }

    @Test func modelWithInferredPrefixMatchesDirectModel() throws {
        let scratch = try ScratchDirectory()
        let direct = model([5, 8, 6, 3], [.relu, .gelu, .softmax])
        let path = scratch.file("mlp.safetensors")
        var writer = try writer(
            for: direct, names: ["layers.0", "layers.1", "layers.2"],
            metadata: ["activations": "relu, GELU ,softmax"])
        try writer.add("norm.weight", shape: [3], values: [1, 1, 1])
        try writer.add("layers.norm.weight", shape: [3], values: [1, 1, 1])
        try writer.write(to: path)

        let loaded = try DenseModel(safetensors: path)
        #expect(loaded.layers.map(\.activation) == [.relu, .gelu, .softmax])
        #expect(loaded.shapeDescription == direct.shapeDescription)
        let rows = input(4 * 5)
        #expect(loaded.predict(rows) == direct.predict(rows))
        #expect(try DenseModel.inferLayerPrefix(in: SafetensorsFile(contentsOf: path)) == "layers.")
    }

    @Test func sequentialIndicesNeedNotBeContiguousAndSortNumerically() throws {
        let direct = model([4, 6, 5, 2], [.relu, .tanh, .identity])
        // nn.Sequential(Linear, ReLU, Linear, Tanh, ..., Linear): the Linear modules sit at 0, 2 and 10.
        let writer = try writer(for: direct, names: ["net.0", "net.2", "net.10"])
        let file = try SafetensorsFile(bytes: writer.encoded())
        let loaded = try DenseModel(safetensors: file, activations: [.relu, .tanh, .identity])
        let rows = input(3 * 4)
        #expect(loaded.predict(rows) == direct.predict(rows))
        #expect(loaded.layers.map(\.inputs) == [4, 6, 5])
    }

    @Test func emptyPrefixAndExplicitPrefix() throws {
        let direct = model([3, 4, 2], [.sigmoid, .identity])
        let bare = try SafetensorsFile(bytes: writer(for: direct, names: ["0", "2"]).encoded())
        #expect(try DenseModel.inferLayerPrefix(in: bare) == "")
        let rows = input(2 * 3)
        #expect(
            try DenseModel(safetensors: bare, activations: [.sigmoid, .identity]).predict(rows) == direct.predict(rows))

        var twoStacks = try writer(
            for: direct, names: ["encoder.0", "encoder.1"], metadata: ["activations": "sigmoid,linear"])
        try twoStacks.add("decoder.0.weight", shape: [1, 1], values: [1])
        let file = try SafetensorsFile(bytes: twoStacks.encoded())
        #expect(try DenseModel(safetensors: file, prefix: "encoder.").predict(rows) == direct.predict(rows))
        #expect(try DenseModel(safetensors: file, prefix: "decoder.", activations: [.relu]).inputWidth == 1)
    }

    @Test func callerActivationsOverrideMetadata() throws {
        let direct = model([3, 3], [.tanh])
        let file = try SafetensorsFile(
            bytes: writer(for: direct, names: ["l.0"], metadata: ["activations": "relu"]).encoded())
        #expect(try DenseModel(safetensors: file).layers[0].activation == .relu)
        let loaded = try DenseModel(safetensors: file, activations: [.tanh])
        #expect(loaded.predict([1, -2, 3]) == direct.predict([1, -2, 3]))
    }

    @Test func missingBiasMeansZeroBias() throws {
        let withBias = model([4, 3], [.identity])
        let file = try SafetensorsFile(bytes: writer(for: withBias, names: ["fc.0"], bias: false).encoded())
        let loaded = try DenseModel(safetensors: file, activations: [.identity])
        #expect(loaded.layers[0].bias == [0, 0, 0])
        let zeroBias = try DenseLayer(weights: withBias.layers[0].weights, bias: [0, 0, 0], outputs: 3, inputs: 4)
        #expect(loaded.predict(input(4)) == (try DenseModel(layers: [zeroBias])).predict(input(4)))
    }

    @Test(arguments: [SafetensorsFile.DType.f32, .f16, .bf16, .f64])
    func writerFromModelRoundTrips(dtype: SafetensorsFile.DType) throws {
        let scratch = try ScratchDirectory()
        let direct = model([6, 5, 4], [.relu, .softmax])
        let path = scratch.file("model.safetensors")
        try SafetensorsWriter(model: direct, dtype: dtype).write(to: path)
        let file = try SafetensorsFile(contentsOf: path)
        #expect(file.tensors["layers.1.bias"]?.dtype == dtype)
        #expect(file.metadata["activations"] == "relu,softmax")
        let loaded = try DenseModel(safetensors: file)
        for (got, want) in zip(loaded.layers, direct.layers) {
            let convert: (Float) -> Float =
                switch dtype {
                case .f16: { Float(Float16($0)) }
                case .bf16: { Float(bitPattern: UInt32(SafetensorsTests.bfloat($0)) << 16) }
                default: { $0 }
                }
            #expect(got.weights == want.weights.map(convert))
            #expect(got.bias == want.bias.map(convert))
            #expect(got.activation == want.activation)
        }
    }

    /// Round-to-nearest-even BF16 computed in Double from the distance to the truncated value, independently
    /// of the library's integer trick.
    static func bfloat(_ value: Float) -> UInt16 {
        let magnitude = abs(value)
        let truncated = magnitude.bitPattern & 0xFFFF_0000
        let down = Double(Float(bitPattern: truncated))
        let step = Double(Float(bitPattern: truncated).ulp) * 65536
        let remainder = Double(magnitude) - down
        let roundUp = remainder > step / 2 || (remainder == step / 2 && (truncated >> 16) & 1 == 1)
        let bits = UInt16((roundUp ? truncated + 0x1_0000 : truncated) >> 16)
        return value.sign == .minus ? bits | 0x8000 : bits
    }

    // MARK: Corrupt and hostile files

    @Test func fileShorterThanEightBytes() {
        #expect(throws: SafetensorsError.fileTooSmall(size: 3)) { try SafetensorsFile(bytes: [1, 2, 3]) }
        #expect(throws: SafetensorsError.fileTooSmall(size: 0)) { try SafetensorsFile(bytes: []) }
    }

    @Test func headerLengthPastEndOfFile() {
        let bytes = withUnsafeBytes(of: UInt64(1000).littleEndian, Array.init) + Array("{}".utf8)
        #expect(throws: SafetensorsError.headerPastEnd(length: 1000, fileSize: 10)) {
            try SafetensorsFile(bytes: bytes)
        }
    }

    @Test func headerLengthOverLimit() throws {
        let huge = [UInt8](repeating: 0xFF, count: 8) + Array("{}".utf8)
        #expect(throws: SafetensorsError.headerTooLarge(length: .max, limit: SafetensorsFile.defaultMaxHeaderLength)) {
            try SafetensorsFile(bytes: huge)
        }
        let padded = safetensors("{}" + String(repeating: " ", count: 30))
        #expect(throws: SafetensorsError.headerTooLarge(length: 32, limit: 16)) {
            try SafetensorsFile(bytes: padded, maxHeaderLength: 16)
        }
        #expect((try SafetensorsFile(bytes: padded)).tensors.isEmpty)
    }

    @Test(arguments: [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "is an array, expected a JSON object"),
        (#"{"a": 1} trailing"#, "unexpected text"),
        (#"{"__metadata__": {"k": 1}}"#, "__metadata__ value for 'k'"),
        (#"{"__metadata__": []}"#, "__metadata__ is an array"),
        (#"{"t": 5}"#, "entry 't' is a number"),
        (#"{"t": {"dtype": 3, "shape": [], "data_offsets": [0, 4]}}"#, "dtype is a number"),
        (#"{"t": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, "shape holds 1.5"),
        (#"{"t": {"dtype": "F32", "shape": [99999999999999999999], "data_offsets": [0, 4]}}"#, "64-bit integer"),
        (#"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#, "data_offsets has 1 values"),
        (#"{"t": {"dtype": "F32", "shape": 4, "data_offsets": [0, 4]}}"#, "shape is a number"),
        (#"{"a": 1, "a": 2}"#, "duplicate key"),
        (#"{"\ud800": 1}"#, "unpaired surrogate"),
        (String(repeating: "[", count: 100_000), "nesting deeper"),
    ])
    func headerThatIsNotTheExpectedJSON(header: String, reason: String) {
        do {
            _ = try SafetensorsFile(bytes: safetensors(header))
            Issue.record("accepted \(header.prefix(60))")
        } catch {
            guard case .invalidHeader(let message) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(message.contains(reason), "\(message)")
        }
    }

    @Test func headerThatIsNotUTF8() {
        let header: [UInt8] = [
            UInt8(ascii: "{"), UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: "1"),
            UInt8(ascii: "}"),
        ]
        let bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        #expect(throws: SafetensorsError.invalidHeader("not valid JSON: string is not valid UTF-8 at header byte 4")) {
            try SafetensorsFile(bytes: bytes)
        }
    }

    @Test func tensorEntryMissingField() {
        #expect(throws: SafetensorsError.missingField(tensor: "w", field: "data_offsets")) {
            try SafetensorsFile(bytes: safetensors(#"{"w": {"dtype": "F32", "shape": [1]}}"#, data: [0, 0, 0, 0]))
        }
        #expect(throws: SafetensorsError.missingField(tensor: "w", field: "dtype")) {
            try SafetensorsFile(bytes: safetensors(#"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#))
        }
    }

    @Test func unknownDType() {
        #expect(throws: SafetensorsError.unknownDType(tensor: "w", dtype: "F4")) {
            try SafetensorsFile(bytes: safetensors(#"{"w": {"dtype": "F4", "shape": [1], "data_offsets": [0, 1]}}"#))
        }
        #expect(SafetensorsError.unknownDType(tensor: "w", dtype: "F4").description.contains("BF16"))
    }

    @Test func shapeWithNegativeDimensionOrOverflow() {
        #expect(throws: SafetensorsError.badShape(tensor: "w", shape: [-1, 4])) {
            try SafetensorsFile(
                bytes: safetensors(#"{"w": {"dtype": "F32", "shape": [-1, 4], "data_offsets": [0, 0]}}"#))
        }
        let big = 1 << 62
        #expect(throws: SafetensorsError.badShape(tensor: "w", shape: [big, 4])) {
            try SafetensorsFile(
                bytes: safetensors(#"{"w": {"dtype": "F32", "shape": [\#(big), 4], "data_offsets": [0, 0]}}"#))
        }
        // The element count fits but the byte count does not.
        #expect(throws: SafetensorsError.badShape(tensor: "w", shape: [big])) {
            try SafetensorsFile(
                bytes: safetensors(#"{"w": {"dtype": "F32", "shape": [\#(big)], "data_offsets": [0, 0]}}"#))
        }
    }

    @Test func dataOffsetsOutOfRange() {
        let data = f32Bytes([1, 2])
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "w", begin: 4, end: 12, dataSize: 8)) {
            try SafetensorsFile(
                bytes: safetensors(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, data: data))
        }
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "w", begin: 8, end: 0, dataSize: 8)) {
            try SafetensorsFile(
                bytes: safetensors(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#, data: data))
        }
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "w", begin: -4, end: 4, dataSize: 8)) {
            try SafetensorsFile(
                bytes: safetensors(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [-4, 4]}}"#, data: data))
        }
        // Offsets past the end are caught even when the claimed tensor is small and the end is huge.
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "w", begin: 0, end: .max, dataSize: 8)) {
            try SafetensorsFile(
                bytes: safetensors(
                    #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, \#(Int.max)]}}"#, data: data))
        }
    }

    @Test func overlappingTensorsAreAllowed() throws {
        let header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
            """
        let file = try SafetensorsFile(bytes: safetensors(header, data: f32Bytes([1, 2])))
        #expect(try file.floats("a") == [1, 2])
        #expect(try file.floats("b") == [2])
    }

    @Test func byteCountDiffersFromShapeTimesDTypeSize() {
        #expect(throws: SafetensorsError.byteCountMismatch(tensor: "w", expected: 12, got: 8)) {
            try SafetensorsFile(
                bytes: safetensors(
                    #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: f32Bytes([1, 2])))
        }
        #expect(throws: SafetensorsError.byteCountMismatch(tensor: "w", expected: 4, got: 8)) {
            try SafetensorsFile(
                bytes: safetensors(
                    #"{"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 8]}}"#, data: f32Bytes([1, 2])))
        }
    }

    @Test func missingTensor() throws {
        let file = try SafetensorsFile(bytes: safetensors("{}"))
        #expect(throws: SafetensorsError.missingTensor("nope")) { try file.floats("nope") }
    }

    @Test func unreadablePaths() throws {
        let scratch = try ScratchDirectory()
        let missing = scratch.file("absent.safetensors")
        #expect(throws: SafetensorsError.io(path: missing, reason: "No such file or directory")) {
            try SafetensorsFile(contentsOf: missing)
        }
        #expect(throws: SafetensorsError.io(path: scratch.path, reason: "not a regular file")) {
            try DenseModel(safetensors: scratch.path)
        }
        let nowhere = scratch.file("no/such/dir/x.safetensors")
        #expect(throws: SafetensorsError.self) { try SafetensorsWriter().write(to: nowhere) }
    }

    // MARK: Corrupt models

    /// A file holding `tensors` (name, shape) filled with ones, plus `metadata`.
    private func layerFile(_ tensors: [(String, [Int])], metadata: [String: String] = [:]) throws -> SafetensorsFile {
        var writer = SafetensorsWriter(metadata: metadata)
        for (name, shape) in tensors {
            try writer.add(name, shape: shape, values: .init(repeating: 1, count: shape.reduce(1, *)))
        }
        return try SafetensorsFile(bytes: writer.encoded())
    }

    @Test func weightThatIsNotTwoDimensional() throws {
        let file = try layerFile([("l.0.weight", [4])])
        #expect(throws: SafetensorsError.unexpectedRank(tensor: "l.0.weight", shape: [4], expectedRank: 2)) {
            try DenseModel(safetensors: file, activations: [.relu])
        }
    }

    @Test func biasThatIsNotOneDimensional() throws {
        let file = try layerFile([("l.0.weight", [2, 3]), ("l.0.bias", [1, 2])])
        #expect(throws: SafetensorsError.unexpectedRank(tensor: "l.0.bias", shape: [1, 2], expectedRank: 1)) {
            try DenseModel(safetensors: file, activations: [.relu])
        }
    }

    @Test func biasWithWrongLength() throws {
        let file = try layerFile([("l.0.weight", [2, 3]), ("l.0.bias", [3])])
        #expect(throws: SafetensorsError.biasLengthMismatch(tensor: "l.0.bias", expected: 2, got: 3)) {
            try DenseModel(safetensors: file, activations: [.relu])
        }
    }

    @Test func inconsistentLayerShapes() throws {
        let file = try layerFile([("l.0.weight", [5, 3]), ("l.1.weight", [2, 4])])
        #expect(throws: SafetensorsError.layerShapeMismatch(tensor: "l.1.weight", expectedInputs: 5, got: 4)) {
            try DenseModel(safetensors: file, activations: [.relu, .identity])
        }
    }

    @Test func noLayerTensors() throws {
        let file = try layerFile([("norm.weight", [3]), ("l.x.weight", [3, 3]), ("l.01.weight", [3, 3])])
        #expect(throws: SafetensorsError.noLayers(prefix: nil)) { try DenseModel(safetensors: file) }
        #expect(throws: SafetensorsError.noLayers(prefix: "net.")) {
            try DenseModel(safetensors: file, prefix: "net.", activations: [])
        }
    }

    @Test func ambiguousPrefix() throws {
        let file = try layerFile([("enc.0.weight", [3, 3]), ("dec.0.weight", [3, 3]), ("0.weight", [3, 3])])
        #expect(throws: SafetensorsError.ambiguousPrefix(["", "dec.", "enc."])) {
            try DenseModel(safetensors: file, activations: [.relu])
        }
    }

    @Test func activationsMissing() throws {
        let file = try layerFile([("l.0.weight", [3, 3]), ("l.1.weight", [2, 3])])
        #expect(throws: SafetensorsError.missingActivations(layers: 2)) { try DenseModel(safetensors: file) }
        #expect(SafetensorsError.missingActivations(layers: 2).description.contains("activations"))
    }

    @Test func activationCountDiffersFromLayerCount() throws {
        let file = try layerFile([("l.0.weight", [3, 3]), ("l.1.weight", [2, 3])], metadata: ["activations": "relu"])
        #expect(throws: SafetensorsError.activationCount(expected: 2, got: 1)) { try DenseModel(safetensors: file) }
        #expect(throws: SafetensorsError.activationCount(expected: 2, got: 3)) {
            try DenseModel(safetensors: file, activations: [.relu, .relu, .relu])
        }
    }

    @Test func unknownActivationName() throws {
        let file = try layerFile(
            [("l.0.weight", [3, 3]), ("l.1.weight", [2, 3])], metadata: ["activations": "relu,swish"])
        #expect(throws: SafetensorsError.unknownActivation("swish")) { try DenseModel(safetensors: file) }
    }

    @Test func layersThatDoNotFormAModel() throws {
        let file = try layerFile(
            [("l.0.weight", [3, 3]), ("l.1.weight", [2, 3])], metadata: ["activations": "softmax,relu"])
        #expect(throws: SafetensorsError.model(.softmaxNotLast(layer: 0))) { try DenseModel(safetensors: file) }
        let empty = try layerFile([("l.0.weight", [3, 3]), ("l.1.weight", [0, 3])])
        #expect(throws: SafetensorsError.model(.invalidDimension(layer: 1, inputs: 3, outputs: 0))) {
            try DenseModel(safetensors: empty, activations: [.relu, .relu])
        }
    }

    @Test func integerLayerTensorsAreRefused() throws {
        // A 2 × 2 I8 weight: read as raw codes cast to float, it would compute with 1, -2, 3, 4.
        for dtype in ["I8", "U8", "I16", "U16", "I32", "U32", "I64", "U64", "BOOL"] {
            let size = SafetensorsFile.DType(rawValue: dtype)!.byteSize
            let header = """
                {"l.0.weight":{"dtype":"\(dtype)","shape":[2,2],"data_offsets":[0,\(4 * size)]},\
                "__metadata__":{"activations":"relu"}}
                """
            let file = try SafetensorsFile(bytes: safetensors(header, data: .init(repeating: 1, count: 4 * size)))
            #expect(throws: SafetensorsError.integerTensor(tensor: "l.0.weight", dtype: dtype)) {
                try DenseModel(safetensors: file)
            }
        }
        // An integer bias beside a float weight is refused the same way.
        let header = """
            {"l.0.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},\
            "l.0.bias":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}}
            """
        let file = try SafetensorsFile(bytes: safetensors(header, data: f32Bytes([1]) + [1, 0, 0, 0]))
        let error = #expect(throws: SafetensorsError.integerTensor(tensor: "l.0.bias", dtype: "I32")) {
            try DenseModel(safetensors: file, activations: [.identity])
        }
        #expect(error?.description.contains("quantised") == true)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteParametersAreRefusedWithTheirIndex(value: Float) throws {
        var weights = [Float](repeating: 0.5, count: 12)
        weights[7] = value
        var writer = SafetensorsWriter(metadata: ["activations": "relu,softmax"])
        try writer.add("net.0.weight", shape: [3, 4], values: weights)
        try writer.add("net.2.weight", shape: [2, 3], values: .init(repeating: 1, count: 6))
        try writer.add("net.2.bias", shape: [2], values: [0, value])
        let file = try SafetensorsFile(bytes: writer.encoded())
        /// The tensor, index and value `load` refused, or `nil` if it did not fail that way.
        func refusal(_ load: () throws -> DenseModel) -> (String, [Int], Float)? {
            do {
                _ = try load()
            } catch let error as SafetensorsError {
                if case .nonFiniteValue(let tensor, let index, let got) = error { return (tensor, index, got) }
            } catch {}
            return nil
        }
        func same(_ a: Float, _ b: Float) -> Bool { a.isNaN ? b.isNaN : a == b }

        let weight = refusal { try DenseModel(safetensors: file) }
        #expect(weight?.0 == "net.0.weight" && weight?.1 == [1, 3] && weight.map { same($0.2, value) } == true)
        let message = SafetensorsError.nonFiniteValue(tensor: "net.0.weight", index: [1, 3], value: value).description
        #expect(message.contains("'net.0.weight' holds \(value) at [1, 3]"))

        // The bias is checked too, with its own index; F16 and F64 values that are not finite as float32 too.
        var biasOnly = SafetensorsWriter(metadata: ["activations": "relu"])
        try biasOnly.add("0.weight", shape: [2, 2], values: [1, 2, 3, 4], dtype: .f16)
        try biasOnly.add("0.bias", shape: [2], values: [0, value], dtype: .f16)
        let bias = refusal { try DenseModel(safetensors: SafetensorsFile(bytes: biasOnly.encoded())) }
        #expect(bias?.0 == "0.bias" && bias?.1 == [1] && bias.map { same($0.2, value) } == true)
        if value == .infinity {
            let header = """
                {"0.weight":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},"__metadata__":{"activations":"relu"}}
                """
            let huge = withUnsafeBytes(of: (1e300 as Double).bitPattern.littleEndian, Array.init)
            #expect(throws: SafetensorsError.nonFiniteValue(tensor: "0.weight", index: [0, 0], value: .infinity)) {
                try DenseModel(safetensors: SafetensorsFile(bytes: safetensors(header, data: huge)))
            }
        }
    }

    @Test func biasWithoutWeightIsRefusedAndMissingBiasesAreListed() throws {
        let file = try layerFile(
            [("net.0.weight", [3, 2]), ("net.0.bias", [3]), ("net.2.weight", [2, 3]), ("net.4.bias", [2])],
            metadata: ["activations": "relu,identity"])
        let error = #expect(throws: SafetensorsError.orphanBias(tensor: "net.4.bias", missingWeight: "net.4.weight")) {
            try DenseModel(safetensors: file)
        }
        #expect(error?.description == "tensor 'net.4.bias' is a bias without a weight: the file has no 'net.4.weight'")
        #expect(throws: SafetensorsError.orphanBias(tensor: "net.4.bias", missingWeight: "net.4.weight")) {
            try DenseModel.layerTensors(in: file)
        }

        let fine = try layerFile(
            [("net.0.weight", [3, 2]), ("net.0.bias", [3]), ("net.2.weight", [2, 3])],
            metadata: ["activations": "relu,identity"])
        #expect(
            try DenseModel.layerTensors(in: fine) == [
                SafetensorsLayerTensors(index: 0, weight: "net.0.weight", bias: "net.0.bias"),
                SafetensorsLayerTensors(index: 2, weight: "net.2.weight", bias: nil),
            ])
        #expect(try DenseModel(safetensors: fine).layers[1].bias == [0, 0])
    }

    @Test func writerRejectsBadTensors() throws {
        var writer = SafetensorsWriter()
        try writer.add("a", shape: [1], values: [1])
        #expect(throws: SafetensorsError.duplicateTensor("a")) { try writer.add("a", shape: [1], values: [1]) }
        #expect(throws: SafetensorsError.duplicateTensor("__metadata__")) {
            try writer.add("__metadata__", shape: [1], values: [1])
        }
        #expect(throws: SafetensorsError.valueCountMismatch(tensor: "b", expected: 6, got: 5)) {
            try writer.add("b", shape: [2, 3], values: [1, 2, 3, 4, 5])
        }
        #expect(throws: SafetensorsError.unsupportedDType(tensor: "c", dtype: "I32")) {
            try writer.add("c", shape: [1], values: [1], dtype: .i32)
        }
        #expect(throws: SafetensorsError.badShape(tensor: "d", shape: [-1])) {
            try writer.add("d", shape: [-1], values: [])
        }
        #expect(try SafetensorsFile(bytes: writer.encoded()).tensors.keys.sorted() == ["a"])
    }

    @Test func everyErrorDescriptionNamesTheProblem() {
        let cases: [(SafetensorsError, String)] = [
            (.io(path: "/x", reason: "denied"), "/x"), (.fileTooSmall(size: 3), "3 bytes"),
            (.headerPastEnd(length: 9, fileSize: 8), "truncated"), (.headerTooLarge(length: 9, limit: 1), "limit"),
            (.invalidHeader("bad"), "bad"), (.missingField(tensor: "t", field: "shape"), "'shape'"),
            (.badShape(tensor: "t", shape: [-1]), "[-1]"),
            (.offsetsOutOfRange(tensor: "t", begin: 1, end: 2, dataSize: 0), "data_offsets"),
            (.byteCountMismatch(tensor: "t", expected: 4, got: 2), "need 4"), (.missingTensor("t"), "'t'"),
            (.duplicateTensor("t"), "unique"), (.valueCountMismatch(tensor: "t", expected: 2, got: 1), "holds 2"),
            (.unsupportedDType(tensor: "t", dtype: "I8"), "F32"),
            (.unexpectedRank(tensor: "t", shape: [1], expectedRank: 2), "2-D"), (.noLayers(prefix: "p."), "p."),
            (.ambiguousPrefix(["a.", "b."]), "pass the prefix"),
            (.layerShapeMismatch(tensor: "t", expectedInputs: 3, got: 2), "produces 3"),
            (.biasLengthMismatch(tensor: "t", expected: 3, got: 2), "3 outputs"),
            (.activationCount(expected: 2, got: 1), "one per layer"), (.unknownActivation("x"), "relu"),
            (.model(.noLayers), "no layers"), (.integerTensor(tensor: "t", dtype: "I8"), "'t' is I8"),
            (.nonFiniteValue(tensor: "t", index: [2, 5], value: .nan), "'t' holds nan at [2, 5]"),
            (.orphanBias(tensor: "l.3.bias", missingWeight: "l.3.weight"), "no 'l.3.weight'"),
        ]
        for (error, fragment) in cases { #expect(error.description.contains(fragment), "\(error)") }
    }
}
