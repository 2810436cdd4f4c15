/// A model of the registry: its id (the SHA-256 of its file), its name and version, and who added it and why.
public struct RegisteredModel: Sendable, Equatable {
    /// The SHA-256 of the model file (hex): the id every job and summary records.
    public var id: String
    /// The model's name (default: the name inside the file).
    public var name: String
    /// Its version within the name: 1, 2, 3 ...
    public var version: Int
    /// Who is accountable for it (a team or a person), if given.
    public var owner: String?
    /// What it is for, if given.
    public var purpose: String?
    /// When it was added, by the store's clock (microseconds since the epoch).
    public var addedAt: Int64
    /// Who added it (the operator's user name).
    public var addedBy: String
    /// Where its file is (`<spool>/models/<id>.json`).
    public var path: String?
    /// When it was removed from the registry, if it was (its record stays, for the jobs it scored).
    public var removedAt: Int64?

    /// `name@version`.
    public var label: String { "\(name)@\(version)" }

    /// Creates a record.
    public init(
        id: String, name: String, version: Int, owner: String? = nil, purpose: String? = nil, addedAt: Int64 = 0,
        addedBy: String = "", path: String? = nil, removedAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.owner = owner
        self.purpose = purpose
        self.addedAt = addedAt
        self.addedBy = addedBy
        self.path = path
        self.removedAt = removedAt
    }

    /// A model from a row of `SELECT * FROM models` (both backends name the columns alike).
    init(row: Row) {
        self.init(
            id: row["id"].string ?? "", name: row["name"].string ?? "", version: row["version"].int ?? 0,
            owner: row["owner"].string, purpose: row["purpose"].string, addedAt: Int64(row["added_us"].int ?? 0),
            addedBy: row["added_by"].string ?? "", path: row["path"].string,
            removedAt: row["removed_us"].int.map(Int64.init))
    }
}

/// An alias (`champion`, `challenger`, any name) and the model it points to now.
public struct ModelAlias: Sendable, Equatable {
    /// The alias.
    public var name: String
    /// The model it points to; `nil` once unset.
    public var modelID: String?
    /// How many times it changed: 1 after the first set, one more at every change (set or unset), never reused.
    public var generation: Int
    /// When it last changed (the store's clock, microseconds since the epoch).
    public var updatedAt: Int64
    /// Who changed it last.
    public var updatedBy: String

    /// Creates an alias record.
    public init(name: String, modelID: String?, generation: Int, updatedAt: Int64, updatedBy: String) {
        self.name = name
        self.modelID = modelID
        self.generation = generation
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

/// One entry of the registry's audit trail (append-only): a model added, restored or removed, an alias set or unset.
public struct RegistryEvent: Sendable, Equatable {
    /// When (the store's clock).
    public var at: Int64
    /// The process that wrote it.
    public var process: String
    /// The operator (user name) on whose behalf.
    public var actor: String
    /// `added`, `restored`, `removed`, `alias_set`, `alias_unset`.
    public var kind: String
    /// The alias, for alias events.
    public var alias: String?
    /// The model concerned (for an alias: the one it points to after the change).
    public var modelID: String?
    /// For an alias change: the model it pointed to before.
    public var previousModelID: String?
    /// For an alias change: its new generation.
    public var generation: Int?
    /// How the change was made: `cli`, or `startup` (an explicit `VFL_MODEL`/`--model` at ingest start).
    public var via: String
}

/// What a model, an alias or a reference may be called.
public enum ModelNames {
    /// A model or alias name: 1 to 64 of `A-Z a-z 0-9 . _ -`, not starting with `.` or `-`, not 64 hex digits (an id).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), bytes[0] != UInt8(ascii: "."), bytes[0] != UInt8(ascii: "-") else {
            return false
        }
        guard !isModelID(name) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// Whether `text` is a full model id: 64 lowercase hex digits.
    public static func isModelID(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Whether `text` could be a model reference (`ID`, `NAME@VERSION`, `ALIAS`, an id prefix): safe to quote in an
    /// error. Anything else (which could be any text) is never shown.
    public static func isShowable(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, text.utf8.count <= 140 else { return false }
        if parts.count == 2 { return isValidName(String(parts[0])) && Int(parts[1]).map { $0 >= 1 } == true }
        return isValidName(text) || isModelID(text) || isIDPrefix(text)
    }

    /// Whether `text` could be an abbreviated id: 6 to 63 lowercase hex digits.
    public static func isIDPrefix(_ text: String) -> Bool {
        (6...63).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// `text` as an error may show it: quoted when it is a possible reference, else a neutral phrase.
    public static func shown(_ text: String) -> String {
        isShowable(text) ? "\"\(text)\"" : "a value that is not a model reference"
    }
}

/// The model registry over the job store: models with name, version, owner and purpose, aliases with generations,
/// and an append-only audit trail of every change. Both backends keep it in the same database as the jobs, so a job
/// is pinned to a model in the transaction that records it.
public protocol ModelRegistry: AnyObject, Sendable {
    /// Records a model whose file is at `path` (already content-addressed under the spool's `models/`).
    ///
    /// The same id again is idempotent (its record is returned, and a removed model is restored); a different
    /// `name`/`version` for a model already registered is refused.
    ///
    /// - Parameters:
    ///   - name: The name to register it under; `nil` takes `fileName` (the name inside the file).
    ///   - version: The version within the name; `nil` takes the next integer for that name.
    ///   - actor: Who adds it (written in the audit trail).
    /// - Returns: The record, and whether this call added (or restored) it.
    /// - Throws: ``StoreError``: `constraint` when `name@version` is another model's, or the id is registered under
    ///   another name or version.
    func registerModel(
        id: String, name: String?, fileName: String, version: Int?, owner: String?, purpose: String?, path: String,
        actor: String
    ) throws -> (model: RegisteredModel, added: Bool)

    /// Every registered model (removed ones included, with ``RegisteredModel/removedAt``), by name then version.
    func registeredModels() throws -> [RegisteredModel]

    /// Every alias that was ever set (unset ones with a `nil` model), by name.
    func aliases() throws -> [ModelAlias]

    /// ``registeredModels()`` and ``aliases()`` read together (in one round trip where the store can), for a caller
    /// that resolves several references at once (``resolve(_:prefixes:in:)``).
    func registrySnapshot() throws -> RegistrySnapshot

    /// Points `alias` at `modelID`, or unsets it when `modelID` is `nil`. Nothing changes, and no event is written,
    /// when it already points there.
    ///
    /// - Parameters:
    ///   - expectedGeneration: Compare-and-set: the change is made only if the alias's generation is this (0 for an
    ///     alias never set).
    ///   - via: `cli` or `startup` (see ``RegistryEvent/via``).
    /// - Returns: The alias after the call.
    /// - Throws: ``StoreError``: `staleGeneration` when the generation differs, `notFound` when the model is not a
    ///   registered model (or was removed).
    @discardableResult
    func setAlias(
        _ alias: String, modelID: String?, expectedGeneration: Int?, actor: String, via: String
    ) throws -> ModelAlias

    /// Removes a model from the registry (its record stays, marked removed, for the jobs it scored).
    ///
    /// - Throws: ``StoreError``: `inUse` when a queued or running job is pinned to it or an alias points to it,
    ///   `notFound` when it is not registered.
    func removeModel(_ id: String, actor: String) throws

    /// The audit trail, oldest first, the last `limit` entries.
    func registryEvents(limit: Int) throws -> [RegistryEvent]

    /// How many jobs a model has scored (done) and how many are pinned to it and not yet ended.
    func modelUsage(_ id: String) throws -> (done: Int, live: Int)

    /// The model the startup (`VFL_MODEL`) last set `alias` to, if it ever did.
    func lastStartupModel(alias: String) throws -> String?
}

extension ModelRegistry {
    /// The registered model with `id`, removed or not.
    public func registeredModel(id: String) throws -> RegisteredModel? {
        try registeredModels().first { $0.id == id }
    }

    /// The alias named `name`, if it was ever set.
    public func alias(_ name: String) throws -> ModelAlias? { try aliases().first { $0.name == name } }

    /// The aliases that point to `id` now.
    public func aliases(of id: String) throws -> [String] {
        try aliases().filter { $0.modelID == id }.map(\.name)
    }

    /// Resolves a reference to a live (not removed) registered model: `NAME@VERSION`, a full id, an alias, or, with
    /// `prefixes`, an unambiguous id prefix (operators' commands; never a manifest).
    ///
    /// - Returns: The model and, when the reference was an alias, the alias.
    /// - Throws: ``StoreError`` of code `notFound` with a sentence naming the reference (when showable).
    public func resolve(_ reference: String, prefixes: Bool = false) throws -> (model: RegisteredModel, alias: String?)
    {
        try RegistrySnapshot(models: registeredModels(), aliases: aliases()).resolve(reference, prefixes: prefixes)
    }

    /// Reads the models and the aliases one after the other (a store that can read both at once overrides it).
    public func registrySnapshot() throws -> RegistrySnapshot {
        RegistrySnapshot(models: try registeredModels(), aliases: try aliases())
    }
}

/// The registry's models and aliases as read together.
public struct RegistrySnapshot: Sendable {
    /// Every registered model, removed ones included.
    public var models: [RegisteredModel]
    /// Every alias ever set.
    public var aliases: [ModelAlias]

    /// Creates a snapshot.
    public init(models: [RegisteredModel], aliases: [ModelAlias]) {
        self.models = models
        self.aliases = aliases
    }

    /// Resolves a reference as ``ModelRegistry/resolve(_:prefixes:)`` does, in this snapshot (read once for several
    /// references).
    ///
    /// - Throws: ``StoreError`` of code `notFound`, as ``ModelRegistry/resolve(_:prefixes:)``.
    public func resolve(_ reference: String, prefixes: Bool = false) throws -> (model: RegisteredModel, alias: String?)
    {
        let models = self.models.filter { $0.removedAt == nil }
        let shown = ModelNames.shown(reference)
        if let at = reference.firstIndex(of: "@") {
            let name = String(reference[..<at])
            guard let version = Int(reference[reference.index(after: at)...]),
                let model = models.first(where: { $0.name == name && $0.version == version })
            else { throw StoreError(.notFound, "\(shown) is not a model of the registry (vfl model list)") }
            return (model, nil)
        }
        if ModelNames.isModelID(reference) {
            guard let model = models.first(where: { $0.id == reference }) else {
                throw StoreError(.notFound, "model \(reference.prefix(12)) is not in the registry (vfl model add)")
            }
            return (model, nil)
        }
        if let alias = aliases.first(where: { $0.name == reference }) {
            guard let id = alias.modelID, let model = models.first(where: { $0.id == id }) else {
                throw StoreError(.notFound, "the alias \(shown) is not set")
            }
            return (model, reference)
        }
        if prefixes && ModelNames.isIDPrefix(reference) {
            let matches = models.filter { $0.id.hasPrefix(reference) }
            if matches.count == 1 { return (matches[0], nil) }
            if matches.count > 1 {
                throw StoreError(.notFound, "the id prefix \(shown) matches \(matches.count) models")
            }
        }
        if models.contains(where: { $0.name == reference }) {
            throw StoreError(.notFound, "\(shown) is a model name: give NAME@VERSION (vfl model list)")
        }
        throw StoreError(.notFound, "\(shown) is neither a model id, NAME@VERSION nor an alias of the registry")
    }
}

/// The registry's SQL, shared by both backends: each runs it on its connection inside its own transaction (SQLite's
/// `BEGIN IMMEDIATE`; PostgreSQL's, under an advisory lock that serializes registry writes against job records).
public enum RegistrySQL {
    /// Every registered model.
    public static func models(_ db: some SQLSelecting) throws -> [RegisteredModel] {
        try db.select(modelsSQL, []).map(RegisteredModel.init(row:))
    }

    /// The statement of ``models(_:)``.
    public static let modelsSQL = "SELECT * FROM models WHERE version IS NOT NULL ORDER BY name, version"

    /// The statement of ``aliases(_:)``.
    public static let aliasesSQL = "SELECT * FROM aliases ORDER BY name"

    /// A model from a row of ``modelsSQL``.
    public static func model(row: Row) -> RegisteredModel { RegisteredModel(row: row) }

    /// An alias from a row of ``aliasesSQL``.
    public static func alias(row: Row) -> ModelAlias {
        ModelAlias(
            name: row["name"].string ?? "", modelID: row["model_id"].string, generation: row["generation"].int ?? 0,
            updatedAt: Int64(row["updated_us"].int ?? 0), updatedBy: row["updated_by"].string ?? "")
    }

    /// Every alias.
    public static func aliases(_ db: some SQLSelecting) throws -> [ModelAlias] {
        try db.select(aliasesSQL, []).map(alias(row:))
    }

    /// The last `limit` registry events, oldest first.
    public static func events(_ db: some SQLSelecting, limit: Int) throws -> [RegistryEvent] {
        try db.select(
            "SELECT * FROM (SELECT * FROM model_events ORDER BY id DESC LIMIT ?) AS recent ORDER BY id",
            [.integer(Int64(limit))]
        ).map { row in
            RegistryEvent(
                at: Int64(row["at_us"].int ?? 0), process: row["process"].string ?? "",
                actor: row["actor"].string ?? "", kind: row["kind"].string ?? "", alias: row["alias"].string,
                modelID: row["model_id"].string, previousModelID: row["previous_model_id"].string,
                generation: row["generation"].int, via: row["via"].string ?? "")
        }
    }

    /// Jobs done with a model, and jobs pinned to it not yet ended.
    public static func usage(_ db: some SQLSelecting, _ id: String) throws -> (done: Int, live: Int) {
        let row = try db.select(
            """
            SELECT COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) AS done,
                   COALESCE(SUM(CASE WHEN state IN ('queued', 'running') THEN 1 ELSE 0 END), 0) AS live
            FROM jobs WHERE model_id = ?
            """, [.text(id)]
        ).first
        return (row?["done"].int ?? 0, row?["live"].int ?? 0)
    }

    /// The model the startup last set `alias` to.
    public static func lastStartupModel(_ db: some SQLSelecting, alias: String) throws -> String? {
        try db.select(
            "SELECT model_id FROM model_events WHERE alias = ? AND via = 'startup' ORDER BY id DESC LIMIT 1",
            [.text(alias)]
        ).first?["model_id"].string
    }

    private static func event(
        _ db: some SQLSelecting, process: String, actor: String, kind: String, alias: String? = nil,
        modelID: String?, previous: String? = nil, generation: Int? = nil, via: String = "cli"
    ) throws {
        func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
        _ = try db.select(
            """
            INSERT INTO model_events(at_us, process, actor, kind, alias, model_id, previous_model_id, generation, via)
            VALUES (\(db.nowMicroseconds), ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(process), .text(actor), .text(kind), text(alias), text(modelID), text(previous),
                generation.map { .integer(Int64($0)) } ?? .null, .text(via),
            ])
    }

    /// ``ModelRegistry/registerModel(id:name:fileName:version:owner:purpose:path:actor:)``, in the caller's
    /// transaction.
    public static func register(
        _ db: some SQLSelecting, process: String, id: String, name given: String?, fileName: String, version: Int?,
        owner: String?, purpose: String?, path: String, actor: String
    ) throws -> (model: RegisteredModel, added: Bool) {
        let name = given ?? fileName
        let existing = try db.select("SELECT * FROM models WHERE id = ?", [.text(id)]).first.map(
            RegisteredModel.init(row:))
        if let existing, existing.version > 0 {
            guard given == nil || given == existing.name, version == nil || version == existing.version else {
                throw StoreError(
                    .constraint,
                    "this file is already registered as \(existing.label) (id \(id.prefix(12))); "
                        + "the same content is never registered twice")
            }
            guard existing.removedAt != nil else { return (existing, false) }
            _ = try db.select(
                "UPDATE models SET removed_us = NULL, path = ? WHERE id = ?", [.text(path), .text(id)])
            try event(db, process: process, actor: actor, kind: "restored", modelID: id)
            var restored = existing
            restored.removedAt = nil
            restored.path = path
            return (restored, true)
        }
        let next =
            try db.select("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM models WHERE name = ?", [.text(name)])
            .first?["next"].int ?? 1
        let chosen = version ?? next
        if let taken = try db.select(
            "SELECT id FROM models WHERE name = ? AND version = ?", [.text(name), .integer(Int64(chosen))]
        ).first?["id"].string {
            throw StoreError(.constraint, "\(name)@\(chosen) is already model \(taken.prefix(12))")
        }
        func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
        let values: [SQLValue] = [
            .text(name), .integer(Int64(chosen)), text(owner), text(purpose), .text(actor), .text(path), .text(id),
        ]
        if existing == nil {
            _ = try db.select(
                """
                INSERT INTO models(name, version, owner, purpose, added_by, path, id, first_seen_us, added_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, \(db.nowMicroseconds), \(db.nowMicroseconds))
                """, values)
        } else {
            // Seen on a job before the registry existed: now registered.
            _ = try db.select(
                """
                UPDATE models SET name = ?, version = ?, owner = ?, purpose = ?, added_by = ?, path = ?,
                added_us = \(db.nowMicroseconds) WHERE id = ?
                """, values)
        }
        try event(db, process: process, actor: actor, kind: "added", modelID: id)
        guard let row = try db.select("SELECT * FROM models WHERE id = ?", [.text(id)]).first else {
            throw StoreError(.notFound, "the model was not recorded")
        }
        return (RegisteredModel(row: row), true)
    }

    /// ``ModelRegistry/setAlias(_:modelID:expectedGeneration:actor:via:)``, in the caller's transaction.
    public static func setAlias(
        _ db: some SQLSelecting, process: String, alias: String, modelID: String?, expectedGeneration: Int?,
        actor: String, via: String
    ) throws -> ModelAlias {
        guard ModelNames.isValidName(alias) else {
            throw StoreError(
                .constraint, "\(ModelNames.shown(alias)) is not a valid alias (1-64 of A-Z a-z 0-9 . _ -, not an id)")
        }
        let current = try aliases(db).first { $0.name == alias }
        let generation = current?.generation ?? 0
        if let expectedGeneration, expectedGeneration != generation {
            throw StoreError(
                .staleGeneration,
                "the alias \(alias) is at generation \(generation), not \(expectedGeneration): someone changed it "
                    + "meanwhile (vfl model show \(alias))")
        }
        if let modelID {
            let live = try db.select(
                "SELECT 1 FROM models WHERE id = ? AND version IS NOT NULL AND removed_us IS NULL", [.text(modelID)])
            guard !live.isEmpty else {
                throw StoreError(.notFound, "model \(modelID.prefix(12)) is not a model of the registry")
            }
        }
        if let current, current.modelID == modelID { return current }
        if current == nil && modelID == nil {
            return ModelAlias(name: alias, modelID: nil, generation: 0, updatedAt: 0, updatedBy: "")
        }
        let arguments: [SQLValue] = [modelID.map { .text($0) } ?? .null, .integer(Int64(generation + 1)), .text(actor)]
        if current == nil {
            _ = try db.select(
                """
                INSERT INTO aliases(model_id, generation, updated_by, name, updated_us)
                VALUES (?, ?, ?, ?, \(db.nowMicroseconds))
                """, arguments + [.text(alias)])
        } else {
            let changed = try db.select(
                """
                UPDATE aliases SET model_id = ?, generation = ?, updated_by = ?, updated_us = \(db.nowMicroseconds)
                WHERE name = ? AND generation = ? RETURNING name
                """, arguments + [.text(alias), .integer(Int64(generation))])
            guard !changed.isEmpty else { throw StoreError(.staleGeneration, "the alias \(alias) changed meanwhile") }
        }
        try event(
            db, process: process, actor: actor, kind: modelID == nil ? "alias_unset" : "alias_set", alias: alias,
            modelID: modelID, previous: current?.modelID, generation: generation + 1, via: via)
        guard let updated = try aliases(db).first(where: { $0.name == alias }) else {
            throw StoreError(.notFound, "the alias was not recorded")
        }
        return updated
    }

    /// ``ModelRegistry/removeModel(_:actor:)``, in the caller's transaction.
    public static func remove(_ db: some SQLSelecting, process: String, id: String, actor: String) throws {
        guard
            let model = try db.select("SELECT * FROM models WHERE id = ? AND version IS NOT NULL", [.text(id)]).first
                .map(RegisteredModel.init(row:)), model.removedAt == nil
        else { throw StoreError(.notFound, "model \(id.prefix(12)) is not a model of the registry") }
        let pointing = try aliases(db).filter { $0.modelID == id }.map(\.name)
        guard pointing.isEmpty else {
            throw StoreError(
                .inUse,
                "\(model.label) is what the alias \(pointing.joined(separator: ", ")) points to; "
                    + "move or unset the alias first")
        }
        let live = try usage(db, id).live
        guard live == 0 else {
            throw StoreError(
                .inUse, "\(model.label) is the model of \(live) queued or running job(s); remove it once they end")
        }
        // A challenger is in use too: the job would record it as failed instead of scoring it.
        let challenging =
            try db.select(
                """
                SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running') AND challengers IS NOT NULL
                AND ',' || challengers || ',' LIKE ?
                """, [.text("%," + id + ",%")]
            ).first?["n"].int ?? 0
        guard challenging == 0 else {
            throw StoreError(
                .inUse,
                "\(model.label) is a challenger of \(challenging) queued or running job(s); remove it once they end")
        }
        _ = try db.select("UPDATE models SET removed_us = \(db.nowMicroseconds) WHERE id = ?", [.text(id)])
        try event(db, process: process, actor: actor, kind: "removed", modelID: id)
    }

    /// Refuses to record a job pinned to a removed model or challenger, or through an alias that has moved since the
    /// pin was resolved (in the job's own transaction, serialized with alias changes: a job recorded after an alias
    /// change is pinned to the alias's new model, never to the one it pointed to while the batch was being checked;
    /// the same for its challengers and the `challenger` alias).
    ///
    /// - Throws: ``StoreError`` of code `notFound` (removed) or `staleGeneration` (an alias moved: resolve again).
    public static func checkPinnable(_ db: some SQLSelecting, _ model: JobModel) throws {
        for id in [model.id] + model.challengers {
            let removed = try db.select(
                "SELECT 1 FROM models WHERE id = ? AND version IS NOT NULL AND removed_us IS NOT NULL", [.text(id)])
            guard removed.isEmpty else {
                throw StoreError(.notFound, "model \(id.prefix(12)) was removed from the registry")
            }
        }
        var readings = model.aliasReadings
        if let alias = model.alias { readings.insert(AliasReading(alias: alias, modelID: model.id), at: 0) }
        for reading in readings {
            let current = try db.select("SELECT model_id FROM aliases WHERE name = ?", [.text(reading.alias)]).first
            guard current?["model_id"].string == reading.modelID else {
                throw StoreError(
                    .staleGeneration, "the alias \(reading.alias) moved while the batch was being checked")
            }
        }
    }
}
