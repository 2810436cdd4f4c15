internal import CLinux
import Core
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One epoll loop and the connections it owns: it accepts, reads, frames, writes and enforces every deadline on its
/// own thread, and never blocks. Handlers that touch the store or files run on the ``HandlerPool``; their answers
/// come back through ``complete(_:generation:_:)``, which wakes the loop.
///
/// `@unchecked Sendable`: everything but `completions` (a `Mutex`) and the `Epoll`'s wake-up is touched only on the
/// loop's thread, inside ``run(until:)``.
final class EventLoop: @unchecked Sendable {
    private let epoll: Epoll
    private let context: HTTPServer.Context
    private var connections: [Int32: HTTPConnection] = [:]
    private var nextGeneration: UInt64 = 0
    private let completions = Mutex<[(fd: Int32, generation: UInt64, response: OutgoingResponse)]>([])
    /// Connections with pipelined requests left after a round (served on the next pass, so one cannot hold the loop).
    private var pending: [Int32] = []
    private var listenersPausedUntil: Double?
    private var lastSweep = 0.0
    private var lastAcceptWarning = -1e9
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    /// The token of listener `i` (connections use their descriptor).
    private static func listenerToken(_ index: Int) -> UInt64 { (1 << 62) | UInt64(index) }

    init(context: HTTPServer.Context) throws {
        self.context = context
        epoll = try Epoll()
        for (index, listener) in context.listeners.enumerated() {
            epoll.add(listener.descriptor, [.read, .exclusive], token: Self.listenerToken(index))
        }
    }

    deinit { scratch.deallocate() }

    /// Serves until `stop` is set, then closes idle connections at once and lets answers in flight finish (up to
    /// `grace` seconds).
    func run(until stop: Flag, grace: Double = 5) {
        var stopping: Double?
        while true {
            epoll.wait(milliseconds: pending.isEmpty ? 250 : 0) { event in handle(event) }
            servePending()
            let now = Timestamp.monotonicSeconds()
            if now - lastSweep >= 0.25 {
                lastSweep = now
                sweep(now)
            }
            if stop.isSet && stopping == nil {
                stopping = now
                for listener in context.listeners { epoll.remove(listener.descriptor) }
            }
            if let since = stopping {
                for connection in Array(connections.values) {
                    switch connection.phase {
                    case .handling, .writing: continue
                    default: close(connection)
                    }
                }
                if connections.isEmpty || now - since > grace { break }
            }
        }
        for connection in Array(connections.values) { close(connection) }
    }

    /// Hands a pool's answer back to the loop (any thread).
    func complete(_ fd: Int32, generation: UInt64, _ response: OutgoingResponse) {
        completions.withLock { $0.append((fd, generation, response)) }
        epoll.wake()
    }

    // MARK: - Events

    private func handle(_ event: Epoll.Event) {
        if event.token == Epoll.wakeToken {
            deliverCompletions()
        } else if event.token >= 1 << 62 {
            accept(context.listeners[Int(event.token & 0xFFFF)])
        } else if let connection = connections[Int32(truncatingIfNeeded: event.token)] {
            if event.failed, case .handling = connection.phase {
                close(connection)  // the peer is gone; the answer will be dropped when it arrives
                return
            }
            if event.writable, case .writing = connection.phase {
                drive(connection)
            } else if event.readable {
                read(connection)
            }
        }
    }

    private func deliverCompletions() {
        let ready = completions.withLock { list in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        for item in ready {
            guard let connection = connections[item.fd], connection.generation == item.generation,
                case .handling = connection.phase
            else {
                item.response.discard()
                continue
            }
            startWriting(connection, item.response)
            drive(connection)
        }
    }

    private func accept(_ listener: Socket) {
        guard listenersPausedUntil == nil else { return }
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = vfl_accept(listener.descriptor, &storage, &length)
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    pauseListeners(reason: errno)
                    return
                default: return  // EAGAIN: all accepted
                }
            }
            let socket = Socket(descriptor: fd)
            let client = ClientAddress(storage)
            if let refusal = context.limiter.admit(client) {
                refuse(socket, refusal)
                continue
            }
            socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            nextGeneration += 1
            let now = Timestamp.monotonicSeconds()
            let connection = HTTPConnection(
                socket: socket, client: client, generation: nextGeneration, now: now,
                headerTimeout: context.configuration.headerTimeout)
            guard epoll.add(fd, .read, token: UInt64(fd)) else {
                context.limiter.release(client)
                socket.close()
                continue
            }
            connections[fd] = connection
        }
    }

    /// Out of descriptors or memory: stop accepting for 100 ms instead of spinning on a listener that stays ready.
    private func pauseListeners(reason: Int32) {
        let now = Timestamp.monotonicSeconds()
        listenersPausedUntil = now + 0.1
        // Removed, not modified: the kernel refuses EPOLL_CTL_MOD on an EPOLLEXCLUSIVE registration.
        for listener in context.listeners { epoll.remove(listener.descriptor) }
        if now - lastAcceptWarning > 10 {
            lastAcceptWarning = now
            context.logger.warning(
                "accept paused for 100 ms", metadata: [("reason", String(cString: strerror(reason)))])
        }
    }

    /// A fast `503` with `Connection: close` for a connection over a cap (one non-blocking write, then close).
    private func refuse(_ socket: Socket, _ refusal: ConnectionLimiter.Refusal) {
        let message =
            refusal == .full ? "the server holds its cap of connections" : "this client holds its cap of connections"
        var response = HTTPResponse.error(.serviceUnavailable, message)
        response.headers.append(("Retry-After", "1"))
        let bytes = response.head(contentLength: response.bodyBytes.count, keepAlive: false) + response.bodyBytes
        _ = bytes.withUnsafeBytes { socket.send($0) }
        socket.close()
    }

    // MARK: - Reading and framing

    private func read(_ connection: HTTPConnection) {
        let limits = context.configuration.limits
        // While the request at the front still lacks bytes, read up to what one request may hold; otherwise (an
        // answer pending, or pipelined requests waiting) only a little ahead, so that consuming a request never
        // moves a large buffer.
        let aheadLimit: Int
        switch connection.phase {
        case .head, .body: aheadLimit = HTTPParser.headBytesLimit(limits) + limits.bodyBytes
        default: aheadLimit = 16 << 10
        }
        reading: for _ in 0..<4 {
            if connection.input.count >= aheadLimit {
                // Stop watching reads until the front request is answered (``flush(_:)`` watches them again).
                setInterest(connection, [])
                break reading
            }
            switch connection.socket.receive(into: scratch) {
            case .bytes(let n):
                if case .draining = connection.phase { continue }  // discarded
                if case .idle = connection.phase {
                    connection.phase = .head(
                        deadline: Timestamp.monotonicSeconds() + context.configuration.headerTimeout)
                }
                connection.input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
            case .wouldBlock:
                break reading
            case .closed:
                if case .draining = connection.phase {
                    close(connection)
                    return
                }
                // The client shut its side (or went away): what it sent before is still answered; no more comes.
                connection.peerClosed = true
                setInterest(connection, [])
                break reading
            }
        }
        switch connection.phase {
        case .draining, .handling: return
        default: drive(connection)
        }
    }

    /// Moves a connection forward as far as it can go now: frames the next request and dispatches it, writes an
    /// answer, and goes on to the next pipelined request (at most 16 per pass; the rest wait for the next pass).
    private func drive(_ connection: HTTPConnection) {
        for _ in 0..<16 {
            guard connections[connection.socket.descriptor] === connection else { return }
            switch connection.phase {
            case .idle, .head, .body:
                guard frameNext(connection) else { return }
            case .writing:
                guard flush(connection) else { return }
            case .handling, .draining:
                return
            }
        }
        pending.append(connection.socket.descriptor)
    }

    private func servePending() {
        guard !pending.isEmpty else { return }
        let list = pending
        pending.removeAll()
        for fd in list { if let connection = connections[fd] { drive(connection) } }
    }

    /// Frames the next request of a connection's input; `true` when it moved on (a request was dispatched or
    /// refused), `false` when it waits for bytes.
    private func frameNext(_ connection: HTTPConnection) -> Bool {
        let configuration = context.configuration
        let now = Timestamp.monotonicSeconds()
        guard !connection.input.isEmpty else {
            if connection.peerClosed {
                close(connection)
                return false
            }
            if case .head = connection.phase { return false }
            connection.phase = .idle(since: now)
            return false
        }
        do {
            let progress = try HTTPParser.frame(connection.input, limits: configuration.limits)
            if connection.peerClosed {
                guard case .complete = progress else {
                    close(connection)  // an incomplete request from a client that sends no more
                    return false
                }
            }
            switch progress {
            case .head:
                if case .idle = connection.phase {
                    connection.phase = .head(deadline: now + configuration.headerTimeout)
                }
                return false
            case .body(let head, let total):
                if case .body = connection.phase {
                } else {
                    connection.phase = .body(deadline: now + configuration.bodyTimeout, total: total)
                }
                if head.expectsContinue && !connection.sentContinue {
                    connection.sentContinue = true
                    _ = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8).withUnsafeBytes { connection.socket.send($0) }
                }
                return false
            case .complete(var frame):
                connection.input.removeFirst(frame.consumed)
                connection.sentContinue = false
                frame.request.receivedAt = now
                dispatch(connection, frame.request)
                return true
            }
        } catch {
            var response = HTTPResponse.error(error.status, error.message)
            if error.status == .contentTooLarge { response.headers.append(("Connection", "close")) }
            connection.input.removeAll()
            startWriting(connection, OutgoingResponse(response, to: nil, closing: true))
            return true
        }
    }

    private func dispatch(_ connection: HTTPConnection, _ request: HTTPRequest) {
        connection.phase = .handling
        let responder = context.responder
        if let answer = responder.respondOnLoop(to: request) {
            startWriting(connection, OutgoingResponse(answer, to: request))
            return
        }
        let fd = connection.socket.descriptor
        let generation = connection.generation
        let submitted = context.pool.submit { [self] in
            complete(fd, generation: generation, OutgoingResponse(responder.respond(to: request), to: request))
        }
        if !submitted {
            var response = HTTPResponse.error(.serviceUnavailable, "the server is busy; try again")
            response.headers.append(("Retry-After", "1"))
            startWriting(connection, OutgoingResponse(response, to: request))
        }
    }

    // MARK: - Writing

    private func startWriting(_ connection: HTTPConnection, _ response: OutgoingResponse) {
        connection.output = response.bytes
        connection.outputBody = response.body
        connection.outputSent = 0
        connection.file = response.file
        connection.fileOffset = 0
        connection.fileEnd = response.fileSize
        connection.closeAfterWrite = !response.keepAlive
        connection.lastProgress = Timestamp.monotonicSeconds()
        connection.phase = .writing
    }

    /// Writes what the socket takes; `true` when the answer is all written and the connection is ready for the next
    /// request.
    private func flush(_ connection: HTTPConnection) -> Bool {
        let total = connection.output.count + connection.outputBody.count
        while connection.outputSent < total {
            let sent = connection.outputSent
            let result = connection.output.withUnsafeBytes { head in
                connection.outputBody.withUnsafeBytes { body in
                    sent < head.count
                        ? connection.socket.send(UnsafeRawBufferPointer(rebasing: head[sent...]), body)
                        : connection.socket.send(UnsafeRawBufferPointer(rebasing: body[(sent - head.count)...]))
                }
            }
            guard let n = progress(connection, result) else { return false }
            connection.outputSent += n
        }
        while connection.file >= 0 && Int(connection.fileOffset) < connection.fileEnd {
            let count = min(connection.fileEnd - Int(connection.fileOffset), 1 << 20)
            let result = connection.socket.sendFile(connection.file, offset: &connection.fileOffset, count: count)
            guard progress(connection, result) != nil else { return false }
        }
        connection.closeFile()
        connection.output = []
        connection.outputBody = []
        if connection.closeAfterWrite && connection.peerClosed {
            close(connection)
            return false
        }
        if connection.closeAfterWrite {
            // Shut our side, then discard what the client still sends until it closes: closing with unread bytes
            // would reset the connection and could destroy the answer before the client reads it.
            shutdown(connection.socket.descriptor, Int32(SHUT_WR))
            connection.input = []
            connection.phase = .draining(deadline: Timestamp.monotonicSeconds() + 2)
            setInterest(connection, .read)
            return false
        }
        connection.phase = .idle(since: Timestamp.monotonicSeconds())
        setInterest(connection, connection.peerClosed ? [] : .read)
        return true
    }

    /// The bytes a write moved (its progress noted), or `nil` when the connection must wait for writability (then
    /// watched for it) or has closed (then closed here).
    private func progress(_ connection: HTTPConnection, _ result: Socket.Transfer) -> Int? {
        switch result {
        case .bytes(let n):
            connection.lastProgress = Timestamp.monotonicSeconds()
            return n
        case .wouldBlock:
            setInterest(connection, .write)
            return nil
        case .closed:
            close(connection)
            return nil
        }
    }

    private func setInterest(_ connection: HTTPConnection, _ interest: Epoll.Interest) {
        guard connection.interest != interest else { return }
        connection.interest = interest
        epoll.modify(connection.socket.descriptor, interest, token: UInt64(connection.socket.descriptor))
    }

    // MARK: - Deadlines

    /// Closes connections past a deadline: a head or body not whole in time gets a 408 first.
    private func sweep(_ now: Double) {
        if let until = listenersPausedUntil, now >= until {
            listenersPausedUntil = nil
            for (index, listener) in context.listeners.enumerated() {
                epoll.add(listener.descriptor, [.read, .exclusive], token: Self.listenerToken(index))
            }
        }
        let configuration = context.configuration
        var expired: [(HTTPConnection, Bool)] = []
        for connection in connections.values {
            switch connection.phase {
            case .idle(let since) where now - since > configuration.idleTimeout:
                expired.append((connection, false))
            case .head(let deadline) where now > deadline:
                expired.append((connection, !connection.input.isEmpty))
            case .body(let deadline, _) where now > deadline:
                expired.append((connection, true))
            case .writing where now - connection.lastProgress > configuration.writeTimeout:
                expired.append((connection, false))
            case .draining(let deadline) where now > deadline:
                expired.append((connection, false))
            default:
                break
            }
        }
        for (connection, answer) in expired {
            if answer {
                let response = HTTPResponse.error(.requestTimeout, "the request was not received in time")
                let bytes =
                    response.head(contentLength: response.bodyBytes.count, keepAlive: false) + response.bodyBytes
                _ = bytes.withUnsafeBytes { connection.socket.send($0) }
            }
            close(connection)
        }
    }

    private func close(_ connection: HTTPConnection) {
        let fd = connection.socket.descriptor
        guard connections[fd] === connection else { return }
        connections[fd] = nil
        connection.closeFile()
        connection.socket.close()
        context.limiter.release(connection.client)
    }
}
