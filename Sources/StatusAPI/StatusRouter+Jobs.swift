import Core
import Foundation
import Spool
import Store

/// `/jobs`, `/jobs/{id}` (open: state, counts, progress, timings, error, the public part of the summary) and
/// `/jobs/{id}/summary` (behind the token: the distribution detail, in groups of at least ``minimumGroup``).
extension StatusRouter {
    /// `GET /jobs?state=&limit=&after=`: a page, newest first, by a keyset query in the store.
    func jobs(_ request: HTTPRequest) throws -> HTTPResponse {
        var state: JobState?
        if let name = request.query["state"] {
            guard let parsed = JobState(rawValue: name) else {
                throw HTTPError(.badRequest, "unknown state; one of \(JobState.allCases.map(\.rawValue))")
            }
            state = parsed
        }
        var limit = 100
        if let text = request.query["limit"] {
            guard let value = Int(text), value >= 1 else {
                throw HTTPError(.badRequest, "limit must be a positive integer (at most 1000 are answered)")
            }
            limit = min(value, 1000)
        }
        let after = request.query["after"]
        if let after, !BatchID.isValid(after) { throw HTTPError(.badRequest, "after is not a job id") }
        let page: JobPage
        do {
            page = try store.jobs(state: state, after: after, limit: limit)
        } catch let error as StoreError where error.code == .unknownCursor {
            throw HTTPError(.badRequest, "after names no job")
        }
        var body: [(String, JSONValue)] = [("jobs", .array(page.jobs.map { describe($0) }))]
        if let next = page.next { body.append(("next", .string(next))) }
        return .json(.ok, .object(body))
    }

    /// The answer of `GET /jobs/{id}` for a job in a final state answered in the last few seconds, from memory.
    func cachedJob(_ id: String) -> HTTPResponse? {
        cache.get(id).map {
            HTTPResponse(status: .ok, headers: [("Content-Type", "application/json")], body: .bytes($0))
        }
    }

    /// `GET /jobs/{id}`: the job, its events, and the public part of its summary.
    func job(_ id: String) throws -> HTTPResponse {
        if let cached = cachedJob(id) { return cached }
        guard BatchID.isValid(id), let job = try store.job(id) else { throw HTTPError(.notFound, "no such job") }
        guard case .object(var members) = describe(job) else { throw HTTPError(.internalServerError, "") }
        if let summary = summaryFile(job.id) {
            members.append(("summary", SummaryRedaction.publicPart(of: summary, minimumGroup: minimumGroup)))
        }
        members.append(("events", .array(try events(job.id))))
        let response = HTTPResponse.json(.ok, .object(members))
        if job.state == .done || job.state == .rejected { cache.put(job.id, response.bodyBytes) }
        return response
    }

    /// `GET /jobs/{id}/summary` (token): the distribution detail, every count describing at least
    /// ``minimumGroup`` customers.
    func summary(_ id: String) throws -> HTTPResponse {
        guard BatchID.isValid(id), let job = try store.job(id) else { throw HTTPError(.notFound, "no such job") }
        guard let summary = summaryFile(job.id) else { throw HTTPError(.notFound, "this job has no summary yet") }
        return .json(.ok, SummaryRedaction.detail(of: summary, minimumGroup: minimumGroup))
    }

    /// `GET /jobs/{id}/comparison`: a job's champion/challenger comparison, redacted (``ComparisonRedaction``).
    func comparison(_ id: String) throws -> HTTPResponse {
        guard BatchID.isValid(id), let job = try store.job(id) else { throw HTTPError(.notFound, "no such job") }
        guard let bytes = try? FileIO.readFile(spool.result(job.id) + "/comparison.json", limit: 1 << 24),
            let comparison = try? JSONValue(parsing: Data(bytes))
        else { throw HTTPError(.notFound, "this job has no comparison (no challengers, or not done)") }
        return .json(.ok, ComparisonRedaction.detail(of: comparison, minimumGroup: minimumGroup))
    }

    private func summaryFile(_ id: String) -> JSONValue? {
        guard let bytes = try? FileIO.readFile(spool.result(id) + "/summary.json", limit: 1 << 24) else { return nil }
        return try? JSONValue(parsing: Data(bytes))
    }

    private func events(_ id: String) throws -> [JSONValue] {
        try store.events(job: id).map { event in
            [
                "at": Self.time(event.at), "process": .string(event.process), "kind": .string(event.kind),
                "detail": .string(event.detail),
            ]
        }
    }

    private static func time(_ us: Int64?) -> JSONValue {
        us.map { .string(Timestamp(microseconds: $0).iso8601) } ?? .null
    }

    /// A job's record as JSON: state, parties, counts, progress, timings, attempts and error.
    func describe(_ job: JobRecord) -> JSONValue {
        func count(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
        var members: [(String, JSONValue)] = [
            ("id", .string(job.id)), ("state", .string(job.state.rawValue)),
            ("parties", .array(job.parties.map { .string($0) })),
            ("model_id", job.modelID.map { .string($0) } ?? .null),
            ("model_name", job.modelName.map { .string($0) } ?? .null),
            ("model_version", job.modelVersion.map { .number(Double($0)) } ?? .null),
            ("model_alias", job.modelAlias.map { .string($0) } ?? .null),
            ("challengers", .array(job.challengers.map { .string($0) })),
            ("customers", count(job.customers)), ("scored", count(job.scored)),
            ("rejected_rows", count(job.rejectedRows)),
            (
                "progress",
                ["tasks_done": .number(Double(job.tasksDone)), "tasks_total": .number(Double(job.tasksTotal))]
            ),
            ("created_at", Self.time(job.createdAt)), ("started_at", Self.time(job.startedAt)),
            ("finished_at", Self.time(job.finishedAt)),
            ("attempts", .number(Double(job.attempts))), ("error", job.error.map { .string($0) } ?? .null),
        ]
        if let start = job.startedAt, let end = job.finishedAt {
            members.append(("duration_s", .number(Double(end - start) / 1e6)))
        }
        return .object(members)
    }
}
