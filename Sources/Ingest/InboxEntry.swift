import Core

#if canImport(Glibc)
import Glibc
#endif

/// A name in the inbox as its raw bytes: a name that is not UTF-8 is still listed, shown escaped, and moved.
struct InboxEntry {
    /// The name's bytes.
    var bytes: [UInt8]

    /// The name, when it is UTF-8.
    var name: String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// The entries of `path` (not `.` and `..`).
    static func list(_ path: String) throws -> [InboxEntry] {
        guard let dir = opendir(path) else { throw SystemError(errno: errno, call: "opendir", path: path) }
        defer { closedir(dir) }
        var entries: [InboxEntry] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: UInt8.self, capacity: 256) {
                    Array(UnsafeBufferPointer(start: $0, count: strlen($0)))
                }
            }
            if bytes != [0x2E] && bytes != [0x2E, 0x2E] { entries.append(InboxEntry(bytes: bytes)) }
        }
        return entries
    }

    /// Renames the entry out of `directory` to `target`, by its raw name.
    func rename(in directory: String, to target: String) throws {
        let source = Array(directory.utf8) + [0x2F] + bytes + [0]
        let code = source.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { Glibc.rename($0.baseAddress!, target) }
        }
        guard code == 0 else { throw SystemError(errno: errno, call: "rename", path: target) }
    }

    /// A name fit for a record: quoted, printable ASCII as is, other bytes as `\xNN`, cut after 64 bytes with the
    /// length given.
    static func readable(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes.prefix(64) {
            if byte >= 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C {
                text.append(Character(UnicodeScalar(byte)))
            } else {
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        text += "\""
        if bytes.count > 64 { text += "… (\(bytes.count) bytes)" }
        return text
    }
}
