import Core
import Fixtures
import Foundation
import Store
import Testing

/// The model registry's contract, on every backend: versions, aliases with generations and compare-and-set, the
/// append-only audit trail, removal refused while a model is in use, and jobs pinned with their provenance.
@Suite struct ModelRegistryTests {
    static let a = String(repeating: "a", count: 64)
    static let b = String(repeating: "b", count: 64)

    @discardableResult
    func register(
        _ store: any JobStore, _ id: String, name: String? = "credit", version: Int? = nil
    ) throws
        -> RegisteredModel
    {
        try store.registerModel(
            id: id, name: name, fileName: "file-name", version: version, owner: "risk", purpose: "cards",
            path: "/models/\(id).json", actor: "ana"
        ).model
    }

    @Test(arguments: Backend.allCases)
    func register_numbersVersionsPerNameAndIsIdempotent(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        let first = try register(store, Self.a)
        #expect(first.label == "credit@1" && first.owner == "risk" && first.addedBy == "ana" && first.addedAt > 0)
        #expect(try register(store, Self.b).version == 2)
        let again = try store.registerModel(
            id: Self.a, name: nil, fileName: "file-name", version: nil, owner: nil, purpose: nil, path: "/x",
            actor: "bo")
        #expect(!again.added && again.model.label == "credit@1")
        #expect(throws: StoreError.self) { try register(store, Self.a, name: "other") }
        #expect(throws: StoreError.self) { try register(store, String(repeating: "c", count: 64), version: 2) }
        #expect(try register(store, String(repeating: "d", count: 64), name: nil).label == "file-name@1")
        #expect(try store.registeredModels().map(\.label) == ["credit@1", "credit@2", "file-name@1"])
        #expect(try store.registryEvents(limit: 10).map(\.kind) == ["added", "added", "added"])
    }

    @Test(arguments: Backend.allCases)
    func setAlias_countsGenerationsRefusesAStaleExpectationAndSkipsNoOps(_ backend: Backend) throws {
        let place = try StorePlace(backend)
        let store = try place.open()
        try register(store, Self.a)
        try register(store, Self.b)
        let set = try store.setAlias("champion", modelID: Self.a, expectedGeneration: 0, actor: "ana", via: "cli")
        #expect(set.generation == 1 && set.modelID == Self.a && set.updatedBy == "ana")
        // The same target again: nothing changes, no event.
        #expect(
            try store.setAlias("champion", modelID: Self.a, expectedGeneration: nil, actor: "bo", via: "cli") == set)
        // Two operators expecting generation 1: the second is refused.
        let other = try place.open("other")
        try other.setAlias("champion", modelID: Self.b, expectedGeneration: 1, actor: "bo", via: "cli")
        #expect {
            try store.setAlias("champion", modelID: Self.a, expectedGeneration: 1, actor: "ana", via: "cli")
        } throws: { ($0 as? StoreError)?.code == .staleGeneration }
        let unset = try store.setAlias("champion", modelID: nil, expectedGeneration: 2, actor: "ana", via: "cli")
        #expect(unset.generation == 3 && unset.modelID == nil)
        #expect {
            try store.setAlias(
                "champion", modelID: String(repeating: "9", count: 64), expectedGeneration: nil,
                actor: "ana", via: "cli")
        } throws: { ($0 as? StoreError)?.code == .notFound }
        let trail = try store.registryEvents(limit: 100).filter { $0.alias == "champion" }
        #expect(trail.map(\.kind) == ["alias_set", "alias_set", "alias_unset"])
        #expect(trail.map(\.generation) == [1, 2, 3])
        #expect(trail.map(\.previousModelID) == [nil, Self.a, Self.b])
        #expect(trail.map(\.actor) == ["ana", "bo", "ana"])
        #expect(throws: StoreError.self) { try store.resolve("champion") }
    }

    @Test(arguments: Backend.allCases)
    func auditTrail_isAppendOnlyInTheDatabase(_ backend: Backend) throws {
        let place = try StorePlace(backend)
        let store = try place.open()
        try register(store, Self.a)
        #expect(throws: (any Error).self) { try place.execute("UPDATE model_events SET actor = 'mallory'") }
        #expect(throws: (any Error).self) { try place.execute("DELETE FROM model_events") }
        #expect(try store.registryEvents(limit: 10).map(\.actor) == ["ana"])
    }

    @Test(arguments: Backend.allCases)
    func removeModel_isRefusedWhileAnAliasOrALiveJobUsesIt(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        try register(store, Self.a)
        try store.setAlias("champion", modelID: Self.a, expectedGeneration: nil, actor: "ana", via: "cli")
        #expect { try store.removeModel(Self.a, actor: "ana") } throws: { ($0 as? StoreError)?.code == .inUse }
        try store.setAlias("champion", modelID: nil, expectedGeneration: nil, actor: "ana", via: "cli")
        try store.createJob(
            id: "live", parties: ["p"], model: JobModel(id: Self.a, name: "credit", version: 1), modelPath: nil,
            shards: nil, held: false, tasks: [TaskSpec(stage: 0, part: 0)])
        #expect { try store.removeModel(Self.a, actor: "ana") } throws: { ($0 as? StoreError)?.code == .inUse }
        #expect(try store.modelUsage(Self.a).live == 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3))
        #expect(try store.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r"))
        try store.removeModel(Self.a, actor: "ana")
        #expect(try store.registeredModel(id: Self.a)?.removedAt != nil)
        let usage = try store.modelUsage(Self.a)
        #expect(usage.done == 1 && usage.live == 0)
        // No new job may be pinned to a removed model; its name@version is never reused.
        #expect {
            try store.createJob(
                id: "late", parties: ["p"], model: JobModel(id: Self.a, name: "credit"), modelPath: nil, shards: nil,
                held: false, tasks: [TaskSpec(stage: 0, part: 0)])
        } throws: { ($0 as? StoreError)?.code == .notFound }
        #expect(try register(store, Self.b).version == 2)
        // The same content added again restores it under its old label.
        #expect(try register(store, Self.a, name: nil).label == "credit@1")
        #expect(try store.registryEvents(limit: 10).map(\.kind).suffix(2) == ["added", "restored"])
    }

    @Test(arguments: Backend.allCases)
    func removeModel_isRefusedWhileALiveJobHasItAsChallenger(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        try register(store, Self.a)
        try register(store, Self.b)
        let other = String(repeating: "c", count: 64)
        try register(store, other)
        try store.createJob(
            id: "shadowed", parties: ["p"],
            model: JobModel(id: Self.a, name: "credit", challengers: [other, Self.b]), modelPath: nil, shards: nil,
            held: false, tasks: [TaskSpec(stage: 0, part: 0)])
        for challenger in [Self.b, other] {
            #expect { try store.removeModel(challenger, actor: "ana") } throws: {
                ($0 as? StoreError)?.code == .inUse && "\($0)".contains("challenger of 1")
            }
        }
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3))
        #expect(try store.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r"))
        try store.removeModel(Self.b, actor: "ana")
        #expect(try store.registeredModel(id: Self.b)?.removedAt != nil)
    }

    @Test(arguments: Backend.allCases)
    func createJob_keepsTheModelsProvenanceAndChallengers(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        try register(store, Self.a)
        try register(store, Self.b)
        try store.setAlias("champion", modelID: Self.a, expectedGeneration: nil, actor: "ana", via: "cli")
        let resolved = try store.resolve("champion")
        #expect(resolved.model.id == Self.a && resolved.alias == "champion")
        #expect(try store.resolve("credit@2").model.id == Self.b)
        #expect(try store.resolve("bbbbbbbb", prefixes: true).model.id == Self.b)
        #expect(throws: StoreError.self) { try store.resolve("bbbbbbbb") }
        #expect(throws: StoreError.self) { try store.resolve("credit") }
        try store.createJob(
            id: "j", parties: ["p"],
            model: JobModel(id: Self.a, name: "credit", version: 1, alias: "champion", challengers: [Self.b]),
            modelPath: nil, shards: nil, held: false, tasks: [TaskSpec(stage: 0, part: 0)])
        // The alias moves: the job keeps what it was accepted with.
        try store.setAlias("champion", modelID: Self.b, expectedGeneration: nil, actor: "ana", via: "cli")
        let job = try #require(try store.job("j"))
        #expect(job.modelID == Self.a && job.modelName == "credit" && job.modelVersion == 1)
        #expect(job.modelAlias == "champion" && job.challengers == [Self.b])
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3))
        #expect(task.modelID == Self.a && task.challengers == [Self.b])
        // The claim carries the provenance the worker stamps on the results (no read of the job for it).
        #expect(task.modelName == "credit" && task.modelVersion == 1 && task.modelAlias == "champion")
    }
}
