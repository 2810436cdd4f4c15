import Core
import Spool

import struct Foundation.Data

#if canImport(Glibc)
import Glibc
#endif

/// A labelled batch in memory, for training: every labelled customer, and for each party the raw cells of the rows
/// that know them.
final class Dataset {
    /// One column of a party shard.
    struct Column {
        var name: String
        /// Category texts, in first-seen order, when the column is not numeric (its cells hold codes).
        var categories: [String]?
    }

    /// One party's shard.
    struct PartyData {
        var name: String
        var columns: [Column]
        /// `rows x columns.count` raw values (category codes for category columns); NaN for an empty cell. Doubles,
        /// as the scorer parses them, so that standardized values and drift bins agree exactly.
        var values: [Double]
        /// Per customer: the party's row, or -1 when the party does not know the customer.
        var rowOf: [Int32]
        var width: Int { columns.count }
    }

    let key: String
    /// Customers in key order.
    let keys: [String]
    let labels: [Float]
    var parties: [PartyData]

    var count: Int { keys.count }

    /// Reads `directory`: `labels.csv` (key, `credit_score`) and the parties the manifest lists (`<party>.csv`).
    ///
    /// - Throws: ``TrainingError`` naming the file, line and column of a bad cell.
    init(directory: String, key: String = "tax_id", labelColumn: String = "credit_score") throws {
        self.key = key
        let manifest: Manifest
        do {
            manifest = try Manifest(parsing: Data(try FileIO.readFile(directory + "/manifest.json")))
        } catch {
            throw TrainingError("\(directory)/manifest.json: \(error)")
        }
        // Labels.
        let labelPath = directory + "/labels.csv"
        let reader = try Self.open(labelPath)
        let header = try Self.header(reader, labelPath)
        guard let keyColumn = header.firstIndex(of: key), let scoreColumn = header.firstIndex(of: labelColumn) else {
            throw TrainingError("\(labelPath): the header needs the columns \(key) and \(labelColumn)")
        }
        var pairs: [(String, Float)] = []
        do {
            while try reader.next() {
                let k = reader.fieldString(keyColumn)
                guard !k.isEmpty else {
                    throw TrainingError("\(labelPath) line \(reader.recordLine), column \(keyColumn + 1): empty key")
                }
                guard let v = DecimalParser.parse(reader.field(scoreColumn)), v.isFinite else {
                    throw TrainingError(
                        "\(labelPath) line \(reader.recordLine), column \(scoreColumn + 1) (\(labelColumn)): not a number"
                    )
                }
                pairs.append((k, Float(v)))
            }
        } catch let error as CSVError {
            throw TrainingError("\(labelPath) line \(error.line), column \(error.column): \(error.message)")
        }
        pairs.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        for i in pairs.indices.dropFirst() where pairs[i].0 == pairs[i - 1].0 {
            throw TrainingError("\(labelPath): a key appears twice (line numbers withheld: keys are customer data)")
        }
        keys = pairs.map(\.0)
        labels = pairs.map(\.1)
        var index: [String: Int32] = [:]
        index.reserveCapacity(keys.count)
        for (i, k) in keys.enumerated() { index[k] = Int32(i) }

        parties = []
        for party in manifest.parties {
            parties.append(
                try Self.loadParty(
                    name: party, path: directory + "/" + party + ".csv", key: key, exclude: labelColumn, index: index,
                    customers: keys.count))
        }
    }

    private static func open(_ path: String) throws -> CSVReader {
        do { return try CSVReader(path: path) } catch { throw TrainingError("\(path): \(error.message)") }
    }

    private static func header(_ reader: CSVReader, _ path: String) throws -> [String] {
        do {
            guard try reader.next() else { throw TrainingError("\(path) is empty") }
        } catch let error as CSVError {
            throw TrainingError("\(path) line \(error.line), column \(error.column): \(error.message)")
        }
        return reader.recordStrings()
    }

    private static func loadParty(
        name: String, path: String, key: String, exclude: String, index: [String: Int32], customers: Int
    ) throws -> PartyData {
        let reader = try open(path)
        let header = try header(reader, path)
        guard let keyColumn = header.firstIndex(of: key) else { throw TrainingError("\(path) has no column \(key)") }
        // Every column but the key and the label is a candidate feature (the label never is one).
        let used = header.indices.filter { $0 != keyColumn && header[$0] != exclude }
        var columns = used.map { Column(name: header[$0], categories: nil) }
        var decided = [Bool](repeating: false, count: used.count)
        var codes = [[String: Int]](repeating: [:], count: used.count)
        var values: [Double] = []
        var rowOf = [Int32](repeating: -1, count: customers)
        var rows = 0
        do {
            while try reader.next() {
                guard let customer = index[reader.fieldString(keyColumn)] else { continue }  // unlabelled: skipped
                rowOf[Int(customer)] = Int32(rows)
                rows += 1
                for (j, c) in used.enumerated() {
                    let cell = reader.field(c)
                    if cell.count == 0 {
                        values.append(.nan)
                        continue
                    }
                    if !decided[j] {
                        decided[j] = true
                        if DecimalParser.parse(cell) == nil { columns[j].categories = [] }
                    }
                    if columns[j].categories != nil {
                        let text = String(decoding: cell, as: UTF8.self)
                        if let code = codes[j][text] {
                            values.append(Double(code))
                        } else {
                            guard codes[j].count < 64 else {
                                throw TrainingError(
                                    "\(path) line \(reader.recordLine), column \(c + 1) (\(header[c])): more than 64 "
                                        + "distinct texts; not a category column")
                            }
                            codes[j][text] = codes[j].count
                            columns[j].categories!.append(text)
                            values.append(Double(codes[j].count - 1))
                        }
                    } else {
                        guard let v = DecimalParser.parse(cell), v.isFinite else {
                            throw TrainingError(
                                "\(path) line \(reader.recordLine), column \(c + 1) (\(header[c])): not a finite number"
                            )
                        }
                        values.append(v)
                    }
                }
            }
        } catch let error as CSVError {
            throw TrainingError("\(path) line \(error.line), column \(error.column): \(error.message)")
        }
        return PartyData(name: name, columns: columns, values: values, rowOf: rowOf)
    }
}

/// A training failure, with the file, line and column at fault (never a customer key or value).
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
