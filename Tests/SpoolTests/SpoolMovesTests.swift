import Core
import Foundation
import Spool
import Testing

/// The spool's moves on real folders: publishing is idempotent, never replaces published scores and never publishes
/// anything but result files; shards are resolved once and their identity caught changing.
@Suite struct SpoolMovesTests {
    let spool: Spool

    init() throws {
        spool = Spool(root: NSTemporaryDirectory() + "vfl-spool-" + UUID().uuidString)
        try spool.create()
    }

    func folder(_ name: String, _ files: [String: String]) throws -> String {
        let path = spool.work + "/" + name
        try FileIO.makeDirectories(path)
        for (file, text) in files { try text.write(toFile: path + "/" + file, atomically: true, encoding: .utf8) }
        return path
    }

    @Test func publish_neverReplacesPublishedScores() throws {
        let first = try folder("j@a", ["scores.csv": "k,score\n1,500\n", "summary.json": "{}"])
        #expect(try spool.publish(first, job: "j") == .published)
        // A second publish (a racing recovery, a job of the same id from before) keeps what is there.
        let same = try folder("j@b", ["scores.csv": "k,score\n1,500\n"])
        #expect(try spool.publish(same, job: "j") == .alreadyPublished(identical: true))
        let other = try folder("j@c", ["scores.csv": "k,score\n1,600\n"])
        #expect(try spool.publish(other, job: "j") == .alreadyPublished(identical: false))
        #expect(try String(contentsOfFile: spool.result("j") + "/scores.csv", encoding: .utf8) == "k,score\n1,500\n")
        // Publishing a folder already moved into place (a restart finishing a publish that landed) is no error.
        #expect(try spool.publish(first, job: "j") == .alreadyPublished(identical: true))
    }

    @Test func publish_replacesAFailuresExplanationButRefusesIntermediateFiles() throws {
        try spool.publishFailure(
            job: "f", owner: "w", explanation: Array("{\"error\":\"x\"}\n".utf8), keeping: [], from: nil)
        #expect(try Spool.list(spool.result("f")) == ["error.json"])
        let leak = try folder("f@p", ["0.csv": "tax_id,income\n", "scores.csv": "k\n"])
        #expect(throws: SpoolError.self) { try spool.publish(leak, job: "f") }
        #expect(try Spool.list(spool.result("f")) == ["error.json"])
        let retried = try folder("f@r", ["scores.csv": "k\n", "rejects.csv": "k\n", "summary.json": "{}"])
        #expect(try spool.publish(retried, job: "f") == .published)
        #expect(Set(try Spool.list(spool.result("f"))) == ["scores.csv", "rejects.csv", "summary.json"])
        // A later failure never hides published scores.
        try spool.publishFailure(
            job: "f", owner: "w2", explanation: Array("{}\n".utf8), keeping: [], from: nil)
        #expect(spool.hasPublishedScores("f"))
    }

    @Test func removeWork_removesOnlyThatJobsFolders() throws {
        _ = try folder("a@1", [:])
        _ = try folder("a.staged", [:])
        _ = try folder("ab@1", [:])
        spool.removeWork(job: "a")
        #expect(try Spool.list(spool.work) == ["ab@1"])
    }

    @Test func shard_resolvesOnceAndCatchesAChange() throws {
        let batch = spool.batch("b")
        try FileIO.makeDirectories(batch)
        try "tax_id,x\n1,2\n".write(toFile: batch + "/a.csv", atomically: true, encoding: .utf8)
        try "tax_id,r1,model\n1,2,m\n".write(toFile: batch + "/c.repr.csv", atomically: true, encoding: .utf8)
        let shards = try Shard.resolve(Manifest(batch: "b", parties: ["a", "c"]), in: batch)
        #expect(shards.map(\.file) == ["a.csv", "c.repr.csv"])
        #expect(shards.map(\.input) == [.features, .representation])
        #expect(try Shard.parse(jsonText: Shard.jsonText(shards)) == shards)
        try Shard.verify(shards, in: batch)
        let handle = try #require(FileHandle(forWritingAtPath: batch + "/a.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("3,4\n".utf8))
        try handle.close()
        #expect { try Shard.verify(shards, in: batch) } throws: {
            ($0 as? SpoolError)?.message.contains("a.csv changed after the batch was accepted") == true
        }
        try "x".write(toFile: batch + "/a.repr.csv", atomically: true, encoding: .utf8)
        #expect(throws: SpoolError.self) { try Shard.resolve(party: "a", in: batch) }
        #expect(throws: SpoolError.self) { try Shard.resolve(party: "missing", in: batch) }
    }
}
