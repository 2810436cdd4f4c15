import Core
import Model
import Training
import Worker

/// `vfl gen` and `vfl train`.
extension Commands {
    static func gen(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard let customers = try options.optionalInt(.customers) else {
            throw ParsedArguments.UsageError("--customers N is required")
        }
        guard let out = try options.string(.folderOut) else {
            throw ParsedArguments.UsageError("--out DIR is required")
        }
        var settings = Generator.Options(customers: customers)
        settings.seed = UInt64(try options.int(.seed))
        settings.labels = try options.bool(.labels)
        settings.scoreColumn = try options.bool(.scoreColumn)
        settings.threads = try options.int(.threads) { ScoringOptions.cores }
        settings.shift = try options.double(.shift)
        settings.emptyShare = try options.double(.emptyShare)
        settings.batch = try options.string(.batch)
        if let batch = settings.batch, !BatchID.isValid(batch) {
            throw ParsedArguments.UsageError("--batch must be 1 to 128 of A-Z a-z 0-9 . _ - (not starting with .)")
        }
        if let list = try options.string(.parties) {
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
        guard let data = try options.string(.data) else { throw ParsedArguments.UsageError("--data DIR is required") }
        guard let out = try options.string(.scoresOut) else {
            throw ParsedArguments.UsageError("--out FILE is required")
        }
        var settings = Trainer.Options()
        settings.seed = UInt64(try options.int(.seed))
        settings.epochs = try options.int(.epochs)
        settings.representation = try options.int(.representation)
        settings.batchSize = try options.int(.batchSize)
        settings.learningRate = Float(try options.double(.learningRate))
        settings.holdout = try options.double(.holdout)
        settings.compareLinear = !(try options.bool(.noLinear))
        settings.name = try options.string(.modelName)!
        func widths(_ setting: Setting) throws -> [Int] {
            let text = try options.string(setting)!
            if text.isEmpty { return [] }
            let values = text.split(separator: ",").map { Int($0) }
            guard values.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 4096 }) else {
                throw ParsedArguments.UsageError("\(setting.name) takes comma-separated widths, e.g. 32,16")
            }
            return values.map { $0! }
        }
        settings.hidden = try widths(.hidden)
        settings.topHidden = try widths(.topHidden)
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
