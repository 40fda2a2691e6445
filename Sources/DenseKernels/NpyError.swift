/// Why a NumPy `.npy` file could not be read or written, or an ``NpyArray`` could not be made.
public enum NpyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened, read or written.
    case io(path: String, reason: String)
    /// The file does not start with `\x93NUMPY`.
    case badMagic
    /// The file ends inside the fixed preamble (magic, version and header length).
    case truncatedPreamble(size: Int)
    /// The format version is not 1.0, 2.0 or 3.0.
    case unsupportedVersion(major: UInt8, minor: UInt8)
    /// The header length runs past the end of the file.
    case headerPastEnd(length: Int, available: Int)
    /// The header is not a dict literal with `descr`, `fortran_order` and `shape`; the text says why.
    case invalidHeader(String)
    /// The element type is not a float this reader converts (`<f2`, `<f4`, `<f8` or big-endian forms).
    case unsupportedDType(String)
    /// The array is not 1-D or 2-D.
    case unsupportedRank(shape: [Int])
    /// A dimension is negative, or the array's byte size overflows `Int`.
    case badShape([Int])
    /// The data after the header is not `product(shape) × itemsize` bytes.
    case dataSizeMismatch(expected: Int, got: Int)
    /// The values given to ``NpyArray/init(shape:values:)`` do not fill the shape.
    case valueCountMismatch(shape: [Int], count: Int)

    /// What is wrong, in words a user can act on.
    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "cannot access \(path): \(reason)"
        case .badMagic:
            return "not a .npy file: it does not start with \\x93NUMPY"
        case .truncatedPreamble(let size):
            return "the file is \(size) bytes, too short for the .npy magic, version and header length; it is truncated"
        case .unsupportedVersion(let major, let minor):
            return ".npy format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)"
        case .headerPastEnd(let length, let available):
            return "the header claims \(length) bytes but only \(available) follow; the file is truncated"
        case .invalidHeader(let reason):
            return "invalid .npy header: \(reason)"
        case .unsupportedDType(let descr):
            return "dtype \(descr) is not supported; save the array as float32 or float64 (e.g. arr.astype('<f4'))"
        case .unsupportedRank(let shape):
            return "array of shape \(shape) has \(shape.count) dimensions; only 1-D and 2-D arrays are supported"
        case .badShape(let shape):
            return "shape \(shape) has a negative dimension or is too large"
        case .dataSizeMismatch(let expected, let got):
            return "the data is \(got) bytes but the shape and dtype need \(expected); the file is truncated or corrupt"
        case .valueCountMismatch(let shape, let count):
            return "\(count) values do not fill shape \(shape)"
        }
    }
}
