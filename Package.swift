// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "clinic",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clinic", targets: ["clinic"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Pure domain: value types, state machines, rules. Foundation only.
        .target(
            name: "ClinicDomain",
            swiftSettings: swiftSettings
        ),
        // Use cases and the store protocols they need.
        .target(
            name: "ClinicServices",
            dependencies: [
                "ClinicDomain",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Only for the deadline's timer: one scheduled task on an event loop.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The nightly report's text, CSV and HTML forms: rendering only, from the domain's report model.
        .target(
            name: "ClinicReports",
            dependencies: ["ClinicDomain"],
            swiftSettings: swiftSettings
        ),
        // Patient letters: the shipped Mustache templates and their rendering from the domain's facts.
        .target(
            name: "ClinicDocuments",
            dependencies: ["ClinicDomain", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swiftSettings
        ),
        // PostgresNIO stores and the migrator. The only module with SQL.
        .target(
            name: "ClinicPostgres",
            dependencies: [
                "ClinicDomain",
                "ClinicServices",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Only for the pool's own error type (its circuit breaker), which PostgresNIO passes through.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                // The pool's connections are spread over NIO's shared loops (SpreadEventLoops).
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings
        ),
        // The composition root: services wired to their PostgreSQL stores.
        .target(
            name: "ClinicApp",
            dependencies: [
                "ClinicServices", "ClinicPostgres", "ClinicDocuments",
                // Webhook deliveries go out over HTTP(S).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A clinic's life replayed through the services on a simulated clock: the demo data and
        // synthetic histories `clinic seed` loads, and what the report and benchmarks run on.
        .target(
            name: "ClinicSimulation",
            dependencies: ["ClinicDomain", "ClinicServices"],
            swiftSettings: swiftSettings
        ),
        // The hospital's formats at the edge: HL7 v2 messages, MLLP framing and its listener,
        // FHIR R4 resources. Translation to and from the domain and the services' drafts only.
        .target(
            name: "ClinicInterop",
            dependencies: [
                "ClinicDomain",
                "ClinicServices",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The generated OpenAPI server, handlers, middleware and buildApplication.
        .target(
            name: "ClinicAPI",
            dependencies: [
                "ClinicDocuments",
                "ClinicDomain",
                "ClinicInterop",
                "ClinicServices",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The one executable: clinic serve | migrate | seed | token | roles ...
        .executableTarget(
            name: "clinic",
            dependencies: [
                "ClinicAPI",
                "ClinicApp",
                "ClinicDocuments",
                "ClinicDomain",
                "ClinicInterop",
                "ClinicServices",
                "ClinicPostgres",
                "ClinicReports",
                "ClinicSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                // `serve` makes NIO's event loops Swift concurrency's executor (one thread per core).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: a throwaway PostgreSQL cluster and per-test databases.
        .target(
            name: "ClinicTestSupport",
            dependencies: [
                "ClinicApp", "ClinicDomain", "ClinicServices", "ClinicPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ClinicTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClinicDocumentsTests",
            dependencies: ["ClinicDocuments", "ClinicDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClinicDomainTests",
            dependencies: ["ClinicDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClinicInteropTests",
            dependencies: [
                "ClinicDomain", "ClinicServices", "ClinicInterop", "ClinicSimulation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClinicServicesTests",
            dependencies: ["ClinicApp", "ClinicDomain", "ClinicServices", "ClinicTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClinicPostgresTests",
            dependencies: [
                "ClinicDomain", "ClinicServices", "ClinicPostgres", "ClinicTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClinicAPITests",
            dependencies: [
                "ClinicAPI", "ClinicApp", "ClinicDomain", "ClinicServices", "ClinicPostgres", "ClinicTestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClinicSimulationTests",
            dependencies: ["ClinicApp", "ClinicDomain", "ClinicServices", "ClinicSimulation", "ClinicTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ClinicApp", "ClinicDomain", "ClinicServices", "ClinicPostgres", "ClinicTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
