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
                  --key-file K      the consortium's key file (mode 0600; the scoring service never gets it)
                  --map MAP         also write this bank's token,key table (mode 0600; it stays with the bank)
                  --normalize N     trim (default: leading and trailing ASCII whitespace) or digits (only digits)
                  --key-column C    the key column (default: the model's key, tax_id for the shipped model)
                  --new-key K       write a new random 256-bit key to K (which must not exist), owner-only, and
                                    print its key id
                """, valued: ["key-file", "out", "map", "normalize", "key-column", "model", "new-key"],
            run: tokenize)

    static let detokenizeCommand =
        Command(
            name: "detokenize", summary: "a bank's own results with its real keys, from tokenized results and its map",
            usage: """
                vfl detokenize RESULTS.csv --map MAP --out FILE
                Writes the rows of RESULTS.csv (scores.csv, or rejects.csv) whose token MAP holds, with the bank's own
                keys, sorted by key (mode 0600); rows of customers the bank does not know are dropped and counted.
                """, valued: ["map", "out"], run: detokenize)

    /// The options `vfl embed` shares with `vfl tokenize`.
    static let embedTokenOptions: Set<String> = ["key-file", "map", "normalize"]

    static func tokenize(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32
    {
        if let path = options.options["new-key"] {
            guard options.positionals.isEmpty, options.options.count == 1 else {
                throw ParsedArguments.UsageError("--new-key K takes no other arguments")
            }
            let key = try ConsortiumKey.create(file: path)
            print(JSONValue.object([("key_id", .string(key.keyID))]).text)
            logger.info("key written", metadata: [("file", path), ("key_id", key.keyID)])
            return 0
        }
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one SHARD.csv") }
        guard let out = options.options["out"] else { throw ParsedArguments.UsageError("--out FILE is required") }
        guard let tokenizer = try tokenizer(options, keyColumn: { try keyColumn(options, environment) }) else {
            throw ParsedArguments.UsageError("--key-file K is required (vfl tokenize --new-key K makes one)")
        }
        for path in [out] + (options.options["map"].map { [$0] } ?? []) {
            try FileIO.makeDirectories(FileIO.directory(of: path))
        }
        let outcome = try tokenizer.tokenize(
            shardPath: options.positionals[0], outputPath: out, mapPath: options.options["map"])
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
        guard let map = options.options["map"] else { throw ParsedArguments.UsageError("--map MAP is required") }
        guard let out = options.options["out"] else { throw ParsedArguments.UsageError("--out FILE is required") }
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
        let normalize = options.options["normalize"] ?? KeyNormalization.trim.rawValue
        guard let normalization = KeyNormalization(rawValue: normalize) else {
            throw ParsedArguments.UsageError("--normalize must be trim or digits")
        }
        guard let path = options.options["key-file"] else {
            if options.options["map"] != nil || options.options["normalize"] != nil {
                throw ParsedArguments.UsageError("--map and --normalize need --key-file K")
            }
            return nil
        }
        return Tokenizer(key: try ConsortiumKey(file: path), normalization: normalization, keyColumn: try keyColumn())
    }

    private static func keyColumn(_ options: ParsedArguments, _ environment: [String: String]) throws -> String {
        if let name = options.options["key-column"] { return name }
        return try loadModel(modelPath(options, environment)).key
    }

    /// `VFL_REQUIRE_TOKENS`: `1`/`true`/`yes` or `0`/`false`/`no` (default: unset, off).
    ///
    /// - Throws: ``ParsedArguments/UsageError`` for any other value.
    static func requireTokens(_ environment: [String: String]) throws -> Bool {
        switch (environment["VFL_REQUIRE_TOKENS"] ?? "").lowercased() {
        case "", "0", "false", "no": return false
        case "1", "true", "yes": return true
        default: throw ParsedArguments.UsageError("VFL_REQUIRE_TOKENS must be 1 or 0 (true or false)")
        }
    }
}
