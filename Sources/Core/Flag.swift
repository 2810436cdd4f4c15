import Synchronization

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
