public import BatchProcessing
public import DenseKernels

/// Why `batchkit infer` could not produce its output, in one line a user can act on.
public enum InferError: Error, CustomStringConvertible {
    /// `--model` is neither a built-in name nor an existing file.
    case modelNotFound(String, builtIns: [String])
    /// The model file exists but is not a usable safetensors model.
    case badModel(path: String, SafetensorsError)
    /// `--activations` names something that is not an activation.
    case unknownActivation(String)
    /// `--activations` was given for a built-in model, whose activations are fixed.
    case activationsForBuiltIn(String)
    /// The input file could not be read.
    case unreadableInput(path: String, reason: String)
    /// The input file is not a valid `.npy` file of a supported float type.
    case badInput(path: String, NpyError)
    /// The input is not a 2-D array of rows.
    case inputNotMatrix(path: String, shape: [Int])
    /// The input's rows have a different width than the model takes.
    case widthMismatch(path: String, columns: Int, expected: Int)
    /// A flag's value cannot work with this model on this machine (a batch that would not fit in
    /// memory, say); the text names the flag. `batchkit` exits 64 for it, as for any bad flag.
    case flag(String)
    /// An input value is NaN or infinite and `--non-finite reject` refuses those.
    case nonFiniteInput(path: String, row: Int, column: Int, value: Float)
    /// The output cannot be written where asked (checked before computing anything).
    case unwritableOutput(path: String, reason: String)
    /// The scheduler settings are invalid.
    case configuration(ConfigurationError)
    /// The processor refused to start or failed an item.
    case processing(row: Int?, BatchProcessorError)

    /// Whether this is a bad flag value (exit 64) rather than a problem with the files or the run (exit 1).
    public var isFlagError: Bool {
        if case .flag = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .modelNotFound(let name, let builtIns):
            return "model '\(name)' is not a file and not a built-in model (\(builtIns.joined(separator: ", ")))"
        case .badModel(let path, .missingActivations(let layers)):
            return "cannot load model \(path): it has \(layers) layers and no 'activations' metadata; pass them with "
                + "--activations (one per layer, e.g. relu,relu,softmax)"
        case .badModel(let path, let error):
            return "cannot load model \(path): \(error)"
        case .unknownActivation(let name):
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown activation '\(name)' in --activations; use one of \(known)"
        case .activationsForBuiltIn(let name):
            return "--activations applies to .safetensors models; the built-in model '\(name)' has fixed activations"
        case .unreadableInput(let path, let reason):
            return "cannot read input \(path): \(reason)"
        case .badInput(let path, let error):
            return "input \(path) is not a usable .npy file: \(error)"
        case .inputNotMatrix(let path, let shape):
            let dims = shape.map(String.init).joined(separator: ", ")
            return "input \(path) has shape (\(dims)); it must be 2-D (rows, features), e.g. x.reshape(1, -1)"
        case .widthMismatch(let path, let columns, let expected):
            return "input \(path) has rows of \(columns) features but the model takes \(expected)"
        case .flag(let message):
            return message
        case .nonFiniteInput(let path, let row, let column, let value):
            return "input \(path) row \(row) holds \(value) at column \(column); --non-finite reject refuses NaN and "
                + "infinite inputs (--non-finite propagate computes them: NaN in, NaN out)"
        case .unwritableOutput(let path, let reason):
            return "cannot write output \(path): \(reason)"
        case .configuration(let error):
            return "\(error)"
        case .processing(let row?, let error):
            return "row \(row) failed: \(error)"
        case .processing(nil, let error):
            return "the batch processor failed: \(error)"
        }
    }
}
