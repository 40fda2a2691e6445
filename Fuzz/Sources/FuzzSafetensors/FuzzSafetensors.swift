import DenseKernels

/// libFuzzer entry point: parses the input as a safetensors file, decodes every tensor, and builds a
/// `DenseModel` from it with the caller's activations.
///
/// Every failure must be a typed `SafetensorsError`; a crash, sanitizer report, hang or huge
/// allocation is a finding. A model that loads must also compute one row.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fileBytes(UnsafeBufferPointer(start: data, count: size))
    let file: SafetensorsFile
    do {
        file = try SafetensorsFile(bytes: bytes)
    } catch {
        return 0
    }
    checkTensors(file)
    // The activations come from the metadata, and then from the caller, whose list is picked by the
    // input's size so different inputs try different activations.
    loadModel(file, activations: nil)
    let layerCount: Int
    do {
        _ = try DenseModel(safetensors: file, activations: [])
        return 0
    } catch {
        guard case .activationCount(let expected, _) = error else { return 0 }
        layerCount = expected
    }
    let choices = Activation.allCases
    let activations = (0..<layerCount).map { choices[(size + $0) % choices.count] }
    loadModel(file, activations: activations)
    // Softmax only on the last layer, so a list the model accepts is tried too.
    loadModel(file, activations: activations.map { $0 == .softmax ? .relu : $0 })
    return 0
}

/// The file an input stands for: the input itself, or, when it starts with `{`, a header written as
/// text up to the first NUL byte and the data after it, with the 8-byte header length computed.
///
/// The second form lets mutations grow or shrink the JSON (longer numbers, more tensors) without also
/// having to fix the length field, which random mutation almost never does; the first form still
/// reaches the length checks.
private func fileBytes(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    guard input.first == UInt8(ascii: "{") else { return Array(input) }
    let split = input.firstIndex(of: 0) ?? input.count
    let length = UInt64(split)
    var bytes = withUnsafeBytes(of: length.littleEndian, Array.init)
    bytes.append(contentsOf: input[..<split])
    if split < input.count { bytes.append(contentsOf: input[(split + 1)...]) }
    return bytes
}

/// Decodes every tensor: the header was validated when the file opened, so none may fail.
private func checkTensors(_ file: SafetensorsFile) {
    let names = file.tensorNames
    precondition(names.count == file.tensors.count, "tensorNames lost a tensor")
    for name in names {
        let info = file.tensors[name]!
        precondition(info.byteRange.count == info.elementCount * info.dtype.byteSize, "byte range mismatch")
        do {
            let values = try file.floats(name)
            precondition(values.count == info.elementCount, "floats(\(name)) returned the wrong count")
        } catch {
            preconditionFailure("floats(\(name)) failed on a validated tensor: \(error)")
        }
    }
}

/// Loads a model; if it loads, checks its shape and computes one row of zeros.
private func loadModel(_ file: SafetensorsFile, activations: [Activation]?) {
    let model: DenseModel
    do {
        model = try DenseModel(safetensors: file, activations: activations)
    } catch {
        return
    }
    precondition(model.inputWidth > 0 && model.outputWidth > 0, "a loaded model has an empty layer")
    // The weights came from the file, so one row costs at most a few thousand multiply-adds.
    let output = model.predict([Float](repeating: 0, count: model.inputWidth))
    precondition(output.count == model.outputWidth, "predict returned the wrong width")
}
