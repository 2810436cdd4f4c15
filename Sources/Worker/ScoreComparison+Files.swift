public import Core
import Dispatch

/// `comparison.json` from published results: the pairs read from two `scores.csv` files, and the document.
extension ScoreComparison {
    /// The customers of two `scores.csv` files (each sorted by key in byte order, as the scorer writes them) that
    /// both hold, in key order, with their counts. The two files are read on two threads.
    ///
    /// - Throws: ``ScoringError`` of code `io` when a file cannot be read or is not a scores file.
    public static func pairs(
        championScores: String, challengerScores: String
    ) throws -> (
        pairs: [ScorePair], counts: Counts
    ) {
        final class Sides: @unchecked Sendable {
            // Slot i is written by iteration i only; read after concurrentPerform returns.
            var rows: [Result<ScoreRows, ScoringError>] = [
                .failure(ScoringError(.io, "")), .failure(ScoringError(.io, "")),
            ]
        }
        let sides = Sides()
        let paths = [championScores, challengerScores]
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            sides.rows[i] = Result { () throws(ScoringError) in try ScoreRows(reading: paths[i]) }
        }
        let a = try sides.rows[0].get()
        let b = try sides.rows[1].get()
        var pairs: [ScorePair] = []
        pairs.reserveCapacity(min(a.count, b.count))
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            let order = PartyTable.compareBytes(a.key(i), b.key(j))
            if order == 0 {
                let same = PartyTable.compareBytes(a.reason(i), b.reason(j)) == 0
                pairs.append(ScorePair(champion: a.scores[i], challenger: b.scores[j], sameFirstReason: same))
            }
            if order <= 0 { i += 1 }
            if order >= 0 { j += 1 }
        }
        return (pairs, Counts(champion: a.count, challenger: b.count))
    }

    /// A `scores.csv` read into columns: keys and first reason codes as bytes, scores as numbers. Built by one
    /// thread, then read-only.
    private final class ScoreRows: @unchecked Sendable {
        /// Each row's key, then its reason code.
        private let bytes = GrowableBuffer<UInt8>(capacity: 1 << 20)
        /// Per row: where its key ends in `bytes`, then where its reason ends.
        private var ends: [Int] = []
        private(set) var scores: [Double] = []
        var count: Int { scores.count }

        init(reading path: String) throws(ScoringError) {
            do {
                let reader = try CSVReader(path: path)
                guard try reader.next(), reader.fieldCount >= 4 else {
                    throw ScoringError(.io, "\(path) is not a scores file")
                }
                while try reader.next() {
                    append(reader.field(0))
                    append(reader.field(3))
                    scores.append(DecimalParser.parse(reader.field(1)) ?? .nan)
                }
            } catch let error as CSVError {
                throw ScoringError(.io, "cannot read \(path): \(error.message)")
            } catch let error as ScoringError {
                throw error
            } catch {
                throw ScoringError(.io, "cannot read \(path): \(error)")
            }
        }

        private func append(_ field: UnsafeBufferPointer<UInt8>) {
            if let start = field.baseAddress, field.count > 0 {
                bytes.reserve(field.count).update(from: start, count: field.count)
                bytes.commit(field.count)
            }
            ends.append(bytes.count)
        }

        /// Row `i`'s key.
        func key(_ i: Int) -> UnsafeBufferPointer<UInt8> { slice(from: i == 0 ? 0 : ends[2 * i - 1], to: ends[2 * i]) }

        /// Row `i`'s first reason code.
        func reason(_ i: Int) -> UnsafeBufferPointer<UInt8> { slice(from: ends[2 * i], to: ends[2 * i + 1]) }

        private func slice(from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: bytes.base + start, count: end - start)
        }
    }

    /// What became of one challenger, for `comparison.json`.
    public struct Entry: Sendable {
        /// The challenger's model id.
        public var id: String
        /// The challenger's model name.
        public var name: String
        /// Its `scores.csv` when it scored the batch, else `nil`.
        public var scores: String?
        /// Why it did not, when it did not.
        public var error: String?
        /// Its pairs and counts when already known (a whole batch's, kept while scoring): the files are not read.
        var measured: (pairs: [ScorePair], counts: Counts)? = nil

        /// Creates an entry.
        public init(id: String, name: String, scores: String?, error: String?) {
            self.id = id
            self.name = name
            self.scores = scores
            self.error = error
        }
    }

    /// The whole `comparison.json`: the champion, the options, and per challenger (in the order given) its status
    /// and, when it scored, its comparison with the champion's `scores.csv` (a scores file that cannot be read makes
    /// that entry `failed`).
    public static func document(
        batch: String, champion: (id: String, name: String), championScores: String, challengers: [Entry],
        options: ComparisonOptions = ComparisonOptions()
    ) -> JSONValue {
        var entries: [JSONValue] = []
        for entry in challengers {
            var members: [(String, JSONValue)] = [("model", ["id": .string(entry.id), "name": .string(entry.name)])]
            if let measured = entry.measured {
                members.append(("status", "done"))
                members += json(pairs: measured.pairs, counts: measured.counts, options: options).object ?? []
            } else if let scores = entry.scores {
                do {
                    let (pairs, counts) = try pairs(championScores: championScores, challengerScores: scores)
                    members.append(("status", "done"))
                    members += json(pairs: pairs, counts: counts, options: options).object ?? []
                } catch {
                    members.append(("status", "failed"))
                    members.append(("error", .string("cannot compare: \(error)")))
                }
            } else {
                members.append(("status", "failed"))
                members.append(("error", .string(entry.error ?? "failed")))
            }
            entries.append(.object(members))
        }
        return [
            "batch": .string(batch),
            "champion": ["id": .string(champion.id), "name": .string(champion.name)],
            "cutoffs": .array(options.cutoffs.map { .number($0) }),
            "challengers": .array(entries),
        ]
    }
}
