import Core
public import Model
public import Spool
public import Store

/// The registry's operations on files: adding a model (validated, stored content-addressed under the spool's
/// `models/`, recorded in the job store), adopting the model a pipeline was started with, and pinning a batch to its
/// model at acceptance.
public struct ModelRegistrar: Sendable {
    /// The job store holding the registry.
    public let store: any JobStore
    /// The spool whose `models/` folder holds the files.
    public let spool: Spool

    /// The alias a batch is scored with when its manifest names no model.
    public static let champion = "champion"
    /// The alias whose model shadows every job.
    public static let challenger = "challenger"
    /// The largest model file accepted, in bytes.
    public static let maxFileBytes = 1 << 30

    /// Creates a registrar.
    public init(store: any JobStore, spool: Spool) {
        self.store = store
        self.spool = spool
    }

    /// What ``add(file:name:version:owner:purpose:actor:)`` did.
    public struct Added: Sendable {
        /// The record.
        public var record: RegisteredModel
        /// Whether it was new (or restored); `false` for the same content added again.
        public var added: Bool
        /// The loaded model.
        public var model: SplitModel
    }

    /// Validates the model file at `path`, stores it as `models/<id>.json` and records it.
    ///
    /// - Parameters:
    ///   - name: The registry name; `nil` takes the model's own (its `"name"` field).
    ///   - version: The version; `nil` takes the next for the name.
    /// - Throws: ``ModelError`` for a file that does not load (naming the party and layer); ``RegistryError`` for a
    ///   model without a usable name; ``StoreError`` (a `name@version` taken); ``SystemError`` when writing fails.
    public func add(
        file path: String, name: String? = nil, version: Int? = nil, owner: String? = nil, purpose: String? = nil,
        actor: String
    ) throws -> Added {
        let bytes: [UInt8]
        do { bytes = try FileIO.readFile(path, limit: Self.maxFileBytes) } catch {
            throw ModelError(.io, "cannot read model \(path): \(error)")
        }
        return try add(
            bytes: bytes, source: path, name: name, version: version, owner: owner, purpose: purpose, actor: actor)
    }

    /// Validates a model document, stores it as `models/<id>.json` and records it; `source` names it in errors.
    ///
    /// - Throws: As ``add(file:name:version:owner:purpose:actor:)``.
    public func add(
        bytes: [UInt8], source path: String, name: String? = nil, version: Int? = nil, owner: String? = nil,
        purpose: String? = nil, actor: String
    ) throws -> Added {
        let model: SplitModel
        do { model = try SplitModel(bytes: bytes) } catch let error as ModelError {
            throw ModelError(error.code, "\(path): \(error.message)")
        }
        if let name, !ModelNames.isValidName(name) {
            throw RegistryError(
                "--name \(ModelNames.shown(name)) is not a valid model name (1-64 of A-Z a-z 0-9 . _ -)")
        }
        if name == nil && !ModelNames.isValidName(model.name) {
            throw RegistryError(
                "\(path): the model's \"name\" field is empty or not a valid registry name (1-64 of A-Z a-z 0-9 . _ -); "
                    + "give --name")
        }
        if let version, version < 1 { throw RegistryError("--version must be a positive integer") }
        let stored = try spool.storeModel(bytes, id: model.id)
        let (record, added) = try store.registerModel(
            id: model.id, name: name, fileName: model.name, version: version, owner: owner, purpose: purpose,
            path: stored, actor: actor)
        return Added(record: record, added: added, model: model)
    }

    /// Adopts the model a pipeline starts with: adds it, and points `champion` at it when `explicit` (`--model` or
    /// `VFL_MODEL` given) and it is not the model an earlier start already set (so that a restart neither writes an
    /// alias event nor undoes an operator's `alias set`), or, for the shipped default, only when the registry has no
    /// champion yet (a new spool works as before, without a step).
    ///
    /// - Returns: The record, and the alias change made, if any.
    /// - Throws: As ``add(file:name:version:owner:purpose:actor:)`` and ``ModelRegistry/setAlias(_:modelID:expectedGeneration:actor:via:)``.
    @discardableResult
    public func adoptStartupModel(
        file path: String, explicit: Bool, actor: String
    ) throws -> (record: RegisteredModel, champion: ModelAlias?) {
        try adopt(try add(file: path, actor: actor), explicit: explicit, actor: actor)
    }

    /// ``adoptStartupModel(file:explicit:actor:)`` for a document in memory (`source` names it in errors).
    ///
    /// - Throws: As ``adoptStartupModel(file:explicit:actor:)``.
    @discardableResult
    public func adoptStartupModel(
        bytes: [UInt8], source: String, explicit: Bool, actor: String
    ) throws -> (record: RegisteredModel, champion: ModelAlias?) {
        try adopt(try add(bytes: bytes, source: source, actor: actor), explicit: explicit, actor: actor)
    }

    private func adopt(
        _ added: Added, explicit: Bool, actor: String
    ) throws -> (record: RegisteredModel, champion: ModelAlias?) {
        let id = added.record.id
        let current = try store.alias(Self.champion)
        let set: Bool
        if explicit {
            let last = try store.lastStartupModel(alias: Self.champion)
            set = current?.modelID != id && last != id
        } else {
            set = current?.modelID == nil
        }
        guard set else { return (added.record, nil) }
        let alias = try store.setAlias(
            Self.champion, modelID: id, expectedGeneration: current?.generation ?? 0, actor: actor, via: "startup")
        return (added.record, alias)
    }

    /// Resolves what a manifest asks for (`"model"`, `"challengers"`) into the pin recorded with the job: the named
    /// model or the champion, and the challengers (the manifest's, then the `challenger` alias's), without the model.
    ///
    /// - Throws: ``RegistryError`` naming the manifest field at fault.
    public func pin(model reference: String?, challengers: [String]) throws -> JobModel {
        // One read of the registry for every reference (the pin is checked again in the job's own transaction).
        try pin(model: reference, challengers: challengers, in: try store.registrySnapshot())
    }

    /// Resolves what a manifest asks for, as ``pin(model:challengers:)`` does, in a registry read before (the pin is
    /// checked again in the job's own transaction: a model removed or an alias moved since the read refuses the
    /// record, with `notFound` or `staleGeneration`).
    ///
    /// - Throws: ``RegistryError`` naming the manifest field at fault.
    public func pin(model reference: String?, challengers: [String], in snapshot: RegistrySnapshot) throws -> JobModel {
        let resolved: (model: RegisteredModel, alias: String?)
        do { resolved = try snapshot.resolve(reference ?? Self.champion) } catch let error
            as StoreError where error.code == .notFound
        {
            if reference != nil {
                throw RegistryError("manifest.json: field \"model\": \(error.message)")
            }
            throw RegistryError(
                "manifest.json names no \"model\" and the model registry has no \(Self.champion) alias "
                    + "(vfl model alias set \(Self.champion) NAME@VERSION)")
        }
        var ids: [String] = []
        var readings: [AliasReading] = []
        for challenger in challengers {
            do {
                let (model, alias) = try snapshot.resolve(challenger)
                if let alias { readings.append(AliasReading(alias: alias, modelID: model.id)) }
                if !ids.contains(model.id) { ids.append(model.id) }
            } catch let error as StoreError where error.code == .notFound {
                throw RegistryError("manifest.json: field \"challengers\": \(error.message)")
            }
        }
        // The aliases as read now, checked again when the job is recorded (``JobModel/aliasReadings``).
        let challengerAlias = snapshot.aliases.first { $0.name == Self.challenger }?.modelID
        if let id = challengerAlias, !ids.contains(id), snapshot.models.first(where: { $0.id == id })?.removedAt == nil
        {
            ids.append(id)
        }
        return JobModel(
            id: resolved.model.id, name: resolved.model.name, version: resolved.model.version, alias: resolved.alias,
            challengers: ids.filter { $0 != resolved.model.id },
            aliasReadings: readings + [AliasReading(alias: Self.challenger, modelID: challengerAlias)])
    }

    /// The user an operator's change is recorded for: `--by`, else `VFL_USER`, `USER` or `LOGNAME`, else the uid.
    public static func actor(given: String?, environment: [String: String], uid: UInt32) -> String {
        for candidate in [given, environment["VFL_USER"], environment["USER"], environment["LOGNAME"]] {
            if let candidate, !candidate.isEmpty { return String(candidate.prefix(128)) }
        }
        return "uid \(uid)"
    }
}

/// A registry operation refused: the message names the file, flag or manifest field at fault.
public struct RegistryError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
