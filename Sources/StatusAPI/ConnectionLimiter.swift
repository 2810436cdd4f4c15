import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where a connection comes from, as the per-client cap counts it: an IPv4 address, or the /64 prefix of an IPv6
/// address (one host of IPv6 commonly holds a whole /64).
struct ClientAddress: Hashable {
    private var family: UInt8
    private var prefix: UInt64

    /// The client of a socket address filled by accept(2).
    init(_ storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            family = 4
            prefix = withUnsafeBytes(of: &storage) { raw in
                UInt64(raw.load(fromByteOffset: 4, as: UInt32.self))
            }
        case AF_INET6:
            family = 6
            prefix = withUnsafeBytes(of: &storage) { raw in
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            }
        default:
            family = 0
            prefix = 0
        }
    }
}

/// The caps on open connections: in all, and from one client. Shared by the event loops; counts change only on
/// accept and close.
final class ConnectionLimiter: Sendable {
    /// Why a connection was refused.
    enum Refusal {
        /// The server holds its cap of connections.
        case full
        /// This client holds its cap.
        case client
    }

    private struct Counts {
        var total = 0
        var byClient: [ClientAddress: Int] = [:]
    }

    /// Connections at most.
    let maxConnections: Int
    /// Connections from one client at most.
    let maxPerClient: Int
    private let counts = Mutex(Counts())

    /// Creates a limiter.
    init(maxConnections: Int, maxPerClient: Int) {
        self.maxConnections = maxConnections
        self.maxPerClient = maxPerClient
    }

    /// Counts a new connection from `client`, or says why it is refused (then nothing is counted).
    func admit(_ client: ClientAddress) -> Refusal? {
        counts.withLock { counts in
            if counts.total >= maxConnections { return .full }
            let held = counts.byClient[client, default: 0]
            if held >= maxPerClient { return .client }
            counts.total += 1
            counts.byClient[client] = held + 1
            return nil
        }
    }

    /// Forgets a closed connection from `client`.
    func release(_ client: ClientAddress) {
        counts.withLock { counts in
            counts.total -= 1
            let held = counts.byClient[client, default: 1] - 1
            counts.byClient[client] = held > 0 ? held : nil
        }
    }

    /// Open connections now.
    var open: Int { counts.withLock { $0.total } }
}
