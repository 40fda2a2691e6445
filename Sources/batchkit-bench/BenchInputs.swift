import DenseKernels

/// Deterministic input rows for the benchmarks, made once per scenario so no item allocates its input.
enum BenchInputs {
    /// `count` rows of `width` values in −1…1; submitting one passes the array by reference (no copy).
    static func rows(count: Int, width: Int) -> [[Float]] {
        var generator = SplitMix64(seed: 11)
        return (0..<count).map { _ in (0..<width).map { _ in Float.random(in: -1...1, using: &generator) } }
    }
}
