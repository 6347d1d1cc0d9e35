// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "MedLedger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "medledger", targets: ["medledger"]),
        .library(name: "MedLedgerCore", targets: ["MedLedgerCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "MedLedgerCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerStorage",
            dependencies: [
                "MedLedgerCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerNode",
            dependencies: [
                "MedLedgerCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerFHIR",
            dependencies: ["MedLedgerCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerHTTP",
            dependencies: [
                "MedLedgerCore",
                "MedLedgerNode",
                "MedLedgerFHIR",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Web/Resources"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerClient",
            dependencies: [
                "MedLedgerCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerBench",
            dependencies: [
                "MedLedgerCore",
                "MedLedgerStorage",
                "MedLedgerNode",
                "MedLedgerHTTP",
                "MedLedgerClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "medledger",
            dependencies: [
                "MedLedgerCore",
                "MedLedgerStorage",
                "MedLedgerNode",
                "MedLedgerHTTP",
                "MedLedgerBench",
                "MedLedgerClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerFuzzTargets",
            dependencies: [
                "MedLedgerCore",
                "MedLedgerFHIR",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "medledger-fuzz",
            dependencies: ["MedLedgerFuzzTargets"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MedLedgerCoreTests",
            dependencies: ["MedLedgerCore", "MedLedgerTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MedLedgerFuzzTests",
            dependencies: ["MedLedgerCore", "MedLedgerFuzzTargets"],
            path: "Tests/MedLedgerFuzzTests",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MedLedgerTestSupport",
            dependencies: [
                "MedLedgerCore", "MedLedgerStorage", "MedLedgerNode",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/MedLedgerTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MedLedgerStorageTests",
            dependencies: [
                "MedLedgerCore", "MedLedgerStorage", "MedLedgerNode", "MedLedgerTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MedLedgerNodeTests",
            dependencies: ["MedLedgerCore", "MedLedgerNode", "MedLedgerStorage", "MedLedgerTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MedLedgerFHIRTests",
            dependencies: ["MedLedgerCore", "MedLedgerFHIR"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MedLedgerClientTests",
            dependencies: ["MedLedgerCore", "MedLedgerClient", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MedLedgerHTTPTests",
            dependencies: [
                "MedLedgerCore", "MedLedgerNode", "MedLedgerStorage", "MedLedgerHTTP", "MedLedgerTestSupport", "MedLedgerClient", "MedLedgerFHIR",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
