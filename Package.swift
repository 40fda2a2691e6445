// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-batch-processing",
    products: [
        .library(name: "DenseKernels", targets: ["DenseKernels"]),
        .library(name: "BatchProcessing", targets: ["BatchProcessing"]),
        .library(name: "DenseBatching", targets: ["DenseBatching"]),
        .library(name: "BatchSimulation", targets: ["BatchSimulation"]),
        // The command lines' shared parsing and pipelines, a product so the fuzz package can reach them.
        .library(name: "BatchKitCore", targets: ["BatchKitCore"]),
        .executable(name: "batchkit", targets: ["batchkit"]),
        .executable(name: "batchkit-bench", targets: ["batchkit-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
        // `swift package generate-documentation`: CI builds the DocC catalogs and fails on any warning.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(name: "Locking"),
        // The packed small-batch kernels (AVX-512F, AVX2 + FMA, portable; chosen at run time) and their helper thread.
        .target(name: "CSmallBatch"),
        .target(name: "DenseKernels", dependencies: ["CBLAS", "CSmallBatch", "Locking"]),
        // The scheduler: items, rows, priorities, deadlines, batches, workers, health, telemetry. No BLAS.
        .target(
            name: "BatchProcessing",
            dependencies: [
                "Locking",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A discrete-event simulator of the processor: the real state machine and adaptive controller on a
        // virtual clock, against a measured cost table. No BLAS, no threads.
        .target(name: "BatchSimulation", dependencies: ["BatchProcessing", "Locking"]),
        // The dense layer: runs a DenseModel under the scheduler (packing, splitting, BLAS threads).
        .target(name: "DenseBatching", dependencies: ["BatchProcessing", "DenseKernels", "Locking"]),
        // What the command lines share (console output, number formatting, progress, the scheduler and serve flags)
        // and `infer`'s pipeline, kept out of the executables so tests can call it.
        // Removes `infer`'s temporary output files on SIGINT/SIGTERM/SIGHUP; C, so the handler is
        // async-signal-safe.
        .target(name: "CSignalCleanup"),
        .target(
            name: "BatchKitCore",
            dependencies: [
                "CSignalCleanup", "DenseKernels", "BatchProcessing", "DenseBatching",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `batchkit serve`: the Open Inference Protocol (KServe v2 REST) over Hummingbird.
        .target(
            name: "InferenceServer",
            dependencies: [
                "BatchKitCore",
                "BatchProcessing",
                "DenseBatching",
                "DenseKernels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The benchmark's report (the JSON schema), its statistics (medians, bootstrap verdicts, pooling) and
        // its flags: pure code the tests import, apart from the executable that measures.
        .target(
            name: "BenchStatistics",
            dependencies: [
                "BatchKitCore", "DenseKernels", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The user-facing command line: `serve` and `infer`. Links no malloc interposer.
        .executableTarget(
            name: "batchkit",
            dependencies: [
                "BatchKitCore",
                "InferenceServer",
                "DenseKernels",
                "BatchProcessing",
                "DenseBatching",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The benchmark command line: `bench` (the scenarios) and `pool` (reports judged together).
        .executableTarget(
            name: "batchkit-bench",
            dependencies: [
                "BatchKitCore",
                "BenchStatistics",
                "BatchSimulation",
                "DenseKernels",
                "BatchProcessing",
                "DenseBatching",
                "Locking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                // Counts mallocs in the benchmark; linked (not preloaded), so its malloc wins symbol lookup.
                // Only here: every process of this executable runs with the interposed malloc.
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        ),
        .testTarget(
            name: "DenseKernelsTests",
            dependencies: [
                "DenseKernels",
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        ),
        .testTarget(
            name: "BatchProcessingTests",
            dependencies: [
                "BatchProcessing",
                "DenseBatching",
                "DenseKernels",
                "Locking",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "InferenceServerTests",
            dependencies: [
                "InferenceServer", "BatchProcessing", "DenseBatching", "DenseKernels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "BatchKitTests",
            dependencies: [
                "BatchKitCore", "BatchProcessing", "DenseBatching", "DenseKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The simulator's own tests, and its verdicts at a small scale: a controller change that loses to a
        // fixed size fails here. Resources/ holds the cost table the verdicts use (read by path).
        .testTarget(
            name: "BatchSimulationTests",
            dependencies: ["BatchSimulation", "BatchProcessing"],
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "BenchStatisticsTests",
            dependencies: ["BenchStatistics", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ]
)

// One set of strict settings for every Swift target, so no module is held to a lower bar.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .swiftLanguageMode(.v6),
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("InternalImportsByDefault"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
