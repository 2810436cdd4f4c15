import Core
import Model
import Spool
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// vfl's subcommands, as data: name, summary, usage and the function that runs it.
enum Commands {
    struct Command: Sendable {
        var name: String
        var summary: String
        /// The synopsis and notes; `--help` adds the options, from the settings that name this command.
        var usage: String
        var run: @Sendable (ParsedArguments, [String: String], Logger) throws -> Int32

        /// The settings this command takes (``Setting/table``); it refuses every other option.
        var settings: [Setting] { Setting.taken(by: name) }

        /// `--help`: the usage, then one line per option or environment variable.
        var help: String { usage + "\noptions and environment:\n" + Setting.usageLines(settings) }
    }

    static let all: [Command] = [
        Command(
            name: "run", summary: "the local all-in-one: ingest, workers and the status API, supervised",
            usage: """
                vfl run [options]
                Without VFL_API_TOKEN, a token is made and kept in <spool>/api-token (mode 0600).
                Ctrl-C or SIGTERM stops every process cleanly; the children stop too when vfl run is killed.
                One vfl run per spool (<spool>/.vfl-run.lock): a second one exits 1.
                """, run: runAll),
        Command(
            name: "ingest", summary: "watch the spool inbox and record complete batches as jobs",
            usage: "vfl ingest [options]", run: ingest),
        Command(
            name: "worker", summary: "claim and score jobs until SIGTERM", usage: "vfl worker [options]", run: worker),
        Command(
            name: "api", summary: "serve /health, /ready, /jobs, results and /metrics on port 5001",
            usage: """
                vfl api [options]
                The token (VFL_API_TOKEN, or VFL_API_TOKEN_FILE) protects results, lookups and a job's distribution
                detail. Without one, vfl api refuses to start unless VFL_API_OPEN=1 says results may be public.
                """, run: api),
        Command(
            name: "retry", summary: "queue a failed job again after fixing its cause",
            usage: "vfl retry JOB_ID [options]", run: retry),
        Command(
            name: "score", summary: "score one batch folder into scores.csv (no database)",
            usage: """
                vfl score BATCH_DIR --out FILE [--model FILE] [--challenger FILE ...] [options]
                Writes FILE, and beside it rejects.csv and summary.json (or <stem>.rejects.csv, <stem>.summary.json).
                With challengers, each is scored in the same pass into challengers/<model-id>/ beside FILE and compared
                with the champion (--model) in comparison.json there; a challenger's failure is recorded, never fatal.
                """, run: score),
        Command(
            name: "embed", summary: "compute one party's representation shard on the bank's own machine",
            usage: """
                vfl embed --party NAME SHARD.csv --out FILE [--model FILE] [--key-file K [--map MAP] [--normalize N]]
                Writes KEY,r1..rK,model for every row of the shard (FILE is normally <party>.repr.csv). With --key-file
                the keys are tokenized too, as vfl tokenize does: a shard with neither raw columns nor raw keys.
                """, run: embed),
        tokenizeCommand,
        detokenizeCommand,
        Command(
            name: "inspect", summary: "parse a CSV file strictly and print its records as JSON",
            usage: """
                vfl inspect csv FILE [--stats [--numbers]]
                Prints a JSON array of arrays of strings, or {"error": KIND, "line": N, "column": N, ...} and exits 1.
                """, run: inspect),
        modelCommand,
        Command(
            name: "gen", summary: "write a synthetic, realistic four-party batch (and labels.csv with --labels)",
            usage: """
                vfl gen --customers N --out DIR [options]
                Same seed, same bytes. Streams in constant memory.
                """, run: gen),
        Command(
            name: "train", summary: "fit the split network (and a linear model to compare) to a labelled batch",
            usage: """
                vfl train --data DIR --out FILE [options]
                Prints progress lines, then holdout MAE, RMSE and R2 overall and by number of parties present.
                Same data and seed, same model file.
                """, run: train),
        Command(
            name: "backup", summary: "copy the job store consistently while the pipeline runs (SQLite online backup)",
            usage: """
                vfl backup --out FILE [options]
                Writes a consistent snapshot of the job store to FILE, through a temporary file renamed into place,
                after an integrity check. Never copy the database file itself.
                """, run: backup),
        Command(
            name: "health", summary: "a health check for containers: the api's /health, or the job store",
            usage: "vfl health [options]", run: health),
    ]

    /// Commands for scripts/ and CI, not listed by `vfl --help`.
    static let hidden: [Command] = [
        benchLookup,
        Command(
            name: "blas", summary: "print the BLAS kernel family vfl scores with here, and its checks",
            usage: """
                vfl blas
                Prints `kernel NAME`, then the self-check and the placement check; exits 1 when one fails.
                """, run: blas),
        Command(
            name: "settings", summary: "print every setting (flag, variable, type, range, default, commands)",
            usage: "vfl settings [--markdown]", run: printSettings),
    ]

    static func run(_ arguments: [String], environment: [String: String], logger: Logger) -> Int32 {
        guard let name = arguments.first, name != "--help", name != "-h", name != "help" else {
            printUsage()
            return arguments.isEmpty ? 2 : 0
        }
        assert(
            Setting.table.allSatisfy {
                $0.commands.allSatisfy { c in c == "*" || (all + hidden).contains { $0.name == c } }
            },
            "a setting names a command that does not exist")
        // Hidden commands (tools for scripts/) are not listed by --help.
        guard let command = (all + hidden).first(where: { $0.name == name }) else {
            printError("unknown command \(name); run vfl --help")
            return 2
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.help)
            return 0
        }
        do {
            let options = try ParsedArguments(rest, settings: command.settings, environment: environment)
            if options.given(.checkArgs) {
                // `vfl COMMAND ... --check-args`: the command line and the settings are valid; nothing runs
                // (deployment checks).
                try options.validate()
                print("vfl \(name): arguments ok")
                return 0
            }
            return try command.run(options, environment, logger)
        } catch let error as ParsedArguments.UsageError {
            let synopsis = command.usage.prefix { $0 != "\n" }
            printError("\(error.message)\nusage: \(synopsis) (vfl \(name) --help lists its options)")
            return 2
        } catch {
            printError("\(error)")
            return 1
        }
    }

    /// `vfl settings`: every setting of ``Setting/table`` that a listed command takes, as text or as the docs'
    /// Markdown table.
    static func printSettings(
        _ options: ParsedArguments, _ environment: [String: String], _ logger: Logger
    ) throws
        -> Int32
    {
        let listed = Set(all.map(\.name))
        let shown = Setting.table.filter { setting in setting.commands.contains { $0 == "*" || listed.contains($0) } }
        print(try options.bool(.markdown) ? Setting.markdownTable(shown) : Setting.usageLines(shown))
        return 0
    }

    static func printUsage() {
        var text = "vfl: batch credit scoring for vertical federated learning\n\ncommands:\n"
        for command in all { text += "  \(command.name.padding(8))  \(command.summary)\n" }
        text += "\nvfl COMMAND --help for a command's options."
        print(text)
    }

    static func printError(_ message: String) {
        var line = "vfl: error: \(message)\n"
        line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }

    // MARK: - Commands

    static func modelPath(_ options: ParsedArguments) throws -> String {
        try options.string(.model) ?? ShippedFiles.defaultModel
    }

    static func loadModel(_ path: String) throws -> SplitModel {
        try SplitModel.load(path: path)
    }

    static func score(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one BATCH_DIR") }
        guard let out = try options.string(.scoresOut) else {
            throw ParsedArguments.UsageError("--out FILE is required")
        }
        let threads = try options.int(.threads) { ScoringOptions.cores }
        let share = try options.double(.maxRejectShare)
        let decimals = try options.int(.decimals)
        let model = try loadModel(modelPath(options))
        let challengers = try options.strings(.challenger).map(loadModel)
        try checkBLAS(logger)
        var scoring = ScoringOptions(threads: threads, maxRejectShare: share, reasons: !(try options.bool(.noReasons)))
        scoring.decimals = decimals
        let scorer = BatchScorer(model: model, challengers: challengers, options: scoring, logger: logger)
        try FileIO.makeDirectories(FileIO.directory(of: out))
        let outcome = try scorer.score(batchDirectory: options.positionals[0], results: ResultPaths(besideScores: out))
        logger.info(
            "batch scored",
            metadata: [
                ("customers", "\(outcome.customers)"), ("scored", "\(outcome.scored)"),
                ("rejected_rows", "\(outcome.rejectedRows)"),
                ("ms", outcome.summary["timings_ms"]?["total"]?.double.map { "\($0)" } ?? ""),
            ])
        for challenger in outcome.challengers {
            logger.info(
                challenger.error == nil ? "challenger scored" : "challenger failed",
                metadata: [
                    ("model", challenger.id), ("scored", "\(challenger.scored)"), ("error", challenger.error ?? ""),
                ])
        }
        return 0
    }

    static func embed(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one SHARD.csv") }
        guard let party = try options.string(.party) else {
            throw ParsedArguments.UsageError("--party NAME is required")
        }
        guard let out = try options.string(.scoresOut) else {
            throw ParsedArguments.UsageError("--out FILE is required")
        }
        let model = try loadModel(modelPath(options))
        let tokenizer = try tokenizer(options) { model.key }
        try checkBLAS(logger)
        let outcome = try Embedder(model: model).embed(
            party: party, shardPath: options.positionals[0], outputPath: out, tokenizer: tokenizer,
            mapPath: try options.string(.map))
        if let tokenizer { print(tokenizer.scheme.json.text) }
        logger.info(
            "representation written",
            metadata: [("party", party), ("rows", "\(outcome.rows)"), ("bad_rows", "\(outcome.badRows)")])
        return 0
    }

    static func inspect(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard options.positionals.count == 2, options.positionals[0] == "csv" else {
            throw ParsedArguments.UsageError("expected: vfl inspect csv FILE")
        }
        if try options.bool(.stats) {
            print(try CSVInspector.statistics(path: options.positionals[1], numbers: try options.bool(.numbers)).text)
            return 0
        }
        let output = BufferedFileWriter(fileDescriptor: 1, name: "stdout")
        if let error = try CSVInspector.inspect(path: options.positionals[1], output: output) {
            // Nothing of a partial array is printed: the buffer is dropped, the error object printed instead.
            output.discard()
            print(error)
            return 1
        }
        try output.flush()
        return 0
    }

    static func modelInfo(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32
    {
        guard let sub = options.positionals.first, sub == "info" || sub == "bench", options.positionals.count <= 2
        else {
            throw ParsedArguments.UsageError("expected: vfl model info [FILE] or vfl model bench [FILE]")
        }
        let path = options.positionals.count == 2 ? options.positionals[1] : try modelPath(options)
        let model = try loadModel(path)
        if sub == "info" {
            print(model.info.text)
            return 0
        }
        let rows = try options.int(.rows)
        try checkBLAS(logger, placement: false)
        say("model \(model.name) (\(model.id.prefix(12))), one thread, \(rows) rows; BLAS kernel \(BLAS.coreName)")
        for figure in ModelBenchmark.run(model: model, rows: rows) {
            var line = "  \(figure.name): \(Int(figure.rowsPerSecond)) rows/s"
            if let trees = figure.treesPerSecond { line += ", \(Int(trees / 1e6)) million tree evaluations/s" }
            say(line)
        }
        return 0
    }

    /// Verifies the BLAS kernels before scoring anything: against a scalar product, and (unless `placement` is
    /// false, for `vfl model bench`) that a row's result does not depend on its place in a block, which the
    /// byte-identical results of a batch scored whole and in buckets rest on.
    static func checkBLAS(_ logger: Logger, placement: Bool = true) throws {
        BLAS.configure(threads: 1)
        let error = BLAS.selfCheck()
        guard error < 1e-4 else {
            throw ScoringError(
                .io,
                "OpenBLAS kernel \(BLAS.coreName) failed its self-check (relative error \(error)); "
                    + "set VFL_BLAS_CORETYPE to another kernel family (SandyBridge runs on every AVX CPU)")
        }
        guard !placement || BLAS.placementCheck() else {
            throw ScoringError(
                .io,
                "OpenBLAS kernel \(BLAS.coreName) computes a row differently depending on its place in a block, so "
                    + "results would depend on how a batch is split; set VFL_BLAS_CORETYPE=auto (docs/operations.md, "
                    + "Threads and BLAS kernels)")
        }
        logger.debug("blas ready", metadata: [("blas.core", BLAS.coreName), ("blas.check", "\(error)")])
    }

    /// `vfl blas`: the kernel family vfl scores with on this machine and its checks; exits 1 when one fails.
    static func blas(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard options.positionals.isEmpty else { throw ParsedArguments.UsageError("vfl blas takes no arguments") }
        BLAS.configure(threads: 1)
        let error = BLAS.selfCheck()
        let placement = BLAS.placementCheck()
        print("kernel \(BLAS.coreName)")
        print("self-check \(error < 1e-4 ? "passed" : "FAILED") (relative error \(error), at most 1e-4)")
        print("placement \(placement ? "passed" : "FAILED") (a row's result the same wherever it sits in a block)")
        return error < 1e-4 && placement ? 0 : 1
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
