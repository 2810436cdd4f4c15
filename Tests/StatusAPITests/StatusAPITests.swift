import Core
import Fixtures
import Foundation
import Spool
import StatusAPI
import Store
import Testing

@Suite struct HTTPParserTests {
    func parse(_ text: String) -> Int {
        do {
            _ = try HTTPParser.parse(head: Array(text.utf8))
            return 200
        } catch {
            return error.status.code
        }
    }

    @Test func parse_acceptsAWellFormedRequestWithQuery() throws {
        let request = try HTTPParser.parse(
            head: Array("GET /jobs?state=done&limit=5 HTTP/1.1\r\nHost: x\r\nX-A: b".utf8))
        #expect(request.path == "/jobs")
        #expect(request.query == ["state": "done", "limit": "5"])
        #expect(request.headers["x-a"] == "b")
        #expect(request.keepAlive)
    }

    @Test func parse_keepsEmptyQueryNamesAndValues() throws {
        // `?=` once crashed the server (index out of range): the pair split into no parts at all.
        let request = try HTTPParser.parse(head: Array("GET /anything?= HTTP/1.1\r\nHost: x".utf8))
        #expect(request.path == "/anything")
        #expect(request.query == ["": ""])
        let more = try HTTPParser.parse(head: Array("GET /jobs?=x&a=&b&c==d&&=&state=done HTTP/1.0".utf8))
        #expect(more.query == ["": "", "a": "", "b": "", "c": "=d", "state": "done"])
    }

    @Test func parse_givesTheRFC9112Answers() {
        #expect(parse("GET / HTTP/1.1") == 400)  // no Host
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b") == 400)  // duplicate Host
        #expect(parse("GET / HTTP/1.1\r\nHost : a") == 400)  // space before the colon
        #expect(parse("GET / HTTP/2.0\r\nHost: a") == 505)
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip") == 501)
        #expect(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5") == 200)  // a body is framed after the head
        #expect(parse("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a") == 414)
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 9000)) == 431)
        #expect(parse("GET / HTTP/1.1\r\nHost: a" + String(repeating: "\r\nX: y", count: 120)) == 431)
        #expect(parse("GET / HTTP/1.0") == 200)
    }

    @Test func parseBytes_framesPipelinedRequestsAndWaitsForAWholeHead() throws {
        let two = Array("\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.0\n\n".utf8)
        let first = try #require(try HTTPParser.parse(bytes: two))
        #expect(first.request.path == "/a")
        let rest = Array(two[first.consumed...])
        let second = try #require(try HTTPParser.parse(bytes: rest))
        #expect(second.request.path == "/b")
        #expect(second.consumed == rest.count)
        #expect(try HTTPParser.parse(bytes: Array("GET /a HTTP/1.1\r\nHost: x\r\n".utf8)) == nil)
        #expect(try HTTPParser.parse(bytes: []) == nil)
    }

    @Test func parseBytes_answers414Or431WhenNoHeadEndsWithinTheLimit() {
        let limit = HTTPParser.headBytesLimit(HTTPParser.Limits())
        func status(_ bytes: [UInt8]) -> Int? {
            do {
                return try HTTPParser.parse(bytes: bytes) == nil ? nil : 200
            } catch {
                return error.status.code
            }
        }
        #expect(status(Array("GET /".utf8) + [UInt8](repeating: 97, count: limit)) == 414)
        #expect(status(Array("GET / HTTP/1.1\r\nX: ".utf8) + [UInt8](repeating: 98, count: limit)) == 431)
        #expect(status(Array("GET / HTTP/1.1\r\nX: ".utf8) + [UInt8](repeating: 98, count: 100)) == nil)
    }
}

@Suite struct StatusRouterTests {
    let directory = NSTemporaryDirectory() + "vfl-api-" + UUID().uuidString

    func makeRouter(token: String? = nil) throws -> (StatusRouter, any JobStore, Spool) {
        let spool = Spool(root: directory)
        try spool.create()
        let store = try SQLiteStore(path: directory + "/vfl.sqlite", process: "test")
        return (
            StatusRouter(
                store: store, spool: spool, token: token, modelLoaded: true,
                model: ("m", ["C01": "Income is low", "C02": "Payment history score is low"])), store, spool
        )
    }

    func get(_ router: StatusRouter, _ target: String, headers: [String: String] = [:]) throws -> (Int, String) {
        var request = try HTTPParser.parse(head: Array("GET \(target) HTTP/1.1\r\nHost: t".utf8))
        for (k, v) in headers { request.headers[k] = v }
        let response = router.handle(request)
        switch response.body {
        case .bytes(let bytes): return (response.status.code, String(decoding: bytes, as: UTF8.self))
        case .file(let path, _): return (response.status.code, try String(contentsOfFile: path, encoding: .utf8))
        }
    }

    /// Records job `id` as done, with `csv` as its scores.csv.
    func finishJob(_ id: String, csv: String, rows: Int, store: any JobStore, spool: Spool) throws {
        try store.createJob(id: id, parties: ["a"], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 30, maxAttempts: 3))
        try FileIO.makeDirectories(spool.results + "/" + id)
        try csv.write(toFile: spool.results + "/" + id + "/scores.csv", atomically: true, encoding: .utf8)
        #expect(
            try store.completeTask(
                task, customers: rows, scored: rows, rejectedRows: 0, resultPath: spool.results + "/" + id))
    }

    @Test func routes_answerAsTheContractSays() throws {
        let (router, store, spool) = try makeRouter(token: "s3cret")
        try finishJob("b1", csv: "tax_id,score\nk1,700.00\nk2,650.50\n", rows: 2, store: store, spool: spool)
        try store.createJob(id: "b2", parties: ["a"], modelID: "m", modelName: "n", tasks: 1)

        #expect(try get(router, "/health").0 == 200)
        #expect(try get(router, "/ready").0 == 200)
        let jobs = try JSONValue(parsing: Data(try get(router, "/jobs").1.utf8))
        #expect(jobs["jobs"]?.array?.map { $0["id"]?.string } == ["b2", "b1"])
        let done = try JSONValue(parsing: Data(try get(router, "/jobs?state=done").1.utf8))
        #expect(done["jobs"]?.array?.count == 1)
        let paged = try JSONValue(parsing: Data(try get(router, "/jobs?limit=1").1.utf8))
        #expect(paged["next"]?.string == "b2")
        let second = try JSONValue(parsing: Data(try get(router, "/jobs?limit=1&after=b2").1.utf8))
        #expect(second["jobs"]?.array?.first?["id"]?.string == "b1")
        let one = try JSONValue(parsing: Data(try get(router, "/jobs/b1").1.utf8))
        #expect(one["state"]?.string == "done")
        #expect(one["events"]?.array?.count == 4)
        #expect(try get(router, "/jobs/nope").0 == 404)
        #expect(try get(router, "/nowhere").0 == 404)
        // Results: 401 without the token (also for a job that does not exist), the CSV with it.
        #expect(try get(router, "/jobs/b1/results").0 == 401)
        #expect(try get(router, "/jobs/zzz/results").0 == 401)
        let csv = try get(router, "/jobs/b1/results", headers: ["authorization": "Bearer s3cret"])
        #expect(csv.0 == 200 && csv.1.hasPrefix("tax_id,score\n"))
        let page = try get(
            router, "/jobs/b1/results?format=json&offset=1&limit=1", headers: ["authorization": "Bearer s3cret"])
        let rows = try JSONValue(parsing: Data(page.1.utf8))["rows"]?.array
        #expect(rows?.count == 1 && rows?[0]["tax_id"]?.string == "k2")
        #expect(try get(router, "/jobs/b2/results", headers: ["authorization": "Bearer s3cret"]).0 == 404)
        let metrics = try get(router, "/metrics")
        #expect(metrics.1.contains("vfl_jobs{state=\"done\"} 1"))
        #expect(metrics.1.contains("vfl_job_duration_seconds_bucket{le=\"+Inf\"} 1"))
        #expect(metrics.1.contains("vfl_job_duration_seconds_count 1"))
        // The dashboard: one page, no external assets, a restrictive CSP.
        let page0 = router.handle(try HTTPParser.parse(head: Array("GET / HTTP/1.1\r\nHost: t".utf8)))
        #expect(page0.status == 200)
        #expect(page0.headers.contains { $0.0 == "Content-Type" && $0.1.hasPrefix("text/html") })
        #expect(page0.headers.contains { $0.0 == "Content-Security-Policy" && $0.1.contains("default-src 'none'") })
        let html = try get(router, "/").1
        #expect(html.contains("<svg") || html.contains("\"svg\""))
        #expect(!html.contains("https://") && !html.contains("<link") && !html.contains("src="))
        #expect(metrics.1.contains("vfl_rows_scored_total 2"))
        var post = try HTTPParser.parse(head: Array("GET /jobs HTTP/1.1\r\nHost: t".utf8))
        post.method = "DELETE"
        #expect(router.handle(post).status == 405)
    }

    @Test func jsonResults_explainTheirReasonCodesWithTheLoadedModel() throws {
        let (router, store, spool) = try makeRouter(token: "s3cret")
        try finishJob(
            "b1", csv: "tax_id,score,parties,reason_1,reason_2,reason_3,reason_4\nk1,700.00,a,C02,C01,,\n", rows: 1,
            store: store, spool: spool)
        let explained = try JSONValue(
            parsing: Data(
                try get(router, "/jobs/b1/results?format=json", headers: ["authorization": "Bearer s3cret"]).1.utf8))
        #expect(explained["reason_texts"]?["C01"]?.string == "Income is low")
        #expect(explained["reason_texts"]?["C02"]?.string == "Payment history score is low")
    }

    @Test func server_answersOverARealSocketWithKeepAliveAndPipelining() throws {
        let (router, _, _) = try makeRouter()
        let server = try HTTPServer(configuration: HTTPServer.Configuration(port: 0), responder: router)
        let stop = Flag()
        let thread = Thread { server.run(until: stop) }
        thread.start()
        defer { stop.set() }
        // Two pipelined requests on one connection, answered in order.
        let client = try #require(LoopbackClient(port: server.port))
        defer { client.close() }
        client.send(
            "GET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let text = client.readAll()
        let first = text.range(of: "HTTP/1.1 200 OK")
        let second = text.range(of: "HTTP/1.1 404 Not Found")
        #expect(first != nil && second != nil && first!.lowerBound < second!.lowerBound)
        // Latency histograms by route template and status.
        let metrics = router.latency.text
        #expect(metrics.contains("vfl_http_request_duration_seconds_count{route=\"/health\",status=\"200\"} 1"))
        #expect(metrics.contains("vfl_http_request_duration_seconds_count{route=\"other\",status=\"404\"} 1"))
        #expect(
            metrics.contains("vfl_http_request_duration_seconds_bucket{route=\"/health\",status=\"200\",le=\"+Inf\"} 1")
        )
    }

    /// Sends a request on a new connection and returns the status line.
    static func statusLine(_ port: Int, _ path: String) -> String {
        let fd = Loopback.connect(port)
        guard fd >= 0 else { return "connect failed" }
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = "GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".withCString { send(fd, $0, strlen($0), 0) }
        var chunk = [UInt8](repeating: 0, count: 256)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "no answer" }
        return String(decoding: chunk[0..<n], as: UTF8.self).components(separatedBy: "\r\n")[0]
    }

    @Test func thousandsOfIdleConnections_getFast503sBeyondTheCap_andTheServerRecovers() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let idle = min(3000, (Int(limit.rlim_cur) - 200) / 2)
        let (router, _, _) = try makeRouter()
        let server = try HTTPServer(
            configuration: HTTPServer.Configuration(port: 0, maxConnections: 500, idleTimeout: 2), responder: router)
        let stop = Flag()
        let thread = Thread { server.run(until: stop) }
        thread.start()
        defer { stop.set() }
        var sockets: [Int32] = []
        for _ in 0..<idle {
            let fd = Loopback.connect(server.port)
            if fd >= 0 { sockets.append(fd) }
        }
        #expect(sockets.count == idle, "every connection is accepted (the server never stops accepting)")
        // Beyond the cap: a 503 answer (a hang would be "no answer" after the probe's 5 s receive timeout).
        #expect(Self.statusLine(server.port, "/health") == "HTTP/1.1 503 Service Unavailable")
        for fd in sockets { close(fd) }
        // Once the idle connections are gone, /health answers again.
        var answer = ""
        for _ in 0..<50 {
            answer = Self.statusLine(server.port, "/health")
            if answer == "HTTP/1.1 200 OK" { break }
            usleep(100_000)
        }
        #expect(answer == "HTTP/1.1 200 OK")
    }
}
