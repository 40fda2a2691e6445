/// The fused bias + activation pass that follows each GEMM, vectorised and branch-free on finite values.
///
/// Every row is processed in `SIMD8<Float>` chunks; the tail of a row goes through the same vector
/// code on a zero-padded chunk, so the vector and tail paths compute identical values.
///
/// Non-finite values come out as the float64 definition (``Activation/reference(_:)``, NumPy's
/// formulas) gives them: NaN in, NaN out; `sigmoid(±∞) = 1, 0`, `tanh(±∞) = ±1`, `relu(−∞) = 0`,
/// `gelu(+∞) = +∞`, `gelu(−∞) = NaN` (`−∞ · 0`); a softmax row holding a NaN or a +∞, or only −∞, is
/// all NaN (`e^(∞−∞)`), and a −∞ beside finite values gives exactly 0. The vector exponential clamps
/// its argument, so ±∞ would come out near, not at, the reference (`sigmoid(−∞) ≈ 6e-39`, `gelu(−∞) =
/// −∞`), and a softmax's maximum would skip a NaN: each chunk is checked for a non-finite value (a
/// subtraction, a compare and a mask test), and only a chunk or row that holds one takes the scalar
/// reference path. Finite inputs never leave the vector code.
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
            // Exact for every input as they stand: a NaN fails `< 0` and stays, −∞ becomes 0.
            case .identity: map(row, bias, columns, exact: nil) { $0 }
            case .relu: map(row, bias, columns, exact: nil) { $0.replacing(with: 0, where: $0 .< 0) }
            case .sigmoid: map(row, bias, columns, exact: .sigmoid) { sigmoid($0) }
            case .tanh: map(row, bias, columns, exact: .tanh) { tanh($0) }
            case .gelu: map(row, bias, columns, exact: .gelu) { gelu($0) }
            case .softmax: softmax(row, bias, columns)
            }
        }
    }

    /// `body` on each chunk of `row + bias`; with `exact`, lanes whose input is NaN or ±∞ are replaced by
    /// that activation's float64 reference value.
    @inline(__always)
    private static func map(
        _ row: UnsafeMutablePointer<Float>,
        _ bias: UnsafePointer<Float>?,
        _ count: Int,
        exact: Activation?,
        _ body: (Vector) -> Vector
    ) {
        var index = 0
        while index &+ Vector.scalarCount <= count {
            let value = load(row + index) + biasChunk(bias, index)
            var result = body(value)
            if let exact, hasNonFinite(value) { result = patched(result, value, exact) }
            store(result, row + index)
            index &+= Vector.scalarCount
        }
        let remaining = count &- index
        if remaining > 0 {
            var value = Vector()
            for lane in 0..<remaining { value[lane] = row[index &+ lane] + (bias?[index &+ lane] ?? 0) }
            var result = body(value)
            if let exact, hasNonFinite(value) { result = patched(result, value, exact) }
            for lane in 0..<remaining { row[index &+ lane] = result[lane] }
        }
    }

    /// Whether any lane is NaN or ±∞: `x − x` is 0 for every finite `x` and NaN otherwise.
    @inline(__always)
    private static func hasNonFinite(_ value: Vector) -> Bool {
        any((value - value) .!= Vector())
    }

    /// `result` with every non-finite lane of `value` replaced by `activation`'s reference value.
    @inline(never)
    private static func patched(_ result: Vector, _ value: Vector, _ activation: Activation) -> Vector {
        var result = result
        for lane in 0..<Vector.scalarCount where !value[lane].isFinite {
            result[lane] = Float(activation.reference(Double(value[lane])))
        }
        return result
    }

    private static func softmax(_ row: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, _ count: Int) {
        // Pass 1: add the bias and find the maximum, so every exponent is ≤ 0 and nothing overflows.
        // `poison` stays 0 while every value is finite and turns NaN at the first that is not.
        var peak = Vector(repeating: -.infinity)
        var poison = Vector()
        var index = 0
        while index &+ Vector.scalarCount <= count {
            let value = load(row + index) + biasChunk(bias, index)
            store(value, row + index)
            peak = peak.replacing(with: value, where: value .> peak)
            poison += value - value
            index &+= Vector.scalarCount
        }
        var scalarPeak = peak.max()
        var finite = !any(poison .!= Vector())
        for tail in index..<count {
            row[tail] += bias?[tail] ?? 0
            scalarPeak = Swift.max(scalarPeak, row[tail])
            finite = finite && row[tail].isFinite
        }
        guard finite else {
            softmaxNonFinite(row, count)
            return
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

    /// Softmax of a row (bias already added) that holds a NaN or an infinity, in float64 as NumPy's
    /// `e = exp(x - x.max()); e / e.sum()` computes it, without allocating.
    @inline(never)
    private static func softmaxNonFinite(_ row: UnsafeMutablePointer<Float>, _ count: Int) {
        var peak = -Double.infinity
        for index in 0..<count {
            // NumPy's max propagates NaN, and so does every exponent after it.
            if row[index].isNaN { peak = .nan; break }
            peak = Swift.max(peak, Double(row[index]))
        }
        var sum = 0.0
        for index in 0..<count { sum += Foundation_exp(Double(row[index]) - peak) }
        for index in 0..<count { row[index] = Float(Foundation_exp(Double(row[index]) - peak) / sum) }
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
    ///
    /// Written so every step stays in vector registers: the clamp is a compare and a blend (a NaN fails
    /// both compares and comes out NaN), `n` is rounded by adding `1.5·2²³`, whose low mantissa bits are
    /// then `n` itself as an integer, so no float-to-integer conversion (which would trap on NaN and
    /// which the standard library does lane by lane) is needed. The standard library's `pointwiseMin`,
    /// `pointwiseMax` and `rounded(.down)` compile to a function call per vector or a `floorf` per lane.
    @inline(__always)
    static func exp(_ input: Vector) -> Vector {
        let low = Vector(repeating: -87.3)
        let high = Vector(repeating: 88.0)
        var x = input.replacing(with: low, where: input .< low)
        x = x.replacing(with: high, where: x .> high)
        // Round to nearest: |x·log₂e| < 2²², so the sum's unit in the last place is 1.
        let magic = Vector(repeating: 12_582_912)  // 1.5 · 2²³
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var y = Vector(repeating: 1.987_569_15e-4)
        y = y * r + 1.398_199_95e-3
        y = y * r + 8.333_451_9e-3
        y = y * r + 4.166_579_59e-2
        y = y * r + 1.666_666_55e-1
        y = y * r + 5.000_000_1e-1
        y = y * (r * r) + r + 1
        // The bits of `shifted` are 0x4B40_0000 + n; 2ⁿ is (n + 127) in the exponent field.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let exponent = (integer &+ 127) &<< 23
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
