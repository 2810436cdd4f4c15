public import Core
import Foundation
public import Model
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
public final class Ingestor: @unchecked Sendable {
    // Used from the ingest thread only.
    private let configuration: IngestConfiguration
    private let store: JobStore
    private let model: SplitModel
    private let logger: Logger

    /// Creates an ingestor.
    public init(configuration: IngestConfiguration, store: JobStore, model: SplitModel, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.model = model
        self.logger = logger
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

    /// Creates the spool folders and records jobs for batches a crash left in `batches/` without one.
    ///
    /// - Throws: ``SystemError`` or ``StoreError``.
    public func recover() throws {
        try configuration.spool.create()
        for name in try listDirectory(configuration.spool.batches) where BatchID.isValid(name) {
            if try !store.jobExists(name) {
                let folder = configuration.spool.batches + "/" + name
                let manifest = try? Manifest(parsing: Data(FileIO.readFile(folder + "/manifest.json", limit: 1 << 20)))
                let parties = manifest?.parties ?? []
                try store.createJob(
                    id: name, parties: parties, modelID: model.id, modelName: model.name,
                    tasks: plan(folder: folder, parties: parties))
                logger.info("batch recovered", metadata: [("job.id", name)])
            }
        }
    }

    /// Scans the inbox once.
    ///
    /// - Throws: ``StoreError`` when the store fails (files are left in place to be retried).
    @discardableResult
    public func scanOnce() throws -> ScanOutcome {
        var outcome = ScanOutcome()
        let names = (try? listDirectory(configuration.spool.inbox)) ?? []
        for name in names.sorted() {
            if name.hasPrefix(".") || name.hasSuffix(".part") { continue }
            switch try ingest(name) {
            case .accepted: outcome.accepted += 1
            case .rejected: outcome.rejected += 1
            case .notReady: break
            case .settling: outcome.settling += 1
            }
        }
        return outcome
    }

    /// Runs until `shouldStop` returns true: waits for inotify events or the rescan interval, then scans.
    public func run(shouldStop: @escaping @Sendable () -> Bool) throws {
        try recover()
        let watcher = InboxWatcher(path: configuration.spool.inbox)
        while !shouldStop() {
            try store.checkFile(logger: logger)  // deleted or replaced: exit, to be restarted on the real file
            var settling = false
            do { settling = try scanOnce().settling > 0 } catch {
                logger.error("scan failed", metadata: [("error", "\(error)")])
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
    }

    struct Rejection: Error {
        var reason: String
    }

    /// A file of the batch changed too recently: look again at the next scan.
    struct NotSettled: Error {}

    private func isSettled(_ info: stat) -> Bool {
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - modified >= configuration.settleSeconds
    }

    private func ingest(_ name: String) throws -> Result {
        let inbox = configuration.spool.inbox
        let path = inbox + "/" + name
        var info = stat()
        guard lstat(path, &info) == 0 else { return .notReady }
        let kind = info.st_mode & S_IFMT
        guard BatchID.isValid(name) else {
            return try reject(entry: name, id: nil, parties: [], reason: "the name is not a valid batch id")
        }
        guard kind == S_IFDIR else {
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
        var parties: [String] = []
        do {
            let manifestBytes = try readEntry(directory, "manifest.json", limit: 1 << 20)
            let manifest: Manifest
            do { manifest = try Manifest(parsing: Data(manifestBytes)) } catch { throw Rejection(reason: "\(error)") }
            parties = manifest.parties
            guard manifest.batch == name else {
                throw Rejection(
                    reason: "manifest.json: field \"batch\" is \"\(manifest.batch)\", the folder is \(name)")
            }
            if try store.jobExists(name) || FileIO.exists(configuration.spool.batches + "/" + name) {
                return try reject(
                    entry: name, id: name, parties: parties, reason: "duplicate batch id: \(name) was seen before")
            }
            for party in manifest.parties {
                guard let p = model.partyIndex(party) else {
                    throw Rejection(reason: "manifest.json lists party \(party), which the model does not have")
                }
                try checkShard(directory, party: p, manifest: manifest)
            }
        } catch let rejection as Rejection {
            return try reject(entry: name, id: name, parties: parties, reason: rejection.reason)
        } catch is NotSettled {
            return .settling
        }
        let tasks = plan(folder: path, parties: parties)
        try FileIO.rename(path, to: configuration.spool.batches + "/" + name)
        try store.createJob(id: name, parties: parties, modelID: model.id, modelName: model.name, tasks: tasks)
        logger.info("batch accepted", metadata: [("job.id", name), ("parties", parties.joined(separator: ","))])
        return .accepted
    }

    /// The job's tasks, from the size of its (already checked) shards and the memory bound.
    private func plan(folder: String, parties: [String]) -> [TaskSpec] {
        let bytes = parties.reduce(0) { total, party in
            total + FileIO.size(folder + "/" + party + ".csv") + FileIO.size(folder + "/" + party + ".repr.csv")
        }
        return TaskPlan.tasks(
            parties: parties.count, buckets: TaskPlan.buckets(shardBytes: bytes, memoryBound: configuration.memoryBound)
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

    /// Checks one party's shard: present once, a safe regular file, its header holding the key and the model's
    /// columns, and its checksum when the manifest gives one.
    private func checkShard(_ directory: Int32, party p: Int, manifest: Manifest) throws {
        let spec = model.parties[p]
        var rawInfo = stat()
        var reprInfo = stat()
        let hasRaw = fstatat(directory, spec.name + ".csv", &rawInfo, AT_SYMLINK_NOFOLLOW) == 0
        let hasRepr = fstatat(directory, spec.name + ".repr.csv", &reprInfo, AT_SYMLINK_NOFOLLOW) == 0
        guard hasRaw != hasRepr else {
            throw Rejection(
                reason: hasRaw
                    ? "party \(spec.name) has both \(spec.name).csv and \(spec.name).repr.csv"
                    : "manifest.json lists party \(spec.name), but there is no \(spec.name).csv")
        }
        let file = spec.name + (hasRaw ? ".csv" : ".repr.csv")
        let (fd, _) = try openEntry(directory, file, limit: configuration.maxShardBytes)
        defer { close(fd) }
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
            + (hasRaw ? spec.features.map(\.name) : (1...spec.representationWidth).map { "r\($0)" } + ["model"])
        for column in needed where !header.contains(column) {
            throw Rejection(reason: "party \(spec.name): \(file) has no column \"\(column)\"")
        }
        if let expected = manifest.sha256[spec.name] {
            lseek(fd, 0, SEEK_SET)
            let actual = try SHA256.hex(ofFileDescriptor: fd)
            guard actual == expected else {
                throw Rejection(reason: "party \(spec.name): the SHA-256 of \(file) does not match manifest.json")
            }
        }
    }

    /// Moves a refused entry to `rejected/` (never following it), writes `error.json`, records the rejection.
    private func reject(entry name: String, id: String?, parties: [String], reason: String) throws -> Result {
        let stamp = Timestamp.now().microseconds
        let safe = BatchID.isValid(name) ? name : "invalid"
        var target = configuration.spool.rejected + "/" + safe
        if FileIO.exists(target) || !BatchID.isValid(name) { target += ".\(stamp)" }
        try FileIO.rename(configuration.spool.inbox + "/" + name, to: target)
        let error: JSONValue = [
            "batch": id.map { .string($0) } ?? .null, "reason": .string(reason),
            "rejected_at": .string(Timestamp(microseconds: stamp).iso8601),
        ]
        let errorPath =
            FileIO.isDirectory(target) && !isSymlink(target) ? target + "/error.json" : target + ".error.json"
        try FileIO.writeAtomically(errorPath, Array((error.text + "\n").utf8))
        let jobID = id ?? "invalid.\(stamp)"
        try store.recordRejected(id: jobID, parties: parties, reason: reason)
        logger.info("batch rejected", metadata: [("job.id", jobID), ("reason", reason)])
        return .rejected
    }

    private func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}

/// The names in a directory (not `.` and `..`).
func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw SystemError(errno: errno, call: "opendir", path: path) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
