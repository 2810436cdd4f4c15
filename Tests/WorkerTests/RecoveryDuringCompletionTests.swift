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

/// Recovery's removal of abandoned work folders against a worker completing jobs meanwhile (found by
/// scripts/bench-rollout: a split job recorded done whose results were never published, its merge folder removed by
/// the other worker's recovery pass between the job's completion and its publication).
@Suite struct RecoveryDuringCompletionTests {
    let temp = TemporaryDirectory()

    @Test func recover_neverRemovesTheResultsOfAJobCompletedWhileItRuns() throws {
        let text = RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [4])
        let model = try SplitModel(bytes: Array(text.utf8))
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let path = spool.root + "/vfl.sqlite"
        let store = try SQLiteStore(path: path, process: "w1")
        _ = try ModelRegistrar.makeChampion(text, store: store, spool: spool)
        let ingestor = Ingestor(
            configuration: IngestConfiguration(spool: spool, settleSeconds: 0), store: store, model: model,
            logger: .disabled)
        let ids = (0..<60).map { "j\($0)" }
        for (i, id) in ids.enumerated() {
            let batch = try TestBatch.write(
                directory: spool.inbox + "/" + id, model: model, customers: 20, seed: UInt64(i + 1))
            try batch.writeManifest(parties: model.parties.map(\.name), batch: id)
        }
        for _ in 0..<50 where !(try Spool.list(spool.inbox)).isEmpty { _ = try ingestor.scanOnce() }
        let configuration = WorkerConfiguration(spool: spool)
        let worker = WorkerService(
            configuration: configuration, store: store, model: model, name: "w1", logger: .disabled)
        let other = WorkerService(
            configuration: configuration, store: try SQLiteStore(path: path, process: "w2"), model: model, name: "w2",
            logger: .disabled)
        let stop = Mutex(false)
        let (running, stopped) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        DispatchQueue.global().async {
            var passes = 0
            while !stop.withLock({ $0 }) {
                try? other.recover()
                passes += 1
                if passes == 1 { running.signal() }
            }
            stopped.signal()
        }
        running.wait()
        for i in 0..<(2 * ids.count) {
            guard let task = try store.claimTask(owner: "w1-\(i)", leaseSeconds: 30, maxAttempts: 5) else { break }
            worker.process(task)
        }
        stop.withLock { $0 = true }
        stopped.wait()
        for id in ids {
            #expect(try store.job(id)?.state == .done, "\(id)")
            #expect(spool.hasPublishedScores(id), "\(id): done and published")
        }
    }
}
