public import Core
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Answers requests for the ``HTTPServer``.
public protocol HTTPResponder: Sendable {
    /// The answer to `request` made on the event loop itself, or `nil` to have ``respond(to:)`` run on the handler
    /// pool. Only for answers from memory that take microseconds (`/health`, a constant page, a cached answer):
    /// nothing that touches the store or a file.
    func respondOnLoop(to request: HTTPRequest) -> HTTPResponse?

    /// Answers a request (on a thread of the handler pool).
    func respond(to request: HTTPRequest) -> HTTPResponse
}

extension HTTPResponder {
    /// By default every request runs on the handler pool.
    public func respondOnLoop(to request: HTTPRequest) -> HTTPResponse? { nil }
}

/// A closure as an ``HTTPResponder`` (every request on the pool).
public struct ClosureResponder: HTTPResponder {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.body = body }

    /// Calls the closure.
    public func respond(to request: HTTPRequest) -> HTTPResponse { body(request) }
}

/// An HTTP/1.1 server on epoll: a few event loops own every socket (accept, read, framing, writes, deadlines) and a
/// small bounded pool runs the handlers that touch the store or files. An idle connection costs about 1 KiB of memory
/// (10,000 held: 12 MiB more), not a thread.
///
/// Limits: a total deadline for a request head (not reset by each byte), one for a body, an idle keep-alive timeout,
/// a write timeout between two writes, a cap on connections in all and from one client (beyond either, a fast 503),
/// and a bounded handler queue (beyond it, a 503). `accept` out of descriptors pauses for 100 ms instead of
/// spinning. Writes never raise SIGPIPE.
public final class HTTPServer: Sendable {
    /// Settings.
    public struct Configuration: Sendable {
        /// The port (0: any free port).
        public var port: Int
        /// Where to listen: `127.0.0.1` (the default), another IPv4 or IPv6 address, or `*` for every address of
        /// both families (IPv4 alone where IPv6 is disabled).
        public var host: String
        /// Open connections at most (also bounded by `RLIMIT_NOFILE`, raised at start to its hard limit).
        public var maxConnections: Int
        /// Open connections from one client at most (an IPv4 address or an IPv6 /64).
        public var maxConnectionsPerClient: Int
        /// Seconds from a request's first byte (or the connection's start) to its whole head.
        public var headerTimeout: Double
        /// Seconds from a whole head to its whole body.
        public var bodyTimeout: Double
        /// Seconds a keep-alive connection may stay idle between requests.
        public var idleTimeout: Double
        /// Seconds a write may make no progress.
        public var writeTimeout: Double
        /// Event loops (threads that own sockets).
        public var loops: Int
        /// Handler threads.
        public var handlerThreads: Int
        /// Requests that may wait for a handler thread (beyond: 503). A connection has at most one request in
        /// flight, so the connection cap bounds it too.
        public var handlerQueue: Int
        /// Limits on a request.
        public var limits: HTTPParser.Limits

        /// Creates settings.
        public init(
            port: Int = 5001, host: String = "127.0.0.1", maxConnections: Int = 16384,
            maxConnectionsPerClient: Int = 1024, headerTimeout: Double = 10, bodyTimeout: Double = 10,
            idleTimeout: Double = 30, writeTimeout: Double = 30, loops: Int = 2, handlerThreads: Int = 4,
            handlerQueue: Int = 4096, limits: HTTPParser.Limits = HTTPParser.Limits()
        ) {
            self.port = port
            self.host = host
            self.maxConnections = maxConnections
            self.maxConnectionsPerClient = maxConnectionsPerClient
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
            self.loops = loops
            self.handlerThreads = handlerThreads
            self.handlerQueue = handlerQueue
            self.limits = limits
        }
    }

    /// What the event loops share.
    struct Context: Sendable {
        let configuration: Configuration
        let responder: any HTTPResponder
        let limiter: ConnectionLimiter
        let pool: HandlerPool
        let listeners: [Socket]
        let logger: Logger
    }

    private let context: Context

    /// The port bound.
    public let port: Int
    /// The addresses listened on (`127.0.0.1`, `0.0.0.0`, `::`).
    public let addresses: [String]
    /// The cap on connections in effect (the configured one, lowered to fit `RLIMIT_NOFILE`).
    public var maxConnections: Int { context.limiter.maxConnections }

    /// Binds and listens, raising `RLIMIT_NOFILE` to its hard limit, and starts the handler pool.
    ///
    /// - Throws: ``SystemError`` when no address can be bound; a bad `host` is `EINVAL`.
    public init(
        configuration: Configuration, logger: Logger = Logger(label: "api", sink: nil),
        responder: any HTTPResponder
    ) throws {
        let descriptors = Self.raiseDescriptorLimit()
        let bound = try Self.bind(host: configuration.host, port: configuration.port, logger: logger)
        port = bound.port
        addresses = bound.addresses
        let cap = max(1, min(configuration.maxConnections, descriptors - 64))
        context = Context(
            configuration: configuration, responder: responder,
            limiter: ConnectionLimiter(maxConnections: cap, maxPerClient: configuration.maxConnectionsPerClient),
            pool: HandlerPool(threads: configuration.handlerThreads, capacity: configuration.handlerQueue),
            listeners: bound.sockets, logger: logger)
    }

    /// Binds and listens with a closure as the responder (every request on the pool).
    ///
    /// - Throws: ``SystemError`` as ``init(configuration:logger:responder:)``.
    public convenience init(
        configuration: Configuration, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws {
        try self.init(configuration: configuration, responder: ClosureResponder(handler))
    }

    /// Serves on ``Configuration/loops`` event loops until `stop` is set; then stops accepting, closes idle
    /// connections, lets answers in flight finish (a few seconds at most) and closes the listeners.
    public func run(until stop: Flag) {
        let loops = (0..<max(context.configuration.loops, 1)).compactMap { _ in try? EventLoop(context: context) }
        let finished = DispatchGroup()
        for (index, loop) in loops.enumerated().dropFirst() {
            finished.enter()
            let thread = Thread {
                loop.run(until: stop)
                finished.leave()
            }
            thread.name = "vfl-api-loop-\(index)"
            thread.start()
        }
        loops.first?.run(until: stop)
        finished.wait()
        context.pool.stop()
        for listener in context.listeners { listener.close() }
    }

    /// Open connections now.
    public var openConnections: Int { context.limiter.open }

    // MARK: - Setup

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit in effect.
    private static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(min(limit.rlim_cur, 1 << 24))
    }

    /// Binds the listeners of `host`: `*` is 0.0.0.0 and, where IPv6 works, [::] (IPv6 only, same port).
    private static func bind(
        host: String, port: Int, logger: Logger
    ) throws -> (sockets: [Socket], port: Int, addresses: [String]) {
        switch host {
        case "*", "all":
            let v4 = try listen(family: AF_INET, address: "0.0.0.0", port: port)
            do {
                try Failpoint.hit("api.listen.ipv6")
                let v6 = try listen(family: AF_INET6, address: "::", port: v4.port)
                return ([v4.socket, v6.socket], v4.port, ["0.0.0.0", "::"])
            } catch let error as SystemError where error.errno != EADDRINUSE {
                // IPv6 disabled (EAFNOSUPPORT with ipv6.disable=1, EADDRNOTAVAIL without an address...): IPv4 alone.
                // Another server on the IPv6 port is a conflict, not a missing family: that one fails.
                logger.info("IPv6 is not available; listening on IPv4 only", metadata: [("reason", "\(error)")])
                return ([v4.socket], v4.port, ["0.0.0.0"])
            } catch {
                v4.socket.close()
                throw error
            }
        case "localhost":
            let v4 = try listen(family: AF_INET, address: "127.0.0.1", port: port)
            return ([v4.socket], v4.port, ["127.0.0.1"])
        default:
            let family = host.contains(":") ? AF_INET6 : AF_INET
            let bound = try listen(family: family, address: host, port: port)
            return ([bound.socket], bound.port, [host])
        }
    }

    /// One non-blocking listening socket on `address`:`port` (IPv6 sockets only for IPv6).
    private static func listen(family: Int32, address: String, port: Int) throws -> (socket: Socket, port: Int) {
        let socket = try Socket.makeStream(family: family)
        do {
            socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            let parsed: Bool
            let bound: Int32
            if family == AF_INET6 {
                socket.setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
                var name = sockaddr_in6()
                name.sin6_family = sa_family_t(AF_INET6)
                name.sin6_port = in_port_t(UInt16(port).bigEndian)
                parsed = inet_pton(AF_INET6, address, &name.sin6_addr) == 1
                bound = parsed ? bind(socket, to: &name) : -1
            } else {
                var name = sockaddr_in()
                name.sin_family = sa_family_t(AF_INET)
                name.sin_port = in_port_t(UInt16(port).bigEndian)
                parsed = inet_pton(AF_INET, address, &name.sin_addr) == 1
                bound = parsed ? bind(socket, to: &name) : -1
            }
            guard parsed else { throw SystemError(errno: EINVAL, call: "inet_pton", path: address) }
            guard bound == 0 else { throw SystemError(errno: errno, call: "bind", path: "\(address) port \(port)") }
            guard Glibc.listen(socket.descriptor, 4096) == 0 else {
                throw SystemError(errno: errno, call: "listen", path: "\(address) port \(port)")
            }
            return (socket, boundPort(socket, family: family))
        } catch {
            socket.close()
            throw error
        }
    }

    /// bind(2) of `socket` to a `sockaddr_in` or `sockaddr_in6`.
    private static func bind<Address>(_ socket: Socket, to name: inout Address) -> Int32 {
        withUnsafePointer(to: &name) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(socket.descriptor, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
    }

    private static func boundPort(_ socket: Socket, family: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.descriptor, $0, &length) }
        }
        return withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port sit at the same offset, in network order.
            Int(UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        }
    }
}
