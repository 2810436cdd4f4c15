import Foundation
import Spool
import Testing

/// Replays the `manifest` fuzz target's seeds and crash inputs (fuzz/seeds/manifest, fuzz/regressions/manifest)
/// through `Manifest(parsing:)`, with its harness's check.
@Suite struct ManifestFuzzRegressionTests {
    static var inputs: [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fuzz").path
        return ["seeds", "regressions"].flatMap { folder in
            let dir = root + "/" + folder + "/manifest"
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
        }
    }

    @Test func inputs_arePresent() { #expect(!Self.inputs.isEmpty) }

    @Test(arguments: ManifestFuzzRegressionTests.inputs)
    func manifest_readsItsOwnTextBackEqual(_ path: String) throws {
        guard let manifest = try? Manifest(parsing: Data(contentsOf: URL(fileURLWithPath: path))) else { return }
        #expect(try Manifest(parsing: Data(manifest.jsonText.utf8)) == manifest)
    }
}
