import Core

/// A connection that runs one statement with `?` placeholders, bound in order, and returns its rows: what the reads
/// both backends share need of a connection.
public protocol SQLSelecting {
    /// Runs `sql` with `arguments` bound to its `?` placeholders, in order.
    func select(_ sql: String, _ arguments: [SQLValue]) throws -> [Row]

    /// The store's clock in microseconds since the epoch, as an SQL expression: the clock the backend stamps job
    /// events with, so that registry events and job events order on one time line.
    var nowMicroseconds: String { get }
}

extension Connection: SQLSelecting {
    func select(_ sql: String, _ arguments: [SQLValue]) throws -> [Row] { try query(sql, arguments) }

    /// The process's clock, as job events are stamped (``Timestamp/now()``, read in the caller's transaction), an
    /// integer literal: SQLite's `julianday('now')` keeps only milliseconds, so a registry event and a job event in
    /// the same millisecond would not tell their order.
    var nowMicroseconds: String { "\(Timestamp.now().microseconds)" }
}

/// The reads both job stores answer with the same SQL over the same columns: one place for each, whichever the
/// backend. The caller runs them on its connection (its queue, its retries).
public enum StoreReads {
    /// Whether a job with this id exists.
    public static func jobExists(_ db: some SQLSelecting, _ id: String) throws -> Bool {
        !(try db.select("SELECT 1 FROM jobs WHERE id = ?", [.text(id)]).isEmpty)
    }

    /// One job, or `nil`.
    public static func job(_ db: some SQLSelecting, _ id: String) throws -> JobRecord? {
        try db.select("SELECT * FROM jobs WHERE id = ?", [.text(id)]).first.map(JobRecord.init(row:))
    }

    /// The jobs of these ids that exist, in no order: a few statements for any number of ids (each of up to 256 ids,
    /// its list padded to 1, 16 or 256 so that a server prepares three statements at most).
    public static func jobs(_ db: some SQLSelecting, ids: [String]) throws -> [JobRecord] {
        var found: [JobRecord] = []
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(start + 256, ids.count)]
            start += chunk.count
            let size = [1, 16, 256].first { $0 >= chunk.count } ?? 256
            let padded = Array(chunk) + Array(repeating: chunk.first!, count: size - chunk.count)
            let marks = Array(repeating: "?", count: size).joined(separator: ", ")
            found += try db.select("SELECT * FROM jobs WHERE id IN (\(marks))", padded.map { .text($0) }).map(
                JobRecord.init(row:))
        }
        return found
    }

    /// Jobs, newest first, at most `limit`.
    public static func jobs(_ db: some SQLSelecting, state: JobState?, limit: Int) throws -> [JobRecord] {
        let rows: [Row]
        if let state {
            rows = try db.select(
                "SELECT * FROM jobs WHERE state = ? ORDER BY created_us DESC, id LIMIT ?",
                [.text(state.rawValue), .integer(Int64(limit))])
        } else {
            rows = try db.select("SELECT * FROM jobs ORDER BY created_us DESC, id LIMIT ?", [.integer(Int64(limit))])
        }
        return rows.map(JobRecord.init(row:))
    }

    /// A job's events, oldest first.
    public static func events(
        _ db: some SQLSelecting, job: String
    ) throws -> [(
        at: Int64, process: String, kind: String, detail: String
    )] {
        try db.select("SELECT at_us, process, kind, detail FROM events WHERE job_id = ? ORDER BY id", [.text(job)]).map
        {
            (
                Int64($0["at_us"].int ?? 0), $0["process"].string ?? "", $0["kind"].string ?? "",
                $0["detail"].string ?? ""
            )
        }
    }

    /// The states of a job's tasks, in task order.
    public static func taskStates(_ db: some SQLSelecting, job: String) throws -> [String] {
        try db.select("SELECT state FROM tasks WHERE job_id = ? ORDER BY seq", [.text(job)]).compactMap {
            $0["state"].string
        }
    }

    /// How many tasks of `stage` a job has.
    public static func taskCount(_ db: some SQLSelecting, job: String, stage: Int) throws -> Int {
        try db.select(
            "SELECT COUNT(*) AS n FROM tasks WHERE job_id = ? AND stage = ?", [.text(job), .integer(Int64(stage))]
        ).first?["n"].int ?? 0
    }

    /// The file of a model the store knows.
    public static func modelPath(_ db: some SQLSelecting, _ id: String) throws -> String? {
        try db.select("SELECT path FROM models WHERE id = ?", [.text(id)]).first?["path"].string
    }

    /// The owner tokens of running tasks.
    public static func runningOwners(_ db: some SQLSelecting) throws -> Set<String> {
        Set(
            try db.select("SELECT owner FROM tasks WHERE state = 'running' AND owner IS NOT NULL", []).compactMap {
                $0["owner"].string
            })
    }

    /// Done jobs and where their results were written.
    public static func doneResultPaths(_ db: some SQLSelecting) throws -> [(job: String, path: String)] {
        try db.select("SELECT id, result_path FROM jobs WHERE state = 'done' AND result_path IS NOT NULL", []).map {
            ($0["id"].string ?? "", $0["result_path"].string ?? "")
        }
    }

    /// Counts for `/metrics`: jobs and tasks by state, customers scored, rows rejected, workers seen within
    /// `liveWithinSeconds` by the database's clock.
    public static func metrics(
        _ db: some SQLSelecting, liveWithinSeconds: Double
    ) throws -> (
        jobs: [String: Int], tasks: [String: Int], scored: Int, rejectedRows: Int, liveWorkers: Int
    ) {
        var jobs: [String: Int] = [:]
        for row in try db.select("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state", []) {
            jobs[row["state"].string ?? ""] = row["n"].int ?? 0
        }
        var tasks: [String: Int] = [:]
        for row in try db.select("SELECT state, COUNT(*) AS n FROM tasks GROUP BY state", []) {
            tasks[row["state"].string ?? ""] = row["n"].int ?? 0
        }
        let totals = try db.select(
            "SELECT COALESCE(SUM(scored), 0) AS s, COALESCE(SUM(rejected_rows), 0) AS r FROM jobs WHERE state = 'done'",
            [])
        let live = try db.select(
            "SELECT COUNT(*) AS n FROM workers WHERE seen_us >= \(db.nowMicroseconds) - ?",
            [.integer(Int64(liveWithinSeconds * 1e6))])
        return (jobs, tasks, totals[0]["s"].int ?? 0, totals[0]["r"].int ?? 0, live[0]["n"].int ?? 0)
    }

    /// The durations of done jobs (seconds from ingest to results) as histogram buckets counted by the database: one
    /// row comes back whatever the number of jobs. A job counts in the first bucket whose upper bound is at least its
    /// duration, as `Histograms.observe` places a value.
    public static func doneDurations(_ db: some SQLSelecting, bounds: [Double]) throws -> HistogramCounts {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        // Cumulative counts, one per bound; the differences are the buckets.
        let cumulative = bounds.indices.map { "COALESCE(SUM(CASE WHEN d <= ? THEN 1 ELSE 0 END), 0) AS le\($0)" }
        let sql = """
            SELECT \((cumulative + ["COUNT(*) AS n", "COALESCE(SUM(d), 0.0) AS total"]).joined(separator: ", "))
            FROM (SELECT (finished_us - created_us) / 1e6 AS d FROM jobs WHERE state = 'done' AND finished_us IS NOT NULL)
            AS durations
            """
        let row = try db.select(sql, bounds.map { .real($0) }).first
        return HistogramCounts(
            cumulative: bounds.indices.map { row?["le\($0)"].int ?? 0 }, count: row?["n"].int ?? 0,
            sum: row?["total"].double ?? 0)
    }
}
