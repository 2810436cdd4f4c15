public import Core

/// The state of a job (a batch).
public enum JobState: String, Sendable, CaseIterable {
    /// Waiting for a worker.
    case queued
    /// A worker holds its task.
    case running
    /// Results published.
    case done
    /// Scoring failed (bad data, or too many attempts).
    case failed
    /// Refused at ingest (bad manifest, hostile files, duplicate id); its files are kept under `spool/rejected`.
    case rejected
}

/// A worker's claim: the arguments of ``JobQueue/claimTask(owner:leaseSeconds:maxAttempts:excludingModels:)``.
public struct ClaimRequest: Sendable {
    /// A token unique to this claim's worker.
    public var owner: String
    /// How long the claim holds without renewal.
    public var leaseSeconds: Double
    /// Claims allowed before the job fails.
    public var maxAttempts: Int
    /// Models the worker cannot load: their jobs' tasks are left for other workers.
    public var excludingModels: Set<String>

    /// Creates a claim request.
    public init(owner: String, leaseSeconds: Double, maxAttempts: Int, excludingModels: Set<String> = []) {
        self.owner = owner
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
        self.excludingModels = excludingModels
    }
}

/// A job as the API and the supervisor see it.
public struct JobRecord: Sendable {
    /// The batch id.
    public var id: String
    /// Its state.
    public var state: JobState
    /// The parties of its manifest.
    public var parties: [String]
    /// The model it is scored with.
    public var modelID: String?
    /// When it was recorded, started and finished (microseconds since the epoch).
    public var createdAt: Int64
    /// When a worker first claimed it.
    public var startedAt: Int64?
    /// When it reached done, failed or rejected.
    public var finishedAt: Int64?
    /// Claims so far.
    public var attempts: Int
    /// Why it failed or was rejected.
    public var error: String?
    /// Customers, scored customers and rejected rows, once done.
    public var customers: Int?
    /// Customers scored.
    public var scored: Int?
    /// Rows in rejects.csv.
    public var rejectedRows: Int?
    /// Tasks in all and tasks done.
    public var tasksTotal: Int
    /// Tasks done.
    public var tasksDone: Int
    /// The shards ingest resolved and checked (Spool's JSON form), if recorded.
    public var shards: String? = nil
    /// Whether the job is held: recorded, its batch not yet moved into `batches/`.
    public var held = false
    /// Its model's registry name and version at acceptance, if the model was registered.
    public var modelName: String? = nil
    /// Its model's version within the name.
    public var modelVersion: Int? = nil
    /// The alias its model was resolved through at acceptance (`champion` by default), `nil` when the manifest named
    /// the model by id or `NAME@VERSION`.
    public var modelAlias: String? = nil
    /// The challenger models resolved at acceptance (the `challenger` alias and the manifest's `"challengers"`).
    public var challengers: [String] = []
}

/// The model a job is pinned to when it is recorded, as ingest resolved it: kept with the job forever.
public struct JobModel: Sendable, Equatable {
    /// The model id (SHA-256 of its file).
    public var id: String
    /// Its name (the registry's, else the file's).
    public var name: String
    /// Its registry version, if registered.
    public var version: Int?
    /// The alias it was resolved through, if any.
    public var alias: String?
    /// The challenger model ids, in order, without the model itself.
    public var challengers: [String]
    /// The other aliases the pin was resolved through (the `challenger` alias), as they were read: checked again in
    /// the job's own transaction, like ``alias``. Not stored: empty for a pin read back.
    public var aliasReadings: [AliasReading]

    /// Creates a pin.
    public init(
        id: String, name: String, version: Int? = nil, alias: String? = nil, challengers: [String] = [],
        aliasReadings: [AliasReading] = []
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.alias = alias
        self.challengers = challengers
        self.aliasReadings = aliasReadings
    }
}

/// An alias as a pin read it: the model it pointed to, or `nil` when it was unset.
public struct AliasReading: Sendable, Equatable {
    /// The alias.
    public var alias: String
    /// The model id it pointed to, `nil` when unset.
    public var modelID: String?

    /// Creates a reading.
    public init(alias: String, modelID: String?) {
        self.alias = alias
        self.modelID = modelID
    }
}

/// One task of a job: its stage and its part within the stage. A task runs only when every task of an earlier
/// stage of its job is done.
public struct TaskSpec: Sendable, Equatable {
    /// The stage (see the worker's task kinds).
    public var stage: Int
    /// The part within the stage (a party's index, a bucket's number).
    public var part: Int

    /// Creates a spec.
    public init(stage: Int, part: Int) {
        self.stage = stage
        self.part = part
    }
}

/// A task claimed by a worker, with its lease.
public struct ClaimedTask: Sendable {
    /// The job (batch) id.
    public var jobID: String
    /// The task's number within the job.
    public var sequence: Int
    /// The claim's owner token: only this token may renew, complete or hand back the task.
    public var owner: String
    /// Which claim this is (1 for the first).
    public var attempt: Int
    /// The task's stage.
    public var stage: Int = 0
    /// The task's part within its stage.
    public var part: Int = 0
    /// The job's model: the only model this task may be scored with.
    public var modelID: String = ""
    /// The job's resolved shards (Spool's JSON form), if recorded.
    public var shards: String? = nil
    /// The job's challenger models, resolved at acceptance (for shadow scoring).
    public var challengers: [String] = []
    /// The job's model's registry name, version and the alias it was resolved through, as recorded at acceptance
    /// (``JobRecord/modelName``, ``JobRecord/modelVersion``, ``JobRecord/modelAlias``): its results' provenance.
    public var modelName: String? = nil
    /// The job's model's version within its name.
    public var modelVersion: Int? = nil
    /// The alias the job's model was resolved through.
    public var modelAlias: String? = nil
    /// How many tasks the job has, as the claim read it (0 when the store did not say): a store may complete the only
    /// task of a job in fewer statements.
    public var jobTasks: Int = 0

    /// Creates a claimed task.
    public init(
        jobID: String, sequence: Int, owner: String, attempt: Int, stage: Int = 0, part: Int = 0, modelID: String = "",
        shards: String? = nil, challengers: [String] = [], modelName: String? = nil, modelVersion: Int? = nil,
        modelAlias: String? = nil
    ) {
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.modelAlias = modelAlias
        self.challengers = challengers
        self.jobID = jobID
        self.sequence = sequence
        self.owner = owner
        self.attempt = attempt
        self.stage = stage
        self.part = part
        self.modelID = modelID
        self.shards = shards
    }
}

/// One page of jobs, newest first, and the cursor of the next page.
public struct JobPage: Sendable {
    /// The jobs of the page, newest first.
    public var jobs: [JobRecord]
    /// The last job's id when more jobs follow (pass it as `after` for the next page), else `nil`.
    public var next: String?

    /// Creates a page.
    public init(jobs: [JobRecord], next: String?) {
        self.jobs = jobs
        self.next = next
    }
}

/// Bucket counts of a histogram computed by the store: per bucket (not cumulative), the last one above every bound.
public struct HistogramCounts: Sendable, Equatable {
    /// Observations per bucket: `counts[i]` in `(bounds[i-1], bounds[i]]`, `counts[bounds.count]` above the last.
    public var counts: [Int]
    /// The sum of the observations.
    public var sum: Double
    /// The number of observations.
    public var count: Int

    /// Creates counts.
    public init(counts: [Int], sum: Double, count: Int) {
        self.counts = counts
        self.sum = sum
        self.count = count
    }

    /// Counts from cumulative counts (observations at or below each bound) and the total: the differences.
    public init(cumulative: [Int], count: Int, sum: Double) {
        var counts: [Int] = []
        var below = 0
        for value in cumulative {
            counts.append(value - below)
            below = value
        }
        counts.append(count - below)
        self.init(counts: counts, sum: sum, count: count)
    }
}

/// Whether the database file a store has open is still the file at its path.
public enum DatabaseFileState: String, Sendable {
    /// The same file (always, for `:memory:`).
    case current
    /// Nothing at the path: the file was deleted (this process goes on using the unlinked file, seen by no one else).
    case deleted
    /// Another file at the path: restored over, recreated, moved in.
    case replaced
}

/// What both backends write in the same words.
public enum JobRules {
    /// The detail of a held job's `accepted` event: from then on its tasks can be claimed.
    public static let acceptedDetail = "the batch is in batches/; its tasks can be claimed"
    /// What a task that lost its lease records as its error: the cause when its job gives up on it.
    public static let leaseExpiredReason = "the lease expired (the worker died, hung, or lost the job store)"

    /// The reason a job fails with once a task has had `attempts` claims.
    public static func gaveUp(attempts: Int, last: String?) -> String {
        "gave up after \(attempts) attempts; the last: \(last ?? "unknown")"
    }
}

extension JobRecord {
    /// A job from a row of `SELECT * FROM jobs` (both backends name the columns alike).
    public init(row: Row) {
        self.init(
            id: row["id"].string ?? "", state: JobState(rawValue: row["state"].string ?? "") ?? .queued,
            parties: (row["parties"].string ?? "").split(separator: ",").map(String.init),
            modelID: row["model_id"].string,
            createdAt: Int64(row["created_us"].int ?? 0), startedAt: row["started_us"].int.map(Int64.init),
            finishedAt: row["finished_us"].int.map(Int64.init), attempts: row["attempts"].int ?? 0,
            error: row["error"].string, customers: row["customers"].int, scored: row["scored"].int,
            rejectedRows: row["rejected_rows"].int, tasksTotal: row["tasks_total"].int ?? 0,
            tasksDone: row["tasks_done"].int ?? 0, shards: row["shards"].string, held: (row["held"].int ?? 0) != 0,
            modelName: row["model_name"].string, modelVersion: row["model_version"].int,
            modelAlias: row["model_alias"].string,
            challengers: JobModel.challengers(from: row["challengers"].string))
    }
}

extension JobModel {
    /// The challengers as the `challengers` column holds them: ids joined by commas, `NULL` for none.
    public var challengersColumn: SQLValue { challengers.isEmpty ? .null : .text(challengers.joined(separator: ",")) }

    /// The challengers from the `challengers` column.
    public static func challengers(from column: String?) -> [String] {
        (column ?? "").split(separator: ",").map(String.init)
    }
}

/// A job to record (``JobQueue/createJobs(_:)``), as ``JobQueue/createJob(id:parties:model:modelPath:shards:held:tasks:)``
/// takes it.
public struct NewJob: Sendable, Equatable {
    /// The batch id.
    public var id: String
    /// The parties of the batch, in the manifest's order.
    public var parties: [String]
    /// The model pinned.
    public var model: JobModel
    /// Where the model's file is, for workers that load models by id.
    public var modelPath: String?
    /// The resolved shards (Spool's JSON form).
    public var shards: String?
    /// Recorded held: no task is claimed until released.
    public var held: Bool
    /// The staged tasks.
    public var tasks: [TaskSpec]

    /// A job to record.
    public init(
        id: String, parties: [String], model: JobModel, modelPath: String?, shards: String?, held: Bool,
        tasks: [TaskSpec]
    ) {
        self.id = id
        self.parties = parties
        self.model = model
        self.modelPath = modelPath
        self.shards = shards
        self.held = held
        self.tasks = tasks
    }
}

/// The writes of the pipeline: ingest records jobs, workers claim, renew, complete, fail and hand back their tasks,
/// operators retry. Every transition of a claimed task is fenced by its claim (owner and attempt): a worker that lost
/// its lease can never complete or fail the task.
public protocol JobQueue: AnyObject, Sendable {
    /// Who writes events (for example `worker-12345`).
    var process: String { get }

    /// Whether a job with this id exists.
    func jobExists(_ id: String) throws -> Bool

    /// Records a new job and its staged tasks in one transaction.
    ///
    /// - Parameters:
    ///   - modelPath: Where the model's file is, for workers that load models by id.
    ///   - shards: The resolved shards (Spool's JSON form), checked again by workers.
    ///   - held: Record the job held: no task is claimed until ``releaseHeldJob(_:)`` (ingest records the job before
    ///     it moves the batch, then releases it).
    /// - Throws: ``StoreError`` of code `constraint` when the id exists, `notFound` when the model was removed from
    ///   the registry, `staleGeneration` when `model.alias` no longer points to `model.id` (resolve it again).
    func createJob(
        id: String, parties: [String], model: JobModel, modelPath: String?, shards: String?, held: Bool,
        tasks: [TaskSpec]) throws

    /// Records new jobs as ``createJob(id:parties:model:modelPath:shards:held:tasks:)`` records each, in as few round
    /// trips and durable commits as the store can (ingest records a scan's batches together). The ids are distinct (a
    /// scan's inbox names). Answers, in order, each job's refusal (what `createJob` would have thrown for it), `nil`
    /// for a job recorded.
    func createJobs(_ jobs: [NewJob]) -> [StoreError?]

    /// Releases a held job: its tasks become claimable. Returns `false` when the job was not held.
    @discardableResult func releaseHeldJob(_ id: String) throws -> Bool

    /// Releases held jobs together (``releaseHeldJob(_:)`` for each); answers the ids released (those held).
    @discardableResult func releaseHeldJobs(_ ids: [String]) throws -> Set<String>

    /// The ids of held jobs (recorded, their batch not yet moved), oldest first, for ingest's recovery.
    func heldJobs() throws -> [String]

    /// Fails a job that has not ended (an operator or recovery decision), cancelling its tasks. Returns `false` when
    /// the job does not exist or has ended.
    @discardableResult func failJob(_ id: String, reason: String) throws -> Bool

    /// Records an event on a job (for example what recovery found).
    func recordEvent(job: String, kind: String, detail: String) throws

    /// Records a job whose batch was found without any history (the store was lost or replaced): failed at once, so
    /// that it is never scored again silently; `vfl retry` scores it (with `modelID`).
    func recordOrphan(
        id: String, parties: [String], modelID: String, modelName: String, shards: String?, tasks: [TaskSpec],
        reason: String) throws

    /// Records a batch refused at ingest (a new id), or an event on the existing job for a duplicate drop.
    func recordRejected(id: String, parties: [String], reason: String) throws

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
    func claimTask(
        owner: String, leaseSeconds: Double, maxAttempts: Int, excludingModels: Set<String>
    ) throws
        -> ClaimedTask?

    /// Whether some task could be claimed now (a read, without a write lock).
    func hasRunnableTask(excludingModels: Set<String>) throws -> Bool

    /// Whether a worker should look with ``hasRunnableTask(excludingModels:)`` before it claims: where a claim takes
    /// the whole store's write lock (SQLite), and not where a claim that finds nothing costs what the look costs.
    var looksBeforeClaiming: Bool { get }

    /// Whether a worker should claim its next task with its completion
    /// (``completeTask(_:customers:scored:rejectedRows:resultPath:thenClaim:)``): where that saves a round trip to a
    /// server, and not where the claim would only come before the publish of the results.
    var claimsWithCompletion: Bool { get }

    /// Waits up to `seconds` for a sign that work may have arrived (a server database's notification), returning at
    /// once when one came. A store without notifications sleeps the time out: the caller polls.
    func waitForWork(seconds: Double)

    /// Extends a lease. Returns `false` when the claim was lost (another worker rescued the task, or its job ended).
    func renewLease(_ task: ClaimedTask, leaseSeconds: Double) throws -> Bool

    /// Whether this claim still holds its task (its lease unexpired): checked before publishing.
    func holdsLease(_ task: ClaimedTask) throws -> Bool

    /// Marks a task done, only if the caller still holds its lease (checked in the same transaction), and the job
    /// done when it was its last task. Returns `false` when the lease was lost: the caller must discard its result.
    /// Called again by the same claim with the same result path (after an unanswered commit), it answers `true`.
    func completeTask(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String
    ) throws
        -> Bool

    /// ``completeTask(_:customers:scored:rejectedRows:resultPath:)``, then the worker's next claim (`next`) made after
    /// the completion's commit whatever it answered (a server database sends both in one round trip). The claim's
    /// failure is not the completion's: it answers no task, and the worker claims again.
    ///
    /// - Returns: The completion's answer, and the task claimed (`nil` when none could be claimed).
    /// - Throws: What the completion throws (no task is left claimed then).
    func completeTask(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String,
        thenClaim next: ClaimRequest
    ) throws -> (completed: Bool, next: ClaimedTask?)

    /// Records a failed attempt: retried after `retryAfter` seconds, or, when `retryAfter` is `nil` (a permanent
    /// failure such as bad data) or this was attempt `maxAttempts`, the job fails with the reason and its other tasks
    /// are cancelled. Only the lease holder may do this; returns `false` when the lease was lost.
    func failTask(_ task: ClaimedTask, reason: String, retryAfter: Double?, maxAttempts: Int) throws -> Bool

    /// Hands a task back (a worker stopping, or one without the job's model): queued again at once, the attempt not
    /// counted.
    func releaseTask(_ task: ClaimedTask, reason: String) throws

    /// Queues a failed job again (an operator's retry after fixing its cause): every task restarts with no attempts.
    /// The caller removes the job's work folders first (`vfl retry` does), so a split job partitions afresh.
    ///
    /// - Parameter shards: The shards resolved again (the operator may have replaced one), or `nil` to keep them.
    /// - Returns: `false` when the job does not exist or is not failed.
    func retryJob(_ id: String, shards: String?) throws -> Bool

    /// The file of a model the store knows, for workers that load a job's model by id.
    func modelPath(_ id: String) throws -> String?

    /// The owner tokens of tasks currently running (to tell live private result folders from abandoned ones).
    func runningOwners() throws -> Set<String>

    /// Records a worker's heartbeat (for metrics: live workers).
    func heartbeat(worker: String) throws
}

/// The reads of the status API, metrics and operators' commands.
public protocol JobCatalog: AnyObject, Sendable {
    /// Jobs, newest first, at most `limit`.
    func jobs(state: JobState?, limit: Int) throws -> [JobRecord]

    /// Jobs newest first, one page at a time, by keyset (no offset): a page after a job starts right below that
    /// job's position whatever its state now, so jobs recorded between two requests never shift or repeat the later
    /// pages.
    ///
    /// - Throws: ``StoreError`` of code `unknownCursor` when no job has the id `after`.
    func jobs(state: JobState?, after: String?, limit: Int) throws -> JobPage

    /// One job, or `nil`.
    func job(_ id: String) throws -> JobRecord?

    /// The jobs of these ids that exist, in no order (ingest's one read of a scan's batches).
    func jobs(ids: [String]) throws -> [JobRecord]

    /// A job's events, oldest first: when, which process, what and why.
    func events(job: String) throws -> [(at: Int64, process: String, kind: String, detail: String)]

    /// The states of a job's tasks, in task order (`queued`, `running`, `done`, `failed`, `cancelled`).
    func taskStates(job: String) throws -> [String]

    /// How many tasks of `stage` a job has (a split job's bucket count).
    func taskCount(job: String, stage: Int) throws -> Int

    /// Counts for `/metrics`: jobs and tasks by state, customers scored, rows rejected, live workers.
    func metrics(
        liveWithinSeconds: Double
    ) throws -> (
        jobs: [String: Int], tasks: [String: Int], scored: Int, rejectedRows: Int, liveWorkers: Int
    )

    /// The durations of done jobs (seconds from ingest to results) as histogram buckets counted by the database:
    /// a job counts in the first bucket whose upper bound is at least its duration.
    func doneDurations(bounds: [Double]) throws -> HistogramCounts

    /// Done jobs and where their results were written, for publishing results a crash left unpublished.
    func doneResultPaths() throws -> [(job: String, path: String)]
}

/// A job store: the queue and the catalog over one database, SQLite (``SQLiteStore``, one machine) or a server.
public protocol JobStore: JobQueue, JobCatalog, ModelRegistry {
    /// Where the store is, for logs and messages (never a password).
    var location: String { get }

    /// Whether the database this process opened is still the one at its location: a SQLite file can be deleted or
    /// replaced under a running process; a server database is always `current`.
    var fileState: DatabaseFileState { get }

    /// Throws when ``fileState`` is not `current`, after logging an error to `logger`. A long-running process calls
    /// it every iteration and exits when it throws: its supervisor starts it again on the database at the location.
    ///
    /// - Throws: ``StoreError`` of code `fileChanged`.
    func checkFile(logger: Logger?) throws

    /// Writes a consistent copy of the store to `path` while other processes keep writing, and says what it did.
    func backup(to path: String) throws -> String
}

extension JobQueue {
    /// Records the jobs one ``createJob(id:parties:model:modelPath:shards:held:tasks:)`` at a time: for a store in
    /// the process, where a record costs no round trip.
    public func createJobs(_ jobs: [NewJob]) -> [StoreError?] {
        jobs.map { job in
            do {
                try createJob(
                    id: job.id, parties: job.parties, model: job.model, modelPath: job.modelPath, shards: job.shards,
                    held: job.held, tasks: job.tasks)
                return nil
            } catch let error as StoreError {
                return error
            } catch {
                return StoreError(.server, "\(error)")
            }
        }
    }

    /// Releases the jobs one ``releaseHeldJob(_:)`` at a time.
    @discardableResult public func releaseHeldJobs(_ ids: [String]) throws -> Set<String> {
        Set(try ids.filter { try releaseHeldJob($0) })
    }

    /// Records a new job pinned to a model known only by id and name (no registry version, alias or challengers).
    public func createJob(
        id: String, parties: [String], modelID: String, modelName: String, modelPath: String?, shards: String?,
        held: Bool, tasks: [TaskSpec]
    ) throws {
        try createJob(
            id: id, parties: parties, model: JobModel(id: modelID, name: modelName), modelPath: modelPath,
            shards: shards, held: held, tasks: tasks)
    }

    /// Records a new job with one stage of `tasks` parts, not held.
    public func createJob(id: String, parties: [String], modelID: String, modelName: String, tasks: Int) throws {
        try createJob(
            id: id, parties: parties, modelID: modelID, modelName: modelName,
            tasks: (0..<tasks).map {
                TaskSpec(stage: 0, part: $0)
            })
    }

    /// Records a new job and its staged tasks, with no model path or shards.
    public func createJob(
        id: String, parties: [String], modelID: String, modelName: String, held: Bool = false, tasks: [TaskSpec]
    ) throws {
        try createJob(
            id: id, parties: parties, modelID: modelID, modelName: modelName, modelPath: nil, shards: nil, held: held,
            tasks: tasks)
    }

    /// Completes the task, then claims the next one as a worker's loop would (looking first where
    /// ``looksBeforeClaiming``): two calls, for a store where a round trip costs nothing.
    public func completeTask(
        _ task: ClaimedTask, customers: Int, scored: Int, rejectedRows: Int, resultPath: String,
        thenClaim next: ClaimRequest
    ) throws -> (completed: Bool, next: ClaimedTask?) {
        let completed = try completeTask(
            task, customers: customers, scored: scored, rejectedRows: rejectedRows, resultPath: resultPath)
        if looksBeforeClaiming, (try? hasRunnableTask(excludingModels: next.excludingModels)) != true {
            return (completed, nil)
        }
        return (completed, (try? claimTask(next)) ?? nil)
    }

    /// Claims the next runnable task (see ``claimTask(owner:leaseSeconds:maxAttempts:excludingModels:)``).
    public func claimTask(_ request: ClaimRequest) throws -> ClaimedTask? {
        try claimTask(
            owner: request.owner, leaseSeconds: request.leaseSeconds, maxAttempts: request.maxAttempts,
            excludingModels: request.excludingModels)
    }

    /// Claims the next runnable task of any model.
    public func claimTask(owner: String, leaseSeconds: Double, maxAttempts: Int) throws -> ClaimedTask? {
        try claimTask(owner: owner, leaseSeconds: leaseSeconds, maxAttempts: maxAttempts, excludingModels: [])
    }

    /// Whether some task of any model could be claimed now.
    public func hasRunnableTask() throws -> Bool { try hasRunnableTask(excludingModels: []) }

    /// Records a failed attempt with no limit on attempts.
    public func failTask(_ task: ClaimedTask, reason: String, retryAfter: Double?) throws -> Bool {
        try failTask(task, reason: reason, retryAfter: retryAfter, maxAttempts: .max)
    }

    /// Hands a task back because the worker stops.
    public func releaseTask(_ task: ClaimedTask) throws { try releaseTask(task, reason: "worker stopping") }

    /// Queues a failed job again with its shards as recorded.
    public func retryJob(_ id: String) throws -> Bool { try retryJob(id, shards: nil) }
}

extension JobCatalog {
    /// Jobs of every state, newest first: the latest 100 unless `limit` says otherwise.
    public func jobs(limit: Int = 100) throws -> [JobRecord] { try jobs(state: nil, limit: limit) }

    /// Counts for `/metrics`, with workers live when seen in the last 30 seconds.
    public func metrics() throws -> (
        jobs: [String: Int], tasks: [String: Int], scored: Int, rejectedRows: Int, liveWorkers: Int
    ) { try metrics(liveWithinSeconds: 30) }
}

extension JobStore {
    /// ``checkFile(logger:)`` with no logger.
    public func checkFile() throws { try checkFile(logger: nil) }
}
