import Core
import Dispatch
import Foundation
import Ingest
import Model
import Registry
import Spool
import StatusAPI
import Store
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// The pipeline's roles: `vfl ingest`, `vfl worker`, and the all-in-one `vfl run`.
extension Commands {
    /// The pipeline's files (results, the store, work folders) readable by their user and group only, never by
    /// every local user: umask 027.
    static func restrictNewFiles() { umask(0o027) }

    struct PipelineSettings {
        var spool: Spool
        /// `--db`/`VFL_DB`, as given (default `<spool>/vfl.sqlite`): what ``openStore(_:process:_:)`` opens.
        var database: String
    }

    static func pipelineSettings(_ options: ParsedArguments) throws -> PipelineSettings {
        let spool = Spool(root: try options.string(.spool)!)
        let database = try options.string(.database) ?? spool.root + "/vfl.sqlite"
        return PipelineSettings(spool: spool, database: database)
    }

    /// Creates the spool's folders. When that is refused, the error says which user tried and who owns the spool, and
    /// how to fix it (a bind-mounted `./spool` owned by another uid is the usual cause in containers).
    ///
    /// - Throws: ``SpoolAccessError`` when permission is refused; `SystemError` otherwise.
    static func createSpool(_ spool: Spool) throws {
        do { try spool.create() } catch let error as SystemError
            where error.errno == EACCES || error.errno == EPERM || error.errno == EROFS
        {
            var info = stat()
            let owner =
                stat(spool.root, &info) == 0
                ? "it is owned by uid \(info.st_uid) gid \(info.st_gid), mode \(String(info.st_mode & 0o7777, radix: 8))"
                : "it does not exist and cannot be made there"
            throw SpoolAccessError(
                description:
                    "cannot create the spool's folders in \(spool.root) as uid \(getuid()) gid \(getgid()): \(owner) "
                    + "(\(error)). Run vfl as the spool's owner (docker compose: VFL_UID and VFL_GID in .env, from "
                    + "`id -u` and `id -g`) or give uid \(getuid()) write access to it")
        }
    }

    /// The spool's folders cannot be created for want of permission.
    struct SpoolAccessError: Error, CustomStringConvertible {
        var description: String
    }

    static func ingest(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        try ParentWatch.arm(environment: environment, logger: logger)
        restrictNewFiles()
        let settings = try pipelineSettings(options)
        let modelPath = try modelPath(options)
        let model = try loadModel(modelPath)
        try createSpool(settings.spool)
        let store = try openStoreWaiting(settings, process: "ingest-\(getpid())", options, logger)
        try adoptStartupModel(
            modelPath, explicit: try options.string(.model) != nil, store: store, spool: settings.spool,
            actor: ModelRegistrar.actor(given: try options.string(.actor), environment: environment, uid: getuid()),
            logger: logger)
        var configuration = IngestConfiguration(spool: settings.spool)
        configuration.modelPath = absolutePath(modelPath)
        configuration.requireTokens = try options.bool(.requireTokens)
        configuration.memoryBound = try options.int(.memory) * 1_000_000
        let ingestor = Ingestor(
            configuration: configuration, store: store, model: model,
            logger: logger.with("role", "ingest"))
        installTerminationHandler()
        logger.info("ingest watching", metadata: [("inbox", settings.spool.inbox)])
        try ingestor.run { terminationRequested.isSet }
        return 0
    }

    /// Registers the model ingest was started with and, when it was given explicitly and changed since the last
    /// start, points `champion` at it; the shipped default becomes `champion` only in a registry without one.
    static func adoptStartupModel(
        _ path: String, explicit: Bool, store: any JobStore, spool: Spool, actor: String, logger: Logger
    ) throws {
        let (record, champion) = try ModelRegistrar(store: store, spool: spool).adoptStartupModel(
            file: path, explicit: explicit, actor: actor)
        if let champion {
            logger.info(
                "champion set to the startup model",
                metadata: [("model", record.label), ("model.id", record.id), ("generation", "\(champion.generation)")])
        }
    }

    static func worker(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        try ParentWatch.arm(environment: environment, logger: logger)
        restrictNewFiles()
        let settings = try pipelineSettings(options)
        let threads = try options.int(.threads) { ScoringOptions.cores }
        let lease = try options.double(.lease)
        let attempts = try options.int(.maxAttempts)
        let model = try loadModel(modelPath(options))
        try checkBLAS(logger)
        try createSpool(settings.spool)
        let name = "worker-\(hostName())-\(getpid())"
        let store = try openStoreWaiting(settings, process: name, options, logger)
        let service = WorkerService(
            configuration: WorkerConfiguration(
                spool: settings.spool, scoring: ScoringOptions(threads: threads), leaseSeconds: lease,
                maxAttempts: attempts),
            store: store, model: model, name: name, logger: logger.with("role", "worker"), stop: terminationRequested)
        installTerminationHandler()
        logger.info("worker ready", metadata: [("worker", name), ("threads", "\(threads)")])
        try service.run()
        logger.info("worker stopped", metadata: [("worker", name)])
        return 0
    }

    static func runAll(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        restrictNewFiles()
        let settings = try pipelineSettings(options)
        let modelPath = try modelPath(options)
        let workers = try options.int(.workers)
        let port = try options.int(.port)
        let host = try options.string(.host)!
        _ = try loadModel(modelPath)  // fail fast on a bad model
        try createSpool(settings.spool)
        // One `vfl run` per spool: held until this process and every child it started are gone (LockFile).
        let lock: LockFile
        do { lock = try LockFile(path: settings.spool.root + "/.vfl-run.lock") } catch let held as LockFile.Held {
            printError("another vfl run is using the spool \(settings.spool.root): \(held); stop it first")
            return 1
        }
        defer { lock.release() }
        var store = try openStore(settings, process: "run-\(getpid())", options)
        // Worker threads x workers never above the cores.
        let threads = max(1, ScoringOptions.cores / workers)
        // The children read the same settings: the shared ones, and the flags given to vfl run that they take.
        var shared = ["VFL_SPOOL": settings.spool.root, "VFL_DB": settings.database]
        // Only a model given explicitly moves `champion` (ingest adopts it); the shipped default is a fallback.
        if try options.string(.model) != nil { shared["VFL_MODEL"] = modelPath }
        var children = [
            Supervisor.Child(
                name: "ingest", arguments: ["ingest"],
                environment: shared.merging(options.forwarded([.memory, .actor])) { $1 })
        ]
        // The API's token: the operator's, or one made for this spool and kept in a file only this user reads.
        var apiEnvironment = shared
        let tokenFile: String?
        do {
            let given = try APIToken.resolve(environment: environment.merging(["VFL_API_OPEN": "1"]) { $1 })
            let open = try options.string(.apiOpen) == "1"
            if given == nil && !open {
                tokenFile = absolutePath(settings.spool.apiTokenFile)
                _ = try APIToken.loadOrCreate(at: settings.spool.apiTokenFile)
                apiEnvironment["VFL_API_TOKEN_FILE"] = tokenFile
            } else {
                tokenFile = nil
            }
        } catch let refusal as APIToken.Refusal {
            printError("\(refusal)")
            return 1
        }
        children.append(
            Supervisor.Child(
                name: "api", arguments: ["api", "--port", "\(port)", "--host", host], environment: apiEnvironment))
        for i in 1...workers {
            children.append(
                Supervisor.Child(
                    name: "worker-\(i)", arguments: ["worker"],
                    environment: shared.merging(options.forwarded([.lease, .maxAttempts])) { $1 }
                        .merging(["VFL_THREADS": "\(threads)"]) { $1 }))
        }
        let supervisor = Supervisor(logger: logger.with("role", "run"))
        try supervisor.start(children)
        installTerminationHandler()
        let stop = terminationRequested
        say("vfl run: drop batches into \(settings.spool.inbox)/<batch-id>/ (shards first, manifest.json last);")
        say(
            "         results appear in \(settings.spool.results)/<batch-id>/ and at http://\(host == "*" ? "localhost" : host):\(port)/jobs."
        )
        if let tokenFile { say("         the API token (for results and the dashboard's detail) is in \(tokenFile).") }
        say("         Ctrl-C stops.")
        var seen: [String: JobState] = [:]
        var status: Int32 = 0
        while !stop.isSet {
            for (child, reason) in supervisor.poll() { say("vfl run: \(child) will not be restarted: \(reason)") }
            if supervisor.allAbandoned {
                say("vfl run: no process left to supervise; exiting")
                status = 1
                break
            }
            // The database file replaced (the children exit and come back on the new one): follow it. The old
            // connection is left open (Connection's deinit says why).
            if store.fileState == .replaced,
                let reopened = try? openStore(settings, process: "run-\(getpid())", options)
            {
                logger.warning("database file replaced; reopened", metadata: [("db", settings.database)])
                store = reopened
                seen = [:]
            }
            if let jobs = try? store.jobs(limit: 500) {
                for job in jobs.reversed() where seen[job.id] != job.state {
                    seen[job.id] = job.state
                    var line = "job \(job.id): \(job.state.rawValue)"
                    if job.state == .done, let rows = job.customers, let start = job.startedAt, let end = job.finishedAt
                    {
                        let seconds = max(Double(end - start) / 1e6, 1e-6)
                        line += " (\(rows) customers, \(Int(Double(rows) / seconds)) rows/s)"
                    }
                    if let error = job.error, job.state == .failed || job.state == .rejected { line += ": \(error)" }
                    say(line)
                }
            }
            usleep(200_000)
        }
        say("vfl run: stopping")
        supervisor.stopAll(grace: 30)
        return status
    }

    static func api(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        try ParentWatch.arm(environment: environment, logger: logger)
        restrictNewFiles()
        let settings = try pipelineSettings(options)
        let port = try options.int(.port)
        let host = try options.string(.host)!
        let maxConnections = try options.int(.maxConnections)
        let perClient = try options.int(.maxConnectionsPerClient)
        let headerTimeout = try options.double(.headerTimeout)
        let loops = try options.int(.loops)
        let minimumGroup = try options.int(.minimumGroup)
        let token: String?
        do { token = try APIToken.resolve(environment: environment) } catch let refusal as APIToken.Refusal {
            printError("\(refusal)")
            return 1
        }
        let loaded = try? loadModel(modelPath(options))
        let modelLoaded = loaded != nil
        try createSpool(settings.spool)
        let store = try openStoreWaiting(settings, process: "api-\(getpid())", options, logger)
        let router = StatusRouter(
            store: store, spool: settings.spool, token: token, modelLoaded: modelLoaded,
            model: loaded.map { ($0.id, $0.reasons) }, minimumGroup: minimumGroup)
        let apiLogger = logger.with("role", "api")
        let server = try HTTPServer(
            configuration: HTTPServer.Configuration(
                port: port, host: host, maxConnections: maxConnections, maxConnectionsPerClient: perClient,
                headerTimeout: headerTimeout, loops: loops),
            logger: apiLogger, responder: router)
        installTerminationHandler()
        let fileChanged = watchStoreFile(store, logger: apiLogger)
        if token == nil { apiLogger.warning("VFL_API_OPEN=1: results and customer lookups are open to anyone") }
        logger.info(
            "api listening",
            metadata: [
                ("port", "\(server.port)"), ("addresses", server.addresses.joined(separator: " ")),
                ("max_connections", "\(server.maxConnections)"),
            ])
        server.run(until: terminationRequested)
        return fileChanged.isSet ? 1 : 0
    }

    static func retry(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("give exactly one JOB_ID") }
        let settings = try pipelineSettings(options)
        let store = try openStore(settings, process: "retry-\(getpid())", options)
        // The operator may have fixed a shard: the batch's files are resolved and recorded again.
        let id = options.positionals[0]
        let folder = settings.spool.batch(id)
        let manifest = try? Manifest(parsing: Data(FileIO.readFile(folder + "/manifest.json", limit: 1 << 20)))
        let shards = manifest.flatMap { try? Shard.resolve($0, in: folder) }.map(Shard.jsonText)
        // A failed job's work folders go first (recovery may not have removed them yet): a split job partitions
        // afresh, never from the data it failed on.
        if try store.job(id)?.state == .failed { settings.spool.removeWork(job: id) }
        guard try store.retryJob(id, shards: shards) else {
            printError("job \(options.positionals[0]) does not exist or has not failed")
            return 1
        }
        say("job \(options.positionals[0]) queued again")
        return 0
    }

    /// `path` made absolute against the working directory (recorded for other processes to read).
    static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let found = buffer.withUnsafeMutableBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { getcwd($0.baseAddress, $0.count) != nil }
        }
        guard found else { return path }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self) + "/" + path
    }

    static func hostName() -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        _ = buffer.withUnsafeMutableBufferPointer { gethostname($0.baseAddress!, 255) }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Writes a line to standard output at once (unbuffered, for progress lines).
    static func say(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
    }
}
