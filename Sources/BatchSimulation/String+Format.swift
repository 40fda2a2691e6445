extension String {
    /// `value` with three significant decimals, without Foundation's formatting.
    init(format3 value: Double) {
        let scaled = (value * 1000).rounded() / 1000
        var text = "\(scaled)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        self = text
    }
}
