// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Release builds serialize the bodies of the modules' public and generic functions for the modules that call
    // them: `dpwall filter` about 4% faster on one thread and on 500 MB, output byte for byte the same
    // (docs/performance.md). It does not reach the `package` functions the modules share (the tape's accessors,
    // the JSON writer's appends): CMO serializes only public declarations. Those are inlined at link time instead:
    // release builds are link-time optimized with `--experimental-lto-mode=full` on the command line (the README,
    // .ci/run and scripts/ pass it; SwiftPM has no manifest setting for it, and `-lto` as an unsafe flag skips
    // SwiftPM's object and autolink handling): one thread 11% fewer instructions per record.
    // An unsafe flag: SwiftPM lets a package that has one be used by path (as Benchmarks/ does) but not as a
    // versioned dependency. dpwall ships as a tool; a library product meant for other packages would need this
    // behind an opt-in.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

/// The Swift runtime and Foundation linked into the release executable (what `--static-swift-stdlib` does). The
/// executable's own objects are compiled against the static runtime too, so that they name every static library
/// Foundation needs (CoreFoundation, ICU) for the linker.
let staticRuntime: (swift: [SwiftSetting], linker: [LinkerSetting]) = (
    [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))],
    [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]
)

let package = Package(
    name: "dpwall",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dpwall", targets: ["dpwall"]),
        .executable(name: "DPWallFuzz", targets: ["DPWallFuzz"]),
        .library(name: "DPWall", targets: ["DPWall"]),
        .library(name: "DPWallPrivacy", targets: ["DPWallPrivacy"]),
        .library(name: "DPWallStore", targets: ["DPWallStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // libzstd from the system (Debian: libzstd-dev).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Bytes → records: line framing, strict JSON, tensors, the two wire protocols, writing records.
        .target(name: "DPWallRecords", dependencies: ["CZstd"], swiftSettings: strict),
        // The kernel's random bytes (getrandom), which Swift's Glibc module does not import.
        .systemLibrary(name: "CSysRandom"),
        // Pure math, no I/O: grid, samplers, calibration, the keystream generator, post-processing.
        .target(
            name: "DPWallPrivacy",
            dependencies: [
                "CSysRandom",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // What lasts: the SQLite budget ledger (GRDB on the system libsqlite3, Debian: libsqlite3-dev), and the
        // tamper-evident audit archive (libzstd, swift-crypto's SHA-256 and Ed25519).
        .target(
            name: "DPWallStore",
            dependencies: [
                "DPWallRecords", "DPWallPrivacy", "CZstd", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Policy, authentication (jwt-kit for JWTs, swift-certificates for client certificates), validation,
        // limits, and the pipeline that wires the stages.
        .target(
            name: "DPWall",
            dependencies: [
                "DPWallRecords", "DPWallPrivacy", "DPWallStore", .product(name: "Yams", package: "Yams"),
                .product(name: "JWTKit", package: "jwt-kit"), .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "Crypto", package: "swift-crypto"),
                // The key files' PEM forms (Curve25519 keys' `pemRepresentation`).
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The executable: argument parsing and nothing else.
        .executableTarget(
            name: "dpwall",
            dependencies: [
                "DPWall", "DPWallStore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict + staticRuntime.swift,
            // The Swift runtime and Foundation linked in (what `--static-swift-stdlib` does) in release builds:
            // start-up loses the dynamic loader's symbol binding (about 6 ms a run), and every runtime call
            // (retain, release, metadata) is a direct call instead of one through the PLT. `dpwall filter` on
            // 100 MB of fraud traffic: 252 ms -> 228 ms (docs/performance.md).
            linkerSettings: staticRuntime.linker
        ),
        // libFuzzer entry point for the parser and validator (built alone, see docs/fuzzing.md).
        .executableTarget(name: "DPWallFuzz", dependencies: ["DPWall", "DPWallRecords"], swiftSettings: strict),
        .testTarget(
            name: "DPWallRecordsTests",
            dependencies: ["DPWallRecords"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(name: "DPWallPrivacyTests", dependencies: ["DPWallPrivacy"], swiftSettings: strict),
        .testTarget(
            name: "DPWallTests",
            dependencies: [
                "DPWall", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DPWallStoreTests",
            dependencies: ["DPWallStore", "DPWallRecords", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            // These run the `dpwall` executable that `swift build` and `swift test` build beside the test bundle.
            // They do not depend on its target: a test bundle that did would link it, and with it the release
            // executable's static runtime, for which the testing libraries have no static build.
            dependencies: ["DPWallStore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
