import DenseKernels
import Foundation
import Testing

/// Files written by NumPy 2.4 (`import numpy as np; from numpy.lib import format`), bytes copied verbatim, so the
/// reader is checked against the real format without the tests needing Python.
private enum NumpyFixtures {
    /// `np.save(f, np.array([[1.5, -2.25, 3e-3], [1e10, -0.0, np.pi]]))`
    static let float64Matrix: [UInt8] = [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7B, 0x27, 0x64, 0x65, 0x73, 0x63,
        0x72, 0x27, 0x3A, 0x20, 0x27, 0x3C, 0x66, 0x38, 0x27, 0x2C, 0x20, 0x27, 0x66, 0x6F, 0x72, 0x74,
        0x72, 0x61, 0x6E, 0x5F, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3A, 0x20, 0x46, 0x61, 0x6C, 0x73,
        0x65, 0x2C, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3A, 0x20, 0x28, 0x32, 0x2C, 0x20,
        0x33, 0x29, 0x2C, 0x20, 0x7D, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0A,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xC0,
        0xFA, 0x7E, 0x6A, 0xBC, 0x74, 0x93, 0x68, 0x3F, 0x00, 0x00, 0x00, 0x20, 0x5F, 0xA0, 0x02, 0x42,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x18, 0x2D, 0x44, 0x54, 0xFB, 0x21, 0x09, 0x40,
    ]

    /// `np.save(f, np.array([0.1, -7.5, 65504.0], dtype='<f4'))`
    static let float32Vector: [UInt8] = [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7B, 0x27, 0x64, 0x65, 0x73, 0x63,
        0x72, 0x27, 0x3A, 0x20, 0x27, 0x3C, 0x66, 0x34, 0x27, 0x2C, 0x20, 0x27, 0x66, 0x6F, 0x72, 0x74,
        0x72, 0x61, 0x6E, 0x5F, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3A, 0x20, 0x46, 0x61, 0x6C, 0x73,
        0x65, 0x2C, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3A, 0x20, 0x28, 0x33, 0x2C, 0x29,
        0x2C, 0x20, 0x7D, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0A,
        0xCD, 0xCC, 0xCC, 0x3D, 0x00, 0x00, 0xF0, 0xC0, 0x00, 0xE0, 0x7F, 0x47,
    ]

    /// `np.save(f, np.asfortranarray(np.array([[1, 2, 3], [4, 5, -6.5]], dtype='>f4')))`
    static let bigEndianFortranMatrix: [UInt8] = [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7B, 0x27, 0x64, 0x65, 0x73, 0x63,
        0x72, 0x27, 0x3A, 0x20, 0x27, 0x3E, 0x66, 0x34, 0x27, 0x2C, 0x20, 0x27, 0x66, 0x6F, 0x72, 0x74,
        0x72, 0x61, 0x6E, 0x5F, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3A, 0x20, 0x54, 0x72, 0x75, 0x65,
        0x2C, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3A, 0x20, 0x28, 0x32, 0x2C, 0x20, 0x33,
        0x29, 0x2C, 0x20, 0x7D, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0A,
        0x3F, 0x80, 0x00, 0x00, 0x40, 0x80, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40, 0xA0, 0x00, 0x00,
        0x40, 0x40, 0x00, 0x00, 0xC0, 0xD0, 0x00, 0x00,
    ]

    /// `format.write_array(f, np.array([1, -0.5, 2**-24], dtype='<f2'), version=(2, 0))`
    static let version2Half: [UInt8] = [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x02, 0x00, 0x74, 0x00, 0x00, 0x00, 0x7B, 0x27, 0x64, 0x65,
        0x73, 0x63, 0x72, 0x27, 0x3A, 0x20, 0x27, 0x3C, 0x66, 0x32, 0x27, 0x2C, 0x20, 0x27, 0x66, 0x6F,
        0x72, 0x74, 0x72, 0x61, 0x6E, 0x5F, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3A, 0x20, 0x46, 0x61,
        0x6C, 0x73, 0x65, 0x2C, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3A, 0x20, 0x28, 0x33,
        0x2C, 0x29, 0x2C, 0x20, 0x7D, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0A,
        0x00, 0x3C, 0x00, 0xB8, 0x01, 0x00,
    ]
}

/// A fresh directory under the system temporary directory, removed when the value is released.
private final class ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A `.npy` file with `header` (not padded) and `data`, in format `major`.0.
private func npy(_ header: String, data: [UInt8] = [], major: UInt8 = 1) -> [UInt8] {
    let text = Array(header.utf8)
    let length: [UInt8] =
        major == 1
        ? withUnsafeBytes(of: UInt16(text.count).littleEndian, Array.init)
        : withUnsafeBytes(of: UInt32(text.count).littleEndian, Array.init)
    return [0x93] + Array("NUMPY".utf8) + [major, 0] + length + text + data
}

/// Everything a reader of `path` (a FIFO, say) gets until the writer closes it.
func readAll(_ path: String) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if count <= 0 { return bytes }
        bytes += chunk[..<count]
    }
}

/// The little-endian bytes of `values` as float32.
private func f4(_ values: [Float]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
}

/// The header dict NumPy writes for a C-order array of `descr` and `shape` (a Python tuple literal).
private func dict(_ descr: String = "<f4", shape: String) -> String {
    "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
}

@Suite struct NpyTests {
    // MARK: Interoperability with NumPy

    @Test func readsNumpyFloat64Matrix() throws {
        let array = try NpyArray(bytes: NumpyFixtures.float64Matrix)
        #expect(array.shape == [2, 3])
        #expect(array.values.map(\.bitPattern) == [1.5, -2.25, 3e-3, 1e10, -0.0, Float(Double.pi)].map(\.bitPattern))
    }

    @Test func encodingMatchesNumpyByteForByte() throws {
        let array = NpyArray(vector: [0.1, -7.5, 65504])
        #expect(array.encoded() == NumpyFixtures.float32Vector)
        #expect(try NpyArray(bytes: NumpyFixtures.float32Vector) == array)
    }

    @Test func readsBigEndianFortranOrderByTransposing() throws {
        let array = try NpyArray(bytes: NumpyFixtures.bigEndianFortranMatrix)
        #expect(array.shape == [2, 3])
        #expect(array.values == [1, 2, 3, 4, 5, -6.5])
    }

    @Test func readsVersion2Float16() throws {
        let array = try NpyArray(bytes: NumpyFixtures.version2Half)
        #expect(array.shape == [3])
        #expect(array.values == [1, -0.5, 0x1p-24])
    }

    @Test func readsVersion3AndToleratesOddButValidHeaders() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        let headers = [
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            "{\"shape\": (2L, 3L), \"fortran_order\": False, \"descr\": \"<f4\"}",
            "{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , 'extra': [None, 'x'] }   \n",
        ]
        for header in headers {
            for major: UInt8 in [1, 2, 3] {
                let array = try NpyArray(bytes: npy(header, data: f4(values), major: major))
                #expect(array.shape == [2, 3] && array.values == values, "\(major): \(header)")
            }
        }
        let doubles = try NpyArray(
            bytes: npy(dict("<f8", shape: "(2,)"), data: [0.1, -3].flatMap { withUnsafeBytes(of: $0, Array.init) }))
        #expect(doubles.values == [Float(0.1), -3])
    }

    // MARK: Round trips

    static let roundTripShapes: [[Int]] = [[0], [1], [5], [0, 4], [4, 0], [1, 1], [3, 7], [2, 1000]]

    @Test(arguments: roundTripShapes)
    func float32RoundTripThroughFile(shape: [Int]) throws {
        let scratch = try ScratchDirectory()
        let count = shape.reduce(1, *)
        let values = (0..<count).map { Float($0) * 0.731 - 50 }
        let array = try NpyArray(shape: shape, values: values)
        let path = scratch.file("array.npy")
        try array.write(to: path)
        let read = try NpyArray(contentsOf: path)
        #expect(read == array)
        let bytes = array.encoded()
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
        #expect(bytes.count == 10 + headerLength + 4 * count)
    }

    @Test func headerPaddingMatchesNumpyForEveryHeaderLength() {
        // Widths 1...25 digits sweep the header through a full 64-byte cycle, including the exactly aligned
        // case where NumPy still adds a whole block of padding.
        for digits in 1...18 {
            let rows = Int(String(repeating: "1", count: digits))!
            let bytes = (try! NpyArray(shape: [rows, 0], values: [])).encoded()
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + headerLength) % 64 == 0)
            let text = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
            let core = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), 0), }"
            #expect(text.hasPrefix(core + String(repeating: " ", count: 21 - digits)))
            #expect(text.hasSuffix(" \n"))
        }
    }

    @Test func writeReplacesExistingFileAtomically() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("a.npy")
        try NpyArray(vector: [1, 2, 3]).write(to: path)
        try NpyArray(vector: [4]).write(to: path)
        #expect(try NpyArray(contentsOf: path).values == [4])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["a.npy"])
    }

    @Test func failedWriteLeavesNoPartialOrTemporaryFile() throws {
        let scratch = try ScratchDirectory()
        // Renaming a file over a non-empty directory fails after the data was written to the temporary file.
        let blocked = scratch.file("blocked.npy")
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        #expect(throws: NpyError.self) { try NpyArray(vector: [1, 2]).write(to: blocked) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["blocked.npy"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: blocked) == ["inside"])

        let nowhere = scratch.file("missing/dir/x.npy")
        do {
            try NpyArray(vector: [1]).write(to: nowhere)
            Issue.record("write into a missing directory succeeded")
        } catch {
            guard case .io(let path, let reason) = error else { throw error }
            #expect(path == nowhere && reason.contains("No such file or directory"))
        }
        #expect(!FileManager.default.fileExists(atPath: nowhere))
    }

    // MARK: Where writes go (OutputFile)

    @Test func writeFollowsSymlinksAndKeepsPermissions() throws {
        let scratch = try ScratchDirectory()
        let target = scratch.file("real.npy")
        try NpyArray(vector: [1]).write(to: target)
        #expect(chmod(target, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link.npy"), withDestinationPath: "real.npy")
        try NpyArray(vector: [2, 3]).write(to: scratch.file("link.npy"))
        #expect(try NpyArray(contentsOf: target).values == [2, 3])
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.file("link.npy"))
        #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.file("link.npy")) == "real.npy")
        #expect((try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int) == 0o600)

        // A dangling link creates its target; a chain of links is followed to the end.
        try FileManager.default.createSymbolicLink(atPath: scratch.file("dangling"), withDestinationPath: "new.npy")
        try FileManager.default.createSymbolicLink(
            atPath: scratch.file("chain"), withDestinationPath: scratch.file("dangling"))
        try NpyArray(vector: [4]).write(to: scratch.file("chain"))
        #expect(try NpyArray(contentsOf: scratch.file("new.npy")).values == [4])
        #expect(
            (try FileManager.default.attributesOfItem(atPath: scratch.file("new.npy"))[.posixPermissions] as? Int)
                == 0o644)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == [
                "chain", "dangling", "link.npy", "new.npy", "real.npy",
            ])

        // A link loop and a link to a directory are refused, naming why.
        try FileManager.default.createSymbolicLink(atPath: scratch.file("loop"), withDestinationPath: "loop")
        #expect(throws: NpyError.io(path: scratch.file("loop"), reason: "Too many levels of symbolic links")) {
            try NpyArray(vector: [1]).write(to: scratch.file("loop"))
        }
        try FileManager.default.createSymbolicLink(atPath: scratch.file("dir"), withDestinationPath: scratch.path)
        #expect(throws: NpyError.io(path: scratch.file("dir"), reason: "it links to directory \(scratch.path)")) {
            try NpyArray(vector: [1]).write(to: scratch.file("dir"))
        }
    }

    @Test func fifoIsWrittenInPlaceNotReplaced() async throws {
        let scratch = try ScratchDirectory()
        let fifo = scratch.file("pipe.npy")
        #expect(mkfifo(fifo, 0o600) == 0)
        // Opening a FIFO for writing waits for a reader, as for any writer.
        async let read = onOwnThread { readAll(fifo) }
        let array = try NpyArray(shape: [2, 2], values: [1, 2, 3, 4])
        try await onOwnThread { try array.write(to: fifo) }
        #expect(try NpyArray(bytes: await read) == array)
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["pipe.npy"])
    }

    @Test func abandonedOutputLeavesNothingAndTargetUntouched() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("out.npy")
        try NpyArray(vector: [7]).write(to: path)
        // The temporary path is announced before the file exists, so a signal handler can know it first.
        var announced: [(path: String, existed: Bool)] = []
        let file = try OutputFile(path: path) { announced.append(($0, FileManager.default.fileExists(atPath: $0))) }
        let temporary = try #require(file.temporaryPath)
        #expect(announced.map(\.path) == [temporary] && announced.allSatisfy { !$0.existed })
        #expect(temporary.hasPrefix(scratch.file(".out.npy.tmp-")))
        var info = stat()
        #expect(stat(temporary, &info) == 0 && info.st_mode & 0o777 == 0o600)
        try [UInt8](repeating: 1, count: 3_000_000).withUnsafeBytes { try file.write($0) }
        #expect(FileManager.default.fileExists(atPath: temporary))
        file.abandon()
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(try NpyArray(contentsOf: path).values == [7])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["out.npy"])
    }

    // MARK: Reading rows in blocks (NpyRowReader)

    @Test func rowReaderMatchesWholeFileReadInEveryLayout() throws {
        let scratch = try ScratchDirectory()
        let rows = 37
        let columns = 5
        let values = (0..<(rows * columns)).map { Float($0) * 0.25 - 3 }
        let layouts: [(String, Bool, (Float) -> [UInt8])] = [
            ("<f4", false, { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }),
            (">f4", false, { withUnsafeBytes(of: $0.bitPattern.bigEndian, Array.init) }),
            ("<f8", true, { withUnsafeBytes(of: Double($0).bitPattern.littleEndian, Array.init) }),
            (">f8", true, { withUnsafeBytes(of: Double($0).bitPattern.bigEndian, Array.init) }),
            ("<f2", false, { withUnsafeBytes(of: Float16($0).bitPattern.littleEndian, Array.init) }),
        ]
        for (descr, fortran, encode) in layouts {
            for fortranOrder in Set([false, fortran, true]) {
                let ordered =
                    fortranOrder
                    ? (0..<columns).flatMap { c in (0..<rows).map { r in values[r * columns + c] } } : values
                let header =
                    "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': (\(rows), \(columns)), }"
                let path = scratch.file("m.npy")
                try Data(npy(header, data: ordered.flatMap(encode))).write(to: URL(fileURLWithPath: path))
                let whole = try NpyArray(contentsOf: path)
                let reader = try NpyRowReader(path: path)
                #expect(reader.shape == [rows, columns] && reader.rowsRead == 0)
                var streamed = [Float](repeating: .nan, count: rows * columns)
                var row = 0
                for block in [1, 7, 16, 0, 13] {
                    try streamed.withUnsafeMutableBufferPointer {
                        try reader.read(rows: block, into: $0.baseAddress! + row * columns)
                    }
                    row += block
                }
                #expect(row == rows && reader.rowsRead == rows)
                #expect(streamed == whole.values, "\(descr) fortran \(fortranOrder)")
            }
        }
    }

    @Test func rowReaderChecksTheFileBeforeReadingData() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("short.npy")
        try Data(npy(dict(shape: "(4, 3)"), data: f4(Array(repeating: 1, count: 11))))
            .write(to: URL(fileURLWithPath: path))
        #expect(throws: NpyError.dataSizeMismatch(expected: 48, got: 44)) { try NpyRowReader(path: path) }
        try Data(npy(dict("<i8", shape: "(4, 3)"))).write(to: URL(fileURLWithPath: path))
        #expect(throws: NpyError.unsupportedDType("'<i8'")) { try NpyRowReader(path: path) }
        try Data("not numpy at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: NpyError.badMagic) { try NpyRowReader(path: path) }
        #expect(throws: NpyError.io(path: scratch.file("none.npy"), reason: "No such file or directory")) {
            try NpyRowReader(path: scratch.file("none.npy"))
        }
        #expect(throws: NpyError.io(path: scratch.path, reason: "it is a directory")) {
            try NpyRowReader(path: scratch.path)
        }
    }

    @Test func rowReaderStreamsFromAPipeAndNoticesItEndingEarly() throws {
        func pipeReader(_ bytes: [UInt8]) throws -> (NpyRowReader, Int32) {
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            let writer = ends[1]
            Thread.detachNewThread {
                _ = bytes.withUnsafeBytes { write(writer, $0.baseAddress!, $0.count) }
                close(writer)
            }
            return (try NpyRowReader(fileDescriptor: ends[0], name: "standard input"), ends[0])
        }
        let values = (0..<12).map(Float.init)
        let (reader, descriptor) = try pipeReader(npy(dict(shape: "(4, 3)"), data: f4(values)))
        defer { close(descriptor) }
        var got = [Float](repeating: 0, count: 12)
        try got.withUnsafeMutableBufferPointer { try reader.read(rows: 4, into: $0.baseAddress!) }
        #expect(got == values)

        let (short, shortDescriptor) = try pipeReader(npy(dict(shape: "(4, 3)"), data: f4(Array(values.prefix(10)))))
        defer { close(shortDescriptor) }
        try got.withUnsafeMutableBufferPointer { try short.read(rows: 3, into: $0.baseAddress!) }
        #expect(throws: NpyError.dataSizeMismatch(expected: 48, got: 40)) {
            try got.withUnsafeMutableBufferPointer { try short.read(rows: 1, into: $0.baseAddress!) }
        }
        let fortran = "{'descr': '<f4', 'fortran_order': True, 'shape': (4, 3), }"
        #expect(throws: NpyError.self) { _ = try pipeReader(npy(fortran, data: f4(values))) }
    }

    @Test func readingMissingFileOrDirectory() throws {
        let scratch = try ScratchDirectory()
        #expect(throws: NpyError.io(path: scratch.file("x.npy"), reason: "No such file or directory")) {
            try NpyArray(contentsOf: scratch.file("x.npy"))
        }
        #expect(throws: NpyError.io(path: scratch.path, reason: "not a regular file")) {
            try NpyArray(contentsOf: scratch.path)
        }
    }

    @Test func initValidatesShape() throws {
        #expect(throws: NpyError.valueCountMismatch(shape: [2, 3], count: 5)) {
            try NpyArray(shape: [2, 3], values: [1, 2, 3, 4, 5])
        }
        #expect(throws: NpyError.unsupportedRank(shape: [1, 1, 1])) { try NpyArray(shape: [1, 1, 1], values: [1]) }
        #expect(throws: NpyError.unsupportedRank(shape: [])) { try NpyArray(shape: [], values: [1]) }
        #expect(throws: NpyError.badShape([-1, 2])) { try NpyArray(shape: [-1, 2], values: []) }
        #expect(throws: NpyError.badShape([1 << 62, 4])) { try NpyArray(shape: [1 << 62, 4], values: []) }
    }

    // MARK: Corrupt files

    @Test func badMagic() {
        #expect(throws: NpyError.badMagic) { try NpyArray(bytes: Array("PK\u{3}\u{4} not numpy at all".utf8)) }
        #expect(throws: NpyError.badMagic) { try NpyArray(bytes: [0x93, 0x4E] + Array("OPE".utf8)) }
        var wrong = NumpyFixtures.float32Vector
        wrong[1] = UInt8(ascii: "n")
        #expect(throws: NpyError.badMagic) { try NpyArray(bytes: wrong) }
    }

    @Test func truncatedPreamble() {
        #expect(throws: NpyError.truncatedPreamble(size: 0)) { try NpyArray(bytes: []) }
        #expect(throws: NpyError.truncatedPreamble(size: 5)) {
            try NpyArray(bytes: Array(NumpyFixtures.float32Vector.prefix(5)))
        }
        #expect(throws: NpyError.truncatedPreamble(size: 9)) {
            try NpyArray(bytes: Array(NumpyFixtures.float32Vector.prefix(9)))
        }
        #expect(throws: NpyError.truncatedPreamble(size: 11)) {
            try NpyArray(bytes: Array(NumpyFixtures.version2Half.prefix(11)))
        }
    }

    @Test func unsupportedVersion() {
        var bytes = NumpyFixtures.float32Vector
        bytes[6] = 4
        #expect(throws: NpyError.unsupportedVersion(major: 4, minor: 0)) { try NpyArray(bytes: bytes) }
        bytes[6] = 1
        bytes[7] = 1
        #expect(throws: NpyError.unsupportedVersion(major: 1, minor: 1)) { try NpyArray(bytes: bytes) }
    }

    @Test func headerLengthPastEnd() {
        #expect(throws: NpyError.headerPastEnd(length: 118, available: 100)) {
            try NpyArray(bytes: Array(NumpyFixtures.float32Vector.prefix(110)))
        }
        var huge = Array(NumpyFixtures.version2Half.prefix(40))
        huge[8...11] = [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: NpyError.headerPastEnd(length: 0xFFFF_FFFF, available: 28)) { try NpyArray(bytes: huge) }
    }

    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4}", "expected ',' or ')'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), ", "unterminated dict"),
        ("['descr', '<f4']", "expected a dict"),
        ("{'descr': '<f4', 'shape': (3,)}", "it has 'descr', 'shape'"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}", "fortran_order is 0"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [3]}", "shape is [3]"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", "shape is 3"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3.5,)}", "expected an integer"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': ('3',)}", "64-bit integers"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "64-bit integers"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'descr': '<f8'}", "duplicate key 'descr'"),
        ("{'descr': '<f4', 'fortran_order': __import__('os'), 'shape': (3,)}", "unsupported name"),
        ("{1: '<f4'}", "dict keys must be strings"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} extra", "unexpected text"),
        (String(repeating: "(", count: 10000), "nesting deeper"),
        ("", "unexpected end of header"),
    ])
    func unparsableHeader(header: String, reason: String) {
        do {
            _ = try NpyArray(bytes: npy(header, data: f4([1, 2, 3])))
            Issue.record("accepted \(header.prefix(60))")
        } catch {
            guard case .invalidHeader(let message) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(message.contains(reason), "\(message)")
        }
    }

    @Test(arguments: [
        ("<i4", "'<i4'"), ("|O", "'|O'"), ("<c8", "'<c8'"), ("|u1", "'|u1'"), ("=f4", "'=f4'"),
    ])
    func unsupportedDType(descr: String, named: String) {
        #expect(throws: NpyError.unsupportedDType(named)) {
            try NpyArray(bytes: npy(dict(descr, shape: "(3,)"), data: f4([1, 2, 3])))
        }
    }

    @Test func structuredDTypeIsUnsupported() {
        let header = "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1,), }"
        #expect(throws: NpyError.unsupportedDType("[('x', '<f4'), ('y', '<f4')]")) {
            try NpyArray(bytes: npy(header, data: f4([1, 2])))
        }
        #expect(NpyError.unsupportedDType("'|O'").description.contains("'|O'"))
    }

    @Test func moreThanTwoDimensionsOrScalar() {
        #expect(throws: NpyError.unsupportedRank(shape: [2, 2, 2])) {
            try NpyArray(bytes: npy(dict(shape: "(2, 2, 2)"), data: f4(.init(repeating: 0, count: 8))))
        }
        #expect(throws: NpyError.unsupportedRank(shape: [])) {
            try NpyArray(bytes: npy(dict(shape: "()"), data: f4([1])))
        }
    }

    @Test func negativeOrOverflowingShape() {
        #expect(throws: NpyError.badShape([-1, 3])) { try NpyArray(bytes: npy(dict(shape: "(-1, 3)"))) }
        #expect(throws: NpyError.badShape([1 << 62, 4])) { try NpyArray(bytes: npy(dict(shape: "(\(1 << 62), 4)"))) }
        // The element count fits in Int but the byte count does not.
        #expect(throws: NpyError.badShape([1 << 62])) { try NpyArray(bytes: npy(dict(shape: "(\(1 << 62),)"))) }
    }

    @Test func dataShorterOrLongerThanShape() {
        #expect(throws: NpyError.dataSizeMismatch(expected: 12, got: 8)) {
            try NpyArray(bytes: npy(dict(shape: "(3,)"), data: f4([1, 2])))
        }
        #expect(throws: NpyError.dataSizeMismatch(expected: 12, got: 16)) {
            try NpyArray(bytes: npy(dict(shape: "(3,)"), data: f4([1, 2, 3, 4])))
        }
        #expect(throws: NpyError.dataSizeMismatch(expected: 48, got: 47)) {
            try NpyArray(bytes: Array(NumpyFixtures.float64Matrix.dropLast()))
        }
        // A huge claimed shape is rejected by size before anything is allocated for it.
        #expect(throws: NpyError.dataSizeMismatch(expected: 4 << 40, got: 4)) {
            try NpyArray(bytes: npy(dict(shape: "(\(1 << 40),)"), data: f4([1])))
        }
    }

    @Test func everyErrorDescriptionNamesTheProblem() {
        let cases: [(NpyError, String)] = [
            (.io(path: "/x", reason: "denied"), "/x"), (.badMagic, "NUMPY"), (.truncatedPreamble(size: 3), "3 bytes"),
            (.unsupportedVersion(major: 9, minor: 1), "9.1"), (.headerPastEnd(length: 9, available: 2), "truncated"),
            (.invalidHeader("oops"), "oops"), (.unsupportedDType("'<i4'"), "float32"),
            (.unsupportedRank(shape: [1, 2, 3]), "3 dimensions"), (.badShape([-1]), "[-1]"),
            (.dataSizeMismatch(expected: 4, got: 2), "need 4"), (.valueCountMismatch(shape: [2], count: 1), "[2]"),
        ]
        for (error, fragment) in cases { #expect(error.description.contains(fragment), "\(error)") }
    }
}
