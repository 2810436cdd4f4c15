import Core
import Foundation
import Spool
import Store

/// `/jobs/{id}/results` and `/jobs/{id}/lookup`, both behind the token: the scores of a done job, whole, paged, or
/// for a few customers.
extension StatusRouter {
    /// The most keys one lookup may ask for.
    public static let lookupKeyLimit = 1000

    /// The published `scores.csv` of a done job.
    private func scoresPath(_ id: String) throws -> (path: String, job: JobRecord) {
        let path = spool.result(id) + "/scores.csv"
        guard BatchID.isValid(id), let job = try store.job(id), job.state == .done, FileIO.exists(path) else {
            throw HTTPError(.notFound, "no results for this job")
        }
        return (path, job)
    }

    /// `GET /jobs/{id}/results`: `scores.csv` streamed, or `?format=json&offset=&limit=` pages of it.
    func results(_ id: String, _ request: HTTPRequest) throws -> HTTPResponse {
        let (path, job) = try scoresPath(id)
        guard request.query["format"] == "json" else {
            return HTTPResponse(
                status: .ok, headers: [("Content-Type", "text/csv; charset=utf-8")],
                body: .file(path: path, size: FileIO.size(path)))
        }
        let offset = max(Int(request.query["offset"] ?? "") ?? 0, 0)
        let limit = min(max(Int(request.query["limit"] ?? "") ?? 100, 1), 10_000)
        let reader = try CSVReader(path: path)
        guard try reader.next() else { return .json(.ok, ["offset": .number(Double(offset)), "rows": []]) }
        let header = reader.recordStrings()
        var rows: [JSONValue] = []
        var index = 0
        while rows.count < limit, try reader.next() {
            defer { index += 1 }
            if index < offset { continue }
            rows.append(.object(zip(header, reader.recordStrings()).map { ($0, .string($1)) }))
        }
        var body: [(String, JSONValue)] = [("offset", .number(Double(offset))), ("rows", .array(rows))]
        if rows.count == limit, try reader.next() { body.append(("next", .number(Double(offset + limit)))) }
        // The texts of the page's reason codes, when the job was scored with the loaded model.
        if let reasons = reasonTexts(job) {
            var codes: Set<String> = []
            for row in rows {
                for k in 1...4 {
                    if let code = row["reason_\(k)"]?.string, !code.isEmpty { codes.insert(code) }
                }
            }
            body.append(
                (
                    "reason_texts",
                    .object(codes.sorted().compactMap { code in reasons[code].map { (code, .string($0)) } })
                )
            )
        }
        return .json(.ok, .object(body))
    }

    /// `POST /jobs/{id}/lookup` with `{"keys": [...]}` (at most ``lookupKeyLimit``): each key's row, in the order
    /// asked, or `null` for a key the job did not score. A binary search over the mapped `scores.csv`: the job is
    /// never loaded. Keys travel only in the bodies, never in a URL or a log.
    func lookup(_ id: String, _ request: HTTPRequest) throws -> HTTPResponse {
        let keys = try Self.lookupKeys(request)
        let (path, job) = try scoresPath(id)
        guard let file = try scoresFiles.file(at: path) else { throw HTTPError(.notFound, "no results for this job") }
        let header = file.header
        let column = Dictionary(header.enumerated().map { ($1, $0) }) { first, _ in first }
        let reasons = reasonTexts(job)
        let rows = file.rows(forKeys: keys)
        let answers: [JSONValue] = zip(keys, rows).map { key, row in
            guard let cells = row?.cells else { return .null }
            func cell(_ name: String) -> String? { column[name].flatMap { $0 < cells.count ? cells[$0] : nil } }
            let codes = (1...4).compactMap { cell("reason_\($0)") }.filter { !$0.isEmpty }
            return [
                "key": .string(key),
                "score": cell("score").flatMap(Double.init).map { .number($0) } ?? .null,
                "parties": .array((cell("parties") ?? "").split(separator: "|").map { .string(String($0)) }),
                "reasons": .array(
                    codes.map { code in
                        ["code": .string(code), "text": reasons?[code].map { .string($0) } ?? .null]
                    }),
            ]
        }
        return .json(
            .ok, ["job": .string(job.id), "key_column": .string(header.first ?? ""), "results": .array(answers)])
    }

    /// The keys of a lookup body: a JSON object whose `keys` is an array of 1 to ``lookupKeyLimit`` strings.
    private static func lookupKeys(_ request: HTTPRequest) throws -> [String] {
        if let type = request.headers["content-type"]?.lowercased(), !type.hasPrefix("application/json") {
            throw HTTPError(.unsupportedMediaType, "the body must be application/json")
        }
        guard let body = try? JSONValue(parsing: Data(request.body)) else {
            throw HTTPError(.badRequest, "the body is not valid JSON")
        }
        guard let list = body["keys"]?.array else {
            throw HTTPError(.badRequest, #"the body must be {"keys": [...]}"#)
        }
        guard !list.isEmpty, list.count <= lookupKeyLimit else {
            throw HTTPError(.badRequest, "give 1 to \(lookupKeyLimit) keys")
        }
        return try list.enumerated().map { index, value in
            guard let key = value.string else { throw HTTPError(.badRequest, "keys[\(index)] is not a string") }
            return key
        }
    }

    /// The reason texts of the model that scored `job`, when the API has it loaded.
    private func reasonTexts(_ job: JobRecord) -> [String: String]? {
        guard let model, job.modelID == model.id else { return nil }
        return model.reasons
    }
}
