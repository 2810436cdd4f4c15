import Core
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// The SQLite job store: jobs, their tasks, the models seen, and an append-only event log.
///
/// One connection per process, used only on the store's serial queue; every writing transaction is a short
/// `BEGIN IMMEDIATE` (never around file I/O or scoring). Safe to share between threads: every call runs on the queue.
public final class SQLiteStore: JobStore, @unchecked Sendable {
    private let queue = DispatchQueue(label: "vfl.store")
    let connection: Connection
    /// Who writes events (for example `worker-12345`).
    public let process: String

    /// Opens the store and applies migrations.
    ///
    /// - Parameters:
    ///   - path: The database file (its folder must be on a local filesystem).
    ///   - process: The name written in events.
    /// - Throws: ``StoreError``.
    public init(path: String, process: String) throws {
        self.process = process
        connection = try Connection(path: path)
        try Migrations.apply(to: connection)
    }

    /// The database file.
    public var location: String { connection.path }

    /// A claim takes the database's write lock: idle workers look first.
    public var looksBeforeClaiming: Bool { true }

    /// A claim costs no round trip here: workers publish a completed task's results before they claim again.
    public var claimsWithCompletion: Bool { false }

    /// Sleeps `seconds`: SQLite has no notifications, so workers poll (a cheap read, without the write lock).
    public func waitForWork(seconds: Double) { usleep(UInt32(max(0, seconds) * 1e6)) }

    /// Runs `body` on the store's queue with its connection.
    func sync<T>(_ body: (Connection) throws -> T) throws -> T {
        try queue.sync { try body(connection) }
    }

    private func event(_ db: Connection, job: String, task: Int?, kind: String, detail: String) throws {
        try db.execute(
            "INSERT INTO events(at_us, job_id, task_seq, process, kind, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .integer(Timestamp.now().microseconds), .text(job), task.map { .integer(Int64($0)) } ?? .null,
                .text(process),
                .text(kind), .text(detail),
            ])
    }

    // MARK: - Ingest

    /// Whether a job with this id exists.
    ///
    /// - Throws: ``StoreError``.
    public func jobExists(_ id: String) throws -> Bool {
        try sync { db in try StoreReads.jobExists(db, id) }
    }

    /// Records a new job and its staged tasks in one transaction.
    ///
    /// - Parameters:
    ///   - modelPath: Where the model's file is, for workers that load models by id.
    ///   - shards: The resolved shards (Spool's JSON form), checked again by workers.
    ///   - held: Record the job held: no task is claimed until ``releaseHeldJob(_:)`` (ingest records the job before
    ///     it moves the batch, then releases it).
    /// - Throws: ``StoreError`` of code `constraint` when the id exists.
    public func createJob(
        id: String, parties: [String], model: JobModel, modelPath: String?, shards: String?, held: Bool,
        tasks: [TaskSpec]
    ) throws {
        try sync { db in
            try db.withImmediateTransaction {
                try RegistrySQL.checkPinnable(db, model)
                try insertJob(
                    db, id: id, parties: parties, model: model, modelPath: modelPath, shards: shards, held: held,
                    tasks: tasks)
            }
        }
    }

    /// Inserts a job, its tasks and its `queued` event, in the caller's transaction.
    private func insertJob(
        _ db: Connection, id: String, parties: [String], model: JobModel, modelPath: String?, shards: String?,
        held: Bool, tasks: [TaskSpec]
    ) throws {
        let now = Timestamp.now().microseconds
        try db.execute(
            "INSERT OR IGNORE INTO models(id, name, first_seen_us) VALUES (?, ?, ?)",
            [.text(model.id), .text(model.name), .integer(now)])
        if let modelPath {
            try db.execute("UPDATE models SET path = ? WHERE id = ?", [.text(modelPath), .text(model.id)])
        }
        try db.execute(
            """
            INSERT INTO jobs(
                id, state, parties, model_id, created_us, updated_us, tasks_total, held, shards, model_name,
                model_version, model_alias, challengers)
            VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(id), .text(parties.joined(separator: ",")), .text(model.id), .integer(now), .integer(now),
                .integer(Int64(tasks.count)), .integer(held ? 1 : 0), shards.map { .text($0) } ?? .null,
                .text(model.name), model.version.map { .integer(Int64($0)) } ?? .null,
                model.alias.map { .text($0) } ?? .null, model.challengersColumn,
            ])
        for (seq, task) in tasks.enumerated() {
            try db.execute(
                """
                INSERT INTO tasks(job_id, seq, state, attempts, not_before_us, stage, part)
                VALUES (?, ?, 'queued', 0, 0, ?, ?)
                """, [.text(id), .integer(Int64(seq)), .integer(Int64(task.stage)), .integer(Int64(task.part))])
        }
        try event(db, job: id, task: nil, kind: "queued", detail: "batch accepted with \(tasks.count) task(s)")
    }

    /// Releases a held job: its tasks become claimable.
    ///
    /// - Returns: `false` when the job was not held.
    /// - Throws: ``StoreError``.
    @discardableResult
    public func releaseHeldJob(_ id: String) throws -> Bool {
        try sync { db in
            try db.withImmediateTransaction {
                try db.execute("UPDATE jobs SET held = 0 WHERE id = ? AND held = 1", [.text(id)])
                guard db.changes == 1 else { return false }
                try event(db, job: id, task: nil, kind: "accepted", detail: JobRules.acceptedDetail)
                return true
            }
        }
    }

    /// The ids of held jobs (recorded, their batch not yet moved), for ingest's recovery.
    ///
    /// - Throws: ``StoreError``.
    public func heldJobs() throws -> [String] {
        try sync { db in
            try db.query("SELECT id FROM jobs WHERE held = 1 ORDER BY rowid").compactMap { $0["id"].string }
        }
    }

    /// Fails a job that has not ended (an operator or recovery decision), cancelling its tasks.
    ///
    /// - Returns: `false` when the job does not exist or has ended.
    /// - Throws: ``StoreError``.
    @discardableResult
    public func failJob(_ id: String, reason: String) throws -> Bool {
        try sync { db in
            try db.withImmediateTransaction {
                try failJob(db, job: id, reason: reason, now: Timestamp.now().microseconds)
            }
        }
    }

    /// Records an event on a job (for example what recovery found).
    ///
    /// - Throws: ``StoreError``.
    public func recordEvent(job: String, kind: String, detail: String) throws {
        try sync { db in try event(db, job: job, task: nil, kind: kind, detail: detail) }
    }

    /// Records a job whose batch was found without any history (the store was lost or replaced): failed at once, so
    /// that it is never scored again silently; `vfl retry` scores it (with `modelID`).
    ///
    /// - Throws: ``StoreError``.
    public func recordOrphan(
        id: String, parties: [String], modelID: String, modelName: String, shards: String?, tasks: [TaskSpec],
        reason: String
    ) throws {
        // One transaction: a job that exists is never left held (and then released to be scored silently).
        try sync { db in
            try db.withImmediateTransaction {
                try insertJob(
                    db, id: id, parties: parties, model: JobModel(id: modelID, name: modelName), modelPath: nil,
                    shards: shards, held: false, tasks: tasks)
                try event(db, job: id, task: nil, kind: "orphan", detail: reason)
                _ = try failJob(db, job: id, reason: reason, now: Timestamp.now().microseconds)
            }
        }
    }

    /// Records a batch refused at ingest (a new id), or an event on the existing job for a duplicate drop.
    ///
    /// - Throws: ``StoreError``.
    public func recordRejected(id: String, parties: [String], reason: String) throws {
        try sync { db in
            try db.withImmediateTransaction {
                let now = Timestamp.now().microseconds
                if try db.query("SELECT 1 FROM jobs WHERE id = ?", [.text(id)]).isEmpty {
                    try db.execute(
                        """
                        INSERT INTO jobs(id, state, parties, created_us, updated_us, finished_us, error, tasks_total)
                        VALUES (?, 'rejected', ?, ?, ?, ?, ?, 0)
                        """,
                        [
                            .text(id), .text(parties.joined(separator: ",")), .integer(now), .integer(now),
                            .integer(now),
                            .text(reason),
                        ])
                    try event(db, job: id, task: nil, kind: "rejected", detail: reason)
                } else {
                    try event(db, job: id, task: nil, kind: "duplicate_rejected", detail: reason)
                }
            }
        }
    }

    // MARK: - Workers

    /// Claims the next runnable task, first in first out across jobs: a queued task whose backoff has passed, or a
    /// running task whose lease expired, of a job that is queued or running and not held, whose earlier stages are
    /// done. A task that has been claimed `maxAttempts` times fails its job instead, with the last attempt's error.
    ///
    /// - Parameters:
    ///   - owner: A token unique to this claim's worker.
    ///   - leaseSeconds: How long the claim holds without renewal.
    ///   - maxAttempts: Claims allowed before the job fails.
    ///   - excludingModels: Models this worker cannot load: their jobs' tasks are left for other workers.
    /// - Returns: The claimed task, or `nil` when there is none.
    /// - Throws: ``StoreError``.
    public func claimTask(
        owner: String, leaseSeconds: Double, maxAttempts: Int, excludingModels: Set<String>
    ) throws -> ClaimedTask? {
        try sync { db in
            try db.withImmediateTransaction {
                let now = Timestamp.now().microseconds
                let excluded = excludingModels.sorted()
                while true {
                    let rows = try db.query(
                        """
                        SELECT t.job_id, t.seq, t.attempts, t.state, t.error, t.stage, t.part, j.model_id, j.shards,
                            j.challengers, j.model_name, j.model_version, j.model_alias
                        FROM tasks AS t JOIN jobs AS j ON j.id = t.job_id
                        WHERE \(SQLiteStore.runnable(excluding: excluded.count))
                        ORDER BY j.rowid, t.seq LIMIT 1
                        """, [.integer(now), .integer(now)] + excluded.map { .text($0) })
                    guard let row = rows.first, let job = row["job_id"].string, let seq = row["seq"].int,
                        let state = row["state"].string
                    else { return nil }
                    let attempts = row["attempts"].int ?? 0
                    var lastError = row["error"].string
                    if state == "running" {
                        lastError = JobRules.leaseExpiredReason
                        try event(db, job: job, task: seq, kind: "lease_expired", detail: "task rescued")
                    }
                    if attempts >= maxAttempts {
                        let reason = JobRules.gaveUp(attempts: attempts, last: lastError)
                        try db.execute(
                            """
                            UPDATE tasks SET state = 'failed', owner = NULL, error = ?
                            WHERE job_id = ? AND seq = ? AND state = ?
                            """, [.text(reason), .text(job), .integer(Int64(seq)), .text(state)])
                        _ = try failJob(db, job: job, reason: reason, now: now)
                        continue
                    }
                    try db.execute(
                        """
                        UPDATE tasks SET state = 'running', owner = ?, lease_expires_us = ?, attempts = attempts + 1,
                        error = ? WHERE job_id = ? AND seq = ? AND state = ? AND attempts = ?
                        """,
                        [
                            .text(owner), .integer(now + Int64(leaseSeconds * 1e6)),
                            lastError.map { .text($0) } ?? .null,
                            .text(job), .integer(Int64(seq)), .text(state), .integer(Int64(attempts)),
                        ])
                    guard db.changes == 1 else { throw StoreError(.sqlite, "a task changed under its claim") }
                    try db.execute(
                        """
                        UPDATE jobs SET state = 'running', started_us = COALESCE(started_us, ?), updated_us = ?,
                        attempts = attempts + 1 WHERE id = ? AND state IN ('queued', 'running')
                        """, [.integer(now), .integer(now), .text(job)])
                    try event(db, job: job, task: seq, kind: "claimed", detail: "attempt \(attempts + 1)")
                    return ClaimedTask(
                        jobID: job, sequence: seq, owner: owner, attempt: attempts + 1, stage: row["stage"].int ?? 0,
                        part: row["part"].int ?? 0, modelID: row["model_id"].string ?? "", shards: row["shards"].string,
                        challengers: JobModel.challengers(from: row["challengers"].string),
                        modelName: row["model_name"].string, modelVersion: row["model_version"].int,
                        modelAlias: row["model_alias"].string)
                }
            }
        }
    }

    /// Ends a job that has not ended as failed and cancels its other tasks, in the caller's transaction.
    private func failJob(_ db: Connection, job: String, reason: String, now: Int64) throws -> Bool {
        try db.execute(
            """
            UPDATE jobs SET state = 'failed', error = ?, finished_us = ?, updated_us = ?
            WHERE id = ? AND state IN ('queued', 'running')
            """,
            [.text(reason), .integer(now), .integer(now), .text(job)])
        guard db.changes == 1 else { return false }
        try db.execute(
            "UPDATE tasks SET state = 'cancelled', owner = NULL WHERE job_id = ? AND state IN ('queued', 'running')",
            [.text(job)])
        try event(db, job: job, task: nil, kind: "failed", detail: reason)
        return true
    }

    /// The job's state after one of its tasks went back to the queue: running while another task runs.
    private func requeueJob(_ db: Connection, job: String, error: String?, now: Int64) throws {
        try db.execute(
            """
            UPDATE jobs SET updated_us = ?, error = COALESCE(?, error),
            state = CASE WHEN EXISTS (SELECT 1 FROM tasks WHERE job_id = ? AND state = 'running') THEN 'running'
                         ELSE 'queued' END
            WHERE id = ? AND state IN ('queued', 'running')
            """, [.integer(now), error.map { .text($0) } ?? .null, .text(job), .text(job)])
    }

    /// The condition on `tasks AS t JOIN jobs AS j` of a task that can be claimed now (arguments: now, now, then the
    /// `excluded` model ids): of a live job that is not held, queued past its backoff or running past its lease, with
    /// every earlier stage of its job done.
    private static func runnable(excluding excluded: Int) -> String {
        let models =
            excluded == 0
            ? "" : "AND j.model_id NOT IN (" + Array(repeating: "?", count: excluded).joined(separator: ", ") + ")"
        return """
            j.state IN ('queued', 'running') AND j.held = 0
            AND ((t.state = 'queued' AND t.not_before_us <= ?) OR (t.state = 'running' AND t.lease_expires_us < ?))
            AND NOT EXISTS (
                SELECT 1 FROM tasks AS u WHERE u.job_id = t.job_id AND u.stage < t.stage AND u.state != 'done')
            \(models)
            """
    }

    /// Whether some task could be claimed now (a read, without the write lock).
    ///
    /// - Throws: ``StoreError``.
    public func hasRunnableTask(excludingModels: Set<String>) throws -> Bool {
        try sync { db in
            let now = Timestamp.now().microseconds
            let excluded = excludingModels.sorted()
            return
                !(try db.query(
                    """
                    SELECT 1 FROM tasks AS t JOIN jobs AS j ON j.id = t.job_id
                    WHERE \(SQLiteStore.runnable(excluding: excluded.count))
                    LIMIT 1
                    """, [.integer(now), .integer(now)] + excluded.map { .text($0) }
                ).isEmpty)
        }
    }

    /// The fence of every transition of a claimed task: this claim still holds it.
    private static let heldByClaim = "job_id = ? AND seq = ? AND owner = ? AND attempts = ? AND state = 'running'"

    private static func claimArguments(_ task: ClaimedTask) -> [SQLValue] {
        [.text(task.jobID), .integer(Int64(task.sequence)), .text(task.owner), .integer(Int64(task.attempt))]
    }

    /// Extends a lease.
    ///
    /// - Returns: `false` when the claim was lost (another worker rescued the task, or its job ended).
    /// - Throws: ``StoreError``.
    public func renewLease(_ task: ClaimedTask, leaseSeconds: Double) throws -> Bool {
        try sync { db in
            try db.withImmediateTransaction {
                let now = Timestamp.now().microseconds
                try db.execute(
                    "UPDATE tasks SET lease_expires_us = ? WHERE \(SQLiteStore.heldByClaim) AND lease_expires_us >= ?",
                    [.integer(now + Int64(leaseSeconds * 1e6))] + SQLiteStore.claimArguments(task) + [.integer(now)])
                return db.changes == 1
            }
        }
    }

    /// Whether this claim still holds its task (its lease unexpired): checked before publishing.
    ///
    /// - Throws: ``StoreError``.
    public func holdsLease(_ task: ClaimedTask) throws -> Bool {
        try sync { db in
            !(try db.query(
                "SELECT 1 FROM tasks WHERE \(SQLiteStore.heldByClaim) AND lease_expires_us >= ?",
                SQLiteStore.claimArguments(task) + [.integer(Timestamp.now().microseconds)]
            ).isEmpty)
        }
    }

    /// Marks a task done, only if the caller still holds its lease (checked in the same transaction), and the job
    /// done when it was its last task.
    ///
    /// - Returns: `false` when the lease was lost: the caller must discard its result.
    /// - Throws: ``StoreError``.
    public func completeTask(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String
    )
        throws -> Bool
    {
        try sync { db in
            try db.withImmediateTransaction {
                let now = Timestamp.now().microseconds
                try db.execute(
                    """
                    UPDATE tasks SET state = 'done', owner = NULL, result_path = ?, error = NULL
                    WHERE \(SQLiteStore.heldByClaim) AND lease_expires_us >= ?
                    """,
                    [.text(resultPath)] + SQLiteStore.claimArguments(task) + [.integer(now)])
                guard db.changes == 1 else {
                    // This claim's own completion, recorded before (the same attempt and result path): still true.
                    return
                        !(try db.query(
                            "SELECT 1 FROM tasks WHERE job_id = ? AND seq = ? AND state = 'done' AND attempts = ? "
                                + "AND result_path = ?",
                            [
                                .text(task.jobID), .integer(Int64(task.sequence)), .integer(Int64(task.attempt)),
                                .text(resultPath),
                            ]
                        ).isEmpty)
                }
                try event(
                    db, job: task.jobID, task: task.sequence, kind: "task_done", detail: "attempt \(task.attempt)")
                let counts = try db.query(
                    """
                    SELECT COALESCE(SUM(state = 'done'), 0) AS done, COALESCE(SUM(state != 'done'), 0) AS remaining
                    FROM tasks WHERE job_id = ?
                    """, [.text(task.jobID)])
                try db.execute(
                    "UPDATE jobs SET tasks_done = ?, updated_us = ? WHERE id = ?",
                    [.integer(Int64(counts[0]["done"].int ?? 0)), .integer(now), .text(task.jobID)])
                if counts[0]["remaining"].int == 0 {
                    try db.execute(
                        """
                        UPDATE jobs SET state = 'done', finished_us = ?, customers = ?, scored = ?, rejected_rows = ?,
                        result_path = ?, error = NULL WHERE id = ? AND state = 'running'
                        """,
                        [
                            .integer(now), .integer(Int64(customers)), .integer(Int64(scored)),
                            .integer(Int64(rejectedRows)), .text(resultPath), .text(task.jobID),
                        ])
                    guard db.changes == 1 else { throw StoreError(.sqlite, "a job ended under its last task") }
                    try event(db, job: task.jobID, task: nil, kind: "done", detail: "\(scored) customers scored")
                }
                return true
            }
        }
    }

    /// Records a failed attempt: retried after `retryAfter` seconds, or, when `retryAfter` is `nil` (a permanent
    /// failure such as bad data) or this was attempt `maxAttempts`, the job fails with the reason and its other tasks
    /// are cancelled. Only the lease holder may do this.
    ///
    /// - Returns: `false` when the lease was lost.
    /// - Throws: ``StoreError``.
    public func failTask(
        _ task: ClaimedTask, reason: String, retryAfter: Double?, maxAttempts: Int
    ) throws -> Bool {
        try sync { db in
            try db.withImmediateTransaction {
                let now = Timestamp.now().microseconds
                let permanent = retryAfter == nil || task.attempt >= maxAttempts
                let finalReason =
                    retryAfter != nil && permanent
                    ? JobRules.gaveUp(attempts: task.attempt, last: reason) : reason
                try db.execute(
                    """
                    UPDATE tasks SET state = ?, owner = NULL, error = ?, not_before_us = ?
                    WHERE \(SQLiteStore.heldByClaim)
                    """,
                    [
                        .text(permanent ? "failed" : "queued"), .text(finalReason),
                        .integer(now + Int64((retryAfter ?? 0) * 1e6)),
                    ] + SQLiteStore.claimArguments(task))
                guard db.changes == 1 else { return false }
                if permanent {
                    _ = try failJob(db, job: task.jobID, reason: finalReason, now: now)
                } else {
                    try requeueJob(db, job: task.jobID, error: reason, now: now)
                    try event(db, job: task.jobID, task: task.sequence, kind: "retry", detail: reason)
                }
                return true
            }
        }
    }

    /// Hands a task back (a worker stopping, or one without the job's model): queued again at once, the attempt not
    /// counted.
    ///
    /// - Throws: ``StoreError``.
    public func releaseTask(_ task: ClaimedTask, reason: String) throws {
        try sync { db in
            try db.withImmediateTransaction {
                try db.execute(
                    """
                    UPDATE tasks SET state = 'queued', owner = NULL, attempts = MAX(attempts - 1, 0), not_before_us = 0
                    WHERE \(SQLiteStore.heldByClaim)
                    """, SQLiteStore.claimArguments(task))
                if db.changes == 1 {
                    // The claim is not counted on the job either.
                    try db.execute(
                        "UPDATE jobs SET attempts = MAX(attempts - 1, 0) WHERE id = ?", [.text(task.jobID)])
                    try requeueJob(db, job: task.jobID, error: nil, now: Timestamp.now().microseconds)
                    try event(db, job: task.jobID, task: task.sequence, kind: "released", detail: reason)
                }
            }
        }
    }

    /// Queues a failed job again (an operator's retry after fixing its cause): every task restarts with no attempts.
    /// The caller removes the job's work folders first (`vfl retry` does), so a split job partitions afresh.
    ///
    /// - Parameter shards: The shards resolved again (the operator may have replaced one), or `nil` to keep them.
    /// - Returns: `false` when the job does not exist or is not failed.
    /// - Throws: ``StoreError``.
    public func retryJob(_ id: String, shards: String?) throws -> Bool {
        try sync { db in
            try db.withImmediateTransaction {
                let now = Timestamp.now().microseconds
                try db.execute(
                    """
                    UPDATE jobs SET state = 'queued', error = NULL, finished_us = NULL, attempts = 0, updated_us = ?,
                    tasks_done = 0, shards = COALESCE(?, shards) WHERE id = ? AND state = 'failed'
                    """, [.integer(now), shards.map { .text($0) } ?? .null, .text(id)])
                guard db.changes == 1 else { return false }
                try db.execute(
                    """
                    UPDATE tasks SET state = 'queued', owner = NULL, attempts = 0, not_before_us = 0, error = NULL,
                    result_path = NULL WHERE job_id = ?
                    """, [.text(id)])
                try event(db, job: id, task: nil, kind: "retried", detail: "queued again by an operator")
                return true
            }
        }
    }

    /// The file of a model the store knows, for workers that load a job's model by id.
    ///
    /// - Throws: ``StoreError``.
    public func modelPath(_ id: String) throws -> String? {
        try sync { db in try StoreReads.modelPath(db, id) }
    }

    /// The owner tokens of tasks currently running (to tell live private result folders from abandoned ones).
    ///
    /// - Throws: ``StoreError``.
    public func runningOwners() throws -> Set<String> {
        try sync { db in try StoreReads.runningOwners(db) }
    }

    /// The states of a job's tasks, in task order (`queued`, `running`, `done`, `failed`, `cancelled`).
    ///
    /// - Throws: ``StoreError``.
    public func taskStates(job: String) throws -> [String] {
        try sync { db in try StoreReads.taskStates(db, job: job) }
    }

    /// How many tasks of `stage` a job has (a split job's bucket count).
    ///
    /// - Throws: ``StoreError``.
    public func taskCount(job: String, stage: Int) throws -> Int {
        try sync { db in try StoreReads.taskCount(db, job: job, stage: stage) }
    }

    /// Counts for `/metrics`: jobs and tasks by state, customers scored, rows rejected, live workers.
    ///
    /// - Throws: ``StoreError``.
    public func metrics(
        liveWithinSeconds: Double
    ) throws -> (
        jobs: [String: Int], tasks: [String: Int], scored: Int, rejectedRows: Int, liveWorkers: Int
    ) {
        try sync { db in try StoreReads.metrics(db, liveWithinSeconds: liveWithinSeconds) }
    }

    /// Records a worker's heartbeat (for metrics: live workers).
    ///
    /// - Throws: ``StoreError``.
    public func heartbeat(worker: String) throws {
        try sync { db in
            try db.execute(
                "INSERT INTO workers(name, seen_us) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET seen_us = excluded.seen_us",
                [.text(worker), .integer(Timestamp.now().microseconds)])
        }
    }

    // MARK: - Reading

    /// Jobs, newest first.
    ///
    /// - Throws: ``StoreError``.
    public func jobs(state: JobState?, limit: Int) throws -> [JobRecord] {
        try sync { db in try StoreReads.jobs(db, state: state, limit: limit) }
    }

    /// One job, or `nil`.
    ///
    /// - Throws: ``StoreError``.
    public func job(_ id: String) throws -> JobRecord? {
        try sync { db in try StoreReads.job(db, id) }
    }

    /// The jobs of these ids that exist, in no order.
    public func jobs(ids: [String]) throws -> [JobRecord] {
        try sync { db in try StoreReads.jobs(db, ids: ids) }
    }

    /// A job's events, oldest first: when, which process, what and why.
    ///
    /// - Throws: ``StoreError``.
    public func events(job: String) throws -> [(at: Int64, process: String, kind: String, detail: String)] {
        try sync { db in try StoreReads.events(db, job: job) }
    }

    /// Done jobs and where their results were written, for publishing results a crash left unpublished.
    ///
    /// - Throws: ``StoreError``.
    public func doneResultPaths() throws -> [(job: String, path: String)] {
        try sync { db in try StoreReads.doneResultPaths(db) }
    }

    /// `PRAGMA integrity_check`'s answer (`ok` when healthy).
    ///
    /// - Throws: ``StoreError``.
    public func integrityCheck() throws -> String {
        try sync { db in try db.query("PRAGMA integrity_check").first?.values.first?.string ?? "" }
    }

    /// Writes a consistent copy of the store to `path` (SQLite's online backup; other processes keep writing),
    /// through a temporary file renamed into place, and checks the copy's integrity.
    ///
    /// - Throws: ``StoreError``.
    @discardableResult
    public func backup(to path: String) throws -> String {
        let temporary = FileIO.temporaryName(for: path)
        try sync { db in try db.backup(to: temporary) }
        let check: String
        do {
            // The copy is one self-contained file (rollback journal mode), checked before it is published.
            let copy = try Connection(path: temporary)
            check = try copy.query("PRAGMA integrity_check").first?.values.first?.string ?? ""
            try copy.execute("PRAGMA journal_mode=DELETE")
        }
        guard check == "ok" else { throw StoreError(.corrupt, "the backup failed its integrity check: \(check)") }
        do { try FileIO.rename(temporary, to: path) } catch {
            throw StoreError(.sqlite, "cannot move the backup into place: \(error)")
        }
        return "copied \(connection.path) with SQLite's online backup and checked the copy's integrity"
    }
}
