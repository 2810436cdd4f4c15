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
        ("v5-model-registry", RegistrySchema.sqlite),
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

/// The model registry's schema (docs/operations.md, The model registry), written for each backend.
public enum RegistrySchema {
    /// The columns both backends add, with their types (`integer` holds a PostgreSQL `bigint` as well).
    private static func columns(integer: String) -> [String] {
        [
            // A registered model has a version; a row without one is a model only seen on a job (before the registry).
            "ALTER TABLE models ADD COLUMN version \(integer)",
            "ALTER TABLE models ADD COLUMN owner TEXT",
            "ALTER TABLE models ADD COLUMN purpose TEXT",
            "ALTER TABLE models ADD COLUMN added_us \(integer)",
            "ALTER TABLE models ADD COLUMN added_by TEXT",
            // Removed from the registry: the row stays for the jobs it scored, its name@version never reused.
            "ALTER TABLE models ADD COLUMN removed_us \(integer)",
            "CREATE UNIQUE INDEX models_by_name_version ON models(name, version) WHERE version IS NOT NULL",
            // The job's provenance at acceptance, kept even if the model is later removed.
            "ALTER TABLE jobs ADD COLUMN model_name TEXT",
            "ALTER TABLE jobs ADD COLUMN model_version \(integer)",
            "ALTER TABLE jobs ADD COLUMN model_alias TEXT",
            "ALTER TABLE jobs ADD COLUMN challengers TEXT",
            "CREATE INDEX jobs_by_model ON jobs(model_id, state)",
            """
            CREATE TABLE aliases(
                name TEXT PRIMARY KEY, model_id TEXT, generation \(integer) NOT NULL, updated_us \(integer) NOT NULL,
                updated_by TEXT NOT NULL)
            """,
        ]
    }

    /// SQLite's migration `v5-model-registry`.
    static let sqlite =
        columns(integer: "INTEGER") + [
            """
            CREATE TABLE model_events(
                id INTEGER PRIMARY KEY AUTOINCREMENT, at_us INTEGER NOT NULL, process TEXT NOT NULL,
                actor TEXT NOT NULL, kind TEXT NOT NULL, alias TEXT, model_id TEXT, previous_model_id TEXT,
                generation INTEGER, via TEXT NOT NULL)
            """,
            // The audit trail is append-only: the database refuses to change or delete an entry.
            """
            CREATE TRIGGER model_events_append_only_update BEFORE UPDATE ON model_events
            BEGIN SELECT RAISE(ABORT, 'model_events is append-only'); END
            """,
            """
            CREATE TRIGGER model_events_append_only_delete BEFORE DELETE ON model_events
            BEGIN SELECT RAISE(ABORT, 'model_events is append-only'); END
            """,
        ]

    /// PostgreSQL's migration `pg3-model-registry`.
    public static let postgres =
        columns(integer: "bigint") + [
            """
            CREATE TABLE model_events(
                id bigserial PRIMARY KEY, at_us bigint NOT NULL, process text NOT NULL, actor text NOT NULL,
                kind text NOT NULL, alias text, model_id text, previous_model_id text, generation bigint,
                via text NOT NULL)
            """,
            // The audit trail is append-only: the database refuses to change or delete an entry.
            """
            CREATE FUNCTION vfl_append_only() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$
            """,
            """
            CREATE TRIGGER model_events_append_only BEFORE UPDATE OR DELETE ON model_events
            FOR EACH ROW EXECUTE FUNCTION vfl_append_only()
            """,
        ]
}
