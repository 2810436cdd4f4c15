public import Core

/// `comparison.json` from published results: the pairs read from two `scores.csv` files, and the document.
extension ScoreComparison {
    /// The customers of two `scores.csv` files (each sorted by key in byte order, as the scorer writes them) that
    /// both hold, in key order, with their counts.
    ///
    /// - Throws: ``ScoringError`` of code `io` when a file cannot be read or is not a scores file.
    public static func pairs(
        championScores: String, challengerScores: String
    ) throws -> (
        pairs: [ScorePair], counts: Counts
    ) {
        func open(_ path: String) throws -> CSVReader {
            do {
                let reader = try CSVReader(path: path)
                guard try reader.next(), reader.fieldCount >= 4 else {
                    throw ScoringError(.io, "\(path) is not a scores file")
                }
                return reader
            } catch let error as CSVError {
                throw ScoringError(.io, "cannot read \(path): \(error.message)")
            }
        }
        let a = try open(championScores)
        let b = try open(challengerScores)
        var pairs: [ScorePair] = []
        var counts = Counts(champion: 0, challenger: 0)
        do {
            var liveA = try a.next()
            var liveB = try b.next()
            while liveA && liveB {
                let order = PartyTable.compareBytes(a.field(0), b.field(0))
                if order == 0 {
                    let x = DecimalParser.parse(a.field(1)) ?? .nan
                    let y = DecimalParser.parse(b.field(1)) ?? .nan
                    let same = PartyTable.compareBytes(a.field(3), b.field(3)) == 0
                    pairs.append(ScorePair(champion: x, challenger: y, sameFirstReason: same))
                }
                if order <= 0 {
                    counts.champion += 1
                    liveA = try a.next()
                }
                if order >= 0 {
                    counts.challenger += 1
                    liveB = try b.next()
                }
            }
            while liveA {
                counts.champion += 1
                liveA = try a.next()
            }
            while liveB {
                counts.challenger += 1
                liveB = try b.next()
            }
        } catch {
            throw ScoringError(.io, "cannot read the scores to compare: \(error)")
        }
        return (pairs, counts)
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
            if let scores = entry.scores {
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
