import Core
import Foundation
public import PostgresStore
public import Store
public import Testing

/// The job store backends every contract test runs against (GRDB's and River's manner: one suite, several drivers).
public enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    /// ``SQLiteStore``.
    case sqlite
    /// ``PostgresStore``.
    case postgres

    /// The backend's name in test output.
    public var testDescription: String { rawValue }
}

/// One empty job store for one test: a SQLite file in a fresh folder, or a fresh schema of the test PostgreSQL
/// server (``PostgresTestServer``). Open it as many times as the test needs connections.
public struct StorePlace: Sendable {
    /// The backend.
    public let backend: Backend
    /// The file, or the URL (its `search_path` set to the test's own schema).
    public let location: String

    /// Makes an empty place.
    public init(_ backend: Backend) throws {
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
    public func open(_ process: String = "test", options: PostgresStore.Options = .init()) throws -> any JobStore {
        switch backend {
        case .sqlite: return try SQLiteStore(path: location, process: process)
        case .postgres: return try PostgresStore(url: location, process: process, options: options)
        }
    }

    /// Runs SQL on the place behind the store's back (python's sqlite3, or psql).
    public func execute(_ sql: String) throws {
        switch backend {
        case .sqlite:
            try runCommand(
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                location, sql)
        case .postgres:
            try runCommand("psql", "-q", "-v", "ON_ERROR_STOP=1", location, "-c", sql)
        }
    }
}

/// The PostgreSQL server of the tests: `VFL_TEST_POSTGRES` when set (CI starts one), else a cluster this suite starts
/// once in /tmp/vfl-test-postgres with `scripts/postgres-cluster` and leaves running for the next run.
public enum PostgresTestServer {
    /// The repository.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The server's URL (database `vfl`), started on first use.
    public static let url: String = {
        if let given = ProcessInfo.processInfo.environment["VFL_TEST_POSTGRES"], !given.isEmpty { return given }
        let output = try? captureCommand(
            root + "/scripts/postgres-cluster", "start", "/tmp/vfl-test-postgres", "--fast")
        return output?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "postgres://unavailable"
    }()

    /// A store URL for a new role that must give its password (a member of `vfl_passworded`, which
    /// scripts/postgres-cluster's pg_hba.conf does not trust), with a schema of its own, and the password.
    public static func passwordRole() throws -> (url: String, password: String) {
        let password = "pw-" + UUID().uuidString
        let name = "p_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try psql("CREATE ROLE \(name) LOGIN PASSWORD '\(password)' IN ROLE vfl_passworded")
        try psql("CREATE SCHEMA \(name)")
        try psql("GRANT ALL ON SCHEMA \(name) TO \(name)")
        let url = url.replacingOccurrences(of: "postgres://vfl@", with: "postgres://\(name)@")
        return (url + "&options=-csearch_path%3D\(name)", password)
    }

    /// Runs SQL on the server's `vfl` database.
    public static func psql(_ sql: String) throws {
        try runCommand("psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql)
    }
}

/// A command that exited with a failure.
public struct CommandFailed: Error, CustomStringConvertible {
    /// The command and its status.
    public var description: String
}

/// Runs a command from the PATH and throws when it fails.
public func runCommand(_ arguments: String...) throws { _ = try captureCommand(arguments) }

/// Runs a command from the PATH and returns its standard output.
public func captureCommand(_ arguments: String...) throws -> String { try captureCommand(arguments) }

private func captureCommand(_ arguments: [String]) throws -> String {
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
