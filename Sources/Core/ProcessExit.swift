#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended, decoded from a waitpid(2) status word, for logs: `exit 1`, `signal 9`.
public enum ProcessExit: Equatable, Sendable, CustomStringConvertible {
    /// It called exit(3) with this status (WIFEXITED, WEXITSTATUS).
    case exited(Int32)
    /// A signal ended it (WIFSIGNALED, WTERMSIG), perhaps with a core dump (WCOREDUMP).
    case signaled(Int32, coreDumped: Bool)
    /// Anything else (stopped or continued: only reported with WUNTRACED or WCONTINUED), the raw word.
    case other(Int32)

    /// The exit status of bad usage (../shared/CONTRACTS.md: 0 success, 1 failure, 2 bad usage).
    public static let usage = ProcessExit.exited(2)

    /// Decodes a status word from waitpid(2) (the W* macros, which Swift cannot import, spelled out as in glibc's
    /// `<bits/waitstatus.h>`).
    public init(waitStatus status: Int32) {
        let low = status & 0x7F
        if low == 0 {
            self = .exited((status >> 8) & 0xFF)
        } else if low != 0x7F {
            self = .signaled(low, coreDumped: status & 0x80 != 0)
        } else {
            self = .other(status)
        }
    }

    /// `exit N`, `signal N` (with `(core dumped)`), or `status N` for the raw word of anything else.
    public var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signaled(let signal, let core): return "signal \(signal)" + (core ? " (core dumped)" : "")
        case .other(let status): return "status \(status)"
        }
    }
}
