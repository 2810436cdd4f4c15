import Core
import Fixtures
import Foundation
import Model
import Testing
import Worker

/// Values out of float32's range and overflows inside the networks reject their customer (docs/model-format.md,
/// "Accepted ranges"); nobody else's score changes by a bit.
@Suite struct OutOfRangeTests {
    let temp = TemporaryDirectory()

    func score(_ batch: String, maxRejectShare: Double = 1) throws -> ResultPaths {
        let paths = ResultPaths(besideScores: temp.file("out-\(UUID().uuidString)/scores.csv"))
        try FileIO.makeDirectories(FileIO.directory(of: paths.scores))
        _ = try BatchScorer(
            model: RangeBatch.model, options: ScoringOptions(threads: 2, maxRejectShare: maxRejectShare)
        ).score(batchDirectory: batch, results: paths)
        return paths
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The score lines of the ordinary customers (keys without the hostile suffix).
    func ordinary(_ scores: [String]) -> [String] { scores.filter { !$0.split(separator: ",")[0].hasSuffix("h") } }

    @Test(arguments: RangeBatch.hostile)
    func hostileValue_rejectsItsCustomerAndNobodyElseChanges(_ hostile: RangeBatch.Hostile) throws {
        let baseline = try lines(score(try batch("baseline")).scores)
        let directory = temp.file("hostile")
        let rowLines = try RangeBatch.write(directory: directory, hostile: [hostile])
        let paths = try score(directory)
        let scores = try lines(paths.scores)
        // Everyone else: the same bytes.
        #expect(ordinary(scores) == baseline)
        let rejects = try readCSV(paths.rejects)
        #expect(rejects[0] == ["tax_id", "party", "line", "column", "reason"])
        #expect(Array(rejects.dropFirst()) == RangeBatch.expectedRejects([hostile], lines: rowLines))
        let key = RangeBatch.hostileKey(0)
        let row = scores.first { $0.hasPrefix(key + ",") }
        if hostile.reason == nil {
            // Accepted: a real score within the output's range.
            let score = try #require(row.flatMap { Double($0.split(separator: ",")[1]) })
            #expect(score >= 300 && score <= 850)
        } else {
            #expect(row == nil)
        }
        // No score is ever nan or infinite.
        #expect(!scores.contains { $0.contains("nan") || $0.contains("inf") })
        let summary = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: paths.summary)))
        let rejected = hostile.reason == nil ? 0 : 1
        #expect(summary["rejected_customers"]?.int == rejected)
        #expect(summary["scored"]?.int == (summary["customers"]?.int ?? 0) - rejected)
        #expect(summary["status"]?.string == "done")
        let histogram = summary["score_histogram"]?["bins"]?.array ?? []
        #expect(histogram.reduce(0) { $0 + ($1["count"]?.int ?? 0) } == summary["scored"]?.int)
    }

    func batch(_ name: String, hostile: [RangeBatch.Hostile] = []) throws -> String {
        let directory = temp.file(name)
        try RangeBatch.write(directory: directory, hostile: hostile)
        return directory
    }

    @Test func allHostileValues_countInTheRejectShare() throws {
        let directory = temp.file("all")
        let rowLines = try RangeBatch.write(directory: directory, hostile: RangeBatch.hostile)
        let paths = try score(directory)
        let expected = RangeBatch.expectedRejects(RangeBatch.hostile, lines: rowLines)
        #expect(Array(try readCSV(paths.rejects).dropFirst()) == expected)
        #expect(ordinary(try lines(paths.scores)) == (try lines(score(try batch("baseline")).scores)))
        // Rejected values never appear in the rejects file.
        let text = try String(contentsOfFile: paths.rejects, encoding: .utf8)
        for hostile in RangeBatch.hostile { for value in hostile.cells.values { #expect(!text.contains(value)) } }
        let summary = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: paths.summary)))
        #expect(summary["rejected_customers"]?.int == expected.count)
        #expect(summary["rejected_rows"]?.int == expected.count)
        let population = try #require(summary["customers"]?.int)
        // A limit that the bad values alone respect, but not with the overflows found while scoring: the batch
        // fails, rejects.csv lists them all, scores.csv is not published.
        let network = expected.filter { $0[4] == "out of range in the network" }.count
        #expect(network == 3)
        let limit = (Double(expected.count) - 1.5) / Double(population)
        let strict = ResultPaths(besideScores: temp.file("strict/scores.csv"))
        try FileIO.makeDirectories(temp.file("strict"))
        #expect {
            _ = try BatchScorer(model: RangeBatch.model, options: ScoringOptions(maxRejectShare: limit))
                .score(batchDirectory: directory, results: strict)
        } throws: { ($0 as? ScoringError)?.code == .tooManyRejects }
        #expect(!FileManager.default.fileExists(atPath: strict.scores))
        #expect(!FileManager.default.fileExists(atPath: FileIO.temporaryName(for: strict.scores)))
        #expect(Array(try readCSV(strict.rejects).dropFirst()) == expected)
        let failed = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: strict.summary)))
        #expect(failed["status"]?.string == "failed")
        #expect(failed["rejected_customers"]?.int == expected.count)
    }

    @Test func hugeFiniteValues_whoseBlockOverflowsOnlyInSumAreScoredAsAlone() throws {
        // 1.5e38 through the weight 2 is 3e38 a row, a finite float32, but two of them sum to infinity: the block is
        // checked again row by row, and both are scored, with the scores each gets alone.
        let huge = RangeBatch.Hostile(
            name: "plain 1.5e38", party: "bank", cells: ["plain": "1.5e38"], reason: nil, column: "")
        let paths = try score(try batch("both", hostile: [huge, huge]))
        #expect(try readCSV(paths.rejects).count == 1)
        let both = try lines(paths.scores)
        let alone = try lines(score(try batch("alone", hostile: [huge])).scores)
        let key = RangeBatch.hostileKey(0)
        #expect(both.first { $0.hasPrefix(key + ",") } == alone.first { $0.hasPrefix(key + ",") })
        #expect(both.contains { $0.hasPrefix(RangeBatch.hostileKey(1) + ",") })
        #expect(ordinary(both) == ordinary(alone))
    }

    @Test func vflScore_rejectsHostileValuesAndScoresTheRestAsWithoutThem() throws {
        try RangeBatch.modelText.write(toFile: temp.file("model.json"), atomically: true, encoding: .utf8)
        func run(_ directory: String) throws -> String {
            let out = temp.file("cli-\(UUID().uuidString)/scores.csv")
            let run = try CommandLineTests().vfl(
                ["score", directory, "--out", out, "--model", temp.file("model.json"), "--max-reject-share", "1"])
            #expect(run.status == 0, "\(run.stderr)")
            // Logs never carry a value.
            for hostile in RangeBatch.hostile {
                for value in hostile.cells.values { #expect(!run.stderr.contains(value)) }
            }
            return out
        }
        let baseline = try lines(run(try batch("baseline")))
        let directory = temp.file("all")
        let rowLines = try RangeBatch.write(directory: directory, hostile: RangeBatch.hostile)
        let out = try run(directory)
        #expect(ordinary(try lines(out)) == baseline)
        #expect(
            Array(try readCSV(FileIO.directory(of: out) + "/rejects.csv").dropFirst())
                == RangeBatch.expectedRejects(RangeBatch.hostile, lines: rowLines))
    }

    @Test func embed_writesNoRepresentationForARowThatOverflows() throws {
        let directory = try batch("embed", hostile: RangeBatch.hostile)
        let outcome = try Embedder(model: RangeBatch.model).embed(
            party: "bank", shardPath: directory + "/bank.csv", outputPath: temp.file("bank.repr.csv"))
        let rows = try readCSV(temp.file("bank.repr.csv")).dropFirst()
        // Every bank row that is rejected when scored has empty r cells, the overflowing ones included.
        let bankRejects = RangeBatch.hostile.filter { $0.party == "bank" && $0.reason != nil }.count
        #expect(outcome.badRows == bankRejects)
        #expect(rows.filter { $0[1].isEmpty }.count == bankRejects)
        #expect(!rows.contains { $0.contains { $0.contains("inf") || $0.contains("nan") } })
    }
}
