import Core
import Fixtures
import Foundation
import Model
import Spool
import Store
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A job is scored with its own model only; hostile inbox names are rejected readably; a shard changed after its
/// batch was accepted fails the job with the reason.
extension PipelineTests {
    @Test func worker_withAnotherModelLeavesTheJobForOneThatHasIt() throws {
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        let staging = try drop("pinned", customers: 300, seed: 31)
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 20) { try store.job("pinned") != nil })
        // The job's model file in the registry is damaged (a truncated copy), and a worker starts with another model.
        let otherModel = temp.file("other.json")
        try RandomModel.json(seed: 7, parties: RandomModel.fourParties, top: [4]).write(
            toFile: otherModel, atomically: true, encoding: .utf8)
        let jobModel = temp.file("kept.json")
        let registered = spool.modelFile(model.id)
        try FileManager.default.moveItem(atPath: registered, toPath: jobModel)
        try "{\"format\": \"vfl-model\"".write(toFile: registered, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["worker", "--spool", spool.root, "--model", otherModel]
        process.environment = ProcessInfo.processInfo.environment.merging(["VFL_LOG_LEVEL": "error"]) { $1 }
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        #expect(try waitUntil(seconds: 20) { try store.events(job: "pinned").contains { $0.kind == "released" } })
        #expect(try store.job("pinned")?.state == .queued, "never scored with another model")
        let released = try store.events(job: "pinned").first { $0.kind == "released" }?.detail ?? ""
        #expect(released.contains("cannot load the job's model"))
        // The model is back in the registry's folder: the same worker loads it by id and scores the job.
        try FileManager.default.removeItem(atPath: registered)
        try FileManager.default.moveItem(atPath: jobModel, toPath: registered)
        #expect(
            try waitUntil(seconds: 90) { try store.job("pinned")?.state == .done && spool.hasPublishedScores("pinned") }
        )
        let summary = try JSONValue(
            parsing: Data(contentsOf: URL(fileURLWithPath: spool.result("pinned") + "/summary.json")))
        #expect(summary["model"]?["id"]?.string == model.id)
        #expect(try store.job("pinned")?.modelID == model.id)
        let published = try Data(contentsOf: URL(fileURLWithPath: spool.result("pinned") + "/scores.csv"))
        #expect(published == (try expected(staging)))
    }

    @Test func ingest_rejectsNamesThatAreNotUTF8OrTooLongReadably() throws {
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        // A folder named with invalid UTF-8 bytes, and one with a 200-byte name.
        let raw = Array(spool.inbox.utf8) + [0x2F, 0x62, 0xFF, 0xFE, 0x31, 0]
        let made = raw.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o755) }
        }
        try #require(made == 0)
        let long = String(repeating: "x", count: 200)
        try FileManager.default.createDirectory(atPath: spool.inbox + "/" + long, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 20) { try Spool.list(spool.inbox).isEmpty })
        let reasons = try store.jobs(state: .rejected, limit: 100).compactMap(\.error)
        #expect(reasons.contains { $0.contains(#""b\xff\xfe1""#) && $0.contains("not UTF-8") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("… (200 bytes)") && $0.contains("not a valid batch id") }, "\(reasons)")
        #expect(try Spool.list(spool.rejected).filter { $0.hasPrefix("invalid.") && !$0.hasSuffix(".json") }.count == 2)
    }

    @Test func shardAppendedAfterAcceptance_failsTheJobWithTheReason() throws {
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        try drop("grows", customers: 200, seed: 32)
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 20) { try store.job("grows") != nil && FileIO.exists(spool.batch("grows")) })
        // A writer that paused past the settle time carries on writing in place.
        let handle = try #require(FileHandle(forWritingAtPath: spool.batch("grows") + "/auto_loans.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("late-row,1,2\n".utf8))
        try handle.close()
        let worker = try start("worker")
        defer { if worker.isRunning { worker.terminate() } }
        #expect(try waitUntil(seconds: 20) { try store.job("grows")?.state == .failed && settled("grows", store) })
        let error = try store.job("grows")?.error ?? ""
        #expect(error.contains("auto_loans.csv changed after the batch was accepted"), "\(error)")
        #expect(!spool.hasPublishedScores("grows"))
        #expect(try Spool.list(spool.result("grows")) == ["error.json"])
    }
}

extension PipelineTests {
    /// The leak the failure paths were built against: a split job that fails must publish its explanation only, never
    /// a partition's files (bank columns and keys), and must end: no task left queued, `vfl retry` accepted.
    @Test(arguments: ["wrong rows", "duplicate key"])
    func failedSplitJob_publishesOnlyItsExplanationAndEnds(_ fault: String) throws {
        let ingest = try start("ingest", ["--memory-mb", "1"])
        let workers = try (0..<2).map { _ in try start("worker") }
        defer { for p in [ingest] + workers where p.isRunning { p.terminate() } }
        let id = fault == "wrong rows" ? "rows" : "dup"
        let staging = temp.file("staging/\(id)")
        _ = try TestBatch.write(directory: staging, model: model, customers: 6000, seed: 41)
        var manifest = Manifest(batch: id, parties: model.parties.map(\.name))
        if fault == "wrong rows" {
            manifest.rows["home_loans"] = 3
        } else {
            let path = staging + "/auto_loans.csv"
            var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            lines.append(lines[1])
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        _ = try drop(id, customers: 0, seed: 0, manifest: manifest.jsonText, from: staging)
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 60) { try store.job(id)?.state == .failed && settled(id, store) })
        let job = try #require(try store.job(id))
        #expect(job.tasksTotal > 3, "a split job")
        #expect(try Spool.list(spool.result(id)) == ["error.json"])
        #expect(!(try store.taskStates(job: id)).contains { $0 == "queued" || $0 == "running" })
        #expect((try Spool.list(spool.work)).filter { Spool.jobOfWorkEntry($0) == id }.isEmpty)
        #expect(try CommandLineTests().vfl(["retry", id, "--spool", spool.root]).status == 0)
    }
}
