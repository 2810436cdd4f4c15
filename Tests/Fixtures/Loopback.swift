#if canImport(Glibc)
import Glibc
#endif

/// Plain TCP connections to a server on loopback, for tests of the status API.
public enum Loopback {
    /// A connected socket to 127.0.0.1:`port`, or -1.
    public static func connect(_ port: Int) -> Int32 {
        LoopbackClient(port: port, timeout: 0)?.fd ?? -1
    }
}

/// A client connection to a server on loopback with a receive timeout, for tests of the status API.
public struct LoopbackClient {
    /// The socket.
    public let fd: Int32

    /// Connects to `port` on `address` (IPv4 or IPv6), from `source` when given, with a receive timeout of
    /// `timeout` seconds (0: none); `nil` when it cannot.
    public init?(port: Int, address: String = "127.0.0.1", source: String? = nil, timeout: Int = 10) {
        let family = address.contains(":") ? AF_INET6 : AF_INET
        fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                return nil
            }
        }
        var connected: Int32
        if family == AF_INET6 {
            var name = sockaddr_in6()
            name.sin6_family = sa_family_t(AF_INET6)
            name.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, address, &name.sin6_addr)
            connected = withUnsafePointer(to: &name) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var name = sockaddr_in()
            name.sin_family = sa_family_t(AF_INET)
            name.sin_port = in_port_t(UInt16(port).bigEndian)
            name.sin_addr.s_addr = inet_addr(address)
            connected = withUnsafePointer(to: &name) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            return nil
        }
    }

    /// Sends `text`.
    public func send(_ text: String) { _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }

    /// Everything until the server closes (or the timeout).
    public func readAll() -> String {
        var received = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// One read: what arrived, "" at the end of the stream, nil on the timeout.
    public func readSome() -> String? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { return nil }
        return String(decoding: chunk[0..<n], as: UTF8.self)
    }

    /// Whether the server has answered or closed, without waiting.
    public var hasSomethingToRead: Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Closes the socket.
    public func close() { _ = Glibc.close(fd) }
}
