// swift-tools-version: 6.1
import PackageDescription

/// The stages are separate modules, but the hot loops cross them (the scan calls Format's
/// decoders, the parsers Columns' dictionaries): release builds serialize function bodies
/// across modules so they inline as they did in one module (docs/ARCHITECTURE.md, "Targets").
let inlinedAcrossStages: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "colan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "colan", targets: ["colan"]),
        // ColanCore re-exports the pipeline; its stages are listed so a client (the Benchmarks
        // package) can import one stage's SPI directly.
        .library(name: "ColanCore", targets: ["ColanCore", "ColanSupport", "ColanTime", "ColanColumns", "ColanCatalog", "ColanFormat",
                                              "ColanStore", "ColanImport", "ColanEngine", "ColanOutput", "ColanExport", "ColanGenerate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // colan pull's HTTP client (SwiftNIO, TLS by swift-nio-ssl): docs/DECISIONS.md, "HTTP client".
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // libzstd from Debian's libzstd-dev, found through pkg-config.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // XXH3 from Debian's libxxhash-dev, header only (the file content hash).
        .systemLibrary(
            name: "CXXHash",
            providers: [.apt(["libxxhash-dev"])]
        ),
        // The pipeline, one target per stage; each depends only on the stages beneath it
        // (docs/ARCHITECTURE.md, "Targets"), so a wrong-way dependency does not compile.
        .target(name: "ColanSupport", dependencies: ["CZstd", "CXXHash"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanTime", dependencies: ["ColanSupport"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanColumns", dependencies: ["ColanSupport"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanCatalog", dependencies: ["ColanColumns", "ColanTime"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanFormat", dependencies: ["ColanColumns", "CZstd"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanStore", dependencies: ["ColanFormat", "ColanCatalog"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanImport", dependencies: ["ColanStore"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanEngine", dependencies: ["ColanStore"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanOutput", dependencies: ["ColanEngine"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanExport", dependencies: ["ColanOutput"], swiftSettings: inlinedAcrossStages),
        .target(name: "ColanGenerate", dependencies: ["ColanColumns", "ColanTime"], swiftSettings: inlinedAcrossStages),
        // The library's one import: every stage above, re-exported.
        .target(
            name: "ColanCore",
            dependencies: ["ColanSupport", "ColanTime", "ColanColumns", "ColanCatalog", "ColanFormat", "ColanStore",
                           "ColanImport", "ColanEngine", "ColanOutput", "ColanExport", "ColanGenerate"]
        ),
        // colan pull: the vendors' APIs, fetched into the store through ColanCore's import.
        .target(
            name: "ColanPull",
            dependencies: [
                "ColanCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "colan",
            dependencies: [
                "ColanCore",
                "ColanPull",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer target for the import scanners: `make fuzz` (also run briefly by `make test`).
        .executableTarget(
            name: "ColanFuzz",
            dependencies: ["ColanCore", "ColanImport", "ColanStore"]
        ),
        .testTarget(
            name: "ColanCoreTests",
            dependencies: ["ColanCore"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "ColanPullTests",
            dependencies: ["ColanCore", "ColanPull"]
        ),
        .testTarget(
            name: "ColanCLITests",
            dependencies: ["ColanCore"],
            exclude: ["Snapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
