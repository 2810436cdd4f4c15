import Core

public import struct Foundation.Data

/// A batch's `manifest.json`: its id, the parties that dropped a shard, and optional checks.
///
/// The spool protocol (docs/spool-protocol.md) makes its arrival the signal that the batch is complete.
public struct Manifest: Sendable, Equatable {
    /// The batch id; equals the batch folder's name.
    public var batch: String
    /// The parties with a shard in the batch, in the manifest's order.
    public var parties: [String]
    /// Optional data-row counts per party, verified when present.
    public var rows: [String: Int]
    /// Optional SHA-256 (hex) of each party's shard file, verified when present.
    public var sha256: [String: String]
    /// How each party with tokenized keys made them (`"keys"`); a party not in it has raw keys. Its shard must carry
    /// the same declaration (``TokenScheme``).
    public var keys: [String: TokenScheme]
    /// The model asked for (`"model"`: an id, `NAME@VERSION` or an alias); `nil` means the `champion` alias.
    public var model: String?
    /// Challenger models asked for (`"challengers"`), each an id, `NAME@VERSION` or an alias.
    public var challengers: [String]

    /// Creates a manifest.
    public init(
        batch: String, parties: [String], rows: [String: Int] = [:], sha256: [String: String] = [:],
        keys: [String: TokenScheme] = [:], model: String? = nil, challengers: [String] = []
    ) {
        self.model = model
        self.challengers = challengers
        self.batch = batch
        self.parties = parties
        self.rows = rows
        self.sha256 = sha256
        self.keys = keys
    }

    /// The manifest as ingest accepted it, from the job's recorded shards (workers never read `manifest.json` again).
    public init(batch: String, shards: [Shard]) {
        var rows: [String: Int] = [:]
        var sums: [String: String] = [:]
        var keys: [String: TokenScheme] = [:]
        for shard in shards {
            rows[shard.party] = shard.rows
            sums[shard.party] = shard.sha256
            keys[shard.party] = shard.keys
        }
        self.init(batch: batch, parties: shards.map(\.party), rows: rows, sha256: sums, keys: keys)
    }

    /// An invalid manifest, with the field at fault.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        /// What is wrong, naming the field.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Parses and checks a manifest.
    ///
    /// - Throws: ``Manifest/Error`` naming the field at fault.
    public init(parsing data: Data) throws {
        let json: JSONValue
        do { json = try JSONValue(parsing: data) } catch { throw Error(message: "manifest.json: \(error)") }
        guard let batch = json["batch"]?.string else {
            throw Error(message: "manifest.json: field \"batch\" is missing or not a string")
        }
        guard BatchID.isValid(batch) else {
            throw Error(message: "manifest.json: field \"batch\" is not a valid batch id (1-128 of A-Z a-z 0-9 . _ -)")
        }
        guard let list = json["parties"]?.array, !list.isEmpty else {
            throw Error(message: "manifest.json: field \"parties\" is missing or empty")
        }
        var parties: [String] = []
        for item in list {
            guard let name = item.string, BatchID.isValidPartyName(name) else {
                throw Error(message: "manifest.json: field \"parties\" holds an invalid party name")
            }
            guard !parties.contains(name) else {
                throw Error(message: "manifest.json: field \"parties\" lists \(name) twice")
            }
            parties.append(name)
        }
        var rows: [String: Int] = [:]
        if let members = json["rows"]?.object {
            for (party, value) in members {
                guard parties.contains(party), let n = value.int, n >= 0 else {
                    throw Error(message: "manifest.json: field \"rows\" has a bad entry for \(Manifest.shown(party))")
                }
                rows[party] = n
            }
        }
        var sums: [String: String] = [:]
        if let members = json["sha256"]?.object {
            for (party, value) in members {
                guard parties.contains(party), let hex = value.string?.lowercased(), hex.count == 64,
                    hex.allSatisfy({ $0.isHexDigit })
                else {
                    throw Error(message: "manifest.json: field \"sha256\" has a bad entry for \(Manifest.shown(party))")
                }
                sums[party] = hex
            }
        }
        var keys: [String: TokenScheme] = [:]
        if let field = json["keys"] {
            guard let members = field.object else {
                throw Error(message: "manifest.json: field \"keys\" is not an object of party entries")
            }
            for (party, value) in members {
                guard parties.contains(party) else {
                    throw Error(message: "manifest.json: field \"keys\" has an entry for \(Manifest.shown(party))")
                }
                do { keys[party] = try TokenScheme(json: value) } catch let error as TokenScheme.Error {
                    throw Error(message: "manifest.json: field \"keys\", party \(party): \(error.message)")
                }
            }
        }
        let (model, challengers) = try Self.parseModels(json)
        self.init(
            batch: batch, parties: parties, rows: rows, sha256: sums, keys: keys, model: model,
            challengers: challengers)
    }

    /// The optional `"model"` and `"challengers"` fields: non-empty strings of at most 140 characters (resolved
    /// against the registry by ingest).
    private static func parseModels(_ json: JSONValue) throws -> (String?, [String]) {
        func reference(_ value: JSONValue, field: String) throws -> String {
            guard let text = value.string, !text.isEmpty, text.utf8.count <= 140 else {
                throw Error(
                    message: "manifest.json: field \"\(field)\" must hold an id, NAME@VERSION or an alias (a string)")
            }
            return text
        }
        let model = try json["model"].map { try reference($0, field: "model") }
        var challengers: [String] = []
        if let field = json["challengers"] {
            guard let list = field.array, list.count <= 16 else {
                throw Error(message: "manifest.json: field \"challengers\" must be an array of at most 16 models")
            }
            for item in list {
                let text = try reference(item, field: "challengers")
                if !challengers.contains(text) { challengers.append(text) }
            }
        }
        return (model, challengers)
    }

    /// A name from the manifest fit for an error: a valid party name as it is, anything else (which could be any
    /// text, a customer key included) not shown.
    static func shown(_ name: String) -> String {
        BatchID.isValidPartyName(name) ? name : "a name that is not a party of the batch"
    }

    /// The manifest as JSON text.
    public var jsonText: String {
        var members: [(String, JSONValue)] = [
            ("batch", .string(batch)), ("parties", .array(parties.map { .string($0) })),
        ]
        if !rows.isEmpty {
            members.append(("rows", .object(rows.keys.sorted().map { ($0, .number(Double(rows[$0]!))) })))
        }
        if !sha256.isEmpty {
            members.append(("sha256", .object(sha256.keys.sorted().map { ($0, .string(sha256[$0]!)) })))
        }
        if !keys.isEmpty {
            members.append(("keys", .object(keys.keys.sorted().map { ($0, keys[$0]!.json) })))
        }
        if let model { members.append(("model", .string(model))) }
        if !challengers.isEmpty { members.append(("challengers", .array(challengers.map { .string($0) }))) }
        return JSONValue.object(members).text
    }
}
