import DenseKernels

/// libFuzzer entry point: parses the input as a `.npy` file and checks that what parses round-trips.
///
/// A parse failure must be a typed `NpyError` (the typed `throws` guarantees it); a crash, sanitizer
/// report, hang or huge allocation is a finding. An array that parses must re-encode to a float32 file
/// that parses back to the same shape and the same bit patterns.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fileBytes(UnsafeBufferPointer(start: data, count: size))
    let array: NpyArray
    do {
        array = try NpyArray(bytes: bytes)
    } catch {
        return 0
    }
    let count = array.shape.reduce(1, *)
    precondition(array.values.count == count, "values do not fill shape \(array.shape)")

    let reread: NpyArray
    do {
        reread = try NpyArray(bytes: array.encoded())
    } catch {
        preconditionFailure("the re-encoded array of shape \(array.shape) does not parse: \(error)")
    }
    precondition(reread.shape == array.shape, "round trip changed shape \(array.shape) to \(reread.shape)")
    // Compared as bit patterns: NaN != NaN, but float32 re-encoding must keep every bit.
    precondition(
        reread.values.map(\.bitPattern) == array.values.map(\.bitPattern), "round trip changed the values")
    return 0
}

/// The file an input stands for: the input itself, or, when it starts with `{`, a header dict written
/// as text up to the first NUL byte and the data after it, behind a computed version 1.0 preamble
/// (2.0 if the header needs a 4-byte length).
///
/// The second form lets mutations grow or shrink the header (longer shapes, other keys) without also
/// having to fix the length field; the first form still reaches the preamble checks.
private func fileBytes(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    guard input.first == UInt8(ascii: "{") else { return Array(input) }
    let split = input.firstIndex(of: 0) ?? input.count
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8)
    if split <= Int(UInt16.max) {
        bytes += [1, 0] + withUnsafeBytes(of: UInt16(split).littleEndian, Array.init)
    } else {
        bytes += [2, 0] + withUnsafeBytes(of: UInt32(split).littleEndian, Array.init)
    }
    bytes.append(contentsOf: input[..<split])
    if split < input.count { bytes.append(contentsOf: input[(split + 1)...]) }
    return bytes
}
