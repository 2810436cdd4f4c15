import Core
import Dispatch
import Fixtures
import Foundation
import Ingest
import Model
import Registry
import Spool
import Store
import Testing

/// Ingest in-process on a real spool and store, for the settings a process test cannot reach quickly.
@Suite struct IngestorTests {
    let temp = TemporaryDirectory()

    @Test func scanOnce_refusesAShardOverTheSizeLimitAndKeepsIt() throws {
        let model = try SplitModel(
            bytes: Array(RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [4]).utf8))
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        try ModelRegistrar.makeChampion(
            RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [4]), store: store, spool: spool)
        var configuration = IngestConfiguration(spool: spool, maxShardBytes: 2_000, settleSeconds: 0)
        configuration.memoryBound = 512_000_000
        let ingestor = Ingestor(configuration: configuration, store: store, model: model, logger: .disabled)
        _ = try TestBatch.write(directory: spool.inbox + "/big", model: model, customers: 500)
        try Manifest(batch: "big", parties: model.parties.map(\.name)).jsonText.write(
            toFile: spool.inbox + "/big/manifest.json", atomically: true, encoding: .utf8)
        _ = try TestBatch.write(directory: spool.inbox + "/small", model: model, customers: 3, coverage: 1)
        try Manifest(batch: "small", parties: model.parties.map(\.name)).jsonText.write(
            toFile: spool.inbox + "/small/manifest.json", atomically: true, encoding: .utf8)
        let outcome = try ingestor.scanOnce()
        #expect(outcome == Ingestor.ScanOutcome(accepted: 1, rejected: 1))
        #expect(try store.job("big")?.state == .rejected)
        #expect(try store.job("big")?.error?.contains("larger than the limit") == true)
        #expect(FileManager.default.fileExists(atPath: spool.rejected + "/big/auto_loans.csv"))
        #expect(try store.job("small")?.state == .queued)
        #expect(FileManager.default.fileExists(atPath: spool.batches + "/small/manifest.json"))
        // A folder without its manifest is left alone until the manifest arrives.
        try FileManager.default.createDirectory(atPath: spool.inbox + "/later", withIntermediateDirectories: true)
        #expect(try ingestor.scanOnce() == Ingestor.ScanOutcome())
        #expect(FileManager.default.fileExists(atPath: spool.inbox + "/later"))
    }

    /// The memory plan counts a job's challengers: one that reads the shards into inputs of its own needs a second
    /// table of values, so a batch that fits the bound alone is split; one that shares the champion's inputs is not.
    @Test func scanOnce_plansAChallengerWithInputsOfItsOwnAsASecondTable() throws {
        let champion = RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [4])
        let model = try SplitModel(bytes: Array(champion.utf8))
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        try ModelRegistrar.makeChampion(champion, store: store, spool: spool)
        let registrar = ModelRegistrar(store: store, spool: spool)
        // The same parties' draws with another top: the same features. Another seed: other statistics.
        let sharing = RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [7])
        let own = RandomModel.json(seed: 2, parties: RandomModel.fourParties, top: [4])
        #expect(try SplitModel(bytes: Array(sharing.utf8)).parties[0].readsInputs(like: model.parties[0]))
        #expect(try !SplitModel(bytes: Array(own.utf8)).parties[0].readsInputs(like: model.parties[0]))
        _ = try registrar.add(bytes: Array(sharing.utf8), source: "s", name: "sharing", actor: "test")
        _ = try registrar.add(bytes: Array(own.utf8), source: "o", name: "own", actor: "test")
        let staging = temp.file("staging")
        _ = try TestBatch.write(directory: staging, model: model, customers: 2000)
        let bytes = try model.parties.reduce(0) {
            $0 + (try FileManager.default.attributesOfItem(atPath: staging + "/\($1.name).csv")[.size] as! Int)
        }
        // Usable: half of a bound this small; the champion's plan is 0.8 bytes per byte of CSV.
        var configuration = IngestConfiguration(spool: spool, settleSeconds: 0)
        configuration.memoryBound = Int(Double(bytes) * 0.8 * 2 * 1.5)
        let ingestor = Ingestor(configuration: configuration, store: store, model: model, logger: .disabled)
        for (batch, challengers) in [("alone", [String]()), ("sharing", ["sharing@1"]), ("own", ["own@1"])] {
            try FileManager.default.copyItem(atPath: staging, toPath: spool.inbox + "/" + batch)
            try Manifest(batch: batch, parties: model.parties.map(\.name), challengers: challengers).jsonText.write(
                toFile: spool.inbox + "/\(batch)/manifest.json", atomically: true, encoding: .utf8)
        }
        #expect(try ingestor.scanOnce() == Ingestor.ScanOutcome(accepted: 3, rejected: 0))
        #expect(try store.taskStates(job: "alone").count == 1)
        #expect(try store.taskStates(job: "sharing").count == 1)
        #expect(try store.job("own")?.challengers.count == 1)
        // Four partitions, two buckets, a merge.
        #expect(try store.taskStates(job: "own").count == 7)
    }

    @Test func scanOnce_acceptsAModelsDerivedFeaturesByTheirSourceColumns() throws {
        let model = try SplitModel(bytes: Array(DerivedFeatureTests.model.utf8))
        #expect(model.parties[0].inputColumns == ["a", "b"])
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        try ModelRegistrar.makeChampion(DerivedFeatureTests.model, store: store, spool: spool)
        let ingestor = Ingestor(
            configuration: IngestConfiguration(spool: spool, settleSeconds: 0), store: store, model: model,
            logger: .disabled)
        try FileIO.makeDirectories(spool.inbox + "/d")
        try "k,a,b\nk1,100,72\n".write(toFile: spool.inbox + "/d/bank.csv", atomically: true, encoding: .utf8)
        try #"{"batch": "d", "parties": ["bank"]}"#.write(
            toFile: spool.inbox + "/d/manifest.json", atomically: true, encoding: .utf8)
        #expect(try ingestor.scanOnce() == Ingestor.ScanOutcome(accepted: 1, rejected: 0))
        #expect(try store.job("d")?.state == .queued)
    }

    /// A four-party model, a spool and a store of `backend` with the model as champion.
    func sharedSpool(_ backend: Backend) throws -> (SplitModel, Spool, StorePlace) {
        let json = RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [4])
        let model = try SplitModel(bytes: Array(json.utf8))
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let place = try StorePlace(backend)
        try ModelRegistrar.makeChampion(json, store: try place.open(), spool: spool)
        return (model, spool, place)
    }

    /// Drops complete batches of `customers` customers into the inbox, in the order given.
    func drop(_ ids: [String], into spool: Spool, model: SplitModel, customers: Int) throws {
        for id in ids {
            _ = try TestBatch.write(directory: spool.inbox + "/" + id, model: model, customers: customers, coverage: 1)
            try Manifest(batch: id, parties: model.parties.map(\.name)).jsonText.write(
                toFile: spool.inbox + "/" + id + "/manifest.json", atomically: true, encoding: .utf8)
        }
    }

    /// A scan of more batches than ingest records together: every one recorded, moved and released in that scan, and
    /// claimed in the order the scan took them (by name), across its groups.
    @Test(arguments: Backend.allCases)
    func scanOnce_ofManyBatchesRecordsThemInGroupsInOrder(_ backend: Backend) throws {
        let (model, spool, place) = try sharedSpool(backend)
        let store = try place.open()
        let ingestor = Ingestor(
            configuration: IngestConfiguration(spool: spool, settleSeconds: 0), store: try place.open("ingest"),
            model: model, logger: .disabled)
        let ids = (0..<(2 * Ingestor.recordGroup + 5)).map { String(format: "b%03d", $0) }
        try drop(ids.shuffled(), into: spool, model: model, customers: 2)
        #expect(try ingestor.scanOnce() == Ingestor.ScanOutcome(accepted: ids.count, rejected: 0))
        #expect(try Spool.list(spool.inbox).isEmpty)
        #expect(try store.heldJobs().isEmpty)
        var claimed: [String] = []
        while let task = try store.claimTask(owner: "w\(claimed.count)", leaseSeconds: 60, maxAttempts: 3) {
            claimed.append(task.jobID)
        }
        #expect(claimed == ids)
    }

    /// Two ingests on one spool and one store (two nodes mounting a shared spool): every batch is recorded once and
    /// moved once, and none is taken for a duplicate of itself.
    @Test(arguments: Backend.allCases)
    func twoIngests_onOneSpoolAcceptEveryBatchOnce(_ backend: Backend) throws {
        let (model, spool, place) = try sharedSpool(backend)
        let ingestors = try (0..<2).map { i in
            Ingestor(
                configuration: IngestConfiguration(spool: spool, settleSeconds: 0),
                store: try place.open("ingest-\(i)"),
                model: model, logger: .disabled)
        }
        let ids = (0..<30).map { "b\($0)" }
        try drop(ids, into: spool, model: model, customers: 3)
        let store = try place.open("check")
        // Both scan at once until the inbox is empty (a generous bound on rounds, not on time).
        for _ in 0..<50 where !(try Spool.list(spool.inbox)).isEmpty {
            DispatchQueue.concurrentPerform(iterations: 2) { i in _ = try? ingestors[i].scanOnce() }
        }
        #expect(try Spool.list(spool.inbox).isEmpty)
        #expect(try Spool.list(spool.rejected).isEmpty)
        for id in ids {
            #expect(try store.job(id)?.state == .queued, "\(id)")
            #expect(try store.job(id)?.held == false)
            let events = try store.events(job: id)
            #expect(
                events.map(\.kind) == ["queued", "accepted"],
                "\(events.map { "\($0.process) \($0.kind): \($0.detail)" })")
            #expect(FileManager.default.fileExists(atPath: spool.batch(id) + "/manifest.json"))
        }
    }
}
