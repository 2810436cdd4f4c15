import Core
import Foundation
import Spool
import Testing

@Suite struct ManifestTests {
    @Test func manifest_validatesFields() throws {
        let ok = try Manifest(parsing: Data(#"{"batch":"b-1","parties":["a","b"],"rows":{"a":3}}"#.utf8))
        #expect(ok.parties == ["a", "b"])
        #expect(ok.rows["a"] == 3)
        for bad in [
            #"{"parties":["a"]}"#, #"{"batch":"../x","parties":["a"]}"#, #"{"batch":"b","parties":[]}"#,
            #"{"batch":"b","parties":["a","a"]}"#, #"{"batch":"b","parties":["a/b"]}"#,
        ] {
            #expect(throws: Manifest.Error.self) { try Manifest(parsing: Data(bad.utf8)) }
        }
        #expect(!BatchID.isValid(".hidden"))
        #expect(BatchID.isValid("2026-11-27_batch.1"))
    }
}
