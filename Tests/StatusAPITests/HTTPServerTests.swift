import Core
import Dispatch
import Fixtures
import Foundation
import StatusAPI
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A responder for server tests: `/health` on the loop; `/block` waits for `gate`; `/echo` answers the body's length
/// and the query's `i`; anything else a 200 on the pool.
struct TestResponder: HTTPResponder {
    let gate = DispatchSemaphore(value: 0)

    func respondOnLoop(to request: HTTPRequest) -> HTTPResponse? {
        request.path == "/health" ? .json(.ok, ["status": "ok"]) : nil
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case "/block":
            gate.wait()
            return .json(.ok, ["blocked": true])
        case "/echo":
            return .json(.ok, ["length": .number(Double(request.body.count)), "i": .string(request.query["i"] ?? "")])
        case "/big":
            return HTTPResponse(status: .ok, body: .file(path: request.query["path"] ?? "", size: 0))
        default:
            return .json(.ok, ["path": .string(request.path)])
        }
    }
}

/// A running server on a free port, stopped when the test ends.
final class RunningServer {
    let server: HTTPServer
    let responder = TestResponder()
    private let stop = Flag()
    private let done = DispatchSemaphore(value: 0)

    init(_ configuration: HTTPServer.Configuration) throws {
        var configuration = configuration
        configuration.port = 0
        server = try HTTPServer(configuration: configuration, responder: responder)
        let server = server
        let stop = stop
        let done = done
        Thread {
            server.run(until: stop)
            done.signal()
        }.start()
    }

    var port: Int { server.port }

    deinit {
        for _ in 0..<64 { responder.gate.signal() }
        stop.set()
        _ = done.wait(timeout: .now() + 30)
    }
}

/// Waits up to `seconds` for `condition`.
func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

@Suite(.serialized) struct HTTPServerTests {
    @Test func headDeadline_isNotResetByEachByte() throws {
        let running = try RunningServer(HTTPServer.Configuration(headerTimeout: 1))
        let client = try #require(LoopbackClient(port: running.port))
        defer { client.close() }
        client.send("GET /health HTTP/1.1\r\nHost: a\r\n")
        // One header byte every 100 ms: a deadline reset by each byte would never expire; the total one does.
        var dripped = 0
        while dripped < 300 && !client.hasSomethingToRead {
            client.send("X")
            dripped += 1
            usleep(100_000)
        }
        #expect(dripped < 300, "still open after 30 s of dripping")
        #expect(client.readAll().hasPrefix("HTTP/1.1 408 Request Timeout"))
    }

    @Test func silentConnection_isClosedAtTheHeadDeadline() throws {
        let running = try RunningServer(HTTPServer.Configuration(headerTimeout: 1))
        let client = try #require(LoopbackClient(port: running.port, timeout: 30))
        defer { client.close() }
        #expect(client.readSome() == "", "closed (end of stream), not left open until the client's timeout")
        #expect(eventually(seconds: 10) { running.server.openConnections == 0 })
    }

    @Test func bodyDeadline_answers408() throws {
        let running = try RunningServer(HTTPServer.Configuration(bodyTimeout: 1))
        let client = try #require(LoopbackClient(port: running.port))
        defer { client.close() }
        client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        #expect(client.readAll().hasPrefix("HTTP/1.1 408 Request Timeout"))
    }

    @Test func body_isFramedAcrossReads_afterA100Continue() throws {
        let running = try RunningServer(HTTPServer.Configuration())
        let client = try #require(LoopbackClient(port: running.port))
        defer { client.close() }
        client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
        #expect(client.readSome()?.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n") == true)
        client.send("hello")
        usleep(50_000)
        client.send(" world")
        let answer = client.readSome() ?? ""
        #expect(answer.hasPrefix("HTTP/1.1 200 OK") && answer.contains(#""length":11"#), "\(answer)")
        client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n")
        #expect(client.readAll().hasPrefix("HTTP/1.1 413"), "a body over the limit is refused before it is read")
    }

    @Test func pipelinedRequests_areAnsweredInOrder() throws {
        let running = try RunningServer(HTTPServer.Configuration())
        let client = try #require(LoopbackClient(port: running.port))
        defer { client.close() }
        var requests = ""
        for i in 0..<200 { requests += "GET /echo?i=\(i) HTTP/1.1\r\nHost: a\r\n\r\n" }
        requests += "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        client.send(requests)
        let text = client.readAll()
        var position = text.startIndex
        for i in 0..<200 {
            let range = try #require(text.range(of: #""i":"\#(i)""#, range: position..<text.endIndex), "answer \(i)")
            position = range.upperBound
        }
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 202)
    }

    @Test func perClientCap_refusesThatClient_notOthers() throws {
        let running = try RunningServer(HTTPServer.Configuration(maxConnectionsPerClient: 3))
        let held = (0..<3).compactMap { _ in LoopbackClient(port: running.port) }
        defer { held.forEach { $0.close() } }
        #expect(held.count == 3)
        #expect(eventually(seconds: 10) { running.server.openConnections == 3 })
        let fourth = try #require(LoopbackClient(port: running.port))
        defer { fourth.close() }
        fourth.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n")
        let refused = fourth.readAll()
        #expect(refused.hasPrefix("HTTP/1.1 503 Service Unavailable") && refused.contains("Retry-After: 1"))
        // Another client address (127.0.0.2 is loopback too) is served.
        let other = try #require(LoopbackClient(port: running.port, source: "127.0.0.2"))
        defer { other.close() }
        other.send("GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(other.readAll().hasPrefix("HTTP/1.1 200 OK"))
    }

    @Test func fullHandlerQueue_gets503_whileTheLoopStillAnswersHealth() throws {
        let running = try RunningServer(HTTPServer.Configuration(handlerThreads: 1, handlerQueue: 1))
        let first = try #require(LoopbackClient(port: running.port))
        let second = try #require(LoopbackClient(port: running.port))
        let third = try #require(LoopbackClient(port: running.port))
        defer { [first, second, third].forEach { $0.close() } }
        first.send("GET /block HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")  // holds the only thread
        usleep(200_000)
        second.send("GET /block HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")  // waits in the queue
        usleep(200_000)
        third.send("GET /block HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(third.readAll().hasPrefix("HTTP/1.1 503 Service Unavailable"))
        // /health is answered on the event loop: blocked handlers cannot stop it.
        let probe = try #require(LoopbackClient(port: running.port))
        defer { probe.close() }
        probe.send("GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(probe.readAll().hasPrefix("HTTP/1.1 200 OK"))
        running.responder.gate.signal()
        running.responder.gate.signal()
        #expect(first.readAll().hasPrefix("HTTP/1.1 200 OK"))
        #expect(second.readAll().hasPrefix("HTTP/1.1 200 OK"))
    }

    @Test func idleKeepAlive_isClosedAfterTheIdleTimeout() throws {
        let running = try RunningServer(HTTPServer.Configuration(idleTimeout: 1))
        let client = try #require(LoopbackClient(port: running.port, timeout: 30))
        defer { client.close() }
        client.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(client.readSome()?.hasPrefix("HTTP/1.1 200 OK") == true)
        #expect(client.readSome() == "", "the idle connection is closed by the server")
    }

    @Test func readerThatStopsReading_isClosedAtTheWriteTimeout() throws {
        let path = NSTemporaryDirectory() + "vfl-big-" + UUID().uuidString
        defer { unlink(path) }
        let block = [UInt8](repeating: 65, count: 1 << 20)
        let writer = try BufferedFileWriter(path: path)
        for _ in 0..<64 { try writer.write(block) }
        try writer.close(sync: false)
        let running = try RunningServer(HTTPServer.Configuration(writeTimeout: 1))
        let client = try #require(LoopbackClient(port: running.port))
        defer { client.close() }
        var size: Int32 = 4096
        setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        client.send("GET /big?path=\(path) HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(client.readSome()?.hasPrefix("HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n") == true)
        #expect(running.server.openConnections == 1)
        // Then never read: the server's writes stop progressing, and it gives up on the connection.
        #expect(eventually(seconds: 30) { running.server.openConnections == 0 })
    }

    @Test func listensOnIPv4AndIPv6_orIPv4AloneWithoutIPv6() throws {
        let running = try RunningServer(HTTPServer.Configuration(host: "*"))
        #expect(running.server.addresses.first == "0.0.0.0")
        let v4 = try #require(LoopbackClient(port: running.port, address: "127.0.0.1"))
        defer { v4.close() }
        v4.send("GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(v4.readAll().hasPrefix("HTTP/1.1 200 OK"))
        if running.server.addresses.contains("::") {
            let v6 = try #require(LoopbackClient(port: running.port, address: "::1"))
            defer { v6.close() }
            v6.send("GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(v6.readAll().hasPrefix("HTTP/1.1 200 OK"))
        }
        // The default is loopback only.
        let local = try RunningServer(HTTPServer.Configuration())
        #expect(local.server.addresses == ["127.0.0.1"])
    }

    @Test func requestsBeforeAHalfClose_areAnswered() throws {
        let running = try RunningServer(HTTPServer.Configuration())
        for path in ["/health", "/echo"] {
            let client = try #require(LoopbackClient(port: running.port))
            defer { client.close() }
            client.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\nGET \(path)?i=2 HTTP/1.0\r\n\r\n")
            shutdown(client.fd, Int32(SHUT_WR))  // as `printf ... | nc -N` does
            let text = client.readAll()
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "\(path): \(text)")
        }
        // An incomplete request before the half-close is closed, not waited for.
        let partial = try #require(LoopbackClient(port: running.port))
        defer { partial.close() }
        partial.send("GET /health HTTP/1.1\r\nHost: a\r\n")
        shutdown(partial.fd, Int32(SHUT_WR))
        #expect(partial.readSome() == "")
        #expect(eventually(seconds: 10) { running.server.openConnections == 0 })
    }
}
