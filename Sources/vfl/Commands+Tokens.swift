import Core
import Model
import Spool
import Worker

/// Consortium tokens for the join key: `vfl tokenize`, `vfl detokenize`, `vfl embed --key-file`, and the ingest
/// policy `VFL_REQUIRE_TOKENS` (docs/privacy.md).
extension Commands {
    static let tokenizeCommand =
        Command(
            name: "tokenize", summary: "replace a shard's keys by consortium tokens on the bank's own machine",
            usage: """
                vfl tokenize SHARD.csv --key-file K --out OUT.csv [--map MAP] [--normalize trim|digits]
                             [--key-column NAME] [--model FILE]
                vfl tokenize --new-key K
                Replaces the key column by HMAC-SHA256(K, normalize(key)) cut to 128 bits (32 lowercase hex); every
                other column stays as it was, and one empty column vfl-key:FORM:NORMALIZATION:KEY_ID declares how.
                Prints the party's manifest entry for "keys" ({"form": ..., "normalize": ..., "key_id": ...}).
                """, run: tokenize)

    static let detokenizeCommand =
        Command(
            name: "detokenize", summary: "a bank's own results with its real keys, from tokenized results and its map",
            usage: """
                vfl detokenize RESULTS.csv --map MAP --out FILE
                Writes the rows of RESULTS.csv (scores.csv, or rejects.csv) whose token MAP holds, with the bank's own
                keys, sorted by key (mode 0600); rows of customers the bank does not know are dropped and counted.
                """, run: detokenize)

    static func tokenize(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32
    {
        if let path = try options.string(.newKey) {
            guard options.positionals.isEmpty, options.options.count == 1 else {
                throw ParsedArguments.UsageError("--new-key K takes no other arguments")
            }
            let key = try ConsortiumKey.create(file: path)
            print(JSONValue.object([("key_id", .string(key.keyID))]).text)
            logger.info("key written", metadata: [("file", path), ("key_id", key.keyID)])
            return 0
        }
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one SHARD.csv") }
        guard let out = try options.string(.scoresOut) else {
            throw ParsedArguments.UsageError("--out FILE is required")
        }
        guard let tokenizer = try tokenizer(options, keyColumn: { try keyColumn(options) }) else {
            throw ParsedArguments.UsageError("--key-file K is required (vfl tokenize --new-key K makes one)")
        }
        let map = try options.string(.map)
        for path in [out] + (map.map { [$0] } ?? []) { try FileIO.makeDirectories(FileIO.directory(of: path)) }
        let outcome = try tokenizer.tokenize(shardPath: options.positionals[0], outputPath: out, mapPath: map)
        print(tokenizer.scheme.json.text)
        logger.info(
            "shard tokenized",
            metadata: [
                ("rows", "\(outcome.rows)"), ("empty_keys", "\(outcome.emptyKeys)"),
                ("key_id", tokenizer.key.keyID), ("normalize", tokenizer.normalization.rawValue),
            ])
        return 0
    }

    static func detokenize(
        _ options: ParsedArguments, _ environment: [String: String], _ logger: Logger
    ) throws
        -> Int32
    {
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one RESULTS.csv") }
        guard let map = try options.string(.map) else { throw ParsedArguments.UsageError("--map MAP is required") }
        guard let out = try options.string(.scoresOut) else {
            throw ParsedArguments.UsageError("--out FILE is required")
        }
        try FileIO.makeDirectories(FileIO.directory(of: out))
        let outcome = try Detokenizer.detokenize(resultsPath: options.positionals[0], mapPath: map, outputPath: out)
        logger.info(
            "results detokenized", metadata: [("rows", "\(outcome.rows)"), ("dropped_unknown", "\(outcome.dropped)")])
        return 0
    }

    /// The tokenizer `--key-file`, `--normalize` (and the key column) describe, or `nil` without `--key-file`.
    ///
    /// - Throws: ``ParsedArguments/UsageError`` for a bad normalization or options without a key file;
    ///   ``ConsortiumKey/Error`` for a key file that cannot be used.
    static func tokenizer(_ options: ParsedArguments, keyColumn: () throws -> String) throws -> Tokenizer? {
        let normalize = try options.string(.normalize) ?? KeyNormalization.trim.rawValue
        guard let normalization = KeyNormalization(rawValue: normalize) else {
            throw ParsedArguments.UsageError("--normalize must be trim or digits")
        }
        guard let path = try options.string(.keyFile) else {
            if options.given(.map) || options.given(.normalize) {
                throw ParsedArguments.UsageError("--map and --normalize need --key-file K")
            }
            return nil
        }
        return Tokenizer(key: try ConsortiumKey(file: path), normalization: normalization, keyColumn: try keyColumn())
    }

    private static func keyColumn(_ options: ParsedArguments) throws -> String {
        if let name = try options.string(.keyColumn) { return name }
        return try loadModel(modelPath(options)).key
    }
}
