import Core
import Model
import Training
import Worker

/// `vfl gen` and `vfl train`.
extension Commands {
    static func gen(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        let customers = try options.int("customers", environment: environment, default: -1, range: 1...1_000_000_000)
        guard customers > 0 else { throw ParsedArguments.UsageError("--customers N is required") }
        guard let out = options.options["out"] else { throw ParsedArguments.UsageError("--out DIR is required") }
        var settings = Generator.Options(customers: customers)
        settings.seed = UInt64(try options.int("seed", environment: environment, default: 1, range: 0...Int.max))
        settings.labels = options.options["labels"] != nil
        settings.scoreColumn = options.options["score-column"] != nil
        settings.threads = try options.int(
            "threads", environment: environment, variable: "VFL_THREADS", default: ScoringOptions.cores, range: 1...256)
        settings.shift = try options.double("shift", environment: environment, default: 0, range: -1...1)
        settings.emptyShare = try options.double("empty-share", environment: environment, default: 0.005, range: 0...1)
        settings.batch = options.options["batch"]
        if let batch = settings.batch, !BatchID.isValid(batch) {
            throw ParsedArguments.UsageError("--batch must be 1 to 128 of A-Z a-z 0-9 . _ - (not starting with .)")
        }
        if let list = options.options["parties"] {
            let parties = list.split(separator: ",").map(String.init)
            for party in parties where !Generator.parties.contains(party) {
                throw ParsedArguments.UsageError(
                    "unknown party \(party); known: \(Generator.parties.joined(separator: ","))")
            }
            settings.parties = parties
        }
        let started = Timestamp.monotonicSeconds()
        let outcome = try Generator(options: settings).write(to: out)
        let seconds = Timestamp.monotonicSeconds() - started
        for (name, rows) in outcome.rows.sorted(by: { $0.key < $1.key }) { say("\(name): \(rows) rows") }
        say(
            "wrote \(customers) customers, \(outcome.bytes / 1_000_000) MB in \(fixed(seconds, 2)) s "
                + "(\(Int(Double(customers) / max(seconds, 1e-9))) customers/s) to \(out)")
        return 0
    }
}

extension Commands {
    static func train(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard let data = options.options["data"] else { throw ParsedArguments.UsageError("--data DIR is required") }
        guard let out = options.options["out"] else { throw ParsedArguments.UsageError("--out FILE is required") }
        var settings = Trainer.Options()
        settings.seed = UInt64(try options.int("seed", environment: environment, default: 1, range: 0...Int.max))
        settings.epochs = try options.int("epochs", environment: environment, default: settings.epochs, range: 1...1000)
        settings.representation = try options.int(
            "representation", environment: environment, default: settings.representation, range: 1...256)
        settings.batchSize = try options.int(
            "batch-size", environment: environment, default: settings.batchSize, range: 8...65536)
        settings.learningRate = Float(
            try options.double(
                "learning-rate", environment: environment, default: Double(settings.learningRate), range: 1e-6...1))
        settings.holdout = try options.double("holdout", environment: environment, default: 0.2, range: 0.01...0.9)
        settings.compareLinear = options.options["no-linear"] == nil
        if let name = options.options["name"] { settings.name = name }
        func widths(_ option: String, _ fallback: [Int]) throws -> [Int] {
            guard let text = options.options[option] else { return fallback }
            if text.isEmpty { return [] }
            let values = text.split(separator: ",").map { Int($0) }
            guard values.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 4096 }) else {
                throw ParsedArguments.UsageError("--\(option) takes comma-separated widths, e.g. 32,16")
            }
            return values.map { $0! }
        }
        settings.hidden = try widths("hidden", settings.hidden)
        settings.topHidden = try widths("top-hidden", settings.topHidden)
        BLAS.configure(threads: 1)
        let trainer = Trainer(options: settings) { line in say(line) }
        let report: Trainer.Report
        do { report = try trainer.train(directory: data) } catch let error as TrainingError {
            throw ScoringError(.io, error.message)
        }
        // The file must load as a model before it is written.
        let bytes = Array(report.model.utf8)
        let model = try SplitModel(bytes: bytes)
        try FileIO.makeDirectories(FileIO.directory(of: out))
        try FileIO.writeAtomically(out, bytes)
        say("holdout (\(report.network.overall.count) customers):")
        say("  network: \(report.network.overall)")
        for k in report.network.byParties.keys.sorted() {
            say("    \(k) part\(k == 1 ? "y " : "ies"): \(report.network.byParties[k]!)")
        }
        if let linear = report.linear {
            say("  linear:  \(linear.overall)")
            for k in linear.byParties.keys.sorted() {
                say("    \(k) part\(k == 1 ? "y " : "ies"): \(linear.byParties[k]!)")
            }
            let gain = 1 - report.network.overall.mae / max(linear.overall.mae, 1e-9)
            say("  the network's MAE is \(fixed(gain * 100, 2))% below the linear model's")
        }
        say("wrote \(out) (model id \(model.id.prefix(12)); \(Int(report.rowsPerSecond)) training rows/s)")
        return 0
    }
}
