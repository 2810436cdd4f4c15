import Core
import Store

extension StatusRouter {
    /// `GET /ready`: 200 when the database answers, is still the file at its path, and the model loaded; else 503
    /// with the reason. A deleted or replaced database file also makes the `vfl api` process exit shortly after, so
    /// that its supervisor starts it again on the file at the path.
    func ready() -> HTTPResponse {
        let file = store.fileState
        let reachable = (try? store.jobs(limit: 1)) != nil
        var reasons: [String] = []
        if !reachable { reasons.append("the database does not answer") }
        if file != .current { reasons.append("the database file was \(file.rawValue) since this process opened it") }
        if !modelLoaded { reasons.append("the model did not load") }
        var members: [(String, JSONValue)] = [
            ("status", .string(reasons.isEmpty ? "ready" : "not ready")), ("database", .bool(reachable)),
            ("database_file", .string(file.rawValue)), ("model", .bool(modelLoaded)),
        ]
        if !reasons.isEmpty { members.append(("reason", .string(reasons.joined(separator: "; ")))) }
        return .json(reasons.isEmpty ? 200 : 503, .object(members))
    }
}
