import Core
import Spool
import Store

/// `/models` and `/models/{id}` (open: the registry's metadata, aliases and job counts, never the weights) and
/// `/models/{id}/file` (behind the token: the model file itself).
extension StatusRouter {
    /// `GET /models`: every registered model, its aliases and job counts, and the aliases with their generations.
    func models() throws -> HTTPResponse {
        let models = try store.registeredModels()
        let aliases = try store.aliases()
        let described = try models.map {
            ModelDescription.json($0, aliases: aliases, usage: try store.modelUsage($0.id))
        }
        return .json(
            .ok,
            [
                "models": .array(described),
                "aliases": .array(aliases.map { ModelDescription.json($0, models: models) }),
            ])
    }

    /// The registered model `reference` names: a full id, `NAME@VERSION` or an alias (never a prefix: URLs are
    /// exact).
    private func registeredModel(_ reference: String) throws -> RegisteredModel {
        if ModelNames.isModelID(reference), let model = try store.registeredModel(id: reference) { return model }
        guard ModelNames.isShowable(reference), let model = try? store.resolve(reference).model else {
            throw HTTPError(.notFound, "no such model")
        }
        return model
    }

    /// `GET /models/{id}`: one model's metadata, aliases and job counts, with the alias trail that concerns it.
    func model(_ reference: String) throws -> HTTPResponse {
        let model = try registeredModel(reference)
        guard case .object(var members) = try ModelDescription.json(model, store: store) else {
            throw HTTPError(.internalServerError, "")
        }
        let trail = try store.registryEvents(limit: 1000).filter {
            $0.modelID == model.id || $0.previousModelID == model.id
        }
        members.append(
            (
                "events",
                .array(
                    trail.map { event in
                        [
                            "at": .string(Timestamp(microseconds: event.at).iso8601), "kind": .string(event.kind),
                            "alias": event.alias.map { .string($0) } ?? .null, "actor": .string(event.actor),
                            "generation": event.generation.map { .number(Double($0)) } ?? .null,
                            "via": .string(event.via),
                        ]
                    })
            ))
        return .json(.ok, .object(members))
    }

    /// `GET /models/{id}/file` (token): the model file, whose SHA-256 is its id.
    func modelFile(_ reference: String) throws -> HTTPResponse {
        let model = try registeredModel(reference)
        guard model.removedAt == nil, let bytes = try? FileIO.readFile(spool.modelFile(model.id), limit: 1 << 30),
            SHA256.hex(of: bytes) == model.id
        else { throw HTTPError(.notFound, "the model's file is not in the registry") }
        return HTTPResponse(status: .ok, headers: [("Content-Type", "application/json")], body: .bytes(bytes))
    }
}
