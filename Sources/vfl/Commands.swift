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
        var usage: String
        /// Options that take a value; every command also accepts `--check-args`.
        var valued: Set<String> = []
        /// Options that take none.
        var flags: Set<String> = []
        var run: @Sendable (ParsedArguments, [String: String], Logger) throws -> Int32
    }

    static let all: [Command] = [
        Command(
            name: "run", summary: "the local all-in-one: ingest, workers and the status API, supervised",
            usage: """
                vfl run [--spool DIR] [--db FILE] [--workers N] [--port P] [--host H] [--model FILE] [--memory-mb M]
                  --spool DIR     the spool (VFL_SPOOL; default ./spool)
                  --db FILE       the job store (VFL_DB; default <spool>/vfl.sqlite)
                  --workers N     worker processes (VFL_WORKERS; default 2)
                  --port P        the status API's port (VFL_PORT; default 5001)
                  --host H        the status API's address (VFL_HOST; default 127.0.0.1; * for every address)
                  --model FILE    the model (VFL_MODEL; default: the shipped model)
                Without VFL_API_TOKEN, a token is made and kept in <spool>/api-token (mode 0600).
                Ctrl-C or SIGTERM stops every process cleanly; the children stop too when vfl run is killed.
                One vfl run per spool (<spool>/.vfl-run.lock): a second one exits 1.
                """, valued: pipelineOptions, run: runAll),
        Command(
            name: "ingest", summary: "watch the spool inbox and record complete batches as jobs",
            usage: """
                vfl ingest [--spool DIR] [--db FILE] [--model FILE] [--memory-mb M]
                  --memory-mb M   a worker's memory bound per task (VFL_WORKER_MEMORY_MB; default 512): larger
                                  batches are split into partition, bucket and merge tasks
                """, valued: pipelineOptions, run: ingest),
        Command(
            name: "worker", summary: "claim and score jobs until SIGTERM",
            usage: """
                vfl worker [--spool DIR] [--db FILE] [--model FILE] [--threads N] [--lease S] [--max-attempts N]
                  --lease S          seconds a claim holds without renewal (VFL_LEASE_SECONDS; default 30)
                  --max-attempts N   claims before a job fails (VFL_MAX_ATTEMPTS; default 5)
                """, valued: pipelineOptions, run: worker),
        Command(
            name: "api", summary: "serve /health, /ready, /jobs, results and /metrics on port 5001",
            usage: """
                vfl api [--port P] [--host H] [--spool DIR] [--db FILE] [--model FILE]
                  --port P   the port (VFL_PORT; default 5001)
                  --host H   the address (VFL_HOST; default 127.0.0.1; * for every IPv4 and IPv6 address)
                  --max-connections N              (VFL_API_MAX_CONNECTIONS; default 16384)
                  --max-connections-per-client N   (VFL_API_MAX_CONNECTIONS_PER_CLIENT; default 1024)
                  --header-timeout S   seconds in all to send a request head (VFL_API_HEADER_TIMEOUT; default 10)
                  --loops N   event loops, the threads that own the sockets (VFL_API_LOOPS; default 2)
                  --min-group N   the fewest customers a reported histogram, drift or coverage count may
                                  describe (VFL_API_MIN_GROUP; default 50): smaller groups are merged or withheld
                The token (VFL_API_TOKEN, or VFL_API_TOKEN_FILE: a file holding it; at least 32 characters)
                protects results, lookups and a job's distribution detail. Without one, vfl api refuses to
                start unless VFL_API_OPEN=1 says results may be public.
                """, valued: pipelineOptions, run: api),
        Command(
            name: "retry", summary: "queue a failed job again after fixing its cause",
            usage: "vfl retry JOB_ID [--spool DIR] [--db FILE]", valued: pipelineOptions, run: retry),
        Command(
            name: "score", summary: "score one batch folder into scores.csv (no database)",
            usage: """
                vfl score BATCH_DIR --out FILE [--model FILE] [--threads N] [--max-reject-share S] [--no-reasons]
                  --model FILE            the model (VFL_MODEL; default: the shipped model)
                  --threads N             threads for reading and scoring (VFL_THREADS; default: the cores)
                  --max-reject-share S    fail when more than this share of rows is rejected (default 0.01)
                  --no-reasons            skip reason codes
                  --decimals D            decimals of the score column (default 2, the contract's; more for audits)
                Writes FILE, and beside it rejects.csv and summary.json (or <stem>.rejects.csv, <stem>.summary.json).
                """, valued: ["out", "model", "threads", "max-reject-share", "decimals"], flags: ["no-reasons"],
            run: score),
        Command(
            name: "embed", summary: "compute one party's representation shard on the bank's own machine",
            usage: """
                vfl embed --party NAME SHARD.csv --out FILE [--model FILE] [--key-file K [--map MAP] [--normalize N]]
                Writes KEY,r1..rK,model for every row of the shard (FILE is normally <party>.repr.csv).
                  --key-file K   tokenize the keys too, as vfl tokenize does (with --map and --normalize): a shard
                                 with neither raw columns nor raw keys
                """, valued: Set(["party", "out", "model"]).union(embedTokenOptions), run: embed),
        tokenizeCommand,
        detokenizeCommand,
        Command(
            name: "inspect", summary: "parse a CSV file strictly and print its records as JSON",
            usage: """
                vfl inspect csv FILE [--stats [--numbers]]
                Prints a JSON array of arrays of strings, or {"error": KIND, "line": N, "column": N, ...} and exits 1.
                  --stats     print only counts and the reading speed (one thread), for benchmarks
                  --numbers   with --stats, also parse every cell as a decimal number
                """, flags: ["stats", "numbers"], run: inspect),
        Command(
            name: "model", summary: "describe a model file",
            usage: """
                vfl model info [FILE]
                vfl model bench [FILE] [--rows N]
                info: the model's id (SHA-256 of the file), parties, features and layer shapes as JSON.
                bench: rows per second of each party's network, of its tree ensembles (and tree evaluations per
                second) and of the whole network, on one thread, over N synthetic rows (default 200000).
                """, valued: ["rows"], run: modelInfo),
        Command(
            name: "gen", summary: "write a synthetic, realistic four-party batch (and labels.csv with --labels)",
            usage: """
                vfl gen --customers N --out DIR [--seed S] [--labels] [--parties P,...] [--batch ID] [--threads N]
                  --labels          also write labels.csv (tax_id,credit_score: the documented ground truth)
                  --parties P,...   only these of auto_loans,digital_savings,home_loans,credit_card
                  --score-column    add the true credit_score to every shard (what the replaced system's models read)
                  --shift S         shift utilization up and payment history down by S of their ranges (drift tests)
                  --empty-share S   the share of empty non-key cells (default 0.005)
                Same seed, same bytes. Streams in constant memory.
                """, valued: ["customers", "out", "seed", "parties", "batch", "threads", "shift", "empty-share"],
            flags: ["labels", "score-column"], run: gen),
        Command(
            name: "train", summary: "fit the split network (and a linear model to compare) to a labelled batch",
            usage: """
                vfl train --data DIR --out FILE [--seed S] [--epochs E] [--hidden W,...] [--representation K]
                          [--top-hidden W,...] [--holdout SHARE] [--name NAME] [--no-linear]
                  --data DIR           a batch folder with manifest.json, the party shards and labels.csv
                  --hidden W,...       hidden widths of each bank's bottom network (default 32)
                  --representation K   width of each bank's representation (default 8)
                  --top-hidden W,...   hidden widths of the top network (default 32)
                  --epochs E           passes over the training rows (default 8)
                  --holdout SHARE      customers held out for the figures and the drift baseline (default 0.2)
                  --no-linear          skip the linear model trained for comparison
                Prints progress lines, then holdout MAE, RMSE and R2 overall and by number of parties present.
                Same data and seed, same model file.
                """,
            valued: [
                "data", "out", "seed", "epochs", "hidden", "representation", "top-hidden", "holdout", "name",
                "batch-size", "learning-rate",
            ], flags: ["no-linear"], run: train),
        Command(
            name: "backup", summary: "copy the job store consistently while the pipeline runs (SQLite online backup)",
            usage: """
                vfl backup --out FILE [--db FILE] [--spool DIR]
                Writes a consistent snapshot of the job store (VFL_DB; default <spool>/vfl.sqlite) to FILE, through a
                temporary file renamed into place, after an integrity check. Never copy the database file itself.
                """, valued: pipelineOptions.union(["out"]), run: backup),
        Command(
            name: "health", summary: "a health check for containers: the api's /health, or the job store",
            usage: """
                vfl health [--url URL] [--db FILE] [--spool DIR] [--timeout S]
                  --url URL   GET it and succeed on 200 (e.g. http://127.0.0.1:5001/health)
                  (no --url)  succeed when the job store (VFL_DB; default <spool>/vfl.sqlite) opens and answers
                """, valued: pipelineOptions.union(["url", "timeout"]), run: health),
    ]

    static func run(_ arguments: [String], environment: [String: String], logger: Logger) -> Int32 {
        guard let name = arguments.first, name != "--help", name != "-h", name != "help" else {
            printUsage()
            return arguments.isEmpty ? 2 : 0
        }
        // Hidden commands (tools for scripts/) are not listed by --help.
        guard let command = (all + [benchLookup]).first(where: { $0.name == name }) else {
            printError("unknown command \(name); run vfl --help")
            return 2
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.usage)
            return 0
        }
        do {
            let options = try ParsedArguments(rest, valued: command.valued, flags: command.flags.union(["check-args"]))
            if options.options["check-args"] != nil {
                // `vfl COMMAND ... --check-args`: the command line and the settings are valid; nothing runs
                // (deployment checks).
                try checkSettings(options, environment)
                print("vfl \(name): arguments ok")
                return 0
            }
            return try command.run(options, environment, logger)
        } catch let error as ParsedArguments.UsageError {
            printError("\(error.message)\nusage: \(command.usage)")
            return 2
        } catch {
            printError("\(error)")
            return 1
        }
    }

    /// Validates the numeric settings every command may read, from flags or the environment.
    static func checkSettings(_ options: ParsedArguments, _ environment: [String: String]) throws {
        let integers: [(String, String, ClosedRange<Int>)] = [
            ("threads", "VFL_THREADS", 1...256), ("workers", "VFL_WORKERS", 1...64), ("port", "VFL_PORT", 0...65535),
            ("max-connections", "VFL_API_MAX_CONNECTIONS", 1...1_000_000),
            ("max-connections-per-client", "VFL_API_MAX_CONNECTIONS_PER_CLIENT", 1...1_000_000),
            ("min-group", "VFL_API_MIN_GROUP", 1...1_000_000), ("loops", "VFL_API_LOOPS", 1...64),
            ("max-attempts", "VFL_MAX_ATTEMPTS", 1...100), ("memory-mb", "VFL_WORKER_MEMORY_MB", 1...1_000_000),
        ]
        for (name, variable, range) in integers {
            _ = try options.int(
                name, environment: environment, variable: variable, default: range.lowerBound, range: range)
        }
        _ = try options.double(
            "header-timeout", environment: environment, variable: "VFL_API_HEADER_TIMEOUT", default: 10, range: 1...300)
        _ = try options.double(
            "lease", environment: environment, variable: "VFL_LEASE_SECONDS", default: 30, range: 1...3600)
        _ = try requireTokens(environment)
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

    static func modelPath(_ options: ParsedArguments, _ environment: [String: String]) -> String {
        options.value("model", environment: environment, variable: "VFL_MODEL") ?? ShippedFiles.defaultModel
    }

    static func loadModel(_ path: String) throws -> SplitModel {
        try SplitModel.load(path: path)
    }

    static func score(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one BATCH_DIR") }
        guard let out = options.options["out"] else { throw ParsedArguments.UsageError("--out FILE is required") }
        let threads = try options.int(
            "threads", environment: environment, variable: "VFL_THREADS", default: ScoringOptions.cores, range: 1...256)
        let share = try options.double(
            "max-reject-share", environment: environment, variable: "VFL_MAX_REJECT_SHARE", default: 0.01, range: 0...1)
        let decimals = try options.int("decimals", environment: environment, default: 2, range: 0...9)
        let model = try loadModel(modelPath(options, environment))
        try checkBLAS(logger)
        var scoring = ScoringOptions(
            threads: threads, maxRejectShare: share, reasons: options.options["no-reasons"] == nil)
        scoring.decimals = decimals
        let scorer = BatchScorer(model: model, options: scoring, logger: logger)
        try FileIO.makeDirectories(FileIO.directory(of: out))
        let outcome = try scorer.score(batchDirectory: options.positionals[0], results: ResultPaths(besideScores: out))
        logger.info(
            "batch scored",
            metadata: [
                ("customers", "\(outcome.customers)"), ("scored", "\(outcome.scored)"),
                ("rejected_rows", "\(outcome.rejectedRows)"),
                ("ms", outcome.summary["timings_ms"]?["total"]?.double.map { "\($0)" } ?? ""),
            ])
        return 0
    }

    static func embed(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one SHARD.csv") }
        guard let party = options.options["party"] else { throw ParsedArguments.UsageError("--party NAME is required") }
        guard let out = options.options["out"] else { throw ParsedArguments.UsageError("--out FILE is required") }
        let model = try loadModel(modelPath(options, environment))
        let tokenizer = try tokenizer(options) { model.key }
        try checkBLAS(logger)
        let outcome = try Embedder(model: model).embed(
            party: party, shardPath: options.positionals[0], outputPath: out, tokenizer: tokenizer,
            mapPath: options.options["map"])
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
        if options.options["stats"] != nil {
            print(
                try CSVInspector.statistics(path: options.positionals[1], numbers: options.options["numbers"] != nil)
                    .text)
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
        let path = options.positionals.count == 2 ? options.positionals[1] : modelPath(options, environment)
        let model = try loadModel(path)
        if sub == "info" {
            print(model.info.text)
            return 0
        }
        let rows = try options.int("rows", environment: environment, default: 200_000, range: 2048...100_000_000)
        try checkBLAS(logger)
        say("model \(model.name) (\(model.id.prefix(12))), one thread, \(rows) rows; BLAS kernel \(BLAS.coreName)")
        for figure in ModelBenchmark.run(model: model, rows: rows) {
            var line = "  \(figure.name): \(Int(figure.rowsPerSecond)) rows/s"
            if let trees = figure.treesPerSecond { line += ", \(Int(trees / 1e6)) million tree evaluations/s" }
            say(line)
        }
        return 0
    }

    /// Verifies the BLAS kernels against a scalar product before scoring anything.
    static func checkBLAS(_ logger: Logger) throws {
        BLAS.configure(threads: 1)
        let error = BLAS.selfCheck()
        guard error < 1e-4 else {
            throw ScoringError(
                .io,
                "OpenBLAS kernel \(BLAS.coreName) failed its self-check (relative error \(error)); "
                    + "set VFL_BLAS_CORETYPE=default or another kernel")
        }
        logger.debug("blas ready", metadata: [("blas.core", BLAS.coreName), ("blas.check", "\(error)")])
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
