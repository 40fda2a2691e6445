// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of the hot paths with ordo-one/benchmark: `cd Benchmarks && swift package benchmark`.
// A separate package so the library itself does not depend on the benchmark harness.
let package = Package(
    name: "swift-batch-processing-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // `name:` because a path dependency's identity is its folder's name, which differs between checkouts.
        .package(name: "swift-batch-processing", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Only the malloc interposer: the default RuntimeInterposer trait (ARC counting) crashes on Linux here.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BatchProcessing", package: "swift-batch-processing"),
                .product(name: "DenseBatching", package: "swift-batch-processing"),
                .product(name: "DenseKernels", package: "swift-batch-processing"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HotPaths",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
