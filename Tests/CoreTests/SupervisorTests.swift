import Core
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's handling of child exits, with real child processes (`/bin/sh`).
@Suite struct SupervisorTests {
    /// Runs `/bin/sh -c script` and returns its raw waitpid(2) status.
    func waitStatus(_ script: String) throws -> Int32 {
        let arguments: [String] = ["sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        #expect(posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        return status
    }

    @Test func processExit_decodesExitsAndSignalsOfRealProcesses() throws {
        #expect(ProcessExit(waitStatus: try waitStatus("exit 0")) == .exited(0))
        #expect(ProcessExit(waitStatus: try waitStatus("exit 3")) == .exited(3))
        #expect(ProcessExit(waitStatus: try waitStatus("exit 2")) == .usage)
        let killed = ProcessExit(waitStatus: try waitStatus("kill -9 $$"))
        #expect(killed == .signaled(9, coreDumped: false))
        #expect(killed.description == "signal 9")
    }

    @Test func processExit_decodesStatusWords() {
        #expect(ProcessExit(waitStatus: 0x0100).description == "exit 1")
        #expect(ProcessExit(waitStatus: 0xFF00).description == "exit 255")
        #expect(ProcessExit(waitStatus: 0x0009).description == "signal 9")
        #expect(ProcessExit(waitStatus: 0x008B).description == "signal 11 (core dumped)")
        // Stopped by SIGSTOP (only reported with WUNTRACED): the raw word.
        #expect(ProcessExit(waitStatus: 0x137F).description == "status 4991")
    }

    /// Evaluates `condition` (which polls the supervisor) until it holds, for at most `seconds`.
    func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    func starts(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func poll_restartsAFailedChildButNotOneThatExitsWithTheUsageStatus() throws {
        let directory = NSTemporaryDirectory() + "vfl-supervisor-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let failing = directory + "/failing"
        let usage = directory + "/usage"
        // The children's argv[0] is "vfl": /bin/sh -c SCRIPT with $0 = vfl. Each start appends its pid and the
        // supervisor's, which the supervisor passes in VFL_SUPERVISOR_PID.
        let supervisor = Supervisor(executable: "/bin/sh", logger: .disabled)
        try supervisor.start([
            Supervisor.Child(name: "failing", arguments: ["-c", "echo $$ $VFL_SUPERVISOR_PID >> \(failing); exit 1"]),
            Supervisor.Child(name: "usage", arguments: ["-c", "echo $$ >> \(usage); exit 2"]),
        ])
        defer { supervisor.stopAll(grace: 5) }
        // The failing child comes back (after its 1 s backoff); the usage child does not.
        var abandoned: [String] = []
        #expect(
            waitUntil(seconds: 20) {
                abandoned += supervisor.poll().map(\.child)
                return starts(failing) >= 2
            })
        #expect(abandoned == ["usage"])
        #expect(starts(usage) == 1)
        #expect(!supervisor.allAbandoned)
        let first = try String(contentsOfFile: failing, encoding: .utf8).split(separator: "\n")[0]
        #expect(first.split(separator: " ").last == "\(getpid())")
    }

    @Test func allAbandoned_whenEveryChildExitsWithTheUsageStatus() throws {
        let supervisor = Supervisor(executable: "/bin/sh", logger: .disabled)
        try supervisor.start([
            Supervisor.Child(name: "a", arguments: ["-c", "exit 2"]),
            Supervisor.Child(name: "b", arguments: ["-c", "exit 2"]),
        ])
        defer { supervisor.stopAll(grace: 5) }
        #expect(
            waitUntil(seconds: 20) {
                supervisor.poll()
                return supervisor.allAbandoned
            })
    }
}
