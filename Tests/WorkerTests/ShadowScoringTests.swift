import Core
import Fixtures
import Foundation
import Model
import Testing
import Worker

/// Champion and challengers scored in one pass (``BatchScorer`` with challengers), on real files.
@Suite struct ShadowScoringTests {
    static let championText = RandomModel.json(seed: 42, parties: RandomModel.fourParties, top: [8, 4])
    let champion: SplitModel
    let temp = TemporaryDirectory()

    init() throws { champion = try SplitModel(bytes: Array(Self.championText.utf8)) }

    // MARK: - Models

    /// `text` with `body` applied to the value at `path` (object keys, or array indices as text).
    static func editing(_ value: JSONValue, _ path: [String], _ body: (JSONValue) -> JSONValue) -> JSONValue {
        guard let head = path.first else { return body(value) }
        switch value {
        case .object(let members):
            return .object(members.map { $0.0 == head ? ($0.0, editing($0.1, Array(path.dropFirst()), body)) : $0 })
        case .array(let elements):
            return .array(
                elements.enumerated().map { i, e in "\(i)" == head ? editing(e, Array(path.dropFirst()), body) : e })
        default:
            return value
        }
    }

    /// The champion with its top network's first weights scaled: the same inputs, other scores.
    static func perturbedText(_ factor: Double) throws -> String {
        let json = try JSONValue(parsing: Data(championText.utf8))
        return editing(json, ["top", "layers", "0", "weights"]) { weights in
            .array(
                (weights.array ?? []).enumerated().map { i, w in .number((w.double ?? 0) * (i % 3 == 0 ? factor : 1)) })
        }.text
    }

    /// ``perturbedText(_:)`` loaded.
    static func perturbed(_ factor: Double) throws -> SplitModel {
        try SplitModel(bytes: Array(perturbedText(factor).utf8))
    }

    /// A model that needs a column no shard has (auto_loans_f5, f6), as text.
    static var needingAMissingColumnText: String {
        var shapes = RandomModel.fourParties
        shapes[0].features = 7
        return RandomModel.json(seed: 11, parties: shapes, top: [4])
    }

    /// Another random model of two of the champion's parties (other statistics, fewer features for home_loans).
    static func twoParties() throws -> SplitModel {
        let text = RandomModel.json(
            seed: 7,
            parties: [
                PartyShape(name: "home_loans", features: 4, hidden: [5, 3]),
                PartyShape(name: "digital_savings", features: 4, hidden: [4, 2]),
            ], top: [4])
        return try SplitModel(bytes: Array(text.utf8))
    }

    /// A four-party model whose credit_card party reads the shards' extra `note` column (`x` is 1) instead of its
    /// third feature.
    static func readingNote() throws -> SplitModel {
        let text = RandomModel.json(seed: 9, parties: RandomModel.fourParties, top: [6])
            .replacingOccurrences(of: "\"name\":\"credit_card_f2\",", with: "\"name\":\"note\",\"values\":{\"x\":1},")
        return try SplitModel(bytes: Array(text.utf8))
    }

    /// A model that needs a column no shard has (auto_loans_f5, f6).
    static func needingAMissingColumn() throws -> SplitModel {
        try SplitModel(bytes: Array(needingAMissingColumnText.utf8))
    }

    // MARK: - Helpers

    func folder(_ name: String) throws -> ResultPaths {
        let paths = ResultPaths(besideScores: temp.file(name + "/scores.csv"))
        try FileManager.default.createDirectory(
            atPath: FileIO.directory(of: paths.scores), withIntermediateDirectories: true)
        return paths
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func json(_ path: String) throws -> JSONValue { try JSONValue(parsing: bytes(path)) }

    /// The batch folder with only `parties`' shards and a manifest naming them.
    func restricted(_ batch: TestBatch, to parties: [String], name: String) throws -> String {
        let directory = temp.file(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for party in parties {
            try FileManager.default.copyItem(
                atPath: batch.directory + "/\(party).csv", toPath: directory + "/\(party).csv")
        }
        let manifest: JSONValue = ["batch": "test-batch", "parties": .array(parties.map { .string($0) })]
        try manifest.text.write(toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
        return directory
    }

    /// Replaces the cell of `column` in the first data row of a shard.
    func damage(_ batch: TestBatch, party: String, column: String, with text: String) throws {
        let path = batch.directory + "/\(party).csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[header.firstIndex(of: column)!] = text
        lines[1] = cells.joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func score(
        _ batch: String, model: SplitModel, challengers: [SplitModel] = [], into name: String, threads: Int = 2,
        blockRows: Int = 2048
    ) throws -> (ResultPaths, BatchOutcome) {
        let paths = try folder(name)
        let options = ScoringOptions(threads: threads, blockRows: blockRows)
        let outcome = try BatchScorer(model: model, challengers: challengers, options: options)
            .score(batchDirectory: batch, results: paths)
        return (paths, outcome)
    }

    // MARK: - Tests

    @Test func score_withChallengers_leavesTheChampionsResultsByteIdentical() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 3000)
        try damage(batch, party: "auto_loans", column: "auto_loans_f1", with: "abc")
        let (alone, _) = try score(batch.directory, model: champion, into: "alone")
        let (shadowed, outcome) = try score(
            batch.directory, model: champion,
            challengers: [try Self.perturbed(1.3), try Self.twoParties(), try Self.needingAMissingColumn()],
            into: "shadowed")
        #expect(try bytes(alone.scores) == bytes(shadowed.scores))
        #expect(try bytes(alone.rejects) == bytes(shadowed.rejects))
        #expect(outcome.challengers.count == 3)
        #expect(outcome.challengers.map { $0.error == nil } == [true, true, false])
        // Without challengers, nothing is written beside the champion's files.
        #expect(!FileManager.default.fileExists(atPath: alone.comparison))
        #expect(!FileManager.default.fileExists(atPath: alone.challengers))
    }

    @Test func score_eachChallengersResultsEqualItsOwnSeparateRun() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 2500, seed: 3)
        try damage(batch, party: "home_loans", column: "home_loans_f5", with: "n/a")  // the champion's feature only
        let perturbed = try Self.perturbed(0.7)
        let two = try Self.twoParties()
        let (shadowed, _) = try score(
            batch.directory, model: champion, challengers: [perturbed, two], into: "shadowed", blockRows: 300)
        let (separate, _) = try score(batch.directory, model: perturbed, into: "perturbed", threads: 1)
        let restricted = try restricted(batch, to: ["digital_savings", "home_loans"], name: "two")
        let (separateTwo, _) = try score(restricted, model: two, into: "two-alone")
        for (model, alone) in [(perturbed, separate), (two, separateTwo)] {
            let own = shadowed.challenger(model.id)
            #expect(try bytes(own.scores) == bytes(alone.scores))
            #expect(try bytes(own.rejects) == bytes(alone.rejects))
            let summary = try json(own.summary)
            #expect(summary["model"]?["id"]?.string == model.id)
            #expect(try summary["scored"] == json(alone.summary)["scored"])
        }
        // The damaged cell is the champion's problem only: the two-party challenger scores that customer.
        #expect(try String(contentsOfFile: shadowed.rejects, encoding: .utf8).contains("home_loans_f5"))
        #expect(
            try !String(contentsOfFile: shadowed.challenger(two.id).rejects, encoding: .utf8).contains("home_loans"))
        #expect(try json(shadowed.challenger(two.id).summary)["ignored_parties"] == ["auto_loans", "credit_card"])
    }

    @Test func score_aChallengerThatCannotScoreIsRecordedAndTheChampionStands() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 800)
        let missing = try Self.needingAMissingColumn()
        let (alone, _) = try score(batch.directory, model: champion, into: "alone")
        let (shadowed, outcome) = try score(batch.directory, model: champion, challengers: [missing], into: "shadowed")
        #expect(try bytes(alone.scores) == bytes(shadowed.scores))
        let error = try json(shadowed.challengerError(missing.id))
        #expect(error["code"] == "columns")
        #expect(error["error"]?.string?.contains("auto_loans_f5") == true)
        #expect(!FileManager.default.fileExists(atPath: shadowed.challenger(missing.id).scores))
        let comparison = try json(shadowed.comparison)
        #expect(comparison["challengers"]?.array?.first?["status"] == "failed")
        #expect(comparison["challengers"]?.array?.first?["model"]?["id"]?.string == missing.id)
        #expect(outcome.challengers.first?.error?.contains("auto_loans_f5") == true)
    }

    @Test func score_aRowBadOnlyForAChallengersFeatureIsRejectedByThatChallengerOnly() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 1500)
        let note = try Self.readingNote()
        try damage(batch, party: "credit_card", column: "note", with: "y")  // an extra column for the champion
        let (alone, _) = try score(batch.directory, model: champion, into: "alone")
        let (shadowed, outcome) = try score(batch.directory, model: champion, challengers: [note], into: "shadowed")
        #expect(try bytes(alone.scores) == bytes(shadowed.scores))
        #expect(try readCSV(shadowed.rejects).count == 1)  // the header only
        let rejects = try readCSV(shadowed.challenger(note.id).rejects)
        #expect(rejects.count == 2)
        #expect(
            rejects[1][1] == "credit_card" && rejects[1][3] == "note"
                && rejects[1][4] == "value not in the feature's value map")
        #expect(outcome.challengers.first?.scored == outcome.scored - 1)
        let comparison = try json(shadowed.comparison)["challengers"]?.array?.first
        #expect(comparison?["customers"]?["only_champion"] == 1)
    }

    @Test func score_aChallengerWithTooManyRejectsFailsAloneWithItsRejects() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 600)
        // `note` read as a number: every credit_card row is "x", not a number.
        let text = RandomModel.json(seed: 9, parties: RandomModel.fourParties, top: [6])
            .replacingOccurrences(of: "\"name\":\"credit_card_f2\",", with: "\"name\":\"note\",")
        let numeric = try SplitModel(bytes: Array(text.utf8))
        let (shadowed, outcome) = try score(batch.directory, model: champion, challengers: [numeric], into: "s")
        #expect(outcome.challengers.first?.error?.contains("rejected") == true)
        #expect(try json(shadowed.challengerError(numeric.id))["code"] == "too_many_rejects")
        #expect(try json(shadowed.challenger(numeric.id).summary)["status"] == "failed")
        #expect(FileManager.default.fileExists(atPath: shadowed.scores))
        #expect(!FileManager.default.fileExists(atPath: shadowed.challenger(numeric.id).scores))
    }

    @Test func score_identicalChallengerComparesAsIdentical() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 1000)
        // The same network under another id (a name changed): same inputs, same scores.
        let renamed = try SplitModel(
            bytes: Array(Self.championText.replacingOccurrences(of: "\"random-42\"", with: "\"copy\"").utf8))
        #expect(renamed.id != champion.id)
        let (shadowed, _) = try score(batch.directory, model: champion, challengers: [renamed], into: "s")
        #expect(try bytes(shadowed.scores) == bytes(shadowed.challenger(renamed.id).scores))
        let entry = try #require(try json(shadowed.comparison)["challengers"]?.array?.first)
        #expect(entry["spearman"] == 1)
        #expect(entry["psi"]?["value"] == 0)
        #expect(entry["score_shift"]?["p99"] == 0 && entry["score_shift"]?["p1"] == 0)
        #expect(entry["swaps"]?.array?.allSatisfy { $0["up"] == 0 && $0["down"] == 0 } == true)
        #expect(entry["first_reason_agreement"] == 1)
    }

    @Test func score_comparisonIsTheSameBytesOnEveryRun() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 1200)
        let challengers = [try Self.perturbed(1.2), try Self.twoParties()]
        let (first, _) = try score(batch.directory, model: champion, challengers: challengers, into: "one", threads: 1)
        let (second, _) = try score(batch.directory, model: champion, challengers: challengers, into: "two", threads: 3)
        #expect(try bytes(first.comparison) == bytes(second.comparison))
        for model in challengers {
            #expect(try bytes(first.challenger(model.id).scores) == bytes(second.challenger(model.id).scores))
        }
    }

    /// A whole batch's comparison is made from the scores kept while scoring: it must be the document the files
    /// give (what a split job's merge reads), whatever the decimals and reasons.
    @Test(arguments: [(2, true), (4, true), (2, false)])
    func score_comparisonInMemoryEqualsTheOneReadFromTheFiles(decimals: Int, reasons: Bool) throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 2200, seed: 9)
        try damage(batch, party: "credit_card", column: "note", with: "y")
        let challengers = [try Self.perturbed(0.8), try Self.twoParties(), try Self.readingNote()]
        let paths = try folder("memory")
        var options = ScoringOptions(threads: 2, blockRows: 500)
        options.decimals = decimals
        options.reasons = reasons
        let outcome = try BatchScorer(model: champion, challengers: challengers, options: options)
            .score(batchDirectory: batch.directory, results: paths)
        #expect(outcome.challengers.allSatisfy { $0.error == nil })
        let fromFiles = ScoreComparison.document(
            batch: "test-batch", champion: (champion.id, champion.name), championScores: paths.scores,
            challengers: challengers.map {
                ScoreComparison.Entry(id: $0.id, name: $0.name, scores: paths.challenger($0.id).scores, error: nil)
            })
        #expect(try bytes(paths.comparison) == Data((fromFiles.text + "\n").utf8))
    }

    @Test func scoreSplit_mergesEveryModelByteIdenticalToOneTask() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 5000, seed: 5)
        try damage(batch, party: "auto_loans", column: "auto_loans_f2", with: "abc")
        try damage(batch, party: "credit_card", column: "note", with: "y")
        let challengers = [
            try Self.perturbed(1.25), try Self.twoParties(), try Self.readingNote(), try Self.needingAMissingColumn(),
        ]
        let (whole, wholeOutcome) = try score(batch.directory, model: champion, challengers: challengers, into: "whole")
        let split = try folder("split")
        let scorer = BatchScorer(model: champion, challengers: challengers, options: ScoringOptions(threads: 2))
        let outcome = try StagedScoring.scoreSplit(
            batchDirectory: batch.directory, buckets: 3, scorer: scorer, work: temp.file("work"), results: split)
        #expect(try bytes(whole.scores) == bytes(split.scores))
        #expect(try bytes(whole.rejects) == bytes(split.rejects))
        for model in challengers.dropLast() {
            #expect(try bytes(whole.challenger(model.id).scores) == bytes(split.challenger(model.id).scores))
            #expect(try bytes(whole.challenger(model.id).rejects) == bytes(split.challenger(model.id).rejects))
        }
        #expect(FileManager.default.fileExists(atPath: split.challengerError(challengers[3].id)))
        #expect(try bytes(whole.comparison) == bytes(split.comparison))
        #expect(outcome.challengers.map(\.scored) == wholeOutcome.challengers.map(\.scored))
        #expect(
            try json(split.challenger(challengers[1].id).summary)["ignored_parties"] == ["auto_loans", "credit_card"])
    }

    @Test func vflScore_withChallengersWritesThemBesideTheChampion() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: champion, customers: 700)
        let modelPath = temp.file("champion.json")
        try Self.championText.write(toFile: modelPath, atomically: true, encoding: .utf8)
        let challenger = try Self.perturbed(1.1)
        let challengerPath = temp.file("challenger.json")
        try Self.perturbedText(1.1).write(toFile: challengerPath, atomically: true, encoding: .utf8)
        let missing = try Self.needingAMissingColumn()
        let missingPath = temp.file("missing.json")
        try Self.needingAMissingColumnText.write(toFile: missingPath, atomically: true, encoding: .utf8)
        let cli = CommandLineTests()
        let alone = try cli.vfl([
            "score", batch.directory, "--out", temp.file("alone/scores.csv"), "--model", modelPath,
        ])
        #expect(alone.status == 0, "\(alone.stderr)")
        let run = try cli.vfl([
            "score", batch.directory, "--out", temp.file("shadow/out.csv"), "--model", modelPath, "--challenger",
            challengerPath, "--challenger", missingPath,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try bytes(temp.file("alone/scores.csv")) == bytes(temp.file("shadow/out.csv")))
        let paths = ResultPaths(besideScores: temp.file("shadow/out.csv"))
        #expect(FileManager.default.fileExists(atPath: paths.challenger(challenger.id).scores))
        let entries = try json(paths.comparison)["challengers"]?.array ?? []
        #expect(entries.map { $0["status"] } == ["done", "failed"])
        #expect(FileManager.default.fileExists(atPath: paths.challengerError(missing.id)))
        // Logs never carry a key.
        #expect(!run.stderr.contains(try readCSV(paths.scores)[1][0]))
    }
}
