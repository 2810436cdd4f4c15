import Core
import Foundation
import Spool
import StatusAPI
import Store
import Testing

/// `GET /ready` and the database file: 503 with the reason once the file at the path is not the one opened.
@Suite struct ReadyTests {
    let directory = NSTemporaryDirectory() + "vfl-ready-" + UUID().uuidString

    func ready(_ router: StatusRouter) throws -> (status: Int, body: JSONValue) {
        let response = router.handle(HTTPRequest(method: "GET", path: "/ready"))
        guard case .bytes(let body) = response.body else { return (response.status.code, .null) }
        return (response.status.code, try JSONValue(parsing: Data(body)))
    }

    @Test func ready_is503WithTheReasonOnceTheDatabaseFileIsDeletedOrReplaced() throws {
        let spool = Spool(root: directory)
        try spool.create()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vfl.sqlite"
        let router = StatusRouter(
            store: try SQLiteStore(path: path, process: "test"), spool: spool, token: nil, modelLoaded: true)
        let before = try ready(router)
        #expect(before.status == 200)
        #expect(before.body["database_file"]?.string == "current")
        #expect(before.body["reason"] == nil)

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let deleted = try ready(router)
        #expect(deleted.status == 503)
        #expect(deleted.body["status"]?.string == "not ready")
        #expect(deleted.body["database_file"]?.string == "deleted")
        #expect(deleted.body["reason"]?.string == "the database file was deleted since this process opened it")

        _ = try SQLiteStore(path: path, process: "new")
        let replaced = try ready(router)
        #expect(replaced.status == 503)
        #expect(replaced.body["database_file"]?.string == "replaced")
    }
}
