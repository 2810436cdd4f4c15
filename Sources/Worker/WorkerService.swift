public import Core
import Dispatch
import Foundation
public import Model
import Registry
public import Spool
public import Store
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A worker's settings.
public struct WorkerConfiguration: Sendable {
    /// The spool.
    public var spool: Spool
    /// Scoring settings (threads, reject share).
    public var scoring: ScoringOptions
    /// Seconds a claim holds without renewal; renewed every third of it.
    public var leaseSeconds: Double
    /// Claims of a task before its job fails.
    public var maxAttempts: Int
    /// First retry delay after a transient failure; doubled each attempt (with jitter), capped at 60 s.
    public var backoffSeconds: Double
    /// Sleep between polls when idle.
    public var pollSeconds: Double
    /// After SIGTERM, how long the current task may run before it is handed back.
    public var graceSeconds: Double
    /// Seconds between recovery passes (unpublished results, abandoned work folders), besides the one at start.
    public var recoveryInterval: Double = 15
    /// The bytes of parameters the worker keeps loaded across the models of its jobs (``ModelCatalog``).
    public var modelMemoryBytes = ModelCatalog.defaultMemoryBytes

    /// Creates settings.
    public init(
        spool: Spool, scoring: ScoringOptions = ScoringOptions(), leaseSeconds: Double = 30, maxAttempts: Int = 5,
        backoffSeconds: Double = 1, pollSeconds: Double = 0.2, graceSeconds: Double = 25
    ) {
        self.spool = spool
        self.scoring = scoring
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
        self.backoffSeconds = backoffSeconds
        self.pollSeconds = pollSeconds
        self.graceSeconds = graceSeconds
    }
}

/// The worker loop: claim a task with a lease, score its batch into a private folder while a heartbeat renews the
/// lease, record completion only while still holding the lease (with the next claim, where the store sends both in
/// one round trip: ``JobQueue/claimsWithCompletion``), then publish the results by rename.
///
/// A worker that loses its lease (paused, partitioned) finds its completion refused and discards its result; the
/// task was rescued by another worker. Bad data fails the job at once; other failures retry with exponential backoff
/// and jitter; a task claimed `maxAttempts` times (a batch that kills its workers) fails its job with the last
/// attempt's error. A job is scored with its own model only (``ModelCatalog``). On SIGTERM (``stop()``) the worker
/// stops claiming, finishes its task within the grace period or hands it back, and returns.
public final class WorkerService: @unchecked Sendable {
    // `stopping` is atomic; everything else is used on the worker's own thread.
    private let configuration: WorkerConfiguration
    private let store: any JobStore
    private let models: ModelCatalog
    private let primary: SplitModel
    private let logger: Logger
    private let name: String
    private let stopping: Flag
    /// The network evaluators, reused from one job to the next.
    private let evaluators = EvaluatorPool()
    private var spool: Spool { configuration.spool }

    /// Creates a worker named `name` (unique per process, e.g. `worker-<host>-<pid>`) that stops when `stop` is set.
    public init(
        configuration: WorkerConfiguration, store: any JobStore, model: SplitModel, name: String, logger: Logger,
        stop: Flag = Flag()
    ) {
        self.stopping = stop
        self.configuration = configuration
        self.store = store
        self.models = ModelCatalog(
            store: store, spool: configuration.spool, preloaded: model, memoryBytes: configuration.modelMemoryBytes)
        self.primary = model
        self.name = name
        self.logger = logger.with("worker", name)
    }

    /// Asks the loop to stop.
    public func stop() { stopping.set() }

    /// Finishes what a crash left between two states: publishes the recorded results of done jobs that are not
    /// published (a restart completing a half-done publish), writes the explanation of failed jobs that have none, and
    /// removes work folders that no live claim owns and that no job needs.
    ///
    /// - Throws: ``StoreError``.
    public func recover() throws {
        try spool.create()
        // A done job's recorded folder is found by its name in this process's work/ (processes may spell the spool's
        // root differently, or mount it elsewhere).
        func name(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }
        let done = Dictionary(try store.doneResultPaths().map { ($0.job, name($0.path)) }) { a, _ in a }
        for (job, entry) in done where !entry.isEmpty && !spool.hasPublishedScores(job) {
            let path = spool.work + "/" + entry
            guard FileIO.exists(path) else { continue }
            do {
                try spool.publish(path, job: job)
                logger.info("results published after a restart", metadata: [("job.id", job)])
            } catch { logger.warning("publish failed", metadata: [("job.id", job), ("error", "\(error)")]) }
        }
        for job in try store.jobs(state: .failed, limit: 10_000) where !FileIO.exists(spool.result(job.id)) {
            try? spool.publishFailure(
                job: job.id, owner: "recovery-\(self.name)",
                explanation: explanation(job.id, job.error ?? "failed", nil), keeping: [], from: nil, replacing: false)
        }
        // Work folders: a live claim's private folder stays, and a split job's staged folder while the job runs. The
        // order matters: list first, then the live claims, then the jobs' states, then the done jobs' folders, so
        // that a claim completing meanwhile is seen live, or its job not yet ended, or its folder recorded (a state
        // read after the recorded folders would see a job done meanwhile as ended and its folder as abandoned, and
        // remove the results its worker is about to publish). Under the publish lock, so that a failure's
        // explanation being staged (its task already ended) is never taken for abandoned.
        try spool.withPublishLock {
            let entries = (try? Spool.list(spool.work)) ?? []
            let live = try store.runningOwners()
            var states: [String: JobState?] = [:]
            for entry in entries {
                guard let job = Spool.jobOfWorkEntry(entry), !states.keys.contains(job) else { continue }
                states[job] = try store.job(job)?.state
            }
            let recorded = Set(try store.doneResultPaths().map { name($0.path) })
            for entry in entries {
                guard let job = Spool.jobOfWorkEntry(entry) else { continue }
                let path = spool.work + "/" + entry
                let state = states[job] ?? nil
                let ended = state == nil || state == .done || state == .failed || state == .rejected
                if let at = entry.firstIndex(of: "@") {
                    // `<job>@<owner>` or `<job>@<owner>.error` (owners hold the host name, which may hold dots).
                    var owner = String(entry[entry.index(after: at)...])
                    if owner.hasSuffix(".error") { owner.removeLast(".error".count) }
                    if (!live.contains(owner) || ended) && !recorded.contains(entry) { Spool.remove(path) }
                } else if ended {
                    Spool.remove(path)
                }
            }
        }
    }

    /// Runs until ``stop()``.
    public func run() throws {
        try recover()
        var lastBeat = 0.0
        var lastRecovery = Timestamp.monotonicSeconds()
        // Models this worker could not load, and since when: their jobs are left for other workers for a while.
        var unavailable: [String: Double] = [:]
        // A task claimed with the last completion (JobQueue's completeTask(_:...:thenClaim:)) and when, run next.
        var next: (task: ClaimedTask, claimedAt: Double)?
        // Stopping or exiting with a task claimed and not started: it goes back at once, its attempt not counted.
        defer { if let next { try? store.releaseTask(next.task) } }
        while !stopping.isSet {
            try store.checkFile(logger: logger)  // deleted or replaced: exit, to be restarted on the real file
            let now = Timestamp.monotonicSeconds()
            if now - lastBeat > 5 {
                try? store.heartbeat(worker: name)
                lastBeat = now
            }
            if now - lastRecovery > configuration.recoveryInterval {
                lastRecovery = now
                do { try recover() } catch { logger.warning("recovery failed", metadata: [("error", "\(error)")]) }
            }
            // A model that could not be loaded is tried again after 20 s (its file may have come back).
            unavailable = unavailable.filter { now - $0.value < 20 }
            let task: ClaimedTask?
            var claimedAt = Timestamp.monotonicSeconds()
            if let claimed = next {
                next = nil
                claimedAt = claimed.claimedAt
                // Its lease ran while the last task was published: renewed before it starts if a third of it went
                // (a slow filesystem); handed back if it cannot be (a rescue by another worker meanwhile leaves the
                // hand-back without effect).
                if Timestamp.monotonicSeconds() - claimedAt > configuration.leaseSeconds / 3 {
                    guard (try? store.renewLease(claimed.task, leaseSeconds: configuration.leaseSeconds)) == true else {
                        try? store.releaseTask(claimed.task, reason: "its lease could not be renewed before it started")
                        logger.warning(
                            "claimed task handed back before it started", metadata: [("job.id", claimed.task.jobID)])
                        continue
                    }
                    claimedAt = Timestamp.monotonicSeconds()
                }
                task = claimed.task
            } else {
                // A read-only look first where a claim takes a write lock, so that idle workers do not at every poll.
                if store.looksBeforeClaiming,
                    (try? store.hasRunnableTask(excludingModels: Set(unavailable.keys))) == false
                {
                    store.waitForWork(seconds: configuration.pollSeconds)
                    continue
                }
                do {
                    task = try store.claimTask(claimRequest(unavailable: unavailable))
                } catch {
                    logger.warning("claim failed", metadata: [("error", "\(error)")])
                    task = nil
                }
            }
            guard let task else {
                store.waitForWork(seconds: configuration.pollSeconds)
                continue
            }
            do { try Failpoint.hit("worker.claimed") } catch {
                // An error right after the claim: the task goes back, as a worker that cannot go on hands it back.
                try? store.releaseTask(task, reason: "\(error)")
                continue
            }
            guard let model = models.model(id: task.modelID) else {
                unavailable[task.modelID] = now
                try? store.releaseTask(
                    task,
                    reason: "\(name) cannot load the job's model \(task.modelID.prefix(12)); left for another worker")
                logger.warning("job's model unavailable", metadata: [("job.id", task.jobID), ("model", task.modelID)])
                continue
            }
            let challengers = challengerModels(for: task)
            let claimsNext = store.claimsWithCompletion
            next = process(
                task, model: model, challengers: challengers.loaded, unavailable: challengers.unavailable,
                claimedAt: claimedAt,
                next: { [stopping] in
                    // The next claim's owner, made when the task completes; none once the worker stops.
                    !claimsNext || stopping.isSet ? nil : self.claimRequest(unavailable: unavailable)
                })
        }
    }

    /// A claim of this worker's under an owner token of its own, leaving the jobs of the models it could not load to
    /// other workers.
    private func claimRequest(unavailable: [String: Double]) -> ClaimRequest {
        ClaimRequest(
            owner: "\(name)-\(UInt64.random(in: 0...UInt64.max))", leaseSeconds: configuration.leaseSeconds,
            maxAttempts: configuration.maxAttempts, excludingModels: Set(unavailable.keys))
    }

    /// The challengers a task's job is shadow-scored with, in the job's order (``BatchScorer/challengers``), each
    /// loaded by id from the registry; one that cannot be loaded here is recorded as failed for the job (its error
    /// names the model id), and the champion's results stand.
    private func challengerModels(for task: ClaimedTask) -> (loaded: [SplitModel], unavailable: [UnavailableChallenger])
    {
        var loaded: [SplitModel] = []
        var unavailable: [UnavailableChallenger] = []
        for id in task.challengers {
            if let model = models.model(id: id) {
                loaded.append(model)
            } else {
                let name = (try? store.registeredModel(id: id))?.name ?? ""
                unavailable.append(
                    UnavailableChallenger(
                        id: id, name: name,
                        reason: "the challenger model \(id.prefix(12)) cannot be loaded on \(self.name): its file "
                            + "under the spool's models/ is missing or does not hash to its id"))
                logger.warning(
                    "challenger model unavailable; recorded as failed",
                    metadata: [("job.id", task.jobID), ("model", id)])
            }
        }
        return (loaded, unavailable)
    }

    /// Runs one task with the configured model (tests).
    public func process(_ task: ClaimedTask) {
        _ = process(
            task, model: primary, challengers: [], unavailable: [], claimedAt: Timestamp.monotonicSeconds(),
            next: { nil })
    }

    /// Runs one task (with the job's challengers) while a heartbeat renews its lease (claimed at `claimedAt`,
    /// ``Timestamp/monotonicSeconds()``); when it completes, claims the worker's next task with the completion (`next`,
    /// asked then: `nil` for no claim).
    ///
    /// - Returns: The task claimed with the completion, if any, and when: the caller runs it next, or hands it back.
    func process(
        _ task: ClaimedTask, model: SplitModel, challengers: [SplitModel], unavailable: [UnavailableChallenger],
        claimedAt: Double, next: () -> ClaimRequest?
    ) -> (task: ClaimedTask, claimedAt: Double)? {
        let following = NextClaim()
        let store = self.store
        execute(task, model: model, challengers: challengers, unavailable: unavailable, claimedAt: claimedAt, following)
        {
            customers, scored, rejectedRows, resultPath in
            guard let request = next() else {
                return try store.completeTask(
                    task, customers: customers, scored: scored, rejectedRows: rejectedRows, resultPath: resultPath)
            }
            let answer = try store.completeTask(
                task, customers: customers, scored: scored, rejectedRows: rejectedRows, resultPath: resultPath,
                thenClaim: request)
            following.claimed.withLock { $0 = answer.next.map { ($0, Timestamp.monotonicSeconds()) } }
            return answer.completed
        }
        return following.claimed.withLock { $0 }
    }

    /// The task claimed with a completion, seen by the grace period's watchdog too (it hands it back before it exits).
    final class NextClaim: Sendable {
        /// The task and when it was claimed.
        let claimed = Mutex<(task: ClaimedTask, claimedAt: Double)?>(nil)
    }

    /// Runs one task while a heartbeat renews its lease, completing it with `complete` (the arguments of
    /// ``JobQueue/completeTask(_:customers:scored:rejectedRows:resultPath:)``, its answer); `following` holds what the
    /// completion claimed next.
    private func execute(
        _ task: ClaimedTask, model: SplitModel, challengers: [SplitModel], unavailable: [UnavailableChallenger],
        claimedAt: Double, _ following: NextClaim,
        complete: (_ customers: Int, _ scored: Int, _ rejectedRows: Int, _ resultPath: String) throws -> Bool
    ) {
        let log = logger.with("job.id", task.jobID).with("attempt", "\(task.attempt)")
        let privateDirectory = spool.privateFolder(job: task.jobID, owner: task.owner)
        let lost = Flag()
        let finished = Flag()
        let heartbeat = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "vfl.heartbeat"))
        let interval = configuration.leaseSeconds / 3
        // The first renewal a third of the lease after the claim (a task claimed with the last completion waited
        // while its results were published).
        let age = Timestamp.monotonicSeconds() - claimedAt
        heartbeat.schedule(deadline: .now() + max(0.01, interval - age), repeating: interval)
        let store = self.store
        let lease = configuration.leaseSeconds
        let name = self.name
        heartbeat.setEventHandler {
            if (try? store.renewLease(task, leaseSeconds: lease)) == false { lost.set() }
            // Liveness is refreshed during long tasks too.
            try? store.heartbeat(worker: name)
        }
        heartbeat.resume()
        // The grace period after SIGTERM: hand the task back if it is still running then.
        let grace = configuration.graceSeconds
        let stopping = self.stopping
        let watchdog = DispatchQueue(label: "vfl.grace")
        watchdog.async {
            while !finished.isSet {
                if stopping.isSet {
                    let deadline = Timestamp.monotonicSeconds() + grace
                    while !finished.isSet && Timestamp.monotonicSeconds() < deadline { usleep(50_000) }
                    if !finished.isSet {
                        try? store.releaseTask(task)
                        if let next = following.claimed.withLock({ $0 }) { try? store.releaseTask(next.task) }
                        log.info("task handed back at the end of the grace period")
                        exit(0)
                    }
                    return
                }
                usleep(100_000)
            }
        }
        defer {
            heartbeat.cancel()
            finished.set()
        }
        log.info("task started", metadata: [("stage", "\(task.stage)"), ("part", "\(task.part)")])
        let started = Timestamp.monotonicSeconds()
        do {
            let scorer = BatchScorer(
                model: model, challengers: challengers, unavailable: unavailable, options: configuration.scoring,
                logger: log, provenance: try provenance(task: task, model: model, challengers: challengers),
                evaluators: evaluators)
            let job = try JobInput(task: task, spool: spool, store: store)
            Spool.remove(privateDirectory)
            try FileIO.makeDirectories(privateDirectory)
            switch StagedScoring.Stage(rawValue: task.stage) ?? .whole {
            case .partition, .bucket:
                try runIntermediate(task, job: job, scorer: scorer, privateDirectory: privateDirectory)
                guard !lost.isSet, try complete(0, 0, 0, "") else {
                    log.warning("lease lost; the (identical) output stays")
                    return
                }
                log.info("task done", metadata: [("seconds", "\(Timestamp.monotonicSeconds() - started)")])
                return
            case .whole, .merge:
                break
            }
            let outcome: BatchOutcome
            if task.stage == StagedScoring.Stage.merge.rawValue {
                outcome = try merge(task, job: job, scorer: scorer, privateDirectory: privateDirectory)
            } else {
                try job.verifyShards()
                outcome = try scorer.score(
                    batchDirectory: job.directory, manifest: job.manifest, shards: job.shards,
                    results: ResultPaths(besideScores: privateDirectory + "/scores.csv"))
            }
            try Failpoint.hit("worker.scored.before-verify")
            try job.verifyShards()
            guard !lost.isSet,
                try complete(outcome.customers, outcome.scored, outcome.rejectedRows, privateDirectory)
            else {
                log.warning("lease lost; result discarded")
                Spool.remove(privateDirectory)
                return
            }
            do {
                try Failpoint.hit("worker.completed.before-publish")
                publish(privateDirectory, job: task.jobID, log: log)
            } catch {
                // Done but not published: the recorded folder is published by recovery.
                log.warning("publish skipped; recovery publishes", metadata: [("error", "\(error)")])
            }
            let seconds = Timestamp.monotonicSeconds() - started
            log.info(
                "task done",
                metadata: [
                    ("rows", "\(outcome.customers)"), ("seconds", "\((seconds * 1000).rounded() / 1000)"),
                    ("rows_per_s", "\(Int(Double(outcome.customers) / max(seconds, 1e-6)))"),
                ])
        } catch let error as ScoringError where error.code != .io {
            // Bad data: retrying cannot help.
            fail(task, reason: error.message, code: error.code, privateDirectory: privateDirectory, log: log)
        } catch {
            let reason = "\(error)"
            if task.attempt >= configuration.maxAttempts {
                fail(
                    task, reason: reason, code: .io, privateDirectory: privateDirectory, log: log, retryable: true)
                return
            }
            let base = configuration.backoffSeconds * pow(2, Double(task.attempt - 1))
            let delay = min(60, base * Double.random(in: 0.5...1.5))
            _ = try? store.failTask(
                task, reason: reason, retryAfter: delay, maxAttempts: configuration.maxAttempts)
            Spool.remove(privateDirectory)
            log.warning("task failed; will retry", metadata: [("error", reason), ("retry_in_s", "\(delay)")])
        }
    }

    /// The registry's record of the job's models for their summaries: the model as recorded at acceptance (read with
    /// the claim: its registry name, version and the alias it was resolved through), and each challenger's registry
    /// name and version.
    private func provenance(
        task: ClaimedTask, model: SplitModel, challengers: [SplitModel]
    ) throws -> [String:
        ModelProvenance]
    {
        var provenance = [
            model.id: ModelProvenance(
                name: task.modelName ?? model.name, version: task.modelVersion, alias: task.modelAlias)
        ]
        for challenger in challengers where provenance[challenger.id] == nil {
            let registered = try store.registeredModel(id: challenger.id)
            provenance[challenger.id] = ModelProvenance(
                name: registered?.name ?? challenger.name, version: registered?.version, alias: nil)
        }
        return provenance
    }

    /// Fails the task's job for good (fenced by the lease), publishes its explanation — `error.json`, and
    /// `rejects.csv` and `summary.json` when too many rows were rejected; nothing else — and removes its work.
    private func fail(
        _ task: ClaimedTask, reason: String, code: ScoringError.Code, privateDirectory: String, log: Logger,
        retryable: Bool = false
    ) {
        let recorded = try? store.failTask(
            task, reason: reason, retryAfter: retryable ? 0 : nil, maxAttempts: configuration.maxAttempts)
        guard recorded == true else {
            Spool.remove(privateDirectory)
            log.info("task failed after its lease was lost; nothing recorded", metadata: [("error", reason)])
            return
        }
        let final = (try? store.job(task.jobID))?.error ?? reason
        let keep = code == .tooManyRejects && task.stage != StagedScoring.Stage.bucket.rawValue
        do {
            try spool.publishFailure(
                job: task.jobID, owner: task.owner, explanation: explanation(task.jobID, final, code),
                keeping: keep ? ["rejects.csv", "summary.json"] : [], from: privateDirectory)
        } catch {
            log.warning("cannot publish the failure's explanation; recovery retries", metadata: [("error", "\(error)")])
        }
        spool.removeWork(job: task.jobID)
        log.info("task failed", metadata: [("error", final)])
    }

    private func explanation(_ job: String, _ message: String, _ code: ScoringError.Code?) -> [UInt8] {
        var members: [(String, JSONValue)] = [("batch", .string(job)), ("error", .string(message))]
        if let code { members.append(("code", .string(code.rawValue))) }
        return Array((JSONValue.object(members).text + "\n").utf8)
    }

    /// Publishes a done job's results (this worker's claim completed it), then removes the job's other work folders.
    private func publish(_ directory: String, job: String, log: Logger) {
        do {
            if case .alreadyPublished(let identical) = try spool.publish(directory, job: job) {
                let detail =
                    identical
                    ? "results were already published (identical)"
                    : "results/\(job) already held other scores, from before; they are kept, never replaced"
                try? store.recordEvent(job: job, kind: "publish_kept", detail: detail)
                if !identical { log.error("published results kept", metadata: [("detail", detail)]) }
                Spool.remove(directory)
            }
            spool.removeWork(job: job)
        } catch {
            spool.removeWork(job: job, keeping: directory)
            log.warning("publish failed; retried by recovery", metadata: [("error", "\(error)")])
        }
    }

    /// The job's bucket count: its number of bucket tasks, as ingest planned them.
    private func buckets(_ job: String) throws -> Int {
        max(1, try store.taskCount(job: job, stage: TaskPlan.Stage.bucket.rawValue))
    }

    /// A partition or bucket task: writes into the private folder, then renames it into the job's staged folder
    /// (a rescued duplicate writes identical bytes, so whichever rename lands first is kept).
    private func runIntermediate(
        _ task: ClaimedTask, job: JobInput, scorer: BatchScorer, privateDirectory: String
    ) throws {
        let buckets = try buckets(task.jobID)
        let staged = spool.stagedFolder(job: task.jobID)
        try FileIO.makeDirectories(staged)
        let target: String
        if task.stage == StagedScoring.Stage.partition.rawValue {
            guard job.shards.indices.contains(task.part) else {
                throw ScoringError(.manifest, "partition task \(task.part) has no shard")
            }
            let shard = job.shards[task.part]
            try job.verifyShards()
            try StagedScoring.partition(
                shard: job.directory + "/" + shard.file, party: shard.party, key: scorer.model.key, buckets: buckets,
                expectedRows: job.manifest.rows[shard.party], output: privateDirectory)
            try Failpoint.hit("worker.partition.before-rename")
            target = StagedScoring.partitionFolder(staged: staged, party: shard.party)
        } else {
            try StagedScoring.scoreBucket(
                task.part, manifest: job.manifest, shards: job.shards, staged: staged, folder: privateDirectory,
                scorer: scorer)
            try Failpoint.hit("worker.bucket.before-rename")
            target = StagedScoring.bucketFolder(staged: staged, part: task.part)
        }
        do { try FileIO.rename(privateDirectory, to: target) } catch {
            // Already there from a rescued attempt of this run (identical content); any other failure is one.
            guard FileIO.exists(target) else { throw error }
            Spool.remove(privateDirectory)
        }
    }

    /// The merge task: every model's bucket results merged (``StagedScoring/merge(buckets:staged:scorer:batch:into:)``).
    private func merge(
        _ task: ClaimedTask, job: JobInput, scorer: BatchScorer, privateDirectory: String
    ) throws -> BatchOutcome {
        try StagedScoring.merge(
            buckets: try buckets(task.jobID), staged: spool.stagedFolder(job: task.jobID), scorer: scorer,
            batch: job.manifest.batch, into: ResultPaths(besideScores: privateDirectory + "/scores.csv"))
    }
}

/// What a task reads of its job: the batch folder, its manifest, and the shards ingest resolved and recorded.
struct JobInput {
    /// `batches/<id>`.
    var directory: String
    /// The manifest.
    var manifest: Manifest
    /// The recorded shards, in the manifest's order.
    var shards: [Shard]

    /// Loads the job's input from its record; only a job recorded without shards (by an older ingest) reads its
    /// manifest and resolves them now.
    init(task: ClaimedTask, spool: Spool, store: any JobStore) throws {
        directory = spool.batch(task.jobID)
        do {
            if let recorded = task.shards {
                shards = try Shard.parse(jsonText: recorded)
                manifest = Manifest(batch: task.jobID, shards: shards)
                return
            }
            let path = directory + "/manifest.json"
            do { manifest = try Manifest(parsing: Data(FileIO.readFile(path, limit: 1 << 20))) } catch let error
                as Manifest.Error
            {
                throw ScoringError(.manifest, error.message)
            } catch {
                throw ScoringError(.io, "cannot read \(path): \(error)")
            }
            shards = try Shard.resolve(manifest, in: directory)
        } catch let error as SpoolError {
            throw ScoringError(.manifest, error.message)
        }
    }

    /// Checks the shards are the files ingest accepted.
    ///
    /// - Throws: ``ScoringError`` of code `changed`.
    func verifyShards() throws {
        do { try Shard.verify(shards, in: directory) } catch let error as SpoolError {
            throw ScoringError(.changed, error.message)
        }
    }
}
