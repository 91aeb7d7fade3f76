// swift-tools-version:6.2
import PackageDescription

/// Settings every target shares: Swift 6 mode, explicit existentials, and no warnings tolerated.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "b24pg",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "b24pg", targets: ["b24pg"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "LibPQ",
            dependencies: ["CLibPQ"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "B24Core",
            swiftSettings: swiftSettings
        ),
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
        .target(
            name: "Bitrix24",
            dependencies: [
                "B24Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LeadExport",
            dependencies: ["B24Core", "Bitrix24", "LibPQ", "Schema"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FunnelReport",
            dependencies: ["LibPQ"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Schema",
            dependencies: ["LibPQ"],
            resources: [.embedInCode("Migrations")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "b24pg",
            dependencies: [
                "LibPQ",
                "Schema",
                "PortalSim",
                "B24Core",
                "Bitrix24",
                "LeadExport",
                "FunnelReport",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PostgresTestSupport",
            dependencies: ["LibPQ"],
            path: "Tests/PostgresTestSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProcessSupport",
            path: "Tests/ProcessSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "b24pg-bench",
            dependencies: ["B24Core", "Bitrix24", "LeadExport", "LibPQ", "PortalSim", "Schema", "ProcessSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LibPQTests",
            dependencies: ["LibPQ", "PostgresTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "B24CoreTests",
            dependencies: ["B24Core"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortalSimTests",
            dependencies: ["PortalSim", "B24Core"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["B24Core", "LibPQ", "LeadExport", "PostgresTestSupport", "ProcessSupport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SimTestSupport",
            dependencies: ["Bitrix24", "PortalSim", "B24Core"],
            path: "Tests/SimTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LeadExportTests",
            dependencies: [
                "LeadExport", "FunnelReport", "Bitrix24", "PortalSim", "B24Core", "LibPQ", "Schema",
                "PostgresTestSupport",
                "SimTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Bitrix24Tests",
            dependencies: ["Bitrix24", "PortalSim", "B24Core", "SimTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SchemaTests",
            dependencies: ["Schema", "LibPQ", "PostgresTestSupport"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
