import Core
import Model
import Spool

#if canImport(Glibc)
import Glibc
#endif

/// Reads one party shard into a ``PartyTable``: header checks, then per row the key and the standardized inputs,
/// parsed straight from the CSV reader's bytes (no per-cell allocation).
struct ShardLoader {
    let model: SplitModel

    /// The most rows a shard may have: rows are numbered in 32 bits (sort entries, join positions).
    static let maxRows = Int(Int32.max) - 1
    /// The most key bytes a shard may have: long keys are kept in an arena addressed in 32 bits.
    static let maxKeyBytes = Int(UInt32.max)
    /// The smallest magnitude that rounds to an infinite float32 (`Float.greatestFiniteMagnitude` plus half an ulp):
    /// a number below it in magnitude is a finite float32, and one comparison also refuses infinities and NaN.
    static let float32Limit = 3.402_823_567_797_336_6e38

    /// How one input is read: its column, its value map (an index into the maps, or -1) and its statistics.
    private struct ColumnStep {
        var column: Int
        var map: Int
        var mean: Double
        var std: Double
        var signedLog: Bool
        /// For a derived feature: the second column (the first is `column`), else -1.
        var column2: Int = -1
        /// For a derived feature, its operation (an enum and numbers only: a step must stay a trivial type, or the
        /// per-cell loop pays reference counting).
        var operation: Derivation.Operation?
        var scale: Double = 1
        var divisor: Double = 1

        /// Whether two steps read a cell into the same value.
        static func same(_ a: ColumnStep, _ b: ColumnStep) -> Bool {
            a.column == b.column && a.map == b.map && a.mean == b.mean && a.std == b.std && a.signedLog == b.signedLog
                && a.column2 == b.column2 && a.operation == b.operation && a.scale == b.scale && a.divisor == b.divisor
        }
    }

    /// A value map compiled for byte comparison.
    private struct ValueMap {
        var entries: [(text: [UInt8], value: Double)]

        @inline(__always)
        func lookup(_ cell: UnsafeBufferPointer<UInt8>) -> Double? {
            for entry in entries where entry.text.count == cell.count {
                let equal = entry.text.withUnsafeBufferPointer { text in
                    memcmpEqual(text.baseAddress!, cell.baseAddress!, cell.count)
                }
                if equal { return entry.value }
            }
            return nil
        }
    }

    /// Another model that reads the same shard in the same pass (a challenger): its own inputs for party `party` of
    /// its model, sharing the keys of the shard's table.
    struct Companion {
        var model: SplitModel
        var party: Int
    }

    /// A shard loaded for the model and its companions.
    struct LoadedShard {
        /// The model's table (its keys are the shard's).
        var table: PartyTable
        /// Per companion, its table (sharing the keys; after ``PartyTable/sortKeys()`` of `table`, call
        /// ``PartyTable/adoptKeys(of:)``) or why it cannot read the shard.
        var companions: [Result<PartyTable, ScoringError>]
    }

    /// How one model reads a shard's rows into its table: the column steps, value maps and names of its inputs.
    private final class InputPlan {
        let table: PartyTable
        let steps: [ColumnStep]
        let valueMaps: [ValueMap]
        let names: [String]
        let modelColumn: Int?
        let modelID: [UInt8]
        let missing: Float
        let used: Set<Int>
        /// Why the plan stopped (a companion's representation of another model); the model's own plan throws instead.
        var failure: ScoringError?

        init(
            table: PartyTable, steps: [ColumnStep], valueMaps: [ValueMap], names: [String], modelColumn: Int?,
            modelID: [UInt8], missing: Float, used: Set<Int>
        ) {
            self.table = table
            self.steps = steps
            self.valueMaps = valueMaps
            self.names = names
            self.modelColumn = modelColumn
            self.modelID = modelID
            self.missing = missing
            self.used = used
        }

        /// Whether `other` reads every row into the same values with the same problems (its values can be shared).
        func readsLike(_ other: InputPlan) -> Bool {
            modelColumn == nil && other.modelColumn == nil && missing.bitPattern == other.missing.bitPattern
                && names == other.names && steps.elementsEqual(other.steps, by: ColumnStep.same)
                && valueMaps.elementsEqual(other.valueMaps) { a, b in
                    a.entries.elementsEqual(b.entries) { $0.text == $1.text && $0.value == $1.value }
                }
        }
    }

    /// Loads `path` as party `party`'s shard.
    ///
    /// Every column is the bank's: a column the model does not read is an extra column, whatever its name. A bucket
    /// file of a split job brings its rows' original lines in a separate file, its line map (``LineMap``).
    ///
    /// - Parameters:
    ///   - path: The shard file.
    ///   - party: The party's index in the model.
    ///   - input: `.features` for `<party>.csv`, `.representation` for `<party>.repr.csv`.
    ///   - lineMap: The line map of a bucket file, read in lockstep with its records; `nil` for a bank's shard, whose
    ///     lines are its own.
    /// - Throws: ``ScoringError`` for malformed CSV, missing columns, a representation of another model, a shard
    ///   too large to number, or a line map that does not match its file.
    func load(path: String, party: Int, input: PartyInput, lineMap: String? = nil) throws -> PartyTable {
        try load(path: path, party: party, input: input, lineMap: lineMap, companions: []).table
    }

    /// Loads `path` as party `party`'s shard for the model and, in the same pass over its records, for each
    /// companion: the CSV is parsed once, each model reads the columns it needs, and a companion whose inputs are the
    /// model's (same columns, statistics and value maps) shares its values.
    ///
    /// A companion that cannot read the shard (a column it needs is missing, a representation of another model) gets
    /// its error; the shard and the model's table are unaffected.
    ///
    /// - Throws: As ``load(path:party:input:lineMap:)``, for the model and the shard only.
    func load(
        path: String, party: Int, input: PartyInput, lineMap: String?, companions: [Companion]
    ) throws
        -> LoadedShard
    {
        let spec = model.parties[party]
        let file = String(path.split(separator: "/").last ?? "")
        let width = input == .representation ? spec.representationWidth : spec.features.count
        let table = PartyTable(party: party, name: spec.name, file: file, input: input, width: width)
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch {
            throw ScoringError(.io, "party \(spec.name): \(error.message)")
        }
        func csvFailure(_ error: CSVError) -> ScoringError {
            if error.kind == .io { return ScoringError(.io, "party \(spec.name): \(file): \(error.message)") }
            return ScoringError(
                .csv,
                "party \(spec.name): \(file) line \(error.line), column \(error.column): \(error.message) (\(error.kind))"
            )
        }
        do {
            guard try reader.next() else {
                throw ScoringError(.columns, "party \(spec.name): \(file) is empty; a shard needs a header row")
            }
        } catch let error as CSVError {
            throw csvFailure(error)
        }
        let header = reader.recordStrings()
        var positions: [String: Int] = [:]
        var duplicated: Set<String> = []
        for (i, name) in header.enumerated() {
            if positions[name] != nil { duplicated.insert(name) } else { positions[name] = i }
        }
        let columnOf = { (name: String) throws(ScoringError) -> Int in
            guard let i = positions[name] else {
                throw ScoringError(.columns, "party \(spec.name): \(file) has no column \"\(name)\"")
            }
            guard !duplicated.contains(name) else {
                throw ScoringError(.columns, "party \(spec.name): \(file) has the column \"\(name)\" twice")
            }
            return i
        }
        let keyColumn = try columnOf(model.key)
        let scheme: TokenScheme?
        do { scheme = try TokenScheme.declared(inHeader: header) } catch let error as TokenScheme.Error {
            throw ScoringError(.keys, "party \(spec.name): \(file): \(error.message)")
        }
        table.tokenScheme = scheme
        if scheme != nil { table.useTokenKeys() }
        let schemeColumn = scheme.flatMap { _ in header.firstIndex { $0.hasPrefix(TokenScheme.columnPrefix) } }
        let lines: LineMap.Reader?
        do { lines = try lineMap.map { try LineMap.Reader(path: $0) } } catch {
            throw ScoringError(.io, "party \(spec.name): cannot read the line map of \(file): \(error)")
        }
        func damagedLineMap() -> ScoringError {
            ScoringError(.io, "party \(spec.name): the line map of \(file) does not match its records")
        }
        let shared = Set([keyColumn] + (schemeColumn.map { [$0] } ?? []))
        let own = try ShardLoader.plan(model: model, party: party, input: input, table: table, column: columnOf)
        // Each companion's plan; one that reads like the model's shares its values (and copies its problems later).
        var plans = [own]
        var outcomes: [Result<PartyTable, ScoringError>] = []
        var sharing: [Bool] = []
        for companion in companions {
            let companionSpec = companion.model.parties[companion.party]
            let companionWidth =
                input == .representation ? companionSpec.representationWidth : companionSpec.features.count
            do {
                let probe = PartyTable(
                    party: companion.party, name: spec.name, file: file, input: input, width: companionWidth,
                    sharingKeysOf: table)
                let plan = try ShardLoader.plan(
                    model: companion.model, party: companion.party, input: input, table: probe, column: columnOf)
                if plan.readsLike(own) {
                    let view = PartyTable(
                        party: companion.party, name: spec.name, file: file, input: input, width: companionWidth,
                        sharingKeysOf: table, values: table.values)
                    view.extraColumns = ShardLoader.extraColumns(header: header, used: plan.used.union(shared))
                    outcomes.append(.success(view))
                    sharing.append(true)
                } else {
                    plan.table.extraColumns = ShardLoader.extraColumns(header: header, used: plan.used.union(shared))
                    plans.append(plan)
                    outcomes.append(.success(plan.table))
                    sharing.append(false)
                }
            } catch {
                outcomes.append(.failure(error))
                sharing.append(false)
            }
        }
        table.extraColumns = ShardLoader.extraColumns(header: header, used: own.used.union(shared))
        try readRows(
            reader: reader, path: path, table: table, plans: plans, keyColumn: keyColumn, tokenized: scheme != nil,
            lines: lines, csvFailure: csvFailure, damagedLineMap: damagedLineMap)
        if let lines {
            do { if try lines.next() != nil { throw damagedLineMap() } } catch let error as SystemError {
                throw ScoringError(.io, "party \(spec.name): cannot read the line map of \(file): \(error)")
            }
        }
        // A companion's plan that stopped fails that companion; one that shares the values takes a copy of the
        // problems (an overflow marked later is its own).
        var next = 1
        for i in outcomes.indices {
            guard case .success(let companionTable) = outcomes[i] else { continue }
            if sharing[i] {
                companionTable.copyProblems(of: table)
            } else {
                if let failure = plans[next].failure { outcomes[i] = .failure(failure) }
                next += 1
            }
        }
        return LoadedShard(table: table, companions: outcomes)
    }

    /// The columns of `header` that are not `used`, by name.
    private static func extraColumns(header: [String], used: Set<Int>) -> [String] {
        header.indices.filter { !used.contains($0) }.map { header[$0] }
    }

    /// How `model` reads party `party`'s inputs from the shard's columns into `table`.
    ///
    /// - Throws: ``ScoringError`` of code `columns` when a column it needs is missing or twice.
    private static func plan(
        model: SplitModel, party: Int, input: PartyInput, table: PartyTable,
        column: (String) throws(ScoringError) -> Int
    ) throws(ScoringError) -> InputPlan {
        let spec = model.parties[party]
        let width = table.width
        var columns: [Int] = []
        var names: [String] = []
        var maps: [ValueMap?] = []
        var means: [Double] = []
        var scales: [Double] = []
        var logs: [Bool] = []
        var derived: [(Int, Derivation)?] = []
        var modelColumn: Int?
        if input == .representation {
            for j in 1...width {
                columns.append(try column("r\(j)"))
                names.append("r\(j)")
                maps.append(nil)
                means.append(0)
                scales.append(1)
                logs.append(false)
                derived.append(nil)
            }
            modelColumn = try column("model")
        } else {
            for feature in spec.features {
                if let derivation = feature.derivation {
                    columns.append(try column(derivation.columns.0))
                    derived.append((try column(derivation.columns.1), derivation))
                } else {
                    columns.append(try column(feature.name))
                    derived.append(nil)
                }
                names.append(feature.name)
                maps.append(feature.values.map { ValueMap(entries: $0) })
                means.append(feature.mean)
                scales.append(feature.std)
                logs.append(feature.signedLog)
            }
        }
        var mapList: [ValueMap] = []
        let steps: [ColumnStep] = (0..<width).map { f in
            var mapIndex = -1
            if let map = maps[f] {
                mapList.append(map)
                mapIndex = mapList.count - 1
            }
            return ColumnStep(
                column: columns[f], map: mapIndex, mean: means[f], std: scales[f], signedLog: logs[f],
                column2: derived[f]?.0 ?? -1,
                operation: derived[f]?.1.operation,
                scale: derived[f]?.1.scale ?? 1, divisor: derived[f]?.1.divisor ?? 1)
        }
        let used = Set(columns + derived.compactMap { $0?.0 } + (modelColumn.map { [$0] } ?? []))
        // A tree ensemble sends a missing value its own way (default_left): keep it as NaN. Dense networks read 0.
        let missing: Float = input != .representation && spec.layers.first?.isTrees == true ? .nan : 0
        return InputPlan(
            table: table, steps: steps, valueMaps: mapList, names: names, modelColumn: modelColumn,
            modelID: Array(model.id.utf8), missing: missing, used: used)
    }

    /// The pass over the shard's records: each row's key and line into `table`, and its inputs into every plan's
    /// table (the first plan is the model's: its failures throw).
    private func readRows(
        reader: CSVReader, path: String, table: PartyTable, plans: [InputPlan], keyColumn: Int, tokenized: Bool,
        lines: LineMap.Reader?, csvFailure: (CSVError) -> ScoringError, damagedLineMap: () -> ScoringError
    ) throws {
        let spec = model.parties[table.party]
        let file = table.file
        let fileBytes = FileIO.size(path)
        let headerBytes = reader.recordOffset
        var sized = false
        var keyBytes = 0
        var previousLine = 1
        var outerWhitespace = 0
        defer { table.keysWithWhitespace = outerWhitespace }
        let isRepresentation = table.input == .representation
        // Each plan's steps in a buffer of trivial values (no reference counting in the per-cell loop).
        let stepBuffers = plans.map { plan in
            let buffer = UnsafeMutableBufferPointer<ColumnStep>.allocate(capacity: max(plan.steps.count, 1))
            _ = buffer.initialize(from: plan.steps)
            return buffer
        }
        defer { for buffer in stepBuffers { buffer.deallocate() } }

        do {
            while try reader.next() {
                let row = table.rows
                if row == 1024 && !sized {
                    // Size the buffers once from the first rows' average length, so they rarely grow (and copy).
                    sized = true
                    let perRow = Double(reader.recordOffset - headerBytes) / 1024
                    let estimate = Int(Double(fileBytes - headerBytes) / max(perRow, 1) * 1.02) + 64
                    for plan in plans { plan.table.reserve(rows: estimate) }
                }
                let key = reader.field(keyColumn)
                keyBytes += key.count
                if tokenized {
                    // A shard that declares tokens holds nothing else (an empty key is rejected with its line).
                    guard key.count == 0 || ConsortiumKey.isToken(key) else {
                        throw ScoringError(
                            .keys,
                            "party \(spec.name): \(file) line \(reader.recordLine) declares tokenized keys, but its "
                                + "column \(model.key) holds a key that is not a token")
                    }
                } else if KeyNormalization.hasOuterWhitespace(key) {
                    outerWhitespace += 1
                }
                guard row < ShardLoader.maxRows, keyBytes <= ShardLoader.maxKeyBytes else {
                    throw ScoringError(
                        .tooLarge,
                        "party \(spec.name): \(file) has more than \(ShardLoader.maxRows) rows or "
                            + "\(ShardLoader.maxKeyBytes) bytes of keys; split it into several batches")
                }
                var line = reader.recordLine
                if let lines {
                    // The partition stage wrote ascending lines, each past its row's own.
                    guard let mapped = try lines.next(), mapped > previousLine, mapped < 1 << 62 else {
                        throw damagedLineMap()
                    }
                    line = Int(mapped)
                }
                // A row's line is kept as `row + 2` plus an Int32 (``PartyTable``).
                guard line - row - 2 <= Int32.max else {
                    throw ScoringError(
                        .tooLarge,
                        "party \(spec.name): \(file) line \(reader.recordLine) is past the line numbers a shard may "
                            + "have (\(Int32.max) line breaks inside quoted fields at most)")
                }
                previousLine = line
                table.appendRow(key: key, line: line)
                for (i, plan) in plans.enumerated() where plan.failure == nil {
                    var problem: PartyTable.Problem? = key.count == 0 ? .emptyKey : nil
                    if let modelColumn = plan.modelColumn, problem == nil {
                        let cell = reader.field(modelColumn)
                        let matches =
                            cell.count == plan.modelID.count
                            && plan.modelID.withUnsafeBufferPointer { id in
                                memcmpEqual(id.baseAddress!, cell.baseAddress!, cell.count)
                            }
                        if !matches {
                            let error = ScoringError(
                                .modelMismatch,
                                "party \(spec.name): \(file) line \(reader.recordLine) was computed with another "
                                    + "model (this model is \(String(decoding: plan.modelID.prefix(12), as: UTF8.self)))"
                            )
                            if i == 0 { throw error }
                            plan.failure = error
                            continue
                        }
                    }
                    let target = plan.table
                    let width = target.width
                    let out = target.values.reserve(width)
                    var problemFeature = -1  // -1: the key column
                    ShardLoader.readInputs(
                        reader: reader, steps: stepBuffers[i], valueMaps: plan.valueMaps, missing: plan.missing,
                        isRepresentation: isRepresentation, into: out, problem: &problem, feature: &problemFeature)
                    target.values.commit(width)
                    target.problems.append(problem?.rawValue ?? 0)
                    if problem != nil {
                        target.problemColumns[UInt32(row)] =
                            problemFeature < 0 ? model.key : plan.names[problemFeature]
                    }
                }
            }
        } catch let error as CSVError {
            throw csvFailure(error)
        }
    }

    /// One row's standardized inputs by the steps of a plan into `out`; the first problem and its input's index go to
    /// `problem` and `feature` (unless a problem is already set).
    @inline(__always)
    private static func readInputs(
        reader: CSVReader, steps plan: UnsafeMutableBufferPointer<ColumnStep>, valueMaps: [ValueMap], missing: Float,
        isRepresentation: Bool, into out: UnsafeMutablePointer<Float>, problem: inout PartyTable.Problem?,
        feature problemFeature: inout Int
    ) {
        for f in 0..<plan.count {
            let step = plan[f]
            let cell = reader.field(step.column)
            var value: Double
            if cell.count == 0 || (step.column2 >= 0 && reader.field(step.column2).count == 0) {
                if isRepresentation && problem == nil {
                    problem = .missingRepresentation
                    problemFeature = f
                }
                out[f] = missing
                continue
            } else if let operation = step.operation {
                guard let a = DecimalParser.parse(cell), let b = DecimalParser.parse(reader.field(step.column2))
                else {
                    if problem == nil {
                        problem = .notANumber
                        problemFeature = f
                    }
                    out[f] = 0
                    continue
                }
                // Operands a float32 holds (an infinite one is not a finite number), and a finite result.
                value = Derivation.value(operation, scale: step.scale, divisor: step.divisor, a, b)
                guard abs(a) < ShardLoader.float32Limit && abs(b) < ShardLoader.float32Limit && value.isFinite
                else {
                    if problem == nil {
                        problem = a.isFinite && b.isFinite ? .outOfRange : .notFinite
                        problemFeature = f
                    }
                    out[f] = 0
                    continue
                }
            } else if step.map >= 0 {
                guard let v = valueMaps[step.map].lookup(cell) else {
                    if problem == nil {
                        problem = .unknownValue
                        problemFeature = f
                    }
                    out[f] = 0
                    continue
                }
                value = v
            } else {
                guard let v = DecimalParser.parse(cell) else {
                    if problem == nil {
                        problem = .notANumber
                        problemFeature = f
                    }
                    out[f] = 0
                    continue
                }
                // A number a float32 cannot hold is out of range, whatever its transform; an infinite one
                // (1e999) is not a finite number. (Value maps hold finite numbers: the model's.)
                guard abs(v) < ShardLoader.float32Limit else {
                    if problem == nil {
                        problem = v.isFinite ? .outOfRange : .notFinite
                        problemFeature = f
                    }
                    out[f] = 0
                    continue
                }
                value = v
            }
            if step.signedLog { value = value < 0 ? -log1p(-value) : log1p(value) }
            // The network's input must be a finite float32 (3.5e37 with std 0.1 is not).
            let standardized = Float((value - step.mean) / step.std)
            guard standardized.isFinite else {
                if problem == nil {
                    problem = .outOfRange
                    problemFeature = f
                }
                out[f] = 0
                continue
            }
            out[f] = standardized
        }
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}
