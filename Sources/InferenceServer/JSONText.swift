/// Hand-written JSON output for the hot path: answers are a few fixed shapes, and building them as
/// text costs far less than encoding a Codable tree per request.
enum JSONText {
    /// Appends `value` as a JSON string literal, escaping what JSON requires.
    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
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
