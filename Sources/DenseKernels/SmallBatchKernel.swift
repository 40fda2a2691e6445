internal import CSmallBatch

/// The instruction set the packed small-batch kernels run with, chosen once per process from the CPU.
///
/// Every layer packs its weights for ``best`` when it is made; ``DenseModel/with(smallBatchKernel:)``
/// repacks a model for another supported kernel (tests use it to check each one against the reference).
public enum SmallBatchKernel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Plain C the compiler vectorises for the baseline instruction set: 4 rows × 16 outputs per tile.
    case portable
    /// AVX2 and FMA: 6 rows × 16 outputs per tile.
    case avx2
    /// AVX-512F: 12 rows × 32 outputs per tile.
    case avx512

    /// The best kernel this CPU runs.
    public static let best: SmallBatchKernel = {
        switch small_batch_best_isa() {
        case SMALL_BATCH_AVX512: return .avx512
        case SMALL_BATCH_AVX2: return .avx2
        default: return .portable
        }
    }()

    /// The kernels this CPU runs, best last.
    public static let supported: [SmallBatchKernel] = allCases.filter(\.isSupported)

    /// Whether this CPU runs the kernel.
    public var isSupported: Bool { small_batch_isa_supported(code) != 0 }

    /// The number of outputs in one packed panel.
    public var panelWidth: Int { Int(small_batch_panel_width(code)) }

    /// The most rows in one register tile.
    public var tileRows: Int { Int(small_batch_tile_rows(code)) }

    /// A name such as `AVX2+FMA 6×16`.
    public var description: String {
        switch self {
        case .portable: return "portable 4×16"
        case .avx2: return "AVX2+FMA 6×16"
        case .avx512: return "AVX-512F 12×32"
        }
    }

    var code: Int32 {
        switch self {
        case .portable: return SMALL_BATCH_PORTABLE
        case .avx2: return SMALL_BATCH_AVX2
        case .avx512: return SMALL_BATCH_AVX512
        }
    }
}
