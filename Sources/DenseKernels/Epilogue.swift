/// The fused bias + activation pass that follows each GEMM, vectorised and branch-free.
///
/// Every row is processed in `SIMD8<Float>` chunks; the tail of a row goes through the same vector
/// code on a zero-padded chunk, so the vector and tail paths compute identical values.
enum Epilogue {
    typealias Vector = SIMD8<Float>

    /// Adds `bias` (if any: the small-batch kernel adds it itself) to every row of `view` and applies
    /// `activation` in place.
    static func apply(_ view: MatrixView, bias: UnsafePointer<Float>?, activation: Activation) {
        let columns = view.columns
        guard columns > 0 else { return }
        for rowIndex in 0..<view.rows {
            let row = view.base + rowIndex &* view.rowStride
            switch activation {
            case .identity: map(row, bias, columns) { $0 }
            case .relu: map(row, bias, columns) { $0.replacing(with: 0, where: $0 .< 0) }
            case .sigmoid: map(row, bias, columns) { sigmoid($0) }
            case .tanh: map(row, bias, columns) { tanh($0) }
            case .gelu: map(row, bias, columns) { gelu($0) }
            case .softmax: softmax(row, bias, columns)
            }
        }
    }

    @inline(__always)
    private static func map(
        _ row: UnsafeMutablePointer<Float>,
        _ bias: UnsafePointer<Float>?,
        _ count: Int,
        _ body: (Vector) -> Vector
    ) {
        var index = 0
        while index &+ Vector.scalarCount <= count {
            let value = load(row + index) + biasChunk(bias, index)
            store(body(value), row + index)
            index &+= Vector.scalarCount
        }
        let remaining = count &- index
        if remaining > 0 {
            var value = Vector()
            for lane in 0..<remaining { value[lane] = row[index &+ lane] + (bias?[index &+ lane] ?? 0) }
            let result = body(value)
            for lane in 0..<remaining { row[index &+ lane] = result[lane] }
        }
    }

    private static func softmax(_ row: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, _ count: Int) {
        // Pass 1: add the bias and find the maximum, so every exponent is ≤ 0 and nothing overflows.
        var peak = Vector(repeating: -.infinity)
        var index = 0
        while index &+ Vector.scalarCount <= count {
            let value = load(row + index) + biasChunk(bias, index)
            store(value, row + index)
            peak = pointwiseMax(peak, value)
            index &+= Vector.scalarCount
        }
        var scalarPeak = peak.max()
        for tail in index..<count {
            row[tail] += bias?[tail] ?? 0
            scalarPeak = Swift.max(scalarPeak, row[tail])
        }
        // Pass 2: exponentiate and sum.
        let shift = Vector(repeating: scalarPeak)
        var sums = Vector()
        index = 0
        while index &+ Vector.scalarCount <= count {
            let value = exp(load(row + index) - shift)
            store(value, row + index)
            sums += value
            index &+= Vector.scalarCount
        }
        var sum = sums.sum()
        if index < count {
            var value = Vector(repeating: -.infinity)
            for lane in 0..<(count &- index) { value[lane] = row[index &+ lane] }
            let result = exp(value - shift)
            for lane in 0..<(count &- index) {
                row[index &+ lane] = result[lane]
                sum += result[lane]
            }
        }
        // Pass 3: normalise.
        let scale = Vector(repeating: 1 / sum)
        index = 0
        while index &+ Vector.scalarCount <= count {
            store(load(row + index) * scale, row + index)
            index &+= Vector.scalarCount
        }
        for tail in index..<count { row[tail] *= scale[0] }
    }

    /// Eight biases from `index`, or zeros without a bias.
    @inline(__always)
    private static func biasChunk(_ bias: UnsafePointer<Float>?, _ index: Int) -> Vector {
        guard let bias else { return Vector() }
        return load(UnsafeMutablePointer(mutating: bias) + index)
    }

    @inline(__always)
    private static func load(_ pointer: UnsafeMutablePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    private static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    /// `e^x` for each lane: Cephes-style range reduction `x = n·ln2 + r` and a degree-6 polynomial,
    /// accurate to about 2 ulp over the clamped range. Exponents below −87.3 give ~1e-38, not 0.
    @inline(__always)
    static func exp(_ input: Vector) -> Vector {
        let x = pointwiseMin(pointwiseMax(input, Vector(repeating: -87.3)), Vector(repeating: 88.0))
        let n = (x * 1.442_695_04 + 0.5).rounded(.down)
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var y = Vector(repeating: 1.987_569_15e-4)
        y = y * r + 1.398_199_95e-3
        y = y * r + 8.333_451_9e-3
        y = y * r + 4.166_579_59e-2
        y = y * r + 1.666_666_55e-1
        y = y * r + 5.000_000_1e-1
        y = y * (r * r) + r + 1
        let exponent = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        return y * unsafeBitCast(exponent, to: Vector.self)
    }

    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        1 - 2 / (exp(x + x) + 1)
    }

    /// `0.5·x·(1 + tanh(u))` rewritten as `x·sigmoid(2u)`, which needs one exponential and no cancellation.
    @inline(__always)
    static func gelu(_ x: Vector) -> Vector {
        let u = 0.797_884_56 * (x + 0.044_715 * x * x * x)
        return x / (1 + exp(-(u + u)))
    }
}
