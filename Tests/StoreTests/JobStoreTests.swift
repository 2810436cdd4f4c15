import Core
import Fixtures
import Foundation
import Store
import Synchronization
import Testing

/// The job store's contract, on every backend.
@Suite struct JobStoreTests {
    func makeStore(_ backend: Backend) throws -> any JobStore { try StorePlace(backend).open() }

    @Test(arguments: Backend.allCases) func claimTask_returnsNilWhenQueueIsEmpty(_ backend: Backend) throws {
        let store = try makeStore(backend)
        #expect(try store.claimTask(owner: "a", leaseSeconds: 10, maxAttempts: 3) == nil)
    }

    @Test(arguments: Backend.allCases) func createJob_twiceIsAConstraintError(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "b1", parties: ["x"], modelID: "m", modelName: "n", tasks: 1)
        #expect { try store.createJob(id: "b1", parties: ["x"], modelID: "m", modelName: "n", tasks: 1) } throws: {
            ($0 as? StoreError)?.code == .constraint
        }
    }

    @Test(arguments: Backend.allCases) func open_againAppliesNoMigrationTwice(_ backend: Backend) throws {
        let place = try StorePlace(backend)
        try place.open().createJob(id: "b1", parties: ["x"], modelID: "m", modelName: "n", tasks: 1)
        #expect(try place.open("again").job("b1")?.state == .queued)
    }

    @Test(arguments: Backend.allCases) func completeTask_onlyByTheLeaseHolder(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "b1", parties: ["x"], modelID: "m", modelName: "n", tasks: 1)
        let first = try #require(try store.claimTask(owner: "a", leaseSeconds: 0.2, maxAttempts: 3))
        #expect(try store.job("b1")?.state == .running)
        // Nothing else is runnable while the lease holds.
        #expect(try store.claimTask(owner: "b", leaseSeconds: 10, maxAttempts: 3) == nil)
        usleep(300_000)
        // The lease expired (a worker paused past it): another worker rescues the task...
        let second = try #require(try store.claimTask(owner: "b", leaseSeconds: 10, maxAttempts: 3))
        #expect(second.attempt == 2)
        // ...and the stale worker can neither renew nor record its result.
        #expect(try store.renewLease(first, leaseSeconds: 10) == false)
        #expect(try store.completeTask(first, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/x") == false)
        #expect(try store.completeTask(second, customers: 5, scored: 4, rejectedRows: 1, resultPath: "/y"))
        let job = try #require(try store.job("b1"))
        #expect(job.state == .done)
        #expect(job.scored == 4)
        let kinds = try store.events(job: "b1").map(\.kind)
        #expect(kinds == ["queued", "claimed", "lease_expired", "claimed", "task_done", "done"])
    }

    @Test(arguments: Backend.allCases) func completeTaskThenClaim_claimsTheNextTaskAfterTheCompletion(
        _ backend: Backend
    ) throws {
        let store = try makeStore(backend)
        // A split job: its second stage is opened by the first's completion, and claimed with it (first in, first
        // out: it is older than the other job).
        try store.createJob(
            id: "split", parties: [], modelID: "m", modelName: "n",
            tasks: [TaskSpec(stage: 0, part: 0), TaskSpec(stage: 1, part: 0)])
        try store.createJob(id: "later", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let first = try #require(try store.claimTask(owner: "w-1", leaseSeconds: 10, maxAttempts: 3))
        #expect(first.jobID == "split" && first.stage == 0)
        let answer = try store.completeTask(
            first, customers: 0, scored: 0, rejectedRows: 0, resultPath: "",
            thenClaim: ClaimRequest(owner: "w-2", leaseSeconds: 10, maxAttempts: 3))
        #expect(answer.completed)
        let merge = try #require(answer.next)
        #expect(merge.jobID == "split" && merge.stage == 1 && merge.owner == "w-2" && merge.attempt == 1)
        #expect(try store.taskStates(job: "split") == ["done", "running"])
        // The last task: the job ends, and the other job's task is claimed.
        let last = try store.completeTask(
            merge, customers: 3, scored: 3, rejectedRows: 0, resultPath: "/r",
            thenClaim: ClaimRequest(owner: "w-3", leaseSeconds: 10, maxAttempts: 3))
        #expect(last.completed && last.next?.jobID == "later" && last.next?.owner == "w-3")
        #expect(try store.job("split")?.state == .done)
        #expect(try store.job("later")?.state == .running)
        // Nothing left: no task, and the completion still holds.
        let end = try store.completeTask(
            try #require(last.next), customers: 1, scored: 1, rejectedRows: 0, resultPath: "/s",
            thenClaim: ClaimRequest(owner: "w-4", leaseSeconds: 10, maxAttempts: 3))
        #expect(end.completed && end.next == nil)
        #expect(try store.job("later")?.state == .done)
        #expect(try store.events(job: "later").map(\.kind) == ["queued", "claimed", "task_done", "done"])
    }

    @Test(arguments: Backend.allCases) func completeTaskThenClaim_refusedCompletionStillClaims(
        _ backend: Backend
    ) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "a", parties: [], modelID: "m", modelName: "n", tasks: 1)
        try store.createJob(id: "b", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let stale = try #require(try store.claimTask(owner: "w-1", leaseSeconds: 0.2, maxAttempts: 3))
        usleep(300_000)
        let rescue = try #require(try store.claimTask(owner: "v-1", leaseSeconds: 10, maxAttempts: 3))
        #expect(rescue.jobID == "a" && rescue.attempt == 2)
        // The stale worker's completion is refused; its next claim is a claim like any other, of the other job's
        // task, and excluding a model leaves that task alone.
        let excluded = try store.completeTask(
            stale, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/x",
            thenClaim: ClaimRequest(owner: "w-2", leaseSeconds: 10, maxAttempts: 3, excludingModels: ["m"]))
        #expect(!excluded.completed && excluded.next == nil)
        let answer = try store.completeTask(
            stale, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/x",
            thenClaim: ClaimRequest(owner: "w-3", leaseSeconds: 10, maxAttempts: 3))
        #expect(!answer.completed)
        #expect(answer.next?.jobID == "b" && answer.next?.owner == "w-3")
        #expect(try store.job("a")?.state == .running)
    }

    @Test(arguments: Backend.allCases) func jobsByIds_findsTheRecordedOnesOfAnyNumberOfIds(_ backend: Backend) throws {
        let store = try makeStore(backend)
        for i in stride(from: 0, to: 600, by: 3) {
            try store.createJob(id: "j\(i)", parties: [], modelID: "m", modelName: "n", tasks: 1)
        }
        // Lists of every padding (1, 16, 256) and of several statements, with ids never recorded among them.
        for count in [0, 1, 2, 16, 17, 256, 257, 600] {
            let ids = (0..<count).map { "j\($0)" }
            let found = try store.jobs(ids: ids).map(\.id).sorted()
            #expect(found == ids.filter { Int($0.dropFirst())! % 3 == 0 }.sorted(), "\(count) ids")
        }
        #expect(try store.jobs(ids: ["j3", "nope"]).first?.state == .queued)
    }

    @Test(arguments: Backend.allCases) func failTask_retriesThenGivesUpAfterMaxAttempts(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "poison", parties: [], modelID: "m", modelName: "n", tasks: 1)
        for attempt in 1...3 {
            let task = try #require(try store.claimTask(owner: "w\(attempt)", leaseSeconds: 10, maxAttempts: 3))
            #expect(task.attempt == attempt)
            #expect(try store.failTask(task, reason: "disk error", retryAfter: 0))
        }
        #expect(try store.claimTask(owner: "w4", leaseSeconds: 10, maxAttempts: 3) == nil)
        let job = try #require(try store.job("poison"))
        #expect(job.state == .failed)
        #expect(job.error?.contains("3 attempts") == true)
    }

    @Test(arguments: Backend.allCases) func failTask_withoutRetryFailsTheJobAtOnce(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "bad", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 10, maxAttempts: 3))
        #expect(try store.failTask(task, reason: "party a: a.csv has no column \"x\"", retryAfter: nil))
        #expect(try store.job("bad")?.state == .failed)
        #expect(try store.job("bad")?.error == "party a: a.csv has no column \"x\"")
    }

    @Test(arguments: Backend.allCases) func releaseTask_makesItClaimableAtOnceWithoutCountingTheAttempt(
        _ backend: Backend
    ) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "b", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 100, maxAttempts: 3))
        try store.releaseTask(task)
        let again = try #require(try store.claimTask(owner: "v", leaseSeconds: 100, maxAttempts: 3))
        #expect(again.attempt == 1)
    }

    @Test(arguments: Backend.allCases) func recordRejected_keepsTheReasonAndDuplicatesBecomeEvents(
        _ backend: Backend
    ) throws {
        let store = try makeStore(backend)
        try store.recordRejected(id: "r", parties: ["a"], reason: "a.csv is a symbolic link")
        #expect(try store.job("r")?.state == .rejected)
        try store.recordRejected(id: "r", parties: ["a"], reason: "duplicate batch id")
        #expect(try store.events(job: "r").map(\.kind) == ["rejected", "duplicate_rejected"])
        #expect(try store.jobs(state: .rejected, limit: 100).count == 1)
    }

    @Test(arguments: Backend.allCases) func concurrentClaims_fromTwoConnectionsNeverShareATask(
        _ backend: Backend
    ) throws {
        let place = try StorePlace(backend)
        let a = try place.open("a")
        let b = try place.open("b")
        for i in 0..<40 { try a.createJob(id: "j\(i)", parties: [], modelID: "m", modelName: "n", tasks: 1) }
        let claimed = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let store = i == 0 ? a : b
            while let task = try? store.claimTask(owner: "w\(i)-\(UUID())", leaseSeconds: 60, maxAttempts: 3) {
                claimed.withLock { $0.append(task.jobID) }
            }
        }
        let all = claimed.withLock { $0 }
        #expect(all.count == 40)
        #expect(Set(all).count == 40)
    }

    @Test func backup_isAConsistentSelfContainedCopyWhileAnotherConnectionWrites() throws {
        let directory = NSTemporaryDirectory() + "vfl-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory + "/vfl.sqlite", process: "test")
        for i in 0..<200 {
            try store.createJob(id: "j\(i)", parties: ["x"], modelID: "m", modelName: "n", tasks: 1)
        }
        let writer = try SQLiteStore(path: directory + "/vfl.sqlite", process: "writer")
        let done = Atomic<Bool>(false)
        let thread = Thread {
            var i = 200
            while !done.load(ordering: .relaxed) {
                try? writer.createJob(id: "j\(i)", parties: ["x"], modelID: "m", modelName: "n", tasks: 1)
                i += 1
            }
        }
        thread.start()
        defer { done.store(true, ordering: .relaxed) }
        let copy = directory + "/backup.sqlite"
        try store.backup(to: copy)
        done.store(true, ordering: .relaxed)
        // One file, no WAL beside it; it opens as a store and holds at least the jobs made before.
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
        let restored = try SQLiteStore(path: copy, process: "restore")
        #expect(try restored.integrityCheck() == "ok")
        let jobs = try restored.jobs(limit: 100_000)
        #expect(jobs.count >= 200)
        #expect(Set(jobs.map(\.id)).isSuperset(of: (0..<200).map { "j\($0)" }))
    }
}
