import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The status API's token policy: where the token comes from, what is refused, and the token `vfl run` makes.
public enum APIToken {
    /// A configuration the API refuses to start with, as one clear sentence.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        /// The sentence.
        public var description: String
    }

    /// The shortest token accepted.
    public static let minimumLength = 32
    /// Parts of the placeholders shipped in the project's templates (`replace-me-before-deploying`) and of the usual
    /// ones: a token holding one (in any case) is refused, however long.
    public static let placeholderParts = ["replace-me", "changeme", "change-me"]

    /// The token of the environment: `VFL_API_TOKEN`, or the first line of the file `VFL_API_TOKEN_FILE` names.
    /// `nil` (no token, results public) only when `VFL_API_OPEN=1` says so.
    ///
    /// - Throws: ``Refusal`` for no token without `VFL_API_OPEN=1`, a token shorter than ``minimumLength``, a
    ///   shipped placeholder, or a token file that cannot be read.
    public static func resolve(environment: [String: String]) throws -> String? {
        var token = environment["VFL_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if token == nil, let path = environment["VFL_API_TOKEN_FILE"], !path.isEmpty {
            guard let bytes = try? FileIO.readFile(path, limit: 4096) else {
                throw Refusal(description: "VFL_API_TOKEN_FILE \(path) cannot be read")
            }
            token = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        let open = environment["VFL_API_OPEN"] == "1"
        guard let token, !token.isEmpty else {
            if open { return nil }
            throw Refusal(
                description:
                    "no API token: set VFL_API_TOKEN or VFL_API_TOKEN_FILE (e.g. openssl rand -hex 32), or VFL_API_OPEN=1 to make results public"
            )
        }
        try validate(token)
        return token
    }

    /// Refuses a placeholder, a short token, or one with characters a header cannot carry.
    ///
    /// - Throws: ``Refusal``.
    public static func validate(_ token: String) throws {
        let lowered = token.lowercased()
        if placeholderParts.contains(where: lowered.contains) {
            throw Refusal(description: "the API token is the shipped placeholder; generate one: openssl rand -hex 32")
        }
        guard token.utf8.count >= minimumLength else {
            throw Refusal(
                description:
                    "the API token is shorter than \(minimumLength) characters; generate one: openssl rand -hex 32")
        }
        guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw Refusal(description: "the API token must be printable ASCII without spaces")
        }
    }

    /// The token in `path`, made when missing: 32 random bytes as 64 hex characters, written with mode 0600 (and
    /// replaced when the file is readable by others or is not a valid token).
    ///
    /// - Throws: ``SystemError`` when the file cannot be written.
    public static func loadOrCreate(at path: String) throws -> String {
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_mode & 0o077 == 0,
            status.st_uid == getuid(), let bytes = try? FileIO.readFile(path, limit: 4096)
        {
            let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if (try? validate(token)) != nil { return token }
        }
        var random = [UInt8](repeating: 0, count: 32)
        let source = try retryingSyscall("open", path: "/dev/urandom") { open("/dev/urandom", O_RDONLY | O_CLOEXEC) }
        let filled = random.withUnsafeMutableBytes { read(source, $0.baseAddress, 32) }
        close(source)
        guard filled == 32 else { throw SystemError(errno: EIO, call: "read", path: "/dev/urandom") }
        let token = random.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
        }.joined()
        let temporary = path + ".part"
        unlink(temporary)
        let fd = try retryingSyscall("open", path: temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        }
        let line = Array((token + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == line.count else { throw SystemError(errno: EIO, call: "write", path: temporary) }
        try retryingSyscall("rename", path: path) { rename(temporary, path) }
        return token
    }
}
