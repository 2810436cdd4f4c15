import Core
import Fixtures
import Foundation
import Model
import Spool
import Store
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every failpoint, in every stage, as a crash and as an I/O error: after a restart without failpoints the job ends,
/// a done job's results equal `vfl score`'s bytes, `results/` holds only result files, no task of an ended job is
/// left queued or running, and the batch is neither lost nor duplicated. (Failpoints exist in debug builds, which
/// the tests run.)
extension PipelineTests {
    /// Where a case's batch goes through the pipeline.
    enum Stage: String, CaseIterable, CustomTestStringConvertible {
        /// One task scores the whole batch.
        case whole
        /// Partition, bucket and merge tasks (a tiny memory bound).
        case split
        /// Split, and shadowed by a challenger (the `challenger` alias): every model's results and the comparison
        /// are checked.
        case shadowed
        /// Ingest rejects the batch (its manifest names a party the model lacks).
        case rejected

        var testDescription: String { rawValue }

        var failpoints: [String] {
            let ingest = [
                "ingest.accept.before-record", "ingest.accept.after-record", "spool.accept.before-rename",
                "spool.accept.after-rename", "ingest.accept.before-release",
            ]
            let worker = [
                "worker.claimed", "results.written.before-rename", "worker.scored.before-verify",
                "worker.completed.before-publish", "spool.publish.before-rename", "spool.publish.after-rename",
            ]
            switch self {
            case .whole: return ingest + worker
            case .split, .shadowed:
                return ingest + worker + [
                    "worker.partition.before-rename", "worker.bucket.before-rename", "worker.merge.after-rejects",
                    "file.written.before-rename",
                ]
            case .rejected:
                return ["spool.reject.before-rename", "ingest.reject.before-error-json", "file.written.before-rename"]
            }
        }
    }

    /// One failpoint of one stage, acting as `action` on its first hit.
    struct FaultCase: CustomTestStringConvertible, Sendable {
        var stage: Stage
        var failpoint: String
        var action: String
        var testDescription: String { "\(stage.rawValue): \(failpoint)=\(action)" }
    }

    static let faultCases: [FaultCase] = Stage.allCases.flatMap { stage in
        stage.failpoints.flatMap { point in
            // A shadowed job adds the challenger's files to the same steps: a crash at each is the new case.
            (stage == .shadowed ? ["crash"] : ["crash", "error"]).map {
                FaultCase(stage: stage, failpoint: point, action: $0)
            }
        }
    }

    @Test(arguments: PipelineTests.faultCases)
    func failpoint_endsInAConsistentStateAfterRecovery(_ fault: FaultCase) throws {
        let id = "fault"
        let split = fault.stage == .split || fault.stage == .shadowed
        let ingestArguments = split ? ["--memory-mb", "1"] : []
        let workerArguments = ["--lease", "2", "--max-attempts", "20"]
        let armed = ["VFL_FAILPOINTS": "\(fault.failpoint)=\(fault.action)@1"]
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        // A shadowed job's registry is set up before the roles start (a failpoint may stop ingest's own startup).
        var challenger: String?
        if fault.stage == .shadowed {
            let path = try otherModel("challenger", seed: 12)
            for command in [
                ["model", "add", modelPath, "--name", "credit"], ["model", "alias", "set", "champion", "credit@1"],
                ["model", "add", path, "--name", "next"], ["model", "alias", "set", "challenger", "next@1"],
            ] {
                let result = try vfl(command)
                #expect(result.status == 0, "\(command): \(result.output)")
            }
            challenger = path
        }
        // Phase 1: the roles run with the failpoint armed, until the job ends or a process dies.
        let logs = [temp.file("ingest.log"), temp.file("worker.log")]
        var processes = [
            try start("ingest", ingestArguments, environment: armed, errorLog: logs[0]),
            try start("worker", workerArguments, environment: armed, errorLog: logs[1]),
        ]
        let staging = try drop(
            id, customers: split ? 6000 : 300, seed: 11,
            manifest: fault.stage == .rejected ? #"{"batch": "fault", "parties": ["auto_loans", "no_such_bank"]}"# : nil
        )
        _ = try waitUntil(seconds: 30) {
            try settled(id, store) || processes.contains { !$0.isRunning }
        }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes { process.waitUntilExit() }
        // The case is real only if the failpoint was reached.
        let said = try logs.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        #expect(
            said.contains("failpoint \(fault.failpoint): \(fault.action)"), "\(fault.testDescription) was not reached")
        // Phase 2: restarted without failpoints, recovery finishes what was left.
        processes = [try start("ingest", ingestArguments), try start("worker", workerArguments)]
        defer { for process in processes where process.isRunning { process.terminate() } }
        let ended = try waitUntil(seconds: 60) { try settled(id, store) }
        #expect(ended, "\(fault.testDescription): the job ended and its folders settled")
        try checkInvariants(id, staging: staging, store: store, fault: fault)
        if let challenger { try checkShadowed(id, staging: staging, challenger: challenger, fault: fault) }
    }

    /// A shadowed job's challenger results and comparison are `vfl score --challenger`'s bytes.
    func checkShadowed(_ id: String, staging: String, challenger: String, fault: FaultCase) throws {
        let label = Comment(rawValue: fault.testDescription)
        let challengerID = try SplitModel.load(path: challenger).id
        let published = spool.result(id)
        let reference = try expectedShadow(staging, challengers: [challenger])
        for file in [
            "comparison.json", "challengers/\(challengerID)/scores.csv", "challengers/\(challengerID)/rejects.csv",
        ] {
            #expect(
                try bytes(published + "/" + file) == (try bytes(reference + "/" + file)),
                "\(fault.testDescription): \(file)")
        }
        #expect(!FileIO.exists(published + "/challengers/\(challengerID)/error.json"), label)
    }

    /// The job's folders are in their final place: results published (or explained), no work left.
    func settled(_ id: String, _ store: any JobStore) throws -> Bool {
        guard let job = try store.job(id) else { return false }
        let work = (try Spool.list(spool.work)).filter { Spool.jobOfWorkEntry($0) == id }
        switch job.state {
        case .done: return spool.hasPublishedScores(id) && work.isEmpty
        case .failed: return FileIO.exists(spool.result(id) + "/error.json") && work.isEmpty
        case .rejected:
            // A folder holds its explanation; any other entry has it beside it.
            let explained = ["/error.json", ".error.json"].contains { FileIO.exists(spool.rejected + "/" + id + $0) }
            return !FileIO.exists(spool.inbox + "/" + id) && explained
        default: return false
        }
    }

    func checkInvariants(_ id: String, staging: String, store: any JobStore, fault: FaultCase) throws {
        let label = Comment(rawValue: fault.testDescription)
        let job = try #require(try store.job(id), label)
        // The batch ends as it should: scored, or rejected for its manifest (never failed by a failpoint).
        #expect(job.state == (fault.stage == .rejected ? .rejected : .done), label)
        if job.state == .done {
            let published = try Data(contentsOf: URL(fileURLWithPath: spool.result(id) + "/scores.csv"))
            #expect(published == (try expected(staging)), label)
        }
        // results/ holds only result files.
        for entry in try Spool.list(spool.results) {
            for file in try Spool.list(spool.result(entry)) {
                #expect(Spool.resultFiles.contains(file), "\(fault.testDescription): results/\(entry)/\(file)")
            }
        }
        // No task of the ended job is left queued or running.
        let states = try store.taskStates(job: id)
        #expect(!states.contains("queued") && !states.contains("running"), label)
        // Nothing lost, nothing duplicated: the batch is in exactly one place.
        let places =
            [spool.inbox + "/" + id, spool.batch(id)].filter(FileIO.exists).count
            + (try Spool.list(spool.rejected)).filter { $0 == id || $0.hasPrefix(id + ".") }.count
        #expect(places == 1, label)
        // A refused drop keeps its real reason, whatever crashed during its refusal.
        if fault.stage == .rejected {
            #expect(job.error?.contains("no_such_bank") == true, "\(fault.testDescription): \(job.error ?? "")")
            let written = try JSONValue(
                parsing: Data(contentsOf: URL(fileURLWithPath: spool.rejected + "/" + id + "/error.json")))
            #expect(written["reason"]?.string?.contains("no_such_bank") == true, label)
        }
        #expect(try store.jobs(limit: 10).count == 1, label)
    }
}
