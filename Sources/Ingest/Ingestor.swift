public import Core
import Foundation
public import Model
import Registry
public import Spool
public import Store

#if canImport(Glibc)
import Glibc
#endif

/// Ingest's settings.
public struct IngestConfiguration: Sendable {
    /// The spool.
    public var spool: Spool
    /// Seconds between full rescans of the inbox (the source of truth; inotify only wakes ingest sooner).
    public var rescanInterval: Double
    /// The largest shard accepted, in bytes.
    public var maxShardBytes: Int
    /// The memory a worker may use for one task, in bytes: larger batches are split into tasks (default 512 MB).
    public var memoryBound: Int = 512_000_000
    /// How long the manifest and shards must have been unchanged before a batch is taken, in seconds: a file written
    /// in place (without the `.part`-and-rename discipline) is never read half-written.
    public var settleSeconds: Double
    /// Where the startup model's file is (informational: jobs are pinned to registry models, whose files are the
    /// spool's `models/<id>.json`).
    public var modelPath: String? = nil
    /// Seconds between recovery passes (held jobs, folders of `batches/` without a job), besides the one at start.
    public var recoveryInterval: Double = 10
    /// Whether every shard's keys must be declared tokenized (`VFL_REQUIRE_TOKENS=1`): a shard with raw keys, or
    /// whose first rows hold keys that are not tokens (a raw tax id, `NNN-NN-NNNN`), refuses its batch.
    public var requireTokens = false
    /// How many of each shard's first rows ingest checks for keys that are not tokens.
    public var sampledKeyRows = 1000

    /// Creates settings.
    public init(spool: Spool, rescanInterval: Double = 1.0, maxShardBytes: Int = 64 << 30, settleSeconds: Double = 0.5)
    {
        self.spool = spool
        self.rescanInterval = rescanInterval
        self.maxShardBytes = maxShardBytes
        self.settleSeconds = settleSeconds
    }
}

/// Watches `spool/inbox`, validates each complete batch and records it as a job.
///
/// A batch is taken only when its `manifest.json` is present; `*.part` files and dot-files are never read. Entries are
/// opened relative to the batch folder with `O_NOFOLLOW | O_NONBLOCK` and checked to be regular files with one link,
/// so symlinks, hard links, FIFOs and devices are never followed or read as data. An accepted batch moves by rename to
/// `spool/batches/<id>` and its job is recorded; a refused one moves to `spool/rejected/` with an `error.json` and is
/// recorded as `rejected`.
///
/// Every job is pinned at acceptance to a registry model: the manifest's `"model"` (an id, `NAME@VERSION` or an
/// alias), else the `champion` alias, with its challengers; the batch is checked against that model, and the job keeps
/// its id forever. An unknown model rejects the batch, naming the field.
public final class Ingestor: @unchecked Sendable {
    // Used from the ingest thread only.
    private let configuration: IngestConfiguration
    private let store: any JobStore
    private let model: SplitModel
    private let logger: Logger
    private let registrar: ModelRegistrar
    private let models: ModelCatalog
    /// The registry as read for this scan's batches: read once a scan, and again after a pin failed on it or the
    /// store refused a record pinned from it (a model removed, an alias moved), so that a batch is refused only on a
    /// fresh read and the batches after it are pinned from one.
    private var registry: RegistrySnapshot?

    /// Creates an ingestor; `model` is the one it was started with (registered by the caller, see
    /// ``ModelRegistrar/adoptStartupModel(file:explicit:actor:)``), also recorded on orphans when there is no champion.
    public init(configuration: IngestConfiguration, store: any JobStore, model: SplitModel, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.model = model
        self.logger = logger
        self.registrar = ModelRegistrar(store: store, spool: configuration.spool)
        self.models = ModelCatalog(store: store, spool: configuration.spool, preloaded: model)
    }

    /// The outcome of one scan.
    public struct ScanOutcome: Sendable, Equatable {
        /// Batches recorded as jobs.
        public var accepted = 0
        /// Entries refused.
        public var rejected = 0
        /// Complete batches waiting for their settle time.
        public var settling = 0

        /// Creates counts.
        public init(accepted: Int = 0, rejected: Int = 0) {
            self.accepted = accepted
            self.rejected = rejected
        }
    }

    /// Creates the spool folders and finishes what a crash or a failing store left between two states: a held job
    /// (recorded, its batch not moved or not released) is moved and released; a folder in `batches/` without any job
    /// (only possible when the job store was lost or replaced) is recorded as a failed job, loudly, never re-scored
    /// silently. Runs at start and every ``IngestConfiguration/recoveryInterval``.
    ///
    /// - Throws: ``SystemError`` or ``StoreError``.
    public func recover() throws {
        try configuration.spool.create()
        try recoverHeldJobs()
        try recoverRejectionRecords()
        let spool = configuration.spool
        for name in try Spool.list(spool.batches) where BatchID.isValid(name) {
            guard try !store.jobExists(name) else { continue }
            let folder = spool.batch(name)
            let manifest = try? Manifest(parsing: Data(FileIO.readFile(folder + "/manifest.json", limit: 1 << 20)))
            let parties = manifest?.parties ?? []
            let shards = manifest.flatMap { try? Shard.resolve($0, in: folder) }
            let published = spool.hasPublishedScores(name) ? "; results/\(name) holds earlier results, kept" : ""
            let reason =
                "batch \(name) was found in batches/ without any job history (the job store was lost or replaced)"
                + published + "; not scored again automatically: run `vfl retry \(name)` to score it"
            let champion = (try? registrar.pin(model: nil, challengers: []))
            try store.recordOrphan(
                id: name, parties: parties, modelID: champion?.id ?? model.id, modelName: champion?.name ?? model.name,
                shards: shards.map(Shard.jsonText), tasks: plan(shards ?? []), reason: reason)
            logger.error("batch without job history", metadata: [("job.id", name), ("reason", reason)])
        }
    }

    /// Writes the `error.json` a rejected batch lacks (the disk was full, or ingest died, after its rejection was
    /// recorded and its folder moved), from the reason the store keeps.
    private func recoverRejectionRecords() throws {
        let spool = configuration.spool
        for job in try store.jobs(state: .rejected, limit: 10_000) where BatchID.isValid(job.id) {
            let folder = spool.rejected + "/" + job.id
            guard FileIO.isDirectory(folder), !FileIO.exists(folder + "/error.json") else { continue }
            writeError(for: folder, id: job.id, reason: job.error ?? "rejected", stamp: job.createdAt)
        }
    }

    /// Moves and releases held jobs: recorded before their batch moved (a crash, a full disk or a busy store between
    /// the two steps).
    private func recoverHeldJobs() throws {
        let spool = configuration.spool
        for id in try store.heldJobs() {
            // The inbox first, then batches/: a batch only moves from the one to the other (another ingest may be
            // moving it now), so absent from both, in that order, means gone.
            if FileIO.exists(spool.inbox + "/" + id) {
                // Not over a folder already moved (a new drop under the same name waits as a duplicate).
                if !FileIO.exists(spool.batch(id)) { try spool.accept(id) }
                try store.releaseHeldJob(id)
            } else if FileIO.exists(spool.batch(id)) {
                try store.releaseHeldJob(id)
            } else {
                try store.failJob(id, reason: "the batch's files disappeared between its acceptance and its move")
                try store.releaseHeldJob(id)
                continue
            }
            logger.info("held batch released", metadata: [("job.id", id)])
        }
    }

    /// Scans the inbox once.
    ///
    /// - Throws: ``StoreError`` when the store fails (files are left in place to be retried).
    @discardableResult
    public func scanOnce() throws -> ScanOutcome {
        var outcome = ScanOutcome()
        registry = nil
        try recoverHeldJobs()
        let names = (try? InboxEntry.list(configuration.spool.inbox)) ?? []
        // One read of the scan's batches (a few statements, not one per batch), made before any is looked at: what
        // ``sighting(_:_:directory:)`` needs of it (a read before the look at `batches/`) holds for every batch.
        let candidates = names.compactMap(\.name).filter { BatchID.isValid($0) && !$0.hasSuffix(".part") }
        let recorded = Dictionary(try store.jobs(ids: candidates).map { ($0.id, $0) }) { a, _ in a }
        // Checked batches are recorded together, up to ``recordGroup`` at a time (one round trip and one durable
        // commit for a networked store), in the order found.
        var checked: [CheckedBatch] = []
        var groupStarted = 0.0
        func count(_ result: Result) {
            switch result {
            case .accepted: outcome.accepted += 1
            case .rejected: outcome.rejected += 1
            case .notReady, .checked: break
            case .settling: outcome.settling += 1
            }
        }
        for entry in names.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            guard let name = entry.name else {
                try rejectUndecodable(entry)
                outcome.rejected += 1
                continue
            }
            if name.hasPrefix(".") || name.hasSuffix(".part") { continue }
            let result: Result
            do { result = try ingest(name, recorded: recorded[name]) } catch {
                // The batches checked so far are not checked again at the next scan.
                if !checked.isEmpty { _ = try? accept(checked) }
                throw error
            }
            if case .checked(let batch) = result {
                if checked.isEmpty { groupStarted = Timestamp.monotonicSeconds() }
                checked.append(batch)
                if checked.count == Self.recordGroup
                    || Timestamp.monotonicSeconds() - groupStarted >= Self.recordGroupSeconds
                {
                    try accept(checked).forEach(count)
                    checked = []
                }
            }
            count(result)
        }
        if !checked.isEmpty { try accept(checked).forEach(count) }
        return outcome
    }

    /// The most batches of a scan recorded together: a durable commit shared by a few dozen is most of the saving,
    /// and the first of them waits for the checks of the others before it can be claimed.
    public static let recordGroup = 32

    /// How long the first batch of a group may wait for the checks of the batches after it (large shards take long to
    /// hash): the group is recorded as soon as a check ends this long after the first batch's, however few it holds,
    /// so the first waits this long plus at most one other batch's check.
    static let recordGroupSeconds = 0.1

    /// Runs until `shouldStop` returns true: waits for inotify events or the rescan interval, then scans.
    public func run(shouldStop: @escaping @Sendable () -> Bool) throws {
        try recover()
        let watcher = InboxWatcher(path: configuration.spool.inbox)
        var lastRecovery = Timestamp.monotonicSeconds()
        while !shouldStop() {
            try store.checkFile(logger: logger)  // deleted or replaced: exit, to be restarted on the real file
            var settling = false
            do { settling = try scanOnce().settling > 0 } catch {
                logger.error("scan failed", metadata: [("error", "\(error)")])
            }
            if Timestamp.monotonicSeconds() - lastRecovery >= configuration.recoveryInterval {
                lastRecovery = Timestamp.monotonicSeconds()
                do { try recover() } catch { logger.error("recovery failed", metadata: [("error", "\(error)")]) }
            }
            // A batch waiting out its settle time is looked at again soon, not at the next rescan.
            watcher.wait(seconds: settling ? min(0.05, configuration.rescanInterval) : configuration.rescanInterval)
        }
    }

    enum Result {
        case accepted
        case rejected
        case notReady
        /// Complete, but a file changed less than the settle time ago.
        case settling
        /// Checked and to be accepted, with the scan's other checked batches (``accept(_:)``).
        case checked(CheckedBatch)
    }

    /// A batch that passed every check, to be recorded, moved and released.
    struct CheckedBatch {
        var name: String
        var parties: [String]
        var shards: [Shard]
        var model: JobModel
    }

    struct Rejection: Error {
        var reason: String
    }

    /// A file of the batch changed too recently: look again at the next scan.
    struct NotSettled: Error {}

    /// The job's model is registered but its file cannot be loaded here: the batch waits in the inbox.
    struct ModelUnavailable: Error {
        var id: String
    }

    private func isSettled(_ info: stat) -> Bool {
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let age = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - modified
        // A modification time well in the future (clock skew, `touch -d`) cannot tell; it must not hold the batch
        // forever. Workers still check the shard's identity before scoring.
        return age >= configuration.settleSeconds || age < -60
    }

    /// Ingests the inbox entry `name`, its job as read at the start of the scan (`recorded`).
    private func ingest(_ name: String, recorded: JobRecord?) throws -> Result {
        let inbox = configuration.spool.inbox
        let path = inbox + "/" + name
        var info = stat()
        guard lstat(path, &info) == 0 else { return .notReady }
        let kind = info.st_mode & S_IFMT
        guard BatchID.isValid(name) else {
            return try reject(
                entry: name, id: nil, parties: [],
                reason: "the inbox entry \(InboxEntry.readable(Array(name.utf8))) is not a valid batch id "
                    + "(1-128 of A-Z a-z 0-9 . _ -, not starting with .)")
        }
        guard kind == S_IFDIR else {
            if let finished = try finishRecordedRefusal(name, recorded) { return finished }
            let what = kind == S_IFLNK ? "a symbolic link" : kind == S_IFREG ? "a file" : "not a folder"
            return try reject(
                entry: name, id: name, parties: [], reason: "the inbox entry is \(what), not a batch folder")
        }
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { return .notReady }
        defer { close(directory) }
        // Not ready until the manifest has arrived.
        var manifestInfo = stat()
        guard fstatat(directory, "manifest.json", &manifestInfo, AT_SYMLINK_NOFOLLOW) == 0 else { return .notReady }
        guard isSettled(manifestInfo) else { return .settling }
        // The scan's read of the job serves the refusal's recovery and the sighting below.
        if let finished = try finishRecordedRefusal(name, recorded) { return finished }
        var parties: [String] = []
        var shards: [Shard] = []
        var declarations: [TokenScheme.Declaration] = []
        var pin = JobModel(id: model.id, name: model.name)
        do {
            let manifestBytes = try readEntry(directory, "manifest.json", limit: 1 << 20)
            let manifest: Manifest
            do { manifest = try Manifest(parsing: Data(manifestBytes)) } catch { throw Rejection(reason: "\(error)") }
            parties = manifest.parties
            guard manifest.batch == name else {
                throw Rejection(
                    reason: "manifest.json: field \"batch\" is \"\(manifest.batch)\", the folder is \(name)")
            }
            switch try sighting(name, recorded, directory: directory) {
            case .new: break
            case .takenByAnotherIngest: return .notReady
            case .duplicate:
                return try reject(
                    entry: name, id: name, parties: parties, reason: "duplicate batch id: \(name) was seen before")
            }
            do { pin = try self.pin(manifest) } catch let error as RegistryError {
                throw Rejection(reason: error.message)
            }
            guard let model = models.model(id: pin.id) else { throw ModelUnavailable(id: pin.id) }
            for party in manifest.parties {
                guard let p = model.partyIndex(party) else {
                    throw Rejection(reason: "manifest.json lists party \(party), which the model does not have")
                }
                var shard: Shard
                do { shard = try Shard.resolve(party: party, in: path) } catch let error as SpoolError {
                    throw Rejection(reason: error.message)
                }
                shard.rows = manifest.rows[party]
                shard.sha256 = manifest.sha256[party]
                shard.keys = manifest.keys[party]
                let scheme = try checkShard(directory, model: model, party: p, shard: shard, manifest: manifest)
                declarations.append(.init(party: party, manifest: shard.keys, shard: scheme))
                shards.append(shard)
            }
            do { try TokenScheme.agreed(declarations) } catch let error as TokenScheme.Error {
                throw Rejection(reason: error.message)
            }
        } catch let rejection as Rejection {
            // Files read by path vanish when another ingest moves the folder meanwhile: not this batch's fault.
            if try sighting(name, try store.job(name), directory: directory) == .takenByAnotherIngest {
                return .notReady
            }
            return try reject(entry: name, id: name, parties: parties, reason: rejection.reason)
        } catch is NotSettled {
            return .settling
        } catch let unavailable as ModelUnavailable {
            logger.warning(
                "the batch's model cannot be loaded; the batch waits",
                metadata: [("job.id", name), ("model", unavailable.id), ("models", configuration.spool.models)])
            return .notReady
        }
        return .checked(CheckedBatch(name: name, parties: parties, shards: shards, model: pin))
    }

    /// The batch's pin (``ModelRegistrar/pin(model:challengers:in:)``) from this scan's read of the registry, or from
    /// a fresh one when that read cannot pin it.
    ///
    /// - Throws: ``RegistryError`` (decided on a fresh read), ``StoreError``.
    private func pin(_ manifest: Manifest) throws -> JobModel {
        if let registry,
            let pin = try? registrar.pin(model: manifest.model, challengers: manifest.challengers, in: registry)
        {
            return pin
        }
        let fresh = try store.registrySnapshot()
        registry = fresh
        return try registrar.pin(model: manifest.model, challengers: manifest.challengers, in: fresh)
    }

    /// Finishes a refusal recorded whose move a crash cut short, with the recorded reason (not as a duplicate); `nil`
    /// when `name` has no such refusal (`recorded`: its job as the scan read it). Asked only of entries that can be
    /// decided now (a folder with a settled manifest, or not a folder).
    private func finishRecordedRefusal(_ name: String, _ recorded: JobRecord?) throws -> Result? {
        if let existing = recorded, existing.state == .rejected,
            !FileIO.exists(configuration.spool.rejected + "/" + name)
        {
            let moved: String
            do { moved = try configuration.spool.moveToRejected(entry: name, as: name) } catch let error as SystemError
                where error.errno == ENOENT
            {
                return Result.notReady  // another ingest sharing the spool finished this refusal first
            }
            writeError(
                for: moved, id: name, reason: existing.error ?? "rejected", stamp: Timestamp.now().microseconds)
            logger.info("batch rejected", metadata: [("job.id", name), ("reason", existing.error ?? "rejected")])
            return Result.rejected
        }
        return nil
    }

    /// What a batch id in the inbox is to the store and `batches/`.
    enum Sighting {
        /// Never seen: to be accepted (a unique insert decides between ingests racing for it).
        case new
        /// Being accepted by another ingest sharing the spool (or by this one before a crash): its job is held
        /// (that ingest or recovery moves it), or the folder opened from the inbox is the very folder now in
        /// `batches/` (moved since it was opened).
        case takenByAnotherIngest
        /// Seen before: a job or another folder in `batches/` has the id.
        case duplicate
    }

    /// Decides from one read of the job (`existing`, read before the call) and one look at `batches/<name>` (now), in
    /// that order: a job is released only after its move, so a released job read first has its folder there when
    /// looked at; a second read could see another ingest's record made in between and take the batch for a duplicate
    /// of itself.
    private func sighting(_ name: String, _ existing: JobRecord?, directory: Int32) throws -> Sighting {
        if existing?.held == true { return .takenByAnotherIngest }
        guard let accepted = FileIdentity.of(configuration.spool.batch(name)) else {
            return existing == nil ? .new : .duplicate
        }
        guard let opened = FileIdentity.of(fileDescriptor: directory) else { return .duplicate }
        return opened.inode == accepted.inode && opened.device == accepted.device ? .takenByAnotherIngest : .duplicate
    }

    /// Records the jobs held, moves their batches into `batches/`, then releases the jobs: a crash or failure between
    /// the steps leaves held jobs that recovery completes, never a batch without its job. A busy or full store leaves
    /// a batch in the inbox for the next scan. Answers each batch's result, in order.
    private func accept(_ batches: [CheckedBatch]) throws -> [Result] {
        try Failpoint.hit("ingest.accept.before-record")
        let refusals = store.createJobs(
            batches.map { batch in
                NewJob(
                    id: batch.name, parties: batch.parties, model: batch.model, modelPath: nil,
                    shards: Shard.jsonText(batch.shards), held: true, tasks: plan(batch.shards, pin: batch.model))
            })
        var results: [Result] = []
        var recorded: [CheckedBatch] = []
        var failure: StoreError?
        for (batch, refusal) in zip(batches, refusals) {
            guard let refusal else {
                recorded.append(batch)
                results.append(.accepted)
                continue
            }
            if let result = refused(batch.name, refusal) {
                results.append(result)
            } else {
                failure = failure ?? refusal
                results.append(.notReady)
            }
        }
        if !recorded.isEmpty { try moveAndRelease(recorded) }
        if let failure { throw failure }
        return results
    }

    /// What a store's refusal to record a batch means for it (`nil`: a failure of the store, thrown by the caller).
    private func refused(_ name: String, _ refusal: StoreError) -> Result? {
        switch refusal.code {
        case .notFound:
            // The model was removed between its resolution and the record: resolved again at the next scan.
            registry = nil
            logger.info("batch's model removed meanwhile; resolved again", metadata: [("job.id", name)])
            return .notReady
        case .staleGeneration:
            registry = nil
            // The alias (`champion`) moved while the batch was checked: pinned again, and checked against the
            // alias's new model, at the next scan (soon: reported as settling).
            logger.info("the batch's alias moved meanwhile; pinned again", metadata: [("job.id", name)])
            return .settling
        case .constraint:
            // Another ingest sharing the spool recorded it first: that one moves it (the next scan sees it held).
            logger.info("batch recorded by another ingest", metadata: [("job.id", name)])
            return .notReady
        case .busy, .full:
            logger.warning(
                "cannot record the batch yet; retried", metadata: [("job.id", name), ("error", "\(refusal)")])
            return .settling
        default:
            return nil
        }
    }

    /// Moves recorded batches into `batches/` and releases their jobs; a batch not moved or not released is left to
    /// recovery (its job stays held).
    private func moveAndRelease(_ recorded: [CheckedBatch]) throws {
        try Failpoint.hit("ingest.accept.after-record")
        var moved: [CheckedBatch] = []
        for batch in recorded {
            do {
                try configuration.spool.accept(batch.name)
                moved.append(batch)
            } catch {
                logger.warning(
                    "batch recorded but not moved; recovery retries",
                    metadata: [("job.id", batch.name), ("error", "\(error)")])
            }
        }
        guard !moved.isEmpty else { return }
        do {
            try Failpoint.hit("ingest.accept.before-release")
            try store.releaseHeldJobs(moved.map(\.name))
        } catch {
            for batch in moved {
                logger.warning(
                    "batch moved but not released; recovery retries",
                    metadata: [("job.id", batch.name), ("error", "\(error)")])
            }
            return
        }
        for batch in moved {
            logger.info(
                "batch accepted",
                metadata: [
                    ("job.id", batch.name), ("parties", batch.parties.joined(separator: ",")),
                    ("model", batch.model.id), ("model.alias", batch.model.alias ?? ""),
                ])
        }
    }

    /// The job's tasks, from the size of its (already checked) shards, what its challengers add
    /// (``TaskPlan/plannedBytes(shardBytes:challengers:)``) and the memory bound.
    private func plan(_ shards: [Shard], pin: JobModel? = nil) -> [TaskSpec] {
        var inputs: [[TaskPlan.ChallengerInput]] = []
        if let pin, !pin.challengers.isEmpty, let champion = models.model(id: pin.id) {
            // A challenger that cannot be loaded here is counted as reading every shard into inputs of its own.
            let challengers = pin.challengers.map { models.model(id: $0) }
            inputs = shards.map { shard in
                let own = champion.partyIndex(shard.party).map { champion.parties[$0] }
                return challengers.map { challenger in
                    guard let challenger else { return .own }
                    guard let p = challenger.partyIndex(shard.party) else { return .none }
                    let party = challenger.parties[p]
                    return shard.input == .features && own.map(party.readsInputs(like:)) == true ? .shared : .own
                }
            }
        }
        let bytes = TaskPlan.plannedBytes(shardBytes: shards.map { Int($0.identity.size) }, challengers: inputs)
        return TaskPlan.tasks(
            parties: shards.count, buckets: TaskPlan.buckets(shardBytes: bytes, memoryBound: configuration.memoryBound)
        )
    }

    /// Opens an entry of the batch folder safely and returns its descriptor after checking it is a regular file with
    /// one link and at most `limit` bytes.
    private func openEntry(_ directory: Int32, _ name: String, limit: Int) throws -> (Int32, Int) {
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let reason =
                errno == ELOOP ? "is a symbolic link" : "cannot be opened (\(String(cString: strerror(errno))))"
            throw Rejection(reason: "\(name) \(reason)")
        }
        var info = stat()
        fstat(fd, &info)
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw Rejection(reason: "\(name) is not a regular file")
        }
        guard info.st_nlink == 1 else {
            close(fd)
            throw Rejection(reason: "\(name) has \(info.st_nlink) hard links; shards must be plain files")
        }
        guard Int(info.st_size) <= limit else {
            close(fd)
            throw Rejection(reason: "\(name) is larger than the limit of \(limit) bytes")
        }
        guard isSettled(info) else {
            close(fd)
            throw NotSettled()
        }
        // Reads must block normally from here on.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int(info.st_size))
    }

    private func readEntry(_ directory: Int32, _ name: String, limit: Int) throws -> [UInt8] {
        let (fd, size) = try openEntry(directory, name, limit: limit)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, size - offset) }
            if n <= 0 { break }
            offset += n
        }
        return Array(bytes[0..<offset])
    }

    /// Checks one party's shard: a safe regular file, the one resolved (not replaced meanwhile), its header holding the
    /// key and the model's columns, its key declaration (and, for tokens or under ``IngestConfiguration/requireTokens``,
    /// its first rows' keys), and its checksum when the manifest gives one.
    ///
    /// - Returns: The token scheme its header declares, `nil` for raw keys.
    private func checkShard(
        _ directory: Int32, model: SplitModel, party p: Int, shard: Shard, manifest: Manifest
    ) throws -> TokenScheme? {
        let spec = model.parties[p]
        let hasRaw = shard.input == .features
        let file = shard.file
        let (fd, _) = try openEntry(directory, file, limit: configuration.maxShardBytes)
        defer { close(fd) }
        // Changed since it was resolved: still being written; look again later.
        guard FileIdentity.of(fileDescriptor: fd) == shard.identity else { throw NotSettled() }
        let reader = CSVReader(fileDescriptor: fd, closeWhenDone: false, limits: CSVLimits(chunkBytes: 64 << 10))
        let header: [String]
        do {
            guard try reader.next() else { throw Rejection(reason: "\(file) is empty; a shard needs a header row") }
            header = reader.recordStrings()
        } catch let error as CSVError {
            throw Rejection(
                reason: "\(file) line \(error.line), column \(error.column): \(error.message) (\(error.kind))")
        }
        let needed =
            [model.key]
            + (hasRaw ? spec.inputColumns : (1...spec.representationWidth).map { "r\($0)" } + ["model"])
        for column in needed where !header.contains(column) {
            throw Rejection(reason: "party \(spec.name): \(file) has no column \"\(column)\"")
        }
        let scheme: TokenScheme?
        do { scheme = try TokenScheme.declared(inHeader: header) } catch let error as TokenScheme.Error {
            throw Rejection(reason: "party \(spec.name): \(file): \(error.message)")
        }
        if configuration.requireTokens && scheme == nil {
            throw Rejection(
                reason: "party \(spec.name): \(file) has raw keys, and VFL_REQUIRE_TOKENS=1 requires tokenized keys "
                    + "(vfl tokenize with the consortium's key)")
        }
        if scheme != nil || configuration.requireTokens, let keyColumn = header.firstIndex(of: model.key) {
            try checkKeys(reader, column: keyColumn, key: model.key, party: spec.name, file: file)
        }
        if let expected = manifest.sha256[spec.name] {
            lseek(fd, 0, SEEK_SET)
            let actual = try SHA256.hex(ofFileDescriptor: fd)
            guard actual == expected else {
                throw Rejection(reason: "party \(spec.name): the SHA-256 of \(file) does not match manifest.json")
            }
        }
        return scheme
    }

    /// Checks the keys of a tokenized shard's first rows: each a token (32 lowercase hex characters) or empty. A raw
    /// id there says so (the message never shows the key).
    private func checkKeys(_ reader: CSVReader, column: Int, key keyName: String, party: String, file: String) throws {
        do {
            var rows = 0
            while rows < configuration.sampledKeyRows, try reader.next() {
                rows += 1
                let key = reader.field(column)
                if key.count == 0 || ConsortiumKey.isToken(key) { continue }
                let what =
                    TokenScheme.looksLikeRawTaxID(key)
                    ? "a raw id (NNN-NN-NNNN), not a token" : "a key that is not a token (32 lowercase hex characters)"
                throw Rejection(
                    reason:
                        "party \(party): \(file) line \(reader.recordLine): the key column \(keyName) holds \(what)")
            }
        } catch let error as CSVError {
            throw Rejection(
                reason: "\(file) line \(error.line), column \(error.column): \(error.message) (\(error.kind))")
        }
    }

    /// Records the rejection, moves the refused entry to `rejected/` (never following it) and writes `error.json`
    /// beside or inside it. The record comes first: a full disk that prevents `error.json` still leaves the reason in
    /// the store (and the log). A busy store leaves the entry in the inbox for the next scan.
    private func reject(entry name: String, id: String?, parties: [String], reason: String) throws -> Result {
        let stamp = Timestamp.now().microseconds
        let jobID = id ?? "invalid.\(stamp)"
        do {
            try store.recordRejected(id: jobID, parties: parties, reason: reason)
        } catch let error as StoreError where error.code == .busy || error.code == .full {
            logger.warning(
                "cannot record the rejection yet; retried", metadata: [("job.id", jobID), ("error", "\(error)")])
            return .settling
        }
        let valid = BatchID.isValid(name)
        var target = valid ? name : "invalid"
        if FileIO.exists(configuration.spool.rejected + "/" + target) || !valid { target += ".\(stamp)" }
        let moved = try configuration.spool.moveToRejected(entry: name, as: target)
        writeError(for: moved, id: id, reason: reason, stamp: stamp)
        logger.info("batch rejected", metadata: [("job.id", jobID), ("reason", reason)])
        return .rejected
    }

    /// Writes the `error.json` of a rejected entry; a failure is logged (the store holds the reason).
    private func writeError(for moved: String, id: String?, reason: String, stamp: Int64) {
        let error: JSONValue = [
            "batch": id.map { .string($0) } ?? .null, "reason": .string(reason),
            "rejected_at": .string(Timestamp(microseconds: stamp).iso8601),
        ]
        let errorPath =
            FileIO.isDirectory(moved) && !isSymlink(moved) ? moved + "/error.json" : moved + ".error.json"
        do {
            try Failpoint.hit("ingest.reject.before-error-json")
            try FileIO.writeAtomically(errorPath, Array((error.text + "\n").utf8))
        } catch {
            logger.warning(
                "cannot write error.json; the reason is in the job store",
                metadata: [("path", errorPath), ("error", "\(error)")])
        }
    }

    /// Rejects an inbox entry whose name is not UTF-8 (it can be neither an id nor shown as it is).
    private func rejectUndecodable(_ entry: InboxEntry) throws {
        let stamp = Timestamp.now().microseconds
        let id = "invalid.\(stamp)"
        let reason = "the inbox entry \(InboxEntry.readable(entry.bytes)) has a name that is not UTF-8"
        try store.recordRejected(id: id, parties: [], reason: reason)
        let target = configuration.spool.rejected + "/invalid.\(stamp)"
        try entry.rename(in: configuration.spool.inbox, to: target)
        writeError(for: target, id: nil, reason: reason, stamp: stamp)
        logger.info("batch rejected", metadata: [("job.id", id), ("reason", reason)])
    }

    private func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}
