/// Why a ridge readout could not be fitted by ``DenseLayer/fitRidge(x:y:rows:inputs:outputs:lambda:fitBias:activation:precision:)``.
public enum RidgeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `rows`, `inputs` or `outputs` was zero or negative, or their products overflow.
    case invalidShape(rows: Int, inputs: Int, outputs: Int)
    /// The design matrix `x` does not hold `rows × inputs` values.
    case inputCount(expected: Int, got: Int)
    /// The target matrix `y` does not hold `rows × outputs` values.
    case targetCount(expected: Int, got: Int)
    /// The design and target views have different row counts.
    case rowCountMismatch(inputs: Int, targets: Int)
    /// The regularisation strength was negative, infinite or NaN.
    case invalidLambda(Float)
    /// `x[row, column]` is infinite or NaN.
    case nonFiniteInput(row: Int, column: Int)
    /// `y[row, column]` is infinite or NaN.
    case nonFiniteTarget(row: Int, column: Int)
    /// The Cholesky factorisation of `XᵀX + λI` failed: the leading minor of order `info` (LAPACK's
    /// 1-based `info`) is not positive definite, or its pivot fell to rounding level.
    case notPositiveDefinite(info: Int, lambda: Float)

    /// What went wrong with the fit, in one line.
    public var description: String {
        switch self {
        case .invalidShape(let rows, let inputs, let outputs):
            return "ridge shape rows=\(rows), inputs=\(inputs), outputs=\(outputs) is invalid; all must be positive"
        case .inputCount(let expected, let got):
            return "x holds \(got) values, expected \(expected) (rows × inputs, row-major)"
        case .targetCount(let expected, let got):
            return "y holds \(got) values, expected \(expected) (rows × outputs, row-major)"
        case .rowCountMismatch(let inputs, let targets):
            return "x has \(inputs) rows but y has \(targets); each sample needs one row in both"
        case .invalidLambda(let lambda):
            return "lambda \(lambda) is invalid; it must be finite and ≥ 0"
        case .nonFiniteInput(let row, let column):
            return "x[\(row), \(column)] is not finite; remove or impute the sample before fitting"
        case .nonFiniteTarget(let row, let column):
            return "y[\(row), \(column)] is not finite; remove or impute the sample before fitting"
        case .notPositiveDefinite(let info, let lambda):
            return "XᵀX + λI is not positive definite (LAPACK info \(info): input column \(info - 1) is "
                + "linearly dependent on earlier ones at λ = \(lambda)); raise lambda, for example to 1e-3 × "
                + "the mean squared feature value × rows, or drop duplicated features"
        }
    }
}
