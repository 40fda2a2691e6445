internal import CBLAS

extension DenseLayer {
    /// The arithmetic a ridge fit forms and solves its normal equations in.
    ///
    /// Measured on this package's test problems (features with mean ≠ 0, σ = 0.01 noise): single
    /// precision matches double to ~1e-7 relative in the weights for independent features and ~4e-4
    /// for features correlated at 0.9, but differs by ~6 % at correlation 0.99 with mixed scales
    /// (the fit's residual is still within 0.3 %), and rejects features that are correlated at 0.999
    /// as numerically dependent. Double precision costs about twice the time of the Gram product.
    public enum RidgePrecision: Sendable, Equatable {
        /// `cblas_ssyrk` / `cblas_sgemm` / `LAPACKE_sposv`: fastest; accurate while the features are
        /// far from collinear.
        case single
        /// Centred rows widened to `Double`, then `cblas_dsyrk` / `cblas_dgemm` / `LAPACKE_dposv`.
        case double
        /// Single precision, refitted in double when a Cholesky pivot shows the features are nearly
        /// collinear (the smallest pivot below 1e-3 of its diagonal entry), where single loses digits.
        case automatic
    }

    /// Fits a linear readout `y ≈ W·x + b` by ridge regression and returns it as a layer.
    ///
    /// With `X` the `rows × inputs` design matrix and `Y` the `rows × outputs` targets (both row-major),
    /// the fit minimises
    ///
    ///     ‖Y − X·Wᵀ − 1·bᵀ‖²_F + λ·‖W‖²_F
    ///
    /// The bias is not penalised: with column means `x̄`, `ȳ` and centred `Xc = X − 1·x̄ᵀ`,
    /// `Yc = Y − 1·ȳᵀ`, the minimiser solves the normal equations
    ///
    ///     (Xcᵀ·Xc + λ·I)·Wᵀ = Xcᵀ·Yc,        b = ȳ − W·x̄
    ///
    /// `Xcᵀ·Xc` is formed with `cblas_ssyrk`, `Xcᵀ·Yc` with `cblas_sgemm` (in blocks of rows, so the
    /// centred copy stays small), and the system is solved by Cholesky with `LAPACKE_sposv`. Centring
    /// first keeps the Gram matrix well conditioned when features have large means. With
    /// `fitBias: false` nothing is centred and `b = 0`. See ``RidgePrecision`` for when the normal
    /// equations are formed in double precision instead.
    ///
    /// `lambda` is not scaled by `rows`: it is added as is to the diagonal of `XᵀX`, whose entries grow
    /// with the number of rows.
    ///
    /// - Parameters:
    ///   - x: `rows × inputs` features, row-major.
    ///   - y: `rows × outputs` targets, row-major.
    ///   - rows: the number of samples (rows of `x` and `y`).
    ///   - inputs: the features per sample: the returned layer's input width.
    ///   - outputs: the targets per sample: the returned layer's output width.
    ///   - lambda: the ridge penalty λ ≥ 0. With `lambda == 0` the fit is ordinary least squares and
    ///     fails on linearly dependent features.
    ///   - fitBias: whether to fit an unpenalised bias.
    ///   - activation: the activation of the returned layer (the fit itself is linear).
    ///   - precision: the arithmetic of the normal equations.
    /// - Returns: a layer with weights in `[outputs, inputs]` layout.
    /// - Throws: ``RidgeError`` for inconsistent shapes, an invalid `lambda`, non-finite data, or a
    ///   normal-equation matrix that is not (numerically) positive definite.
    /// - Complexity: O(rows · inputs · (inputs + outputs) + inputs³).
    public static func fitRidge(
        x: [Float],
        y: [Float],
        rows: Int,
        inputs: Int,
        outputs: Int,
        lambda: Float,
        fitBias: Bool = true,
        activation: Activation = .identity,
        precision: RidgePrecision = .automatic
    ) throws(RidgeError) -> DenseLayer {
        guard rows > 0, inputs > 0, outputs > 0 else {
            throw .invalidShape(rows: rows, inputs: inputs, outputs: outputs)
        }
        let (xCount, xOverflow) = rows.multipliedReportingOverflow(by: inputs)
        let (yCount, yOverflow) = rows.multipliedReportingOverflow(by: outputs)
        guard !xOverflow, !yOverflow else { throw .invalidShape(rows: rows, inputs: inputs, outputs: outputs) }
        guard x.count == xCount else { throw .inputCount(expected: xCount, got: x.count) }
        guard y.count == yCount else { throw .targetCount(expected: yCount, got: y.count) }
        let result: Result<DenseLayer, RidgeError> = x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                Result { () throws(RidgeError) -> DenseLayer in
                    let problem = RidgeProblem(
                        x: xs.baseAddress!, xStride: inputs, y: ys.baseAddress!, yStride: outputs,
                        rows: rows, inputs: inputs, outputs: outputs)
                    return try problem.fit(
                        lambda: lambda, fitBias: fitBias, activation: activation, precision: precision)
                }
            }
        }
        return try result.get()
    }

    /// Fits a ridge readout from matrix views; see
    /// ``fitRidge(x:y:rows:inputs:outputs:lambda:fitBias:activation:precision:)`` for the math.
    ///
    /// The views may have row strides wider than their columns; they are only read.
    public static func fitRidge(
        x: MatrixView,
        y: MatrixView,
        lambda: Float,
        fitBias: Bool = true,
        activation: Activation = .identity,
        precision: RidgePrecision = .automatic
    ) throws(RidgeError) -> DenseLayer {
        guard x.rows == y.rows else { throw .rowCountMismatch(inputs: x.rows, targets: y.rows) }
        guard x.rows > 0, x.columns > 0, y.columns > 0 else {
            throw .invalidShape(rows: x.rows, inputs: x.columns, outputs: y.columns)
        }
        let problem = RidgeProblem(
            x: UnsafePointer(x.base), xStride: x.rowStride, y: UnsafePointer(y.base), yStride: y.rowStride,
            rows: x.rows, inputs: x.columns, outputs: y.columns)
        return try problem.fit(lambda: lambda, fitBias: fitBias, activation: activation, precision: precision)
    }
}

/// One ridge problem of validated shape over borrowed, possibly strided, row-major memory.
private struct RidgeProblem {
    let x: UnsafePointer<Float>
    let xStride: Int
    let y: UnsafePointer<Float>
    let yStride: Int
    let rows: Int
    let inputs: Int
    let outputs: Int

    /// Rows centred and multiplied per BLAS call: bounds the scratch copy, and is large enough that
    /// `ssyrk` runs at GEMM speed.
    static let blockRows = 2048

    /// Below this pivot ratio (see ``Solution/smallestPivotRatio``) a single-precision solution is
    /// rounding noise: Float data carries ~1e-7 relative error and the Gram sums ~√rows times that,
    /// so a duplicated column lands near 1e-6.
    static let singleRejectRatio = 1e-5
    /// Below this ratio `.automatic` refits in double: single's weight error grows like
    /// 1e-6 / ratio, which passes 0.1 % here.
    static let singleRefitRatio = 1e-3
    /// The double-precision counterpart of ``singleRejectRatio``: products of Float data are exact in
    /// Double, so only ~1e-16·√rows of noise remains and genuine 1e-8 pivots still solve well.
    static let doubleRejectRatio = 1e-10

    /// Weights `[outputs, inputs]` and how close the features came to linear dependence.
    struct Solution {
        var weights: [Double]
        /// `min_i L_ii² / A_ii` over the Cholesky factor `L` of `A = XcᵀXc + λI`: the fraction of each
        /// column's (regularised) variance not explained by the earlier columns, 1 for orthogonal
        /// features and 0 for a duplicated one.
        var smallestPivotRatio: Double
        /// The 1-based column at which ``smallestPivotRatio`` occurs, as LAPACK numbers it.
        var smallestPivotColumn: Int
    }

    func fit(
        lambda: Float,
        fitBias: Bool,
        activation: Activation,
        precision: DenseLayer.RidgePrecision
    ) throws(RidgeError) -> DenseLayer {
        guard lambda.isFinite, lambda >= 0 else { throw .invalidLambda(lambda) }
        let (xMean, yMean) = try means(centred: fitBias)
        let solution: Solution
        switch precision {
        case .single:
            solution = try solve(in: Float.self, xMean: xMean, yMean: yMean, lambda: lambda)
            try reject(solution, below: Self.singleRejectRatio, lambda: lambda)
        case .double:
            solution = try solve(in: Double.self, xMean: xMean, yMean: yMean, lambda: lambda)
            try reject(solution, below: Self.doubleRejectRatio, lambda: lambda)
        case .automatic:
            let single = try? solve(in: Float.self, xMean: xMean, yMean: yMean, lambda: lambda)
            if let single, single.smallestPivotRatio >= Self.singleRefitRatio {
                solution = single
            } else {
                solution = try solve(in: Double.self, xMean: xMean, yMean: yMean, lambda: lambda)
                try reject(solution, below: Self.doubleRejectRatio, lambda: lambda)
            }
        }
        let weights = solution.weights
        var bias = [Float](repeating: 0, count: outputs)
        if fitBias {
            for output in 0..<outputs {
                var value = yMean[output]
                for input in 0..<inputs { value -= weights[output * inputs + input] * xMean[input] }
                bias[output] = Float(value)
            }
        }
        // The shapes were validated by the caller, so the layer cannot reject them.
        return try! DenseLayer(
            weights: weights.map(Float.init), bias: bias, outputs: outputs, inputs: inputs, activation: activation)
    }

    private func reject(_ solution: Solution, below ratio: Double, lambda: Float) throws(RidgeError) {
        if solution.smallestPivotRatio < ratio {
            throw .notPositiveDefinite(info: solution.smallestPivotColumn, lambda: lambda)
        }
    }

    /// Rejects non-finite data and returns the column means in `Double` (zeros when not centring).
    private func means(centred: Bool) throws(RidgeError) -> (x: [Double], y: [Double]) {
        var xSum = [Double](repeating: 0, count: inputs)
        var ySum = [Double](repeating: 0, count: outputs)
        for row in 0..<rows {
            let xRow = x + row * xStride
            for column in 0..<inputs {
                let value = xRow[column]
                guard value.isFinite else { throw .nonFiniteInput(row: row, column: column) }
                xSum[column] += Double(value)
            }
            let yRow = y + row * yStride
            for column in 0..<outputs {
                let value = yRow[column]
                guard value.isFinite else { throw .nonFiniteTarget(row: row, column: column) }
                ySum[column] += Double(value)
            }
        }
        guard centred else {
            return ([Double](repeating: 0, count: inputs), [Double](repeating: 0, count: outputs))
        }
        let count = Double(rows)
        return (xSum.map { $0 / count }, ySum.map { $0 / count })
    }

    // Layouts: `gram` is row-major `inputs × inputs` with the upper triangle filled by `syrk`, which
    // is the lower triangle in column-major order. `cross = Ycᵀ·Xc` is row-major `[outputs, inputs]`,
    // which is column-major `inputs × outputs`, i.e. exactly `Xcᵀ·Yc` as LAPACK's column-major
    // right-hand side; the solution overwrites it in the `[outputs, inputs]` layout a layer stores.
    // Solving in column-major order therefore needs no transposed copies inside LAPACKE.

    /// Forms the normal equations block by block from rows centred in `T` and solves them in `T`.
    ///
    /// In `Double` the centring happens after widening, so features with large means lose nothing
    /// before the products.
    private func solve<T: RidgeScalar>(
        in _: T.Type,
        xMean: [Double],
        yMean: [Double],
        lambda: Float
    ) throws(RidgeError) -> Solution {
        let block = min(rows, Self.blockRows)
        var xBlock = [T](repeating: 0, count: block * inputs)
        var yBlock = [T](repeating: 0, count: block * outputs)
        var gram = [T](repeating: 0, count: inputs * inputs)
        var cross = [T](repeating: 0, count: outputs * inputs)
        let xShift = xMean.map { T($0) }
        let yShift = yMean.map { T($0) }
        var start = 0
        while start < rows {
            let count = min(block, rows - start)
            let beta: T = start == 0 ? 0 : 1
            for offset in 0..<count {
                let xRow = x + (start + offset) * xStride
                let yRow = y + (start + offset) * yStride
                for column in 0..<inputs { xBlock[offset * inputs + column] = T(xRow[column]) - xShift[column] }
                for column in 0..<outputs { yBlock[offset * outputs + column] = T(yRow[column]) - yShift[column] }
            }
            T.gramUpdate(n: Int32(inputs), count: Int32(count), x: xBlock, beta: beta, gram: &gram)
            T.crossUpdate(
                outputs: Int32(outputs), n: Int32(inputs), count: Int32(count), y: yBlock, x: xBlock, beta: beta,
                cross: &cross)
            start += count
        }
        let n = inputs
        for index in 0..<n { gram[index * n + index] += T(lambda) }
        let diagonal = (0..<n).map { Double(gram[$0 * n + $0]) }
        let info = T.choleskySolve(n: Int32(n), outputs: Int32(outputs), gram: &gram, cross: &cross)
        return try solution(
            info: info, weights: cross.map { Double($0) }, factorDiagonal: (0..<n).map { Double(gram[$0 * n + $0]) },
            diagonal: diagonal, lambda: lambda)
    }

    /// Turns LAPACK's `info` into an error, or the solved weights and the pivot ratios of `L_ii`.
    private func solution(
        info: Int32,
        weights: [Double],
        factorDiagonal: [Double],
        diagonal: [Double],
        lambda: Float
    ) throws(RidgeError) -> Solution {
        precondition(info >= 0, "LAPACKE rejected argument \(-info): a bug in the ridge solver")
        if info > 0 { throw .notPositiveDefinite(info: Int(info), lambda: lambda) }
        var result = Solution(weights: weights, smallestPivotRatio: 1, smallestPivotColumn: 1)
        for index in 0..<inputs where diagonal[index] > 0 {
            let ratio = factorDiagonal[index] * factorDiagonal[index] / diagonal[index]
            if ratio < result.smallestPivotRatio {
                result.smallestPivotRatio = ratio
                result.smallestPivotColumn = index + 1
            }
        }
        return result
    }
}
