import Core
import Fixtures
import Foundation
import Spool
import Store
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real faults, not failpoints: the spool's disk and the database's disk filled up (small tmpfs mounts; root only, as
/// CI runs), and the database locked by another process for longer than the busy timeout.
extension PipelineTests {
    /// Mounts a tmpfs of `megabytes` at `path` (a fresh folder).
    func mountTmpfs(_ path: String, megabytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "mount tmpfs at \(path)")
    }

    func unmount(_ path: String) { umount2(path, Int32(MNT_DETACH)) }

    /// Fills the filesystem of `folder` with one file until it is full; returns the file.
    func fill(_ folder: String) -> String {
        let path = folder + "/filler"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let block = [UInt8](repeating: 7, count: 64 << 10)
        var size = block.count
        while size > 0 {
            if block.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) < 0 { size /= 2 }
        }
        close(fd)
        return path
    }

    static var isRoot: Bool { getuid() == 0 }

    @Test(.enabled(if: PipelineTests.isRoot, "mounting a tmpfs needs root"))
    func spoolDiskFull_failsWithTheRealCauseThenRetrySucceeds() throws {
        try mountTmpfs(spool.root, megabytes: 8)
        defer { unmount(spool.root) }
        try spool.create()
        let database = temp.file("vfl.sqlite")
        let ingest = try start("ingest", ["--db", database])
        defer { if ingest.isRunning { ingest.terminate() } }
        let staging = try drop("full", customers: 2000, seed: 21)
        let store = try SQLiteStore(path: database, process: "test")
        #expect(try waitUntil(seconds: 20) { try store.job("full") != nil && !FileIO.exists(spool.inbox + "/full") })
        let filler = fill(spool.work)
        let worker = try start("worker", ["--db", database, "--max-attempts", "2"])
        defer { if worker.isRunning { worker.terminate() } }
        #expect(try waitUntil(seconds: 40) { try store.job("full")?.state == .failed })
        let error = try store.job("full")?.error ?? ""
        #expect(error.contains("gave up after 2 attempts"), "\(error)")
        #expect(error.contains("No space left on device"), "the real cause, not a guess: \(error)")
        // Space again: the operator retries and the job ends done, with vfl score's bytes.
        unlink(filler)
        #expect(try CommandLineTests().vfl(["retry", "full", "--spool", spool.root, "--db", database]).status == 0)
        #expect(
            try waitUntil(seconds: 30) { try store.job("full")?.state == .done && spool.hasPublishedScores("full") })
        let published = try Data(contentsOf: URL(fileURLWithPath: spool.result("full") + "/scores.csv"))
        #expect(published == (try expected(staging)))
        #expect(try Spool.list(spool.result("full")).allSatisfy { Spool.resultFiles.contains($0) })
    }

    @Test(.enabled(if: PipelineTests.isRoot, "mounting a tmpfs needs root"))
    func databaseDiskFull_leavesTheBatchInTheInboxUntilThereIsSpace() throws {
        let folder = temp.file("db")
        try mountTmpfs(folder, megabytes: 2)
        defer { unmount(folder) }
        let database = folder + "/vfl.sqlite"
        let ingest = try start("ingest", ["--db", database])
        let worker = try start("worker", ["--db", database])
        defer { for p in [ingest, worker] where p.isRunning { p.terminate() } }
        let store = try SQLiteStore(path: database, process: "test")
        // Warm: one batch through, so the database and its WAL exist.
        _ = try drop("before", customers: 50, seed: 1)
        #expect(try waitUntil(seconds: 20) { try store.job("before")?.state == .done })
        let filler = fill(folder)
        let staging = try drop("later", customers: 200, seed: 22)
        // It cannot be recorded: it stays in the inbox, untouched, and ingest keeps running.
        usleep(2_000_000)
        #expect(FileIO.exists(spool.inbox + "/later/manifest.json"))
        #expect(ingest.isRunning)
        unlink(filler)
        #expect(
            try waitUntil(seconds: 30) { try store.job("later")?.state == .done && spool.hasPublishedScores("later") })
        let published = try Data(contentsOf: URL(fileURLWithPath: spool.result("later") + "/scores.csv"))
        #expect(published == (try expected(staging)))
    }

    @Test func databaseLockedPastTheBusyTimeout_batchesWaitAndEndDone() throws {
        let database = spool.root + "/vfl.sqlite"
        let store = try SQLiteStore(path: database, process: "test")
        let ingest = try start("ingest")
        let worker = try start("worker")
        defer { for p in [ingest, worker] where p.isRunning { p.terminate() } }
        // Another process holds an exclusive lock for 8 s, longer than the 5 s busy timeout.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script =
            "import sqlite3,time,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); "
            + "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(8); c.execute('COMMIT')"
        locker.arguments = ["python3", "-c", script, database]
        let out = Pipe()
        locker.standardOutput = out
        try locker.run()
        _ = out.fileHandleForReading.availableData  // "locked"
        let staging = try drop("locked", customers: 300, seed: 23)
        locker.waitUntilExit()
        #expect(locker.terminationStatus == 0, "the lock was held")
        #expect(
            try waitUntil(seconds: 40) { try store.job("locked")?.state == .done && spool.hasPublishedScores("locked") }
        )
        let published = try Data(contentsOf: URL(fileURLWithPath: spool.result("locked") + "/scores.csv"))
        #expect(published == (try expected(staging)))
        #expect(ingest.isRunning && worker.isRunning, "both kept running through the lock")
    }
}
