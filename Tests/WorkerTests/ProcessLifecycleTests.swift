import Core
import Fixtures
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The processes' lives, with the real `vfl` binary: `vfl run`'s children die with it, one `vfl run` per spool, and
/// every role leaves a database file that was deleted under it.
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
        init(
            _ arguments: [String], environment: [String: String], log: String,
            executable: String = CommandLineTests.binary
        ) throws {
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
            let code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
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

    func start(_ arguments: [String], log: String, environment: [String: String] = [:]) throws -> Spawned {
        try Spawned(
            arguments,
            environment: ProcessInfo.processInfo.environment.merging([
                "VFL_LOG_LEVEL": "info", "VFL_THREADS": "1", "VFL_SPOOL": spool, "VFL_MODEL": modelPath,
                "VFL_API_TOKEN": "process-lifecycle-token-0123456789abcdef",
            ]) { $1 }.merging(environment) { $1 }, log: log)
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

    /// GET `path` on 127.0.0.1:`port` (with `Authorization: Bearer token` when given): the status and the body, or
    /// nil when nothing answers.
    static func get(_ port: Int, _ path: String, token: String? = nil) -> (status: Int, body: String)? {
        let fd = Loopback.connect(port)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        _ = "GET \(path) HTTP/1.1\r\nHost: t\r\n\(authorization)Connection: close\r\n\r\n".withCString {
            send(fd, $0, strlen($0), 0)
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += chunk.prefix(n)
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let status = Int(text.split(separator: " ").dropFirst().first ?? ""),
            let head = text.range(of: "\r\n\r\n")
        else { return nil }
        return (status, String(text[head.upperBound...]))
    }

    /// The port in the "api listening" log line, waiting up to 20 s for it (the log in the failure).
    func awaitPort(_ log: String) throws -> Int {
        var port = 0
        let found = waitUntil(seconds: 20) {
            port = listeningPort(log) ?? 0
            return port > 0
        }
        try #require(found, "no \"api listening\" line: \(read(log))")
        return port
    }

    /// The port in the "api listening" log line, once written.
    func listeningPort(_ log: String) -> Int? {
        guard let range = read(log).range(of: #""port":"(\d+)""#, options: .regularExpression) else { return nil }
        return Int(read(log)[range].filter(\.isNumber))
    }

    func removeDatabase() {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: spool + "/vfl.sqlite" + suffix)
        }
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

    @Test func roles_exitWhenTheDatabaseFileIsDeleted() throws {
        let apiLog = temp.file("api.log")
        let workerLog = temp.file("worker.log")
        let ingestLog = temp.file("ingest.log")
        let api = try start(["api", "--port", "0"], log: apiLog)
        let port = try awaitPort(apiLog)
        let worker = try start(["worker"], log: workerLog)
        let ingest = try start(["ingest"], log: ingestLog)
        #expect(waitUntil(seconds: 20) { read(workerLog).contains("worker ready") }, "\(read(workerLog))")
        #expect(waitUntil(seconds: 20) { read(ingestLog).contains("ingest watching") }, "\(read(ingestLog))")
        #expect(Self.get(port, "/ready")?.status == 200)

        removeDatabase()
        // /ready answers 503 until the api exits (about a second later).
        var notReady: String?
        #expect(
            waitUntil(seconds: 20) {
                if let (status, body) = Self.get(port, "/ready"), status == 503 { notReady = body }
                return !api.isRunning
            })
        if let notReady {
            #expect(notReady.contains(#""database_file":"deleted""#), "\(notReady)")
            #expect(notReady.contains("was deleted"), "\(notReady)")
        }
        #expect(waitUntil(seconds: 20) { !worker.isRunning && !ingest.isRunning })
        for (process, log) in [(api, apiLog), (worker, workerLog), (ingest, ingestLog)] {
            #expect(process.status == .exited(1), "\(read(log))")
            #expect(read(log).contains(#""msg":"database file deleted; exiting""#), "\(read(log))")
        }
    }

    @Test func run_restartsItsChildrenOnANewDatabaseFile() throws {
        let log = temp.file("run.log")
        let run = try start(["run", "--workers", "1", "--port", "0"], log: log)
        defer {
            kill(run.pid, SIGTERM)
            _ = exitStatus(run, seconds: 40)
        }
        var before: [ProcessID] = []
        // Every child has opened the database (one that opened it after the removal would be on the new file).
        #expect(
            waitUntil(seconds: 20) {
                before = Self.children(of: run.pid)
                let text = read(log)
                return before.count == 3 && text.contains("api listening") && text.contains("worker ready")
                    && text.contains("ingest watching")
            }, "\(read(log))")

        removeDatabase()
        // Each child notices, exits 1 and is started again; the new ones create and share the new file.
        #expect(
            waitUntil(seconds: 30) {
                let now = Self.children(of: run.pid)
                return !before.contains(where: Self.isAlive) && now.count == 3
                    && read(log).components(separatedBy: #""status":"exit 1""#).count >= 4
            }, "\(read(log))")
        #expect(FileIO.exists(spool + "/vfl.sqlite"))
        #expect(run.isRunning)
    }

    @Test func api_refusesNoTokenAShortOneAndThePlaceholder_unlessResultsAreDeclaredOpen() throws {
        let cases: [([String: String], String)] = [
            (["VFL_API_TOKEN": ""], "no API token"),
            (["VFL_API_TOKEN": "short-token"], "shorter than 32 characters"),
            (["VFL_API_TOKEN": "replace-me-before-deploying"], "the shipped placeholder"),
            (["VFL_API_TOKEN": "REPLACE-ME-before-deploying-0000000000"], "the shipped placeholder"),
            (["VFL_API_TOKEN": "", "VFL_API_TOKEN_FILE": temp.file("missing")], "cannot be read"),
        ]
        for (environment, message) in cases {
            let log = temp.file("refused-\(message.count).log")
            let api = try start(["api", "--port", "0"], log: log, environment: environment)
            #expect(exitStatus(api, seconds: 20) == .exited(1), "\(environment)")
            #expect(read(log).contains(message), "\(read(log))")
        }
        let openLog = temp.file("open.log")
        let open = try start(
            ["api", "--port", "0"], log: openLog, environment: ["VFL_API_TOKEN": "", "VFL_API_OPEN": "1"])
        defer { kill(open.pid, SIGTERM) }
        let port = try awaitPort(openLog)
        #expect(read(openLog).contains("VFL_API_OPEN=1: results and customer lookups are open to anyone"))
        #expect(Self.get(port, "/jobs/none/results")?.status == 404, "open: no token asked")
    }

    @Test func run_makesATokenOnlyItsUserReads_andTheAPIRequiresIt() throws {
        let log = temp.file("run.log")
        let run = try start(["run", "--workers", "1", "--port", "0"], log: log, environment: ["VFL_API_TOKEN": ""])
        defer { kill(run.pid, SIGTERM) }
        let port = try awaitPort(log)
        let path = spool + "/api-token"
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600, "mode \(String(status.st_mode & 0o777, radix: 8))")
        let token = read(path).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        #expect(read(log).contains("the API token (for results and the dashboard's detail) is in"))
        #expect(!read(log).contains(token), "the token itself is never printed or logged")
        #expect(read(log).contains(#""addresses":"127.0.0.1""#), "vfl run listens on loopback by default")
        #expect(Self.get(port, "/jobs/none/results")?.status == 401)
        #expect(Self.get(port, "/jobs/none/results", token: token)?.status == 404)
        // One character off (never the same character: a token ending in "0" made this test pass one run in 16).
        let wrong = String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")
        #expect(Self.get(port, "/jobs/none/results", token: wrong)?.status == 401)
    }

    @Test func api_outOfDescriptors_answersOrRefusesEveryConnection_andRecovers() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else { return }
        let log = temp.file("fds.log")
        // 96 descriptors in all: the connection cap is lowered to fit, and the rest of the process (the database,
        // result files) needs some too.
        let api = try Spawned(
            ["--nofile=96:96", CommandLineTests.binary, "api", "--port", "0", "--spool", spool],
            environment: ProcessInfo.processInfo.environment.merging([
                "VFL_LOG_LEVEL": "info", "VFL_API_TOKEN": "descriptor-test-token-0123456789abcdef",
            ]) { $1 }, log: log, executable: "/usr/bin/prlimit")
        defer { kill(api.pid, SIGTERM) }
        let port = try awaitPort(log)
        var held: [Int32] = []
        for _ in 0..<300 {
            let fd = Loopback.connect(port)
            if fd >= 0 { held.append(fd) }
        }
        // Every connection beyond what the process can hold is answered 503 and closed, never left hanging.
        var refused = 0
        for fd in held {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 0) > 0 { refused += 1 }
        }
        #expect(refused > 0)
        for fd in held { close(fd) }
        #expect(waitUntil(seconds: 20) { Self.get(port, "/health")?.status == 200 })
        #expect(api.isRunning)
    }

    /// CPU time (user + system, in clock ticks) a process has used.
    static func cpuTicks(_ pid: pid_t) -> Int {
        guard let fields = statFields(pid), fields.count > 13 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    @Test func api_outOfDescriptorsMidRun_backsOffInsteadOfSpinning() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else { return }
        let log = temp.file("emfile.log")
        let api = try start(["api", "--port", "0"], log: log)
        defer { kill(api.pid, SIGTERM) }
        let port = try awaitPort(log)
        // The limit lowered under the running server (as another part of the process might exhaust it): accept
        // fails with EMFILE while connections wait in the backlog.
        let lowered = Process()
        lowered.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        lowered.arguments = ["--pid", "\(api.pid)", "--nofile=60:60"]
        try lowered.run()
        lowered.waitUntilExit()
        var held: [Int32] = []
        for _ in 0..<120 {
            let fd = Loopback.connect(port)
            if fd >= 0 { held.append(fd) }
        }
        #expect(waitUntil(seconds: 20) { read(log).contains("accept paused for 100 ms") }, "\(read(log))")
        let before = Self.cpuTicks(api.pid)
        sleep(2)
        let used = Self.cpuTicks(api.pid) - before
        // A spinning loop burns about 200 ticks in 2 s; backing off, a few.
        #expect(used < 60, "\(used) ticks in 2 s while out of descriptors")
        for fd in held { close(fd) }
        #expect(waitUntil(seconds: 20) { Self.get(port, "/health")?.status == 200 })
    }

    @Test func api_onEveryAddress_startsOnIPv4AloneWhereIPv6CannotBeBound() throws {
        let log = temp.file("v4only.log")
        // The failpoint makes the IPv6 listener fail as a kernel without IPv6 does (a debug build's failpoints).
        let api = try start(
            ["api", "--port", "0", "--host", "*"], log: log, environment: ["VFL_FAILPOINTS": "api.listen.ipv6=error"])
        defer { kill(api.pid, SIGTERM) }
        let port = try awaitPort(log)
        #expect(read(log).contains("IPv6 is not available; listening on IPv4 only"))
        #expect(read(log).contains(#""addresses":"0.0.0.0""#))
        #expect(Self.get(port, "/health")?.status == 200)
    }
}
