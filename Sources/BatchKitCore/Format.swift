/// Number formatting for the benchmark tables, without Foundation's `String(format:)`.
public enum Format {
    /// `value` rounded to `decimals` digits after the point, for example `fixed(3.14159, 2) == "3.14"`.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard decimals > 0 else { return sign + "\(scaled)" }
        let fraction = String(scaled % scale)
        return sign + "\(scaled / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// A rate with an SI suffix and three significant figures: `1.23 M`, `456 k`, `12.3`.
    public static func rate(_ value: Double) -> String {
        let (scaled, suffix): (Double, String) =
            value >= 1e6 ? (value / 1e6, " M") : value >= 1e3 ? (value / 1e3, " k") : (value, "")
        let decimals = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2
        return fixed(scaled, decimals) + suffix
    }

    /// `text` right-aligned in `width` columns.
    public static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// `text` left-aligned in `width` columns.
    public static func left(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// `value` without a needless fraction: `3` for 3.0, `0.001` for 0.001, `3600000` for 3.6e6.
    public static func plain(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    /// A byte count in the largest binary unit that keeps it at or above 1: `512 B`, `3.00 MiB`, `51.2 GiB`.
    public static func bytes(_ count: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = count
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        guard unit > 0 else { return "\(Int(value)) B" }
        return fixed(value, value >= 100 ? 0 : value >= 10 ? 1 : 2) + " " + units[unit]
    }
}
