import Core
import Dispatch
import Fixtures
import Foundation
import PostgresStore
import Store
import Synchronization
import Testing

/// What many workers on many connections may do at once, on every backend: no task is lost, none runs twice to
/// completion, and the job ends exactly once.
@Suite struct StoreContractTests {
    @Test(arguments: Backend.allCases)
    func lastCompletions_atOnceEndTheJobOnce(_ backend: Backend) throws {
        let place = try StorePlace(backend)
        let stores = try (0..<4).map { try place.open("w\($0)") }
        for round in 0..<10 {
            let id = "j\(round)"
            try stores[0].createJob(id: id, parties: [], modelID: "m", modelName: "n", tasks: 4)
            let tasks = try stores.enumerated().map { i, store in
                try #require(try store.claimTask(owner: "w\(i)-\(round)", leaseSeconds: 60, maxAttempts: 3))
            }
            let completed = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 4) { i in
                if (try? stores[i].completeTask(tasks[i], customers: 4, scored: 4, rejectedRows: 0, resultPath: "/r"))
                    == true
                {
                    completed.add(1, ordering: .relaxed)
                }
            }
            let count = completed.load(ordering: .relaxed)
            #expect(count == 4)
            let job = try #require(try stores[0].job(id))
            #expect(job.state == .done)
            #expect(job.tasksDone == 4)
            #expect(try stores[0].events(job: id).filter { $0.kind == "done" }.count == 1)
        }
    }

    /// The only task of a job ends the job with it (a store may do so in one statement): the job's figures, its
    /// events in order, and a completion after an operator failed the job refused.
    @Test(arguments: Backend.allCases)
    func completeTask_ofAJobsOnlyTaskEndsTheJobWithItsFigures(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        try store.createJob(id: "one", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3))
        #expect(try store.completeTask(task, customers: 7, scored: 6, rejectedRows: 1, resultPath: "/r/one"))
        let job = try #require(try store.job("one"))
        #expect(job.state == .done && job.tasksDone == 1 && job.finishedAt != nil)
        #expect(job.customers == 7 && job.scored == 6 && job.rejectedRows == 1 && job.error == nil)
        #expect(try store.doneResultPaths().map(\.path) == ["/r/one"])
        #expect(try store.events(job: "one").map(\.kind) == ["queued", "claimed", "task_done", "done"])
        try store.createJob(id: "two", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let cut = try #require(try store.claimTask(owner: "v", leaseSeconds: 60, maxAttempts: 3))
        #expect(try store.failJob("two", reason: "operator"))
        #expect(try store.completeTask(cut, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r/two") == false)
        #expect(try store.job("two")?.state == .failed)
    }

    /// Ingest's record of a scan's batches: each job recorded as `createJob` records it, in the order given, and
    /// each refusal answered for its job alone (an existing id, a job pinned to a removed model), the others recorded.
    @Test(arguments: Backend.allCases)
    func createJobs_recordsInOrderAndRefusesEachJobAlone(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        let removed = String(repeating: "e", count: 64)
        try store.registerModel(
            id: removed, name: "old", fileName: "f", version: nil, owner: nil, purpose: nil, path: "/m", actor: "ana")
        try store.removeModel(removed, actor: "ana")
        try store.createJob(id: "b", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let model = JobModel(id: "m", name: "n")
        func job(_ id: String, _ model: JobModel, tasks: [TaskSpec] = [TaskSpec(stage: 0, part: 0)]) -> NewJob {
            NewJob(id: id, parties: ["p"], model: model, modelPath: nil, shards: nil, held: true, tasks: tasks)
        }
        let split = [TaskSpec(stage: 0, part: 0), TaskSpec(stage: 1, part: 0)]
        let refusals = store.createJobs([
            job("c", model, tasks: split), job("b", model), job("x", JobModel(id: removed, name: "old")),
            job("a", model),
        ])
        #expect(refusals.map { $0?.code } == [nil, .constraint, .notFound, nil])
        #expect(try store.job("x") == nil)
        #expect(try store.heldJobs() == ["c", "a"])
        #expect(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3)?.jobID == "b")
        #expect(try store.releaseHeldJobs(["a", "c", "b", "x"]) == ["a", "c"])
        #expect(try store.releaseHeldJobs(["a"]).isEmpty)
        // In the order recorded; c's second stage waits for its first.
        var order: [String] = []
        while let task = try store.claimTask(owner: "w\(order.count)", leaseSeconds: 60, maxAttempts: 3) {
            order.append("\(task.jobID)/\(task.stage)")
        }
        #expect(order == ["c/0", "a/0"])
        #expect(try store.events(job: "a").map(\.kind) == ["queued", "accepted", "claimed"])
        #expect(try store.job("c")?.tasksTotal == 2)
        #expect(store.createJobs([]).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func metricsAndDurations_countWhatTheStoreHolds(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        for i in 0..<3 { try store.createJob(id: "j\(i)", parties: [], modelID: "m", modelName: "n", tasks: 1) }
        try store.recordRejected(id: "r", parties: [], reason: "bad")
        for i in 0..<2 {
            let task = try #require(try store.claimTask(owner: "w\(i)", leaseSeconds: 60, maxAttempts: 3))
            #expect(try store.completeTask(task, customers: 10, scored: 9, rejectedRows: 1, resultPath: "/r\(i)"))
        }
        try store.heartbeat(worker: "w")
        let m = try store.metrics()
        #expect(m.jobs == ["done": 2, "queued": 1, "rejected": 1])
        #expect(m.tasks == ["done": 2, "queued": 1])
        #expect(m.scored == 18 && m.rejectedRows == 2 && m.liveWorkers == 1)
        let durations = try store.doneDurations(bounds: [0.000_001, 3600])
        #expect(durations.count == 2 && durations.counts.reduce(0, +) == 2 && durations.counts[2] == 0)
        #expect(try store.doneResultPaths().map(\.path).sorted() == ["/r0", "/r1"])
        #expect(try store.jobs(state: .queued, limit: 10).map(\.id) == ["j2"])
    }

    @Test(arguments: Backend.allCases)
    func completeTask_againBySameClaimAnswersTrueAndRecordsOnce(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        try store.createJob(id: "j", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3))
        #expect(try store.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r/w"))
        #expect(try store.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r/w"))
        #expect(try store.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r/other") == false)
        #expect(try store.events(job: "j").filter { $0.kind == "task_done" }.count == 1)
    }

    /// Workers on their own connections drain split jobs while some fail and some hand tasks back: every task ends
    /// done by exactly one completion.
    @Test(arguments: Backend.allCases)
    func manyWorkers_drainSplitJobsWithFailuresAndNothingIsDoneTwice(_ backend: Backend) throws {
        let place = try StorePlace(backend)
        let setup = try place.open("ingest")
        let plan = TaskPlan.tasks(parties: 2, buckets: 3)
        for i in 0..<12 {
            try setup.createJob(id: "s\(i)", parties: ["a", "b"], modelID: "m", modelName: "n", tasks: plan)
        }
        let stores = try (0..<4).map { try place.open("w\($0)") }
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let store = stores[i]
            var random = SplitMix64(state: UInt64(i + 1))
            var idle = 0
            while idle < 50 {
                guard
                    let task = try? store.claimTask(owner: "w\(i)-\(random.next())", leaseSeconds: 60, maxAttempts: 100)
                else {
                    idle += 1
                    usleep(2_000)
                    continue
                }
                idle = 0
                switch random.next() % 6 {
                case 0: _ = try? store.failTask(task, reason: "transient", retryAfter: 0, maxAttempts: 100)
                case 1: try? store.releaseTask(task, reason: "stopping")
                default:
                    _ = try? store.completeTask(
                        task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r/\(task.owner)")
                }
            }
        }
        for i in 0..<12 {
            let id = "s\(i)"
            #expect(try setup.job(id)?.state == .done, "\(id)")
            #expect(try setup.taskStates(job: id) == Array(repeating: "done", count: plan.count))
            let done = try setup.events(job: id).filter { $0.kind == "task_done" }.count
            #expect(done == plan.count, "one completion per task of \(id)")
        }
    }

    /// A completion that is not a job's last (its stage's tasks or an earlier stage) leaves the job running with the
    /// count of its done tasks, and only the last one ends it, with one `done` event.
    @Test(arguments: Backend.allCases)
    func completeTask_ofAStageCountsAndOnlyTheLastEndsTheJob(_ backend: Backend) throws {
        let store = try StorePlace(backend).open()
        let plan = TaskPlan.tasks(parties: 2, buckets: 2)
        try store.createJob(id: "s", parties: ["a", "b"], modelID: "m", modelName: "n", tasks: plan)
        for done in 1...plan.count {
            let task = try #require(try store.claimTask(owner: "w\(done)", leaseSeconds: 60, maxAttempts: 3))
            #expect(try store.completeTask(task, customers: 7, scored: 6, rejectedRows: 1, resultPath: "/r\(done)"))
            let job = try #require(try store.job("s"))
            #expect(job.tasksDone == done)
            #expect(job.state == (done == plan.count ? .done : .running))
        }
        #expect(try store.claimTask(owner: "late", leaseSeconds: 60, maxAttempts: 3) == nil)
        #expect(try store.job("s")?.scored == 6)
        #expect(try store.events(job: "s").filter { $0.kind == "done" }.count == 1)
    }
}

/// What only a server database does: reconnect, notify, keep passwords out of URLs.
@Suite struct PostgresStoreTests {
    /// A queue recorded before `pg4-claim-reads-tasks` (no `waiting`, no task model, the old index) is upgraded in
    /// place: a held job stays unclaimable until released, a split job's later stages wait for the earlier ones, and
    /// a model excluded by a worker is excluded through the copied model.
    @Test func upgrade_toClaimsThatReadTasksAloneKeepsTheRulesOfALiveQueue() throws {
        let place = try StorePlace(.postgres)
        let store = try place.open()
        try store.createJob(
            id: "held", parties: ["a"], modelID: "m", modelName: "n", held: true, tasks: [TaskSpec(stage: 0, part: 0)])
        try store.createJob(
            id: "split", parties: ["a", "b"], modelID: "m", modelName: "n",
            tasks: TaskPlan.tasks(parties: 2, buckets: 2))
        try store.createJob(id: "other", parties: ["a"], modelID: "x", modelName: "n", tasks: 1)
        let first = try #require(try store.claimTask(owner: "w0", leaseSeconds: 60, maxAttempts: 3))
        #expect(first.jobID == "split" && first.stage == TaskPlan.Stage.partition.rawValue)
        #expect(try store.completeTask(first, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r0"))
        // The schema as pg3 left it, the queue's rows kept.
        try place.execute(
            """
            DROP INDEX tasks_claimable; ALTER TABLE tasks DROP COLUMN waiting, DROP COLUMN model_id;
            CREATE INDEX tasks_live ON tasks(job_seq, seq) WHERE state IN ('queued', 'running');
            DELETE FROM migrations WHERE name = 'pg4-claim-reads-tasks'
            """)
        let upgraded = try place.open("upgraded")
        var order: [String] = []
        while let task = try upgraded.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3, excludingModels: ["x"]) {
            order.append("\(task.jobID):\(task.stage)")
            #expect(try upgraded.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r"))
        }
        #expect(order == ["split:1", "split:2", "split:2", "split:3"])
        #expect(try upgraded.job("split")?.state == .done)
        #expect(try upgraded.releaseHeldJob("held"))
        #expect(
            try upgraded.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3, excludingModels: ["x"])?.jobID
                == "held")
        #expect(try upgraded.claimTask(owner: "w", leaseSeconds: 60, maxAttempts: 3)?.jobID == "other")
    }

    @Test func statement_afterTheServerDroppedTheConnectionReconnects() throws {
        let place = try StorePlace(.postgres)
        let store = try place.open("victim")
        try store.createJob(id: "before", parties: [], modelID: "m", modelName: "n", tasks: 1)
        try PostgresTestServer.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vfl victim'")
        try store.createJob(id: "after", parties: [], modelID: "m", modelName: "n", tasks: 1)
        #expect(try store.jobs(limit: 10).map(\.id).sorted() == ["after", "before"])
    }

    /// A completion sent with the next claim, cut off by the loss of its connection while it waits for the job's row
    /// (another session holds it): run again on a new connection, the task is completed once and no claim is made
    /// (the worker claims in its loop), so no task is left running under an owner nobody has.
    @Test func completeTaskThenClaim_cutOffIsRunAgainWithoutASecondClaim() throws {
        let place = try StorePlace(.postgres)
        let name = "cut-" + UUID().uuidString.prefix(8).lowercased()
        let store = try place.open(name)
        try store.createJob(id: "a", parties: [], modelID: "m", modelName: "n", tasks: 1)
        try store.createJob(id: "b", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w-1", leaseSeconds: 60, maxAttempts: 3))
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "psql", "-q", place.location, "-c",
            "BEGIN; SELECT id FROM jobs WHERE id = 'a' FOR UPDATE; SELECT pg_sleep(300)",
        ]
        holder.environment = ProcessInfo.processInfo.environment.merging(["PGAPPNAME": name + "-holder"]) { $1 }
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice  // its connection is terminated below, which psql reports
        try holder.run()
        defer { holder.terminate() }
        func waiting(_ application: String, on event: String) throws -> Bool {
            let out = try captureCommand(
                "psql", "-tAq", PostgresTestServer.url, "-c",
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(application)' AND wait_event = '\(event)'"
            )
            return out.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }
        func waitFor(_ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(60)
            while try !condition() && Date() < deadline { usleep(20_000) }
            #expect(try condition())
        }
        try waitFor { try waiting(name + "-holder", on: "PgSleep") }
        let answer = Mutex<(completed: Bool, next: ClaimedTask?)?>(nil)
        let thread = Thread {
            let result = try? store.completeTask(
                task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r",
                thenClaim: ClaimRequest(owner: "w-2", leaseSeconds: 60, maxAttempts: 3))
            answer.withLock { $0 = result }
        }
        thread.start()
        try waitFor { try waiting("vfl " + name, on: "transactionid") || waiting("vfl " + name, on: "tuple") }
        try PostgresTestServer.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vfl \(name)'")
        try PostgresTestServer.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(name)-holder'")
        try waitFor { answer.withLock { $0 != nil } }
        let result = answer.withLock { $0 }
        #expect(result?.completed == true)
        #expect(result?.next == nil)
        #expect(try store.job("a")?.state == .done)
        #expect(try store.events(job: "a").map(\.kind) == ["queued", "claimed", "task_done", "done"])
        #expect(try store.runningOwners().isEmpty)
        #expect(try store.claimTask(owner: "w-3", leaseSeconds: 60, maxAttempts: 3)?.jobID == "b")
    }

    /// A completion whose `COMMIT` itself fails (here a deferred constraint trigger; in production a full notification
    /// queue) ends its transaction, so the claim sent after it runs: it is handed back, not left running under an owner
    /// nobody has, and the completion's error is what the caller sees.
    @Test func completeTaskThenClaim_failedCommitLeavesNoClaim() throws {
        let place = try StorePlace(.postgres)
        let store = try place.open()
        try store.createJob(id: "a", parties: [], modelID: "m", modelName: "n", tasks: 1)
        try store.createJob(id: "b", parties: [], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w-1", leaseSeconds: 60, maxAttempts: 3))
        try place.execute(
            """
            CREATE FUNCTION refuse_done() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.kind = 'task_done' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NEW; END $$;
            CREATE CONSTRAINT TRIGGER refuse_done AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION refuse_done();
            """)
        #expect(throws: StoreError.self) {
            try store.completeTask(
                task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r",
                thenClaim: ClaimRequest(owner: "w-2", leaseSeconds: 60, maxAttempts: 3))
        }
        #expect(try store.runningOwners() == ["w-1"])
        #expect(try store.job("a")?.state == .running)
        let b = try #require(try store.claimTask(owner: "w-3", leaseSeconds: 60, maxAttempts: 3))
        #expect(b.jobID == "b" && b.attempt == 1)
    }

    /// A transaction sent as one pipeline whose statement fails (here the job's unique insert) is rolled back and
    /// leaves the connection out of pipeline mode and out of the failed transaction: the next ones work.
    @Test func pipelinedTransaction_afterAFailedStatementLeavesTheConnectionUsable() throws {
        let store = try StorePlace(.postgres).open()
        try store.createJob(id: "a", parties: [], modelID: "m", modelName: "n", tasks: 1)
        for _ in 0..<3 {
            #expect { try store.createJob(id: "a", parties: [], modelID: "m", modelName: "n", tasks: 1) } throws: {
                ($0 as? StoreError)?.code == .constraint
            }
        }
        try store.createJob(id: "b", parties: [], modelID: "m", modelName: "n", tasks: 1)
        for id in ["a", "b"] {
            let task = try #require(try store.claimTask(owner: "w-\(id)", leaseSeconds: 60, maxAttempts: 3))
            #expect(task.jobID == id)
            #expect(try store.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: "/r/\(id)"))
            #expect(try store.job(id)?.state == .done)
        }
        #expect(try store.events(job: "a").map(\.kind) == ["queued", "claimed", "task_done", "done"])
    }

    @Test func waitForWork_returnsWhenAnotherProcessQueuesAJob() throws {
        let place = try StorePlace(.postgres)
        var options = PostgresStore.Options()
        options.idlePollSeconds = 600
        let worker = try place.open("idle", options: options)
        worker.waitForWork(seconds: 0.01)  // subscribes (and waits out whatever came before)
        let woke = Atomic<Bool>(false)
        let thread = Thread {
            worker.waitForWork(seconds: 0.01)
            woke.store(true, ordering: .relaxed)
        }
        thread.start()
        let ingest = try place.open("ingest")
        // Until the waiting thread wakes (a generous bound: it would otherwise sleep ten minutes).
        var jobs = 0
        let deadline = Date().addingTimeInterval(60)
        while !woke.load(ordering: .relaxed) && Date() < deadline {
            try ingest.createJob(id: "j\(jobs)", parties: [], modelID: "m", modelName: "n", tasks: 1)
            jobs += 1
            usleep(200_000)
        }
        let wokeUp = woke.load(ordering: .relaxed)
        #expect(wokeUp)
    }

    @Test func password_fromTheOptionsOpensARoleThatNeedsOne() throws {
        let (url, password) = try PostgresTestServer.passwordRole()
        #expect {
            try PostgresStore(url: url, process: "no-password")
        } throws: { error in
            (error as? StoreError)?.code == .unavailable && !"\(error)".contains(password)
        }
        let store = try PostgresStore(url: url, process: "with-password", options: .init(password: password))
        try store.createJob(id: "j", parties: [], modelID: "m", modelName: "n", tasks: 1)
        #expect(try store.job("j")?.state == .queued)
    }

    @Test func url_withAPasswordIsRefusedWithoutShowingIt() throws {
        for url in [
            "postgres://vfl:hunter2@db/vfl", "postgresql://db/vfl?sslmode=require&password=hunter2",
            "postgres://vfl:hunter2?x@db/vfl", "postgres://db/vfl?%70assword=hunter2",
        ] {
            #expect {
                try PostgresURL.check(url)
            } throws: { error in
                "\(error)".contains("PGPASSWORD") && !"\(error)".contains("hunter2")
            }
        }
        try PostgresURL.check("postgres://vfl@db:5432/vfl?sslmode=verify-full")
        try PostgresURL.check("postgres://vfl@/vfl?host=/run/postgresql")
    }
}
