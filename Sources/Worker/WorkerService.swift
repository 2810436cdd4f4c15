public import Core
import Dispatch
import Foundation
public import Model
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
/// lease, record completion only while still holding the lease, then publish the results by rename.
///
/// A worker that loses its lease (paused, partitioned) finds its completion refused and discards its result; the
/// task was rescued by another worker. Bad data fails the job at once; other failures retry with exponential backoff
/// and jitter; a task claimed `maxAttempts` times (a batch that kills its workers) fails its job. On SIGTERM
/// (``stop()``) the worker stops claiming, finishes its task within the grace period or hands it back, and returns.
public final class WorkerService: @unchecked Sendable {
    // `stopping` is atomic; everything else is used on the worker's own thread.
    private let configuration: WorkerConfiguration
    private let store: JobStore
    private let model: SplitModel
    private let logger: Logger
    private let name: String
    private let stopping: Flag

    /// Creates a worker named `name` (unique per process, e.g. `worker-<host>-<pid>`) that stops when `stop` is set.
    public init(
        configuration: WorkerConfiguration, store: JobStore, model: SplitModel, name: String, logger: Logger,
        stop: Flag = Flag()
    ) {
        self.stopping = stop
        self.configuration = configuration
        self.store = store
        self.model = model
        self.name = name
        self.logger = logger.with("worker", name)
    }

    /// Asks the loop to stop.
    public func stop() { stopping.set() }

    /// Publishes results that a crash left unpublished (job done, folder still in `work/`).
    ///
    /// - Throws: ``StoreError``.
    public func recover() throws {
        try configuration.spool.create()
        // Private folders of claims that no longer run (killed workers, lost leases) are abandoned: remove them.
        let live = try store.runningOwners()
        let published = Set(try store.doneResultPaths().map(\.path))
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: configuration.spool.work)) ?? [] {
            let path = configuration.spool.work + "/" + entry
            if entry.hasSuffix(".staged") {
                // A split job's intermediate files: kept while the job may still run.
                let state = try store.job(String(entry.dropLast(".staged".count)))?.state
                if state == .done || state == .failed || state == nil {
                    try? FileManager.default.removeItem(atPath: path)
                }
                continue
            }
            let owner = entry.split(separator: "@", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            if !live.contains(owner) && !published.contains(path) { try? FileManager.default.removeItem(atPath: path) }
        }
        for (job, path) in try store.doneResultPaths() {
            let target = configuration.spool.results + "/" + job
            if !FileIO.exists(target) && FileIO.exists(path) {
                try? FileIO.rename(path, to: target)
                logger.info("results published after a restart", metadata: [("job.id", job)])
            }
        }
    }

    /// Runs until ``stop()``.
    public func run() throws {
        try recover()
        var lastBeat = 0.0
        while !stopping.isSet {
            try store.checkFile(logger: logger)  // deleted or replaced: exit, to be restarted on the real file
            let now = Timestamp.monotonicSeconds()
            if now - lastBeat > 5 {
                try? store.heartbeat(worker: name)
                lastBeat = now
            }
            let owner = "\(name)-\(UInt64.random(in: 0...UInt64.max))"
            let task: ClaimedTask?
            // A read-only look first, so that idle workers do not take the write lock at every poll.
            if (try? store.hasRunnableTask()) == false {
                usleep(UInt32(configuration.pollSeconds * 1e6))
                continue
            }
            do {
                task = try store.claimTask(
                    owner: owner, leaseSeconds: configuration.leaseSeconds, maxAttempts: configuration.maxAttempts)
            } catch {
                logger.warning("claim failed", metadata: [("error", "\(error)")])
                task = nil
            }
            guard let task else {
                usleep(UInt32(configuration.pollSeconds * 1e6))
                continue
            }
            process(task)
        }
    }

    /// Runs one task while a heartbeat renews its lease.
    public func process(_ task: ClaimedTask) {
        let log = logger.with("job.id", task.jobID).with("attempt", "\(task.attempt)")
        // `@` cannot occur in a batch id: the owner token follows it.
        let privateDirectory = configuration.spool.work + "/" + task.jobID + "@" + task.owner
        let lost = Flag()
        let finished = Flag()
        let heartbeat = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "vfl.heartbeat"))
        let interval = configuration.leaseSeconds / 3
        heartbeat.schedule(deadline: .now() + interval, repeating: interval)
        let store = self.store
        let lease = configuration.leaseSeconds
        heartbeat.setEventHandler {
            if (try? store.renewLease(task, leaseSeconds: lease)) == false { lost.set() }
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
            try? FileManager.default.removeItem(atPath: privateDirectory)
            try FileIO.makeDirectories(privateDirectory)
            switch StagedScoring.Stage(rawValue: task.stage) ?? .whole {
            case .partition, .bucket:
                try runIntermediate(task, privateDirectory: privateDirectory)
                guard !lost.isSet,
                    try store.completeTask(task, customers: 0, scored: 0, rejectedRows: 0, resultPath: "")
                else {
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
                outcome = try merge(task, privateDirectory: privateDirectory)
            } else {
                let scorer = BatchScorer(model: model, options: configuration.scoring, logger: log)
                outcome = try scorer.score(
                    batchDirectory: configuration.spool.batches + "/" + task.jobID,
                    results: ResultPaths(besideScores: privateDirectory + "/scores.csv"))
            }
            guard !lost.isSet,
                try store.completeTask(
                    task, customers: outcome.customers, scored: outcome.scored, rejectedRows: outcome.rejectedRows,
                    resultPath: privateDirectory)
            else {
                log.warning("lease lost; result discarded")
                try? FileManager.default.removeItem(atPath: privateDirectory)
                return
            }
            publish(privateDirectory, job: task.jobID)
            try? FileManager.default.removeItem(atPath: stagedDirectory(task.jobID))
            let seconds = Timestamp.monotonicSeconds() - started
            log.info(
                "task done",
                metadata: [
                    ("rows", "\(outcome.customers)"), ("seconds", "\((seconds * 1000).rounded() / 1000)"),
                    ("rows_per_s", "\(Int(Double(outcome.customers) / max(seconds, 1e-6)))"),
                ])
        } catch let error as ScoringError where error.code != .io {
            // Bad data: retrying cannot help. Publish what explains it: error.json, and rejects.csv and
            // summary.json when the reject share was exceeded.
            let explanation: JSONValue = [
                "batch": .string(task.jobID), "error": .string(error.message), "code": .string(error.code.rawValue),
            ]
            try? FileIO.makeDirectories(privateDirectory)
            try? FileIO.writeAtomically(privateDirectory + "/error.json", Array((explanation.text + "\n").utf8))
            if (try? store.failTask(task, reason: error.message, retryAfter: nil)) == true {
                publish(privateDirectory, job: task.jobID)
            } else {
                try? FileManager.default.removeItem(atPath: privateDirectory)
            }
            log.info("task failed", metadata: [("error", error.message)])
        } catch {
            let base = configuration.backoffSeconds * pow(2, Double(task.attempt - 1))
            let delay = min(60, base * Double.random(in: 0.5...1.5))
            _ = try? store.failTask(task, reason: "\(error)", retryAfter: delay)
            try? FileManager.default.removeItem(atPath: privateDirectory)
            log.warning("task failed; will retry", metadata: [("error", "\(error)"), ("retry_in_s", "\(delay)")])
        }
    }

    /// Where a split job's intermediate files live: `work/<job>.staged/`.
    func stagedDirectory(_ job: String) -> String { configuration.spool.work + "/" + job + ".staged" }

    private func manifest(_ job: String) throws -> Manifest {
        let path = configuration.spool.batches + "/" + job + "/manifest.json"
        do { return try Manifest(parsing: Data(FileIO.readFile(path, limit: 1 << 20))) } catch {
            throw ScoringError(.manifest, "cannot read \(path): \(error)")
        }
    }

    /// The job's bucket count: its number of bucket tasks, as ingest planned them.
    private func buckets(_ job: String, _ manifest: Manifest) throws -> Int {
        max(1, try store.taskCount(job: job, stage: TaskPlan.Stage.bucket.rawValue))
    }

    /// A partition or bucket task: writes into the private folder, then renames it into the job's staged folder
    /// (a rescued duplicate writes identical bytes, so whichever rename lands first is kept).
    private func runIntermediate(_ task: ClaimedTask, privateDirectory: String) throws {
        let manifest = try manifest(task.jobID)
        let buckets = try buckets(task.jobID, manifest)
        let staged = stagedDirectory(task.jobID)
        try FileIO.makeDirectories(staged)
        let batch = configuration.spool.batches + "/" + task.jobID
        let target: String
        if task.stage == StagedScoring.Stage.partition.rawValue {
            let party = manifest.parties[task.part]
            let raw = batch + "/" + party + ".csv"
            try StagedScoring.partition(
                shard: FileIO.exists(raw) ? raw : batch + "/" + party + ".repr.csv", party: party, key: model.key,
                buckets: buckets, expectedRows: manifest.rows[party], output: privateDirectory)
            target = staged + "/partition-" + party
        } else {
            // The bucket's batch folder: each party's bucket file under its shard name, and a manifest.
            for party in manifest.parties {
                let name = FileIO.exists(batch + "/" + party + ".csv") ? party + ".csv" : party + ".repr.csv"
                try FileIO.link(staged + "/partition-" + party + "/\(task.part).csv", to: privateDirectory + "/" + name)
            }
            try FileIO.writeAtomically(
                privateDirectory + "/manifest.json",
                Array(Manifest(batch: task.jobID, parties: manifest.parties).jsonText.utf8))
            var options = configuration.scoring
            options.maxRejectShare = 1  // the batch's share is checked when the buckets are merged
            try FileIO.makeDirectories(privateDirectory + "/out")
            _ = try BatchScorer(model: model, options: options, logger: logger).score(
                batchDirectory: privateDirectory,
                results: ResultPaths(besideScores: privateDirectory + "/out/scores.csv"))
            target = staged + "/bucket-\(task.part)"
        }
        do { try FileIO.rename(privateDirectory, to: target) } catch {
            // Already there from a rescued attempt: identical content.
            try? FileManager.default.removeItem(atPath: privateDirectory)
        }
    }

    /// The merge task: the buckets' results merged by key, the summaries summed, the batch's reject share checked.
    private func merge(_ task: ClaimedTask, privateDirectory: String) throws -> BatchOutcome {
        let manifest = try manifest(task.jobID)
        let buckets = try buckets(task.jobID, manifest)
        let staged = stagedDirectory(task.jobID)
        let outputs = (0..<buckets).map { staged + "/bucket-\($0)/out" }
        var summaries: [JSONValue] = []
        for output in outputs {
            summaries.append(try JSONValue(parsing: Data(FileIO.readFile(output + "/summary.json", limit: 1 << 24))))
        }
        let merged = StagedScoring.mergeSummaries(
            summaries, batch: manifest.batch, model: model, maxRejectShare: configuration.scoring.maxRejectShare)
        try StagedScoring.mergeByKey(outputs.map { $0 + "/rejects.csv" }, into: privateDirectory + "/rejects.csv")
        try FileIO.writeAtomically(privateDirectory + "/summary.json", Array((merged.summary.text + "\n").utf8))
        if merged.rejectShare > configuration.scoring.maxRejectShare {
            throw ScoringError(
                .tooManyRejects,
                "\(merged.rejectedCustomers) of \(merged.population) customers rejected, more than the allowed share "
                    + "\(configuration.scoring.maxRejectShare); see rejects.csv")
        }
        try StagedScoring.mergeByKey(outputs.map { $0 + "/scores.csv" }, into: privateDirectory + "/scores.csv")
        return BatchOutcome(
            customers: merged.summary["customers"]?.int ?? 0, scored: merged.summary["scored"]?.int ?? 0,
            rejectedRows: merged.summary["rejected_rows"]?.int ?? 0, summary: merged.summary)
    }

    private func publish(_ directory: String, job: String) {
        let target = configuration.spool.results + "/" + job
        do {
            // A retried job replaces the explanation its failure published.
            if FileIO.exists(target) {
                let aside = configuration.spool.work + "/replaced-" + job + "-\(Timestamp.now().microseconds)"
                try FileIO.rename(target, to: aside)
                try? FileManager.default.removeItem(atPath: aside)
            }
            try FileIO.rename(directory, to: target)
            try FileIO.sync(configuration.spool.results)
        } catch {
            logger.warning("publish failed; retried at restart", metadata: [("job.id", job), ("error", "\(error)")])
        }
    }
}
