import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The spool's folders (docs/spool-protocol.md): where batches arrive, live, and where results go.
public struct Spool: Sendable {
    /// The spool's root folder.
    public var root: String

    /// Creates the layout under `root`.
    public init(root: String) { self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root }

    /// `inbox/`: banks drop `<batch-id>/<party>.csv` and, last, `manifest.json` here.
    public var inbox: String { root + "/inbox" }
    /// `batches/`: accepted batches, moved here by ingest (system-owned).
    public var batches: String { root + "/batches" }
    /// `results/`: `<batch-id>/scores.csv`, `rejects.csv`, `summary.json`, published atomically.
    public var results: String { root + "/results" }
    /// `rejected/`: refused drops, kept with an `error.json`.
    public var rejected: String { root + "/rejected" }
    /// `work/`: workers' private result folders before publication.
    public var work: String { root + "/work" }
    /// `models/`: the model registry's files, content-addressed: `<sha256>.json` (system-owned).
    public var models: String { root + "/models" }
    /// `api-token`: the status API's token that `vfl run` made, readable only by its user.
    public var apiTokenFile: String { root + "/api-token" }

    /// Creates every folder.
    ///
    /// - Throws: ``SystemError`` when one cannot be created.
    public func create() throws {
        for dir in [inbox, batches, results, rejected, work, models] { try FileIO.makeDirectories(dir) }
    }
}

/// Every move between the spool's folders: the one owner of its layout (docs/spool-protocol.md).
///
/// Each rename that must survive a power cut is followed by an fsync of the folders it touched. Failpoints
/// (``Failpoint``) sit before and after each rename.
extension Spool {
    /// The only files a result folder may hold: the champion's, and with shadow scoring `comparison.json` and the
    /// `challengers/` folder (``challengerFolder(in:model:)``).
    public static let resultFiles: Set<String> = [
        "scores.csv", "rejects.csv", "summary.json", "error.json", "comparison.json", "challengers",
    ]

    /// `<results>/challengers`: the folder of the challengers' results beside the champion's in a result folder.
    public static func challengersFolder(in resultFolder: String) -> String { resultFolder + "/challengers" }

    /// `<challengers>/<model-id>`: one challenger's `scores.csv`, `rejects.csv` and `summary.json` (or `error.json`).
    public static func challengerFolder(in challengersFolder: String, model id: String) -> String {
        challengersFolder + "/" + id
    }

    /// `<results>/comparison.json`: the challengers compared with the champion.
    public static func comparisonFile(in resultFolder: String) -> String { resultFolder + "/comparison.json" }

    /// `batches/<id>`: an accepted batch's folder.
    public func batch(_ id: String) -> String { batches + "/" + id }

    /// `results/<id>`: a job's published results.
    public func result(_ id: String) -> String { results + "/" + id }

    /// `work/<job>@<owner>`: one claim's private folder (`@` cannot occur in a batch id).
    public func privateFolder(job: String, owner: String) -> String { work + "/" + job + "@" + owner }

    /// `work/<job>.staged`: a split job's intermediate files (partitions and bucket results), never published.
    public func stagedFolder(job: String) -> String { work + "/" + job + ".staged" }

    /// `models/<id>.json`: a registered model's file.
    public func modelFile(_ id: String) -> String { models + "/" + id + ".json" }

    /// Stores a model file's bytes as `models/<id>.json`, `id` being their SHA-256: written to a temporary name,
    /// fsynced, renamed into place, the folder fsynced. The same content again changes nothing (content-addressed).
    ///
    /// - Returns: The file's path.
    /// - Throws: ``SpoolError`` when `id` is not the bytes' SHA-256; ``SystemError`` when writing fails.
    @discardableResult
    public func storeModel(_ bytes: [UInt8], id: String) throws -> String {
        guard SHA256.hex(of: bytes) == id else { throw SpoolError("the model's bytes do not hash to its id") }
        let path = modelFile(id)
        try FileIO.makeDirectories(models)
        if let existing = try? FileIO.readFile(path, limit: bytes.count + 1), existing == bytes { return path }
        // Missing, or damaged: (re)written whole.
        try FileIO.writeAtomically(path, bytes)
        return path
    }

    /// Moves an accepted batch from the inbox into `batches/`.
    ///
    /// - Throws: ``SystemError``.
    public func accept(_ id: String) throws {
        try Failpoint.hit("spool.accept.before-rename")
        do { try FileIO.rename(inbox + "/" + id, to: batch(id)) } catch let error as SystemError
            where error.errno == ENOENT && FileIO.isDirectory(batch(id))
        {
            // Another ingest sharing the spool moved it first (its job is recorded once, by a unique insert).
            return
        }
        try Failpoint.hit("spool.accept.after-rename")
        try FileIO.sync(batches)
        try FileIO.sync(inbox)
    }

    /// Moves a refused inbox entry into `rejected/` under `name`, never following it.
    ///
    /// - Returns: Its new path.
    /// - Throws: ``SystemError``.
    public func moveToRejected(entry: String, as name: String) throws -> String {
        let target = rejected + "/" + name
        try Failpoint.hit("spool.reject.before-rename")
        try FileIO.rename(inbox + "/" + entry, to: target)
        try FileIO.sync(rejected)
        try FileIO.sync(inbox)
        return target
    }

    /// Whether `results/<job>` holds a published `scores.csv` (the results of a done job, never replaced).
    public func hasPublishedScores(_ job: String) -> Bool { FileIO.exists(result(job) + "/scores.csv") }

    /// What ``publish(_:job:)`` did.
    public enum PublishOutcome: Sendable, Equatable {
        /// The folder is now `results/<job>`.
        case published
        /// `results/<job>` already held scores (a restart finishing a publish that had landed, or a job of the same
        /// id from before): they are kept; `identical` tells whether they equal the folder's.
        case alreadyPublished(identical: Bool)
    }

    /// Publishes `folder` as `results/<job>` by rename: idempotent, and never replacing published scores.
    ///
    /// An earlier failure's explanation (a folder without `scores.csv`) is replaced. The folder must hold only result
    /// files (``resultFiles``): intermediate data is never published.
    ///
    /// - Throws: ``SpoolError`` when the folder holds other files; ``SystemError`` when a rename fails.
    @discardableResult
    public func publish(_ folder: String, job: String, replacingExplanation: Bool = true) throws -> PublishOutcome {
        try withPublishLock { try publishLocked(folder, job: job, replacingExplanation: replacingExplanation) }
    }

    /// Runs `body` holding the spool's publish lock (`flock` on `work/.publish.lock`): publishing, staging a failure's
    /// explanation and recovery's removal of such folders never interleave between processes.
    ///
    /// - Throws: ``SystemError`` when the lock cannot be taken, or what `body` throws.
    public func withPublishLock<T>(_ body: () throws -> T) throws -> T {
        let path = work + "/.publish.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(errno: errno, call: "open", path: path) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SystemError(errno: errno, call: "flock", path: path) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    private func publishLocked(_ folder: String, job: String, replacingExplanation: Bool) throws -> PublishOutcome {
        // Moved into place already (a restart finishing a publish that had landed).
        if !FileIO.exists(folder) && hasPublishedScores(job) { return .alreadyPublished(identical: true) }
        let names = try Spool.list(folder)
        let foreign = names.filter { !Spool.resultFiles.contains($0) }
        guard foreign.isEmpty else {
            throw SpoolError("\(folder) holds \(foreign.count) file(s) that are not results; it is not published")
        }
        let target = result(job)
        if hasPublishedScores(job) { return .alreadyPublished(identical: sameScores(folder, target)) }
        if FileIO.exists(target) {
            guard replacingExplanation else { return .alreadyPublished(identical: false) }
            // A failure's explanation, published before a retry: set aside, then removed.
            let aside = work + "/" + job + ".replaced-\(Timestamp.now().microseconds)"
            try FileIO.rename(target, to: aside)
            Spool.remove(aside)
        }
        try Failpoint.hit("spool.publish.before-rename")
        do { try FileIO.rename(folder, to: target) } catch {
            // Another process published first (a restart's recovery racing the worker).
            if hasPublishedScores(job) { return .alreadyPublished(identical: sameScores(folder, target)) }
            throw error
        }
        try Failpoint.hit("spool.publish.after-rename")
        try FileIO.sync(results)
        try FileIO.sync(work)
        return .published
    }

    private func sameScores(_ folder: String, _ target: String) -> Bool {
        guard let a = try? FileIO.readFile(folder + "/scores.csv", limit: Int.max),
            let b = try? FileIO.readFile(target + "/scores.csv", limit: Int.max)
        else { return !FileIO.exists(folder + "/scores.csv") }
        return a == b
    }

    /// Publishes a failed job's explanation: `error.json` with `explanation`, and the listed result files moved from
    /// `folder` (rejects.csv and summary.json when too many rows were rejected). Never replaces published scores, nor,
    /// without `replacing`, an explanation already published.
    ///
    /// - Throws: ``SpoolError`` or ``SystemError``.
    public func publishFailure(
        job: String, owner: String, explanation: [UInt8], keeping files: [String], from folder: String?,
        replacing: Bool = true
    ) throws {
        try withPublishLock {
            let staging = work + "/" + job + "@" + owner + ".error"
            Spool.remove(staging)
            try FileIO.makeDirectories(staging)
            if let folder {
                for file in files where Spool.resultFiles.contains(file) && FileIO.exists(folder + "/" + file) {
                    try FileIO.rename(folder + "/" + file, to: staging + "/" + file)
                }
            }
            try FileIO.writeAtomically(staging + "/error.json", explanation)
            // Without `replacing` (recovery), an explanation already there is kept: the rename onto a non-empty folder
            // fails rather than replace it.
            if case .alreadyPublished = try publishLocked(staging, job: job, replacingExplanation: replacing) {
                Spool.remove(staging)
            }
        }
    }

    /// Removes a job's work folders: its staged folder and every claim's private folder, except `keeping`.
    public func removeWork(job: String, keeping: String? = nil) {
        for name in (try? Spool.list(work)) ?? [] where Spool.jobOfWorkEntry(name) == job {
            let path = work + "/" + name
            if path != keeping { Spool.remove(path) }
        }
    }

    /// The job a `work/` entry belongs to (`<job>@<owner>…`, `<job>.staged`, `<job>.replaced-…`), or `nil`.
    public static func jobOfWorkEntry(_ name: String) -> String? {
        if let at = name.firstIndex(of: "@") { return String(name[..<at]) }
        for suffix in [".staged"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
        if let range = name.range(of: ".replaced-") { return String(name[..<range.lowerBound]) }
        return nil
    }

    /// The names in a directory (not `.` and `..`).
    ///
    /// - Throws: ``SystemError`` when it cannot be read.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SystemError(errno: errno, call: "opendir", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: UInt8.self, capacity: 256) { pointer in
                    String(decoding: UnsafeBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or folder tree (best effort).
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
