import Core
import Ingest
import Spool
import StatusAPI
import Training
import Worker

/// Every setting of vfl, declared once: flag, environment variable, type and range, default, the commands that take
/// it, one line of help. ``Setting/table`` drives parsing (a command refuses an option it does not take), each
/// command's `--help`, `--check-args`, and the table in docs/operations.md (`vfl settings`, checked in CI by
/// `scripts/settings-doc --check`). Defaults come from the libraries' configuration initializers where they have one.
extension Setting {
    private static let pipeline = ["run", "ingest", "worker", "api", "retry", "backup", "health", "model"]
    private static let worker = WorkerConfiguration(spool: Spool(root: "spool"))
    private static let scoring = ScoringOptions(threads: 1)
    private static let server = HTTPServer.Configuration()
    private static let ingest = IngestConfiguration(spool: Spool(root: "spool"))
    private static let training = Trainer.Options()
    private static let generator = Generator.Options(customers: 1)

    // MARK: The pipeline

    static let spool = Setting(
        flag: "spool", variable: "VFL_SPOOL", placeholder: "DIR", default: "spool", commands: pipeline,
        help: "the spool: inbox, results and the system's folders")
    static let database = Setting(
        flag: "db", variable: "VFL_DB", placeholder: "FILE|URL", defaultNote: "<spool>/vfl.sqlite", commands: pipeline,
        help: "the job store: a SQLite file, or postgres://user@host:port/db?... (docs/operations.md)")
    static let databasePasswordFile = Setting(
        flag: nil, variable: "VFL_DB_PASSWORD_FILE", placeholder: "FILE", commands: pipeline,
        help: "a file holding the PostgreSQL password (else PGPASSWORD; never in the URL)")
    static let databaseListen = Setting(
        flag: nil, variable: "VFL_DB_LISTEN", kind: .choice(["0", "1"]), default: "1", commands: pipeline,
        help: "PostgreSQL: 1 wakes idle workers by LISTEN/NOTIFY; 0 polls and prepares no statement (PgBouncer)")
    static let databaseSynchronousCommit = Setting(
        flag: nil, variable: "VFL_DB_SYNCHRONOUS_COMMIT", kind: .boolean, default: "0", commands: pipeline,
        help: "PostgreSQL: 1 makes every commit wait for the disk, not only a job's record and end (docs/operations.md)"
    )
    static let model = Setting(
        flag: "model", variable: "VFL_MODEL", placeholder: "FILE", defaultNote: "the shipped model",
        commands: ["run", "ingest", "worker", "api", "score", "embed", "tokenize", "model"], help: "the model file")
    static let workers = Setting(
        flag: "workers", variable: "VFL_WORKERS", placeholder: "N", kind: .integer(1...64), default: "2",
        commands: ["run"], help: "worker processes (their threads share the cores)")
    static let threads = Setting(
        flag: "threads", variable: "VFL_THREADS", placeholder: "N", kind: .integer(1...256), defaultNote: "the cores",
        commands: ["worker", "score", "gen"], help: "threads for reading and scoring (gen: for writing)")
    static let lease = Setting(
        flag: "lease", variable: "VFL_LEASE_SECONDS", placeholder: "S", kind: .number(1...3600),
        default: format(worker.leaseSeconds), commands: ["run", "worker"],
        help: "seconds a claim holds without renewal")
    static let maxAttempts = Setting(
        flag: "max-attempts", variable: "VFL_MAX_ATTEMPTS", placeholder: "N", kind: .integer(1...100),
        default: "\(worker.maxAttempts)", commands: ["run", "worker"], help: "claims before a job fails")
    static let memory = Setting(
        flag: "memory-mb", variable: "VFL_WORKER_MEMORY_MB", placeholder: "M", kind: .integer(1...1_000_000),
        default: "\(ingest.memoryBound / 1_000_000)", commands: ["run", "ingest"],
        help: "a worker's memory bound per task: larger batches are split into partition, bucket and merge tasks")
    static let requireTokens = Setting(
        flag: nil, variable: "VFL_REQUIRE_TOKENS", kind: .boolean, default: "0", commands: ["run", "ingest"],
        help: "refuse every shard whose keys are not consortium tokens (docs/privacy.md)")

    // MARK: The model registry

    static let registryName = Setting(
        flag: "name", placeholder: "N", defaultNote: "the model's own name", commands: ["model"],
        help: "add: the name to register the model under")
    static let registryVersion = Setting(
        flag: "version", placeholder: "V", kind: .integer(1...1_000_000_000), defaultNote: "the next for the name",
        commands: ["model"], help: "add: the version within the name")
    static let owner = Setting(
        flag: "owner", placeholder: "O", commands: ["model"], help: "add: who is accountable for the model")
    static let purpose = Setting(
        flag: "purpose", placeholder: "TEXT", commands: ["model"], help: "add: what the model is for")
    static let actor = Setting(
        flag: "by", variable: "VFL_USER", placeholder: "USER", defaultNote: "USER or LOGNAME",
        commands: ["model", "run", "ingest"], help: "who makes a registry change (written in its audit trail)")
    static let expectGeneration = Setting(
        flag: "expect", placeholder: "GEN", kind: .integer(0...Int.max), commands: ["model"],
        help: "alias: change only if the alias is at generation GEN (compare-and-set; 0: never set)")

    // MARK: The status API

    static let port = Setting(
        flag: "port", variable: "VFL_PORT", placeholder: "P", kind: .integer(0...65535), default: "\(server.port)",
        commands: ["run", "api"], help: "the status API's port")
    static let host = Setting(
        flag: "host", variable: "VFL_HOST", placeholder: "H", default: server.host, commands: ["run", "api"],
        help: "the status API's address; * for every IPv4 and IPv6 address")
    static let maxConnections = Setting(
        flag: "max-connections", variable: "VFL_API_MAX_CONNECTIONS", placeholder: "N",
        kind: .integer(1...1_000_000), default: "\(server.maxConnections)", commands: ["api"],
        help: "open connections at most")
    static let maxConnectionsPerClient = Setting(
        flag: "max-connections-per-client", variable: "VFL_API_MAX_CONNECTIONS_PER_CLIENT", placeholder: "N",
        kind: .integer(1...1_000_000), default: "\(server.maxConnectionsPerClient)", commands: ["api"],
        help: "open connections from one client (an IPv4 address or an IPv6 /64) at most")
    static let headerTimeout = Setting(
        flag: "header-timeout", variable: "VFL_API_HEADER_TIMEOUT", placeholder: "S", kind: .number(1...300),
        default: format(server.headerTimeout), commands: ["api"], help: "seconds in all to send a request head")
    static let loops = Setting(
        flag: "loops", variable: "VFL_API_LOOPS", placeholder: "N", kind: .integer(1...64),
        default: "\(server.loops)", commands: ["api"], help: "event loops, the threads that own the sockets")
    static let minimumGroup = Setting(
        flag: "min-group", variable: "VFL_API_MIN_GROUP", placeholder: "N", kind: .integer(1...1_000_000),
        default: "\(SummaryRedaction.defaultMinimumGroup)", commands: ["api"],
        help: "the fewest customers a reported histogram, drift or coverage count may describe")
    static let apiToken = Setting(
        flag: nil, variable: "VFL_API_TOKEN", commands: ["run", "api"],
        help: "the bearer token for results, lookups and job detail (at least 32 characters)")
    static let apiTokenFile = Setting(
        flag: nil, variable: "VFL_API_TOKEN_FILE", placeholder: "FILE", commands: ["run", "api"],
        help: "a file whose first line is the token (vfl run makes <spool>/api-token without one)")
    static let apiOpen = Setting(
        flag: nil, variable: "VFL_API_OPEN", kind: .choice(["0", "1"]), default: "0", commands: ["run", "api"],
        help: "1: no token, results and lookups open to anyone")

    // MARK: Scoring and the banks' tools

    static let scoresOut = Setting(
        flag: "out", placeholder: "FILE", commands: ["score", "embed", "tokenize", "detokenize", "backup", "train"],
        help: "the file to write")
    static let maxRejectShare = Setting(
        flag: "max-reject-share", variable: "VFL_MAX_REJECT_SHARE", placeholder: "S", kind: .number(0...1),
        default: format(scoring.maxRejectShare), commands: ["score"],
        help: "fail when more than this share of rows is rejected")
    static let decimals = Setting(
        flag: "decimals", placeholder: "D", kind: .integer(0...9), default: "\(scoring.decimals)",
        commands: ["score"], help: "decimals of the score column (the contract's is 2; more for audits)")
    static let challenger = Setting(
        flag: "challenger", placeholder: "FILE", commands: ["score"],
        help:
            "a challenger model scored in the same pass (repeatable): challengers/<id>/ and comparison.json beside --out"
    )
    static let noReasons = Setting(
        flag: "no-reasons", kind: .boolean, commands: ["score"], help: "skip reason codes")
    static let party = Setting(
        flag: "party", placeholder: "NAME", commands: ["embed"], help: "the party whose shard it is")
    static let keyFile = Setting(
        flag: "key-file", placeholder: "K", commands: ["embed", "tokenize"],
        help: "the consortium's key file (mode 0600; the scoring service never gets it)")
    static let map = Setting(
        flag: "map", placeholder: "MAP", commands: ["embed", "tokenize", "detokenize"],
        help: "the bank's token,key table (mode 0600; it stays with the bank)")
    static let normalize = Setting(
        flag: "normalize", placeholder: "N", kind: .choice(["trim", "digits"]), default: "trim",
        commands: ["embed", "tokenize"],
        help: "trim: leading and trailing ASCII whitespace; digits: only the digits")
    static let keyColumn = Setting(
        flag: "key-column", placeholder: "C", defaultNote: "the model's key", commands: ["tokenize"],
        help: "the key column")
    static let newKey = Setting(
        flag: "new-key", placeholder: "K", commands: ["tokenize"],
        help: "write a new random 256-bit key to K (which must not exist), owner-only, and print its key id")
    static let stats = Setting(
        flag: "stats", kind: .boolean, commands: ["inspect"],
        help: "print only counts and the reading speed (one thread), for benchmarks")
    static let numbers = Setting(
        flag: "numbers", kind: .boolean, commands: ["inspect"], help: "with --stats, also parse every cell as a number")
    static let rows = Setting(
        flag: "rows", placeholder: "N", kind: .integer(2048...100_000_000), default: "200000", commands: ["model"],
        help: "bench: synthetic rows per network")

    // MARK: Data and training

    static let customers = Setting(
        flag: "customers", placeholder: "N", kind: .integer(1...1_000_000_000), commands: ["gen"],
        help: "customers to write (required)")
    static let folderOut = Setting(
        flag: "out", placeholder: "DIR", commands: ["gen"], help: "the batch folder to write")
    static let seed = Setting(
        flag: "seed", placeholder: "S", kind: .integer(0...Int.max), default: "\(training.seed)",
        commands: ["gen", "train", "bench-lookup"], help: "the random seed (same seed, same bytes)")
    static let labels = Setting(
        flag: "labels", kind: .boolean, commands: ["gen"],
        help: "also write labels.csv (tax_id,credit_score: the documented ground truth)")
    static let scoreColumn = Setting(
        flag: "score-column", kind: .boolean, commands: ["gen"],
        help: "add the true credit_score to every shard (what the replaced system's models read)")
    static let parties = Setting(
        flag: "parties", placeholder: "P,...", defaultNote: generator.parties.joined(separator: ","),
        commands: ["gen"], help: "only these parties")
    static let batch = Setting(
        flag: "batch", placeholder: "ID", defaultNote: "gen-<customers>-s<seed>", commands: ["gen"],
        help: "the manifest's batch id")
    static let shift = Setting(
        flag: "shift", placeholder: "S", kind: .number(-1...1), default: format(generator.shift), commands: ["gen"],
        help: "shift utilization up and payment history down by S of their ranges (drift tests)")
    static let emptyShare = Setting(
        flag: "empty-share", placeholder: "S", kind: .number(0...1), default: format(generator.emptyShare),
        commands: ["gen"], help: "the share of empty non-key cells")
    static let data = Setting(
        flag: "data", placeholder: "DIR", commands: ["train"],
        help: "a batch folder with manifest.json, the party shards and labels.csv")
    static let epochs = Setting(
        flag: "epochs", placeholder: "E", kind: .integer(1...1000), default: "\(training.epochs)", commands: ["train"],
        help: "passes over the training rows")
    static let hidden = Setting(
        flag: "hidden", placeholder: "W,...", default: widths(training.hidden), commands: ["train"],
        help: "hidden widths of each bank's bottom network")
    static let representation = Setting(
        flag: "representation", placeholder: "K", kind: .integer(1...256), default: "\(training.representation)",
        commands: ["train"], help: "width of each bank's representation")
    static let topHidden = Setting(
        flag: "top-hidden", placeholder: "W,...", default: widths(training.topHidden), commands: ["train"],
        help: "hidden widths of the top network")
    static let holdout = Setting(
        flag: "holdout", placeholder: "SHARE", kind: .number(0.01...0.9), default: format(training.holdout),
        commands: ["train"], help: "customers held out for the figures and the drift baseline")
    static let batchSize = Setting(
        flag: "batch-size", placeholder: "N", kind: .integer(8...65536), default: "\(training.batchSize)",
        commands: ["train"], help: "rows per gradient step")
    static let learningRate = Setting(
        flag: "learning-rate", placeholder: "R", kind: .number(1e-6...1), default: "\(training.learningRate)",
        commands: ["train"], help: "the optimizer's step size")
    static let modelName = Setting(
        flag: "name", placeholder: "NAME", default: training.name, commands: ["train"], help: "the model's name")
    static let noLinear = Setting(
        flag: "no-linear", kind: .boolean, commands: ["train"], help: "skip the linear model trained for comparison")

    // MARK: Operations

    static let url = Setting(
        flag: "url", placeholder: "URL", commands: ["health"],
        help: "GET it and succeed on 200 (without: the job store must open and answer)")
    static let timeout = Setting(
        flag: "timeout", placeholder: "S", kind: .number(0.1...60), default: "3", commands: ["health"],
        help: "seconds to wait for the answer")
    static let keysFile = Setting(
        flag: "keys-file", placeholder: "FILE", commands: ["bench-lookup"],
        help: "keys present in SCORES.csv, one a line")
    static let keys = Setting(
        flag: "keys", placeholder: "N", kind: .integer(2...1_000_000), default: "1000", commands: ["bench-lookup"],
        help: "keys per request, half present and half absent")
    static let runs = Setting(
        flag: "runs", placeholder: "R", kind: .integer(1...100_000), default: "200", commands: ["bench-lookup"],
        help: "requests timed")
    static let markdown = Setting(
        flag: "markdown", kind: .boolean, commands: ["settings"], help: "print the table as Markdown (the docs' form)")

    // MARK: Every command

    static let logLevel = Setting(
        flag: nil, variable: "VFL_LOG_LEVEL", kind: .choice(["trace", "debug", "info", "warning", "error"]),
        default: "info", commands: ["*"], help: "the least severe log level written (JSON lines on stderr)")
    static let blasCoreType = Setting(
        flag: nil, variable: "VFL_BLAS_CORETYPE", placeholder: "KERNEL", default: "auto",
        commands: ["run", "worker", "score", "embed", "model", "train"],
        help: "OpenBLAS kernel family: auto picks from the CPU flags (docs/operations.md, Threads and BLAS kernels)")
    static let home = Setting(
        flag: nil, variable: "VFL_HOME", placeholder: "DIR", defaultNote: "beside the binary, or /usr/share/vfl",
        commands: ["*"], help: "where the shipped model (models/default.json) and samples are")
    static let checkArgs = Setting(
        flag: "check-args", kind: .boolean, commands: ["*"],
        help: "check the command line and its settings, run nothing (deployment checks)")

    /// Every setting, in the order of the docs.
    static let table: [Setting] = [
        spool, database, databasePasswordFile, databaseListen, databaseSynchronousCommit, model, workers, threads,
        lease, maxAttempts, memory,
        requireTokens,
        registryName, registryVersion, owner, purpose, actor, expectGeneration,
        port, host, maxConnections, maxConnectionsPerClient, headerTimeout, loops, minimumGroup, apiToken,
        apiTokenFile, apiOpen,
        scoresOut, maxRejectShare, decimals, challenger, noReasons, party, keyFile, map, normalize, keyColumn, newKey,
        stats,
        numbers, rows,
        customers, folderOut, seed, labels, scoreColumn, parties, batch, shift, emptyShare, data, epochs, hidden,
        representation, topHidden, holdout, batchSize, learningRate, modelName, noLinear,
        url, timeout, keysFile, keys, runs, markdown,
        logLevel, blasCoreType, home, checkArgs,
    ]

    /// The settings `command` takes, in the table's order.
    static func taken(by command: String) -> [Setting] { table.filter { $0.applies(to: command) } }

    private static func widths(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }
}
