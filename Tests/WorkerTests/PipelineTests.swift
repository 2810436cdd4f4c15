import Core
import Fixtures
import Foundation
import Model
import Spool
import Store
import Testing
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// The pipeline with real processes, files and SQLite: `vfl ingest` and `vfl worker` on a temporary spool.
@Suite(.serialized) struct PipelineTests {
    let temp = TemporaryDirectory()
    let modelText = RandomModel.json(seed: 42, parties: RandomModel.fourParties, top: [8, 4])
    var spool: Spool { Spool(root: temp.file("spool")) }
    var modelPath: String { temp.file("model.json") }

    init() throws {
        try modelText.write(toFile: temp.file("model.json"), atomically: true, encoding: .utf8)
        try Spool(root: temp.file("spool")).create()
    }

    var model: SplitModel { try! SplitModel(bytes: Array(modelText.utf8)) }

    func start(
        _ role: String, _ extra: [String] = [], environment: [String: String] = [:], errorLog: String? = nil,
        model: String? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = [role, "--spool", spool.root, "--model", model ?? modelPath] + extra
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["VFL_LOG_LEVEL": "error", "VFL_THREADS": "1"].merging(environment) { $1 }
        ) { $1 }
        if let errorLog {
            _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: errorLog)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Writes a batch into a staging folder, then drops it the protocol's way: shards as .part renamed, manifest last.
    ///
    /// - Parameter edit: Rewrites the lines of a shard (header first) before the drop: `(party, lines) -> lines`.
    @discardableResult
    func drop(
        _ id: String, customers: Int, seed: UInt64, spoil: Bool = false, manifest: String? = nil, from: String? = nil,
        edit: (String, [String]) -> [String] = { $1 }
    ) throws -> String {
        let staging = from ?? temp.file("staging/\(id)")
        if from == nil { _ = try TestBatch.write(directory: staging, model: model, customers: customers, seed: seed) }
        for party in model.parties.map(\.name) where from == nil {
            let path = staging + "/\(party).csv"
            var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            if spoil && party == "home_loans" {
                // Two bad values in one shard (under the 1% reject limit).
                for line in [7, 30] { lines[line] = lines[line].replacingOccurrences(of: ".", with: "x") }
            }
            lines = edit(party, lines)
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        try dropStaged(id, staging: staging, parties: model.parties.map(\.name), manifest: manifest)
        return staging
    }

    /// Drops a batch folder's shards the protocol's way, with `manifest` (default: one for `id`).
    func dropStaged(_ id: String, staging: String, parties: [String], manifest: String? = nil) throws {
        try (manifest ?? Manifest(batch: id, parties: parties).jsonText).write(
            toFile: staging + "/manifest.json", atomically: true, encoding: .utf8)
        let target = spool.inbox + "/" + id
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for party in parties {
            try FileManager.default.copyItem(atPath: staging + "/\(party).csv", toPath: target + "/\(party).csv.part")
            try FileIO.rename(target + "/\(party).csv.part", to: target + "/\(party).csv")
        }
        try FileManager.default.copyItem(atPath: staging + "/manifest.json", toPath: target + "/manifest.json.part")
        try FileIO.rename(target + "/manifest.json.part", to: target + "/manifest.json")
    }

    /// What `vfl score` writes for a batch folder: `file` (scores.csv, rejects.csv) of its results.
    func expected(_ staging: String, _ file: String = "scores.csv", model: String? = nil) throws -> Data {
        let out = temp.file("expected-\(UUID().uuidString)/scores.csv")
        try FileManager.default.createDirectory(atPath: FileIO.directory(of: out), withIntermediateDirectories: true)
        // The binary, not the library in this process: it picks the same BLAS kernel the workers pick.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["score", staging, "--out", out, "--model", model ?? modelPath, "--threads", "1"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: URL(fileURLWithPath: FileIO.directory(of: out) + "/" + file))
    }

    func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// SIGKILLs a random worker every 0.05-0.4 s and starts a new one, until the jobs are settled (or 90 s).
    ///
    /// - Returns: The number of kills.
    func killAtRandom(
        _ workers: inout [Process], until ids: [String], store: any JobStore, restart: [String]
    ) throws -> Int {
        var kills = 0
        let deadline = Date().addingTimeInterval(90)
        while try !terminal(store, ids) && Date() < deadline {
            usleep(UInt32.random(in: 50_000...400_000))
            let victim = Int.random(in: 0..<workers.count)
            kill(workers[victim].processIdentifier, SIGKILL)
            workers[victim].waitUntilExit()
            kills += 1
            workers[victim] = try start("worker", restart)
        }
        return kills
    }

    /// Whether every job ended and its folders are in their final place (``settled(_:_:)``): a job's state is
    /// recorded before its results are published, so a test that reads them waits for both.
    func terminal(_ store: any JobStore, _ ids: [String]) throws -> Bool {
        try ids.allSatisfy { try settled($0, store) }
    }

    @Test func pipeline_scoresDroppedBatchesExactlyAsVflScoreAndRefusesHostileEntries() throws {
        let ingest = try start("ingest")
        let workers = try (0..<2).map { _ in try start("worker", ["--lease", "3"]) }
        defer {
            for p in [ingest] + workers where p.isRunning { p.terminate() }
        }
        var stagings: [String: String] = [:]
        for i in 0..<4 { stagings["good-\(i)"] = try drop("good-\(i)", customers: 400 + 100 * i, seed: UInt64(i)) }
        // Hostile entries: a symlink, a FIFO, a bad name, a shard that is a symlink, a hard-linked shard.
        try FileManager.default.createSymbolicLink(atPath: spool.inbox + "/link", withDestinationPath: "/etc")
        mkfifo(spool.inbox + "/fifo", 0o644)
        try FileManager.default.createDirectory(atPath: spool.inbox + "/bad name!", withIntermediateDirectories: true)
        let sneaky = try drop("sneaky", customers: 50, seed: 9)
        _ = sneaky
        try FileManager.default.removeItem(atPath: spool.inbox + "/sneaky/credit_card.csv")
        try FileManager.default.createSymbolicLink(
            atPath: spool.inbox + "/sneaky/credit_card.csv", withDestinationPath: "/etc/passwd")
        try drop("linked", customers: 50, seed: 10)
        try FileManager.default.linkItem(
            atPath: spool.inbox + "/linked/auto_loans.csv", toPath: temp.file("outside.csv"))

        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        let ids = Array(stagings.keys) + ["link", "fifo", "sneaky", "linked"]
        #expect(try waitUntil(seconds: 60) { try terminal(store, ids) })
        for (id, staging) in stagings {
            #expect(try store.job(id)?.state == .done)
            let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/\(id)/scores.csv"))
            #expect(published == (try expected(staging)), "\(id)")
            #expect(FileManager.default.fileExists(atPath: spool.results + "/\(id)/summary.json"))
        }
        for id in ["link", "fifo", "sneaky", "linked"] {
            #expect(try store.job(id)?.state == .rejected, "\(id)")
        }
        #expect(try store.job("sneaky")?.error?.contains("symbolic link") == true)
        #expect(try store.job("linked")?.error?.contains("hard links") == true)
        #expect(FileManager.default.fileExists(atPath: spool.rejected + "/sneaky/error.json"))
        #expect(
            try store.jobs(state: .rejected, limit: 100).contains { $0.error?.contains("not a valid batch id") == true }
        )
        // /etc/passwd was never read: nothing of it reached any file the pipeline wrote.
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8).split(separator: "\n").first.map(
            String.init)
        for case let relative as String in FileManager.default.enumerator(atPath: spool.root)! {
            let path = spool.root + "/" + relative
            let type = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
            guard type == .typeRegular, !relative.hasSuffix(".sqlite-wal"), let passwd,
                let text = try? String(contentsOfFile: path, encoding: .utf8)
            else { continue }
            #expect(!text.contains(passwd), "\(relative)")
        }
        // A duplicate drop of a done batch is refused and kept.
        try drop("good-0", customers: 10, seed: 99)
        #expect(
            try waitUntil(seconds: 20) { try store.events(job: "good-0").contains { $0.kind == "duplicate_rejected" } })
        #expect(try store.job("good-0")?.state == .done)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func pipeline_filesWrittenInPlaceAreNotReadHalfWritten() throws {
        let ingest = try start("ingest")
        let worker = try start("worker")
        defer { for p in [ingest, worker] where p.isRunning { p.terminate() } }
        let staging = temp.file("staging/slow")
        _ = try TestBatch.write(directory: staging, model: model, customers: 300, seed: 5)
        let target = spool.inbox + "/slow"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for party in model.parties.map(\.name) {
            try FileManager.default.copyItem(atPath: staging + "/\(party).csv", toPath: target + "/\(party).csv")
        }
        // The manifest written in place, in two halves with a pause: never read half-written.
        let manifest = Array(Manifest(batch: "slow", parties: model.parties.map(\.name)).jsonText.utf8)
        #expect(FileManager.default.createFile(atPath: target + "/manifest.json", contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: target + "/manifest.json"))
        handle.write(Data(manifest[0..<manifest.count / 2]))
        usleep(300_000)
        handle.write(Data(manifest[(manifest.count / 2)...]))
        try handle.close()
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 30) { try terminal(store, ["slow"]) })
        #expect(try store.job("slow")?.state == .done)
    }

    @Test func pipeline_poisonBatchFailsAfterMaxAttemptsWhileOthersComplete() throws {
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        try drop("poison", customers: 100, seed: 1)
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 20) { try store.job("poison") != nil })
        // After ingest accepted it, its shard turns into something unreadable: every attempt fails.
        let shard = spool.batches + "/poison/home_loans.csv"
        try FileManager.default.removeItem(atPath: shard)
        try FileManager.default.createDirectory(atPath: shard, withIntermediateDirectories: true)
        let worker = try start("worker", ["--max-attempts", "2"])
        defer { if worker.isRunning { worker.terminate() } }
        let staging = try drop("healthy", customers: 200, seed: 2)
        #expect(try waitUntil(seconds: 40) { try terminal(store, ["poison", "healthy"]) })
        #expect(try store.job("healthy")?.state == .done)
        // A shard that changed after acceptance fails its job at once, with the reason.
        let poison = try #require(try store.job("poison"))
        #expect(poison.state == .failed)
        #expect(poison.attempts == 1)
        #expect(poison.error?.contains("changed after the batch was accepted") == true)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: spool.results + "/healthy/scores.csv")) == expected(staging)
        )
    }

    @Test func pipeline_survivesWorkersKilledAtRandom() throws {
        let ingest = try start("ingest")
        var workers = try (0..<3).map { _ in try start("worker", ["--lease", "2"]) }
        defer { for p in [ingest] + workers where p.isRunning { p.terminate() } }
        var stagings: [String: String] = [:]
        for i in 0..<8 {
            stagings["crash-\(i)"] = try drop("crash-\(i)", customers: 3000 + 500 * i, seed: UInt64(100 + i))
        }
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        let kills = try killAtRandom(&workers, until: Array(stagings.keys), store: store, restart: ["--lease", "2"])
        #expect(kills > 0)
        print("pipeline crash test: \(kills) workers killed with SIGKILL")
        for (id, staging) in stagings {
            #expect(try store.job(id)?.state == .done, "\(id)")
            let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/\(id)/scores.csv"))
            #expect(published == (try expected(staging)), "\(id)")
        }
        #expect(try store.integrityCheck() == "ok")
        for p in [ingest] + workers {
            p.terminate()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "a stopped process exits 0 on SIGTERM")
        }
    }
}

extension PipelineTests {
    @Test func retry_queuesAFailedJobAgainAndReplacesItsPublishedExplanation() throws {
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        let staging = try drop("fixme", customers: 300, seed: 4)
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 20) { try store.job("fixme") != nil })
        // Break the accepted batch: a required column disappears; the job fails at once (bad data is not retried).
        let shard = spool.batches + "/fixme/credit_card.csv"
        let original = try String(contentsOfFile: shard, encoding: .utf8)
        try original.replacingOccurrences(of: "credit_card_f1", with: "oops").write(
            toFile: shard, atomically: true, encoding: .utf8)
        // The worker starts only now, so it sees the broken shard.
        let worker = try start("worker")
        defer { if worker.isRunning { worker.terminate() } }
        #expect(try waitUntil(seconds: 20) { try store.job("fixme")?.state == .failed && settled("fixme", store) })
        #expect(try store.job("fixme")?.attempts == 1)
        let explanation = try JSONValue(
            parsing: Data(contentsOf: URL(fileURLWithPath: spool.results + "/fixme/error.json")))
        // Changed after acceptance: caught before anything is scored.
        #expect(explanation["code"]?.string == "changed")
        #expect(try Spool.list(spool.result("fixme")) == ["error.json"])
        // The operator fixes the shard and retries (which records the shard's new identity).
        try original.write(toFile: shard, atomically: true, encoding: .utf8)
        let run = try CommandLineTests().vfl(["retry", "fixme", "--spool", spool.root])
        #expect(run.status == 0)
        #expect(try waitUntil(seconds: 20) { try store.job("fixme")?.state == .done && settled("fixme", store) })
        let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/fixme/scores.csv"))
        #expect(published == (try expected(staging)))
        #expect(try store.events(job: "fixme").map(\.kind).contains("retried"))
        #expect(try CommandLineTests().vfl(["retry", "fixme", "--spool", spool.root]).status == 1)
    }
}

extension PipelineTests {
    @Test func splitJobs_giveVflScoreBytesThroughKillsAndKeepRejects() throws {
        // A tiny memory bound splits every batch into partition, bucket and merge tasks.
        let ingest = try start("ingest", ["--memory-mb", "1"])
        var workers = try (0..<3).map { _ in try start("worker", ["--lease", "2", "--max-attempts", "50"]) }
        defer { for p in [ingest] + workers where p.isRunning { p.terminate() } }
        var stagings: [String: String] = [:]
        for i in 0..<3 {
            stagings["split-\(i)"] = try drop("split-\(i)", customers: 6000 + 1000 * i, seed: UInt64(200 + i))
        }
        // One batch with bad values: its rejects.csv must match vfl score's too.
        let spoiled = try drop("split-bad", customers: 4000, seed: 7, spoil: true)
        stagings["split-bad"] = spoiled
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 20) { try store.job("split-0") != nil })
        #expect(try store.job("split-0")!.tasksTotal > 3)
        let kills = try killAtRandom(
            &workers, until: Array(stagings.keys), store: store, restart: ["--lease", "2", "--max-attempts", "50"])
        print("split-job test: \(kills) workers killed with SIGKILL")
        for (id, staging) in stagings {
            let job = try store.job(id)
            #expect(job?.state == .done, "\(id): \(job?.error ?? "")")
            // A worker killed between recording the job done and publishing leaves the publish to recovery.
            #expect(waitUntil(seconds: 120) { spool.hasPublishedScores(id) }, "\(id) published")
            for file in ["scores.csv", "rejects.csv"] {
                let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/\(id)/\(file)"))
                #expect(published == (try expected(staging, file)), "\(id) \(file)")
            }
        }
        #expect(try readCSV(spool.results + "/split-bad/rejects.csv").count == 3)
        #expect(try store.integrityCheck() == "ok")
    }
}

extension PipelineTests {
    @Test func stoppedWorker_pastItsLeaseCannotRecordItsStaleResult() throws {
        let ingest = try start("ingest")
        defer { if ingest.isRunning { ingest.terminate() } }
        let staging = try drop("paused", customers: 40000, seed: 11)
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 20) { try store.job("paused") != nil })
        let first = try start("worker", ["--lease", "1"])
        defer { if first.isRunning { kill(first.processIdentifier, SIGCONT); first.terminate() } }
        // Freeze the first worker as soon as it holds the task, past its lease.
        #expect(try waitUntil(seconds: 20) { try store.events(job: "paused").contains { $0.kind == "claimed" } })
        kill(first.processIdentifier, SIGSTOP)
        usleep(1_500_000)
        let second = try start("worker", ["--lease", "5"])
        defer { if second.isRunning { second.terminate() } }
        #expect(try waitUntil(seconds: 60) { try store.job("paused")?.state == .done })
        // The first worker wakes up with a stale result: it must not record it.
        kill(first.processIdentifier, SIGCONT)
        usleep(2_000_000)
        let events = try store.events(job: "paused")
        #expect(events.filter { $0.kind == "task_done" }.count == 1)
        #expect(events.filter { $0.kind == "done" }.count == 1)
        #expect(events.contains { $0.kind == "lease_expired" })
        let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/paused/scores.csv"))
        #expect(published == (try expected(staging)))
    }
}

extension PipelineTests {
    @Test func splitJob_bankColumnNamedVflLineIsAnExtraColumnAndLinesStayRight() throws {
        // A bank column with the name the partition stage once used for its line numbers, full of garbage (an
        // overflowing number on the rows with bad values, where the line is reported), must change nothing.
        let garbage = ["-1", "abc", "", "0", "18446744073709551616", "-9223372036854775808", "1e300", "\"x,\"\"y\""]
        let staging = try drop("vfl-line", customers: 5000, seed: 31, spoil: true) { party, lines in
            guard party == "home_loans" || party == "auto_loans" else { return lines }
            return lines.enumerated().map { i, line in
                if i == 0 { return line + ",__vfl_line" }
                return line + "," + ([7, 30].contains(i) ? "9999999999999999999" : garbage[i % garbage.count])
            }
        }
        let ingest = try start("ingest", ["--memory-mb", "1"])
        let workers = try (0..<2).map { _ in try start("worker") }
        defer { for p in [ingest] + workers where p.isRunning { p.terminate() } }
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 60) { try terminal(store, ["vfl-line"]) })
        let job = try #require(try store.job("vfl-line"))
        #expect(job.state == .done, "\(job.error ?? "")")
        #expect(job.tasksTotal > 3, "a split job")
        // The same bytes as `vfl score` on the batch as dropped.
        for file in ["scores.csv", "rejects.csv"] {
            let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/vfl-line/\(file)"))
            #expect(published == (try expected(staging, file)), "\(file)")
        }
        // The rejects name the rows' own lines (the 8th and 31st of the shard).
        let rejects = try readCSV(spool.results + "/vfl-line/rejects.csv").dropFirst()
        #expect(rejects.allSatisfy { $0[1] == "home_loans" })
        #expect(Set(rejects.map { $0[2] }) == ["8", "31"])
        let summary = try JSONValue(
            parsing: Data(contentsOf: URL(fileURLWithPath: spool.results + "/vfl-line/summary.json")))
        for party in ["home_loans", "auto_loans"] {
            let extra = summary["parties"]?[party]?["extra_columns"]?.array?.compactMap(\.string) ?? []
            #expect(extra.contains("__vfl_line"), "\(party)")
        }
    }
}

extension PipelineTests {
    @Test func splitJob_rejectsValuesOutOfRangeAndOverflowsAsVflScoreDoes() throws {
        let rangeModel = temp.file("range-model.json")
        try RangeBatch.modelText.write(toFile: rangeModel, atomically: true, encoding: .utf8)
        let staging = temp.file("staging/range-split")
        let rowLines = try RangeBatch.write(
            directory: staging, customers: 12000, hostile: RangeBatch.hostile, ingestable: true)
        try dropStaged("range-split", staging: staging, parties: ["bank", "other"])
        let ingest = try start("ingest", ["--memory-mb", "1"], model: rangeModel)
        let workers = try (0..<2).map { _ in try start("worker", model: rangeModel) }
        defer { for p in [ingest] + workers where p.isRunning { p.terminate() } }
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        #expect(try waitUntil(seconds: 60) { try terminal(store, ["range-split"]) })
        let job = try #require(try store.job("range-split"))
        #expect(job.state == .done, "\(job.error ?? "")")
        #expect(job.tasksTotal > 3, "a split job")
        for file in ["scores.csv", "rejects.csv"] {
            let published = try Data(contentsOf: URL(fileURLWithPath: spool.results + "/range-split/\(file)"))
            #expect(published == (try expected(staging, file, model: rangeModel)), "\(file)")
        }
        let expectedRejects = RangeBatch.expectedRejects(RangeBatch.hostile, lines: rowLines)
        #expect(Array(try readCSV(spool.results + "/range-split/rejects.csv").dropFirst()) == expectedRejects)
        let summary = try JSONValue(
            parsing: Data(contentsOf: URL(fileURLWithPath: spool.results + "/range-split/summary.json")))
        #expect(summary["rejected_customers"]?.int == expectedRejects.count)
        #expect(summary["scored"]?.int == (summary["customers"]?.int ?? 0) - expectedRejects.count)
    }
}
