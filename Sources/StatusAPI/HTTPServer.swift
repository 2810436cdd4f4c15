public import Core
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on POSIX sockets: keep-alive, pipelined requests answered in order, limits on the head,
/// read and write timeouts, a cap on open connections (beyond it a fast 503), writes without SIGPIPE.
///
/// One dedicated thread accepts; each connection is served on a thread of its own (256 KiB of stack).
public final class HTTPServer: Sendable {
    /// Settings.
    public struct Configuration: Sendable {
        /// The port (0: any free port).
        public var port: Int
        /// Open connections at most; more get a 503 and are closed.
        public var maxConnections: Int
        /// Seconds to receive a request head.
        public var headerTimeout: Int
        /// Seconds a keep-alive connection may stay idle.
        public var idleTimeout: Int
        /// Seconds a write may block on a slow reader.
        public var writeTimeout: Int

        /// Creates settings.
        public init(
            port: Int = 5001, maxConnections: Int = 1024, headerTimeout: Int = 10, idleTimeout: Int = 30,
            writeTimeout: Int = 30
        ) {
            self.port = port
            self.maxConnections = maxConnections
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
        }
    }

    private let configuration: Configuration
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private let observer: (@Sendable (HTTPRequest, Int, Double) -> Void)?
    private let openConnections = Atomic<Int>(0)
    private let listener: Int32

    /// Binds and listens.
    ///
    /// - Throws: ``SystemError`` when the port cannot be bound.
    /// - Parameters:
    ///   - configuration: Port, limits and timeouts.
    ///   - observer: Told of every answered request: the request, the status and the seconds from a complete head
    ///     to the last byte written (for latency metrics).
    ///   - handler: Answers a request.
    public init(
        configuration: Configuration, observer: (@Sendable (HTTPRequest, Int, Double) -> Void)? = nil,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws {
        self.configuration = configuration
        self.handler = handler
        self.observer = observer
        let fd = try retryingSyscall("socket") {
            socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var no: Int32 = 0
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &no, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(configuration.port).bigEndian)
        address.sin6_addr = in6addr_any
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            let code = errno
            close(fd)
            throw SystemError(errno: code, call: "bind", path: "port \(configuration.port)")
        }
        listener = fd
    }

    /// The port actually bound.
    public var port: Int {
        var address = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin6_port))
    }

    /// Accepts connections until `stop` is set (checked every 200 ms), then closes the listener.
    public func run(until stop: Flag) {
        while !stop.isSet {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 200) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            if openConnections.add(1, ordering: .relaxed).newValue > configuration.maxConnections {
                let body = Array("{\"error\":\"too many connections\"}\n".utf8)
                Self.send(client, Self.head(HTTPResponse.error(503, ""), length: body.count, keepAlive: false) + body)
                close(client)
                openConnections.subtract(1, ordering: .relaxed)
                continue
            }
            // A thread per connection (up to the cap), not the shared dispatch pool: a slow or idle client blocks
            // only its own thread, so it cannot starve /health.
            let thread = Thread { [self] in
                serve(client)
                close(client)
                openConnections.subtract(1, ordering: .relaxed)
            }
            thread.stackSize = 256 << 10
            thread.start()
        }
        close(listener)
    }

    private func setTimeout(_ fd: Int32, _ option: Int32, seconds: Int) {
        var time = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, option, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    private func serve(_ fd: Int32) {
        setTimeout(fd, SO_SNDTIMEO, seconds: configuration.writeTimeout)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            // Read until a complete head (pipelined requests stay in the buffer).
            setTimeout(
                fd, SO_RCVTIMEO, seconds: buffer.isEmpty ? configuration.idleTimeout : configuration.headerTimeout)
            let request: HTTPRequest
            do {
                while true {
                    if let frame = try HTTPParser.parse(bytes: buffer) {
                        request = frame.request
                        buffer.removeFirst(frame.consumed)
                        break
                    }
                    let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { return }
                    buffer += chunk[0..<n]
                    setTimeout(fd, SO_RCVTIMEO, seconds: configuration.headerTimeout)
                }
            } catch let failure {
                respond(fd, HTTPResponse.error(failure.status, failure.message), keepAlive: false, head: false)
                return
            }
            let started = Timestamp.monotonicSeconds()
            let response = handler(request)
            let written = respond(fd, response, keepAlive: request.keepAlive, head: request.method == "HEAD")
            observer?(request, response.status, Timestamp.monotonicSeconds() - started)
            guard written else { return }
            if !request.keepAlive { return }
        }
    }

    private static func head(_ response: HTTPResponse, length: Int, keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(response.status) \(HTTPResponse.reason(response.status))\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(length)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Array(text.utf8)
    }

    @discardableResult
    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Writes a response; a file body is streamed in 64 KiB chunks.
    @discardableResult
    private func respond(_ fd: Int32, _ response: HTTPResponse, keepAlive: Bool, head: Bool) -> Bool {
        switch response.body {
        case .bytes(let bytes):
            return send(fd, Self.head(response, length: bytes.count, keepAlive: keepAlive) + (head ? [] : bytes))
        case .file(let path, let size):
            guard send(fd, Self.head(response, length: size, keepAlive: keepAlive)) else { return false }
            if head { return true }
            let file = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard file >= 0 else { return false }
            defer { close(file) }
            // sendfile(2): the kernel copies the file to the socket in pieces, in constant memory however large the
            // file; a reader slower than the write timeout (SO_SNDTIMEO) ends the connection.
            var offset = off_t(0)
            while Int(offset) < size {
                let n = sendfile(fd, file, &offset, min(size - Int(offset), 1 << 20))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
            }
            return true
        }
    }
}
