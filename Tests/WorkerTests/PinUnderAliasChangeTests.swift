import Core
import Dispatch
import Fixtures
import Foundation
import Ingest
import Model
import Registry
import Spool
import Store
import Synchronization
import Testing
import Worker

/// A batch is pinned while it is checked and recorded afterwards: an alias change in between must not leave a job
/// recorded after the change with the alias's previous model (scripts/bench-rollout checks every job against the
/// champion of its record).
@Suite struct PinUnderAliasChangeTests {
    let temp = TemporaryDirectory()
    static let textA = RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [4])
    static let textB = RandomModel.json(seed: 2, parties: RandomModel.fourParties, top: [4])

    /// A fresh spool and store on `backend` with model A as `champion` and model B registered as `b`.
    func registryOfTwo(
        _ backend: Backend
    ) throws -> (store: any JobStore, registrar: ModelRegistrar, a: RegisteredModel, b: RegisteredModel) {
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let store = try StorePlace(backend).open()
        let a = try ModelRegistrar.makeChampion(Self.textA, store: store, spool: spool)
        let registrar = ModelRegistrar(store: store, spool: spool)
        let b = try registrar.add(bytes: Array(Self.textB.utf8), source: "b", name: "b", actor: "test").record
        return (store, registrar, a, b)
    }

    /// A pin resolved through an alias that has moved before the job is recorded is refused, so that ingest pins the
    /// batch again; a pin naming its model without an alias is not affected by aliases.
    @Test(arguments: Backend.allCases)
    func createJob_refusesAPinThroughAnAliasThatHasMovedSince(_ backend: Backend) throws {
        let (store, registrar, a, b) = try registryOfTwo(backend)
        let parties = RandomModel.fourParties.map(\.name)
        let tasks = TaskPlan.tasks(parties: parties.count, buckets: 1)
        let stale = try registrar.pin(model: nil, challengers: [])
        #expect(stale.id == a.id && stale.alias == "champion")
        try store.setAlias("champion", modelID: b.id, expectedGeneration: nil, actor: "test", via: "command")
        #expect {
            try store.createJob(
                id: "late", parties: parties, model: stale, modelPath: nil, shards: nil, held: false, tasks: tasks)
        } throws: { ($0 as? StoreError)?.code == .staleGeneration }
        #expect(try store.job("late") == nil)
        let again = try registrar.pin(model: nil, challengers: [])
        try store.createJob(
            id: "late", parties: parties, model: again, modelPath: nil, shards: nil, held: false, tasks: tasks)
        #expect(try store.job("late")?.modelID == b.id)
        try store.createJob(
            id: "named", parties: parties, model: JobModel(id: a.id, name: a.name, version: a.version),
            modelPath: nil, shards: nil, held: false, tasks: tasks)
        #expect(try store.job("named")?.modelID == a.id)
    }

    /// The same for the challengers: a pin read while the `challenger` alias was unset (or pointed elsewhere), or
    /// whose manifest challenger came through an alias that has moved since, is refused; pinned again, the job
    /// shadows the alias's new model.
    @Test(arguments: Backend.allCases)
    func createJob_refusesAPinWhoseChallengerAliasesHaveMovedSince(_ backend: Backend) throws {
        let (store, registrar, a, b) = try registryOfTwo(backend)
        let textC = RandomModel.json(seed: 3, parties: RandomModel.fourParties, top: [4])
        let c = try registrar.add(bytes: Array(textC.utf8), source: "c", name: "c", actor: "test").record
        let parties = RandomModel.fourParties.map(\.name)
        let tasks = TaskPlan.tasks(parties: parties.count, buckets: 1)
        func record(_ id: String, _ pin: JobModel) throws {
            try store.createJob(
                id: id, parties: parties, model: pin, modelPath: nil, shards: nil, held: false, tasks: tasks)
        }
        func isStale(_ error: any Error) -> Bool { (error as? StoreError)?.code == .staleGeneration }

        // Unset, then set.
        let unset = try registrar.pin(model: nil, challengers: [])
        #expect(unset.id == a.id && unset.challengers.isEmpty)
        try store.setAlias("challenger", modelID: b.id, expectedGeneration: nil, actor: "test", via: "command")
        #expect { try record("one", unset) } throws: { isStale($0) }
        #expect(try store.job("one") == nil)
        try record("one", try registrar.pin(model: nil, challengers: []))
        #expect(try store.job("one")?.challengers == [b.id])

        // Moved to another model, then unset.
        let toB = try registrar.pin(model: nil, challengers: [])
        try store.setAlias("challenger", modelID: c.id, expectedGeneration: nil, actor: "test", via: "command")
        #expect { try record("two", toB) } throws: { isStale($0) }
        let toC = try registrar.pin(model: nil, challengers: [])
        #expect(toC.challengers == [c.id])
        try store.setAlias("challenger", modelID: nil, expectedGeneration: nil, actor: "test", via: "command")
        #expect { try record("two", toC) } throws: { isStale($0) }
        try record("two", try registrar.pin(model: nil, challengers: []))
        #expect(try store.job("two")?.challengers == [])

        // A manifest's challenger named by an alias.
        try store.setAlias("candidate", modelID: b.id, expectedGeneration: nil, actor: "test", via: "command")
        let candidate = try registrar.pin(model: nil, challengers: ["candidate"])
        #expect(candidate.challengers == [b.id])
        try store.setAlias("candidate", modelID: c.id, expectedGeneration: nil, actor: "test", via: "command")
        #expect { try record("three", candidate) } throws: { isStale($0) }
        try record("three", try registrar.pin(model: nil, challengers: ["candidate"]))
        #expect(try store.job("three")?.challengers == [c.id])

        // A manifest's challenger removed from the registry after the pin was read.
        let textD = RandomModel.json(seed: 4, parties: RandomModel.fourParties, top: [4])
        let d = try registrar.add(bytes: Array(textD.utf8), source: "d", name: "d", actor: "test").record
        let withD = try registrar.pin(model: nil, challengers: ["d@1"])
        #expect(withD.challengers == [d.id])
        try store.removeModel(d.id, actor: "test")
        #expect { try record("four", withD) } throws: { ($0 as? StoreError)?.code == .notFound }
        #expect(try store.job("four") == nil)
    }

    /// Ingest while an operator keeps moving `champion` between two models: every job is pinned to the model the
    /// alias named when the job was recorded (its `queued` event against the alias's events; SQLite serializes the
    /// writes, one clock stamps both), never to the one it named while the batch was being checked. The manifests'
    /// checksums make ingest read every shard between the pin and the record.
    @Test func scanOnce_pinsEveryBatchToTheChampionOfItsRecordWhileTheAliasMoves() throws {
        let model = try SplitModel(bytes: Array(Self.textA.utf8))
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "ingest")
        let a = try ModelRegistrar.makeChampion(Self.textA, store: store, spool: spool)
        let b = try ModelRegistrar(store: store, spool: spool).add(
            bytes: Array(Self.textB.utf8), source: "b", name: "b", actor: "test"
        ).record
        let ingestor = Ingestor(
            configuration: IngestConfiguration(spool: spool, settleSeconds: 0), store: store, model: model,
            logger: .disabled)
        let ids = (0..<40).map { "m\($0)" }
        for (i, id) in ids.enumerated() {
            let folder = spool.inbox + "/" + id
            _ = try TestBatch.write(directory: folder, model: model, customers: 400, seed: UInt64(i + 1))
            var sums: [String: String] = [:]
            for party in model.parties { sums[party.name] = try SHA256.hex(ofFile: folder + "/" + party.name + ".csv") }
            try Manifest(batch: id, parties: model.parties.map(\.name), sha256: sums).jsonText.write(
                toFile: folder + "/manifest.json", atomically: true, encoding: .utf8)
        }
        let operatorStore = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "operator")
        let stop = Mutex(false)
        let (moving, stopped) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        DispatchQueue.global().async {
            var flips = 0
            while !stop.withLock({ $0 }) {
                _ = try? operatorStore.setAlias(
                    "champion", modelID: flips % 2 == 0 ? b.id : a.id, expectedGeneration: nil, actor: "test",
                    via: "command")
                flips += 1
                if flips == 1 { moving.signal() }
                usleep(2_000)  // pacing, so that ingest's transactions are not starved of the write lock
            }
            stopped.signal()
        }
        moving.wait()
        // A generous bound on rounds, not on time.
        for _ in 0..<500 where !(try Spool.list(spool.inbox)).isEmpty { _ = try? ingestor.scanOnce() }
        stop.withLock { $0 = true }
        stopped.wait()
        #expect(try Spool.list(spool.inbox).isEmpty)
        let changes = try store.registryEvents(limit: 1_000_000).filter {
            $0.kind == "alias_set" && $0.alias == "champion"
        }
        #expect(changes.count >= 2)
        for id in ids {
            let job = try #require(try store.job(id))
            let queued = try #require(try store.events(job: id).first { $0.kind == "queued" })
            let champion = changes.last { $0.at <= queued.at }?.modelID
            #expect(job.modelID == champion, "\(id) is pinned to the champion of its record")
        }
    }
}
