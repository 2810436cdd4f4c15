import Core

/// Named, append-only schema migrations, recorded in `migrations` and applied at startup (GRDB's manner).
enum Migrations {
    /// Never edit or reorder: append.
    static let all: [(name: String, sql: [String])] = [
        (
            "v1-jobs-tasks-models-events",
            [
                """
                CREATE TABLE jobs(
                    id TEXT PRIMARY KEY, state TEXT NOT NULL, parties TEXT NOT NULL, model_id TEXT,
                    created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL, started_us INTEGER, finished_us INTEGER,
                    attempts INTEGER NOT NULL DEFAULT 0, error TEXT, customers INTEGER, scored INTEGER,
                    rejected_rows INTEGER, tasks_total INTEGER NOT NULL DEFAULT 0, tasks_done INTEGER NOT NULL DEFAULT 0,
                    result_path TEXT)
                """,
                "CREATE INDEX jobs_by_state ON jobs(state, created_us)",
                """
                CREATE TABLE tasks(
                    job_id TEXT NOT NULL REFERENCES jobs(id), seq INTEGER NOT NULL, state TEXT NOT NULL,
                    owner TEXT, lease_expires_us INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
                    not_before_us INTEGER NOT NULL DEFAULT 0, error TEXT, result_path TEXT,
                    PRIMARY KEY(job_id, seq))
                """,
                "CREATE INDEX tasks_runnable ON tasks(state, not_before_us)",
                "CREATE TABLE models(id TEXT PRIMARY KEY, name TEXT, first_seen_us INTEGER NOT NULL)",
                """
                CREATE TABLE events(
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at_us INTEGER NOT NULL, job_id TEXT NOT NULL,
                    task_seq INTEGER, process TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL)
                """,
                "CREATE INDEX events_by_job ON events(job_id, id)",
                "CREATE TABLE workers(name TEXT PRIMARY KEY, seen_us INTEGER NOT NULL)",
            ]
        ),
        (
            "v2-task-stages",
            [
                "ALTER TABLE tasks ADD COLUMN stage INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE tasks ADD COLUMN part INTEGER NOT NULL DEFAULT 0",
            ]
        ),
        (
            "v3-held-jobs-shards-model-paths",
            [
                // A job recorded before its batch moved into batches/ is held: no task of it is claimed until ingest
                // releases it (or recovery does).
                "ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0",
                // The shards ingest resolved and checked: file names, kinds and identities (JSON, Spool's form).
                "ALTER TABLE jobs ADD COLUMN shards TEXT",
                // Where a model's file is, for workers that load a job's model by id.
                "ALTER TABLE models ADD COLUMN path TEXT",
                "CREATE INDEX tasks_by_job ON tasks(job_id, stage, state)",
            ]
        ),
        (
            "v4-jobs-by-created",
            [
                // Keyset paging of all jobs, newest first: (created_us, rowid) descending. Paging by state uses
                // jobs_by_state(state, created_us), whose entries end in the rowid too.
                "CREATE INDEX jobs_by_created ON jobs(created_us)"
            ]
        ),
    ]

    /// Applies the migrations not yet recorded, each in its own transaction.
    ///
    /// - Throws: ``StoreError``.
    static func apply(to db: Connection) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS migrations(name TEXT PRIMARY KEY, applied_us INTEGER NOT NULL)")
        try SchemaHistory.refuseUnknown(
            applied: try db.query("SELECT name FROM migrations").compactMap { $0["name"].string },
            known: all.map(\.name))
        for migration in all {
            try db.withImmediateTransaction {
                guard try db.query("SELECT 1 FROM migrations WHERE name = ?", [.text(migration.name)]).isEmpty else {
                    return
                }
                for statement in migration.sql { try db.execute(statement) }
                try db.execute(
                    "INSERT INTO migrations(name, applied_us) VALUES (?, ?)",
                    [.text(migration.name), .integer(Timestamp.now().microseconds)])
            }
        }
    }
}

/// What both backends check of the migrations a store has recorded.
public enum SchemaHistory {
    /// Refuses a store migrated by a newer vfl (a rolling upgrade must not run old code on a new schema).
    ///
    /// - Throws: ``StoreError`` of code `newerSchema`, naming the migrations this binary does not know.
    public static func refuseUnknown(applied: [String], known: [String]) throws {
        let unknown = Set(applied).subtracting(known)
        guard unknown.isEmpty else {
            throw StoreError(
                .newerSchema,
                "the job store has migrations this vfl does not know (\(unknown.sorted().joined(separator: ", "))): "
                    + "it was upgraded by a newer vfl; run that version")
        }
    }
}
