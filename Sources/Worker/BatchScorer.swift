public import Core
import Dispatch
public import Model
public import Spool
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Settings of one scoring run.
public struct ScoringOptions: Sendable {
    /// Threads for reading shards and scoring blocks (OpenBLAS runs one thread per caller). Default: the cores.
    public var threads: Int
    /// The largest share of rows that may be rejected before the batch fails. Default 0.01.
    public var maxRejectShare: Double
    /// Whether to compute reason codes. Default true.
    public var reasons: Bool
    /// Rows per block of the network evaluation. Default 2048.
    public var blockRows: Int
    /// Decimals of the `score` column: 2 (the contract's form) unless an audit asks for more (parity checks).
    public var decimals = 2

    /// Creates options.
    public init(
        threads: Int = ScoringOptions.cores, maxRejectShare: Double = 0.01, reasons: Bool = true, blockRows: Int = 2048
    ) {
        self.threads = max(1, threads)
        self.maxRejectShare = maxRejectShare
        self.reasons = reasons
        self.blockRows = max(1, blockRows)
    }

    /// The number of online processors.
    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// Where a run writes its three results.
public struct ResultPaths: Sendable {
    /// `scores.csv`.
    public var scores: String
    /// `rejects.csv`.
    public var rejects: String
    /// `summary.json`.
    public var summary: String

    /// `comparison.json`: the challengers compared with the champion (written only with challengers).
    public var comparison: String
    /// The folder under which each challenger's results go (`challengers/`, ``challenger(_:)``).
    public var challengers: String

    /// Paths beside a scores file: `rejects.csv` and `summary.json` in its folder when it is named `scores.csv`,
    /// else `<stem>.rejects.csv` and `<stem>.summary.json`; `comparison.json` and `challengers/` in its folder.
    public init(besideScores scores: String) {
        self.scores = scores
        let directory = FileIO.directory(of: scores)
        comparison = Spool.comparisonFile(in: directory)
        challengers = Spool.challengersFolder(in: directory)
        let file = String(scores.split(separator: "/").last ?? "scores.csv")
        if file == "scores.csv" {
            rejects = directory + "/rejects.csv"
            summary = directory + "/summary.json"
        } else {
            let stem = file.hasSuffix(".csv") ? String(file.dropLast(4)) : file
            rejects = directory + "/" + stem + ".rejects.csv"
            summary = directory + "/" + stem + ".summary.json"
        }
    }

    /// Explicit paths; `comparison.json` and `challengers/` beside `scores`.
    public init(scores: String, rejects: String, summary: String) {
        self.scores = scores
        self.rejects = rejects
        self.summary = summary
        comparison = Spool.comparisonFile(in: FileIO.directory(of: scores))
        challengers = Spool.challengersFolder(in: FileIO.directory(of: scores))
    }

    /// The results of the challenger with model id `id`: `challengers/<id>/scores.csv`, `rejects.csv`,
    /// `summary.json` (and `error.json` when it failed, ``challengerError(_:)``).
    public func challenger(_ id: String) -> ResultPaths {
        ResultPaths(besideScores: Spool.challengerFolder(in: challengers, model: id) + "/scores.csv")
    }

    /// `challengers/<id>/error.json`: why the challenger with model id `id` did not score the batch.
    public func challengerError(_ id: String) -> String {
        Spool.challengerFolder(in: challengers, model: id) + "/error.json"
    }
}

/// The outcome of scoring a batch.
public struct BatchOutcome: Sendable {
    /// Customers in the batch (the union of the shards' keys).
    public var customers: Int
    /// Customers scored.
    public var scored: Int
    /// Rows in `rejects.csv`.
    public var rejectedRows: Int
    /// The summary written to `summary.json`.
    public var summary: JSONValue
    /// What became of each challenger, in the scorer's order (empty without challengers).
    public var challengers: [ChallengerOutcome] = []
}

/// What became of one challenger of a batch.
public struct ChallengerOutcome: Sendable {
    /// The challenger's model id.
    public var id: String
    /// The challenger's model name.
    public var name: String
    /// Customers it scored; 0 when it failed.
    public var scored: Int
    /// Why it did not score the batch, or `nil` when it did.
    public var error: String?
    /// What it wrote, for `comparison.json` (a whole batch only).
    var written: WrittenScores? = nil
}

/// A challenger of a job whose model this process cannot load (its file missing, or not hashing to its id): it is
/// recorded as failed, like one that cannot score the batch, and the champion's results stand.
public struct UnavailableChallenger: Sendable, Equatable {
    /// The challenger's model id.
    public var id: String
    /// Its registry name, if known.
    public var name: String
    /// Why it cannot be had (names the model id, never a value).
    public var reason: String

    /// Creates a record.
    public init(id: String, name: String, reason: String) {
        self.id = id
        self.name = name
        self.reason = reason
    }
}

/// A model as the registry knows it, for its summary: the name and version it was registered under and the alias
/// the job resolved it through (a challenger's is `nil`).
public struct ModelProvenance: Sendable, Equatable {
    /// The registered name.
    public var name: String
    /// The registered version, or `nil` for a model the registry does not know.
    public var version: Int?
    /// The alias the job's model was resolved through, or `nil`.
    public var alias: String?

    /// Creates a provenance.
    public init(name: String, version: Int?, alias: String?) {
        self.name = name
        self.version = version
        self.alias = alias
    }
}

/// Scores one batch folder (shards + manifest) into `scores.csv`, `rejects.csv` and `summary.json`.
///
/// The same code serves `vfl score` and the workers. Shards are read in parallel, joined by key (a sort per party and a
/// merge), and scored in blocks on ``NetworkEvaluator``s; the output is sorted by key in byte order and identical
/// whatever the thread count. The three files are written under temporary names, flushed, and renamed into place,
/// `scores.csv` last.
public struct BatchScorer: Sendable {
    /// The model (the champion).
    public let model: SplitModel
    /// The challengers scored beside the champion in the same pass (shadow scoring), each id once.
    public let challengers: [SplitModel]
    /// The job's challengers that could not be loaded: recorded as failed after the others.
    public let unavailableChallengers: [UnavailableChallenger]
    /// The run's settings.
    public let options: ScoringOptions
    /// Where progress is logged (never keys or values).
    public let logger: Logger
    /// The registry's record of the models, by model id, for the `model` member of their summaries (``modelMember(_:)``).
    public let provenance: [String: ModelProvenance]
    /// Where the network evaluators come from and go back to (a worker's lasts from batch to batch).
    public let evaluators: EvaluatorPool

    /// Creates a scorer.
    ///
    /// - Parameters:
    ///   - model: The champion: its results are the batch's, byte-identical with or without challengers.
    ///   - challengers: Models scored in the same pass over the shards into `challengers/<model-id>/` beside the
    ///     champion's results and compared with it in `comparison.json` (``ResultPaths``); a challenger's failure is
    ///     recorded there and never fails the champion. A challenger given twice is scored once.
    ///   - unavailable: Challengers of the job that could not be loaded, each recorded as failed.
    ///   - provenance: The registry's name, version and alias of the models, by id (a worker's job); without one, a
    ///     summary names its model by id and name (`vfl score`).
    ///   - evaluators: The pool of network evaluators, by default one of this scorer's own.
    public init(
        model: SplitModel, challengers: [SplitModel] = [], unavailable: [UnavailableChallenger] = [],
        options: ScoringOptions = ScoringOptions(), logger: Logger = .disabled,
        provenance: [String: ModelProvenance] = [:], evaluators: EvaluatorPool = EvaluatorPool()
    ) {
        self.model = model
        var seen: Set<String> = []
        self.challengers = challengers.filter { seen.insert($0.id).inserted }
        self.unavailableChallengers = unavailable.filter { seen.insert($0.id).inserted }
        self.options = options
        self.logger = logger
        self.provenance = provenance
        self.evaluators = evaluators
    }

    /// The `model` member of `model`'s summary: its id and name, and with its ``provenance`` the registry's name,
    /// version and alias instead of the file's name.
    func modelMember(_ model: SplitModel) -> JSONValue {
        guard let registered = provenance[model.id] else {
            return ["id": .string(model.id), "name": .string(model.name)]
        }
        return [
            "id": .string(model.id), "name": .string(registered.name),
            "version": registered.version.map { .number(Double($0)) } ?? .null,
            "alias": registered.alias.map { .string($0) } ?? .null,
        ]
    }

    /// A shard to read: its party, file and kind, and for a bucket file its line map.
    struct ShardFile {
        var party: Int
        var path: String
        var input: PartyInput
        var lineMap: String?
    }

    /// Reads the batch's manifest and resolves its shards (Spool's ``Shard/resolve(_:in:)``), unless the caller has
    /// both already (a worker has them from its job), then checks the parties against the model.
    ///
    /// - Parameter lineMaps: Whether each shard has its line map `<party>.lines` beside it (``LineMap``).
    /// - Throws: ``ScoringError`` of code `manifest` when the manifest is missing or invalid, names a party the model
    ///   does not know, or a listed party has no shard (or two).
    func shardFiles(
        batchDirectory: String, manifest given: Manifest? = nil, resolved: [Shard]? = nil, lineMaps: Bool = false
    ) throws -> (
        Manifest, [ShardFile]
    ) {
        let manifestPath = batchDirectory + "/manifest.json"
        let manifest: Manifest
        do {
            manifest = try given ?? Manifest(parsing: .init(FileIO.readFile(manifestPath, limit: 1 << 20)))
        } catch let error as Manifest.Error {
            throw ScoringError(.manifest, error.message)
        } catch {
            throw ScoringError(.manifest, "cannot read \(manifestPath): \(error)")
        }
        let shards: [Shard]
        do { shards = try resolved ?? Shard.resolve(manifest, in: batchDirectory) } catch let error as SpoolError {
            throw ScoringError(.manifest, error.message)
        }
        var files: [ShardFile] = []
        for shard in shards {
            guard let p = model.partyIndex(shard.party) else {
                throw ScoringError(.manifest, "manifest.json lists party \(shard.party), which the model does not have")
            }
            files.append(
                ShardFile(
                    party: p, path: batchDirectory + "/" + shard.file,
                    input: shard.input == .features ? .features : .representation,
                    lineMap: lineMaps ? batchDirectory + "/" + shard.party + LineMap.fileExtension : nil))
        }
        return (manifest, files)
    }

    /// Scores the batch in `batchDirectory` and publishes the results.
    ///
    /// - Returns: Counts and the summary.
    /// - Throws: ``ScoringError`` naming the file, party, line and column at fault. When the reject share is exceeded,
    ///   `rejects.csv` and `summary.json` are still written (for diagnosis) and `scores.csv` is not.
    ///
    /// - Parameters:
    ///   - manifest: The manifest as accepted (a worker's job), or `nil` to read `manifest.json`.
    ///   - shards: The shards as resolved (a worker's job), or `nil` to resolve them from the manifest.
    public func score(
        batchDirectory: String, manifest: Manifest? = nil, shards: [Shard]? = nil, results: ResultPaths
    ) throws -> BatchOutcome {
        try score(batchDirectory: batchDirectory, manifest: manifest, shards: shards, results: results, lineMaps: false)
    }

    /// Scores a batch folder, which for a split job's bucket has each shard's line map beside it (`<party>.lines`, see
    /// ``LineMap``): only for folders the system built itself, never a bank's.
    ///
    /// - Throws: As ``score(batchDirectory:manifest:shards:results:)``.
    func score(
        batchDirectory: String, manifest: Manifest?, shards: [Shard]?, results: ResultPaths, lineMaps: Bool
    ) throws -> BatchOutcome {
        let started = Timestamp.monotonicSeconds()
        var timings: [(String, Double)] = []
        var phase = started
        func lap(_ name: String) {
            let now = Timestamp.monotonicSeconds()
            timings.append((name, (now - phase) * 1000))
            phase = now
        }
        let (manifest, files) = try shardFiles(
            batchDirectory: batchDirectory, manifest: manifest, resolved: shards, lineMaps: lineMaps)
        try verifyChecksums(manifest: manifest, batchDirectory: batchDirectory, files: files)
        // A split job's buckets carry the system's manifest; their shards were checked against the bank's at ingest.
        let scheme = try agreedKeys(manifest: manifest, files: files, checkManifest: !lineMaps)
        let (tables, companions) = try loadTables(files)
        for table in tables {
            if let expected = manifest.rows[table.name], expected != table.rows {
                throw ScoringError(
                    .verification,
                    "party \(table.name): manifest.json says \(expected) rows, \(table.file) has \(table.rows)")
            }
            if !table.extraColumns.isEmpty {
                logger.info(
                    "extra columns ignored",
                    metadata: [
                        ("party", table.name),
                        ("columns", PartyTable.reported(table.extraColumns).joined(separator: ",")),
                        ("columns.count", "\(table.extraColumns.count)"),
                    ])
            }
        }
        // A bucket's counts are the merge task's to report, once for the whole shard.
        if !lineMaps { BatchScorer.warnAboutKeys(tables.map { ($0.name, $0.keysWithWhitespace) }, logger: logger) }
        lap("read")  // reading includes each shard's sort by key
        let join = Join(tables: tables, partyCount: model.parties.count)
        // Customers are numbered in 32 bits from here on (rejected and scored indices).
        guard join.count < Int32.max else {
            throw ScoringError(.tooLarge, "the batch has more than \(Int32.max - 1) customers; split it")
        }
        lap("join")
        let batch = JoinedBatch(
            manifest: manifest, scheme: scheme, tables: tables, join: join, timings: timings, started: started)
        if challengers.isEmpty && unavailableChallengers.isEmpty {
            return try scoreJoined(batch, results: results).outcome
        }
        // The champion first: its failure is the batch's (nothing of the challengers is published then); its files
        // are published last, after the challengers' and the comparison, scores.csv the very last.
        // A whole batch's comparison is made from the scores as written, kept in memory (a bucket's is the merge's).
        let recording = lineMaps ? nil : join.count
        let champion = try scoreJoined(batch, results: results, publishing: false, recording: recording)
        let outcomes = scoreChallengers(batch, companions: companions, results: results, recording: recording)
        if let written = champion.written {
            try writeComparison(batch: manifest.batch, champion: written, outcomes: outcomes, results: results)
        }
        try publish(champion.moves)
        var outcome = champion.outcome
        outcome.challengers = outcomes
        return outcome
    }

    /// A batch read and joined: what every model's scoring shares.
    struct JoinedBatch {
        var manifest: Manifest
        var scheme: TokenScheme?
        /// The tables of the scorer's model, by party.
        var tables: [PartyTable]
        var join: Join
        /// The shared phases' timings (read, join) and when the run started.
        var timings: [(String, Double)]
        var started: Double
        /// For a challenger's summary: the shards it does not read (parties it does not know).
        var ignoredParties: [String] = []
    }

    /// Scores a joined batch with the scorer's model into `results`: the rejects, the scores in blocks, the summary.
    ///
    /// - Parameters:
    ///   - publishing: Whether to rename the files into place; without, the caller publishes `moves` (in order,
    ///     `scores.csv` last). When too many rows are rejected, `rejects.csv` and `summary.json` are published at once
    ///     either way.
    ///   - recording: The customers of the champion's join, to keep what `scores.csv` holds by their index there
    ///     (``WrittenScores``); `nil` keeps nothing.
    /// - Throws: ``ScoringError``, of code `tooManyRejects` when the share is exceeded.
    func scoreJoined(
        _ batch: JoinedBatch, results: ResultPaths, publishing: Bool = true, recording: Int? = nil
    ) throws -> (
        outcome: BatchOutcome, moves: [(String, String)], written: WrittenScores?
    ) {
        let manifest = batch.manifest
        let scheme = batch.scheme
        let tables = batch.tables
        let join = batch.join
        let started = batch.started
        var timings = batch.timings
        var phase = Timestamp.monotonicSeconds()
        func lap(_ name: String) {
            let now = Timestamp.monotonicSeconds()
            timings.append((name, (now - phase) * 1000))
            phase = now
        }

        // Rejected customers and rows: first those with a bad value; those whose evaluation overflows are known only
        // once scored, and join them then.
        let partyCount = model.parties.count
        let tableOfParty: [PartyTable?] = (0..<partyCount).map { p in tables.first { $0.party == p } }
        var rejects = collectRejects(tables: tables, tableOfParty: tableOfParty, join: join)

        var summaryMembers: [(String, JSONValue)] = []
        func summarize() {
            summaryMembers = [
                ("batch", .string(manifest.batch)),
                ("model", modelMember(model)),
                ("customers", .number(Double(join.count))),
                ("scored", .number(Double(join.count - rejects.indices.count))),
                ("rejected_customers", .number(Double(rejects.customers))),
                ("rejected_rows", .number(Double(rejects.rows))),
                ("keyless_rows", .number(Double(rejects.keylessRows))),
                ("reject_share", .number(rejects.share)),
                ("max_reject_share", .number(options.maxRejectShare)),
                ("keys", scheme?.json ?? "raw"),
            ]
            if !batch.ignoredParties.isEmpty {
                summaryMembers.append(("ignored_parties", .array(batch.ignoredParties.map { .string($0) })))
            }
            summaryMembers.append(("parties", partySummary(tables: tables, join: join)))
            summaryMembers.append(
                (
                    "parties_per_customer",
                    .object(join.partiesPerCustomer.enumerated().map { (String($0), .number(Double($1))) })
                ))
        }

        let temporaryRejects = FileIO.temporaryName(for: results.rejects)
        let temporarySummary = FileIO.temporaryName(for: results.summary)
        let temporaryScores = FileIO.temporaryName(for: results.scores)
        // Too many rejects: publishes rejects.csv and summary.json, not scores.csv, and throws.
        func failForRejects() throws -> Never {
            summarize()
            summaryMembers.append(("status", "failed"))
            let message =
                "\(rejects.customers) of \(rejects.population) customers rejected (\(percent(rejects.share))), "
                + "more than the allowed \(percent(options.maxRejectShare)); see rejects.csv"
            summaryMembers.append(("error", .string(message)))
            lap("check")
            summaryMembers.append(("timings_ms", timingsJSON(timings, total: started)))
            unlink(temporaryScores)
            try writeFile(temporaryRejects, rejects.lines)
            try writeFile(temporarySummary, Array((JSONValue.object(summaryMembers).text + "\n").utf8))
            try publish([(temporaryRejects, results.rejects), (temporarySummary, results.summary)])
            throw ScoringError(.tooManyRejects, message)
        }
        // Scoring only adds rejects: a share already too high fails without scoring.
        if rejects.share > options.maxRejectShare { try failForRejects() }

        let written = recording.map { WrittenScores(count: $0) }
        let (histogram, overflows) = try writeScores(
            path: temporaryScores, join: join, rejected: rejects.indices, tables: tableOfParty, record: written)
        lap("score")
        if !overflows.isEmpty {
            // Each overflowing customer is rejected on the row of the party blamed, like a bad value.
            for overflow in overflows {
                markOverflow(overflow, join: join, tables: tableOfParty)
            }
            rejects = collectRejects(tables: tables, tableOfParty: tableOfParty, join: join)
            logger.info(
                "customers rejected for values out of range in the network",
                metadata: [
                    ("customers", "\(overflows.count)")
                ])
            if rejects.share > options.maxRejectShare { try failForRejects() }
        }
        try writeFile(temporaryRejects, rejects.lines)
        summarize()
        summaryMembers.append(("status", "done"))
        summaryMembers.append(("score_histogram", histogramJSON(histogram)))
        if let drift = DriftReport.json(
            model: model, featureCounts: DriftReport.featureCounts(model: model, tables: tables), histogram: histogram)
        {
            summaryMembers.append(("drift", drift))
            lap("drift")
        }
        summaryMembers.append(("threads", .number(Double(options.threads))))
        summaryMembers.append(
            ("blas", ["core": .string(BLAS.coreName), "threads_per_worker_thread": .number(Double(BLAS.threads))]))
        lap("write")
        summaryMembers.append(("timings_ms", timingsJSON(timings, total: started)))
        let summary = JSONValue.object(summaryMembers)
        try writeFile(temporarySummary, Array((summary.text + "\n").utf8))
        let moves = [
            (temporaryRejects, results.rejects), (temporarySummary, results.summary), (temporaryScores, results.scores),
        ]
        if publishing { try publish(moves) }
        let outcome = BatchOutcome(
            customers: join.count, scored: join.count - rejects.indices.count, rejectedRows: rejects.rows,
            summary: summary)
        return (outcome, moves, written)
    }

    // MARK: - Rejects

    /// The rejects of a batch: `rejects.csv`'s bytes, in key order, and the counts.
    struct Rejects {
        /// `rejects.csv`, header included.
        var lines: [UInt8]
        /// Rows in it.
        var rows = 0
        /// Rejected customers, a keyless row counting as one.
        var customers = 0
        /// Rows without a key.
        var keylessRows = 0
        /// The join indices of rejected customers, ascending.
        var indices: [Int32] = []
        /// Customers and keyless rows.
        var population = 0

        /// The share of the population rejected.
        var share: Double { population == 0 ? 0 : Double(customers) / Double(population) }
    }

    /// Every row with a problem (a bad value, or an overflow marked after scoring) as a line of `rejects.csv`:
    /// keyless rows first, then by customer in key order, a customer's rows in party order.
    private func collectRejects(tables: [PartyTable], tableOfParty: [PartyTable?], join: Join) -> Rejects {
        var rejects = Rejects(lines: Array("\(model.key),party,line,column,reason\n".utf8))
        // Rows without a key cannot be joined: each counts as a rejected customer of its own.
        for table in tables {
            for row in 0..<table.rows where table.problems[row] == PartyTable.Problem.emptyKey.rawValue {
                appendReject(key: UnsafeBufferPointer(start: nil, count: 0), table: table, row: row, to: &rejects.lines)
                rejects.rows += 1
                rejects.keylessRows += 1
            }
        }
        rejects.customers = rejects.keylessRows
        let partyCount = model.parties.count
        for c in 0..<join.count {
            var bad = false
            for p in 0..<partyCount {
                let position = join.positions[c * partyCount + p]
                guard position >= 0, let table = tableOfParty[p] else { continue }
                let entry = table.entries[Int(position)]
                if table.problems[Int(entry.row)] != 0 {
                    if !bad {
                        bad = true
                        rejects.customers += 1
                    }
                    table.withKey(entry) { key in
                        appendReject(key: key, table: table, row: Int(entry.row), to: &rejects.lines)
                    }
                    rejects.rows += 1
                }
            }
            if bad { rejects.indices.append(Int32(c)) }
        }
        rejects.population = join.count + rejects.keylessRows
        return rejects
    }

    /// A scored customer whose evaluation left the finite floats, and the party blamed (``NetworkEvaluator``).
    struct Overflow {
        var customer: Int32
        var party: Int32
    }

    /// Marks the row of the party blamed for an overflow (the customer's first party when that one does not know it)
    /// with ``PartyTable/Problem/networkOverflow``, naming its value furthest from the mean: the largest standardized
    /// magnitude (a representation's largest `r`).
    private func markOverflow(_ overflow: Overflow, join: Join, tables: [PartyTable?]) {
        let partyCount = model.parties.count
        let first = Int(overflow.customer) * partyCount
        var p = Int(overflow.party)
        if join.positions[first + p] < 0 || tables[p] == nil {
            p = 0
            while join.positions[first + p] < 0 { p += 1 }
        }
        let table = tables[p]!
        let row = Int(table.entries[Int(join.positions[first + p])].row)
        let values = table.values(row)
        var column = 0
        var largest: Float = -1
        for f in 0..<table.width where abs(values[f]) > largest {
            // NaN (a tree party's missing value) never compares larger.
            largest = abs(values[f])
            column = f
        }
        table.problems[row] = PartyTable.Problem.networkOverflow.rawValue
        table.problemColumns[UInt32(row)] =
            table.input == .representation ? "r\(column + 1)" : model.parties[p].features[column].name
    }

    // MARK: - Keys

    /// Reads each shard's header for its key declaration and checks that the parties agree, with each other and
    /// with the manifest (``TokenScheme/agreed(_:checkManifest:)``), before any shard is read.
    ///
    /// - Returns: The batch's token scheme, `nil` for raw keys.
    /// - Throws: ``ScoringError`` of code `keys` naming the parties, `csv` or `io` for an unreadable header.
    private func agreedKeys(manifest: Manifest, files: [ShardFile], checkManifest: Bool) throws -> TokenScheme? {
        var declarations: [TokenScheme.Declaration] = []
        for file in files {
            let name = model.parties[file.party].name
            let header: [String]
            do {
                let reader = try CSVReader(path: file.path, limits: CSVLimits(chunkBytes: 64 << 10))
                header = try reader.next() ? reader.recordStrings() : []
            } catch {
                if error.kind == .io { throw ScoringError(.io, "party \(name): \(error.message)") }
                throw ScoringError(
                    .csv,
                    "party \(name): header line \(error.line), column \(error.column): \(error.message) "
                        + "(\(error.kind))")
            }
            do {
                declarations.append(
                    .init(party: name, manifest: manifest.keys[name], shard: try TokenScheme.declared(inHeader: header))
                )
            } catch let error as TokenScheme.Error {
                throw ScoringError(.keys, "party \(name): \(error.message)")
            }
        }
        do { return try TokenScheme.agreed(declarations, checkManifest: checkManifest) } catch let error
            as TokenScheme.Error
        {
            throw ScoringError(.keys, error.message)
        }
    }

    /// Logs one warning per shard with raw keys that start or end with whitespace (one customer written two ways
    /// becomes two customers), with the count and never a key.
    static func warnAboutKeys(_ counts: [(party: String, keys: Int)], logger: Logger) {
        for (party, keys) in counts where keys > 0 {
            logger.warning(
                "raw keys with leading or trailing whitespace; they do not join their trimmed spelling "
                    + "(vfl tokenize trims them)", metadata: [("party", party), ("keys", "\(keys)")])
        }
    }

    // MARK: - Phases

    private func verifyChecksums(manifest: Manifest, batchDirectory: String, files: [ShardFile]) throws {
        for file in files {
            let name = model.parties[file.party].name
            guard let expected = manifest.sha256[name] else { continue }
            let actual: String
            do { actual = try SHA256.hex(ofFile: file.path) } catch {
                throw ScoringError(.io, "party \(name): cannot read \(file.path): \(error)")
            }
            guard actual == expected else {
                throw ScoringError(
                    .verification, "party \(name): the SHA-256 of its shard does not match manifest.json")
            }
        }
    }

    /// Loads every shard (the largest first, on the run's threads), each sorted by key, for the model and, in the
    /// same pass, for every challenger that knows its party (``ShardLoader/Companion``).
    ///
    /// - Returns: The model's tables by party, and for each of them per challenger its table, its failure, or `nil`
    ///   when it does not know the party.
    private func loadTables(
        _ files: [ShardFile]
    ) throws -> (
        tables: [PartyTable], companions: [[Result<PartyTable, ScoringError>?]]
    ) {
        let loader = ShardLoader(model: model)
        let challengers = self.challengers
        let known: [[Int?]] = files.map { file in
            challengers.map { $0.partyIndex(model.parties[file.party].name) }
        }
        let order = files.indices.sorted { FileIO.size(files[$0].path) > FileIO.size(files[$1].path) }
        let slots = Mutex<[Int: Result<ShardLoader.LoadedShard, any Error>]>([:])
        let nextIndex = Atomic<Int>(0)
        let threads = min(options.threads, files.count)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let i = nextIndex.add(1, ordering: .relaxed).oldValue
                guard i < order.count else { return }
                let file = files[order[i]]
                let companions = zip(challengers, known[order[i]]).compactMap { model, party in
                    party.map { ShardLoader.Companion(model: model, party: $0) }
                }
                // Each table is sorted by the thread that loaded it, while the other threads still load theirs.
                let result = Result {
                    let loaded = try loader.load(
                        path: file.path, party: file.party, input: file.input, lineMap: file.lineMap,
                        companions: companions)
                    try loaded.table.sortKeys()
                    for case .success(let companion) in loaded.companions { companion.adoptKeys(of: loaded.table) }
                    return loaded
                }
                slots.withLock { $0[order[i]] = result }
            }
        }
        let results = slots.withLock { $0 }
        var loaded: [ShardLoader.LoadedShard] = []
        for i in files.indices { loaded.append(try results[i]!.get()) }
        let byParty = files.indices.sorted { files[$0].party < files[$1].party }
        let companions: [[Result<PartyTable, ScoringError>?]] = byParty.map { i in
            var next = loaded[i].companions.makeIterator()
            return known[i].map { $0 == nil ? nil : next.next() }
        }
        return (byParty.map { loaded[$0].table }, companions)
    }

    private func appendReject(key: UnsafeBufferPointer<UInt8>, table: PartyTable, row: Int, to out: inout [UInt8]) {
        ScoreText.appendCell(key, to: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: table.name.utf8)
        out.append(UInt8(ascii: ","))
        ScoreText.appendInteger(UInt64(table.line(row)), to: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: ScoreText.cell(table.problemColumns[UInt32(row)] ?? ""))
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: (PartyTable.Problem(rawValue: table.problems[row])?.text ?? "bad value").utf8)
        out.append(UInt8(ascii: "\n"))
    }

    /// Scores the customers that were not rejected in blocks of join indices, in parallel waves, writing rows in key
    /// order; returns the histogram and, in key order, the customers whose evaluation overflowed (not written).
    private func writeScores(
        path: String, join: Join, rejected: [Int32], tables: [PartyTable?], record: WrittenScores?
    ) throws -> (histogram: [Int: Int], overflows: [Overflow]) {
        let writer = try BufferedFileWriter(path: path)
        var header = model.key + ",score,parties"
        for k in 1...NetworkEvaluator.reasonsPerRow { header += ",reason_\(k)" }
        try writer.write(ScoreText.cell(model.key) + Array(header.utf8.dropFirst(model.key.utf8.count)) + [10])
        let model = self.model
        let blockRows = options.blockRows
        let blockCount = (join.count + blockRows - 1) / blockRows
        let threads = max(1, min(options.threads, blockCount))
        final class Evaluators: @unchecked Sendable {
            // Thread t of each wave uses only all[t]; waves run one after another.
            let all: [NetworkEvaluator]
            init(_ all: [NetworkEvaluator]) { self.all = all }
        }
        let evaluators = Evaluators((0..<threads).map { _ in self.evaluators.take(model: model, capacity: blockRows) })
        defer { self.evaluators.give(evaluators.all) }
        let codeCells = evaluators.all[0].reasonCodes.map { ScoreText.cell($0) }
        record?.codes = codeCells
        let pass = ScoringPass(
            join: join, tables: tables, inputs: model.parties.indices.map { tables[$0]?.input ?? .absent },
            model: model, reasons: options.reasons,
            cells: RowCells(codes: codeCells, partyNames: model.parties.map { Array($0.name.utf8) }),
            decimals: options.decimals, record: record)
        let wave = threads * 8
        let histograms = Mutex(ScoreHistogram())
        final class Outputs: @unchecked Sendable {
            // Each slot is written by exactly one thread per wave; read after concurrentPerform returns. The
            // buffers are reused from wave to wave.
            let blocks: [ByteBuffer]
            var overflows: [[Overflow]]
            init(_ n: Int, capacity: Int) {
                blocks = (0..<n).map { _ in ByteBuffer(capacity: capacity) }
                overflows = Array(repeating: [], count: n)
            }
        }
        let outputs = Outputs(min(wave, blockCount), capacity: blockRows * pass.estimatedRowBytes)
        var overflows: [Overflow] = []
        var firstBlock = 0
        while firstBlock < blockCount {
            let blocksInWave = min(wave, blockCount - firstBlock)
            let base = firstBlock
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let evaluator = evaluators.all[t]
                var local = ScoreHistogram()
                for b in stride(from: t, to: blocksInWave, by: threads) {
                    let start = (base + b) * blockRows
                    let end = min(start + blockRows, join.count)
                    var customers: [Int32] = []
                    customers.reserveCapacity(end - start)
                    var skip = Self.firstIndex(in: rejected, notBelow: start)
                    for c in start..<end {
                        if skip < rejected.count && rejected[skip] == c {
                            skip += 1
                        } else {
                            customers.append(Int32(c))
                        }
                    }
                    outputs.blocks[b].removeAll()
                    outputs.overflows[b].removeAll(keepingCapacity: true)
                    Self.scoreBlock(
                        customers: customers, pass: pass, evaluator: evaluator, out: outputs.blocks[b],
                        histogram: &local, overflows: &outputs.overflows[b])
                }
                histograms.withLock { $0.merge(local) }
            }
            for b in 0..<blocksInWave { try writer.writeThrough(outputs.blocks[b].bytes) }
            for b in 0..<blocksInWave { overflows += outputs.overflows[b] }
            firstBlock += blocksInWave
        }
        try writer.close(sync: true)
        return (histograms.withLock { $0.bins }, overflows)
    }

    /// The position of the first element of a sorted array that is at least `value`.
    private static func firstIndex(in sorted: [Int32], notBelow value: Int) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if Int(sorted[mid]) < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// What every block of one ``writeScores(path:join:rejected:tables:record:)`` pass reads.
    private struct ScoringPass: @unchecked Sendable {
        // Read-only during the pass (the record's slots are written per customer by the thread of its block).
        let join: Join
        let tables: [PartyTable?]
        let inputs: [PartyInput]
        let model: SplitModel
        let reasons: Bool
        let cells: RowCells
        let decimals: Int
        let record: WrittenScores?

        /// A row's bytes, for a block buffer's first capacity (a longer key only grows it).
        var estimatedRowBytes: Int {
            32 + 24 + cells.longestParties + NetworkEvaluator.reasonsPerRow * (cells.longestCode + 1) + 1
        }
    }

    /// Scores the join indices `customers` into `out`: gathers each party's rows into the evaluator's inputs,
    /// evaluates the block, then formats its rows (``formatRows(customers:pass:evaluator:out:histogram:overflows:)``).
    private static func scoreBlock(
        customers: [Int32], pass: ScoringPass, evaluator: NetworkEvaluator, out: ByteBuffer,
        histogram: inout ScoreHistogram, overflows: inout [Overflow]
    ) {
        let partyCount = pass.model.parties.count
        pass.join.positions.withUnsafeBufferPointer { positions in
            for p in 0..<partyCount {
                guard let table = pass.tables[p] else { continue }
                let width = table.width
                let flags = evaluator.presence(party: p)
                let target =
                    table.input == .representation
                    ? evaluator.representationInput(party: p) : evaluator.featureInput(party: p)
                let entries = table.entries.base
                let values = table.values(0)
                for (i, c) in customers.enumerated() {
                    let position = positions[Int(c) * partyCount + p]
                    if position >= 0 {
                        (target + i * width).update(
                            from: values + Int(entries[Int(position)].row) * width, count: width)
                        flags[i] = 1
                    } else {
                        (target + i * width).update(repeating: 0, count: width)
                        flags[i] = 0
                    }
                }
            }
        }
        evaluator.evaluate(rows: customers.count, inputs: pass.inputs, reasons: pass.reasons)
        formatRows(
            customers: customers, pass: pass, evaluator: evaluator, out: out, histogram: &histogram,
            overflows: &overflows)
    }

    /// Appends the `scores.csv` rows of an evaluated block to `out`, recording each written score when the pass
    /// records them; a customer whose evaluation overflowed is not written but added to `overflows`.
    private static func formatRows(
        customers: [Int32], pass: ScoringPass, evaluator: NetworkEvaluator, out: ByteBuffer,
        histogram: inout ScoreHistogram, overflows: inout [Overflow]
    ) {
        let partyCount = pass.model.parties.count
        let cells = pass.cells
        let origin = pass.join.origin
        pass.join.positions.withUnsafeBufferPointer { positions in
            for (i, c) in customers.enumerated() {
                let customer = Int(c)
                let first = customer * partyCount
                var keyParty = -1
                var mask = 0
                for p in 0..<partyCount where positions[first + p] >= 0 {
                    if keyParty < 0 { keyParty = p }
                    if p < RowCells.maximumPrecomputedParties { mask |= 1 << p }
                }
                let score = pass.model.output.score(evaluator.z(row: i))
                // A customer whose evaluation overflowed is never written: it becomes a reject.
                if let party = evaluator.overflowParty(row: i) ?? (score.isFinite ? nil : keyParty) {
                    overflows.append(Overflow(customer: c, party: Int32(party)))
                    continue
                }
                pass.tables[keyParty]!.withKey(at: Int(positions[first + keyParty])) { out.appendCell($0) }
                out.append(UInt8(ascii: ","))
                let scoreStart = out.count
                if pass.decimals == 2 {
                    out.appendTwoDecimals(score)
                } else {
                    out.append(Array(String(format: "%.\(pass.decimals)f", score).utf8))
                }
                if let record = pass.record {
                    let text = UnsafeBufferPointer(start: out.base + scoreStart, count: out.count - scoreStart)
                    let slot = pass.reasons ? evaluator.reasons(row: i)[0] : -1
                    record.record(origin.map { Int($0[customer]) } ?? customer, text: text, reason: slot)
                }
                histogram.add(score)
                out.append(UInt8(ascii: ","))
                if cells.precomputedSets {
                    let (bytes, count) = cells.parties(mask: mask)
                    out.appendPadded(bytes, count: count)
                } else {
                    var firstParty = true
                    for p in 0..<partyCount where positions[first + p] >= 0 {
                        if !firstParty { out.append(UInt8(ascii: "|")) }
                        let (bytes, count) = cells.partyName(p)
                        out.appendPadded(bytes, count: count)
                        firstParty = false
                    }
                }
                let slots = evaluator.reasons(row: i)
                for s in 0..<NetworkEvaluator.reasonsPerRow {
                    out.append(UInt8(ascii: ","))
                    if pass.reasons && slots[s] >= 0 {
                        let (bytes, count) = cells.code(Int(slots[s]))
                        out.appendPadded(bytes, count: count)
                    }
                }
                out.append(UInt8(ascii: "\n"))
            }
        }
    }

    // MARK: - Summary helpers

    private func partySummary(tables: [PartyTable], join: Join) -> JSONValue {
        .object(
            model.parties.enumerated().map { p, party in
                let table = tables.first { $0.party == p }
                let known = join.known[p]
                var members: [(String, JSONValue)] = [
                    (
                        "input",
                        .string(table.map { $0.input == .representation ? "representation" : "features" } ?? "absent")
                    ),
                    ("rows", .number(Double(table?.rows ?? 0))),
                    ("known", .number(Double(known))),
                    ("coverage", .number(join.count == 0 ? 0 : Double(known) / Double(join.count))),
                ]
                if let table, table.keysWithWhitespace > 0 {
                    members.append(("keys_with_whitespace", .number(Double(table.keysWithWhitespace))))
                }
                if let table, !table.extraColumns.isEmpty {
                    members.append(
                        ("extra_columns", .array(PartyTable.reported(table.extraColumns).map { .string($0) })))
                    members.append(("extra_column_count", .number(Double(table.extraColumns.count))))
                }
                return (party.name, .object(members))
            })
    }

    private func histogramJSON(_ histogram: [Int: Int]) -> JSONValue {
        [
            "bin_width": 10,
            "bins": .array(
                histogram.keys.sorted().map { ["from": .number(Double($0)), "count": .number(Double(histogram[$0]!))] }),
        ]
    }

    private func timingsJSON(_ timings: [(String, Double)], total started: Double) -> JSONValue {
        var members = timings.map { ($0.0, JSONValue.number(($0.1 * 10).rounded() / 10)) }
        members.append(("total", .number(((Timestamp.monotonicSeconds() - started) * 10_000).rounded() / 10)))
        return .object(members)
    }

    private func percent(_ share: Double) -> String {
        let value = (share * 10000).rounded() / 100
        return "\(value)%"
    }

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        do {
            let writer = try BufferedFileWriter(path: path)
            try writer.write(bytes)
            try writer.close(sync: true)
        } catch {
            throw ScoringError(.io, "cannot write \(path): \(error)")
        }
    }

    private func publish(_ moves: [(String, String)]) throws {
        do {
            try Failpoint.hit("results.written.before-rename")
            for (from, to) in moves { try FileIO.rename(from, to: to) }
            if let last = moves.last { try FileIO.sync(FileIO.directory(of: last.1)) }
        } catch {
            throw ScoringError(.io, "cannot publish results: \(error)")
        }
    }
}
