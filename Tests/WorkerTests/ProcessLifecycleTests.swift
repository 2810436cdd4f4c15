import Core
import Fixtures
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The processes' lives, with the real `vfl` binary: `vfl run`'s children die with it, one `vfl run` per spool.
@Suite(.serialized) struct ProcessLifecycleTests {
    let temp = TemporaryDirectory()
    var spool: String { temp.file("spool") }
    var modelPath: String { temp.file("model.json") }

    init() throws {
        try RandomModel.json(seed: 7, parties: RandomModel.fourParties, top: [8, 4]).write(
            toFile: modelPath, atomically: true, encoding: .utf8)
    }

    /// A `vfl` process started with posix_spawn(3) and reaped by the test. Not Foundation's `Process`: it learns of
    /// an exit only once every holder of a socket it hands the child has closed it, so orphans would hang the test
    /// instead of failing it.
    final class Spawned {
        let pid: pid_t
        private(set) var status: ProcessExit?

        /// Starts `vfl ARGUMENTS` with stdin from /dev/null and stdout and stderr appended to `log`.
        init(_ arguments: [String], environment: [String: String], log: String) throws {
            let argv: [UnsafeMutablePointer<CChar>?] = (["vfl"] + arguments).map { strdup($0) } + [nil]
            let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for p in argv { free(p) }
                for p in envp { free(p) }
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var pid: pid_t = 0
            let code = posix_spawn(&pid, CommandLineTests.binary, &actions, nil, argv, envp)
            guard code == 0 else { throw SystemError(errno: code, call: "posix_spawn") }
            self.pid = pid
        }

        /// Whether it still runs (reaping it, once, when it has exited).
        var isRunning: Bool {
            guard status == nil else { return false }
            var word: Int32 = 0
            guard waitpid(pid, &word, WNOHANG) == pid else { return true }
            status = ProcessExit(waitStatus: word)
            return false
        }

        deinit {
            if isRunning {
                kill(pid, SIGKILL)
                var word: Int32 = 0
                waitpid(pid, &word, 0)
            }
        }
    }

    func start(_ arguments: [String], log: String) throws -> Spawned {
        try Spawned(
            arguments,
            environment: ProcessInfo.processInfo.environment.merging([
                "VFL_LOG_LEVEL": "info", "VFL_THREADS": "1", "VFL_SPOOL": spool, "VFL_MODEL": modelPath,
            ]) { $1 }, log: log)
    }

    /// Waits up to `seconds` for `process` to exit: its status, or nil.
    func exitStatus(_ process: Spawned, seconds: Double) -> ProcessExit? {
        _ = waitUntil(seconds: seconds) { !process.isRunning }
        return process.status
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// A process as /proc shows it: pid and start time (so that a reused pid is not mistaken for it).
    struct ProcessID: Equatable {
        var pid: Int32
        var start: String
    }

    /// The fields of /proc/PID/stat after the command name: state, ppid, ... (field 3 onwards).
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// The live children of `parent`.
    static func children(of parent: Int32) -> [ProcessID] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.compactMap { pid in
            guard let fields = statFields(pid), fields.count > 19, fields[1] == "\(parent)", fields[0] != "Z" else {
                return nil
            }
            return ProcessID(pid: pid, start: String(fields[19]))
        }
    }

    /// Whether the process still runs (a zombie no longer does).
    static func isAlive(_ process: ProcessID) -> Bool {
        guard let fields = statFields(process.pid), fields.count > 19 else { return false }
        return fields[0] != "Z" && fields[19] == process.start
    }

    @Test func run_killedLeavesNoChildRunningAndReleasesTheSpool() throws {
        let log = temp.file("run.log")
        let run = try start(["run", "--workers", "1", "--port", "0"], log: log)
        var children: [ProcessID] = []
        // ingest, api and worker-1, each past its start (its SIGTERM handler installed).
        #expect(
            waitUntil(seconds: 20) {
                children = Self.children(of: run.pid)
                let text = read(log)
                return children.count == 3
                    && ["ingest watching", "api listening", "worker ready"].allSatisfy { text.contains($0) }
            }, "\(read(log))")
        defer { for child in children where Self.isAlive(child) { kill(child.pid, SIGKILL) } }
        kill(run.pid, SIGKILL)
        #expect(exitStatus(run, seconds: 20) == .signaled(SIGKILL, coreDumped: false))
        #expect(waitUntil(seconds: 20) { !children.contains(where: Self.isAlive) }, "\(read(log))")
        // The spool's lock went with the last of them: a new `vfl run` could start.
        let fd = open(spool + "/.vfl-run.lock", O_RDWR)
        defer { close(fd) }
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
    }

    @Test func role_exitsAtOnceWhenItsSupervisorIsAlreadyGone() throws {
        // VFL_SUPERVISOR_PID names a process that is not the parent (the supervisor died before prctl was armed).
        let log = temp.file("worker.log")
        var environment = ProcessInfo.processInfo.environment
        environment.merge(["VFL_SPOOL": spool, "VFL_MODEL": modelPath, "VFL_SUPERVISOR_PID": "1"]) { $1 }
        let worker = try Spawned(["worker"], environment: environment, log: log)
        #expect(exitStatus(worker, seconds: 20) == .exited(1))
        #expect(read(log).contains("the supervisor is gone"), "\(read(log))")
        #expect(!read(log).contains("worker ready"), "\(read(log))")
    }

    @Test func run_secondOnTheSameSpoolRefusesWhileTheFirstRuns() throws {
        let firstLog = temp.file("first.log")
        let first = try start(["run", "--workers", "1", "--port", "0"], log: firstLog)
        #expect(waitUntil(seconds: 20) { Self.children(of: first.pid).count == 3 }, "\(read(firstLog))")

        let secondLog = temp.file("second.log")
        let second = try start(["run", "--workers", "1", "--port", "0"], log: secondLog)
        #expect(exitStatus(second, seconds: 20) == .exited(1))
        let message = read(secondLog)
        #expect(message.contains("another vfl run is using the spool \(spool)"), "\(message)")
        #expect(message.contains("held by process \(first.pid)"), "\(message)")
        #expect(first.isRunning)

        let children = Self.children(of: first.pid)
        kill(first.pid, SIGTERM)
        #expect(exitStatus(first, seconds: 40) == .exited(0))
        #expect(!children.contains(where: Self.isAlive))
    }
}
