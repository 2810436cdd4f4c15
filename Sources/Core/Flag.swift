import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A boolean that is set once and read from any thread (stop requests, lost leases).
public final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Creates an unset flag.
    public init() {}

    /// Sets the flag.
    public func set() { value.store(true, ordering: .relaxed) }

    /// Whether the flag is set.
    public var isSet: Bool { value.load(ordering: .relaxed) }
}

/// Set when SIGTERM or SIGINT arrives, once ``installTerminationHandler()`` has run.
public let terminationRequested = Flag()

/// Installs a SIGTERM and SIGINT handler that only sets ``terminationRequested`` (async-signal-safe: one atomic
/// store); the long-running loops poll it. A plain handler rather than a dispatch source: it works however long the
/// process has been idle.
///
/// The signals are also unblocked: a process inherits its parent's signal mask, and some parents (thread pools)
/// spawn with every signal blocked, which would leave SIGTERM pending forever.
public func installTerminationHandler() {
    var mask = sigset_t()
    sigemptyset(&mask)
    for signalNumber in [SIGTERM, SIGINT] {
        signal(signalNumber) { _ in terminationRequested.set() }
        sigaddset(&mask, signalNumber)
    }
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
}
