public import Core

/// How a party tokenized its key column (`vfl tokenize`): the token form, the normalization and the key's
/// fingerprint.
///
/// A party declares it twice: in the manifest (`"keys": {"<party>": {"form": ..., "normalize": ..., "key_id": ...}}`)
/// and in the shard itself, as the name of one extra, empty column
/// (`vfl-key:hmac-sha256-128:trim:<key id>`), so that a shard tokenized under another key is caught even under a
/// manifest copied from another batch. The strict CSV reader accepts the column; the join ignores it. A party without
/// either declaration has raw keys. docs/spool-protocol.md, "Tokenized keys".
public struct TokenScheme: Sendable, Equatable, CustomStringConvertible {
    /// The token form: the first 128 bits of HMAC-SHA256 as 32 lowercase hex characters.
    public static let hmacSHA256_128 = "hmac-sha256-128"
    /// The prefix of the declaring column's name.
    public static let columnPrefix = "vfl-key:"

    /// The token form (only ``hmacSHA256_128`` exists).
    public var form: String
    /// The normalization applied before tokenizing.
    public var normalization: KeyNormalization
    /// The key's fingerprint (``ConsortiumKey/keyID``): 16 lowercase hex characters.
    public var keyID: String

    /// Creates a scheme.
    public init(form: String = TokenScheme.hmacSHA256_128, normalization: KeyNormalization, keyID: String) {
        self.form = form
        self.normalization = normalization
        self.keyID = keyID
    }

    /// A declaration that cannot be used, naming where it is.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        /// What is wrong.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Parses a declaration's three parts.
    ///
    /// - Throws: ``Error`` for an unknown form or normalization, or a key id that is not 16 lowercase hex characters.
    public init(form: String, normalize: String, keyID: String) throws {
        guard form == TokenScheme.hmacSHA256_128 else {
            throw Error(message: "unknown token form (vfl knows \(TokenScheme.hmacSHA256_128))")
        }
        guard let normalization = KeyNormalization(rawValue: normalize) else {
            throw Error(message: "unknown normalization (vfl knows trim and digits)")
        }
        guard keyID.utf8.count == 16, keyID.utf8.allSatisfy({ $0 &- 0x30 < 10 || $0 &- 0x61 < 6 }) else {
            throw Error(message: "the key id is not 16 lowercase hex characters")
        }
        self.init(form: form, normalization: normalization, keyID: keyID)
    }

    /// The declaring column's name: `vfl-key:<form>:<normalization>:<key id>`.
    public var columnName: String { TokenScheme.columnPrefix + "\(form):\(normalization.rawValue):\(keyID)" }

    /// The scheme a shard header declares, or `nil` when it has no `vfl-key:` column (raw keys).
    ///
    /// - Throws: ``Error`` when such a column is malformed or there are two.
    public static func declared(inHeader header: [String]) throws -> TokenScheme? {
        let columns = header.filter { $0.hasPrefix(columnPrefix) }
        guard let name = columns.first else { return nil }
        guard columns.count == 1 else { throw Error(message: "the header has two vfl-key: columns") }
        let parts = name.dropFirst(columnPrefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw Error(message: "the header's vfl-key: column is not vfl-key:FORM:NORMALIZATION:KEY_ID")
        }
        do {
            return try TokenScheme(form: String(parts[0]), normalize: String(parts[1]), keyID: String(parts[2]))
        } catch let error as Error {
            throw Error(message: "the header's vfl-key: column: \(error.message)")
        }
    }

    /// The manifest entry: `{"form": ..., "normalize": ..., "key_id": ...}`.
    public var json: JSONValue {
        ["form": .string(form), "normalize": .string(normalization.rawValue), "key_id": .string(keyID)]
    }

    /// A scheme from its manifest entry.
    ///
    /// - Throws: ``Error`` when a field is missing or invalid.
    public init(json: JSONValue) throws {
        guard let form = json["form"]?.string, let normalize = json["normalize"]?.string,
            let keyID = json["key_id"]?.string
        else { throw Error(message: "an entry needs \"form\", \"normalize\" and \"key_id\" strings") }
        try self.init(form: form, normalize: normalize, keyID: keyID)
    }

    /// Words for messages: `hmac-sha256-128, trim, key id 0123456789abcdef`.
    public var description: String { "\(form), \(normalization.rawValue), key id \(keyID)" }

    /// Whether a key looks like a raw tax id, the default model's key (`NNN-NN-NNNN`, or nine digits), once trimmed.
    public static func looksLikeRawTaxID(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = key.count
        while start < end && KeyNormalization.isWhitespace(key[start]) { start += 1 }
        while end > start && KeyNormalization.isWhitespace(key[end - 1]) { end -= 1 }
        let n = end - start
        func digit(_ i: Int) -> Bool { key[start + i] &- 0x30 < 10 }
        if n == 9 { return (0..<9).allSatisfy(digit) }
        guard n == 11 else { return false }
        return (0..<11).allSatisfy { i in i == 3 || i == 6 ? key[start + i] == UInt8(ascii: "-") : digit(i) }
    }

    /// What one party declares about its keys: in the manifest, and in its shard's header.
    public struct Declaration: Sendable {
        /// The party.
        public var party: String
        /// The manifest's entry, `nil` for raw keys.
        public var manifest: TokenScheme?
        /// The shard header's `vfl-key:` column, `nil` for raw keys.
        public var shard: TokenScheme?

        /// Creates a declaration.
        public init(party: String, manifest: TokenScheme?, shard: TokenScheme?) {
            self.party = party
            self.manifest = manifest
            self.shard = shard
        }
    }

    /// Checks that a batch's parties agree on their keys: each shard carries what the manifest says for it, and all
    /// are raw or all are tokens of one form, normalization and key (a different key gives an empty join that looks
    /// like a real one).
    ///
    /// - Parameters:
    ///   - declarations: One per party, in the manifest's order.
    ///   - checkManifest: Whether the manifest's entries are compared with the shards' (not for a split job's
    ///     buckets, whose manifest is the system's and whose shards were checked at ingest).
    /// - Returns: The batch's scheme (`nil`: raw keys).
    /// - Throws: ``Error`` naming the parties (never a key).
    @discardableResult
    public static func agreed(_ declarations: [Declaration], checkManifest: Bool = true) throws -> TokenScheme? {
        if checkManifest {
            for d in declarations where d.manifest != d.shard {
                let said = d.manifest.map { "tokens (\($0))" } ?? "raw keys"
                let carried = d.shard.map { "tokens (\($0))" } ?? "raw keys"
                throw Error(
                    message: "party \(d.party): manifest.json declares \(said), but its shard carries \(carried)")
            }
        }
        var groups: [(scheme: TokenScheme?, parties: [String])] = []
        for d in declarations {
            if let i = groups.firstIndex(where: { $0.scheme == d.shard }) {
                groups[i].parties.append(d.party)
            } else {
                groups.append((d.shard, [d.party]))
            }
        }
        guard groups.count > 1 else { return groups.first?.scheme ?? nil }
        func names(_ group: (scheme: TokenScheme?, parties: [String])) -> String {
            group.parties.joined(separator: ", ")
        }
        if let raw = groups.first(where: { $0.scheme == nil }) {
            let tokenized = groups.filter { $0.scheme != nil }.flatMap(\.parties).joined(separator: ", ")
            throw Error(
                message: "the batch mixes raw keys (\(names(raw))) and tokenized keys (\(tokenized)); "
                    + "every party must tokenize with the consortium's key (vfl tokenize), or none")
        }
        let listed = groups.map { "\(names($0)): \($0.scheme!)" }.joined(separator: "; ")
        let what =
            Set(groups.map { $0.scheme!.keyID }).count > 1
            ? "tokens made under different keys never join" : "tokens made with different normalizations never join"
        throw Error(message: "the parties' tokens disagree (\(listed)); \(what)")
    }
}
