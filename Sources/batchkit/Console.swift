#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress to standard error, environment variables and the load average, without Foundation's file handles.
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

    /// The 1, 5 and 15 minute load averages, or nothing where the system does not report them.
    static func loadAverage() -> [Double] {
        var values = [Double](repeating: 0, count: 3)
        let count = getloadavg(&values, 3)
        return count > 0 ? Array(values.prefix(Int(count))) : []
    }

    /// The value of environment variable `name`, or `unset`.
    static func environment(_ name: String) -> String {
        guard let value = getenv(name) else { return "unset" }
        return String(cString: value)
    }
}
