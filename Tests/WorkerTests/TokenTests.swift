import Core
import Fixtures
import Foundation
import Ingest
import Model
import Registry
import Spool
import Store
import Testing
import Worker

/// Consortium tokens for the join key (issue 15): `vfl tokenize`, `vfl detokenize`, `vfl embed --key-file` and
/// `vfl score` as processes on real files; ingest's checks and policy in-process on a real spool and store.
@Suite struct TokenTests {
    let temp = TemporaryDirectory()
    let modelText = RandomModel.json(seed: 5, parties: RandomModel.fourParties, top: [6])
    var model: SplitModel { try! SplitModel(bytes: Array(modelText.utf8)) }
    var parties: [String] { model.parties.map(\.name) }
    let cli = CommandLineTests()

    init() throws {
        try modelText.write(toFile: temp.file("model.json"), atomically: true, encoding: .utf8)
    }

    /// A new key file through the binary.
    func newKey(_ name: String) throws -> ConsortiumKey {
        let run = try cli.vfl(["tokenize", "--new-key", temp.file(name)])
        #expect(run.status == 0, "\(run.stderr)")
        return try ConsortiumKey(file: temp.file(name))
    }

    /// Tokenizes `parties` of the batch in `source` into `target` through the binary (each with its own key file
    /// when given), writes a manifest declaring what each printed, and returns the entries.
    @discardableResult
    func tokenizeBatch(
        _ source: String, into target: String, keys: [String: String], normalize: String? = nil,
        raw: [String] = [], batch: String = "test-batch"
    ) throws -> [String: JSONValue] {
        try FileManager.default.createDirectory(atPath: target + "/maps", withIntermediateDirectories: true)
        var entries: [String: JSONValue] = [:]
        for party in parties {
            if raw.contains(party) {
                try FileManager.default.copyItem(atPath: source + "/\(party).csv", toPath: target + "/\(party).csv")
                continue
            }
            var arguments = [
                "tokenize", source + "/\(party).csv", "--key-file", temp.file(keys[party] ?? keys["*"]!), "--out",
                target + "/\(party).csv", "--map", target + "/maps/\(party).csv", "--model", temp.file("model.json"),
            ]
            if let normalize { arguments += ["--normalize", normalize] }
            let run = try cli.vfl(arguments)
            #expect(run.status == 0, "\(run.stderr)")
            entries[party] = try JSONValue(parsing: Data(run.stdout.utf8))
        }
        try writeManifest(target, entries: entries, batch: batch)
        return entries
    }

    func writeManifest(_ directory: String, entries: [String: JSONValue], batch: String = "test-batch") throws {
        let manifest = JSONValue.object([
            ("batch", .string(batch)), ("parties", .array(parties.map { .string($0) })),
            ("keys", .object(entries.keys.sorted().map { ($0, entries[$0]!) })),
        ])
        try manifest.text.write(toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
    }

    func score(_ directory: String, _ out: String) throws -> CommandLineTests.Run {
        try cli.vfl(["score", directory, "--out", out, "--model", temp.file("model.json"), "--threads", "1"])
    }

    // MARK: - vfl tokenize

    @Test func tokenize_replacesOnlyTheKeyColumnAndWritesAnOwnerOnlyMap() throws {
        let batch = try TestBatch.write(directory: temp.file("raw"), model: model, customers: 300)
        let key = try newKey("k")
        let entries = try tokenizeBatch(batch.directory, into: temp.file("tok"), keys: ["*": "k"])
        #expect(entries["auto_loans"]?["key_id"]?.string == key.keyID)
        #expect(entries["auto_loans"]?["normalize"]?.string == "trim")
        #expect(entries["auto_loans"]?["form"]?.string == "hmac-sha256-128")
        let input = try readCSV((batch.directory + "/" + "auto_loans.csv"))
        let output = try readCSV(temp.file("tok/auto_loans.csv"))
        #expect(output[0] == input[0] + ["vfl-key:hmac-sha256-128:trim:\(key.keyID)"])
        #expect(output.count == input.count)
        let k = input[0].firstIndex(of: "tax_id")!
        for (a, b) in zip(input.dropFirst(), output.dropFirst()) {
            var expected = a
            expected[k] = key.token(of: Array(a[k].utf8))
            #expect(b == expected + [""])
        }
        // The map: token,tax_id for every row, owner-only.
        let map = try readCSV(temp.file("tok/maps/auto_loans.csv"))
        #expect(map[0] == ["token", "tax_id"])
        #expect(Set(map.dropFirst().map { $0[1] }) == Set(input.dropFirst().map { $0[k] }))
        for row in map.dropFirst() { #expect(row[0] == key.token(of: Array(row[1].utf8))) }
        let mode =
            try FileManager.default.attributesOfItem(atPath: temp.file("tok/maps/auto_loans.csv"))[
                .posixPermissions] as? Int
        #expect(mode == 0o600)
        // Tokenizing twice is refused; a tokenized shard carries no raw key.
        let again = try cli.vfl([
            "tokenize", temp.file("tok/auto_loans.csv"), "--key-file", temp.file("k"), "--out", temp.file("x.csv"),
            "--key-column", "tax_id",
        ])
        #expect(again.status == 1 && again.stderr.contains("tokenized already"))
        let text = try String(contentsOfFile: temp.file("tok/auto_loans.csv"), encoding: .utf8)
        for raw in batch.cells.keys { #expect(!text.contains(raw)) }
    }

    @Test func tokenize_keepsQuotedCellsAndLineBreaksAndEmptiesBlankKeys() throws {
        let key = try newKey("k")
        let shard = "tax_id,note,x\n\"123-45-6789\",\"a,b\",1\n  ,\"two\nlines\",2\n 111-22-3333 ,\"q\"\"q\",3\n"
        try shard.write(toFile: temp.file("s.csv"), atomically: true, encoding: .utf8)
        let run = try cli.vfl([
            "tokenize", temp.file("s.csv"), "--key-file", temp.file("k"), "--out", temp.file("t.csv"), "--key-column",
            "tax_id",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let a = key.token(of: Array("123-45-6789".utf8))
        let b = key.token(of: Array("111-22-3333".utf8))
        let column = "vfl-key:hmac-sha256-128:trim:\(key.keyID)"
        let expected = "tax_id,note,x,\(column)\n\(a),\"a,b\",1,\n,\"two\nlines\",2,\n\(b),\"q\"\"q\",3,\n"
        #expect(try String(contentsOfFile: temp.file("t.csv"), encoding: .utf8) == expected)
        #expect(run.stderr.contains("\"empty_keys\":\"1\""))
    }

    // MARK: - The round trip

    @Test func tokenizedBatch_scoresThenDetokenizesToTheRawScoresOfEveryBank() throws {
        let batch = try TestBatch.write(directory: temp.file("raw"), model: model, customers: 700)
        _ = try newKey("k")
        // credit_card drops its representation in both batches: raw keys from vfl embed, tokens from
        // vfl embed --key-file.
        let embedded = try cli.vfl([
            "embed", "--party", "credit_card", (batch.directory + "/" + "credit_card.csv"), "--out",
            (batch.directory + "/" + "credit_card.repr.csv"),
            "--model", temp.file("model.json"),
        ])
        #expect(embedded.status == 0, "\(embedded.stderr)")
        try FileManager.default.createDirectory(atPath: temp.file("tok/maps"), withIntermediateDirectories: true)
        let tokenEmbed = try cli.vfl([
            "embed", "--party", "credit_card", (batch.directory + "/" + "credit_card.csv"), "--out",
            temp.file("tok/credit_card.repr.csv"), "--model", temp.file("model.json"), "--key-file", temp.file("k"),
            "--map", temp.file("tok/maps/credit_card.csv"),
        ])
        #expect(tokenEmbed.status == 0, "\(tokenEmbed.stderr)")
        let entries = try tokenizeBatch(batch.directory, into: temp.file("tok"), keys: ["*": "k"])
        try FileManager.default.removeItem(atPath: (batch.directory + "/" + "credit_card.csv"))
        try FileManager.default.removeItem(atPath: temp.file("tok/credit_card.csv"))
        var all = entries
        all["credit_card"] = try JSONValue(parsing: Data(tokenEmbed.stdout.utf8))
        #expect(all["credit_card"] == all["auto_loans"])
        try writeManifest(temp.file("tok"), entries: all)

        let raw = try score(batch.directory, temp.file("out-raw/scores.csv"))
        #expect(raw.status == 0, "\(raw.stderr)")
        let tokens = try score(temp.file("tok"), temp.file("out-tok/scores.csv"))
        #expect(tokens.status == 0, "\(tokens.stderr)")
        let tokenText = try String(contentsOfFile: temp.file("out-tok/scores.csv"), encoding: .utf8)
        for key in batch.cells.keys { #expect(!tokenText.contains(key)) }
        let summary = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: temp.file("out-tok/summary.json"))))
        #expect(summary["keys"] == all["auto_loans"])

        let rawLines = try String(contentsOfFile: temp.file("out-raw/scores.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let byKey = Dictionary(uniqueKeysWithValues: rawLines.dropFirst().map { (String($0.prefix { $0 != "," }), $0) })
        var covered = Set<String>()
        for (p, party) in parties.enumerated() {
            let run = try cli.vfl([
                "detokenize", temp.file("out-tok/scores.csv"), "--map", temp.file("tok/maps/\(party).csv"), "--out",
                temp.file("home/\(party).csv"),
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let known = batch.cells.filter { $0.value[p] != nil }.keys.sorted {
                Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
            }
            let expected = [rawLines[0]] + known.map { byKey[$0]! }
            let got = try String(contentsOfFile: temp.file("home/\(party).csv"), encoding: .utf8)
            #expect(got == expected.joined(separator: "\n") + "\n", "\(party)")
            #expect(run.stderr.contains("\"dropped_unknown\":\"\(batch.cells.count - known.count)\""))
            covered.formUnion(known)
        }
        #expect(covered.count == byKey.count)
    }

    // MARK: - Parties that disagree

    @Test func score_refusesPartiesThatUsedDifferentKeys() throws {
        let batch = try TestBatch.write(directory: temp.file("raw"), model: model, customers: 200)
        let a = try newKey("a")
        let b = try newKey("b")
        try tokenizeBatch(batch.directory, into: temp.file("tok"), keys: ["*": "a", "home_loans": "b"])
        let run = try score(temp.file("tok"), temp.file("out/scores.csv"))
        #expect(run.status == 1)
        #expect(run.stderr.contains("different keys"), "\(run.stderr)")
        #expect(run.stderr.contains("home_loans: hmac-sha256-128, trim, key id \(b.keyID)"))
        #expect(
            run.stderr.contains("auto_loans, digital_savings, credit_card: hmac-sha256-128, trim, key id \(a.keyID)"))
        #expect(!FileManager.default.fileExists(atPath: temp.file("out/scores.csv")))
        for key in batch.cells.keys { #expect(!run.stderr.contains(key)) }
    }

    @Test func score_refusesAManifestCopiedFromAnotherBatch() throws {
        // The manifest declares key a for everyone; one shard was tokenized under key b.
        let batch = try TestBatch.write(directory: temp.file("raw"), model: model, customers: 200)
        let a = try newKey("a")
        let b = try newKey("b")
        let entries = try tokenizeBatch(batch.directory, into: temp.file("tok"), keys: ["*": "a", "home_loans": "b"])
        var copied = entries
        copied["home_loans"] = entries["auto_loans"]
        try writeManifest(temp.file("tok"), entries: copied)
        let run = try score(temp.file("tok"), temp.file("out/scores.csv"))
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "party home_loans: manifest.json declares tokens (hmac-sha256-128, trim, key id \(a.keyID)), but its "
                    + "shard carries tokens (hmac-sha256-128, trim, key id \(b.keyID))"), "\(run.stderr)")
    }

    @Test func score_refusesRawAndTokenizedShardsMixed() throws {
        let batch = try TestBatch.write(directory: temp.file("raw"), model: model, customers: 200)
        _ = try newKey("k")
        try tokenizeBatch(batch.directory, into: temp.file("tok"), keys: ["*": "k"], raw: ["credit_card"])
        let run = try score(temp.file("tok"), temp.file("out/scores.csv"))
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "the batch mixes raw keys (credit_card) and tokenized keys (auto_loans, digital_savings, home_loans)"),
            "\(run.stderr)")
        // A tokenized shard the manifest does not declare is refused too.
        try writeManifest(temp.file("tok"), entries: [:])
        let silent = try score(temp.file("tok"), temp.file("out/scores.csv"))
        #expect(silent.status == 1)
        #expect(
            silent.stderr.contains("party auto_loans: manifest.json declares raw keys, but its shard carries tokens"))
    }

    // MARK: - Normalization

    /// Two banks, one spelling each of the same three customers.
    func writeSpellings(_ directory: String, first: [String], second: [String]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (party, keys) in [("auto_loans", first), ("digital_savings", second)] {
            let p = model.partyIndex(party)!
            let header = ([model.key] + model.parties[p].features.map(\.name)).joined(separator: ",")
            let rows = keys.map { key in ([key] + model.parties[p].features.map { _ in "" }).joined(separator: ",") }
            try ([header] + rows).joined(separator: "\n").appending("\n").write(
                toFile: directory + "/\(party).csv", atomically: true, encoding: .utf8)
        }
    }

    func twoPartyManifest(_ directory: String, entries: [String: JSONValue]) throws {
        let manifest = JSONValue.object([
            ("batch", "b"), ("parties", ["auto_loans", "digital_savings"]),
            ("keys", .object(entries.keys.sorted().map { ($0, entries[$0]!) })),
        ])
        try manifest.text.write(toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
    }

    func tokenizeTwo(_ directory: String, into target: String, normalize: [String]) throws -> [String: JSONValue] {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var entries: [String: JSONValue] = [:]
        for (party, rule) in zip(["auto_loans", "digital_savings"], normalize) {
            let run = try cli.vfl([
                "tokenize", directory + "/\(party).csv", "--key-file", temp.file("k"), "--out",
                target + "/\(party).csv", "--key-column", "tax_id", "--normalize", rule,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            entries[party] = try JSONValue(parsing: Data(run.stdout.utf8))
        }
        try twoPartyManifest(target, entries: entries)
        return entries
    }

    func customersKnownToBoth(_ summaryPath: String) throws -> Int? {
        try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: summaryPath)))["parties_per_customer"]?["2"]?.int
    }

    @Test func normalization_digitsMeetsSpellingsTrimMeetsPaddedKeysAndMixedRulesAreRefused() throws {
        _ = try newKey("k")
        try writeSpellings(
            temp.file("raw"), first: ["123-45-6789", "111-22-3333", " 222-33-4444"],
            second: ["123456789", "111 22 3333", "222-33-4444\t"])
        // Raw keys: nobody meets, and the padded keys are counted and warned about once per shard.
        try twoPartyManifest(temp.file("raw"), entries: [:])
        let raw = try score(temp.file("raw"), temp.file("out-raw/scores.csv"))
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(try customersKnownToBoth(temp.file("out-raw/summary.json")) == 0)
        let summary = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: temp.file("out-raw/summary.json"))))
        #expect(summary["parties"]?["auto_loans"]?["keys_with_whitespace"]?.int == 1)
        #expect(summary["parties"]?["digital_savings"]?["keys_with_whitespace"]?.int == 1)
        #expect(summary["parties"]?["home_loans"]?["keys_with_whitespace"] == nil)
        #expect(summary["keys"]?.string == "raw")
        let warnings = raw.stderr.split(separator: "\n").filter { $0.contains("leading or trailing whitespace") }
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.contains("\"level\":\"warning\"") && $0.contains("\"keys\":\"1\"") })
        #expect(!raw.stderr.contains("222-33-4444"))

        // trim: the padded spelling meets; digits: all three meet.
        try _ = tokenizeTwo(temp.file("raw"), into: temp.file("trim"), normalize: ["trim", "trim"])
        #expect(try score(temp.file("trim"), temp.file("out-trim/scores.csv")).status == 0)
        #expect(try customersKnownToBoth(temp.file("out-trim/summary.json")) == 1)
        let digits = try tokenizeTwo(temp.file("raw"), into: temp.file("digits"), normalize: ["digits", "digits"])
        #expect(digits["auto_loans"]?["normalize"]?.string == "digits")
        #expect(try String(contentsOfFile: temp.file("digits/auto_loans.csv"), encoding: .utf8).contains(":digits:"))
        #expect(try score(temp.file("digits"), temp.file("out-digits/scores.csv")).status == 0)
        #expect(try customersKnownToBoth(temp.file("out-digits/summary.json")) == 3)

        // Different rules never join: refused.
        try _ = tokenizeTwo(temp.file("raw"), into: temp.file("mixed"), normalize: ["trim", "digits"])
        let mixed = try score(temp.file("mixed"), temp.file("out-mixed/scores.csv"))
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("different normalizations"), "\(mixed.stderr)")
    }

    // MARK: - Ingest

    func makeIngestor(requireTokens: Bool = false) throws -> (Ingestor, any JobStore, Spool) {
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        var configuration = IngestConfiguration(spool: spool, settleSeconds: 0)
        configuration.requireTokens = requireTokens
        try ModelRegistrar.makeChampion(modelText, store: store, spool: spool)
        return (Ingestor(configuration: configuration, store: store, model: model, logger: .disabled), store, spool)
    }

    func errorReason(_ spool: Spool, _ id: String) throws -> String? {
        try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: spool.rejected + "/\(id)/error.json")))["reason"]?
            .string
    }

    /// Drops a batch written in `staging` into the inbox as `id` (manifest renamed to the batch).
    func drop(_ staging: String, as id: String, into spool: Spool) throws {
        try FileManager.default.copyItem(atPath: staging, toPath: spool.inbox + "/" + id)
        try? FileManager.default.removeItem(atPath: spool.inbox + "/\(id)/maps")
        let path = spool.inbox + "/\(id)/manifest.json"
        var manifest = try Manifest(parsing: Data(contentsOf: URL(fileURLWithPath: path)))
        manifest.batch = id
        try manifest.jsonText.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func ingest_refusesDisagreeingKeysAndMixedShardsNamingTheParties() throws {
        let batch = try TestBatch.write(directory: temp.file("raw"), model: model, customers: 100)
        _ = try newKey("a")
        let b = try newKey("b")
        try tokenizeBatch(batch.directory, into: temp.file("two-keys"), keys: ["*": "a", "credit_card": "b"])
        try tokenizeBatch(batch.directory, into: temp.file("mixed"), keys: ["*": "a"], raw: ["home_loans"])
        try tokenizeBatch(batch.directory, into: temp.file("good"), keys: ["*": "a"])
        let (ingestor, store, spool) = try makeIngestor()
        try drop(temp.file("two-keys"), as: "two-keys", into: spool)
        try drop(temp.file("mixed"), as: "mixed", into: spool)
        try drop(temp.file("good"), as: "good", into: spool)
        #expect(try ingestor.scanOnce() == Ingestor.ScanOutcome(accepted: 1, rejected: 2))
        let twoKeys = try errorReason(spool, "two-keys")
        #expect(twoKeys?.contains("credit_card: hmac-sha256-128, trim, key id \(b.keyID)") == true, "\(twoKeys ?? "")")
        #expect(twoKeys?.contains("different keys") == true)
        #expect(try store.job("two-keys")?.state == .rejected)
        #expect(try errorReason(spool, "mixed")?.contains("mixes raw keys (home_loans)") == true)
        // The accepted job keeps each party's declaration for its workers.
        let job = try #require(try store.job("good"))
        #expect(job.state == .queued)
        let shards = try Shard.parse(jsonText: try #require(job.shards))
        #expect(shards.allSatisfy { $0.keys?.keyID == shards[0].keys?.keyID && $0.keys != nil })
    }

    @Test func ingest_requireTokensRefusesRawShardsAndRawIdsNamingTheParty() throws {
        let batch = try TestBatch.write(directory: temp.file("raw"), model: model, customers: 100)
        let key = try newKey("k")
        try tokenizeBatch(batch.directory, into: temp.file("good"), keys: ["*": "k"])
        // A shard that declares tokens but kept its raw ids (a column added by hand).
        try tokenizeBatch(batch.directory, into: temp.file("fake"), keys: ["*": "k"])
        let lines = try String(contentsOfFile: (batch.directory + "/" + "digital_savings.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let scheme = TokenScheme(normalization: .trim, keyID: key.keyID)
        let fake = [lines[0] + "," + scheme.columnName] + lines.dropFirst().map { $0 + "," }
        try (fake.joined(separator: "\n") + "\n").write(
            toFile: temp.file("fake/digital_savings.csv"), atomically: true, encoding: .utf8)
        let (ingestor, store, spool) = try makeIngestor(requireTokens: true)
        try drop(batch.directory, as: "raw", into: spool)
        try drop(temp.file("fake"), as: "fake", into: spool)
        try drop(temp.file("good"), as: "good", into: spool)
        #expect(try ingestor.scanOnce() == Ingestor.ScanOutcome(accepted: 1, rejected: 2))
        let raw = try errorReason(spool, "raw")
        #expect(raw?.contains("party auto_loans: auto_loans.csv has raw keys, and VFL_REQUIRE_TOKENS=1") == true)
        let fakeReason = try errorReason(spool, "fake")
        #expect(
            fakeReason?.contains("party digital_savings: digital_savings.csv line 2") == true, "\(fakeReason ?? "")")
        #expect(fakeReason?.contains("a raw id (NNN-NN-NNNN), not a token") == true)
        for key in batch.cells.keys { #expect(fakeReason?.contains(key) == false) }
        #expect(try store.job("good")?.state == .queued)
        // Without the policy a raw batch is taken.
        let (open, _, openSpool) = try makeIngestor()
        try? FileManager.default.removeItem(atPath: openSpool.inbox + "/raw2")
        try FileManager.default.copyItem(atPath: batch.directory, toPath: openSpool.inbox + "/raw2")
        try Manifest(batch: "raw2", parties: parties).jsonText.write(
            toFile: openSpool.inbox + "/raw2/manifest.json", atomically: true, encoding: .utf8)
        #expect(try open.scanOnce().accepted == 1)
    }

    // MARK: - Manifest form

    @Test func manifest_keysRoundTripAndBadEntriesAreRefused() throws {
        let scheme = TokenScheme(normalization: .digits, keyID: "0123456789abcdef")
        let manifest = Manifest(batch: "b", parties: ["p", "q"], keys: ["p": scheme])
        let parsed = try Manifest(parsing: Data(manifest.jsonText.utf8))
        #expect(parsed == manifest)
        #expect(parsed.keys["p"]?.columnName == "vfl-key:hmac-sha256-128:digits:0123456789abcdef")
        #expect(try TokenScheme.declared(inHeader: ["tax_id", "x", scheme.columnName]) == scheme)
        #expect(try TokenScheme.declared(inHeader: ["tax_id", "x"]) == nil)
        for bad in [
            #"{"p": {"form": "sha1", "normalize": "trim", "key_id": "0123456789abcdef"}}"#,
            #"{"p": {"form": "hmac-sha256-128", "normalize": "upper", "key_id": "0123456789abcdef"}}"#,
            #"{"p": {"form": "hmac-sha256-128", "normalize": "trim", "key_id": "0123"}}"#,
            #"{"r": {"form": "hmac-sha256-128", "normalize": "trim", "key_id": "0123456789abcdef"}}"#,
            #"["p"]"#,
        ] {
            let text = #"{"batch": "b", "parties": ["p", "q"], "keys": "# + bad + "}"
            #expect(throws: Manifest.Error.self) { try Manifest(parsing: Data(text.utf8)) }
        }
        #expect(throws: TokenScheme.Error.self) { try TokenScheme.declared(inHeader: ["vfl-key:hmac-sha256-128:trim"]) }
    }
}
