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
