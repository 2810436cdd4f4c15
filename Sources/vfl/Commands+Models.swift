import Core
import Model
import Registry
import Spool
import StatusAPI
import Store

#if canImport(Glibc)
import Glibc
#endif

/// `vfl model`: the model registry (add, list, show, alias, remove) and the model-file tools (info, bench).
extension Commands {
    static let modelCommand = Command(
        name: "model", summary: "the model registry (add, list, show, alias, remove) and model files (info, bench)",
        usage: """
            vfl model add FILE [--name N] [--version V] [--owner O] [--purpose TEXT] [--by USER]
            vfl model list
            vfl model show ID|NAME@VERSION|ALIAS
            vfl model alias set ALIAS ID|NAME@VERSION [--expect GEN]
            vfl model alias unset ALIAS [--expect GEN]
            vfl model remove ID|NAME@VERSION
            vfl model info [FILE]
            vfl model bench [FILE] [--rows N]
            add: validates FILE, stores it as <spool>/models/<sha256>.json and records it in the job store (name: the
            model's own, version: the next for the name). The same file again changes nothing.
            alias set/unset: every change is an event of the registry's audit trail, with a generation; --expect GEN
            makes the change only if the alias is still at generation GEN (0: never set). Jobs accepted before keep
            their model; batches accepted after use the new one.
            remove: refused while a queued or running job uses the model, or an alias points to it.
            IDs may be abbreviated (at least 6 hex digits) where unambiguous.
            info: the model's id (SHA-256 of the file), parties, features and layer shapes as JSON.
            bench: rows per second of each party's network, of its tree ensembles (and tree evaluations per
            second) and of the whole network, on one thread, over N synthetic rows.
            """, run: model)

    static func model(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        let words = options.positionals
        switch words.first {
        case "info", "bench": return try modelInfo(options, environment, logger)
        case "add": return try modelAdd(options, environment)
        case "list": return try modelList(options)
        case "show": return try modelShow(options)
        case "alias": return try modelAlias(options, environment)
        case "remove": return try modelRemove(options, environment)
        default:
            throw ParsedArguments.UsageError("expected: vfl model add|list|show|alias|remove|info|bench ...")
        }
    }

    /// The registry of the spool's job store (`--spool`/`VFL_SPOOL`, `--db`/`VFL_DB`).
    private static func registry(_ options: ParsedArguments, process: String) throws -> ModelRegistrar {
        let settings = try pipelineSettings(options)
        restrictNewFiles()
        try createSpool(settings.spool)
        let store = try openStore(settings, process: "\(process)-\(getpid())", options)
        return ModelRegistrar(store: store, spool: settings.spool)
    }

    private static func actor(_ options: ParsedArguments, _ environment: [String: String]) throws -> String {
        ModelRegistrar.actor(given: try options.string(.actor), environment: environment, uid: getuid())
    }

    static func modelAdd(_ options: ParsedArguments, _ environment: [String: String]) throws -> Int32 {
        guard options.positionals.count == 2 else { throw ParsedArguments.UsageError("give exactly one FILE") }
        let registrar = try registry(options, process: "model-add")
        let added = try registrar.add(
            file: options.positionals[1], name: try options.string(.registryName),
            version: try options.optionalInt(.registryVersion), owner: try options.string(.owner),
            purpose: try options.string(.purpose), actor: try actor(options, environment))
        let record = added.record
        say(
            added.added
                ? "added \(record.label) (id \(record.id))"
                : "already registered as \(record.label) (id \(record.id)); nothing changed")
        return 0
    }

    static func modelList(_ options: ParsedArguments) throws -> Int32 {
        guard options.positionals.count == 1 else { throw ParsedArguments.UsageError("vfl model list takes no FILE") }
        let store = try registry(options, process: "model-list").store
        let aliases = try store.aliases()
        let models = try store.registeredModels()
        guard !models.isEmpty else {
            say("the registry is empty (vfl model add FILE)")
            return 0
        }
        say("NAME@VERSION          ID            ADDED                 BY          ALIASES")
        for model in models {
            let names = aliases.filter { $0.modelID == model.id }.map(\.name).joined(separator: ",")
            let removed = model.removedAt != nil ? " (removed)" : ""
            say(
                [
                    pad(model.label, 21), pad(String(model.id.prefix(12)), 13),
                    pad(Timestamp(microseconds: model.addedAt).iso8601.prefix(19) + "Z", 21), pad(model.addedBy, 11),
                    names + removed,
                ].joined(separator: " "))
        }
        return 0
    }

    private static func pad(_ text: some StringProtocol, _ width: Int) -> String {
        text.count >= width ? String(text) : text + String(repeating: " ", count: width - text.count)
    }

    static func modelShow(_ options: ParsedArguments) throws -> Int32 {
        guard options.positionals.count == 2 else {
            throw ParsedArguments.UsageError("give exactly one ID, NAME@VERSION or ALIAS")
        }
        let store = try registry(options, process: "model-show").store
        let model = try store.resolve(options.positionals[1], prefixes: true).model
        print(try ModelDescription.json(model, store: store).text)
        return 0
    }

    static func modelAlias(_ options: ParsedArguments, _ environment: [String: String]) throws -> Int32 {
        let words = options.positionals
        guard words.count >= 3, words[1] == "set" && words.count == 4 || words[1] == "unset" && words.count == 3 else {
            throw ParsedArguments.UsageError("expected: vfl model alias set ALIAS ID|NAME@VERSION, or unset ALIAS")
        }
        let store = try registry(options, process: "model-alias").store
        let alias = words[2]
        let expected = try options.optionalInt(.expectGeneration)
        let target = words[1] == "set" ? try store.resolve(words[3], prefixes: true).model : nil
        let before = try store.alias(alias)
        let after = try store.setAlias(
            alias, modelID: target?.id, expectedGeneration: expected, actor: try actor(options, environment),
            via: "cli")
        if after.generation == (before?.generation ?? 0) {
            say("\(alias) \(target.map { "already points to \($0.label)" } ?? "is not set"); nothing changed")
        } else if let target {
            say("\(alias) -> \(target.label) (id \(target.id.prefix(12))), generation \(after.generation)")
        } else {
            say("\(alias) unset, generation \(after.generation)")
        }
        return 0
    }

    static func modelRemove(_ options: ParsedArguments, _ environment: [String: String]) throws -> Int32 {
        guard options.positionals.count == 2 else {
            throw ParsedArguments.UsageError("give exactly one ID|NAME@VERSION")
        }
        let registrar = try registry(options, process: "model-remove")
        let model = try registrar.store.resolve(options.positionals[1], prefixes: true).model
        try registrar.store.removeModel(model.id, actor: try actor(options, environment))
        Spool.remove(registrar.spool.modelFile(model.id))
        say("removed \(model.label) (id \(model.id.prefix(12))); its record stays for the jobs it scored")
        return 0
    }
}
