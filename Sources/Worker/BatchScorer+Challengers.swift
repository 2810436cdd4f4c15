import Core
import Model
import Spool

#if canImport(Glibc)
import Glibc
#endif

/// Shadow scoring: the challengers of a batch scored from the champion's pass over the shards.
///
/// Each challenger reads the shards of the parties it knows (its own columns, in the same CSV pass as the champion;
/// ``ShardLoader/Companion``) and sees the champion's join restricted to those parties (``Join/projected(onto:)``), so
/// its results are the ones `vfl score --model CHALLENGER` gives on the batch without the shards of parties it does
/// not know: its own rejects (a row valid for the champion may be rejected for a challenger's feature, and the
/// reverse), its own reject share, its own summary. A challenger that cannot score the batch gets an `error.json`
/// in its folder and a `failed` entry in `comparison.json`; the champion's results never change.
extension BatchScorer {
    /// Scores every challenger of a joined batch into its folder under `results.challengers`, publishing each
    /// challenger's files there as it finishes.
    ///
    /// - Parameters:
    ///   - companions: For each of the batch's tables (by party) per challenger its table, its failure, or `nil`
    ///     when it does not know the party (``loadTables(_:)``).
    ///   - recording: As ``scoreJoined(_:results:publishing:recording:)``'s.
    /// - Returns: What became of each challenger, in order. Never throws: a failure is the challenger's.
    func scoreChallengers(
        _ batch: JoinedBatch, companions: [[Result<PartyTable, ScoringError>?]], results: ResultPaths,
        recording: Int?
    ) -> [ChallengerOutcome] {
        let scored = challengers.enumerated().map { c, challenger in
            let paths = results.challenger(challenger.id)
            let log = logger.with("challenger", String(challenger.id.prefix(12)))
            do {
                try FileIO.makeDirectories(FileIO.directory(of: paths.scores))
                unlink(results.challengerError(challenger.id))
                let joined = try challengerBatch(batch, challenger: c, companions: companions)
                let scorer = BatchScorer(
                    model: challenger, options: options, logger: log, provenance: provenance, evaluators: evaluators)
                let scored = try scorer.scoreJoined(joined, results: paths, recording: recording)
                return ChallengerOutcome(
                    id: challenger.id, name: challenger.name, scored: scored.outcome.scored, error: nil,
                    written: scored.written)
            } catch {
                return recordChallengerFailure(
                    id: challenger.id, name: challenger.name, batch: batch.manifest.batch, error: error,
                    results: results)
            }
        }
        return scored + recordUnavailable(batch: batch.manifest.batch, results: results)
    }

    /// Records each challenger that could not be loaded as failed (``unavailableChallengers``).
    func recordUnavailable(batch: String, results: ResultPaths) -> [ChallengerOutcome] {
        unavailableChallengers.map { missing in
            recordChallengerFailure(
                id: missing.id, name: missing.name, batch: batch,
                error: ScoringError(.modelUnavailable, missing.reason),
                results: results)
        }
    }

    /// Records that the challenger with model id `id` did not score the batch: its `error.json` (batch, model, error,
    /// code) in its folder, and a log line (the error's message names files, lines and columns, never a value).
    ///
    /// - Returns: Its outcome, with the error.
    func recordChallengerFailure(
        id: String, name: String, batch: String, error: any Error, results: ResultPaths
    )
        -> ChallengerOutcome
    {
        let log = logger.with("challenger", String(id.prefix(12)))
        let scoring = error as? ScoringError
        let message = scoring?.message ?? "\(error)"
        var members: [(String, JSONValue)] = [
            ("batch", .string(batch)), ("model", .string(id)), ("error", .string(message)),
        ]
        if let code = scoring?.code { members.append(("code", .string(code.rawValue))) }
        let path = results.challengerError(id)
        do {
            try FileIO.makeDirectories(FileIO.directory(of: path))
            try FileIO.writeAtomically(path, Array((JSONValue.object(members).text + "\n").utf8))
        } catch {
            log.info("cannot write the challenger's error.json", metadata: [("error", "\(error)")])
        }
        log.info("challenger failed; the champion's results stand", metadata: [("error", message)])
        return ChallengerOutcome(id: id, name: name, scored: 0, error: message)
    }

    /// The batch as challenger `c` sees it: its tables, the join restricted to its parties, the shards it ignores.
    ///
    /// - Throws: ``ScoringError`` when its key column is not the champion's or it cannot read a shard it needs.
    private func challengerBatch(
        _ batch: JoinedBatch, challenger c: Int, companions: [[Result<PartyTable, ScoringError>?]]
    ) throws -> JoinedBatch {
        let challenger = challengers[c]
        guard challenger.key == model.key else {
            throw ScoringError(
                .columns,
                "the challenger's key column \(challenger.key) is not the champion's (\(model.key)); it cannot join "
                    + "the batch")
        }
        var tables: [PartyTable] = []
        var ignored: [String] = []
        var parties = [Int](repeating: -1, count: challenger.parties.count)
        for (k, table) in batch.tables.enumerated() {
            switch companions[k][c] {
            case nil: ignored.append(table.name)
            case .failure(let error)?: throw error
            case .success(let own)?:
                tables.append(own)
                parties[own.party] = table.party
            }
        }
        var joined = batch
        joined.tables = tables.sorted { $0.party < $1.party }
        joined.join = batch.join.projected(onto: parties)
        joined.ignoredParties = ignored
        return joined
    }

    /// Writes `comparison.json` atomically from the scores as written, kept in memory: each challenger against the
    /// champion (the same document ``StagedScoring`` makes from the files of a split job).
    ///
    /// - Throws: ``ScoringError`` of code `io` when it cannot be written.
    func writeComparison(
        batch: String, champion: WrittenScores, outcomes: [ChallengerOutcome], results: ResultPaths
    ) throws {
        let entries = outcomes.map { outcome in
            var entry = ScoreComparison.Entry(id: outcome.id, name: outcome.name, scores: nil, error: outcome.error)
            if outcome.error == nil, let written = outcome.written {
                entry.measured = WrittenScores.pairs(champion: champion, challenger: written)
            }
            return entry
        }
        try writeComparison(
            document: ScoreComparison.document(
                batch: batch, champion: (model.id, model.name), championScores: "", challengers: entries),
            results: results)
    }

    /// Writes `comparison.json` atomically from the published files (a split job's merge): each challenger against
    /// the champion's scores.
    ///
    /// - Throws: ``ScoringError`` of code `io` when it cannot be written.
    func writeComparison(
        batch: String, championScores: String, outcomes: [ChallengerOutcome], results: ResultPaths
    ) throws {
        let entries = outcomes.map { outcome in
            ScoreComparison.Entry(
                id: outcome.id, name: outcome.name,
                scores: outcome.error == nil ? results.challenger(outcome.id).scores : nil, error: outcome.error)
        }
        try writeComparison(
            document: ScoreComparison.document(
                batch: batch, champion: (model.id, model.name), championScores: championScores, challengers: entries),
            results: results)
    }

    private func writeComparison(document: JSONValue, results: ResultPaths) throws {
        do { try FileIO.writeAtomically(results.comparison, Array((document.text + "\n").utf8)) } catch {
            throw ScoringError(.io, "cannot write \(results.comparison): \(error)")
        }
    }
}
