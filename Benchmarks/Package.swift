// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "DPWallBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dpwall", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .executableTarget(
            name: "DPWallBenchmarks",
            dependencies: [
                .product(name: "DPWall", package: "dpwall"),
                .product(name: "DPWallPrivacy", package: "dpwall"),
                .product(name: "DPWallStore", package: "dpwall"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/DPWallBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
