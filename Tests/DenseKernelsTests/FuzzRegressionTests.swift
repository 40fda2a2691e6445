import DenseKernels
import Testing

/// A safetensors file: the 8-byte little-endian length of `header`, the header, then `data`.
private func safetensorsFile(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
}

/// A version 1.0 `.npy` file: magic, version, the 2-byte little-endian length of `header`, the header,
/// then `data`.
private func npyFile(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let text = Array(header.utf8)
    return [0x93] + Array("NUMPY".utf8) + [1, 0] + withUnsafeBytes(of: UInt16(text.count).littleEndian, Array.init)
        + text + data
}

/// Inputs that crashed, hung or exhausted memory in the readers under `scripts/fuzz.sh`, kept so the
/// fixes stay fixed. Each must now end in a typed error or a correct result, quickly.
@Suite struct FuzzRegressionTests {
    /// FuzzNpy timeout: an empty Fortran-order array whose other dimension is huge made the transpose
    /// loop over every column of no rows (2.3 × 10¹⁴ iterations).
    @Test(.timeLimit(.minutes(1))) func emptyFortranArrayWithHugeDimensionParsesAtOnce() throws {
        let bytes = npyFile("{'descr': '<f4', 'fortran_order': True,'shape': (0,230000000000080), }\n")
        let array = try NpyArray(bytes: bytes)
        #expect(array.shape == [0, 230_000_000_000_080])
        #expect(array.values.isEmpty)
        #expect(try NpyArray(bytes: array.encoded()) == array)
    }

    /// The transposed form of the same input, for symmetry: the row loop is outside, so it never spun,
    /// and must stay that way.
    @Test(.timeLimit(.minutes(1))) func emptyFortranArrayWithHugeRowCountParsesAtOnce() throws {
        let bytes = npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (1099511627776, 0), }\n")
        let array = try NpyArray(bytes: bytes)
        #expect(array.shape == [1 << 40, 0])
        #expect(array.values.isEmpty)
    }

    /// FuzzSafetensors out-of-memory: a `[2**40, 0]` weight has no bytes, so the file is tiny and valid,
    /// but the loader allocated a zero bias of 2⁴⁰ floats before checking the layer's dimensions.
    @Test func zeroWidthLayerWithHugeOutputCountIsRefusedBeforeAllocating() throws {
        let bytes = safetensorsFile(
            #"{"0.weight":{"dtype":"F32","shape":[1099511627776,0],"data_offsets":[0,0]},"#
                + #""__metadata__":{"activations":"relu"}}"#)
        let file = try SafetensorsFile(bytes: bytes)
        #expect(try file.floats("0.weight").isEmpty)
        #expect(throws: SafetensorsError.model(.invalidDimension(layer: 0, inputs: 0, outputs: 1 << 40))) {
            try DenseModel(safetensors: file)
        }
        #expect(throws: SafetensorsError.model(.invalidDimension(layer: 0, inputs: 0, outputs: 1 << 40))) {
            try DenseModel(safetensors: file, activations: [.identity])
        }
    }

    /// The same check names the layer's position when an earlier layer is fine.
    @Test func zeroWidthLaterLayerNamesItsPosition() throws {
        var writer = SafetensorsWriter(metadata: ["activations": "relu,identity"])
        try writer.add("layers.0.weight", shape: [0, 2], values: [])
        try writer.add("layers.1.weight", shape: [3, 0], values: [])
        let file = try SafetensorsFile(bytes: writer.encoded())
        #expect(throws: SafetensorsError.model(.invalidDimension(layer: 0, inputs: 2, outputs: 0))) {
            try DenseModel(safetensors: file)
        }
    }
}
