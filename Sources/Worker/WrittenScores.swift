import Core

/// Every customer's score as its `scores.csv` holds it (the written text parsed back, so the very number a reader
/// of the file gets) and its first reason code, by the index of the customer in the batch's join: what
/// `comparison.json` compares for a whole batch, without reading the two files back.
///
/// Filled by the scoring threads, each on the customers of its own blocks (disjoint indices); read once they are
/// done.
final class WrittenScores: @unchecked Sendable {
    /// Customers of the join the indices refer to (the champion's).
    let count: Int
    /// The model's reason codes as `scores.csv` writes them (``ScoreText/cell(_:)``), set before scoring.
    var codes: [[UInt8]] = []
    /// Per customer its score as read back (NaN where the text does not parse, as for a reader of the file).
    private let scores: UnsafeMutableBufferPointer<Double>
    /// Per customer the index of its first reason code in ``codes``, -1 for an empty field, or ``unwritten`` when
    /// the customer is not in the file (rejected, or unknown to the model's parties).
    private let reasons: UnsafeMutableBufferPointer<Int32>
    private static let unwritten: Int32 = -2

    /// Creates a record of `count` customers, none written.
    init(count: Int) {
        self.count = count
        scores = .allocate(capacity: count)
        scores.initialize(repeating: .nan)
        reasons = .allocate(capacity: count)
        reasons.initialize(repeating: Self.unwritten)
    }

    deinit {
        scores.deallocate()
        reasons.deallocate()
    }

    /// Records customer `index`'s written score text and first reason (an index into ``codes``, or -1: none).
    func record(_ index: Int, text: UnsafeBufferPointer<UInt8>, reason: Int32) {
        scores[index] = DecimalParser.parse(text) ?? .nan
        reasons[index] = max(reason, -1)
    }

    /// The customers both records hold, in key order, with the customers each holds: the pairs that
    /// ``ScoreComparison/pairs(championScores:challengerScores:)`` reads from the two files.
    static func pairs(
        champion: WrittenScores, challenger: WrittenScores
    ) -> (pairs: [ScorePair], counts: ScoreComparison.Counts) {
        precondition(champion.count == challenger.count)
        // The champion's code index -> the challenger's index of the same cell (-3 for none: never equal).
        var index: [[UInt8]: Int32] = [:]
        for (i, code) in challenger.codes.enumerated() where index[code] == nil { index[code] = Int32(i) }
        let same = champion.codes.map { index[$0] ?? -3 }
        var pairs: [ScorePair] = []
        var counts = ScoreComparison.Counts(champion: 0, challenger: 0)
        for c in 0..<champion.count {
            let ra = champion.reasons[c]
            let rb = challenger.reasons[c]
            if ra != unwritten { counts.champion += 1 }
            if rb != unwritten { counts.challenger += 1 }
            guard ra != unwritten && rb != unwritten else { continue }
            pairs.append(
                ScorePair(
                    champion: champion.scores[c], challenger: challenger.scores[c],
                    sameFirstReason: ra < 0 ? rb == -1 : same[Int(ra)] == rb))
        }
        return (pairs, counts)
    }
}
