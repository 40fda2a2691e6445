import DenseKernels

/// Hand-written JSON output for the hot path: answers are a few fixed shapes, and building them as
/// text costs far less than encoding a Codable tree per request.
enum JSONText {
    /// Appends `value` as a JSON string literal, escaping what JSON requires.
    static func appendString(_ value: String, to text: inout String) {
        JSONValue.appendQuoted(value, to: &text)
    }

    /// Appends `value` in its shortest round-tripping form; JSON has no NaN or infinity, so those
    /// become `null` (a finite model never produces them from finite inputs).
    static func appendNumber(_ value: Float, to text: inout String) {
        if value.isFinite {
            text += value.description
        } else {
            text += "null"
        }
    }
}
