import DenseKernels
import Glibc

/// libFuzzer entry point: the streaming reader must agree with the whole-file parser on every input.
///
/// The first byte picks the block size rows are read in (1 to 8) and whether the bytes come from a
/// regular file (an anonymous `memfd`) or a pipe; the rest is the `.npy` file. Whatever one reader
/// accepts the other must accept with the same shape, and every block read must hold the same bit
/// patterns as the whole-file parse; a refusal must be a typed `NpyError`. A pipe refuses Fortran order
/// and cannot check the data's length before reading, so there a short file may only fail at a read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let block = Int(data[0] & 7) + 1
    let viaPipe = data[0] & 8 != 0
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    // A pipe holds 64 KiB without a reader; larger inputs go through the file.
    guard let descriptor = viaPipe && bytes.count < 60_000 ? pipeHolding(bytes) : fileHolding(bytes) else {
        preconditionFailure("cannot create a descriptor: errno \(errno)")
    }
    defer { close(descriptor) }
    let whole = try? NpyArray(bytes: Array(bytes))

    let reader: NpyRowReader
    do {
        reader = try NpyRowReader(fileDescriptor: descriptor, name: "fuzz")
    } catch {
        return 0
    }
    guard let whole else {
        // Accepted from a pipe, where the data's length is unknown until it is read: reading must fail
        // with a typed error or find the data the whole-file parser missed — never crash.
        precondition(viaPipe, "the stream reader accepted a file the whole-file parser refuses")
        readAll(reader, block: block) { _, _ in }
        return 0
    }
    precondition(reader.shape == whole.shape, "shapes differ: \(reader.shape) vs \(whole.shape)")
    guard reader.shape.count == 2 else { return 0 }
    let columns = reader.columns
    let complete = readAll(reader, block: block) { row, values in
        for (offset, value) in values.enumerated() {
            let expected = whole.values[row * columns + offset]
            precondition(value.bitPattern == expected.bitPattern, "row \(row) differs at \(offset)")
        }
    }
    precondition(complete, "the stream reader failed on data the whole-file parser read")
    return 0
}

/// Reads every row in blocks of `block`, handing each row to `check`; whether every row was read.
@discardableResult
private func readAll(_ reader: NpyRowReader, block: Int, check: (Int, ArraySlice<Float>) -> Void) -> Bool {
    // Rows are only allocated for what the header promises when the data is small: a header may claim
    // billions of rows of a 1-element array, which the reads then fail on.
    guard reader.columns <= 1 << 16 else { return false }
    var buffer = [Float](repeating: 0, count: block * max(reader.columns, 1))
    // Rows of no values hold no bytes: one read takes them all, however many the header claims.
    let block = reader.columns == 0 ? max(reader.rows, 1) : block
    var row = 0
    while row < reader.rows {
        let count = min(block, reader.rows - row)
        do {
            try buffer.withUnsafeMutableBufferPointer { try reader.read(rows: count, into: $0.baseAddress!) }
        } catch {
            return false
        }
        for offset in 0..<count {
            let start = offset * reader.columns
            check(row + offset, buffer[start..<(start + reader.columns)])
        }
        row += count
    }
    return true
}

/// A regular file holding `bytes`, read from its start: unlinked at once, in memory (`/dev/shm`) where
/// there is one, so nothing is left behind and the disk is not touched per input.
private func fileHolding(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    let folder = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    var template = Array("\(folder)/fuzz-npy-XXXXXX".utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { return nil }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    guard writeAll(descriptor, bytes), lseek(descriptor, 0, SEEK_SET) == 0 else {
        close(descriptor)
        return nil
    }
    return descriptor
}

/// The read end of a pipe holding `bytes`, its write end closed.
private func pipeHolding(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { return nil }
    defer { close(ends[1]) }
    guard writeAll(ends[1], bytes) else {
        close(ends[0])
        return nil
    }
    return ends[0]
}

private func writeAll(_ descriptor: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var done = 0
    while done < bytes.count {
        let result = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
        if result < 0 && errno == EINTR { continue }
        guard result > 0 else { return false }
        done += result
    }
    return true
}
