public import Core
public import Store

/// A registry model as JSON, the one form `GET /models`, `GET /models/{id}` and `vfl model show` share: its metadata,
/// the aliases that point to it and how many jobs it scored. Never its weights.
public enum ModelDescription {
    /// The model's metadata with its aliases (from `aliases`) and, when given, its job counts.
    public static func json(
        _ model: RegisteredModel, aliases: [ModelAlias], usage: (done: Int, live: Int)? = nil
    ) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func time(_ us: Int64?) -> JSONValue { us.map { .string(Timestamp(microseconds: $0).iso8601) } ?? .null }
        var members: [(String, JSONValue)] = [
            ("id", .string(model.id)), ("name", .string(model.name)), ("version", .number(Double(model.version))),
            ("label", .string(model.label)), ("owner", text(model.owner)), ("purpose", text(model.purpose)),
            ("added_at", time(model.addedAt)), ("added_by", .string(model.addedBy)),
            ("removed_at", time(model.removedAt)),
            ("aliases", .array(aliases.filter { $0.modelID == model.id }.map { .string($0.name) })),
        ]
        if let usage {
            members.append(("jobs_scored", .number(Double(usage.done))))
            members.append(("jobs_in_flight", .number(Double(usage.live))))
        }
        return .object(members)
    }

    /// The model with its aliases and job counts, read from `store`.
    ///
    /// - Throws: ``StoreError``.
    public static func json(_ model: RegisteredModel, store: any JobStore) throws -> JSONValue {
        json(model, aliases: try store.aliases(), usage: try store.modelUsage(model.id))
    }

    /// An alias as JSON: its name, model, generation and last change.
    public static func json(_ alias: ModelAlias, models: [RegisteredModel]) -> JSONValue {
        let model = models.first { $0.id == alias.modelID }
        return [
            "name": .string(alias.name), "model_id": alias.modelID.map { .string($0) } ?? .null,
            "model": model.map { .string($0.label) } ?? .null, "generation": .number(Double(alias.generation)),
            "updated_at": .string(Timestamp(microseconds: alias.updatedAt).iso8601),
            "updated_by": .string(alias.updatedBy),
        ]
    }
}
