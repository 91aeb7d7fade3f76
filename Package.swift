// swift-tools-version:6.2
import PackageDescription

/// Settings every target shares: Swift 6 mode, explicit existentials, and no warnings tolerated.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

// The flow, one module per stage (README "Architecture"):
//   b24pg → Pipeline → { Extract, Transform, Load }
//   Extract → { Bitrix24 → B24Core, Star }   Transform → { B24Core, Star }
//   Load → { LibPQ, Star }, LibPQ → CLibPQ; Pipeline and b24pg → Config (TOMLKit);
//   Pipeline → TokenVault (swift-crypto, already built for AsyncHTTPClient). PortalSim stands apart.
// `make build` and `make test` check that every import is a declared dependency.
let package = Package(
    name: "b24pg",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "b24pg", targets: ["b24pg"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Foundations.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .systemLibrary(name: "CMalloc"),
        .target(name: "LibPQ", dependencies: ["CLibPQ"], swiftSettings: swiftSettings),
        .target(name: "B24Core", swiftSettings: swiftSettings),
        .target(name: "Star", swiftSettings: swiftSettings),
        .target(
            name: "Config", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")], swiftSettings: swiftSettings),
        .target(
            name: "TokenVault", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .target(
            name: "Bitrix24",
            dependencies: [
                "B24Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The stages of the flow.
        .target(name: "Extract", dependencies: ["B24Core", "Bitrix24", "Star"], swiftSettings: swiftSettings),
        .target(name: "Transform", dependencies: ["B24Core", "Star"], swiftSettings: swiftSettings),
        .target(
            name: "Load",
            dependencies: ["LibPQ", "Star"],
            resources: [.embedInCode("SQL")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Pipeline",
            dependencies: [
                "B24Core", "Bitrix24", "Config", "Extract", "Transform", "Load", "Star", "TokenVault",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Around the flow.
        .target(
            name: "MetricsEndpoint",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Schema", dependencies: ["LibPQ"], resources: [.embedInCode("Migrations")],
            swiftSettings: swiftSettings),
        .target(name: "FunnelReport", dependencies: ["LibPQ"], swiftSettings: swiftSettings),
        .target(
            name: "PortalSim",
            dependencies: [
                "B24Core",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "b24pg",
            dependencies: [
                "B24Core", "Bitrix24", "CMalloc", "Config", "FunnelReport", "LibPQ", "Load", "MetricsEndpoint",
                "Pipeline",
                "PortalSim", "Schema", "TokenVault",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks and the support they share with the tests.
        .target(name: "ProcessSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "b24pg-bench",
            dependencies: [
                "B24Core", "Bitrix24", "LibPQ", "Load", "Pipeline", "PortalSim", "ProcessSupport", "Schema", "Star",
            ],
            swiftSettings: swiftSettings
        ),
        // Tests: one target per library, plus end-to-end tests of the binary.
        .target(
            name: "PostgresTestSupport",
            dependencies: ["LibPQ", "Schema"],
            path: "Tests/PostgresTestSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SimTestSupport",
            dependencies: ["Bitrix24", "PortalSim", "B24Core"],
            path: "Tests/SimTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LibPQTests", dependencies: ["LibPQ", "PostgresTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "B24CoreTests", dependencies: ["B24Core"], swiftSettings: swiftSettings),
        .testTarget(name: "ConfigTests", dependencies: ["Config"], swiftSettings: swiftSettings),
        .testTarget(name: "TokenVaultTests", dependencies: ["TokenVault"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PortalSimTests", dependencies: ["PortalSim", "B24Core", "SimTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Bitrix24Tests",
            dependencies: ["Bitrix24", "PortalSim", "B24Core", "SimTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExtractTests",
            dependencies: ["Extract", "Bitrix24", "PortalSim", "B24Core", "SimTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TransformTests", dependencies: ["Transform", "Star", "B24Core"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LoadTests",
            dependencies: ["Load", "LibPQ", "PostgresTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SchemaTests",
            dependencies: ["Schema", "LibPQ", "PostgresTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "Pipeline", "Load", "Star", "FunnelReport", "Bitrix24", "Config", "PortalSim", "B24Core", "LibPQ",
                "Schema",
                .product(name: "Logging", package: "swift-log"),
                "PostgresTestSupport", "SimTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "B24Core", "Config", "LibPQ", "Load", "Pipeline", "PortalSim", "PostgresTestSupport", "ProcessSupport",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
