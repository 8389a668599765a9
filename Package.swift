// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "colan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "colan", targets: ["colan"]),
        .library(name: "ColanCore", targets: ["ColanCore"]),
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
        .target(
            name: "ColanCore",
            dependencies: ["CZstd", "CXXHash"]
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
            dependencies: ["ColanCore"]
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
