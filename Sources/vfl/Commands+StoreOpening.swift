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

    /// Whether the job store `settings.database` names can be opened without creating it: a SQLite file that exists,
    /// or any PostgreSQL URL (the server says).
    static func storeExists(_ settings: PipelineSettings) -> Bool {
        PostgresURL.isPostgres(settings.database) || FileIO.exists(settings.database)
    }
}
