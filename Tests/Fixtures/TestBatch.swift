import Core
import Foundation
public import Model
import Spool

/// A generated batch folder for a model: one shard per party with random values, keys `NNN-NN-NNNN`, and the
/// reference score of every customer.
public struct TestBatch {
    /// The batch folder.
    public var directory: String
    /// Per customer key: per party (model order) the raw cell texts by feature, or `nil` when unknown.
    public var cells: [String: [[String]?]]

    /// Writes a batch.
    ///
    /// - Parameters:
    ///   - directory: Created if needed.
    ///   - model: The model whose features the shards carry.
    ///   - customers: How many customer keys to draw.
    ///   - parties: The parties with a shard (default: all of the model's).
    ///   - coverage: The chance a party knows a customer.
    ///   - emptyCells: The chance a cell is empty.
    public static func write(
        directory: String, model: SplitModel, customers: Int, seed: UInt64 = 1, parties: [String]? = nil,
        coverage: Double = 0.8, emptyCells: Double = 0.02
    ) throws -> TestBatch {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SeededRandom(seed: seed)
        let names = parties ?? model.parties.map(\.name)
        var cells: [String: [[String]?]] = [:]
        for c in 0..<customers {
            let key = String(format: "%03d-%02d-%04d", (c * 7919) % 1000, c % 100, (c * 31) % 10000)
            var row: [[String]?] = []
            var anyone = false
            for party in model.parties {
                guard names.contains(party.name), random.uniform(0...1) < coverage else {
                    row.append(nil)
                    continue
                }
                anyone = true
                row.append(
                    party.features.map { feature in
                        if random.uniform(0...1) < emptyCells { return "" }
                        if feature.values != nil { return Bool.random(using: &random) ? "True" : "False" }
                        let value = feature.mean + feature.std * random.uniform(-2...2)
                        return String(format: "%.4f", value)
                    })
            }
            if anyone { cells[key] = row }
        }
        let batch = TestBatch(directory: directory, cells: cells)
        for name in names { try batch.writeShard(party: name, model: model, seed: seed) }
        try batch.writeManifest(parties: names)
        return batch
    }

    /// Writes (or rewrites) one party's shard: columns shuffled, an extra column, rows shuffled.
    public func writeShard(party name: String, model: SplitModel, seed: UInt64, bom: Bool = false) throws {
        var random = SeededRandom(seed: seed &+ 77)
        let p = model.partyIndex(name)!
        let features = model.parties[p].features.map(\.name)
        var columns = [model.key, "note"] + features
        columns.shuffle(using: &random)
        var rows: [String] = []
        for (key, row) in cells {
            guard let values = row[p] else { continue }
            let line = columns.map { column -> String in
                if column == model.key { return key }
                if column == "note" { return "x" }
                return values[features.firstIndex(of: column)!]
            }
            rows.append(line.joined(separator: ","))
        }
        rows.shuffle(using: &random)
        let text = (bom ? "\u{FEFF}" : "") + ([columns.joined(separator: ",")] + rows).joined(separator: "\n") + "\n"
        try text.write(toFile: directory + "/" + name + ".csv", atomically: true, encoding: .utf8)
    }

    /// Writes `manifest.json`.
    public func writeManifest(parties: [String], batch: String = "test-batch") throws {
        try Manifest(batch: batch, parties: parties).jsonText.write(
            toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
    }

    /// The float64 reference score of every customer, by key.
    public func referenceScores(model: SplitModel) -> [String: Double] {
        var scores: [String: Double] = [:]
        for (key, row) in cells {
            let inputs: [[Double]?] = model.parties.enumerated().map { p, party in
                guard let values = row[p] else { return nil }
                return party.features.enumerated().map { f, feature in
                    let text = values[f]
                    guard !text.isEmpty else { return 0 }
                    let x: Double
                    if let map = feature.values {
                        x = map.first { $0.text == Array(text.utf8) }!.value
                    } else {
                        x = Double(text)!
                    }
                    return Double(Float((x - feature.mean) / feature.std))
                }
            }
            scores[key] = ReferenceNetwork.score(model: model, inputs: inputs)
        }
        return scores
    }
}

/// A temporary folder removed when the value is released.
public final class TemporaryDirectory {
    /// The folder's path.
    public let path: String

    /// Creates a fresh folder under the system's temporary directory.
    public init() {
        path = NSTemporaryDirectory() + "vfl-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }
}

/// Reads a CSV result file into rows of fields (simple: results never quote what the tests look at).
public func readCSV(_ path: String) throws -> [[String]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
        line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}
