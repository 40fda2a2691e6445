/// The element-wise (or, for softmax, row-wise) function a ``DenseLayer`` applies after its matrix product.
public enum Activation: String, Sendable, CaseIterable, Codable {
    /// `f(x) = x`.
    case identity
    /// `f(x) = max(x, 0)`.
    case relu
    /// The tanh approximation of GELU: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    case gelu
    /// `f(x) = 1 / (1 + e^(−x))`.
    case sigmoid
    /// `f(x) = tanh(x)`.
    case tanh
    /// Per row: `e^(x_i − max) / Σ_j e^(x_j − max)`, stable for any finite input.
    ///
    /// Non-finite inputs give what the float64 definitions give (see ``reference(_:)`` and
    /// ``softmaxReference(_:)``): NaN stays NaN; the batched epilogue matches them exactly.
    case softmax

    /// Parses a name as written in safetensors metadata or on the command line (`linear` means identity).
    public init?(name: String) {
        let lowered = name.trimmingCharacters(in: " \t").lowercased()
        switch lowered {
        case "", "none", "linear", "identity": self = .identity
        default:
            guard let value = Activation(rawValue: lowered) else { return nil }
            self = value
        }
    }

    /// The scalar definition in double precision: the reference the vectorised epilogue is tested against.
    ///
    /// Softmax has no scalar form; it returns `x` (use ``softmaxReference(_:)``).
    public func reference(_ x: Double) -> Double {
        switch self {
        case .identity, .softmax: return x
        case .relu: return x.isNaN ? x : max(x, 0)
        case .gelu:
            let inner = (2.0 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)
            return 0.5 * x * (1 + Foundation_tanh(inner))
        case .sigmoid: return 1 / (1 + Foundation_exp(-x))
        case .tanh: return Foundation_tanh(x)
        }
    }

    /// The softmax of `row` in double precision, shifted by the maximum for stability: NumPy's
    /// `e = np.exp(x - x.max()); e / e.sum()`.
    ///
    /// As there, a NaN anywhere makes the whole row NaN, and so does a +∞ (`e^(∞−∞)`) or a row of
    /// only −∞; a −∞ beside finite values gives exactly 0.
    public static func softmaxReference(_ row: [Double]) -> [Double] {
        guard !row.isEmpty else { return [] }
        // `max()` compares with `<`, which would skip a NaN; NumPy's maximum propagates it.
        let peak = row.contains(where: \.isNaN) ? .nan : row.max()!
        let exps = row.map { Foundation_exp($0 - peak) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
