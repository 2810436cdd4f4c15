import Foundation

/// The inputs of fuzz target `target`: its seeds (fuzz/seeds/<target>/) and every input that once crashed it
/// (fuzz/regressions/<target>/, where scripts/fuzz puts them), for the tests that replay them.
public func fuzzInputs(_ target: String) -> [String] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz").path
    return ["seeds", "regressions"].flatMap { folder in
        let dir = root + "/" + folder + "/" + target
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.sorted().map { dir + "/" + $0 }
    }
}
