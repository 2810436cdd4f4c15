import Core
import Fixtures
import Foundation
import Store
import Testing

/// The job state machine's guarded transitions (docs/operations.md, "Job and task states").
@Suite struct JobStateMachineTests {
    func makeStore(_ backend: Backend) throws -> any JobStore { try StorePlace(backend).open() }

    /// A split job's tasks: two partitions, two buckets, a merge.
    let split = TaskPlan.tasks(parties: 2, buckets: 2)

    @Test(arguments: Backend.allCases) func failTask_ofASplitJobFailsItAndCancelsItsOtherTasks(
        _ backend: Backend
    ) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "s", parties: ["a", "b"], modelID: "m", modelName: "n", tasks: split)
        let first = try #require(try store.claimTask(owner: "w1", leaseSeconds: 60, maxAttempts: 5))
        let second = try #require(try store.claimTask(owner: "w2", leaseSeconds: 60, maxAttempts: 5))
        #expect(try store.failTask(first, reason: "duplicate key", retryAfter: nil))
        #expect(try store.job("s")?.state == .failed)
        #expect(try store.taskStates(job: "s") == ["failed", "cancelled", "cancelled", "cancelled", "cancelled"])
        // The other running task can no longer complete, and nothing of the job is claimed again.
        #expect(try store.completeTask(second, customers: 0, scored: 0, rejectedRows: 0, resultPath: "") == false)
        #expect(try store.claimTask(owner: "w3", leaseSeconds: 60, maxAttempts: 5) == nil)
        #expect(try store.job("s")?.state == .failed)
        #expect(try store.job("s")?.error == "duplicate key")
    }

    @Test(arguments: Backend.allCases) func retryJob_ofAFailedSplitJobRestartsEveryTask(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "s", parties: ["a", "b"], modelID: "m", modelName: "n", tasks: split)
        let first = try #require(try store.claimTask(owner: "w1", leaseSeconds: 60, maxAttempts: 5))
        #expect(try store.completeTask(first, customers: 0, scored: 0, rejectedRows: 0, resultPath: ""))
        let second = try #require(try store.claimTask(owner: "w2", leaseSeconds: 60, maxAttempts: 5))
        #expect(try store.failTask(second, reason: "wrong rows", retryAfter: nil))
        #expect(try store.retryJob("s"))
        #expect(try store.taskStates(job: "s") == Array(repeating: "queued", count: 5))
        #expect(try store.job("s")?.state == .queued)
        // It runs to done, stage after stage.
        var claimed = 0
        while let task = try store.claimTask(owner: "w\(claimed)", leaseSeconds: 60, maxAttempts: 5) {
            #expect(try store.completeTask(task, customers: 3, scored: 3, rejectedRows: 0, resultPath: "/r"))
            claimed += 1
        }
        #expect(claimed == 5)
        #expect(try store.job("s")?.state == .done)
        #expect(try store.retryJob("s") == false, "a done job is not retried")
    }

    @Test(arguments: Backend.allCases) func claimTask_isFirstInFirstOutAcrossJobs(_ backend: Backend) throws {
        let store = try makeStore(backend)
        for id in ["zeta", "alpha", "mid"] {
            try store.createJob(id: id, parties: [], modelID: "m", modelName: "n", tasks: 1)
        }
        var order: [String] = []
        while let task = try store.claimTask(owner: "w\(order.count)", leaseSeconds: 60, maxAttempts: 5) {
            order.append(task.jobID)
        }
        #expect(order == ["zeta", "alpha", "mid"])
    }

    @Test(arguments: Backend.allCases) func claimTask_afterExpiredLeasesGivesUpWithThatCause(_ backend: Backend) throws
    {
        let store = try makeStore(backend)
        try store.createJob(id: "hang", parties: [], modelID: "m", modelName: "n", tasks: 1)
        _ = try #require(try store.claimTask(owner: "w1", leaseSeconds: 0.05, maxAttempts: 1))
        usleep(100_000)
        #expect(try store.claimTask(owner: "w2", leaseSeconds: 60, maxAttempts: 1) == nil)
        let job = try #require(try store.job("hang"))
        #expect(job.state == .failed)
        #expect(job.error == "gave up after 1 attempts; the last: \(JobRules.leaseExpiredReason)")
    }

    @Test(arguments: Backend.allCases) func failTask_atTheLastAttemptKeepsItsRealCause(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "disk", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 1))
        #expect(try store.failTask(task, reason: "write x: No space left on device", retryAfter: 1, maxAttempts: 1))
        #expect(try store.job("disk")?.error == "gave up after 1 attempts; the last: write x: No space left on device")
        #expect(try store.taskStates(job: "disk") == ["failed"])
    }

    @Test(arguments: Backend.allCases) func heldJob_isNotClaimedUntilReleased(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.createJob(
            id: "h", parties: [], modelID: "m", modelName: "n", held: true, tasks: [TaskSpec(stage: 0, part: 0)])
        #expect(try store.hasRunnableTask() == false)
        #expect(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 5) == nil)
        #expect(try store.heldJobs() == ["h"])
        #expect(try store.releaseHeldJob("h"))
        #expect(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 5)?.jobID == "h")
    }

    @Test(arguments: Backend.allCases) func claimTask_leavesJobsOfExcludedModelsToOtherWorkers(
        _ backend: Backend
    ) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "old", parties: [], modelID: "model-a", modelName: "n", tasks: 1)
        try store.createJob(id: "new", parties: [], modelID: "model-b", modelName: "n", tasks: 1)
        let task = try #require(
            try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 5, excludingModels: ["model-a"]))
        #expect(task.jobID == "new")
        #expect(task.modelID == "model-b")
        #expect(try store.job("old")?.state == .queued)
    }

    @Test(arguments: Backend.allCases) func releaseTask_countsNoAttemptOnTaskOrJobAndKeepsTheJobRunningWhileAnotherRuns(
        _ backend: Backend
    ) throws {
        let store = try makeStore(backend)
        try store.createJob(id: "s", parties: ["a", "b"], modelID: "m", modelName: "n", tasks: split)
        let first = try #require(try store.claimTask(owner: "w1", leaseSeconds: 60, maxAttempts: 5))
        let second = try #require(try store.claimTask(owner: "w2", leaseSeconds: 60, maxAttempts: 5))
        try store.releaseTask(first, reason: "no model")
        #expect(try store.job("s")?.state == .running, "another task still runs")
        #expect(try store.job("s")?.attempts == 1)
        try store.releaseTask(second)
        #expect(try store.job("s")?.state == .queued)
        #expect(try store.job("s")?.attempts == 0)
        #expect(
            try store.events(job: "s").filter { $0.kind == "released" }.map(\.detail) == [
                "no model", "worker stopping",
            ])
    }

    @Test(arguments: Backend.allCases) func recordOrphan_isFailedAtOnceAndNeverClaimed(_ backend: Backend) throws {
        let store = try makeStore(backend)
        try store.recordOrphan(
            id: "o", parties: ["a"], modelID: "m", modelName: "n", shards: nil, tasks: [TaskSpec(stage: 0, part: 0)],
            reason: "found without job history")
        #expect(try store.job("o")?.state == .failed)
        #expect(try store.heldJobs().isEmpty)
        #expect(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 5) == nil)
        #expect(try store.events(job: "o").map(\.kind) == ["queued", "orphan", "failed"])
        #expect(try store.retryJob("o"))
        #expect(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 5)?.jobID == "o")
    }

    @Test(arguments: Backend.allCases) func open_refusesASchemaNewerThanItKnows(_ backend: Backend) throws {
        let place = try StorePlace(backend)
        _ = try place.open()
        try place.execute("INSERT INTO migrations VALUES ('v99-from-the-future', 0)")
        #expect {
            try place.open("old")
        } throws: { error in
            (error as? StoreError)?.code == .newerSchema && "\(error)".contains("v99-from-the-future")
        }
    }
}
