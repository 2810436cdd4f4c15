import Core
import Fixtures
import Foundation
import Model
import Testing
import Training
import Worker

@Suite struct TrainerTests {
    let temp = TemporaryDirectory()

    func generate(
        _ customers: Int, seed: UInt64, labels: Bool = true, shift: Double = 0, scoreColumn: Bool = false
    ) throws -> String {
        try TrainingTests.generate(
            customers, in: temp, seed: seed, labels: labels, shift: shift, scoreColumn: scoreColumn)
    }

    func train(_ directory: String, epochs: Int = 3, seed: UInt64 = 1, linear: Bool = false) throws -> Trainer.Report {
        var options = Trainer.Options()
        options.epochs = epochs
        options.seed = seed
        options.learningRate = 0.01
        options.compareLinear = linear
        return try Trainer(options: options) { _ in }.train(directory: directory)
    }

    func score(_ batch: String, _ model: SplitModel) throws -> (scores: [[String]], summary: JSONValue) {
        let paths = ResultPaths(besideScores: temp.file("out-\(UUID().uuidString)/scores.csv"))
        try FileIO.makeDirectories(FileIO.directory(of: paths.scores))
        let outcome = try BatchScorer(model: model, options: ScoringOptions(threads: 2)).score(
            batchDirectory: batch, results: paths)
        return (try readCSV(paths.scores), outcome.summary)
    }

    @Test func learnsAndBeatsTheLinearModel_deterministically() throws {
        let small = try generate(3_000, seed: 12)
        let first = try train(small, epochs: 1)
        #expect(first.model == (try train(small, epochs: 1)).model, "same data and seed, same model file")
        #expect(try train(small, epochs: 1, seed: 2).model != first.model)

        let data = try generate(20_000, seed: 11, scoreColumn: true)
        let report = try train(data, epochs: 6, linear: true)
        let linear = try #require(report.linear)
        #expect(report.network.overall.mae < 0.85 * linear.overall.mae)
        #expect(report.network.overall.r2 > 0.8)
        // Customers known to all four banks are scored better than those known to one.
        let byParties = report.network.byParties
        #expect(byParties[4]!.mae < byParties[1]!.mae)

        let model = try SplitModel(bytes: Array(report.model.utf8))
        // The label is never a feature, even when the shards carry it.
        #expect(model.parties.allSatisfy { party in !party.features.contains { $0.name == "credit_score" } })
        // Every reason code has a text, and reason texts are plain English.
        for party in model.parties {
            for feature in party.features { #expect(model.reasons[feature.reason] != nil, "\(feature.name)") }
        }
        #expect(model.reasons["C10"] == "Credit utilization is high")
        #expect(model.reasons["C02"] == "Payment history score is low")
        #expect(model.output == .rangeSigmoid(min: 300, max: 850))

        // The scorer reproduces the trainer's quality on the data.
        let labels = Dictionary(
            uniqueKeysWithValues: try readCSV(data + "/labels.csv").dropFirst().map { ($0[0], Double($0[1])!) })
        let scored = try score(data, model).scores.dropFirst()
        #expect(scored.count == labels.count)
        let mae = scored.reduce(0.0) { $0 + abs(Double($1[1])! - labels[$1[0]]!) } / Double(scored.count)
        #expect(mae < linear.overall.mae)
        #expect(scored.allSatisfy { !$0[3].isEmpty }, "every customer gets at least one reason")
    }

    @Test func driftIsFlaggedForAShiftedBatchOnly() throws {
        let model = try SplitModel(bytes: Array(try train(try generate(20_000, seed: 3), epochs: 2).model.utf8))
        let same = try score(try generate(20_000, seed: 4, labels: false), model).summary
        let shifted = try score(try generate(20_000, seed: 4, labels: false, shift: 0.15), model).summary
        let stable = try #require(same["drift"])
        #expect(stable["psi_band"]?.string == "stable")
        #expect(stable["shifted"]?.array?.isEmpty == true)
        let moved = try #require(shifted["drift"])
        let names = moved["shifted"]?.array?.compactMap(\.string) ?? []
        #expect(names.contains("auto_loans.credit_utilization_ratio"))
        #expect(names.contains("digital_savings.payment_history"))
        #expect(!names.contains("auto_loans.age"))
        #expect(moved["features"]?["auto_loans"]?["credit_utilization_ratio"]?["band"]?.string == "shifted")
        #expect((moved["psi"]?.double ?? 0) > (stable["psi"]?.double ?? 1))
    }

    @Test func badLabelsNameFileLineAndColumn() throws {
        let data = try generate(300, seed: 1)
        var text = try String(contentsOfFile: data + "/labels.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: "\n", with: "\n", options: [], range: nil)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[5] = lines[5].split(separator: ",")[0] + ",high"
        try lines.joined(separator: "\n").write(toFile: data + "/labels.csv", atomically: true, encoding: .utf8)
        #expect {
            try train(data, epochs: 1)
        } throws: { error in
            let message = (error as? TrainingError)?.message ?? ""
            return message.contains("labels.csv line 6, column 2 (credit_score): not a number")
        }
    }
}
