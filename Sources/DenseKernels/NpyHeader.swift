/// The validated contents of a `.npy` header dict: element type, memory order and shape.
struct NpyHeader: Equatable {
    /// The byte width of one element: 2, 4 or 8 (float16, float32, float64).
    let itemSize: Int
    /// Whether elements are stored most significant byte first (`>` in the descr).
    let bigEndian: Bool
    /// Whether a 2-D array is stored column by column.
    let fortranOrder: Bool
    /// The dimensions, one or two of them.
    let shape: [Int]
    /// The product of the shape.
    let count: Int

    /// Parses and validates the header text, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    ///
    /// - Parameter utf8: version 3 headers are UTF-8; earlier ones are Latin-1.
    static func parse(_ bytes: ArraySlice<UInt8>, utf8: Bool) throws(NpyError) -> NpyHeader {
        var parser = PythonLiteralParser(bytes: Array(bytes), utf8: utf8)
        let literal: PythonLiteral
        do {
            literal = try parser.parseAll()
        } catch {
            throw .invalidHeader("\(error.message) at header byte \(error.offset)")
        }
        guard case .dict(let entries) = literal else {
            throw .invalidHeader("the header is \(literal.repr), expected a dict")
        }
        guard let descr = entries["descr"], let fortran = entries["fortran_order"], let shapeLiteral = entries["shape"]
        else {
            let found = entries.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw .invalidHeader("the dict must have 'descr', 'fortran_order' and 'shape'; it has \(found)")
        }

        guard case .string(let descrText) = descr else { throw .unsupportedDType(descr.repr) }
        let (itemSize, bigEndian) = try elementType(descrText)

        guard case .bool(let fortranOrder) = fortran else {
            throw .invalidHeader("fortran_order is \(fortran.repr), expected True or False")
        }

        guard case .tuple(let dimensions) = shapeLiteral else {
            throw .invalidHeader("shape is \(shapeLiteral.repr), expected a tuple of integers")
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard case .integer(let text) = dimension, let value = Int(text) else {
                throw .invalidHeader("shape is \(shapeLiteral.repr), expected a tuple of 64-bit integers")
            }
            shape.append(value)
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .badShape(shape) }
        guard shape.count == 1 || shape.count == 2 else { throw .unsupportedRank(shape: shape) }
        var bytes = itemSize
        for dimension in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .badShape(shape) }
            bytes = product
        }
        return NpyHeader(
            itemSize: itemSize, bigEndian: bigEndian, fortranOrder: fortranOrder, shape: shape,
            count: bytes / itemSize)
    }

    /// The item size and byte order of a float descr such as `<f4`; anything else is unsupported.
    private static func elementType(_ descr: String) throws(NpyError) -> (itemSize: Int, bigEndian: Bool) {
        switch descr {
        case "<f2": return (2, false)
        case "<f4": return (4, false)
        case "<f8": return (8, false)
        case ">f2": return (2, true)
        case ">f4": return (4, true)
        case ">f8": return (8, true)
        default: throw .unsupportedDType("'\(descr)'")
        }
    }

    /// The header text NumPy writes for a C-order float32 array of `shape`, without padding.
    ///
    /// Matches `numpy.lib.format` byte for byte, including the spaces it reserves so the first dimension
    /// can grow in place.
    static func float32Text(shape: [Int]) -> String {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let text = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let growth = shape.isEmpty ? 0 : max(0, 21 - String(shape[0]).count)
        return text + String(repeating: " ", count: growth)
    }
}

/// The Python literals that appear in `.npy` headers (`ast.literal_eval` territory, never `eval`).
enum PythonLiteral: Equatable {
    case string(String)
    /// The digits, with a `-` if negative.
    case integer(String)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([String: PythonLiteral])

    /// A Python-like rendering for error messages, cut short so a hostile header cannot bloat them.
    var repr: String {
        let full: String
        switch self {
        case .string(let text): full = "'\(text)'"
        case .integer(let text): full = text
        case .bool(let flag): full = flag ? "True" : "False"
        case .none: full = "None"
        case .tuple(let items):
            full = items.count == 1 ? "(\(items[0].repr),)" : "(" + items.map(\.repr).joined(separator: ", ") + ")"
        case .list(let items): full = "[" + items.map(\.repr).joined(separator: ", ") + "]"
        case .dict(let entries):
            full = "{" + entries.keys.sorted().map { "'\($0)': \(entries[$0]!.repr)" }.joined(separator: ", ") + "}"
        }
        return full.count > 80 ? String(full.prefix(77)) + "..." : full
    }
}

/// Why a Python literal could not be parsed, and where.
struct PythonLiteralError: Error {
    let message: String
    let offset: Int
}

/// A tolerant parser for one Python literal: dicts with string keys, tuples, lists, strings, integers
/// (with Python 2's `L` suffix), `True`, `False` and `None`, with trailing commas and any whitespace.
private struct PythonLiteralParser {
    static let maxDepth = 32

    let bytes: [UInt8]
    let utf8: Bool
    var index = 0

    init(bytes: [UInt8], utf8: Bool) {
        self.bytes = bytes
        self.utf8 = utf8
    }

    func failure(_ message: String) -> PythonLiteralError { PythonLiteralError(message: message, offset: index) }

    mutating func parseAll() throws(PythonLiteralError) -> PythonLiteral {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the dict") }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(PythonLiteralError) -> PythonLiteral {
        guard depth < Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        guard index < bytes.count else { throw failure("unexpected end of header") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseDict(depth: depth)
        case UInt8(ascii: "("):
            let (items, sawComma) = try parseSequence(closing: UInt8(ascii: ")"), depth: depth)
            // `(3)` is just 3 in Python; only a comma (or emptiness) makes a tuple.
            return items.count == 1 && !sawComma ? items[0] : .tuple(items)
        case UInt8(ascii: "["): return .list(try parseSequence(closing: UInt8(ascii: "]"), depth: depth).items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseInteger()
        default:
            let word = parseWord()
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            case "": throw failure("unexpected character '\(UnicodeScalar(bytes[index]))'")
            default: throw failure("unsupported name '\(word.prefix(40))'")
            }
        }
    }

    mutating func parseDict(depth: Int) throws(PythonLiteralError) -> PythonLiteral {
        index += 1
        var entries: [String: PythonLiteral] = [:]
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated dict") }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .dict(entries)
            }
            let keyOffset = index
            guard case .string(let key) = try parseValue(depth: depth + 1) else {
                throw PythonLiteralError(message: "dict keys must be strings", offset: keyOffset)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            guard entries.updateValue(value, forKey: key) == nil else {
                throw PythonLiteralError(message: "duplicate key '\(key)'", offset: keyOffset)
            }
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated dict") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] != UInt8(ascii: "}") {
                throw failure("expected ',' or '}'")
            }
        }
    }

    mutating func parseSequence(
        closing: UInt8,
        depth: Int
    ) throws(PythonLiteralError) -> (items: [PythonLiteral], sawComma: Bool) {
        index += 1
        var items: [PythonLiteral] = []
        var sawComma = false
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated sequence") }
            if bytes[index] == closing {
                index += 1
                return (items, sawComma)
            }
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated sequence") }
            if bytes[index] == UInt8(ascii: ",") {
                sawComma = true
                index += 1
            } else if bytes[index] != closing {
                throw failure("expected ',' or '\(UnicodeScalar(closing))'")
            }
        }
    }

    mutating func parseString() throws(PythonLiteralError) -> String {
        let quote = bytes[index]
        index += 1
        var content: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            index += 1
            if byte == quote { break }
            if byte == 0x0A { throw failure("newline inside a string") }
            if byte == UInt8(ascii: "\\") {
                // Escapes never matter for the keys and dtypes a reader accepts; keep the escaped byte.
                guard index < bytes.count else { throw failure("unterminated string") }
                content.append(bytes[index])
                index += 1
            } else {
                content.append(byte)
            }
        }
        if utf8 {
            guard let text = String(validating: content, as: UTF8.self) else {
                throw failure("string is not valid UTF-8")
            }
            return text
        }
        return String(String.UnicodeScalarView(content.map { Unicode.Scalar($0) }))
    }

    mutating func parseInteger() throws(PythonLiteralError) -> PythonLiteral {
        var text = ""
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            if bytes[index] == UInt8(ascii: "-") { text = "-" }
            index += 1
            skipWhitespace()
        }
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        guard index > start else { throw failure("expected digits") }
        text += String(decoding: bytes[start..<index], as: UTF8.self)
        // Python 2 era NumPy wrote long integers as `3L`.
        if index < bytes.count, bytes[index] == UInt8(ascii: "L") || bytes[index] == UInt8(ascii: "l") { index += 1 }
        if index < bytes.count, isIdentifierByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") {
            throw failure("expected an integer")
        }
        return .integer(text)
    }

    mutating func parseWord() -> String {
        let start = index
        while index < bytes.count, isIdentifierByte(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default: return false
        }
    }
}
