/// Why a safetensors file could not be read, written, or turned into a ``DenseModel``.
///
/// Every corrupt or hostile file maps to one of these cases; the reader never traps and never sizes an
/// allocation from a number in the header before checking it against the file.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened, read or written.
    case io(path: String, reason: String)
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case fileTooSmall(size: Int)
    /// The header length claims more bytes than follow it in the file.
    case headerPastEnd(length: UInt64, fileSize: Int)
    /// The header length exceeds the reader's limit, a sign of a corrupt or hostile file.
    case headerTooLarge(length: UInt64, limit: Int)
    /// The header is not a JSON object of the expected form; the text says what is wrong.
    case invalidHeader(String)
    /// A tensor entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(tensor: String, field: String)
    /// A tensor has a dtype this reader does not know.
    case unknownDType(tensor: String, dtype: String)
    /// A shape has a negative dimension, or its byte size overflows `Int`.
    case badShape(tensor: String, shape: [Int])
    /// A tensor's `data_offsets` are reversed or reach past the end of the data section.
    case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's byte range is not `product(shape) × dtype size` bytes long.
    case byteCountMismatch(tensor: String, expected: Int, got: Int)
    /// No tensor has this name.
    case missingTensor(String)
    /// A tensor name appears twice, or collides with the reserved `__metadata__` key.
    case duplicateTensor(String)
    /// The writer was given a number of values that does not fill the shape.
    case valueCountMismatch(tensor: String, expected: Int, got: Int)
    /// The writer cannot encode floats in this dtype (it writes F32, F16, BF16 and F64).
    case unsupportedDType(tensor: String, dtype: String)
    /// A layer tensor has the wrong number of dimensions (weights are `[out, in]`, biases `[out]`).
    case unexpectedRank(tensor: String, shape: [Int], expectedRank: Int)
    /// No `<prefix><index>.weight` tensors were found; `prefix` is the one searched, `nil` if inferred.
    case noLayers(prefix: String?)
    /// Several prefixes have integer-indexed weights, so the layer stack is not unambiguous.
    case ambiguousPrefix([String])
    /// A layer's weight takes a different number of inputs than the previous layer produces.
    case layerShapeMismatch(tensor: String, expectedInputs: Int, got: Int)
    /// A bias does not have one value per output of its weight.
    case biasLengthMismatch(tensor: String, expected: Int, got: Int)
    /// Neither the caller nor the `activations` metadata said which activation each layer uses.
    case missingActivations(layers: Int)
    /// The number of activations differs from the number of layers.
    case activationCount(expected: Int, got: Int)
    /// An activation name in the metadata is not one ``Activation/init(name:)`` accepts.
    case unknownActivation(String)
    /// The layers are individually valid but do not form a model.
    case model(DenseModelError)
    /// A layer tensor holds integers (or booleans): the file does not say how they were quantised, so
    /// reading them as floats would compute with the raw codes.
    case integerTensor(tensor: String, dtype: String)
    /// A layer tensor holds a NaN or an infinity (after conversion to float32), at this index.
    case nonFiniteValue(tensor: String, index: [Int], value: Float)
    /// A `<prefix><index>.bias` tensor has no `<prefix><index>.weight` beside it.
    case orphanBias(tensor: String, missingWeight: String)

    /// What is wrong, in words a user can act on.
    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "cannot access \(path): \(reason)"
        case .fileTooSmall(let size):
            return "file is \(size) bytes, too small for a safetensors file (at least 8 bytes of header length)"
        case .headerPastEnd(let length, let fileSize):
            return "header length \(length) runs past the end of the \(fileSize)-byte file; the file is truncated "
                + "or not safetensors"
        case .headerTooLarge(let length, let limit):
            return "header length \(length) exceeds the \(limit)-byte limit; the file is corrupt or not safetensors"
        case .invalidHeader(let reason):
            return "invalid safetensors header: \(reason)"
        case .missingField(let tensor, let field):
            return "tensor '\(tensor)' has no '\(field)' field; every entry needs dtype, shape and data_offsets"
        case .unknownDType(let tensor, let dtype):
            let known = SafetensorsFile.DType.allCases.map(\.rawValue).joined(separator: ", ")
            return "tensor '\(tensor)' has unknown dtype '\(dtype)'; known dtypes are \(known)"
        case .badShape(let tensor, let shape):
            return "tensor '\(tensor)' has shape \(shape), which has a negative dimension or is too large"
        case .offsetsOutOfRange(let tensor, let begin, let end, let dataSize):
            return "tensor '\(tensor)' has data_offsets [\(begin), \(end)], outside the \(dataSize)-byte data "
                + "section or reversed; the file is truncated or corrupt"
        case .byteCountMismatch(let tensor, let expected, let got):
            return "tensor '\(tensor)' spans \(got) bytes but its shape and dtype need \(expected)"
        case .missingTensor(let name):
            return "the file has no tensor named '\(name)'"
        case .duplicateTensor(let name):
            return "tensor name '\(name)' is used twice or is reserved; give each tensor a unique name"
        case .valueCountMismatch(let tensor, let expected, let got):
            return "tensor '\(tensor)' was given \(got) values but its shape holds \(expected)"
        case .unsupportedDType(let tensor, let dtype):
            return "cannot write tensor '\(tensor)' as \(dtype); the writer supports F32, F16, BF16 and F64"
        case .unexpectedRank(let tensor, let shape, let expectedRank):
            let what = expectedRank == 2 ? "a weight must be 2-D [out, in]" : "a bias must be 1-D [out]"
            return "tensor '\(tensor)' has shape \(shape); \(what)"
        case .noLayers(let prefix):
            if let prefix {
                return "no tensors named '\(prefix)<index>.weight'; check the prefix (list the file's tensors)"
            }
            return "no tensors named '<prefix><index>.weight'; the file holds no integer-indexed layer stack"
        case .ambiguousPrefix(let prefixes):
            let list = prefixes.map { "'\($0)'" }.joined(separator: ", ")
            return "several layer stacks found (prefixes \(list)); pass the prefix of the one to load"
        case .layerShapeMismatch(let tensor, let expectedInputs, let got):
            return "tensor '\(tensor)' takes \(got) inputs but the previous layer produces \(expectedInputs)"
        case .biasLengthMismatch(let tensor, let expected, let got):
            return "bias '\(tensor)' has \(got) values but its weight has \(expected) outputs"
        case .missingActivations(let layers):
            return "the model has \(layers) layers but no activations: pass them explicitly or store them as "
                + "comma-separated metadata 'activations' (e.g. \"relu,relu,softmax\")"
        case .activationCount(let expected, let got):
            return "\(got) activations given for \(expected) layers; give exactly one per layer"
        case .unknownActivation(let name):
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown activation '\(name)'; use one of \(known)"
        case .model(let error):
            return "the layers do not form a model: \(error)"
        case .integerTensor(let tensor, let dtype):
            return "tensor '\(tensor)' is \(dtype): integer weights are refused because the file does not say how "
                + "they were quantised; save the layers as F32, F16 or BF16 (dequantised)"
        case .nonFiniteValue(let tensor, let index, let value):
            let position = index.map(String.init).joined(separator: ", ")
            return "tensor '\(tensor)' holds \(value) at [\(position)] (as float32); a model with NaN or infinite "
                + "parameters computes meaningless outputs"
        case .orphanBias(let tensor, let missingWeight):
            return "tensor '\(tensor)' is a bias without a weight: the file has no '\(missingWeight)'"
        }
    }
}
