/// A row-major window onto `Float` memory the view does not own: `rows × columns` with a row stride.
///
/// Views are how the compute core addresses slabs without copying. A view is only valid while the
/// memory it points into is alive and held by the caller.
public struct MatrixView: @unchecked Sendable {
    // @unchecked: a view is a pointer and three integers; the owner of the memory it points into
    // (a `Slab` held by exactly one caller) is what makes access exclusive.

    /// The first element of row 0.
    public let base: UnsafeMutablePointer<Float>
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The distance, in floats, from the start of one row to the start of the next.
    public let rowStride: Int

    /// Creates a view; `rowStride` must be at least `columns`.
    public init(base: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowStride: Int) {
        precondition(rows >= 0 && columns >= 0 && rowStride >= columns, "invalid matrix view shape")
        self.base = base
        self.rows = rows
        self.columns = columns
        self.rowStride = rowStride
    }

    /// The element at `row`, `column`.
    @inlinable
    public subscript(row: Int, column: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            return base[row &* rowStride &+ column]
        }
        nonmutating set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            base[row &* rowStride &+ column] = newValue
        }
    }

    /// Row `index` as a buffer of `columns` floats.
    @inlinable
    public func row(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < rows, "row \(index) out of range 0..<\(rows)")
        return UnsafeMutableBufferPointer(start: base + index &* rowStride, count: columns)
    }

    /// The view of rows `range`, sharing this view's memory.
    public func rows(_ range: Range<Int>) -> MatrixView {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range out of bounds")
        return MatrixView(
            base: base + range.lowerBound * rowStride, rows: range.count, columns: columns, rowStride: rowStride)
    }

    /// Copies `values` (row-major, `count` a multiple of `columns`) into rows starting at `row`.
    ///
    /// - Returns: the number of rows written.
    @discardableResult
    public func copyRows(from values: UnsafeBufferPointer<Float>, startingAt row: Int) -> Int {
        precondition(columns > 0 && values.count % columns == 0, "values are not whole rows")
        let count = values.count / columns
        precondition(row >= 0 && row + count <= rows, "rows do not fit in the view")
        guard let source = values.baseAddress else { return 0 }
        if rowStride == columns {
            (base + row * rowStride).update(from: source, count: values.count)
        } else {
            for index in 0..<count {
                (base + (row + index) * rowStride).update(from: source + index * columns, count: columns)
            }
        }
        return count
    }

    /// The contents as a fresh row-major array of `rows × columns` floats.
    public func toArray() -> [Float] {
        var result = [Float]()
        result.reserveCapacity(rows * columns)
        for index in 0..<rows {
            result.append(contentsOf: UnsafeBufferPointer(row(index)))
        }
        return result
    }
}
