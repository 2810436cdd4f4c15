import Core
import Fixtures
import Foundation
import Testing
import Worker

@Suite struct ScoreComparisonTests {
    let temp = TemporaryDirectory()

    @Test(arguments: [
        ([1.0, 2, 3, 4, 5], 0.5, 3.0),
        ([1.0, 2, 3, 4], 0.5, 2.5),
        ([1.0, 2, 3, 4], 0.25, 1.75),
        ([10.0, 20, 30, 40, 50], 0.01, 10.4),
        ([10.0, 20, 30, 40, 50], 0.99, 49.6),
        ([7.0], 0.95, 7.0),
    ])
    func quantile_interpolatesBetweenOrderStatistics(values: [Double], p: Double, expected: Double) {
        #expect(abs(ScoreComparison.quantile(sorted: values, p)! - expected) < 1e-12)
    }

    @Test func quantile_ofNothingIsNil() {
        #expect(ScoreComparison.quantile(sorted: [], 0.5) == nil)
    }

    @Test func averageRanks_giveTiesTheMeanOfTheirRanks() {
        #expect(ScoreComparison.averageRanks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
        #expect(ScoreComparison.averageRanks([5, 5, 5]) == [2, 2, 2])
        #expect(ScoreComparison.averageRanks([3, 1, 2, 1]) == [4, 1.5, 3, 1.5])
    }

    @Test func spearman_matchesHandComputedValues() throws {
        // Ranks x = 1 2 3 4 5, y = 2 1 4 3 5: d² = 1+1+1+1+0 = 4, rho = 1 - 6*4/(5*24) = 0.8.
        #expect(abs(try #require(ScoreComparison.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])) - 0.8) < 1e-12)
        #expect(ScoreComparison.spearman([1, 2, 3], [30, 20, 10]) == -1)
        // Ties: x ranks 1 2.5 2.5 4, y ranks 1 2 3 4: Pearson = 4.5 / sqrt(4.5 * 5).
        let tied = try #require(ScoreComparison.spearman([1, 2, 2, 3], [1, 2, 3, 4]))
        #expect(abs(tied - 4.5 / (4.5 * 5.0).squareRoot()) < 1e-12)
        #expect(ScoreComparison.spearman([4, 4, 4], [1, 2, 3]) == nil)
        #expect(ScoreComparison.spearman([1], [1]) == nil)
    }

    @Test func psi_matchesHandComputedValues() throws {
        // Shares e = 0.5 0.5, a = 0.25 0.75: (0.25-0.5) ln(0.5) + (0.75-0.5) ln(1.5).
        let value = try #require(ScoreComparison.psi(expected: [2, 2], actual: [1, 3]))
        #expect(abs(value - (-0.25 * log(0.5) + 0.25 * log(1.5))) < 1e-12)
        #expect(ScoreComparison.psi(expected: [3, 0, 5], actual: [3, 0, 5]) == 0)
        // An empty bin's share is the epsilon.
        let guarded = try #require(ScoreComparison.psi(expected: [1, 0], actual: [1, 1], epsilon: 1e-4))
        #expect(abs(guarded - ((0.5 - 1) * log(0.5) + (0.5 - 1e-4) * log(0.5 / 1e-4))) < 1e-12)
        #expect(ScoreComparison.psi(expected: [0, 0], actual: [1, 0]) == nil)
    }

    @Test func binCounts_putScoresOutsideTheRangeInTheEndBins() {
        let counts = ScoreComparison.binCounts([250, 300, 354.99, 355, 849.99, 850, 900])
        #expect(counts == [3, 1, 0, 0, 0, 0, 0, 0, 0, 3])
    }

    @Test func swaps_countEachDirection() {
        let pairs = [
            ScorePair(champion: 579, challenger: 580, sameFirstReason: true),  // up at 580
            ScorePair(champion: 580, challenger: 579.99, sameFirstReason: false),  // down at 580
            ScorePair(champion: 650, challenger: 710, sameFirstReason: true),  // up at 660 and 700
            ScorePair(champion: 600, challenger: 600, sameFirstReason: true),
        ]
        #expect(ScoreComparison.swaps(pairs, cutoff: 580) == (1, 1))
        #expect(ScoreComparison.swaps(pairs, cutoff: 620) == (0, 0))
        #expect(ScoreComparison.swaps(pairs, cutoff: 700) == (1, 0))
    }

    @Test func json_ofIdenticalScoresHasNoShiftNoSwapsPSIZeroAndSpearmanOne() throws {
        let scores: [Double] = [512.25, 600, 600, 655.5, 701, 790.75, 333]
        let pairs = scores.map { ScorePair(champion: $0, challenger: $0, sameFirstReason: true) }
        let json = ScoreComparison.json(pairs: pairs, counts: .init(champion: 7, challenger: 7))
        #expect(json["spearman"] == 1)
        #expect(json["psi"]?["value"] == 0)
        #expect(json["score_shift"]?["mean"] == 0)
        for name in ["median"] + ScoreComparison.quantiles.map(\.name) {
            #expect(json["score_shift"]?[name] == 0, "\(name)")
        }
        #expect(json["score_shift"]?.object?.count == 17)
        #expect(json["swaps"]?.array?.allSatisfy { $0["up"] == 0 && $0["down"] == 0 } == true)
        #expect(json["first_reason_agreement"] == 1)
        #expect(json["customers"]?["both"] == 7)
    }

    @Test func json_reportsTheShiftRoundedAndTheCounts() throws {
        let pairs = [
            ScorePair(champion: 600, challenger: 601, sameFirstReason: true),
            ScorePair(champion: 610, challenger: 612, sameFirstReason: false),
            ScorePair(champion: 620, challenger: 620, sameFirstReason: true),
        ]
        let json = ScoreComparison.json(pairs: pairs, counts: .init(champion: 5, challenger: 3))
        #expect(json["score_shift"]?["mean"] == 1)
        #expect(json["score_shift"]?["median"] == 1)
        #expect(json["score_shift"]?["p25"] == 0.5)
        #expect(json["score_shift"]?["p10"] == 0.2 && json["score_shift"]?["p90"] == 1.8)
        #expect(json["first_reason_agreement"] == 0.666667)
        #expect(json["customers"]?["only_champion"] == 2)
        #expect(json["customers"]?["only_challenger"] == 0)
        // 612 is at or above 620? no; 620 stays: no swap at 620. 610 -> 612 crosses nothing.
        #expect(json["swaps"]?.array?.first { $0["cutoff"] == 620 }?["up"] == 0)
    }

    @Test func pairs_joinTwoScoresFilesByKey() throws {
        let header = "tax_id,score,parties,reason_1,reason_2,reason_3,reason_4\n"
        let a = temp.file("a.csv")
        let b = temp.file("b.csv")
        try (header + "k1,600.00,p,A1,,,\nk2,610.50,p,A2,,,\nk4,700.00,p,,,,\n").write(
            toFile: a, atomically: true, encoding: .utf8)
        try (header + "k2,611.00,p,A2,,,\nk3,500.00,p,A1,,,\nk4,690.25,p,A9,,,\n").write(
            toFile: b, atomically: true, encoding: .utf8)
        let (pairs, counts) = try ScoreComparison.pairs(championScores: a, challengerScores: b)
        #expect(
            pairs == [
                ScorePair(champion: 610.5, challenger: 611, sameFirstReason: true),
                ScorePair(champion: 700, challenger: 690.25, sameFirstReason: false),
            ])
        #expect(counts == .init(champion: 3, challenger: 3))
    }

    @Test func document_isTheSameBytesForTheSameInputs() throws {
        let header = "tax_id,score,parties,reason_1,reason_2,reason_3,reason_4\n"
        let a = temp.file("c.csv")
        let b = temp.file("d.csv")
        var rows = ""
        var other = ""
        for i in 0..<500 {
            rows += "k\(1000 + i),\(String(format: "%.2f", 300 + Double(i) * 1.1)),p,A\(i % 3),,,\n"
            other += "k\(1000 + i),\(String(format: "%.2f", 305 + Double((i * 7) % 500) * 1.09)),p,A\(i % 4),,,\n"
        }
        try (header + rows).write(toFile: a, atomically: true, encoding: .utf8)
        try (header + other).write(toFile: b, atomically: true, encoding: .utf8)
        let entries = [
            ScoreComparison.Entry(id: "abc", name: "c", scores: b, error: nil),
            ScoreComparison.Entry(id: "def", name: "d", scores: nil, error: "party x: no column"),
        ]
        let first = ScoreComparison.document(
            batch: "b", champion: ("id0", "m"), championScores: a, challengers: entries
        ).text
        let second = ScoreComparison.document(
            batch: "b", champion: ("id0", "m"), championScores: a, challengers: entries
        ).text
        #expect(first == second)
        let parsed = try JSONValue(parsing: Data(first.utf8))
        #expect(parsed["challengers"]?.array?[1]["status"] == "failed")
        #expect(parsed["challengers"]?.array?[0]["customers"]?["both"] == 500)
    }
}
