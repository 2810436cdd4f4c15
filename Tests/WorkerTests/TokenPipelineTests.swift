import Core
import Fixtures
import Foundation
import Model
import Spool
import Store
import Testing
import Worker

extension PipelineTests {
    /// Tokenizes a staged batch in place (in-process, as `vfl tokenize` does) and declares it in its manifest.
    func tokenizeStaged(_ staging: String, id: String, key: ConsortiumKey) throws {
        let tokenizer = Tokenizer(key: key, keyColumn: model.key)
        for party in model.parties.map(\.name) {
            let path = staging + "/\(party).csv"
            _ = try tokenizer.tokenize(shardPath: path, outputPath: path + ".tok", mapPath: nil)
            try FileIO.rename(path + ".tok", to: path)
        }
        let names = model.parties.map(\.name)
        try Manifest(
            batch: id, parties: names, keys: Dictionary(uniqueKeysWithValues: names.map { ($0, tokenizer.scheme) })
        ).jsonText.write(toFile: staging + "/manifest.json", atomically: true, encoding: .utf8)
    }

    @Test func tokenizedBatches_scoreThroughIngestAndWorkersAsVflScoreDoes() throws {
        // A tiny memory bound splits the larger batch into partition, bucket and merge tasks.
        let ingest = try start("ingest", ["--memory-mb", "1"], environment: ["VFL_REQUIRE_TOKENS": "1"])
        let workers = try (0..<2).map { _ in try start("worker") }
        defer { for p in [ingest] + workers where p.isRunning { p.terminate() } }
        let key = ConsortiumKey(bytes: Array(repeating: 7, count: 32))
        let other = ConsortiumKey(bytes: Array(repeating: 8, count: 32))
        var stagings: [String: String] = [:]
        for (id, customers) in [("tok-small", 300), ("tok-split", 6000)] {
            let staging = temp.file("staging/\(id)")
            _ = try TestBatch.write(directory: staging, model: model, customers: customers, seed: 11)
            try tokenizeStaged(staging, id: id, key: key)
            try dropStaged(
                id, staging: staging, parties: model.parties.map(\.name),
                manifest: try String(contentsOfFile: staging + "/manifest.json", encoding: .utf8))
            stagings[id] = staging
        }
        // Refused by the policy: raw keys; refused anyway: one party under another key.
        try drop("tok-raw", customers: 100, seed: 12)
        let mismatched = temp.file("staging/tok-mismatch")
        _ = try TestBatch.write(directory: mismatched, model: model, customers: 100, seed: 13)
        try tokenizeStaged(mismatched, id: "tok-mismatch", key: key)
        let home = mismatched + "/home_loans.csv"
        try FileManager.default.removeItem(atPath: home)
        _ = try TestBatch.write(directory: temp.file("staging/plain"), model: model, customers: 100, seed: 13)
        _ = try Tokenizer(key: other, keyColumn: model.key).tokenize(
            shardPath: temp.file("staging/plain/home_loans.csv"), outputPath: home, mapPath: nil)
        try dropStaged(
            "tok-mismatch", staging: mismatched, parties: model.parties.map(\.name),
            manifest: try String(contentsOfFile: mismatched + "/manifest.json", encoding: .utf8))

        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        let ids = Array(stagings.keys) + ["tok-raw", "tok-mismatch"]
        #expect(try waitUntil(seconds: 60) { try terminal(store, ids) })
        for (id, staging) in stagings {
            let job = try store.job(id)
            #expect(job?.state == .done, "\(id): \(job?.error ?? "")")
            let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/\(id)/scores.csv"))
            #expect(published == (try expected(staging)), "\(id)")
            let summary = try JSONValue(
                parsing: Data(contentsOf: URL(fileURLWithPath: spool.results + "/\(id)/summary.json")))
            #expect(summary["keys"]?["key_id"]?.string == key.keyID, "\(id)")
        }
        #expect(try store.job("tok-split")!.tasksTotal > 3)
        #expect(try store.job("tok-raw")?.state == .rejected)
        #expect(try store.job("tok-raw")?.error?.contains("VFL_REQUIRE_TOKENS=1") == true)
        let reason = try store.job("tok-mismatch")?.error ?? ""
        #expect(
            reason.contains(
                "party home_loans: manifest.json declares tokens (hmac-sha256-128, trim, key id \(key.keyID)")
                && reason.contains("its shard carries tokens (hmac-sha256-128, trim, key id \(other.keyID))"),
            "\(reason)")
        #expect(FileManager.default.fileExists(atPath: spool.rejected + "/tok-mismatch/error.json"))
    }
}
