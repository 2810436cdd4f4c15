#if canImport(Glibc)
import Glibc
#endif

/// Runs child processes of this executable, restarts any that dies (with backoff), and stops them all on request.
///
/// Used by `vfl run`: one ingest, N workers and the API as separate processes, the same commands docker-compose
/// and Kubernetes run. A child that exits with the usage status (2) is not restarted: the same command line would
/// fail the same way. Children get this process's pid in ``ParentWatch/environmentVariable`` and, armed with it,
/// stop when it dies, even by SIGKILL.
///
/// Not thread-safe: driven from one thread, which must live as long as the children (the main thread): the kernel's
/// parent-death signal follows the thread that spawned a child.
public final class Supervisor {
    /// A child to keep running.
    public struct Child: Sendable {
        /// A label for logs.
        public var name: String
        /// The `vfl` arguments (for example `["worker"]`).
        public var arguments: [String]
        /// Extra environment variables for it.
        public var environment: [String: String]

        /// Creates a child spec.
        public init(name: String, arguments: [String], environment: [String: String] = [:]) {
            self.name = name
            self.arguments = arguments
            self.environment = environment
        }
    }

    private struct Running {
        var child: Child
        var pid: pid_t
        var startedAt: Double
        var restarts: Int
        var restartAt: Double?
        /// Exited with the usage status: never restarted.
        var abandoned = false
    }

    private var running: [Running] = []
    private let executable: String
    private let logger: Logger

    /// Creates a supervisor for children of `executable` (default: this program).
    public init(executable: String = "/proc/self/exe", logger: Logger) {
        self.executable = executable
        self.logger = logger
    }

    /// Starts the children.
    ///
    /// - Throws: ``SystemError`` when one cannot be spawned.
    public func start(_ children: [Child]) throws {
        for child in children {
            running.append(
                Running(child: child, pid: try spawn(child), startedAt: Timestamp.monotonicSeconds(), restarts: 0))
        }
    }

    private func spawn(_ child: Child) throws -> pid_t {
        // The child's own variables, and this process's pid for its ParentWatch.
        var variables = child.environment
        variables[ParentWatch.environmentVariable] = "\(getpid())"
        var environment: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            let key = String(text.prefix { $0 != "=" })
            if variables[key] == nil { environment.append(text) }
            index += 1
        }
        for (key, value) in variables { environment.append("\(key)=\(value)") }
        let argv: [UnsafeMutablePointer<CChar>?] = (["vfl"] + child.arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        // Children start with no blocked signals and default dispositions, whatever this thread's state.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, nil, &attributes, argv, envp)
        guard code == 0 else { throw SystemError(errno: code, call: "posix_spawn", path: executable) }
        logger.info("child started", metadata: [("child", child.name), ("pid", "\(pid)")])
        return pid
    }

    /// Whether every child has exited with the usage status and will not be restarted (the supervisor has nothing
    /// left to run).
    public var allAbandoned: Bool { !running.isEmpty && running.allSatisfy(\.abandoned) }

    /// Reaps children that exited and restarts them after a backoff (1 s doubling to 30 s; reset after a minute up),
    /// except those that exited with the usage status (2), which are logged and left stopped.
    ///
    /// - Returns: The children given up in this call, each with the reason (for the console).
    @discardableResult
    public func poll() -> [(child: String, reason: String)] {
        let now = Timestamp.monotonicSeconds()
        var abandoned: [(child: String, reason: String)] = []
        // Its own children only (never waitpid(-1): the process may have others, a test runner's for one).
        for i in running.indices where running[i].pid > 0 {
            var status: Int32 = 0
            guard waitpid(running[i].pid, &status, WNOHANG) == running[i].pid else { continue }
            let exit = ProcessExit(waitStatus: status)
            running[i].pid = 0
            if exit == .usage {
                running[i].abandoned = true
                running[i].restartAt = nil
                let reason = "it ended with \(exit) (bad usage: the same settings would fail again; see its log)"
                logger.error(
                    "child exited with the usage status; not restarting it",
                    metadata: [("child", running[i].child.name), ("status", "\(exit)")])
                abandoned.append((running[i].child.name, reason))
                continue
            }
            let uptime = now - running[i].startedAt
            if uptime > 60 { running[i].restarts = 0 }
            let delay = min(30, pow2(running[i].restarts))
            running[i].restarts += 1
            running[i].restartAt = now + delay
            logger.warning(
                "child exited; restarting",
                metadata: [("child", running[i].child.name), ("status", "\(exit)"), ("restart_in_s", "\(delay)")])
        }
        for i in running.indices where running[i].pid == 0 {
            if let at = running[i].restartAt, at <= now, let pid = try? spawn(running[i].child) {
                running[i].pid = pid
                running[i].startedAt = now
                running[i].restartAt = nil
            }
        }
        return abandoned
    }

    private func pow2(_ n: Int) -> Double {
        var v = 1.0
        for _ in 0..<min(n, 10) { v *= 2 }
        return v
    }

    /// Sends SIGTERM to every child, waits up to `grace` seconds, then SIGKILLs what is left.
    public func stopAll(grace: Double) {
        for r in running where r.pid > 0 { kill(r.pid, SIGTERM) }
        let deadline = Timestamp.monotonicSeconds() + grace
        var alive = Set(running.map(\.pid).filter { $0 > 0 })
        while !alive.isEmpty && Timestamp.monotonicSeconds() < deadline {
            for pid in alive {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    alive.remove(pid)
                    logStopped(pid, status)
                }
            }
            usleep(20_000)
        }
        for pid in alive {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            logStopped(pid, status)
        }
        running.removeAll()
    }

    private func logStopped(_ pid: pid_t, _ status: Int32) {
        let name = running.first { $0.pid == pid }?.child.name ?? "?"
        logger.info("child stopped", metadata: [("child", name), ("status", "\(ProcessExit(waitStatus: status))")])
    }
}
