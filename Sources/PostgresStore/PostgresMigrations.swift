import Store

/// Named, append-only schema migrations of the PostgreSQL store, recorded in `migrations`; applied at startup under
/// an advisory lock, so that processes starting together apply each one once.
enum PostgresMigrations {
    /// Never edit or reorder: append.
    static let all: [(name: String, sql: [String])] = [
        (
            "pg1-jobs-tasks-models-events",
            [
                // The database's clock: every lease, backoff and timestamp is taken from it, never from a node's.
                """
                CREATE FUNCTION vfl_now_us() RETURNS bigint LANGUAGE sql STABLE
                AS $$ SELECT (extract(epoch FROM now()) * 1000000)::bigint $$
                """,
                // `seq` is the order jobs were recorded in (SQLite's rowid): FIFO claims and keyset paging use it.
                """
                CREATE TABLE jobs(
                    seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, state text NOT NULL, parties text NOT NULL,
                    model_id text, created_us bigint NOT NULL, updated_us bigint NOT NULL, started_us bigint,
                    finished_us bigint, attempts integer NOT NULL DEFAULT 0, error text, customers bigint,
                    scored bigint, rejected_rows bigint, tasks_total integer NOT NULL DEFAULT 0,
                    tasks_done integer NOT NULL DEFAULT 0, result_path text, held smallint NOT NULL DEFAULT 0,
                    shards text)
                """,
                "CREATE INDEX jobs_by_created ON jobs(created_us, seq)",
                "CREATE INDEX jobs_by_state ON jobs(state, created_us, seq)",
                "CREATE INDEX jobs_held ON jobs(seq) WHERE held = 1",
                // `job_seq` copies the job's order into the task, so that the claim orders live tasks by one index.
                """
                CREATE TABLE tasks(
                    job_id text NOT NULL REFERENCES jobs(id), seq integer NOT NULL, job_seq bigint NOT NULL,
                    state text NOT NULL, owner text, lease_expires_us bigint, attempts integer NOT NULL DEFAULT 0,
                    not_before_us bigint NOT NULL DEFAULT 0, error text, result_path text,
                    stage integer NOT NULL DEFAULT 0, part integer NOT NULL DEFAULT 0, PRIMARY KEY(job_id, seq))
                """,
                // Only live tasks are in the claim's index: finished tasks, however many, cost the claim nothing.
                "CREATE INDEX tasks_live ON tasks(job_seq, seq) WHERE state IN ('queued', 'running')",
                "CREATE INDEX tasks_by_job ON tasks(job_id, stage, state)",
                "CREATE INDEX tasks_running_owner ON tasks(owner) WHERE state = 'running'",
                "CREATE TABLE models(id text PRIMARY KEY, name text, first_seen_us bigint NOT NULL, path text)",
                """
                CREATE TABLE events(
                    id bigserial PRIMARY KEY, at_us bigint NOT NULL, job_id text NOT NULL, task_seq integer,
                    process text NOT NULL, kind text NOT NULL, detail text NOT NULL)
                """,
                "CREATE INDEX events_by_job ON events(job_id, id)",
                "CREATE TABLE workers(name text PRIMARY KEY, seen_us bigint NOT NULL)",
            ]
        ),
        (
            // The queue's tables change at every claim and completion: vacuumed (their dead index entries, which
            // every claim would step over, removed) and analyzed (the claim's plan kept right) after a fixed number
            // of changes, not after a fraction of a table that grows with every batch.
            "pg2-queue-autovacuum",
            [
                """
                ALTER TABLE tasks SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
                    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000)
                """,
                """
                ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
                    autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000)
                """,
            ]
        ),
        ("pg3-model-registry", RegistrySchema.postgres),
        (
            // The claim reads one table through one index, so that its plan is prepared once and stays right however
            // the queue's statistics lag: a task copies its job's model, and `waiting` says it may not be claimed yet
            // (its job held, or a task of an earlier stage not done), what the claim read from `jobs` and from the
            // job's other tasks at every call.
            "pg4-claim-reads-tasks",
            [
                "ALTER TABLE tasks ADD COLUMN waiting boolean NOT NULL DEFAULT false, ADD COLUMN model_id text",
                "UPDATE tasks AS t SET model_id = j.model_id FROM jobs AS j WHERE j.id = t.job_id",
                """
                UPDATE tasks AS t SET waiting = true FROM jobs AS j
                WHERE j.id = t.job_id AND t.state = 'queued' AND (j.held = 1 OR EXISTS (
                    SELECT 1 FROM tasks AS u WHERE u.job_id = t.job_id AND u.stage < t.stage AND u.state <> 'done'))
                """,
                """
                CREATE INDEX tasks_claimable ON tasks(job_seq, seq)
                WHERE state = 'running' OR (state = 'queued' AND NOT waiting)
                """,
                "DROP INDEX tasks_live",
            ]
        ),
    ]

    /// Applies the migrations not yet recorded, in one durable transaction, under an advisory lock.
    ///
    /// - Throws: ``StoreError``.
    static func apply(to db: PGConnection) throws {
        try db.transaction {
            // One process at a time migrates; the others wait here and then find nothing to do.
            try db.execute("SET LOCAL synchronous_commit = on")
            try db.execute("SELECT pg_advisory_xact_lock(7451001)")
            try db.execute("CREATE TABLE IF NOT EXISTS migrations(name text PRIMARY KEY, applied_us bigint NOT NULL)")
            let applied = try db.query("SELECT name FROM migrations").compactMap { $0["name"].string }
            try SchemaHistory.refuseUnknown(applied: applied, known: all.map(\.name))
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.sql { try db.execute(statement) }
                try db.execute(
                    "INSERT INTO migrations(name, applied_us) VALUES ($1, vfl_now_us())", [.text(migration.name)])
            }
        }
    }
}
