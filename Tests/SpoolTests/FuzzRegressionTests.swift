import Fixtures
import Foundation
import Spool
import Testing

/// Replays the `manifest` fuzz target's seeds and crash inputs (fuzz/seeds/manifest, fuzz/regressions/manifest)
/// through `Manifest(parsing:)`, with its harness's check.
@Suite struct ManifestFuzzRegressionTests {
    static var inputs: [String] { fuzzInputs("manifest") }

    @Test func inputs_arePresent() { #expect(!Self.inputs.isEmpty) }

    @Test(arguments: ManifestFuzzRegressionTests.inputs)
    func manifest_readsItsOwnTextBackEqual(_ path: String) throws {
        guard let manifest = try? Manifest(parsing: Data(contentsOf: URL(fileURLWithPath: path))) else { return }
        #expect(try Manifest(parsing: Data(manifest.jsonText.utf8)) == manifest)
    }
}
