import Core
import Foundation
import Spool
import StatusAPI
import Store
import Testing

/// Who sees what through the router, on real SQLite stores and result files: the open job record without any
/// distribution, the detail and the lookup behind the token, the lookup's answers and refusals, and keyset paging.
@Suite struct StatusRouterAccessTests {
    let directory = NSTemporaryDirectory() + "vfl-api-access-" + UUID().uuidString
    static let token = "access-test-token-0123456789abcdef"
    static let bearer = ["authorization": "Bearer \(token)"]
    static let header = "tax_id,score,parties,reason_1,reason_2,reason_3,reason_4\n"
    /// Three customers, sorted by key in byte order as the worker writes them.
    static let scores =
        header + "k1,700.00,a,C02,C01,,\nk2,650.50,a|b,C01,,,\nk3,812.25,b,,,,\n"

    func makeRouter(token: String? = token) throws -> (StatusRouter, any JobStore, Spool) {
        let spool = Spool(root: directory)
        try spool.create()
        let store = try SQLiteStore(path: directory + "/vfl.sqlite", process: "test")
        let router = StatusRouter(
            store: store, spool: spool, token: token, modelLoaded: true,
            model: ("m", ["C01": "Income is low", "C02": "Payment history score is low"]))
        return (router, store, spool)
    }

    /// Records job `id` as done with `csv` as its scores.csv and, when given, `summary` as its summary.json.
    func finishJob(
        _ id: String, csv: String = scores, summary: String? = nil, modelID: String = "m", store: any JobStore,
        spool: Spool
    ) throws {
        try store.createJob(id: id, parties: ["a", "b"], modelID: modelID, modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 30, maxAttempts: 3))
        let folder = spool.results + "/" + id
        try FileIO.makeDirectories(folder)
        try csv.write(toFile: folder + "/scores.csv", atomically: true, encoding: .utf8)
        if let summary { try summary.write(toFile: folder + "/summary.json", atomically: true, encoding: .utf8) }
        let rows = csv.split(separator: "\n").count - 1
        #expect(try store.completeTask(task, customers: rows, scored: rows, rejectedRows: 0, resultPath: folder))
    }

    func send(
        _ router: StatusRouter, _ method: HTTPMethod, _ target: String, headers: [String: String] = [:],
        body: String = ""
    ) throws -> (status: Int, json: JSONValue?, headers: [(String, String)]) {
        var request = try HTTPParser.parse(head: Array("GET \(target) HTTP/1.1\r\nHost: t".utf8))
        request.method = method
        request.body = Array(body.utf8)
        for (name, value) in headers { request.headers[name] = value }
        let response = router.handle(request)
        return (response.status.code, try? JSONValue(parsing: Data(response.bodyBytes)), response.headers)
    }

    func lookup(
        _ router: StatusRouter, _ id: String, _ body: String, type: String? = "application/json",
        headers: [String: String] = bearer
    ) throws -> (status: Int, json: JSONValue?) {
        var all = headers
        if let type { all["content-type"] = type }
        let answer = try send(router, .post, "/jobs/\(id)/lookup", headers: all, body: body)
        return (answer.status, answer.json)
    }

    static func keysBody(_ keys: [String]) -> String {
        JSONValue.object([("keys", .array(keys.map { .string($0) }))]).text
    }

    @Test func jobRecord_showsThePublicPartOnly_noHistogramOrDrift() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("b1", summary: SummaryFixtures.demo, store: store, spool: spool)
        let answer = try send(router, .get, "/jobs/b1")
        #expect(answer.status == 200)
        let summary = try #require(answer.json?["summary"])
        #expect(summary["customers"]?.int == 2000)
        #expect(summary["parties"]?["auto_loans"]?["coverage"]?.double == 0.817)
        #expect(summary["score_histogram"] == nil && summary["drift"] == nil)
        #expect(summary["parties_per_customer"] == nil && summary["minimum_group"] == nil)
        let text = try #require(answer.json).text
        #expect(!text.contains("\"bins\"") && !text.contains("\"csi\"") && !text.contains("\"counts\""))
        #expect(!text.contains("score_counts") && !text.contains("\"psi\""))
        // The same without a token configured: the job record is public either way, never the detail.
        let (open, _, _) = try makeRouter(token: nil)
        #expect(try send(open, .get, "/jobs/b1").json?["summary"]?["score_histogram"] == nil)
    }

    @Test func summary_needsTheToken_andGivesTheDetailInGroupsOfTheMinimum() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("b1", summary: SummaryFixtures.demo, store: store, spool: spool)
        try finishJob("b2", store: store, spool: spool)
        for headers in [[:], ["authorization": "Bearer wrong"], ["authorization": Self.token]] {
            let refused = try send(router, .get, "/jobs/b1/summary", headers: headers)
            #expect(refused.status == 401)
            #expect(refused.headers.contains { $0 == ("WWW-Authenticate", "Bearer") })
            #expect(refused.json?["score_histogram"] == nil)
        }
        // 401 also for a job that does not exist: the answer does not tell which jobs exist.
        #expect(try send(router, .get, "/jobs/nope/summary").status == 401)
        let answer = try send(router, .get, "/jobs/b1/summary", headers: Self.bearer)
        #expect(answer.status == 200)
        let detail = try #require(answer.json)
        #expect(detail["minimum_group"]?.int == 50)
        #expect(detail["customers"]?.int == 2000)
        let bins = try #require(detail["score_histogram"]?["bins"]?.array)
        #expect(!bins.isEmpty)
        for bin in bins {
            let from = try #require(bin["from"]?.int)
            let to = try #require(bin["to"]?.int)
            #expect(to > from)
            #expect((bin["count"]?.int ?? 0) >= 50)
        }
        #expect(bins.reduce(0) { $0 + ($1["count"]?.int ?? 0) } == detail["scored"]?.int)
        #expect(detail["parties_per_customer"]?.object?.allSatisfy { $0.1.int == 0 || ($0.1.int ?? 0) >= 50 } == true)
        #expect(detail["drift"]?["psi"] != nil && detail["drift"]?["score_counts"] == nil)
        #expect(detail["drift"]?["features"]?["auto_loans"]?["age"]?["groups"]?.array?.isEmpty == false)
        // With the token: 404 for a job without a summary, and for no job.
        #expect(try send(router, .get, "/jobs/b2/summary", headers: Self.bearer).status == 404)
        #expect(try send(router, .get, "/jobs/nope/summary", headers: Self.bearer).status == 404)
    }

    @Test func summary_ofASmallBatchWithholdsTheDistributions() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob(
            "one", csv: Self.header + "k1,700.00,a,,,,\n", summary: SummaryFixtures.oneCustomer,
            store: store, spool: spool)
        let detail = try #require(try send(router, .get, "/jobs/one/summary", headers: Self.bearer).json)
        #expect(detail["score_histogram"]?["withheld"] == true && detail["score_histogram"]?["bins"] == nil)
        #expect(detail["parties_per_customer"]?["withheld"] == true)
        #expect(detail["drift"]?["psi_withheld"] == true)
    }

    @Test func lookup_needsTheToken() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("b1", store: store, spool: spool)
        let body = Self.keysBody(["k1"])
        #expect(try lookup(router, "b1", body, headers: [:]).status == 401)
        #expect(try lookup(router, "b1", body, headers: ["authorization": "Bearer nope"]).status == 401)
        #expect(try lookup(router, "nope", body, headers: [:]).status == 401)
        // A GET of the lookup is a 405 naming POST.
        let get = try send(router, .get, "/jobs/b1/lookup", headers: Self.bearer)
        #expect(get.status == 405 && get.headers.contains { $0 == ("Allow", "POST") })
        #expect(try lookup(router, "b1", body).status == 200)
    }

    @Test func lookup_answersEachKeysRowInOrder_andNullForAbsentKeys() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("b1", store: store, spool: spool)
        let answer = try lookup(router, "b1", Self.keysBody(["k2", "absent", "k1", "k2", ""]))
        #expect(answer.status == 200)
        let json = try #require(answer.json)
        #expect(json["job"]?.string == "b1")
        #expect(json["key_column"]?.string == "tax_id")
        let results = try #require(json["results"]?.array)
        #expect(results.count == 5)
        #expect(results[1] == .null && results[4] == .null)
        #expect(results[0]["key"]?.string == "k2")
        #expect(results[0]["score"]?.double == 650.5)
        #expect(results[0]["parties"] == ["a", "b"])
        #expect(results[0]["reasons"] == [["code": "C01", "text": "Income is low"]])
        #expect(results[3] == results[0])
        #expect(results[2]["key"]?.string == "k1" && results[2]["score"]?.double == 700)
        #expect(
            results[2]["reasons"] == [
                ["code": "C02", "text": "Payment history score is low"], ["code": "C01", "text": "Income is low"],
            ])
        // A customer without reason codes has none.
        let k3 = try #require(try lookup(router, "b1", Self.keysBody(["k3"])).json?["results"]?.array?.first)
        #expect(k3["reasons"] == [] && k3["parties"] == ["b"])
    }

    @Test func lookup_givesReasonTextsOnlyForJobsOfTheLoadedModel() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("other", modelID: "another-model", store: store, spool: spool)
        let row = try #require(try lookup(router, "other", Self.keysBody(["k1"])).json?["results"]?.array?.first)
        #expect(row["reasons"] == [["code": "C02", "text": .null], ["code": "C01", "text": .null]])
    }

    @Test func lookup_refusesBadBodiesAndContentTypes() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("b1", store: store, spool: spool)
        let tooMany = Self.keysBody((0...StatusRouter.lookupKeyLimit).map { "k\($0)" })
        #expect(try lookup(router, "b1", tooMany).status == 400)
        #expect(try lookup(router, "b1", Self.keysBody((1...1000).map { "k\($0)" })).status == 200)
        for body in [
            #"{"keys": []}"#, #"{"keys": ["k1", 2]}"#, #"{"keys": [null]}"#, #"{"keys": "k1"}"#, #"{"key": ["k1"]}"#,
            #"["k1"]"#, #"{"keys": ["k1"]"#, "not json", "",
        ] {
            let answer = try lookup(router, "b1", body)
            #expect(answer.status == 400, "\(body)")
            #expect(answer.json?["error"]?.string != nil)
        }
        #expect(try lookup(router, "b1", Self.keysBody(["k1"]), type: "text/plain").status == 415)
        #expect(
            try lookup(router, "b1", Self.keysBody(["k1"]), type: "application/x-www-form-urlencoded").status == 415)
        #expect(try lookup(router, "b1", Self.keysBody(["k1"]), type: "application/json; charset=utf-8").status == 200)
        // An error never repeats a key.
        let refused = try lookup(router, "b1", #"{"keys": ["secret-key", 7]}"#)
        #expect(refused.status == 400 && refused.json?.text.contains("secret-key") == false)
    }

    @Test func lookup_of404sWithoutResults() throws {
        let (router, store, _) = try makeRouter()
        try store.createJob(id: "queued", parties: ["a"], modelID: "m", modelName: "n", tasks: 1)
        #expect(try lookup(router, "queued", Self.keysBody(["k1"])).status == 404)
        #expect(try lookup(router, "nope", Self.keysBody(["k1"])).status == 404)
    }

    @Test func jobs_unknownOrInvalidAfterIs400() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("b1", store: store, spool: spool)
        let unknown = try send(router, .get, "/jobs?after=nope")
        #expect(unknown.status == 400 && unknown.json?["error"]?.string != nil)
        #expect(try send(router, .get, "/jobs?after=..%2Fx").status == 400)
        #expect(try send(router, .get, "/jobs?after=b1").status == 200)
        #expect(try send(router, .get, "/jobs?limit=0").status == 400)
    }

    @Test func jobs_pagingFollowsNextThroughEveryJobOnce() throws {
        let (router, store, spool) = try makeRouter()
        try finishJob("job-done", store: store, spool: spool)
        for id in (1...7).map({ "job-\($0)" }) {
            try store.createJob(id: id, parties: ["a"], modelID: "m", modelName: "n", tasks: 1)
        }
        let all = try #require(try send(router, .get, "/jobs").json?["jobs"]?.array?.compactMap { $0["id"]?.string })
        #expect(all.count == 8 && Set(all).count == 8)
        for state in [nil, "queued"] {
            var seen: [String] = []
            var after: String?
            var pages = 0
            repeat {
                var target = "/jobs?limit=3" + (state.map { "&state=\($0)" } ?? "")
                if let after { target += "&after=\(after)" }
                let page = try send(router, .get, target)
                #expect(page.status == 200)
                let jobs = try #require(page.json?["jobs"]?.array)
                #expect(jobs.count <= 3)
                seen += jobs.compactMap { $0["id"]?.string }
                after = page.json?["next"]?.string
                if let after { #expect(after == seen.last) }
                pages += 1
            } while after != nil && pages < 10
            #expect(seen == (state == nil ? all : all.filter { $0 != "job-done" }), "state \(state ?? "any")")
        }
    }
}
