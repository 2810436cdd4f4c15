import Core
import Fixtures
import Foundation
import Model
import Spool
import Testing
import Worker

@Suite struct BatchScorerTests {
    static let modelText = RandomModel.json(seed: 42, parties: RandomModel.fourParties, top: [8, 4])
    let model: SplitModel
    let temp = TemporaryDirectory()

    init() throws { model = try SplitModel(bytes: Array(Self.modelText.utf8)) }

    func score(
        _ batch: String, threads: Int = 2, maxRejectShare: Double = 0.01, out: String? = nil
    ) throws -> ResultPaths {
        let paths = ResultPaths(besideScores: out ?? temp.file("out-\(UUID().uuidString)/scores.csv"))
        try FileManager.default.createDirectory(
            atPath: FileIO.directory(of: paths.scores), withIntermediateDirectories: true)
        _ = try BatchScorer(model: model, options: ScoringOptions(threads: threads, maxRejectShare: maxRejectShare))
            .score(batchDirectory: batch, results: paths)
        return paths
    }

    func scoringError(_ batch: String) -> ScoringError? {
        do {
            _ = try score(batch)
            return nil
        } catch {
            return error as? ScoringError
        }
    }

    @Test func score_capsTheReportedExtraColumns() throws {
        let batch = try TestBatch.write(directory: temp.file("wide"), model: model, customers: 20)
        let path = batch.directory + "/auto_loans.csv"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let extra = (0..<1000).map { "extra_\($0)_" + String(repeating: "y", count: 100) }
        let header = lines[0] + "," + extra.joined(separator: ",")
        let body = lines.dropFirst().map { String($0) + String(repeating: ",1", count: 1000) }
        try ([String(header)] + body).joined(separator: "\n").appending("\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        let summary = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: try score(batch.directory).summary)))
        let party = summary["parties"]?["auto_loans"]
        #expect(party?["extra_columns"]?.array?.count == 20)
        #expect((party?["extra_column_count"]?.int ?? 0) >= 1000)
        #expect(party?["extra_columns"]?.array?.allSatisfy { ($0.string?.count ?? 0) <= 65 } == true)
    }

    @Test func score_matchesTheReferenceSortedByKey() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 3000)
        let rows = try readCSV(try score(batch.directory).scores)
        #expect(rows[0] == ["tax_id", "score", "parties", "reason_1", "reason_2", "reason_3", "reason_4"])
        let body = Array(rows.dropFirst())
        #expect(body.count == batch.cells.count)
        #expect(
            body.map { $0[0] } == body.map { $0[0] }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        )
        let reference = batch.referenceScores(model: model)
        for row in body {
            #expect(abs(Double(row[1])! - reference[row[0]]!) <= 0.0051, "\(row[0])")
            let expected = model.parties.indices.filter { batch.cells[row[0]]![$0] != nil }.map {
                model.parties[$0].name
            }
            #expect(row[2] == expected.joined(separator: "|"))
            for reason in row[3...] where !reason.isEmpty { #expect(model.reasons[reason] != nil) }
        }
    }

    @Test(arguments: [3, 12])
    func score_partiesCellNamesTheKnowingPartiesInModelOrder(_ partyCount: Int) throws {
        // Long names (the cells are copied 16 bytes at a time), and more parties than have a cell per set.
        let letters = Array("abcdefghijklmnop")
        let parties = (0..<partyCount).map {
            PartyShape(name: "a\(letters[$0])_bank_with_a_rather_long_name", features: 2 + $0 % 3, hidden: [2])
        }
        let model = try SplitModel(bytes: Array(RandomModel.json(seed: 7, parties: parties, top: [4]).utf8))
        let batch = try TestBatch.write(directory: temp.file("many"), model: model, customers: 400, coverage: 0.5)
        let paths = ResultPaths(besideScores: temp.file("many-out/scores.csv"))
        try FileManager.default.createDirectory(
            atPath: FileIO.directory(of: paths.scores), withIntermediateDirectories: true)
        _ = try BatchScorer(model: model, options: ScoringOptions(threads: 2)).score(
            batchDirectory: batch.directory, results: paths)
        let body = try readCSV(paths.scores).dropFirst()
        #expect(body.count == batch.cells.count)
        let reference = batch.referenceScores(model: model)
        for row in body {
            let known = model.parties.indices.filter { batch.cells[row[0]]![$0] != nil }
            #expect(row[2] == known.map { model.parties[$0].name }.joined(separator: "|"), "\(row[0])")
            #expect(abs(Double(row[1])! - reference[row[0]]!) <= 0.0051, "\(row[0])")
            for reason in row[3...] where !reason.isEmpty { #expect(model.reasons[reason] != nil) }
        }
    }

    @Test func score_isByteIdenticalAcrossThreadCountsAndRowOrders() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 5000)
        let one = try String(contentsOfFile: try score(batch.directory, threads: 1).scores, encoding: .utf8)
        let three = try String(contentsOfFile: try score(batch.directory, threads: 3).scores, encoding: .utf8)
        #expect(one == three)
        // Rows and columns shuffled differently, and a BOM: the same bytes.
        for (i, party) in model.parties.enumerated() {
            try batch.writeShard(party: party.name, model: model, seed: 1000 + UInt64(i), bom: i == 1)
        }
        let shuffled = try String(contentsOfFile: try score(batch.directory, threads: 2).scores, encoding: .utf8)
        #expect(shuffled == one)
    }

    @Test func score_batchMissingAPartyScoresWithItsMaskAtZero() throws {
        let names = ["auto_loans", "home_loans", "credit_card"]
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 800, parties: names)
        let paths = try score(batch.directory)
        let reference = batch.referenceScores(model: model)
        for row in try readCSV(paths.scores).dropFirst() {
            #expect(abs(Double(row[1])! - reference[row[0]]!) <= 0.0051)
            #expect(!row[2].contains("digital_savings"))
        }
        let summary = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: paths.summary)))
        #expect(summary["parties"]?["digital_savings"]?["input"]?.string == "absent")
        #expect(summary["parties"]?["auto_loans"]?["extra_columns"]?.array == [.string("note")])
    }

    @Test func score_customerKnownToOnePartyOnly() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 2000, coverage: 0.3)
        let rows = try readCSV(try score(batch.directory).scores).dropFirst()
        #expect(rows.contains { !$0[2].contains("|") })
        let reference = batch.referenceScores(model: model)
        for row in rows where !row[2].contains("|") { #expect(abs(Double(row[1])! - reference[row[0]]!) <= 0.0051) }
    }

    @Test func score_headerOnlyShardKnowsNobody_emptyShardFailsTheBatch() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 300)
        let header = (["tax_id"] + model.parties[2].features.map(\.name)).joined(separator: ",") + "\n"
        try header.write(toFile: batch.directory + "/home_loans.csv", atomically: true, encoding: .utf8)
        let rows = try readCSV(try score(batch.directory).scores).dropFirst()
        #expect(rows.allSatisfy { !$0[2].contains("home_loans") })
        try "".write(toFile: batch.directory + "/home_loans.csv", atomically: true, encoding: .utf8)
        let error = scoringError(batch.directory)
        #expect(error?.code == .columns)
        #expect(error?.message.contains("home_loans") == true)
    }

    @Test func score_missingColumnNamesPartyAndColumn() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 100)
        let path = batch.directory + "/credit_card.csv"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "credit_card_f1", with: "renamed").write(
            toFile: path, atomically: true, encoding: .utf8)
        let error = scoringError(batch.directory)
        #expect(error?.code == .columns)
        #expect(error?.message == "party credit_card: credit_card.csv has no column \"credit_card_f1\"")
    }

    @Test func score_duplicateKeyNamesPartyAndBothLines() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 100)
        let path = batch.directory + "/auto_loans.csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.append(lines[3])
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let error = scoringError(batch.directory)
        #expect(error?.code == .duplicateKey)
        #expect(error?.message == "party auto_loans: auto_loans.csv has the same key on lines 4 and \(lines.count)")
    }

    @Test func score_badValuesGoToRejectsAndTheShareLimitFailsTheBatch() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 1000)
        let path = batch.directory + "/digital_savings.csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let column = header.firstIndex(of: "digital_savings_f2")!
        func spoil(_ line: Int, _ text: String) {
            var fields = lines[line].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[column] = text
            lines[line] = fields.joined(separator: ",")
        }
        spoil(5, "abc")
        spoil(9, "NaN")
        spoil(12, "1e999")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let paths = try score(batch.directory)
        let rejects = try readCSV(paths.rejects)
        #expect(rejects[0] == ["tax_id", "party", "line", "column", "reason"])
        #expect(rejects.count == 4)
        let byLine = Dictionary(uniqueKeysWithValues: rejects.dropFirst().map { ($0[2], $0) })
        #expect(byLine["6"]?[4] == "not a number")
        #expect(byLine["10"]?[4] == "not a number")
        #expect(byLine["13"]?[4] == "not a finite number")
        #expect(byLine["6"]?[3] == "digital_savings_f2")
        let scored = Set(try readCSV(paths.scores).dropFirst().map { $0[0] })
        for reject in rejects.dropFirst() { #expect(!scored.contains(reject[0])) }
        #expect(scored.count == batch.cells.count - 3)
        // Rejected values never appear in the rejects file.
        let rejectsText = try String(contentsOfFile: paths.rejects, encoding: .utf8)
        #expect(!rejectsText.contains("abc") && !rejectsText.contains("1e999"))
        // With a lower limit the batch fails, keeping rejects.csv and summary.json, without scores.csv.
        let strict = ResultPaths(besideScores: temp.file("strict/scores.csv"))
        try FileManager.default.createDirectory(atPath: temp.file("strict"), withIntermediateDirectories: true)
        #expect(throws: ScoringError.self) {
            _ = try BatchScorer(model: model, options: ScoringOptions(maxRejectShare: 0.001))
                .score(batchDirectory: batch.directory, results: strict)
        }
        #expect(FileManager.default.fileExists(atPath: strict.rejects))
        #expect(!FileManager.default.fileExists(atPath: strict.scores))
        let summary = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: strict.summary)))
        #expect(summary["status"]?.string == "failed")
    }

    @Test func score_unknownPartyOrMissingShardRejectsTheBatch() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 50)
        try batch.writeManifest(parties: ["auto_loans", "mortgages"])
        #expect(scoringError(batch.directory)?.code == .manifest)
        try FileManager.default.removeItem(atPath: batch.directory + "/auto_loans.csv")
        try batch.writeManifest(parties: ["auto_loans"])
        #expect(scoringError(batch.directory)?.message.contains("no auto_loans.csv") == true)
    }

    @Test func score_representationShardGivesTheSameScores() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 2500)
        let raw = try readCSV(try score(batch.directory).scores)
        let outcome = try Embedder(model: model).embed(
            party: "home_loans", shardPath: batch.directory + "/home_loans.csv",
            outputPath: batch.directory + "/home_loans.repr.csv")
        #expect(outcome.badRows == 0)
        try FileManager.default.removeItem(atPath: batch.directory + "/home_loans.csv")
        let repr = try readCSV(try score(batch.directory).scores)
        #expect(repr.map { Array($0[0...2]) } == raw.map { Array($0[0...2]) })
        #expect(repr.dropFirst().contains { $0[3...].contains("home_loans") })
        #expect(!repr.dropFirst().contains { $0[3...].contains { $0.hasPrefix("HO") } })
        // The raw columns never reach the scorer: the representation has only the key, r1..rK and the model id.
        let header = try readCSV(batch.directory + "/home_loans.repr.csv")[0]
        #expect(header == ["tax_id", "r1", "r2", "r3", "r4", "model"])
    }

    @Test func score_representationOfAnotherModelIsRejected() throws {
        let batch = try TestBatch.write(directory: temp.file("b"), model: model, customers: 100)
        _ = try Embedder(model: model).embed(
            party: "credit_card", shardPath: batch.directory + "/credit_card.csv",
            outputPath: batch.directory + "/credit_card.repr.csv")
        try FileManager.default.removeItem(atPath: batch.directory + "/credit_card.csv")
        let other = try SplitModel(bytes: Array((Self.modelText + " ").utf8))
        let paths = ResultPaths(besideScores: temp.file("x.csv"))
        #expect {
            _ = try BatchScorer(model: other).score(batchDirectory: batch.directory, results: paths)
        } throws: { ($0 as? ScoringError)?.code == .modelMismatch }
    }

    @Test func score_quotesKeysThatNeedIt() throws {
        let dir = temp.file("q")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let features = model.parties[3].features.map(\.name)
        let text = "tax_id," + features.joined(separator: ",") + "\n\"a,b\",1,2,3\n\"c\"\"d\",4,5,6\nplain,7,8,9\n"
        try text.write(toFile: dir + "/credit_card.csv", atomically: true, encoding: .utf8)
        try Manifest(batch: "q", parties: ["credit_card"]).jsonText.write(
            toFile: dir + "/manifest.json", atomically: true, encoding: .utf8)
        let output = try String(contentsOfFile: try score(dir).scores, encoding: .utf8)
        let lines = output.split(separator: "\n").dropFirst().map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("\"a,b\",") && lines[1].hasPrefix("\"c\"\"d\",") && lines[2].hasPrefix("plain,"))
    }
}

extension BatchScorerTests {
    @Test func rejects_givePhysicalLinesAfterQuotedLineBreaks() throws {
        let dir = temp.file("lines")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let features = model.parties[3].features.map(\.name)
        let text =
            "tax_id,note," + features.joined(separator: ",") + "\n"
            + "k1,\"two\nlines\",1,2,3\n" + "k2,plain,1,oops,3\n" + "k3,\"three\r\nlines\nhere\",1,2,3\n"
            + "k4,x,bad,2,3\n"
        try text.write(toFile: dir + "/credit_card.csv", atomically: true, encoding: .utf8)
        try Manifest(batch: "lines", parties: ["credit_card"]).jsonText.write(
            toFile: dir + "/manifest.json", atomically: true, encoding: .utf8)
        let rejects = try readCSV(try score(dir, maxRejectShare: 1).rejects)
        #expect(
            rejects.dropFirst().map { [$0[0], $0[2], $0[3]] } == [
                ["k2", "4", "credit_card_f1"], ["k4", "8", "credit_card_f0"],
            ])
    }
}
