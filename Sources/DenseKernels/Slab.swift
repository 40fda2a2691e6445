/// Owned, 64-byte-aligned, contiguous `Float` storage for a matrix of up to `rowCapacity` rows.
///
/// A slab is the unit of memory the compute core works in: batches are packed into one, GEMM reads
/// and writes them, and a ``SlabPool`` recycles them so a steady stream of batches allocates nothing.
/// The memory is uninitialised when the slab is created.
///
/// A slab is a reference type with unsynchronised contents; whoever holds it (the pool hands a slab to
/// exactly one holder at a time) is the only one that reads or writes it.
public final class Slab: @unchecked Sendable {
    /// The alignment of ``buffer``: a cache line, and enough for any SIMD load on x86-64.
    public static let alignment = 64

    /// The number of rows the slab can hold.
    public let rowCapacity: Int
    /// The number of `Float` columns in each row.
    public let columns: Int
    /// The slab's memory, `rowCapacity × columns` floats, row-major.
    public let buffer: UnsafeMutableBufferPointer<Float>

    /// Creates a slab with room for `rows × columns` floats.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "slab dimensions must not be negative")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        precondition(!overflow, "slab dimensions overflow")
        self.rowCapacity = rows
        self.columns = columns
        // Allocate at least one element so the base address is never nil, which BLAS calls require.
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride,
            alignment: Slab.alignment
        )
        let base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.buffer = UnsafeMutableBufferPointer(start: base, count: count)
    }

    deinit {
        UnsafeMutableRawPointer(buffer.baseAddress!).deallocate()
    }

    /// The bytes this slab holds.
    public var byteCount: Int { max(buffer.count, 1) * MemoryLayout<Float>.stride }

    /// A view of the first `rows` rows.
    public func view(rows: Int) -> MatrixView {
        precondition(rows >= 0 && rows <= rowCapacity, "view of \(rows) rows exceeds slab capacity \(rowCapacity)")
        return MatrixView(base: buffer.baseAddress!, rows: rows, columns: columns, rowStride: columns)
    }

    /// A view of every row.
    public var fullView: MatrixView { view(rows: rowCapacity) }
}
