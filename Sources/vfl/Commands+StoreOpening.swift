import Core
import Foundation
import PostgresStore
import Store

extension Commands {
    /// Opens the job store `settings.database` names: a `postgres://` URL opens the PostgreSQL store (its password
    /// from `PGPASSWORD` or the file named by `VFL_DB_PASSWORD_FILE`; `VFL_DB_LISTEN=0` polls instead of listening,
    /// for PgBouncer's transaction pooling; `VFL_DB_SYNCHRONOUS_COMMIT=1` makes every commit durable), anything else
    /// is a SQLite file.
    ///
    /// - Throws: ``StoreError``.
    static func openStore(
        _ settings: PipelineSettings, process: String, _ arguments: ParsedArguments
    ) throws
        -> any JobStore
    {
        guard PostgresURL.isPostgres(settings.database) else {
            return try SQLiteStore(path: settings.database, process: process)
        }
        try PostgresURL.check(settings.database)
        var store = PostgresStore.Options()
        if let file = try arguments.string(.databasePasswordFile) {
            guard let bytes = try? FileIO.readFile(file, limit: 4096) else {
                throw StoreError(.server, "cannot read VFL_DB_PASSWORD_FILE (\(file))")
            }
            store.password = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        store.listen = try arguments.string(.databaseListen) == "1"
        store.synchronousCommits = try arguments.bool(.databaseSynchronousCommit)
        return try PostgresStore(url: settings.database, process: process, options: store)
    }

    /// ``openStore(_:process:_:)`` for the long-running roles: while the store is locked by another process past the
    /// busy timeout (a backup, an operator's `sqlite3` shell), waits and tries again, with backoff, for up to two
    /// minutes, instead of exiting at start; any other error is thrown at once.
    static func openStoreWaiting(
        _ settings: PipelineSettings, process: String, _ arguments: ParsedArguments, _ logger: Logger
    ) throws
        -> any JobStore
    {
        let deadline = Timestamp.monotonicSeconds() + 120
        var pause = 0.25
        while true {
            do { return try openStore(settings, process: process, arguments) } catch let error as StoreError
                where error.code == .busy && Timestamp.monotonicSeconds() + pause < deadline
            {
                logger.warning("job store locked at start; trying again", metadata: [("error", error.message)])
                usleep(UInt32(pause * 1_000_000))
                pause = min(pause * 2, 5)
            }
        }
    }

    /// Whether the job store `settings.database` names can be opened without creating it: a SQLite file that exists,
    /// or any PostgreSQL URL (the server says).
    static func storeExists(_ settings: PipelineSettings) -> Bool {
        PostgresURL.isPostgres(settings.database) || FileIO.exists(settings.database)
    }
}
