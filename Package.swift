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
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(
            name: "LibPQ",
            dependencies: ["CLibPQ"],
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
        .testTarget(
            name: "LibPQTests",
            dependencies: ["LibPQ", "PostgresTestSupport"],
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
