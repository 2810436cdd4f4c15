import Core
import Fixtures
import Foundation
import Model
import Testing
import Worker

/// Derived features and a tree-ensemble party, end to end through the scorer.
@Suite struct DerivedFeatureTests {
    // One party: features r = (0.03 * a) / (b / 12) (zero divisor -> 1) and p = (a * b) / 100, standardized with
    // mean 0 and std 1. One tree: r < 0.5 ? leaf 1 : leaf 2 (missing r goes left). The top subtracts the leaf index
    // from 3.25: z = 3.25 - leaf, output linear. The reference customer (all inputs 0) reaches leaf 1, so a customer
    // in leaf 2 is pulled down by the party as a whole.
    static let model = """
        {"format": "vfl-model", "version": 1, "name": "derived", "key": "k",
         "parties": [{"name": "bank", "features": [
             {"name": "r", "derive": {"op": "ratio", "of": ["a", "b"], "scale": 0.03, "divisor": 12}},
             {"name": "p", "derive": {"op": "product", "of": ["a", "b"], "divisor": 100}}],
           "layers": [
             {"kind": "tree_ensemble", "in": 2, "output": "leaves", "trees": [
               {"left": [1, -1, -1], "right": [2, -1, -1], "feature": [0, 0, 0], "threshold": [0.5, 0, 0],
                "default_left": [1, 0, 0]}]}]},
           {"name": "plain", "features": [{"name": "p2"}], "layers": []}],
         "top": {"masks": false, "layers": [{"kind": "dense", "in": 2, "out": 1, "activation": "linear",
           "weights": [-1, 0], "bias": [3.25]}]},
         "output": {"kind": "linear"}}
        """

    @Test func derivedColumnsAndMissingValuesReachTheTrees() throws {
        let temp = TemporaryDirectory()
        let batch = temp.file("batch")
        try FileIO.makeDirectories(batch)
        // r = (0.03*a)/(b/12): k1 0.03*100/(72/12) = 0.5 -> right; k2 0.03*10/(72/12) = 0.05 -> left;
        // k3 b = 0 -> divisor 1 -> 0.03*100 = 3 -> right; k4 a empty -> missing -> left.
        try "k,a,b\nk1,100,72\nk2,10,72\nk3,100,0\nk4,,72\n".write(
            toFile: batch + "/bank.csv", atomically: true, encoding: .utf8)
        try #"{"batch": "d", "parties": ["bank"]}"#.write(
            toFile: batch + "/manifest.json", atomically: true, encoding: .utf8)
        let model = try SplitModel(bytes: Array(Self.model.utf8))
        let paths = ResultPaths(besideScores: temp.file("out/scores.csv"))
        try FileIO.makeDirectories(temp.file("out"))
        var options = ScoringOptions(threads: 1)
        options.decimals = 4
        _ = try BatchScorer(model: model, options: options).score(batchDirectory: batch, results: paths)
        let rows = try readCSV(paths.scores).dropFirst()
        #expect(rows.map { $0[0] } == ["k1", "k2", "k3", "k4"])
        #expect(rows.map { $0[1] } == ["1.2500", "2.2500", "1.2500", "2.2500"])
        // The tree party is attributed as a whole, under its name: leaf 2 pulls the score down, leaf 1 is the
        // reference.
        #expect(rows.map { $0[3] } == ["bank", "", "bank", ""])
    }

    @Test func derivationArithmeticIsTheSeedsOrder() {
        let ratio = Derivation(operation: .ratio, columns: ("a", "b"), scale: 0.03, divisor: 12)
        #expect(ratio.value(41_234.56, 75_000.01) == 0.03 * 41_234.56 / (75_000.01 / 12))
        #expect(ratio.value(5, 0) == 0.03 * 5)
        let product = Derivation(operation: .product, columns: ("a", "b"), scale: 1, divisor: 100)
        #expect(product.value(75_000.01, 61.7) == 75_000.01 * 61.7 / 100)
    }
}
