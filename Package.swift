// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "vfl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vfl", targets: ["vfl"])
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // PostgreSQL's own client, for the multi-node job store only.
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // libc calls Swift cannot import (prctl), and SHA-256 on the x86 SHA extensions; no library to link.
        .systemLibrary(name: "CLinux"),
        .target(name: "Core", dependencies: ["CLinux"]),
        .target(name: "Spool", dependencies: ["Core"]),
        .target(name: "Model", dependencies: ["Core", "COpenBLAS"]),
        .target(name: "Store", dependencies: ["Core", "CSQLite"]),
        .target(name: "PostgresStore", dependencies: ["Core", "Store", "CPostgres"]),
        .target(name: "Registry", dependencies: ["Core", "Spool", "Store", "Model"]),
        .target(name: "Ingest", dependencies: ["Core", "Spool", "Store", "Model", "Registry"]),
        .target(name: "StatusAPI", dependencies: ["Core", "CLinux", "Spool", "Store"]),
        .target(name: "Worker", dependencies: ["Core", "Spool", "Store", "Model", "Registry"]),
        .target(name: "Training", dependencies: ["Core", "Spool", "Model", "Worker", "COpenBLAS"]),
        .executableTarget(
            name: "vfl",
            dependencies: [
                "Core", "Spool", "Model", "Store", "PostgresStore", "Registry", "Ingest", "StatusAPI", "Worker",
                "Training",
            ]),
        .target(
            name: "Fixtures", dependencies: ["Core", "Spool", "Model", "Store", "PostgresStore"], path: "Tests/Fixtures"),
        .testTarget(name: "CoreTests", dependencies: ["Core", "Fixtures"]),
        .testTarget(name: "ModelTests", dependencies: ["Core", "Model", "Fixtures"]),
        .testTarget(name: "SpoolTests", dependencies: ["Core", "Spool", "Fixtures"]),
        .testTarget(name: "StoreTests", dependencies: ["Core", "Store", "PostgresStore", "Fixtures"]),
        .testTarget(name: "StatusAPITests", dependencies: ["Core", "Spool", "Store", "StatusAPI", "Fixtures"]),
        .testTarget(
            name: "RegistryTests", dependencies: ["Core", "Spool", "Model", "Store", "Registry", "Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Core", "Model", "Worker", "Training", "Fixtures"]),
        .testTarget(
            name: "WorkerTests",
            dependencies: ["Core", "Spool", "Model", "Store", "Registry", "Ingest", "Worker", "Fixtures"]),
    ]
)

// Shared settings, applied in one loop (swift-log's manner).
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
