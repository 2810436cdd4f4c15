#if canImport(Glibc)
import Glibc
#endif

/// Named points at the durable steps of the pipeline where a test can make the process crash or an I/O call fail.
///
/// `VFL_FAILPOINTS` lists them, comma-separated, as `name=crash` (the process kills itself with SIGKILL, as a power
/// cut or the OOM killer would), `name=error` (the step throws an I/O error, `EIO`), each optionally `@N` to act on
/// the Nth hit only (`spool.publish.before-rename=crash@2`). Compiled in debug builds only: a release build never reads
/// the variable and every `hit` is empty. docs/operations.md lists every name.
public enum Failpoint {
    /// What a failpoint does when it fires.
    enum Action {
        case crash
        case error
    }

    #if DEBUG
    private struct Armed {
        var action: Action
        var onHit: Int?
    }

    // Read once; the counters are touched by several threads, hence the lock.
    nonisolated(unsafe) private static var hits: [String: Int] = [:]
    nonisolated(unsafe) private static var lock = pthread_mutex_t()
    private static let armed: [String: Armed] = {
        pthread_mutex_init(&lock, nil)
        guard let text = getenv("VFL_FAILPOINTS").map({ String(cString: $0) }), !text.isEmpty else { return [:] }
        var table: [String: Armed] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let spec = parts[1].split(separator: "@", maxSplits: 1).map(String.init)
            let action: Action = spec[0] == "crash" ? .crash : .error
            table[parts[0]] = Armed(action: action, onHit: spec.count == 2 ? Int(spec[1]) : nil)
        }
        return table
    }()
    #endif

    /// Passes the failpoint `name`: crashes or throws when `VFL_FAILPOINTS` arms it (debug builds only).
    ///
    /// - Throws: ``SystemError`` of `EIO` when armed with `error`.
    @inline(__always)
    public static func hit(_ name: StaticString) throws {
        #if DEBUG
        guard !armed.isEmpty else { return }
        try fire(name.description)
        #endif
    }

    #if DEBUG
    private static func fire(_ name: String) throws {
        guard let point = armed[name] else { return }
        pthread_mutex_lock(&lock)
        hits[name, default: 0] += 1
        let count = hits[name]!
        pthread_mutex_unlock(&lock)
        if let onHit = point.onHit, onHit != count { return }
        // Said on stderr (not through the logger) so that a test knows the point was reached.
        let line = "failpoint \(name): \(point.action == .crash ? "crash" : "error")\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        switch point.action {
        case .crash: kill(getpid(), SIGKILL)
        case .error: throw SystemError(errno: EIO, call: "failpoint \(name)")
        }
    }
    #endif
}
