// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for the file readers (whole and streamed), the configuration validation and the
// command lines' scheduler flags.
//
// A separate package so the root package's build, tests and CI never see `-sanitize=fuzzer`; build and
// run them with `scripts/fuzz.sh`. Each target's source defines `LLVMFuzzerTestOneInput` and no
// `main` (libFuzzer supplies it), so they only link with the fuzzer flags the script passes.
let package = Package(
    name: "swift-batch-processing-fuzz",
    dependencies: [
        .package(name: "swift-batch-processing", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver; the library itself comes with -sanitize=fuzzer.
        .systemLibrary(name: "CLibFuzzer"),
        .executableTarget(
            name: "FuzzSafetensors",
            dependencies: ["CLibFuzzer", .product(name: "DenseKernels", package: "swift-batch-processing")]
        ),
        .executableTarget(
            name: "FuzzNpy",
            dependencies: ["CLibFuzzer", .product(name: "DenseKernels", package: "swift-batch-processing")]
        ),
        .executableTarget(
            name: "FuzzNpyStream",
            dependencies: ["CLibFuzzer", .product(name: "DenseKernels", package: "swift-batch-processing")]
        ),
        .executableTarget(
            name: "FuzzInferFlags",
            dependencies: [
                "CLibFuzzer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "BatchKitCore", package: "swift-batch-processing"),
                .product(name: "BatchProcessing", package: "swift-batch-processing"),
                .product(name: "DenseKernels", package: "swift-batch-processing"),
            ]
        ),
        .executableTarget(
            name: "FuzzConfiguration",
            dependencies: ["CLibFuzzer", .product(name: "BatchProcessing", package: "swift-batch-processing")]
        ),
        // Writes Fuzz/Corpus; built without the fuzzer flags because it has a `main` of its own.
        .executableTarget(
            name: "FuzzSeeds",
            dependencies: [.product(name: "DenseKernels", package: "swift-batch-processing")]
        ),
    ]
)

// The root package's strict settings, so the harnesses are held to the same bar as the library.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .swiftLanguageMode(.v6),
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("InternalImportsByDefault"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
