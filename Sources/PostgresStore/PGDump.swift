import Foundation
import Store

/// `pg_dump` run as a child process: the PostgreSQL store's backup.
enum PGDump {
    /// Runs `pg_dump --format=custom --file=FILE --dbname=URL`, its messages going to this process's stderr.
    ///
    /// - Returns: Its exit status.
    /// - Throws: ``StoreError`` when `pg_dump` is not on the PATH.
    static func run(url: String, to file: String, environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pg_dump", "--format=custom", "--file=\(file)", "--dbname=\(url)"]
        process.environment = environment
        do { try process.run() } catch {
            throw StoreError(.server, "cannot run pg_dump (install postgresql-client): \(error)")
        }
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw StoreError(.server, "pg_dump is not on the PATH: install postgresql-client of the server's version")
        }
        return process.terminationStatus
    }
}
