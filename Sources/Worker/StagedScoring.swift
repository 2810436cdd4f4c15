import Core
import Foundation
import Model
import Spool
public import Store

/// The stages of a split job (``TaskPlan``).
///
/// A small batch is one task (`whole`): `BatchScorer` on the batch folder. A batch whose shards are larger than a
/// worker's memory bound allows is split so that each worker's peak memory stays bounded and several workers share
/// it: `partition` tasks (one per party) hash each shard's rows by key into buckets (each row's original line in the
/// bucket's line map, ``LineMap``), `bucket` tasks score one bucket each with `BatchScorer`, and one `merge` task
/// merges the buckets' results in key order. A customer's rows all land in one bucket and scores do not depend on how
/// customers are grouped into blocks, so the merged `scores.csv` and `rejects.csv` are byte-identical to `vfl score`'s
/// on the whole batch.
public enum StagedScoring {
    /// The stages (``TaskPlan/Stage``).
    public typealias Stage = TaskPlan.Stage

    // MARK: - Partition

    /// Hash-partitions one party's shard into `buckets` files `<b>.csv` in `output`, each with the shard's header and
    /// its records as they were, and beside each its line map `<b>.lines` (``LineMap``: the original line of every
    /// record, out of band, so that nothing a bank sends can pass for it); verifies the manifest's row count.
    ///
    /// - Throws: ``ScoringError`` for malformed CSV (file, line, column) or a row count that differs.
    static func partition(
        shard: String, party: String, key keyName: String, buckets: Int, expectedRows: Int?, output: String
    ) throws {
        let file = String(shard.split(separator: "/").last ?? "")
        let reader: CSVReader
        do { reader = try CSVReader(path: shard) } catch { throw ScoringError(.io, "party \(party): \(error.message)") }
        let writers = try (0..<buckets).map { try BufferedFileWriter(path: output + "/\($0).csv") }
        // Line maps are written through their own buffers: the writers need none.
        let lineWriters = try (0..<buckets).map {
            try BufferedFileWriter(path: output + "/\($0)" + LineMap.fileExtension, bufferBytes: 0)
        }
        var rows = 0
        do {
            guard try reader.next() else {
                throw ScoringError(.columns, "party \(party): \(file) is empty; a shard needs a header row")
            }
            let header = ByteBuffer(capacity: 1024)
            for i in 0..<reader.fieldCount {
                if i > 0 { header.append(UInt8(ascii: ",")) }
                header.appendCell(reader.field(i))
            }
            header.append(UInt8(ascii: "\n"))
            for writer in writers { try writer.write(header.bytes) }
            guard let keyColumn = reader.recordStrings().firstIndex(of: keyName) else {
                throw ScoringError(.columns, "party \(party): \(file) has no column \"\(keyName)\"")
            }
            let buffers = (0..<buckets).map { _ in ByteBuffer(capacity: 1 << 20) }
            let lineBuffers = (0..<buckets).map { _ in ByteBuffer(capacity: 1 << 16) }
            let fields = reader.fieldCount
            while try reader.next() {
                rows += 1
                let bucket = Int(fnv1a(reader.field(keyColumn)) % UInt64(buckets))
                let out = buffers[bucket]
                if let raw = reader.rawRecord {
                    out.append(raw)
                } else {
                    for i in 0..<fields {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        out.appendCell(reader.field(i))
                    }
                }
                out.append(UInt8(ascii: "\n"))
                if out.count > (1 << 20) {
                    try writers[bucket].writeThrough(out.bytes)
                    out.removeAll()
                }
                let lines = lineBuffers[bucket]
                LineMap.append(reader.recordLine, to: lines)
                if lines.count >= (1 << 16) {
                    try lineWriters[bucket].writeThrough(lines.bytes)
                    lines.removeAll()
                }
            }
            for b in 0..<buckets {
                try writers[b].writeThrough(buffers[b].bytes)
                try lineWriters[b].writeThrough(lineBuffers[b].bytes)
            }
        } catch let error as CSVError {
            if error.kind == .io { throw ScoringError(.io, "party \(party): \(file): \(error.message)") }
            throw ScoringError(
                .csv,
                "party \(party): \(file) line \(error.line), column \(error.column): \(error.message) (\(error.kind))")
        }
        // Intermediate files are not fsynced: a machine crash during a split job may need `vfl retry` (a process
        // crash loses nothing: the page cache survives it).
        for writer in writers + lineWriters { try writer.close(sync: false) }
        if let expectedRows, expectedRows != rows {
            throw ScoringError(
                .verification, "party \(party): manifest.json says \(expectedRows) rows, \(file) has \(rows)")
        }
    }

    /// FNV-1a, 64 bits: a stable hash of a key's bytes.
    static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    // MARK: - Buckets

    /// `<staged>/partition-<party>`: a party's shard split into bucket files (``partition(shard:party:key:buckets:expectedRows:output:)``).
    static func partitionFolder(staged: String, party: String) -> String { staged + "/partition-" + party }

    /// `<staged>/bucket-<part>`: a bucket's folder, its results (every model's) under `out/`.
    static func bucketFolder(staged: String, part: Int) -> String { staged + "/bucket-\(part)" }

    /// The results of bucket `part` (the champion's `scores.csv`; the challengers' beside it, ``ResultPaths``).
    static func bucketResults(staged: String, part: Int) -> ResultPaths {
        ResultPaths(besideScores: bucketFolder(staged: staged, part: part) + "/out/scores.csv")
    }

    /// Scores bucket `part` with every model of `scorer` into `folder`: each party's bucket file linked under its
    /// shard name with its line map, scored with the reject share unchecked (the batch's is checked at the merge),
    /// results in `folder/out/`.
    ///
    /// - Throws: ``ScoringError`` or ``SystemError``.
    static func scoreBucket(
        _ part: Int, manifest: Manifest, shards: [Shard], staged: String, folder: String, scorer: BatchScorer
    ) throws {
        // Row counts and checksums were verified by the partition tasks.
        var bucketShards: [Shard] = []
        for shard in shards {
            let bucket = partitionFolder(staged: staged, party: shard.party) + "/\(part)"
            try FileIO.link(bucket + ".csv", to: folder + "/" + shard.file)
            try FileIO.link(bucket + LineMap.fileExtension, to: folder + "/" + shard.party + LineMap.fileExtension)
            bucketShards.append(try Shard.resolve(party: shard.party, in: folder))
        }
        var options = scorer.options
        options.maxRejectShare = 1
        try FileIO.makeDirectories(folder + "/out")
        _ = try BatchScorer(
            model: scorer.model, challengers: scorer.challengers, unavailable: scorer.unavailableChallengers,
            options: options, logger: scorer.logger, provenance: scorer.provenance, evaluators: scorer.evaluators
        )
        .score(
            batchDirectory: folder, manifest: Manifest(batch: manifest.batch, parties: manifest.parties),
            shards: bucketShards, results: ResultPaths(besideScores: folder + "/out/scores.csv"), lineMaps: true)
    }

    /// Merges the buckets of a split job into `results`: the champion's (its failure is the job's), then each
    /// challenger's and `comparison.json` (``mergeChallengers(_:buckets:into:batch:)``).
    ///
    /// - Throws: ``ScoringError`` for the champion, of code `tooManyRejects` when the batch's share is exceeded.
    static func merge(
        buckets: Int, staged: String, scorer: BatchScorer, batch: String, into results: ResultPaths
    )
        throws -> BatchOutcome
    {
        let outputs = (0..<buckets).map { bucketResults(staged: staged, part: $0) }
        let model = scorer.model
        var outcome = try mergeResults(
            outputs, into: results, batch: batch, model: model, modelMember: scorer.modelMember(model),
            maxRejectShare: scorer.options.maxRejectShare
        ) { summary in
            BatchScorer.warnAboutKeys(
                model.parties.map { ($0.name, summary["parties"]?[$0.name]?["keys_with_whitespace"]?.int ?? 0) },
                logger: scorer.logger)
        }
        outcome.challengers = try mergeChallengers(scorer, buckets: outputs, into: results, batch: batch)
        return outcome
    }

    /// Scores a batch folder the way a split job does, every stage in this process one after another: each shard
    /// partitioned into `buckets` under `work`, each bucket scored, the buckets merged into `results` (the
    /// worker runs the same stages as separate tasks; tests and benchmarks use this).
    ///
    /// - Throws: ``ScoringError`` or ``SystemError``.
    public static func scoreSplit(
        batchDirectory: String, buckets: Int, scorer: BatchScorer, work: String, results: ResultPaths
    ) throws -> BatchOutcome {
        let manifest: Manifest
        let shards: [Shard]
        do {
            manifest = try Manifest(parsing: Data(FileIO.readFile(batchDirectory + "/manifest.json", limit: 1 << 20)))
            shards = try Shard.resolve(manifest, in: batchDirectory)
        } catch let error as Manifest.Error {
            throw ScoringError(.manifest, error.message)
        } catch let error as SpoolError {
            throw ScoringError(.manifest, error.message)
        }
        for shard in shards {
            let output = partitionFolder(staged: work, party: shard.party)
            try FileIO.makeDirectories(output)
            try partition(
                shard: batchDirectory + "/" + shard.file, party: shard.party, key: scorer.model.key, buckets: buckets,
                expectedRows: manifest.rows[shard.party], output: output)
        }
        for part in 0..<buckets {
            let folder = bucketFolder(staged: work, part: part)
            try FileIO.makeDirectories(folder)
            try scoreBucket(part, manifest: manifest, shards: shards, staged: work, folder: folder, scorer: scorer)
        }
        return try merge(buckets: buckets, staged: work, scorer: scorer, batch: manifest.batch, into: results)
    }

    // MARK: - Merge

    /// Merges the buckets' `scores.csv` (or `rejects.csv`) files by key into `output`, re-encoding each record the way
    /// the scorer writes it; each key lives in one bucket, so the result is the whole batch's file.
    static func mergeByKey(_ inputs: [String], into output: String) throws {
        let readers = try inputs.map { path -> CSVReader in
            do { return try CSVReader(path: path) } catch { throw ScoringError(.io, "cannot read \(path): \(error)") }
        }
        let writer = try BufferedFileWriter(path: output)
        let out = ByteBuffer(capacity: 1 << 20)
        func emit(_ reader: CSVReader) throws {
            for i in 0..<reader.fieldCount {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.appendCell(reader.field(i))
            }
            out.append(UInt8(ascii: "\n"))
            if out.count > (1 << 20) {
                try writer.write(out.bytes)
                out.removeAll()
            }
        }
        do {
            var live: [Int] = []
            for (i, reader) in readers.enumerated() where try reader.next() {
                if i == 0 { try emit(reader) }  // the header, once
                if try reader.next() { live.append(i) }
            }
            while !live.isEmpty {
                var best = live[0]
                for i in live.dropFirst() where PartyTable.compareBytes(readers[i].field(0), readers[best].field(0)) < 0
                {
                    best = i
                }
                try emit(readers[best])
                if try !readers[best].next() { live.removeAll { $0 == best } }
            }
        } catch let error as CSVError {
            throw ScoringError(.io, "cannot merge bucket results: \(error)")
        }
        try writer.write(out.bytes)
        try writer.close(sync: true)
    }

    /// Merges one model's results of every bucket (`buckets`, each bucket's ``ResultPaths`` for that model) into
    /// `results`: the summaries summed, `rejects.csv` and `summary.json` written, the batch's reject share checked,
    /// then `scores.csv` merged by key. Byte-identical `scores.csv` and `rejects.csv` to scoring the whole batch in
    /// one task with that model.
    ///
    /// - Parameter summarized: Called with the merged summary before anything is checked (the champion's warnings).
    /// - Throws: ``ScoringError``, of code `tooManyRejects` (after writing `rejects.csv` and `summary.json`) when the
    ///   batch's share is exceeded.
    static func mergeResults(
        _ buckets: [ResultPaths], into results: ResultPaths, batch: String, model: SplitModel, modelMember: JSONValue,
        maxRejectShare: Double,
        summarized: (JSONValue) -> Void = { _ in }
    ) throws -> BatchOutcome {
        var summaries: [JSONValue] = []
        for bucket in buckets {
            summaries.append(try JSONValue(parsing: Data(FileIO.readFile(bucket.summary, limit: 1 << 24))))
        }
        let merged = mergeSummaries(
            summaries, batch: batch, model: model, modelMember: modelMember, maxRejectShare: maxRejectShare)
        summarized(merged.summary)
        try mergeByKey(buckets.map(\.rejects), into: results.rejects)
        try Failpoint.hit("worker.merge.after-rejects")
        try FileIO.writeAtomically(results.summary, Array((merged.summary.text + "\n").utf8))
        if merged.rejectShare > maxRejectShare {
            throw ScoringError(
                .tooManyRejects,
                "\(merged.rejectedCustomers) of \(merged.population) customers rejected, more than the allowed share "
                    + "\(maxRejectShare); see rejects.csv")
        }
        try mergeByKey(buckets.map(\.scores), into: results.scores)
        return BatchOutcome(
            customers: merged.summary["customers"]?.int ?? 0, scored: merged.summary["scored"]?.int ?? 0,
            rejectedRows: merged.summary["rejected_rows"]?.int ?? 0, summary: merged.summary)
    }

    /// Merges each challenger's bucket results (``mergeResults(_:into:batch:model:modelMember:maxRejectShare:)``) into its
    /// folder beside the champion's merged results, then writes `comparison.json` from the merged files. A challenger
    /// that failed in a bucket, or whose merged reject share is too high, is recorded as failed; nothing here fails
    /// the champion.
    ///
    /// - Throws: ``ScoringError`` of code `io` when `comparison.json` cannot be written.
    static func mergeChallengers(
        _ scorer: BatchScorer, buckets: [ResultPaths], into results: ResultPaths, batch: String
    ) throws -> [ChallengerOutcome] {
        let scored = scorer.challengers.map { challenger -> ChallengerOutcome in
            do {
                if let failed = buckets.first(where: { FileIO.exists($0.challengerError(challenger.id)) }) {
                    let error = try JSONValue(
                        parsing: Data(FileIO.readFile(failed.challengerError(challenger.id), limit: 1 << 20)))
                    throw ScoringError(
                        ScoringError.Code(rawValue: error["code"]?.string ?? "io"), error["error"]?.string ?? "failed")
                }
                let own = results.challenger(challenger.id)
                try FileIO.makeDirectories(FileIO.directory(of: own.scores))
                let outcome = try mergeResults(
                    buckets.map { $0.challenger(challenger.id) }, into: own, batch: batch, model: challenger,
                    modelMember: scorer.modelMember(challenger),
                    maxRejectShare: scorer.options.maxRejectShare)
                return ChallengerOutcome(id: challenger.id, name: challenger.name, scored: outcome.scored, error: nil)
            } catch {
                return scorer.recordChallengerFailure(
                    id: challenger.id, name: challenger.name, batch: batch, error: error, results: results)
            }
        }
        let outcomes = scored + scorer.recordUnavailable(batch: batch, results: results)
        if !outcomes.isEmpty {
            try scorer.writeComparison(
                batch: batch, championScores: results.scores, outcomes: outcomes, results: results)
        }
        return outcomes
    }

    /// Sums the buckets' summaries into the batch's.
    static func mergeSummaries(
        _ summaries: [JSONValue], batch: String, model: SplitModel, modelMember: JSONValue, maxRejectShare: Double
    )
        -> (summary: JSONValue, rejectShare: Double, rejectedCustomers: Int, population: Int)
    {
        func sum(_ key: String) -> Int { summaries.reduce(0) { $0 + ($1[key]?.int ?? 0) } }
        let customers = sum("customers")
        let rejectedCustomers = sum("rejected_customers")
        let population = customers + sum("keyless_rows")
        let share = population == 0 ? 0 : Double(rejectedCustomers) / Double(population)
        var parties: [(String, JSONValue)] = []
        for party in model.parties {
            let all = summaries.compactMap { $0["parties"]?[party.name] }
            let known = all.reduce(0) { $0 + ($1["known"]?.int ?? 0) }
            var members: [(String, JSONValue)] = [
                ("input", all.first?["input"] ?? "absent"),
                ("rows", .number(Double(all.reduce(0) { $0 + ($1["rows"]?.int ?? 0) }))),
                ("known", .number(Double(known))),
                ("coverage", .number(customers == 0 ? 0 : Double(known) / Double(customers))),
            ]
            let whitespace = all.reduce(0) { $0 + ($1["keys_with_whitespace"]?.int ?? 0) }
            if whitespace > 0 { members.append(("keys_with_whitespace", .number(Double(whitespace)))) }
            if let extra = all.first?["extra_columns"] { members.append(("extra_columns", extra)) }
            if let count = all.first?["extra_column_count"] { members.append(("extra_column_count", count)) }
            parties.append((party.name, .object(members)))
        }
        var perCustomer: [(String, JSONValue)] = []
        for k in 0...model.parties.count {
            perCustomer.append(
                (
                    String(k),
                    .number(Double(summaries.reduce(0) { $0 + ($1["parties_per_customer"]?[String(k)]?.int ?? 0) }))
                ))
        }
        var bins: [Int: Int] = [:]
        for summary in summaries {
            for bin in summary["score_histogram"]?["bins"]?.array ?? [] {
                bins[bin["from"]?.int ?? 0, default: 0] += bin["count"]?.int ?? 0
            }
        }
        var counts: [[[Int]?]] = []
        for summary in summaries {
            counts = DriftReport.add(counts, DriftReport.featureCounts(from: summary, model: model))
        }
        var members: [(String, JSONValue)] = [
            ("batch", .string(batch)), ("model", modelMember),
            ("customers", .number(Double(customers))), ("scored", .number(Double(sum("scored")))),
            ("rejected_customers", .number(Double(rejectedCustomers))),
            ("rejected_rows", .number(Double(sum("rejected_rows")))),
            ("keyless_rows", .number(Double(sum("keyless_rows")))), ("reject_share", .number(share)),
            ("max_reject_share", .number(maxRejectShare)), ("keys", summaries.first?["keys"] ?? "raw"),
            ("parties", .object(parties)),
            ("parties_per_customer", .object(perCustomer)),
        ]
        // A challenger's: the shards it does not read (the same in every bucket).
        if let ignored = summaries.first?["ignored_parties"] { members.append(("ignored_parties", ignored)) }
        members += [
            ("status", .string(share > maxRejectShare ? "failed" : "done")),
            (
                "score_histogram",
                [
                    "bin_width": 10,
                    "bins": .array(
                        bins.keys.sorted().map { ["from": .number(Double($0)), "count": .number(Double(bins[$0]!))] }),
                ]
            ),
            ("buckets", .number(Double(summaries.count))),
        ]
        if let drift = DriftReport.json(model: model, featureCounts: counts, histogram: bins) {
            members.append(("drift", drift))
        }
        let summary = JSONValue.object(members)
        return (summary, share, rejectedCustomers, population)
    }
}
