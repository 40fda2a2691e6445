#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress to standard error and environment look-ups, without Foundation's file handles.
enum Console {
    /// Writes `line` and a newline to standard error, so progress never mixes with the table or JSON.
    static func progress(_ line: String) {
        emit(line + "\n")
    }

    /// Writes `text` to standard error as it is.
    static func emit(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// The value of environment variable `name`, or `unset`.
    static func environment(_ name: String) -> String {
        guard let value = getenv(name) else { return "unset" }
        return String(cString: value)
    }
}
