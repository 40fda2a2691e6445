internal import CBLAS

/// The BLAS and LAPACKE routines a ridge fit needs, for the precision it solves in.
///
/// One generic solver body over this protocol serves `Float` (`ssyrk`/`sgemm`/`sposv`) and `Double`
/// (`dsyrk`/`dgemm`/`dposv`); it is specialised for each, so the indirection costs nothing.
protocol RidgeScalar: BinaryFloatingPoint {
    /// Widens or keeps a stored feature value.
    init(_ value: Float)

    /// `gram = Xᵀ·X + beta·gram` (row-major, upper triangle), `x` being `count × n`.
    static func gramUpdate(
        n: Int32, count: Int32, x: UnsafePointer<Self>, beta: Self, gram: UnsafeMutablePointer<Self>)

    /// `cross = Yᵀ·X + beta·cross` (row-major `outputs × n`), `y` being `count × outputs`.
    static func crossUpdate(
        outputs: Int32, n: Int32, count: Int32, y: UnsafePointer<Self>, x: UnsafePointer<Self>, beta: Self,
        cross: UnsafeMutablePointer<Self>)

    /// Solves `gram · W = cross` by Cholesky in column-major order; returns LAPACK's `info`.
    static func choleskySolve(
        n: Int32, outputs: Int32, gram: UnsafeMutablePointer<Self>, cross: UnsafeMutablePointer<Self>
    ) -> Int32
}

extension Float: RidgeScalar {
    static func gramUpdate(
        n: Int32, count: Int32, x: UnsafePointer<Float>, beta: Float, gram: UnsafeMutablePointer<Float>
    ) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, count, 1, x, n, beta, gram, n)
    }

    static func crossUpdate(
        outputs: Int32, n: Int32, count: Int32, y: UnsafePointer<Float>, x: UnsafePointer<Float>, beta: Float,
        cross: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, outputs, n, count, 1, y, outputs, x, n, beta, cross, n)
    }

    static func choleskySolve(
        n: Int32, outputs: Int32, gram: UnsafeMutablePointer<Float>, cross: UnsafeMutablePointer<Float>
    ) -> Int32 {
        LAPACKE_sposv(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), n, outputs, gram, n, cross, n)
    }
}

extension Double: RidgeScalar {
    static func gramUpdate(
        n: Int32, count: Int32, x: UnsafePointer<Double>, beta: Double, gram: UnsafeMutablePointer<Double>
    ) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, count, 1, x, n, beta, gram, n)
    }

    static func crossUpdate(
        outputs: Int32, n: Int32, count: Int32, y: UnsafePointer<Double>, x: UnsafePointer<Double>, beta: Double,
        cross: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, outputs, n, count, 1, y, outputs, x, n, beta, cross, n)
    }

    static func choleskySolve(
        n: Int32, outputs: Int32, gram: UnsafeMutablePointer<Double>, cross: UnsafeMutablePointer<Double>
    ) -> Int32 {
        LAPACKE_dposv(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), n, outputs, gram, n, cross, n)
    }
}
