import ArgumentParser

/// Parses the numbers the command lines take, so every bad value gets one line naming the flag and the
/// accepted range instead of a trap, a late failure, or ArgumentParser's "Missing value" for a
/// negative number (the options parse `-5` as a value, not as a flag).
///
/// Integers may be written in exponent form (`1e6`) when they are whole; anything not finite, not
/// whole, or outside the range is refused before any work starts.
public enum FlagValue {
    /// `text` as a whole number in `range`, or a `ValidationError` naming `flag` (without it, the
    /// message is meant to follow ArgumentParser's "The value '…' is invalid for '--flag':").
    public static func integer(_ text: String, flag: String? = nil, range: ClosedRange<Int>) throws -> Int {
        let trimmed = text.filter { !$0.isWhitespace }
        let refusal = ValidationError(
            subject(flag, text) + "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        if let value = Int(trimmed) {
            guard range.contains(value) else { throw refusal }
            return value
        }
        guard let value = Double(trimmed), value.isFinite, value == value.rounded(),
            value >= Double(range.lowerBound), value <= Double(range.upperBound)
        else { throw refusal }
        return Int(value)
    }

    /// `text` as a number of milliseconds: 0, or from `minimum` to `maximum`.
    ///
    /// A positive value below `minimum` is refused rather than rounded to zero, which would silently
    /// mean something else ("never wait").
    public static func milliseconds(_ text: String, flag: String? = nil, minimum: Double, maximum: Double) throws
        -> Double
    {
        let trimmed = text.filter { !$0.isWhitespace }
        guard let value = Double(trimmed), value.isFinite, value == 0 || (minimum...maximum).contains(value) else {
            throw ValidationError(
                subject(flag, text) + "must be 0 or a number of milliseconds from \(Format.plain(minimum)) to "
                    + "\(Format.plain(maximum))")
        }
        return value
    }

    /// `text` as a finite number in `range`, above its lower bound when `excludingLowerBound`.
    public static func number(
        _ text: String, flag: String? = nil, range: ClosedRange<Double>, excludingLowerBound: Bool = false,
        unit: String
    ) throws -> Double {
        let trimmed = text.filter { !$0.isWhitespace }
        guard let value = Double(trimmed), value.isFinite, range.contains(value),
            !excludingLowerBound || value > range.lowerBound
        else {
            let lower = excludingLowerBound ? "above" : "from"
            throw ValidationError(
                subject(flag, text) + "must be a number of \(unit) \(lower) \(Format.plain(range.lowerBound)) to "
                    + "\(Format.plain(range.upperBound))")
        }
        return value
    }

    /// `--flag 'text' ` when the flag is named, else nothing.
    private static func subject(_ flag: String?, _ text: String) -> String {
        flag.map { "\($0) '\(text)' " } ?? ""
    }
}
