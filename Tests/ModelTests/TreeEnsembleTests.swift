import Core
import Foundation
import Model
import Testing

@Suite struct TreeEnsembleTests {
    /// Two inputs, two trees of two classes:
    /// tree 0 (class 0): x0 < 0.5 ? (x1 < -1 ? leaf 3 : leaf 4) : leaf 2, missing x0 goes right, missing x1 left;
    /// tree 1 (class 1): x1 < 0.1 (float32) ? leaf 1 : leaf 2, missing goes left.
    static func model(output: String) -> String {
        """
        {"format": "vfl-model", "version": 1, "name": "trees", "key": "k",
         "parties": [{"name": "p", "features": [{"name": "a"}, {"name": "b"}],
           "layers": [{"kind": "tree_ensemble", "in": 2, "output": "\(output)", "classes": 2, "base_score": [0.5, -0.5],
             "trees": [
               {"left": [1, 3, -1, -1, -1], "right": [2, 4, -1, -1, -1], "feature": [0, 1, 0, 0, 0],
                "threshold": [0.5, -1, 0, 0, 0], "default_left": [0, 1, 0, 0, 0], "value": [0, 0, 10, 20, 30],
                "class": 0},
               {"left": [1, -1, -1], "right": [2, -1, -1], "feature": [1, 0, 0], "threshold": [0.1, 0, 0],
                "default_left": [1, 0, 0], "value": [0, 100, 200], "class": 1}]}]}],
         "top": {"masks": false, "layers": [{"kind": "dense", "in": \(output == "leaves" ? 2 : 2), "out": 1,
           "activation": "linear", "weights": [1, 1], "bias": [0]}]},
         "output": {"kind": "linear"}}
        """
    }

    func run(_ output: String, _ rows: [[Float]]) throws -> [[Float]] {
        let model = try SplitModel(bytes: Array(Self.model(output: output).utf8))
        let evaluator = NetworkEvaluator(model: model, capacity: 16)
        let input = evaluator.featureInput(party: 0)
        for (i, row) in rows.enumerated() { for (j, v) in row.enumerated() { input[i * 2 + j] = v } }
        var out = [Float](repeating: -9, count: 16 * 2)
        out.withUnsafeMutableBufferPointer {
            evaluator.representations(party: 0, rows: rows.count, output: $0.baseAddress!, ldo: 2)
        }
        return (0..<rows.count).map { Array(out[($0 * 2)..<($0 * 2 + 2)]) }
    }

    @Test func leaves_followSplitsMissingValuesAndFloat32Comparison() throws {
        let nan = Float.nan
        let rows: [[Float]] = [
            [0, -2],  // left, left -> leaf 3; x1 < 0.1 -> leaf 1
            [0, 0],  // left, right -> leaf 4; leaf 1
            [1, 5],  // right -> leaf 2; leaf 2
            [nan, nan],  // x0 missing goes right -> leaf 2; x1 missing goes left -> leaf 1
            [0, nan],  // left, x1 missing goes left -> leaf 3; leaf 1
            [0.5, Float(0.1)],  // 0.5 is not < 0.5 -> leaf 2; float32(0.1) is not < float32(0.1) -> leaf 2
        ]
        let out = try run("leaves", rows)
        #expect(out == [[3, 1], [4, 1], [2, 2], [2, 1], [3, 1], [2, 2]])
    }

    @Test func margin_sumsLeafValuesPerClassPlusBaseScore() throws {
        let out = try run("margin", [[0, -2], [1, 5]])
        #expect(out == [[20.5, 99.5], [10.5, 199.5]])
    }

    /// A tree ensemble reads a missing cell as NaN, a network as 0: the same features do not give the same inputs,
    /// so the memory plan does not count them as shared (the worker does not share them).
    @Test func readsInputs_ofTreesAndOfANetworkOnTheSameFeaturesDiffer() throws {
        let trees = try SplitModel(bytes: Array(Self.model(output: "margin").utf8))
        let dense = try SplitModel(
            bytes: Array(
                """
                {"format": "vfl-model", "version": 1, "name": "net", "key": "k",
                 "parties": [{"name": "p", "features": [{"name": "a"}, {"name": "b"}],
                   "layers": [{"kind": "dense", "in": 2, "out": 2, "activation": "relu", "weights": [1, 0, 0, 1],
                     "bias": [0, 0]}]}],
                 "top": {"masks": false, "layers": [{"kind": "dense", "in": 2, "out": 1, "activation": "linear",
                   "weights": [1, 1], "bias": [0]}]},
                 "output": {"kind": "linear"}}
                """.utf8))
        #expect(trees.parties[0].readsInputs(like: trees.parties[0]))
        #expect(dense.parties[0].readsInputs(like: dense.parties[0]))
        #expect(!trees.parties[0].readsInputs(like: dense.parties[0]))
        #expect(!dense.parties[0].readsInputs(like: trees.parties[0]))
    }

    @Test func malformedTreesAreLoadErrorsNamingTheTree() {
        func error(_ text: String) -> String {
            do {
                _ = try SplitModel(bytes: Array(text.utf8))
                return ""
            } catch { return "\(error)" }
        }
        let good = Self.model(output: "leaves")
        #expect(
            error(good.replacingOccurrences(of: "\"right\": [2, -1, -1]", with: "\"right\": [0, -1, -1]"))
                .contains("tree 1"))
        #expect(
            error(good.replacingOccurrences(of: "\"feature\": [1, 0, 0]", with: "\"feature\": [7, 0, 0]"))
                .contains("tree 1 node 0: feature 7"))
        #expect(error(good.replacingOccurrences(of: "\"class\": 1}", with: "\"class\": 5}")).contains("class"))
    }

    @Test func classesBeyondTheLimitAreALoadErrorNotAnAllocation() {
        // "classes": 10^12 once allocated 4 TB of base scores before anything else was checked.
        let huge = Self.model(output: "margin").replacingOccurrences(of: "\"classes\": 2", with: "\"classes\": 1e12")
        #expect(throws: ModelError.self) { try SplitModel(bytes: Array(huge.utf8)) }
        let most = "\"classes\": \(TreeEnsembleLayer.maxClasses + 1)"
        let over = Self.model(output: "margin").replacingOccurrences(of: "\"classes\": 2", with: most)
        #expect(throws: ModelError.self) { try SplitModel(bytes: Array(over.utf8)) }
    }
}
