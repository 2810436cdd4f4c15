import Core
import Foundation
import PostgresStore
import Store
import Testing

/// The job store backends every contract test runs against (GRDB's and River's manner: one suite, several drivers).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// One empty job store for one test: a SQLite file in a fresh folder, or a fresh schema of the test PostgreSQL
/// server (``PostgresTestServer``). Open it as many times as the test needs connections.
struct StorePlace {
    let backend: Backend
    /// The file, or the URL (its `search_path` set to the test's own schema).
    let location: String

    init(_ backend: Backend) throws {
        self.backend = backend
        switch backend {
        case .sqlite:
            let directory = NSTemporaryDirectory() + "vfl-store-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            location = directory + "/vfl.sqlite"
        case .postgres:
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try PostgresTestServer.psql("CREATE SCHEMA \(schema)")
            location = PostgresTestServer.url + "&options=-csearch_path%3D\(schema)"
        }
    }

    /// Opens a store (a new connection) on the place.
    func open(_ process: String = "test", options: PostgresStore.Options = .init()) throws -> any JobStore {
        switch backend {
        case .sqlite: return try SQLiteStore(path: location, process: process)
        case .postgres: return try PostgresStore(url: location, process: process, options: options)
        }
    }

    /// Runs SQL on the place behind the store's back (python's sqlite3, or psql).
    func execute(_ sql: String) throws {
        switch backend {
        case .sqlite:
            try run(
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                location, sql)
        case .postgres:
            try run("psql", "-q", "-v", "ON_ERROR_STOP=1", location, "-c", sql)
        }
    }
}

/// The PostgreSQL server of the tests: `VFL_TEST_POSTGRES` when set (CI starts one), else a cluster this suite starts
/// once in /tmp/vfl-test-postgres with `scripts/postgres-cluster` and leaves running for the next run.
enum PostgresTestServer {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The server's URL (database `vfl`), started on first use.
    static let url: String = {
        if let given = ProcessInfo.processInfo.environment["VFL_TEST_POSTGRES"], !given.isEmpty { return given }
        let output = try? capture(root + "/scripts/postgres-cluster", "start", "/tmp/vfl-test-postgres", "--fast")
        return output?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "postgres://unavailable"
    }()

    /// Runs SQL on the server's `vfl` database.
    static func psql(_ sql: String) throws { try run("psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql) }
}

struct CommandFailed: Error, CustomStringConvertible {
    var description: String
}

/// Runs a command from the PATH and throws when it fails.
func run(_ arguments: String...) throws { _ = try capture(arguments) }

/// Runs a command from the PATH and returns its standard output.
func capture(_ arguments: String...) throws -> String { try capture(arguments) }

private func capture(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CommandFailed(
            description: "\(arguments.prefix(2).joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}
