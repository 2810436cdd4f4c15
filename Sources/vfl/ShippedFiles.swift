import Core

#if canImport(Glibc)
import Glibc
#endif

/// Where the shipped default model lives: `$VFL_HOME/models/default.json`, else next to the binary's package
/// (`<repo>/models/default.json` for a build tree, `/usr/share/vfl/models/default.json` in the image).
enum ShippedFiles {
    static var defaultModel: String {
        if let home = Environment.current["VFL_HOME"] { return home + "/models/default.json" }
        let candidates = [
            executableDirectory() + "/../../../models/default.json",
            executableDirectory() + "/../share/vfl/models/default.json",
            "/usr/share/vfl/models/default.json",
            "models/default.json",
        ]
        return candidates.first(where: FileIO.exists) ?? "models/default.json"
    }

    static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "." }
        return FileIO.directory(of: String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
