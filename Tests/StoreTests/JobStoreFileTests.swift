import Core
import Foundation
import Store
import Testing

/// ``JobStore/fileState``: the store notices when the file at its path is no longer the file it opened.
@Suite struct JobStoreFileTests {
    let directory = NSTemporaryDirectory() + "vfl-store-file-" + UUID().uuidString
    var path: String { directory + "/vfl.sqlite" }

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Processes started together (`vfl run`'s children, a test beside its ingest) each open a database that may be
    /// brand new: the one entering WAL mode must not fail because another is creating the schema at that moment.
    @Test func open_manyAtOnceOnAFreshDatabaseAllSucceed() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for round in 0..<20 {
            let fresh = directory + "/fresh-\(round).sqlite"
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                do { _ = try SQLiteStore(path: fresh, process: "p\(index)") } catch { failures.add("\(error)") }
            }
            #expect(failures.all.isEmpty, "round \(round)")
        }
    }

    @Test func fileState_deletedThenReplacedByANewDatabase() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: path, process: "old")
        try store.createJob(id: "b1", parties: ["x"], modelID: "m", modelName: "n", tasks: 1)
        #expect(store.fileState == .current)
        try store.checkFile()

        remove(path)
        #expect(store.fileState == .deleted)
        #expect { try store.checkFile() } throws: { ($0 as? StoreError)?.code == .fileChanged }
        // The old connection still works, on the unlinked file: what the check is for.
        #expect(try store.jobExists("b1"))

        let fresh = try SQLiteStore(path: path, process: "new")
        #expect(fresh.fileState == .current)
        #expect(try !fresh.jobExists("b1"))
        #expect(store.fileState == .replaced)
        #expect { try store.checkFile() } throws: { ($0 as? StoreError)?.code == .fileChanged }
    }

    @Test func fileState_replacedByRenameOverThePath() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: path, process: "old")
        // A restore the wrong way: another database renamed over the path while the store is open.
        let other = directory + "/restored.sqlite"
        _ = try SQLiteStore(path: other, process: "restore")
        try FileIO.rename(other, to: path)
        #expect(store.fileState == .replaced)
        #expect { try store.checkFile() } throws: { ($0 as? StoreError)?.code == .fileChanged }
    }

    @Test func fileState_isAlwaysCurrentInMemory() throws {
        let store = try SQLiteStore(path: ":memory:", process: "memory")
        #expect(store.fileState == .current)
        try store.checkFile()
    }
}

/// Errors collected from concurrent openings.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []
    func add(_ error: String) { lock.withLock { errors.append(error) } }
    var all: [String] { lock.withLock { errors } }
}
