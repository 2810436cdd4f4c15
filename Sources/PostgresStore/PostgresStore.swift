public import Core
import Dispatch
import Foundation
public import Store

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL job store, for pipelines on many machines: the same jobs, tasks, models and events as
/// ``SQLiteStore``, claimed with `FOR UPDATE SKIP LOCKED`, every later transition fenced by the claim (owner and
/// attempt), every time taken from the database's clock, idle workers woken by `LISTEN`/`NOTIFY`.
///
/// One connection for statements, used only on the store's serial queue, and one for notifications. A statement that
/// finds the server gone (a restart, a failover, a cut network) reconnects with backoff and runs its transaction
/// again, for up to ``Options/reconnectSeconds``; transactions are written so that running one again after an
/// unanswered `COMMIT` neither loses nor duplicates a transition. Lock order: a job's task rows (by `seq`), then its
/// job row. One exception can deadlock, and PostgreSQL breaks it within `deadlock_timeout` (1 s) and the transaction
/// runs again: two claims at once each rescuing a task of the same job past its last attempt (each holds its task
/// when it locks the job's others to fail the job).
public final class PostgresStore: JobStore, @unchecked Sendable {
    /// How the store connects and waits.
    public struct Options: Sendable {
        /// The password (from `VFL_DB_PASSWORD_FILE`); `nil` lets libpq read `PGPASSWORD` or `~/.pgpass`.
        public var password: String?
        /// Wake idle workers with `LISTEN`/`NOTIFY` and prepare statements once per connection; `false` polls only and
        /// prepares nothing (behind PgBouncer's transaction pooling, where neither works).
        public var listen = true
        /// The longest an idle worker waits before it looks again without a notification (lease expiries and backoffs
        /// are never notified), with ±20% jitter.
        public var idlePollSeconds = 2.0
        /// An idle worker's poll interval when ``listen`` is off, with ±20% jitter.
        public var pollOnlySeconds = 1.0
        /// How long a statement keeps reconnecting before it reports the database unavailable.
        public var reconnectSeconds = 60.0
        /// Every transaction waits for its commit to reach the disk, not only the ones nothing could repair (see
        /// `perform`): `VFL_DB_SYNCHRONOUS_COMMIT=1`.
        public var synchronousCommits = false

        /// Creates options.
        public init(password: String? = nil, listen: Bool = true) {
            self.password = password
            self.listen = listen
        }
    }

    /// The channel notified when work may have become claimable.
    static let channel = "vfl_work"

    private let queue = DispatchQueue(label: "vfl.postgres")
    private let connection: PGConnection
    private let url: String
    private let options: Options
    private let listenerLock = DispatchQueue(label: "vfl.postgres.listen")
    nonisolated(unsafe) private var listener: PGConnection?
    /// Who writes events (for example `worker-12345`).
    public let process: String
    /// The URL (which never holds a password: ``PostgresURL`` refuses one).
    public var location: String { url }
    /// Always current: a server database cannot be replaced under a process.
    public var fileState: DatabaseFileState { .current }

    /// Connects and applies migrations.
    ///
    /// - Parameters:
    ///   - url: A libpq URI checked by ``PostgresURL``.
    ///   - process: The name written in events.
    /// - Throws: ``StoreError``: `unavailable` when the server cannot be reached, `newerSchema` when a newer vfl
    ///   migrated the database.
    public init(url: String, process: String, options: Options = Options()) throws {
        self.url = url
        self.process = process
        self.options = options
        connection = try PGConnection(
            url: url, password: options.password, application: "vfl \(process)",
            synchronousCommit: options.synchronousCommits, prepares: options.listen)
        try PostgresMigrations.apply(to: connection)
    }

    /// Never throws: see ``fileState``.
    public func checkFile(logger: Logger?) throws {}

    // MARK: - Running statements

    /// Runs `body` on the queue, in a transaction when `transaction`, again after a reconnection when the server went
    /// away or after a deadlock, until ``Options/reconnectSeconds`` pass.
    ///
    /// A `durable` transaction waits for its commit to reach the disk (`synchronous_commit = on`): one whose loss in
    /// a crash of the database server nothing could repair, the record of a job (its batch is moved next), of a
    /// rejection, an operator's decision, and every transaction that ends a job (done or failed: its work folders
    /// are removed once it has ended). A durable commit also makes every earlier commit durable (the WAL is one
    /// sequence). The others, the hot path of claims, renewals, task completions, retries and hand-backs within a
    /// live job, commit without waiting (the session's `synchronous_commit = off`; never a corrupt database, at most
    /// the last few hundred milliseconds lost in a server crash): each lost one is repaired by the state machine,
    /// since a lost claim leaves the task to another claim (the first worker's fence then fails), a lost task
    /// completion lets the task run again after its lease from the job's intact work folders (deterministic
    /// results), a lost release is redone by ingest's recovery. ``Options/synchronousCommits`` makes every
    /// transaction durable.
    func perform<T>(
        transaction: Bool = true, durable: Bool = false, _ body: (PGConnection) throws -> T
    )
        throws -> T
    {
        try queue.sync {
            let deadline = Timestamp.monotonicSeconds() + options.reconnectSeconds
            var delay = 0.05
            while true {
                do {
                    if !connection.isOK { try connection.connect() }
                    guard transaction else { return try body(connection) }
                    return try connection.transaction(durable: durable) { try body(connection) }
                } catch let error as StoreError where error.code == .unavailable || error.code == .conflict {
                    guard Timestamp.monotonicSeconds() < deadline else { throw error }
                    usleep(UInt32(delay * Double.random(in: 0.5...1.5) * 1e6))
                    delay = min(delay * 2, 2)
                }
            }
        }
    }

    func read<T>(_ body: (PGConnection) throws -> T) throws -> T { try perform(transaction: false, body) }

    private func event(_ db: PGConnection, job: String, task: Int?, kind: String, detail: String) throws {
        try db.execute(
            """
            INSERT INTO events(at_us, job_id, task_seq, process, kind, detail)
            VALUES (vfl_now_us(), $1, $2, $3, $4, $5)
            """,
            [.text(job), task.map { .integer(Int64($0)) } ?? .null, .text(process), .text(kind), .text(detail)])
    }

    /// Wakes idle workers when the transaction commits.
    private func notifyWork(_ db: PGConnection) throws {
        try db.execute("SELECT pg_notify('\(Self.channel)', '')")
    }

    // MARK: - Ingest

    /// Whether a job with this id exists.
    public func jobExists(_ id: String) throws -> Bool {
        try read { db in try StoreReads.jobExists(db, id) }
    }

    /// Records a new job and its staged tasks in one transaction (see ``JobQueue``): ``createJobs(_:)`` of one job.
    public func createJob(
        id: String, parties: [String], model: JobModel, modelPath: String?, shards: String?, held: Bool,
        tasks: [TaskSpec]
    ) throws {
        let job = NewJob(
            id: id, parties: parties, model: model, modelPath: modelPath, shards: shards, held: held, tasks: tasks)
        if let refusal = createJobs([job])[0] { throw refusal }
    }

    /// Records new jobs in one durable transaction, in one round trip: the registry's shared lock, then one statement
    /// for each run of jobs pinned alike (``insertJobs(_:checked:)``), which checks the pin
    /// (``RegistrySQL/checkPinnable(_:_:)``'s two conditions) and, when it holds, records the run's jobs, each unless
    /// its id exists (``PGConnection/pipelinedTransaction(_:durable:)``). A failure of the whole (the server away past
    /// ``Options/reconnectSeconds``) is every job's refusal.
    public func createJobs(_ jobs: [NewJob]) -> [StoreError?] {
        guard !jobs.isEmpty else { return [] }
        var runs: [[NewJob]] = []
        for job in jobs {
            if let last = runs.last?.last, last.model == job.model, last.modelPath == job.modelPath {
                runs[runs.count - 1].append(job)
            } else {
                runs.append([job])
            }
        }
        do {
            return try perform(transaction: false) { db in
                // Shared with other job records, exclusive with registry writes: a model is never removed between
                // the check and the record.
                let answers = try db.pipelinedTransaction(
                    [(Self.lockRegistrySQL(exclusive: false), [])] + runs.map { insertJobs($0, checked: true) },
                    durable: true)
                return zip(runs, answers.dropFirst()).flatMap { run, rows in
                    run.map { job in Self.refusal(of: job, in: rows) }
                }
            }
        } catch let error as StoreError {
            return jobs.map { _ in error }
        } catch {
            return jobs.map { _ in StoreError(.server, "\(error)") }
        }
    }

    /// What `createJob` would have thrown for `job`, from the answer of its run's ``insertJobs(_:checked:)``.
    private static func refusal(of job: NewJob, in rows: [Row]) -> StoreError? {
        guard let row = rows.first(where: { $0["id"].string == job.id }) else {
            return StoreError(.server, "the job was not inserted")
        }
        guard row["live"].int == 1 else {
            let removed = row["removed"].string ?? job.model.id
            return StoreError(.notFound, "model \(removed.prefix(12)) was removed from the registry")
        }
        guard row["current"].int == 1 else {
            let moved = row["moved"].string ?? job.model.alias ?? ""
            return StoreError(.staleGeneration, "the alias \(moved) moved while the batch was being checked")
        }
        guard row["seq"].int != nil else { return StoreError(.constraint, "the job \(job.id) exists") }
        return nil
    }

    /// The statement that records jobs pinned alike (one model, path and pin), each with its tasks and its `queued`
    /// event, unless its id exists (and notifies idle workers of a job not held), answering one row per job in order:
    /// its `id`; `live` and `current`, whether the pin holds (the model not removed from the registry, the alias it
    /// was resolved through still pointing to it; both 1 unless `checked`); and the job's `seq`, NULL when the pin did
    /// not hold or the id exists and nothing was recorded for it. Jobs are numbered (`seq`) in the order given.
    private func insertJobs(_ jobs: [NewJob], checked: Bool) -> (sql: String, arguments: [SQLValue]) {
        let model = jobs[0].model
        func integers(_ values: [Int]) -> SQLValue { .text("{" + values.map(String.init).joined(separator: ",") + "}") }
        // RegistrySQL.checkPinnable's conditions: no model of the pin (the model, its challengers: $19) removed;
        // the alias the model came through ($16) and every other alias the pin read ($20 names, $21 the models they
        // pointed to, NULL for unset) still as read.
        let pin =
            checked
            ? """
            SELECT removed IS NULL AS live, moved IS NULL AS current, removed, moved FROM (SELECT
                (SELECT id FROM models WHERE id = ANY($19::text[]) AND version IS NOT NULL AND removed_us IS NOT NULL
                    ORDER BY array_position($19::text[], id) LIMIT 1) AS removed,
                (SELECT r.name FROM unnest(ARRAY[$16::text] || $20::text[], ARRAY[$3::text] || $21::text[])
                    WITH ORDINALITY AS r(name, model_id, n)
                    WHERE r.name IS NOT NULL
                    AND r.model_id IS DISTINCT FROM (SELECT a.model_id FROM aliases a WHERE a.name = r.name)
                    ORDER BY r.n LIMIT 1) AS moved) AS checks
            """
            : "SELECT true AS live, true AS current, NULL::text AS removed, NULL::text AS moved"
        // Idle workers are woken for a job recorded claimable (an orphan, recorded unchecked, is failed at once).
        let notify =
            checked
            ? ",\n    CASE WHEN job.seq IS NOT NULL AND i.held = 0 THEN pg_notify('\(Self.channel)', '')::text END" : ""
        // Without a path the known model's row is left as it is, and not locked (a transaction of several runs would
        // otherwise hold the rows of several models, and two ingests could deadlock on them).
        let upsert =
            jobs[0].modelPath == nil
            ? "DO NOTHING"
            : "DO UPDATE SET path = EXCLUDED.path WHERE models.path IS DISTINCT FROM EXCLUDED.path"
        let sql = """
            WITH pin AS (\(pin)),
            input AS (
                SELECT * FROM unnest($1::text[], $2::text[], $4::integer[], $5::integer[], $6::text[], $14::text[])
                WITH ORDINALITY AS i(id, parties, tasks_total, held, shards, detail, n)),
            model AS (
                INSERT INTO models(id, name, first_seen_us, path)
                SELECT $3, $7, vfl_now_us(), $8::text FROM pin WHERE live AND current
                ON CONFLICT (id) \(upsert)),
            job AS (
                INSERT INTO jobs(
                    id, state, parties, model_id, created_us, updated_us, tasks_total, held, shards, model_name,
                    model_version, model_alias, challengers)
                SELECT i.id, 'queued', i.parties, $3, vfl_now_us(), vfl_now_us(), i.tasks_total, i.held, i.shards, $7,
                    $15::bigint, $16::text, $17::text
                FROM input AS i, pin WHERE pin.live AND pin.current ORDER BY i.n
                ON CONFLICT (id) DO NOTHING
                RETURNING id, seq),
            task AS (
                INSERT INTO tasks(job_id, job_seq, seq, stage, part, state, model_id, waiting)
                SELECT job.id, job.seq, t.seq, t.stage, t.part, 'queued', $3, t.waiting
                FROM unnest($9::integer[], $10::integer[], $11::integer[], $12::integer[], $18::boolean[])
                    AS t(n, seq, stage, part, waiting)
                JOIN input AS i ON i.n = t.n JOIN job ON job.id = i.id),
            noted AS (
                INSERT INTO events(at_us, job_id, task_seq, process, kind, detail)
                SELECT vfl_now_us(), job.id, NULL, $13, 'queued', i.detail
                FROM job JOIN input AS i ON i.id = job.id ORDER BY i.n)
            SELECT i.id, pin.live::integer AS live, pin.current::integer AS current, pin.removed, pin.moved,
                job.seq\(notify)
            FROM input AS i CROSS JOIN pin LEFT JOIN job ON job.id = i.id ORDER BY i.n
            """
        // The tasks, one row each once unnested: the job's ordinal, seq, stage, part, and whether it waits (its job
        // held, or an earlier stage of its job to finish first).
        var owner: [Int] = []
        var seq: [Int] = []
        var stage: [Int] = []
        var part: [Int] = []
        var waiting: [String] = []
        for (n, job) in jobs.enumerated() {
            let first = job.tasks.map(\.stage).min() ?? 0
            for (i, task) in job.tasks.enumerated() {
                owner.append(n + 1)
                seq.append(i)
                stage.append(task.stage)
                part.append(task.part)
                waiting.append(job.held || task.stage > first ? "t" : "f")
            }
        }
        var arguments: [SQLValue] = [
            Self.textArray(jobs.map(\.id)), Self.textArray(jobs.map { $0.parties.joined(separator: ",") }),
            .text(model.id), integers(jobs.map(\.tasks.count)), integers(jobs.map { $0.held ? 1 : 0 }),
            Self.textArray(jobs.map(\.shards)), .text(model.name), jobs[0].modelPath.map { .text($0) } ?? .null,
            integers(owner), integers(seq), integers(stage), integers(part), .text(process),
            Self.textArray(jobs.map { "batch accepted with \($0.tasks.count) task(s)" }),
            model.version.map { .integer(Int64($0)) } ?? .null, model.alias.map { .text($0) } ?? .null,
            model.challengersColumn, .text("{" + waiting.joined(separator: ",") + "}"),
        ]
        if checked {
            let pinned: [String?] = [model.id] + model.challengers
            arguments.append(Self.textArray(pinned))
            arguments.append(Self.textArray(model.aliasReadings.map(\.alias)))
            arguments.append(Self.textArray(model.aliasReadings.map(\.modelID)))
        }
        return (sql, arguments)
    }

    /// Releases a held job: its tasks become claimable (``releaseHeldJobs(_:)`` of one).
    @discardableResult
    public func releaseHeldJob(_ id: String) throws -> Bool {
        try releaseHeldJobs([id]).contains(id)
    }

    /// Releases held jobs in one statement, outside a transaction: the releases, their `accepted` events (claim
    /// latency is measured from them) and the notification of idle workers.
    @discardableResult
    public func releaseHeldJobs(_ ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try read { db in
            Set(
                try db.query(
                    """
                    WITH released AS (UPDATE jobs SET held = 0 WHERE id = ANY($1::text[]) AND held = 1 RETURNING id),
                    opened AS (
                        UPDATE tasks AS t
                        SET waiting = t.stage > (SELECT min(u.stage) FROM tasks AS u WHERE u.job_id = t.job_id)
                        WHERE t.job_id IN (SELECT id FROM released) AND t.waiting),
                    noted AS (
                        INSERT INTO events(at_us, job_id, task_seq, process, kind, detail)
                        SELECT vfl_now_us(), id, NULL, $2, 'accepted', $3 FROM released
                        ORDER BY array_position($1::text[], id))
                    SELECT id, pg_notify('\(Self.channel)', '') FROM released
                    """, [Self.textArray(ids), .text(process), .text(JobRules.acceptedDetail)]
                ).compactMap { $0["id"].string })
        }
    }

    /// The ids of held jobs, oldest first.
    public func heldJobs() throws -> [String] {
        try read { db in
            try db.query("SELECT id FROM jobs WHERE held = 1 ORDER BY seq").compactMap { $0["id"].string }
        }
    }

    /// Fails a job that has not ended, cancelling its tasks.
    @discardableResult
    public func failJob(_ id: String, reason: String) throws -> Bool {
        try perform(durable: true) { db in try failJob(db, job: id, reason: reason) }
    }

    /// Records an event on a job.
    public func recordEvent(job: String, kind: String, detail: String) throws {
        try perform(durable: true) { db in try event(db, job: job, task: nil, kind: kind, detail: detail) }
    }

    /// Records a job found without history, failed at once.
    public func recordOrphan(
        id: String, parties: [String], modelID: String, modelName: String, shards: String?, tasks: [TaskSpec],
        reason: String
    ) throws {
        try perform(durable: true) { db in
            let job = NewJob(
                id: id, parties: parties, model: JobModel(id: modelID, name: modelName), modelPath: nil,
                shards: shards, held: false, tasks: tasks)
            let insert = insertJobs([job], checked: false)
            guard try db.query(insert.sql, insert.arguments).first?["seq"].int != nil else {
                throw StoreError(.constraint, "the job \(id) exists")
            }
            try event(db, job: id, task: nil, kind: "orphan", detail: reason)
            _ = try failJob(db, job: id, reason: reason)
        }
    }

    /// Records a batch refused at ingest, or an event on the existing job for a duplicate drop.
    public func recordRejected(id: String, parties: [String], reason: String) throws {
        try perform(durable: true) { db in
            let inserted = try db.execute(
                """
                INSERT INTO jobs(id, state, parties, created_us, updated_us, finished_us, error, tasks_total)
                VALUES ($1, 'rejected', $2, vfl_now_us(), vfl_now_us(), vfl_now_us(), $3, 0)
                ON CONFLICT (id) DO NOTHING
                """, [.text(id), .text(parties.joined(separator: ",")), .text(reason)])
            try event(
                db, job: id, task: nil, kind: inserted == 1 ? "rejected" : "duplicate_rejected", detail: reason)
        }
    }

    // MARK: - Workers

    /// The condition on `tasks AS t` of a task claimable now, read through the index `tasks_claimable` alone (`$n`:
    /// the excluded model ids, a text array). A task copies its job's model, and is `waiting` while its job is held or
    /// a task of an earlier stage is not done; a queued or running task's job has not ended (ending a job ends its
    /// tasks).
    private static func runnable(excluding n: Int) -> String {
        """
        (t.state = 'running' OR (t.state = 'queued' AND NOT t.waiting))
        AND ((t.state = 'queued' AND t.not_before_us <= vfl_now_us())
             OR (t.state = 'running' AND t.lease_expires_us < vfl_now_us()))
        AND t.model_id <> ALL($\(n)::text[])
        """
    }

    /// A text array literal: every element quoted (backslash before a quote or a backslash), NULL for nil.
    private static func textArray(_ values: [String?]) -> SQLValue {
        let elements: [String] = values.map { value in
            guard let value else { return "NULL" }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            return "\"" + escaped + "\""
        }
        return .text("{" + elements.joined(separator: ",") + "}")
    }

    /// Claims the next runnable task (see ``JobQueue``) in one statement, outside a transaction: the oldest runnable
    /// task not locked by another claim, taken with `FOR UPDATE SKIP LOCKED`, its lease from the database's clock,
    /// its job marked running and its events written in the same statement. A task found past its last attempt is
    /// failed (with its job) in a transaction of its own, and the claim looks again.
    public func claimTask(
        owner: String, leaseSeconds: Double, maxAttempts: Int, excludingModels: Set<String>
    ) throws -> ClaimedTask? {
        let request = ClaimRequest(
            owner: owner, leaseSeconds: leaseSeconds, maxAttempts: maxAttempts, excludingModels: excludingModels)
        let claim = claimStatement(request)
        while true {
            var runs = 0
            let found: [Row] = try read { db in
                runs += 1
                // Run again after an unanswered statement: the first run's claim may have been made; this claim's
                // owner is unique, so it is found by it instead of being left to lapse (and to cost the task an
                // attempt).
                if runs > 1, let made = try claimMadeBy(db, owner: owner) { return [made] }
                // Prepared once per connection: the candidate is read from `tasks` alone, by the walk of one index.
                return try db.query(claim.sql, claim.arguments)
            }
            guard let row = found.first else { return nil }
            switch Self.claimOutcome(row, owner: owner) {
            case .none: return nil
            case .claimed(let task): return task
            case .pastLastAttempt(let job, let seq, let was, let tries, let lastError):
                try giveUp(job: job, seq: seq, was: was, tries: tries, lastError: lastError)
            }
        }
    }

    /// The statement of a claim (``claimTask(owner:leaseSeconds:maxAttempts:excludingModels:)``), answering at most
    /// one row (``claimOutcome(_:owner:)``).
    private func claimStatement(_ request: ClaimRequest) -> (sql: String, arguments: [SQLValue]) {
        let sql = """
            WITH candidate AS (
                SELECT t.job_id, t.seq, t.state AS was, t.attempts AS tries, t.error AS last_error
                FROM tasks AS t
                WHERE \(Self.runnable(excluding: 6))
                ORDER BY t.job_seq, t.seq LIMIT 1
                FOR UPDATE OF t SKIP LOCKED),
            claimed AS (
                UPDATE tasks AS t SET state = 'running', owner = $1, lease_expires_us = vfl_now_us() + $2,
                    attempts = t.attempts + 1, error = CASE WHEN c.was = 'running' THEN $3 ELSE t.error END
                FROM candidate AS c WHERE t.job_id = c.job_id AND t.seq = c.seq AND c.tries < $4
                RETURNING t.job_id, t.seq, c.was, t.attempts, t.stage, t.part),
            job AS (
                UPDATE jobs AS j SET state = 'running', started_us = COALESCE(j.started_us, vfl_now_us()),
                    updated_us = vfl_now_us(), attempts = j.attempts + 1
                FROM claimed AS c WHERE j.id = c.job_id
                RETURNING j.model_id, j.shards, j.challengers, j.model_name, j.model_version, j.model_alias,
                    j.tasks_total),
            noted AS (
                INSERT INTO events(at_us, job_id, task_seq, process, kind, detail)
                SELECT vfl_now_us(), c.job_id, c.seq, $5, e.kind, e.detail
                FROM claimed AS c, LATERAL (VALUES (0, 'lease_expired', 'task rescued'),
                    (1, 'claimed', 'attempt ' || c.attempts)) AS e(n, kind, detail)
                WHERE e.n = 1 OR c.was = 'running' ORDER BY e.n)
            SELECT c.job_id, c.seq, c.was, c.tries, c.last_error, t.attempts, t.stage, t.part, job.model_id, job.shards,
                job.challengers, job.model_name, job.model_version, job.model_alias, job.tasks_total
            FROM candidate AS c LEFT JOIN claimed AS t ON true LEFT JOIN job ON true
            """
        let arguments: [SQLValue] = [
            .text(request.owner), .integer(Int64(request.leaseSeconds * 1e6)), .text(JobRules.leaseExpiredReason),
            .integer(Int64(request.maxAttempts)), .text(process), Self.textArray(request.excludingModels.sorted()),
        ]
        return (sql, arguments)
    }

    /// What a claim's answer says.
    private enum ClaimOutcome {
        /// Nothing runnable.
        case none
        /// The task claimed.
        case claimed(ClaimedTask)
        /// The oldest runnable task was claimed as often as allowed: it fails, with its job (``giveUp``).
        case pastLastAttempt(job: String, seq: Int, was: String, tries: Int, lastError: String?)
    }

    /// Reads a row of ``claimStatement(_:)`` or ``claimMadeBy(_:owner:)``.
    private static func claimOutcome(_ row: Row, owner: String) -> ClaimOutcome {
        guard let job = row["job_id"].string, let seq = row["seq"].int else { return .none }
        guard row["attempts"].int != nil else {
            return .pastLastAttempt(
                job: job, seq: seq, was: row["was"].string ?? "", tries: row["tries"].int ?? 0,
                lastError: row["last_error"].string)
        }
        var task = ClaimedTask(
            jobID: job, sequence: seq, owner: owner, attempt: row["attempts"].int ?? 1,
            stage: row["stage"].int ?? 0, part: row["part"].int ?? 0, modelID: row["model_id"].string ?? "",
            shards: row["shards"].string, challengers: JobModel.challengers(from: row["challengers"].string),
            modelName: row["model_name"].string, modelVersion: row["model_version"].int,
            modelAlias: row["model_alias"].string)
        task.jobTasks = row["tasks_total"].int ?? 0
        return .claimed(task)
    }

    /// Fails a task found runnable past its last attempt, and its job, unless another claim got to it first.
    private func giveUp(job: String, seq: Int, was: String, tries: Int, lastError: String?) throws {
        try perform { db in
            // Locked as the claim saw it (in the store's lock order: the job's live tasks, then the job).
            let still = try db.query(
                "SELECT 1 FROM tasks WHERE job_id = $1 AND seq = $2 AND state = $3 AND attempts = $4 FOR UPDATE",
                [.text(job), .integer(Int64(seq)), .text(was), .integer(Int64(tries))])
            guard !still.isEmpty else { return }
            var last = lastError
            if was == "running" {
                last = JobRules.leaseExpiredReason
                try event(db, job: job, task: seq, kind: "lease_expired", detail: "task rescued")
            }
            let reason = JobRules.gaveUp(attempts: tries, last: last)
            try db.execute(
                "UPDATE tasks SET state = 'failed', owner = NULL, error = $1 WHERE job_id = $2 AND seq = $3",
                [.text(reason), .text(job), .integer(Int64(seq))])
            _ = try failJob(db, job: job, reason: reason)
        }
    }

    /// The running task claimed by `owner`, if any (a claim made by a run whose answer was lost), in the columns of
    /// the claim's answer.
    private func claimMadeBy(_ db: PGConnection, owner: String) throws -> Row? {
        try db.query(
            """
            SELECT t.job_id, t.seq, t.attempts, t.stage, t.part, j.model_id, j.shards, j.challengers,
                j.model_name, j.model_version, j.model_alias, j.tasks_total
            FROM tasks AS t JOIN jobs AS j ON j.id = t.job_id WHERE t.owner = $1 AND t.state = 'running'
            """, [.text(owner)]
        ).first
    }

    /// Ends a job that has not ended as failed and cancels its other tasks, in the caller's transaction: its live
    /// tasks are locked first, then the job (the store's lock order).
    private func failJob(_ db: PGConnection, job: String, reason: String) throws -> Bool {
        db.commitDurably()  // as a job's end is: its work folders are removed once it has ended
        try db.query(
            "SELECT seq FROM tasks WHERE job_id = $1 AND state IN ('queued', 'running') ORDER BY seq FOR UPDATE",
            [.text(job)])
        let failed = try db.execute(
            """
            UPDATE jobs SET state = 'failed', error = $1, finished_us = vfl_now_us(), updated_us = vfl_now_us()
            WHERE id = $2 AND state IN ('queued', 'running')
            """, [.text(reason), .text(job)])
        guard failed == 1 else { return false }
        try db.execute(
            "UPDATE tasks SET state = 'cancelled', owner = NULL WHERE job_id = $1 AND state IN ('queued', 'running')",
            [.text(job)])
        try event(db, job: job, task: nil, kind: "failed", detail: reason)
        return true
    }

    /// The job's state after one of its tasks went back to the queue: running while another task runs.
    private func requeueJob(_ db: PGConnection, job: String, error: String?) throws {
        try db.execute(
            """
            UPDATE jobs SET updated_us = vfl_now_us(), error = COALESCE($1::text, error),
            state = CASE WHEN EXISTS (SELECT 1 FROM tasks WHERE job_id = $2 AND state = 'running') THEN 'running'
                         ELSE 'queued' END
            WHERE id = $2 AND state IN ('queued', 'running')
            """, [error.map { .text($0) } ?? .null, .text(job)])
    }

    /// A claim that finds nothing locks nothing and costs one statement, what a look would: workers claim at once.
    public var looksBeforeClaiming: Bool { false }

    /// A completion and the next claim go in one round trip: workers claim with their completions.
    public var claimsWithCompletion: Bool { true }

    /// Whether some task could be claimed now.
    public func hasRunnableTask(excludingModels: Set<String>) throws -> Bool {
        try read { db in
            !(try db.query(
                "SELECT 1 FROM tasks AS t WHERE \(Self.runnable(excluding: 1)) LIMIT 1",
                [Self.textArray(excludingModels.sorted())]
            ).isEmpty)
        }
    }

    /// Waits for a notification on ``channel`` up to ``Options/idlePollSeconds`` (jittered), or, without
    /// notifications, sleeps ``Options/pollOnlySeconds`` (jittered). `seconds` is the least it waits without one.
    public func waitForWork(seconds: Double) {
        let jitter = Double.random(in: 0.8...1.2)
        guard options.listen else {
            usleep(UInt32(max(seconds, options.pollOnlySeconds) * jitter * 1e6))
            return
        }
        let waited: Bool = listenerLock.sync {
            do {
                if listener == nil || listener?.isOK == false {
                    let fresh = try PGConnection(
                        url: url, password: options.password, application: "vfl \(process) listener",
                        synchronousCommit: options.synchronousCommits, prepares: options.listen)
                    try fresh.listen(Self.channel)
                    listener = fresh
                }
                _ = try listener?.awaitNotification(seconds: max(seconds, options.idlePollSeconds) * jitter)
                return true
            } catch {
                listener = nil
                return false
            }
        }
        // No listener (the server is away): wait as a poller would.
        if !waited { usleep(UInt32(max(seconds, options.pollOnlySeconds) * jitter * 1e6)) }
    }

    /// The fence of every transition of a claimed task (arguments from `$first`): this claim still holds it.
    private static func heldByClaim(first: Int) -> String {
        "job_id = $\(first) AND seq = $\(first + 1) AND owner = $\(first + 2) AND attempts = $\(first + 3) "
            + "AND state = 'running'"
    }

    private static func claimArguments(_ task: ClaimedTask) -> [SQLValue] {
        [.text(task.jobID), .integer(Int64(task.sequence)), .text(task.owner), .integer(Int64(task.attempt))]
    }

    /// Extends a lease, from the database's clock.
    public func renewLease(_ task: ClaimedTask, leaseSeconds: Double) throws -> Bool {
        try read { db in
            try db.execute(
                """
                UPDATE tasks SET lease_expires_us = vfl_now_us() + $1
                WHERE \(Self.heldByClaim(first: 2)) AND lease_expires_us >= vfl_now_us()
                """, [.integer(Int64(leaseSeconds * 1e6))] + Self.claimArguments(task)) == 1
        }
    }

    /// Whether this claim still holds its task.
    public func holdsLease(_ task: ClaimedTask) throws -> Bool {
        try read { db in
            !(try db.query(
                "SELECT 1 FROM tasks WHERE \(Self.heldByClaim(first: 1)) AND lease_expires_us >= vfl_now_us()",
                Self.claimArguments(task)
            ).isEmpty)
        }
    }

    /// Marks a task done under its lease, and the job done when it was its last task, in one round trip: one
    /// transaction of two statements sent together (``PGConnection/pipelinedTransaction(_:durable:)``). The first
    /// completes the task, writes its event and locks the job's row, marking the transaction (`vfl.completed`) when it
    /// did; the second, only when so marked, counts the job's tasks (with a snapshot taken after the lock, so seeing
    /// every completion committed before it) and ends the job when none remains, making that commit durable, or else
    /// makes the tasks of the next stage claimable once every earlier one is done (their `waiting` off, their rows
    /// locked after the job's, in seq order after the completed task's) and notifies idle workers. Run again after an
    /// unanswered `COMMIT`, it
    /// finds its own completion (the same attempt and result path) and answers `true` again.
    public func completeTask(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String
    ) throws -> Bool {
        let statements = completionStatements(
            task, customers: customers, scored: scored, rejectedRows: rejectedRows, resultPath: resultPath)
        return try perform(transaction: false) { db in
            try completionAnswer(db, task, resultPath: resultPath, answers: try db.pipelinedTransaction(statements))
        }
    }

    /// The completion (``completeTask(_:customers:scored:rejectedRows:resultPath:)``), then the next claim in the
    /// same round trip: the claim is a segment of the pipeline after the completion's `COMMIT`
    /// (``PGConnection/pipelinedTransaction(_:durable:then:)``), so it sees the completion (a next stage it opened
    /// included). Run again after an unanswered pipeline, the completion finds its own as
    /// ``completeTask(_:customers:scored:rejectedRows:resultPath:)`` does, and the claim is only looked for by its
    /// owner: not made afresh (the worker claims in its loop).
    public func completeTask(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String,
        thenClaim next: ClaimRequest
    ) throws -> (completed: Bool, next: ClaimedTask?) {
        let statements = completionStatements(
            task, customers: customers, scored: scored, rejectedRows: rejectedRows, resultPath: resultPath)
        let claim = claimStatement(next)
        let completed: Bool
        let claimed: Row?
        do {
            (completed, claimed) = try completeThenClaim(statements, claim, task, resultPath: resultPath, next: next)
        } catch {
            // A COMMIT that failed itself lets the claim after it run: handed back (its attempt not counted), so that
            // no task is left running under an owner nobody has.
            if let made = try? read({ db in try claimMadeBy(db, owner: next.owner) }),
                case .claimed(let task) = Self.claimOutcome(made, owner: next.owner)
            {
                try? releaseTask(task, reason: "the completion it was claimed with failed")
            }
            throw error
        }
        guard let claimed else { return (completed, nil) }
        switch Self.claimOutcome(claimed, owner: next.owner) {
        case .none: return (completed, nil)
        case .claimed(let task): return (completed, task)
        case .pastLastAttempt(let job, let seq, let was, let tries, let lastError):
            // Rare: handled as a claim handles it, by the worker's own claim.
            try? giveUp(job: job, seq: seq, was: was, tries: tries, lastError: lastError)
            return (completed, nil)
        }
    }

    /// The round trip of ``completeTask(_:customers:scored:rejectedRows:resultPath:thenClaim:)``: the completion's
    /// answer and the claim's row, if it claimed.
    private func completeThenClaim(
        _ statements: [(sql: String, arguments: [SQLValue])], _ claim: (sql: String, arguments: [SQLValue]),
        _ task: ClaimedTask, resultPath: String, next: ClaimRequest
    ) throws -> (Bool, Row?) {
        var runs = 0
        return try perform(transaction: false) { db in
            runs += 1
            guard runs == 1 else {
                let answers = try db.pipelinedTransaction(statements)
                return (
                    try completionAnswer(db, task, resultPath: resultPath, answers: answers),
                    try claimMadeBy(db, owner: next.owner)
                )
            }
            let answers = try db.pipelinedTransaction(statements, then: [claim])
            let row = (try? answers.after.get())?.first?.first
            return (try completionAnswer(db, task, resultPath: resultPath, answers: answers.rows), row)
        }
    }

    /// The completion's transaction (``completeTask(_:customers:scored:rejectedRows:resultPath:)``): two statements,
    /// or one for the only task of a job (``onlyTaskCompletion(_:customers:scored:rejectedRows:resultPath:)``).
    private func completionStatements(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String
    ) -> [(sql: String, arguments: [SQLValue])] {
        if task.jobTasks == 1 {
            return [
                onlyTaskCompletion(
                    task, customers: customers, scored: scored, rejectedRows: rejectedRows, resultPath: resultPath)
            ]
        }
        let complete = """
            WITH done AS (
                UPDATE tasks SET state = 'done', owner = NULL, result_path = $1, error = NULL
                WHERE \(Self.heldByClaim(first: 2)) AND lease_expires_us >= vfl_now_us() RETURNING seq),
            noted AS (
                INSERT INTO events(at_us, job_id, task_seq, process, kind, detail)
                SELECT vfl_now_us(), $2, seq, $6, 'task_done', 'attempt ' || $5 FROM done)
            SELECT set_config('vfl.completed', '1', true) FROM jobs
            WHERE id = $2 AND EXISTS (SELECT 1 FROM done) FOR UPDATE
            """
        // A job's end is durable (and with it every earlier commit): workers remove a job's work folders once it
        // has ended, so a lost end could not be repaired by running its last task again.
        let end = """
            WITH counted AS (
                SELECT COUNT(*) FILTER (WHERE state = 'done') AS done,
                    COUNT(*) FILTER (WHERE state <> 'done') AS remaining
                FROM tasks WHERE job_id = $1),
            job AS (
                UPDATE jobs AS j SET tasks_done = c.done, updated_us = vfl_now_us(),
                    state = CASE WHEN c.remaining = 0 AND j.state = 'running' THEN 'done' ELSE j.state END,
                    finished_us = CASE WHEN c.remaining = 0 THEN vfl_now_us() ELSE j.finished_us END,
                    customers = CASE WHEN c.remaining = 0 THEN $2 ELSE j.customers END,
                    scored = CASE WHEN c.remaining = 0 THEN $3 ELSE j.scored END,
                    rejected_rows = CASE WHEN c.remaining = 0 THEN $4 ELSE j.rejected_rows END,
                    result_path = CASE WHEN c.remaining = 0 THEN $5 ELSE j.result_path END,
                    error = CASE WHEN c.remaining = 0 THEN NULL ELSE j.error END
                FROM counted AS c
                WHERE j.id = $1 AND current_setting('vfl.completed', true) = '1'
                RETURNING c.remaining, j.state),
            opened AS (
                UPDATE tasks AS t SET waiting = false FROM job
                WHERE t.job_id = $1 AND t.waiting AND job.remaining > 0 AND NOT EXISTS (
                    SELECT 1 FROM tasks AS u WHERE u.job_id = $1 AND u.stage < t.stage AND u.state <> 'done')),
            noted AS (
                INSERT INTO events(at_us, job_id, task_seq, process, kind, detail)
                SELECT vfl_now_us(), $1, NULL, $6, 'done', $7 FROM job WHERE job.state = 'done')
            SELECT remaining, state,
                CASE WHEN state = 'done' THEN set_config('synchronous_commit', 'on', true) END AS durable,
                CASE WHEN remaining > 0 THEN pg_notify('\(Self.channel)', '')::text END AS notified
            FROM job
            """
        return [
            (complete, [.text(resultPath)] + Self.claimArguments(task) + [.text(process)]),
            (
                end,
                [
                    .text(task.jobID), .integer(Int64(customers)), .integer(Int64(scored)),
                    .integer(Int64(rejectedRows)), .text(resultPath), .text(process),
                    .text("\(scored) customers scored"),
                ]
            ),
        ]
    }

    /// The completion of a job's only task in one statement: no other completion can count the job's tasks with it,
    /// so the task and its job end together (durably), answering the one row of the two statements' second (`remaining`
    /// 0, the job's `state`), none when this claim no longer holds the task.
    private func onlyTaskCompletion(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String
    ) -> (sql: String, arguments: [SQLValue]) {
        let sql = """
            WITH done AS (
                UPDATE tasks SET state = 'done', owner = NULL, result_path = $1, error = NULL
                WHERE \(Self.heldByClaim(first: 2)) AND lease_expires_us >= vfl_now_us() RETURNING seq),
            job AS (
                UPDATE jobs AS j SET tasks_done = 1, updated_us = vfl_now_us(),
                    state = CASE WHEN j.state = 'running' THEN 'done' ELSE j.state END, finished_us = vfl_now_us(),
                    customers = $7, scored = $8, rejected_rows = $9, result_path = $1, error = NULL
                FROM done WHERE j.id = $2
                RETURNING j.state),
            noted AS (
                INSERT INTO events(at_us, job_id, task_seq, process, kind, detail)
                SELECT vfl_now_us(), $2, seq, $6, 'task_done', 'attempt ' || $5 FROM done
                UNION ALL
                SELECT vfl_now_us(), $2, NULL, $6, 'done', $10 FROM job WHERE job.state = 'done')
            SELECT 0 AS remaining, job.state, set_config('synchronous_commit', 'on', true) AS durable
            FROM done LEFT JOIN job ON true
            """
        return (
            sql,
            [.text(resultPath)] + Self.claimArguments(task) + [
                .text(process), .integer(Int64(customers)), .integer(Int64(scored)), .integer(Int64(rejectedRows)),
                .text("\(scored) customers scored"),
            ]
        )
    }

    /// Reads the answers of ``completionStatements(_:customers:scored:rejectedRows:resultPath:)``: whether the task
    /// was completed by this claim (now, or by an earlier run of the same completion).
    private func completionAnswer(
        _ db: PGConnection, _ task: ClaimedTask, resultPath: String, answers: [[Row]]
    ) throws -> Bool {
        guard !answers[0].isEmpty else { return try completedBefore(db, task, resultPath: resultPath) }
        let ended = answers.count == 1 ? answers[0].first : answers[1].first
        guard let remaining = ended?["remaining"].int else {
            throw StoreError(.server, "the job of a completed task is missing")
        }
        guard remaining > 0 || ended?["state"].string == "done" else {
            throw StoreError(.server, "a job ended under its last task")
        }
        return true
    }

    /// Whether this claim's task was completed already with the same result (a completion run again after an
    /// unanswered `COMMIT`).
    private func completedBefore(_ db: PGConnection, _ task: ClaimedTask, resultPath: String) throws -> Bool {
        !(try db.query(
            "SELECT 1 FROM tasks WHERE job_id = $1 AND seq = $2 AND state = 'done' AND attempts = $3 AND result_path = $4",
            [.text(task.jobID), .integer(Int64(task.sequence)), .integer(Int64(task.attempt)), .text(resultPath)]
        ).isEmpty)
    }

    /// Records a failed attempt (see ``JobQueue``); the backoff is from the database's clock.
    public func failTask(_ task: ClaimedTask, reason: String, retryAfter: Double?, maxAttempts: Int) throws -> Bool {
        let permanent = retryAfter == nil || task.attempt >= maxAttempts
        let finalReason =
            retryAfter != nil && permanent ? JobRules.gaveUp(attempts: task.attempt, last: reason) : reason
        return try perform { db in
            if permanent {
                // The job's live tasks, this one among them, in the store's lock order before failJob takes the rest.
                try db.query(
                    "SELECT seq FROM tasks WHERE job_id = $1 AND state IN ('queued', 'running') ORDER BY seq FOR UPDATE",
                    [.text(task.jobID)])
            }
            let changed = try db.execute(
                """
                UPDATE tasks SET state = $1, owner = NULL, error = $2, not_before_us = vfl_now_us() + $3
                WHERE \(Self.heldByClaim(first: 4))
                """,
                [
                    .text(permanent ? "failed" : "queued"), .text(finalReason),
                    .integer(Int64((retryAfter ?? 0) * 1e6)),
                ] + Self.claimArguments(task))
            guard changed == 1 else { return false }
            if permanent {
                _ = try failJob(db, job: task.jobID, reason: finalReason)
            } else {
                try requeueJob(db, job: task.jobID, error: reason)
                try event(db, job: task.jobID, task: task.sequence, kind: "retry", detail: reason)
            }
            return true
        }
    }

    /// Hands a task back, the attempt not counted.
    public func releaseTask(_ task: ClaimedTask, reason: String) throws {
        try perform { db in
            let released = try db.execute(
                """
                UPDATE tasks SET state = 'queued', owner = NULL, attempts = GREATEST(attempts - 1, 0), not_before_us = 0
                WHERE \(Self.heldByClaim(first: 1))
                """, Self.claimArguments(task))
            guard released == 1 else { return }
            try db.execute("UPDATE jobs SET attempts = GREATEST(attempts - 1, 0) WHERE id = $1", [.text(task.jobID)])
            try requeueJob(db, job: task.jobID, error: nil)
            try event(db, job: task.jobID, task: task.sequence, kind: "released", detail: reason)
            try notifyWork(db)
        }
    }

    /// Queues a failed job again.
    public func retryJob(_ id: String, shards: String?) throws -> Bool {
        try perform(durable: true) { db in
            let queued = try db.execute(
                """
                UPDATE jobs SET state = 'queued', error = NULL, finished_us = NULL, attempts = 0,
                updated_us = vfl_now_us(), tasks_done = 0, shards = COALESCE($1::text, shards)
                WHERE id = $2 AND state = 'failed'
                """, [shards.map { .text($0) } ?? .null, .text(id)])
            guard queued == 1 else { return false }
            try db.execute(
                """
                UPDATE tasks SET state = 'queued', owner = NULL, attempts = 0, not_before_us = 0, error = NULL,
                result_path = NULL, waiting = stage > (SELECT min(stage) FROM tasks WHERE job_id = $1)
                WHERE job_id = $1
                """, [.text(id)])
            try event(db, job: id, task: nil, kind: "retried", detail: "queued again by an operator")
            try notifyWork(db)
            return true
        }
    }

    /// The file of a model the store knows.
    public func modelPath(_ id: String) throws -> String? {
        try read { db in try StoreReads.modelPath(db, id) }
    }

    /// The owner tokens of running tasks.
    public func runningOwners() throws -> Set<String> {
        try read { db in try StoreReads.runningOwners(db) }
    }

    /// Records a worker's heartbeat, at the database's time, and forgets workers unseen for a day.
    public func heartbeat(worker: String) throws {
        _ = try read { db in
            // Workers unseen for a day are forgotten in the same statement (pods come and go under new names).
            try db.execute(
                """
                WITH forgotten AS (DELETE FROM workers WHERE seen_us < vfl_now_us() - 86400000000)
                INSERT INTO workers(name, seen_us) VALUES ($1, vfl_now_us())
                ON CONFLICT (name) DO UPDATE SET seen_us = EXCLUDED.seen_us
                """, [.text(worker)])
        }
    }

    // MARK: - Reading

    /// The states of a job's tasks, in task order.
    public func taskStates(job: String) throws -> [String] {
        try read { db in try StoreReads.taskStates(db, job: job) }
    }

    /// How many tasks of `stage` a job has.
    public func taskCount(job: String, stage: Int) throws -> Int {
        try read { db in try StoreReads.taskCount(db, job: job, stage: stage) }
    }

    /// Counts for `/metrics`.
    public func metrics(
        liveWithinSeconds: Double
    ) throws -> (
        jobs: [String: Int], tasks: [String: Int], scored: Int, rejectedRows: Int, liveWorkers: Int
    ) {
        try read { db in try StoreReads.metrics(db, liveWithinSeconds: liveWithinSeconds) }
    }

    /// Jobs, newest first.
    public func jobs(state: JobState?, limit: Int) throws -> [JobRecord] {
        try read { db in try StoreReads.jobs(db, state: state, limit: limit) }
    }

    /// Jobs newest first, by keyset on (`created_us`, `seq`), served by `jobs_by_created` or `jobs_by_state`.
    public func jobs(state: JobState?, after: String?, limit: Int) throws -> JobPage {
        let limit = max(limit, 1)
        return try read { db in
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if let state {
                arguments.append(.text(state.rawValue))
                conditions.append("state = $\(arguments.count)")
            }
            if let after {
                guard
                    let cursor = try db.query("SELECT created_us, seq FROM jobs WHERE id = $1", [.text(after)]).first,
                    let created = cursor["created_us"].int, let seq = cursor["seq"].int
                else { throw StoreError(.unknownCursor, "the paging cursor names no job") }
                arguments += [.integer(Int64(created)), .integer(Int64(seq))]
                conditions.append("(created_us, seq) < ($\(arguments.count - 1), $\(arguments.count))")
            }
            arguments.append(.integer(Int64(limit) + 1))
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try db.query(
                "SELECT * FROM jobs \(filter) ORDER BY created_us DESC, seq DESC LIMIT $\(arguments.count)", arguments)
            let jobs = rows.prefix(limit).map(JobRecord.init(row:))
            return JobPage(jobs: jobs, next: rows.count > limit ? jobs.last?.id : nil)
        }
    }

    /// One job, or `nil`.
    public func job(_ id: String) throws -> JobRecord? {
        try read { db in try StoreReads.job(db, id) }
    }

    /// The jobs of these ids that exist, in no order.
    public func jobs(ids: [String]) throws -> [JobRecord] {
        try read { db in try StoreReads.jobs(db, ids: ids) }
    }

    /// A job's events, oldest first.
    public func events(job: String) throws -> [(at: Int64, process: String, kind: String, detail: String)] {
        try read { db in try StoreReads.events(db, job: job) }
    }

    /// The durations of done jobs as histogram buckets, counted by the database.
    public func doneDurations(bounds: [Double]) throws -> HistogramCounts {
        try read { db in try StoreReads.doneDurations(db, bounds: bounds) }
    }

    /// Done jobs and where their results were written.
    public func doneResultPaths() throws -> [(job: String, path: String)] {
        try read { db in try StoreReads.doneResultPaths(db) }
    }

    /// Dumps the database with `pg_dump` (custom format, one consistent snapshot while the pipeline writes) to a
    /// temporary file renamed into place: restore with `pg_restore`.
    ///
    /// - Throws: ``StoreError`` when `pg_dump` is missing or fails.
    @discardableResult
    public func backup(to path: String) throws -> String {
        let temporary = FileIO.temporaryName(for: path)
        var environment = ProcessInfo.processInfo.environment
        if let password = options.password { environment["PGPASSWORD"] = password }
        let status = try PGDump.run(url: url, to: temporary, environment: environment)
        guard status == 0 else {
            unlink(temporary)
            throw StoreError(.server, "pg_dump failed (exit status \(status)); its messages are above")
        }
        do { try FileIO.rename(temporary, to: path) } catch {
            throw StoreError(.server, "cannot move the dump into place: \(error)")
        }
        return "dumped \(url) with pg_dump --format=custom (one snapshot); restore it with pg_restore"
    }
}
