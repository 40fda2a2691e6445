/// Splitting of comma-separated option values such as `--models linear256,mlp1024`.
public enum CommaList {
    /// The trimmed, non-empty items of `text`.
    public static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
