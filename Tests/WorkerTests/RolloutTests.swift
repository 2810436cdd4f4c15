import Core
import Fixtures
import Foundation
import Model
import Spool
import Store
import Testing

/// The model registry with real processes: `vfl model` commands, ingest pinning each batch to the champion of its
/// acceptance while the alias moves, workers scoring each job with its own model, unknown models rejected.
extension PipelineTests {
    func vfl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = arguments + ["--spool", spool.root]
        process.environment = ProcessInfo.processInfo.environment.merging(["VFL_USER": "tester"]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func rollout_jobsKeepTheModelOfTheirAcceptanceWhileChampionMoves() throws {
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        // Model B: the same parties, other weights.
        let modelB = temp.file("b.json")
        try RandomModel.json(seed: 43, parties: RandomModel.fourParties, top: [8]).write(
            toFile: modelB, atomically: true, encoding: .utf8)
        let added = try vfl(["model", "add", modelB, "--name", "credit", "--owner", "risk", "--purpose", "refit"])
        #expect(added.status == 0 && added.output.contains("added credit@1"))
        #expect(try vfl(["model", "add", modelB, "--name", "credit"]).output.contains("already registered"))
        let idB = try SplitModel.load(path: modelB).id
        // Accepted under champion A (ingest adopted its --model), not yet scored: no worker runs.
        let before = try ["r0", "r1"].enumerated().map { i, id in try drop(id, customers: 200, seed: 50 + UInt64(i)) }
        #expect(try waitUntil(seconds: 20) { try ["r0", "r1"].allSatisfy { try store.job($0)?.state == .queued } })
        let champion = try #require(try store.alias("champion"))
        #expect(champion.modelID == model.id)
        // A stale compare-and-set is refused; the right one moves champion to B.
        let stale = try vfl(["model", "alias", "set", "champion", "credit@1", "--expect", "\(champion.generation + 5)"])
        #expect(stale.status == 1 && stale.output.contains("generation"))
        let moved = try vfl(["model", "alias", "set", "champion", "credit@1", "--expect", "\(champion.generation)"])
        #expect(moved.status == 0, "\(moved.output)")
        // Model A is in use by queued jobs, B by the champion alias: neither can be removed.
        let refusedA = try vfl(["model", "remove", String(model.id.prefix(12))])
        #expect(refusedA.status == 1 && refusedA.output.contains("queued or running"))
        #expect(try vfl(["model", "remove", "credit@1"]).output.contains("alias champion"))
        let worker = try start("worker")
        defer { if worker.isRunning { worker.terminate() } }
        let after = try drop("r2", customers: 200, seed: 60)
        let pinned = try drop(
            "r3", customers: 150, seed: 61,
            manifest: #"{"batch": "r3", "parties": \#(model.parties.map(\.name)), "model": "\#(model.id)"}"#)
        try drop(
            "r4", customers: 10, seed: 62,
            manifest: #"{"batch": "r4", "parties": \#(model.parties.map(\.name)), "model": "credit@9"}"#)
        let ids = ["r0", "r1", "r2", "r3", "r4"]
        #expect(try waitUntil(seconds: 120) { try terminal(store, ids) })
        #expect(try store.job("r4")?.state == .rejected)
        #expect(try store.job("r4")?.error?.contains(#"field "model": "credit@9" is not a model"#) == true)
        for (id, staging, expectedModel, path) in [
            ("r0", before[0], model.id, modelPath), ("r1", before[1], model.id, modelPath),
            ("r2", after, idB, modelB), ("r3", pinned, model.id, modelPath),
        ] {
            let job = try #require(try store.job(id))
            #expect(job.state == .done && job.modelID == expectedModel, "\(id)")
            let published = try Data(contentsOf: URL(fileURLWithPath: spool.result(id) + "/scores.csv"))
            #expect(published == (try expected(staging, model: path)), "\(id) scored with its own model")
            let summary = try JSONValue(
                parsing: Data(contentsOf: URL(fileURLWithPath: spool.result(id) + "/summary.json")))
            #expect(summary["model"]?["id"]?.string == expectedModel)
            #expect(summary["model"]?["alias"]?.string == (id == "r3" ? nil : "champion"))
        }
        let r2 = try #require(try store.job("r2"))
        #expect(r2.modelName == "credit" && r2.modelVersion == 1 && r2.modelAlias == "champion")
        #expect(try store.modelUsage(idB).done == 1)
        // Once nothing uses A, it can be removed (its record stays for the jobs it scored).
        #expect(try vfl(["model", "remove", model.id]).status == 0)
        #expect(!FileIO.exists(spool.modelFile(model.id)))
        let list = try vfl(["model", "list"])
        #expect(list.output.contains("credit@1") && list.output.contains("(removed)"))
        let show = try vfl(["model", "show", "champion"])
        #expect(show.status == 0 && show.output.contains(#""jobs_scored":1"#))
    }

    @Test func ingest_restartWithTheSameModelWritesNoAliasEventAndKeepsAnOperatorsChoice() throws {
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        for _ in 0..<2 {
            let ingest = try start("ingest")
            #expect(try waitUntil(seconds: 20) { try store.alias("champion") != nil })
            ingest.terminate()
            ingest.waitUntilExit()
        }
        #expect(try store.registryEvents(limit: 100).filter { $0.kind == "alias_set" }.count == 1)
        let other = temp.file("other.json")
        try RandomModel.json(seed: 44, parties: RandomModel.fourParties, top: [4]).write(
            toFile: other, atomically: true, encoding: .utf8)
        #expect(try vfl(["model", "add", other, "--name", "next"]).status == 0)
        #expect(try vfl(["model", "alias", "set", "champion", "next@1"]).status == 0)
        // This ingest has done its startup once it accepts a batch: by then it must have left the alias alone.
        let ingest = try start("ingest")
        try drop("after-restart", customers: 20, seed: 45)
        #expect(try waitUntil(seconds: 20) { try store.job("after-restart") != nil })
        ingest.terminate()
        ingest.waitUntilExit()
        #expect(try store.alias("champion")?.modelID == (try SplitModel.load(path: other)).id)
        #expect(try store.job("after-restart")?.modelID == (try SplitModel.load(path: other)).id)
    }
}
