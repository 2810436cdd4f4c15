import Core
import Fixtures
import Foundation
import Model
import Spool
import Store
import Testing

/// Shadow scoring through the pipeline, with real processes: the `challenger` alias and the manifest's
/// `"challengers"` resolved at acceptance, every job scored by its champion and its challengers in one pass, whole
/// or split, each model's results equal to `vfl score`'s, a challenger that cannot be loaded recorded as failed.
extension PipelineTests {
    /// Writes a model with the test model's parties and other weights, and returns its path.
    func otherModel(_ name: String, seed: UInt64) throws -> String {
        let path = temp.file(name + ".json")
        try RandomModel.json(seed: seed, parties: RandomModel.fourParties, top: [6]).write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What `vfl score --model CHAMPION --challenger ...` writes for a batch folder: its results folder.
    func expectedShadow(_ staging: String, challengers: [String]) throws -> String {
        let folder = temp.file("expected-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments =
            ["score", staging, "--out", folder + "/scores.csv", "--model", modelPath, "--threads", "1"]
            + challengers.flatMap { ["--challenger", $0] }
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return folder
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func shadow_challengerAliasAndManifestChallengersScoreBesideTheChampion() throws {
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        #expect(try waitUntil(seconds: 20) { try store.alias("champion") != nil })
        // Accepted before any challenger is set: scored by the champion alone, whatever happens to the alias later.
        let plain = try drop("plain", customers: 300, seed: 70)
        #expect(try waitUntil(seconds: 20) { try store.job("plain") != nil })
        let pathB = try otherModel("b", seed: 71)
        let pathC = try otherModel("c", seed: 72)
        let idB = try SplitModel.load(path: pathB).id
        let idC = try SplitModel.load(path: pathC).id
        #expect(try vfl(["model", "add", pathB, "--name", "credit-b"]).status == 0)
        #expect(try vfl(["model", "add", pathC, "--name", "credit-c"]).status == 0)
        let set = try vfl(["model", "alias", "set", "challenger", "credit-b@1"])
        #expect(set.status == 0, "\(set.output)")
        let shadowed = try drop("shadowed", customers: 400, seed: 73)
        // The manifest adds C; C's file is then lost from the registry's folder (an operator's mistake): the job
        // must still be scored by the champion and B, and C recorded as failed.
        let both = try drop(
            "both", customers: 250, seed: 74,
            manifest: #"{"batch": "both", "parties": \#(model.parties.map(\.name)), "challengers": ["credit-c@1"]}"#)
        #expect(try waitUntil(seconds: 20) { try store.job("both") != nil })
        #expect(try store.job("plain")?.challengers == [])
        #expect(try store.job("shadowed")?.challengers == [idB])
        #expect(try store.job("both")?.challengers == [idC, idB])
        try FileManager.default.removeItem(atPath: spool.modelFile(idC))
        let worker = try start("worker")
        defer { if worker.isRunning { worker.terminate() } }
        let ids = ["plain", "shadowed", "both"]
        #expect(try waitUntil(seconds: 120) { try terminal(store, ids) && ids.allSatisfy(spool.hasPublishedScores) })
        for id in ids {
            let job = try store.job(id)
            #expect(job?.state == .done, "\(id): \(job?.error ?? "")")
        }

        #expect(!FileIO.exists(spool.result("plain") + "/comparison.json"))
        #expect(try bytes(spool.result("plain") + "/scores.csv") == (try expected(plain)))
        for (id, staging) in [("shadowed", shadowed), ("both", both)] {
            let published = spool.result(id)
            let reference = try expectedShadow(staging, challengers: [pathB])
            #expect(try bytes(published + "/scores.csv") == (try bytes(reference + "/scores.csv")), "\(id)")
            for file in ["scores.csv", "rejects.csv"] {
                let own = "/challengers/\(idB)/" + file
                #expect(try bytes(published + own) == (try bytes(reference + own)), "\(id) challenger \(file)")
            }
            let summary = try JSONValue(parsing: try bytes(published + "/challengers/\(idB)/summary.json"))
            #expect(summary["model"]?["id"]?.string == idB)
            #expect(summary["model"]?["name"]?.string == "credit-b" && summary["model"]?["version"]?.int == 1)
            let comparison = try JSONValue(parsing: try bytes(published + "/comparison.json"))
            let entries = comparison["challengers"]?.array ?? []
            let scored = entries.first { $0["model"]?["id"]?.string == idB }
            #expect(scored?["status"]?.string == "done", "\(id)")
        }
        let failed = try JSONValue(parsing: try bytes(spool.result("both") + "/challengers/\(idC)/error.json"))
        #expect(failed["code"]?.string == "model_unavailable")
        #expect(failed["error"]?.string?.contains(String(idC.prefix(12))) == true)
        let comparison = try JSONValue(parsing: try bytes(spool.result("both") + "/comparison.json"))
        let entryC = comparison["challengers"]?.array?.first { $0["model"]?["id"]?.string == idC }
        #expect(entryC?["status"]?.string == "failed")
        #expect(entryC?["model"]?["name"]?.string == "credit-c")
    }

    @Test func shadow_splitJobsMergeEveryModelAsOnePassDoes() throws {
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        // A tiny memory bound splits the batch into partition, bucket and merge tasks.
        let ingest = try start("ingest", ["--memory-mb", "1"])
        defer { if ingest.isRunning { ingest.terminate() } }
        #expect(try waitUntil(seconds: 20) { try store.alias("champion") != nil })
        let pathB = try otherModel("b", seed: 81)
        let idB = try SplitModel.load(path: pathB).id
        #expect(try vfl(["model", "add", pathB, "--name", "credit-b"]).status == 0)
        #expect(try vfl(["model", "alias", "set", "challenger", "credit-b@1"]).status == 0)
        let staging = try drop("split-shadow", customers: 6000, seed: 82, spoil: true)
        let workers = try (0..<2).map { _ in try start("worker") }
        defer { for worker in workers where worker.isRunning { worker.terminate() } }
        #expect(waitUntil(seconds: 180) { spool.hasPublishedScores("split-shadow") })
        let job = try #require(try store.job("split-shadow"))
        #expect(job.state == .done && job.tasksTotal > 3, "\(job.error ?? "")")
        let published = spool.result("split-shadow")
        let reference = try expectedShadow(staging, challengers: [pathB])
        for file in [
            "scores.csv", "rejects.csv", "comparison.json", "challengers/\(idB)/scores.csv",
            "challengers/\(idB)/rejects.csv",
        ] {
            #expect(try bytes(published + "/" + file) == (try bytes(reference + "/" + file)), "\(file)")
        }
        // The merged summaries name each model as the registry knows it, as a whole job's do.
        let champion = try JSONValue(parsing: try bytes(published + "/summary.json"))["model"]
        #expect(champion?["alias"]?.string == "champion" && champion?["version"]?.int == 1)
        let challenger = try JSONValue(parsing: try bytes(published + "/challengers/\(idB)/summary.json"))["model"]
        #expect(challenger?["name"]?.string == "credit-b" && challenger?["version"]?.int == 1)
    }
}
