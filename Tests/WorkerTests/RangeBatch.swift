import Core
import Fixtures
import Foundation
import Model
import Spool

/// A small two-party model and batches for the accepted ranges (docs/model-format.md, "Accepted ranges"): ordinary
/// customers plus hostile ones whose values are out of range, or overflow a layer.
///
/// The bank's layer is relu, `plain`'s weight 2 in unit 0 only: 3e38 overflows to +inf (and poisons the output), -3e38
/// to -inf, which the relu turns into 0 (hidden, unless checked before the activation). The top's first layer is tanh
/// with `other_value`'s weight 2: 3e38 overflows there and tanh hides it (tanh(inf) = 1).
enum RangeBatch {
    static let modelText = """
        {"format": "vfl-model", "version": 1, "name": "range", "key": "tax_id",
         "parties": [
           {"name": "bank", "features": [
              {"name": "annual_income", "mean": 50000, "std": 20000, "reason": "B1"},
              {"name": "small", "mean": 0, "std": 0.1, "reason": "B2"},
              {"name": "plain", "mean": 0, "std": 1, "reason": "B3"},
              {"name": "amount", "mean": 5, "std": 2, "transform": "signed_log1p", "reason": "B4"},
              {"name": "debt_ratio", "derive": {"op": "ratio", "of": ["debt", "annual_income"]}, "mean": 0.5,
               "std": 0.3, "reason": "B5"},
              {"name": "flag", "mean": 0.5, "std": 0.5, "values": {"Y": 1, "N": 0}, "reason": "B6"}],
            "layers": [{"kind": "dense", "in": 6, "out": 3, "activation": "relu",
              "weights": [0.4, -0.3, 0.2,  0.1, 0.2, -0.1,  2, 0, 0,  0.3, 0.1, -0.2,  -0.5, 0.2, 0.1,  0.2, -0.1, 0.3],
              "bias": [0.1, 0.1, 0.1]}]},
           {"name": "other", "features": [{"name": "other_value", "mean": 0, "std": 1, "reason": "O1"}],
            "layers": []}],
         "top": {"masks": true, "layers": [
           {"kind": "dense", "in": 6, "out": 2, "activation": "tanh",
            "weights": [0.8, -0.4,  -0.6, 0.5,  0.3, 0.7,  2, 0.5,  0.1, -0.1,  -0.2, 0.1], "bias": [0, 0]},
           {"kind": "dense", "in": 2, "out": 1, "activation": "linear", "weights": [1.5, -1.2], "bias": [0.2]}]},
         "output": {"kind": "range_sigmoid", "min": 300, "max": 850},
         "reasons": {"B1": "income", "B2": "small", "B3": "plain", "B4": "amount", "B5": "debt ratio", "B6": "flag",
                     "O1": "other"}}
        """

    static let model = try! SplitModel(bytes: Array(modelText.utf8))
    static let bankColumns = ["tax_id", "annual_income", "small", "plain", "amount", "debt", "flag"]
    static let otherColumns = ["tax_id", "other_value"]

    /// One hostile customer: its cells that differ from an ordinary row, and the reject expected (nil: scored).
    struct Hostile: Sendable, CustomStringConvertible {
        var name: String
        var party: String
        var cells: [String: String]
        var reason: String?
        var column: String

        var description: String { name }
    }

    static let hostile: [Hostile] = [
        Hostile(
            name: "income 1e300", party: "bank", cells: ["annual_income": "1e300"], reason: "out of range",
            column: "annual_income"),
        Hostile(
            name: "income -1e300", party: "bank", cells: ["annual_income": "-1e300"], reason: "out of range",
            column: "annual_income"),
        Hostile(
            name: "income 1.7e308", party: "bank", cells: ["annual_income": "1.7e308"], reason: "out of range",
            column: "annual_income"),
        // Standardized, 5e34 would be a finite float32: the cell itself is beyond float32.
        Hostile(
            name: "income 1e39", party: "bank", cells: ["annual_income": "1e39"], reason: "out of range",
            column: "annual_income"),
        Hostile(name: "plain 1e39", party: "bank", cells: ["plain": "1e39"], reason: "out of range", column: "plain"),
        Hostile(
            name: "small 3.5e38 (std 0.1)", party: "bank", cells: ["small": "3.5e38"], reason: "out of range",
            column: "small"),
        // The cell is a float32, its standardized value (3.5e38) is not.
        Hostile(
            name: "small 3.5e37 (std 0.1)", party: "bank", cells: ["small": "3.5e37"], reason: "out of range",
            column: "small"),
        Hostile(
            name: "amount 1e300 (log)", party: "bank", cells: ["amount": "1e300"], reason: "out of range",
            column: "amount"),
        // debt / income = 1e68: finite operands, a derived value beyond float32.
        Hostile(
            name: "ratio 1e68", party: "bank", cells: ["debt": "1e38", "annual_income": "1e-30"],
            reason: "out of range", column: "debt_ratio"),
        Hostile(
            name: "plain 3e38 overflows", party: "bank", cells: ["plain": "3e38"],
            reason: "out of range in the network", column: "plain"),
        Hostile(
            name: "plain -3e38 overflows under relu", party: "bank", cells: ["plain": "-3e38"],
            reason: "out of range in the network", column: "plain"),
        Hostile(
            name: "other 3e38 overflows the top under tanh", party: "other", cells: ["other_value": "3e38"],
            reason: "out of range in the network", column: "other_value"),
        Hostile(
            name: "not a number", party: "bank", cells: ["plain": "1e3x"], reason: "not a number",
            column: "plain"),
        Hostile(
            name: "not a finite number", party: "other", cells: ["other_value": "-1e999"],
            reason: "not a finite number", column: "other_value"),
        // Accepted: finite and the network stays finite (ln 1e38 is 87.5; 2e30 saturates the tanh).
        Hostile(
            name: "amount 1e38 (log) is scored", party: "bank", cells: ["amount": "1e38"], reason: nil,
            column: ""),
        Hostile(name: "plain 1e30 is scored", party: "bank", cells: ["plain": "1e30"], reason: nil, column: ""),
    ]

    /// The key of hostile customer `i` (between ordinary keys).
    static func hostileKey(_ i: Int) -> String { String(format: "c%04dh", i * 13 + 5) }

    /// Writes a batch: `customers` ordinary customers (keys `c0000`...), then the hostile ones, each known to both
    /// parties, appended to the shards in order (bank and other rows for hostile customer i are the last rows).
    ///
    /// - Parameter ingestable: Adds a column named `debt_ratio` (ignored by the scorer, which derives the feature from
    ///   `debt` and `annual_income`): ingest's header check still asks for a column named like every feature, derived
    ///   ones included.
    /// - Returns: Per hostile customer, the line of its row in its party's shard.
    @discardableResult
    static func write(
        directory: String, customers: Int = 300, hostile: [Hostile] = [], seed: UInt64 = 1, ingestable: Bool = false
    ) throws -> [Int] {
        let bankColumns = bankColumns + (ingestable ? ["debt_ratio"] : [])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SeededRandom(seed: seed)
        func ordinary() -> (bank: [String: String], other: [String: String]) {
            let bank: [String: String] = [
                "annual_income": String(format: "%.2f", random.uniform(10_000...120_000)),
                "small": String(format: "%.4f", random.uniform(-0.2...0.2)),
                "plain": String(format: "%.3f", random.uniform(-2...2)),
                "amount": String(format: "%.2f", random.uniform(0...5000)),
                "debt": String(format: "%.2f", random.uniform(0...60_000)),
                "flag": Bool.random(using: &random) ? "Y" : "N", "debt_ratio": "x",
            ]
            return (bank, ["other_value": String(format: "%.3f", random.uniform(-2...2))])
        }
        var bankRows: [String] = []
        var otherRows: [String] = []
        func row(_ key: String, _ cells: [String: String], _ columns: [String]) -> String {
            ([key] + columns.dropFirst().map { cells[$0]! }).joined(separator: ",")
        }
        for c in 0..<customers {
            let key = String(format: "c%04d", c)
            let cells = ordinary()
            let inBank = random.uniform(0...1) < 0.9
            if inBank { bankRows.append(row(key, cells.bank, bankColumns)) }
            if !inBank || random.uniform(0...1) < 0.7 { otherRows.append(row(key, cells.other, otherColumns)) }
        }
        var lines: [Int] = []
        for (i, h) in hostile.enumerated() {
            var cells = ordinary()
            if h.party == "bank" {
                cells.bank.merge(h.cells) { $1 }
            } else {
                cells.other.merge(h.cells) { $1 }
            }
            bankRows.append(row(hostileKey(i), cells.bank, bankColumns))
            otherRows.append(row(hostileKey(i), cells.other, otherColumns))
            lines.append((h.party == "bank" ? bankRows.count : otherRows.count) + 1)
        }
        try ([bankColumns.joined(separator: ",")] + bankRows).joined(separator: "\n").appending("\n").write(
            toFile: directory + "/bank.csv", atomically: true, encoding: .utf8)
        try ([otherColumns.joined(separator: ",")] + otherRows).joined(separator: "\n").appending("\n").write(
            toFile: directory + "/other.csv", atomically: true, encoding: .utf8)
        try Manifest(batch: "range", parties: ["bank", "other"]).jsonText.write(
            toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
        return lines
    }

    /// The `rejects.csv` lines expected for the hostile customers (in key order, as the file has them).
    static func expectedRejects(_ hostile: [Hostile], lines: [Int]) -> [[String]] {
        hostile.indices.filter { hostile[$0].reason != nil }
            .map { i in [hostileKey(i), hostile[i].party, "\(lines[i])", hostile[i].column, hostile[i].reason!] }
            .sorted { $0[0] < $1[0] }
    }
}
