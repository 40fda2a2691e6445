internal import CBLAS

/// The BLAS library this process computes with, and its process-wide thread setting.
///
/// OpenBLAS keeps one thread count for the whole process, so every setter here affects every caller.
public enum BLAS {
    /// The name of the kernel family OpenBLAS selected for this CPU (for example `Haswell`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The build-time configuration string of the linked OpenBLAS.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// Sets the number of threads OpenBLAS uses for each call, for the whole process.
    ///
    /// Concurrent callers into a multi-threaded OpenBLAS are serialised, so a program that calls
    /// BLAS from several threads at once is usually fastest with one BLAS thread per caller.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1")
        openblas_set_num_threads(Int32(count))
    }
}
