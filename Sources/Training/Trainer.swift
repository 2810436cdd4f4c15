import Core
import Model

#if canImport(Glibc)
import Glibc
#endif

/// `vfl train`: fits the split network of the model file to a labelled batch (`vfl gen --labels`, or any batch with a
/// `labels.csv`), and beside it a linear model (no hidden layers) by the same code, so the networks' benefit shows.
///
/// Per party a bottom MLP over its standardized features; a top MLP over the parties' representations and presence
/// flags; output `range_sigmoid` 300-850. Mini-batch Adam on the squared error in score points, every product on
/// BLAS. During training each present party of a customer is hidden (block and flag zeroed) with probability
/// `partyDropout`, so the model learns to score customers whom some banks do not know. Deterministic for a seed.
public struct Trainer {
    /// Training settings.
    public struct Options: Sendable {
        /// Seed of the split, the shuffles, the party dropout and the initial weights.
        public var seed: UInt64 = 1
        /// Passes over the training rows.
        public var epochs = 8
        /// Hidden widths of each bottom network; the representation width follows.
        public var hidden = [32]
        /// Width of each party's representation.
        public var representation = 8
        /// Hidden widths of the top network.
        public var topHidden = [32]
        /// Mini-batch rows.
        public var batchSize = 256
        /// Adam's initial learning rate (decays linearly to a tenth).
        public var learningRate: Float = 0.003
        /// Share of customers held out for evaluation and the drift baseline.
        public var holdout = 0.2
        /// Probability of hiding a present party of a training row.
        public var partyDropout = 0.15
        /// The model's name.
        public var name = "vfl-default"
        /// Also train the linear model for comparison.
        public var compareLinear = true

        /// Defaults.
        public init() {}
    }

    /// Holdout figures of one model.
    public struct Metrics: Sendable, CustomStringConvertible {
        /// Mean absolute error, points.
        public var mae: Double
        /// Root mean squared error, points.
        public var rmse: Double
        /// Coefficient of determination.
        public var r2: Double
        /// Customers.
        public var count: Int

        static func of(_ predictions: [Double], _ labels: [Double]) -> Metrics {
            let n = Double(max(labels.count, 1))
            let mean = labels.reduce(0, +) / n
            var absolute = 0.0
            var squared = 0.0
            var total = 0.0
            for (p, y) in zip(predictions, labels) {
                absolute += abs(p - y)
                squared += (p - y) * (p - y)
                total += (y - mean) * (y - mean)
            }
            return Metrics(
                mae: absolute / n, rmse: (squared / n).squareRoot(), r2: total > 0 ? 1 - squared / total : 0,
                count: labels.count)
        }

        /// `MAE 14.06  RMSE 20.46  R2 96.11%  (n=100000)`.
        public var description: String {
            "MAE \(fixed(mae, 2))  RMSE \(fixed(rmse, 2))  R2 \(fixed(r2 * 100, 2))%  (n=\(count))"
        }

        var json: JSONValue {
            [
                "mae": .number(round(mae, 3)), "rmse": .number(round(rmse, 3)), "r2": .number(round(r2, 5)),
                "customers": .number(Double(count)),
            ]
        }
    }

    /// The outcome: the model file's text and the figures.
    public struct Report: Sendable {
        /// The model file (JSON).
        public var model: String
        /// The network on the holdout, overall and by number of parties present (1...).
        public var network: (overall: Metrics, byParties: [Int: Metrics])
        /// The linear model on the same holdout.
        public var linear: (overall: Metrics, byParties: [Int: Metrics])?
        /// Training customers.
        public var trainingCustomers: Int
        /// Training rows per second (the network).
        public var rowsPerSecond: Double
    }

    /// The settings.
    public let options: Options
    /// Receives progress lines.
    public let progress: @Sendable (String) -> Void

    /// A trainer.
    public init(options: Options, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.progress = progress
    }

    // MARK: - Preparation

    /// A feature as it goes into the model file: the column, its statistics, value map, transform and reason code.
    struct FeaturePlan {
        var column: Int
        var name: String
        var mean = 0.0
        var std = 1.0
        var log = false
        /// Category text → number (booleans 0/1; other categories their mean label on the training rows).
        var values: [(String, Double)]?
        /// Per category code, its number.
        var codeValues: [Double] = []
        var reason = ""
        var text = ""
        var edges: [Double] = []
        var shares: [Double] = []
    }

    /// Standardized inputs of one party: `rows x width`, 0 for an empty cell.
    struct PartyInputs {
        var name: String
        var features: [FeaturePlan]
        var inputs: [Float]
        var rowOf: [Int32]
        var width: Int { features.count }
    }

    /// Trains the network (and the linear model) on the batch in `directory`.
    ///
    /// - Throws: ``TrainingError`` for unreadable data.
    public func train(directory: String) throws -> Report {
        let started = Timestamp.monotonicSeconds()
        let data = try Dataset(directory: directory)
        guard data.count >= 100 else { throw TrainingError("\(directory): at least 100 labelled customers are needed") }
        progress(
            "loaded \(data.count) labelled customers, parties \(data.parties.map(\.name).joined(separator: ",")) "
                + "in \(fixed(Timestamp.monotonicSeconds() - started, 1)) s")
        // The split: customers in key order, shuffled by the seed; the first share is the holdout.
        var order = Array(0..<data.count)
        var random = RandomStream(seed: options.seed)
        shuffle(&order, &random)
        let holdoutCount = Int(Double(data.count) * options.holdout)
        let holdout = Array(order[..<holdoutCount]).sorted()
        let training = Array(order[holdoutCount...])
        var isTraining = [Bool](repeating: false, count: data.count)
        for c in training { isTraining[c] = true }
        let parties = prepare(data, isTraining: isTraining)

        // The network.
        let networkStart = Timestamp.monotonicSeconds()
        let network = SplitNetwork(
            parties: parties, hidden: options.hidden, representation: options.representation,
            topHidden: options.topHidden, capacity: options.batchSize, seed: options.seed)
        fit(network, parties: parties, labels: data.labels, training: training, holdout: holdout, label: "network")
        let rowsPerSecond =
            Double(training.count * options.epochs) / max(Timestamp.monotonicSeconds() - networkStart, 1e-9)
        let networkPredictions = predict(network, parties: parties, customers: holdout)
        let networkMetrics = evaluate(networkPredictions, data.labels, holdout, parties)

        var linearMetrics: (overall: Metrics, byParties: [Int: Metrics])?
        if options.compareLinear {
            let linear = SplitNetwork(
                parties: parties, hidden: nil, representation: 0, topHidden: [], capacity: options.batchSize,
                seed: options.seed &+ 1)
            fit(linear, parties: parties, labels: data.labels, training: training, holdout: holdout, label: "linear")
            linearMetrics = evaluate(
                predict(linear, parties: parties, customers: holdout), data.labels, holdout, parties)
        }
        let model = modelJSON(
            network: network, parties: parties, holdoutScores: networkPredictions, metrics: networkMetrics,
            linear: linearMetrics, trainingCount: training.count)
        return Report(
            model: model, network: networkMetrics, linear: linearMetrics, trainingCustomers: training.count,
            rowsPerSecond: rowsPerSecond)
    }

    private func shuffle(_ values: inout [Int], _ random: inout RandomStream) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, random.below(i + 1))
        }
    }

    /// Feature plans (statistics, maps, transforms, reasons, drift edges) from the training rows, and the
    /// standardized inputs of every row.
    func prepare(_ data: Dataset, isTraining: [Bool]) -> [PartyInputs] {
        var result: [PartyInputs] = []
        let meanLabel = Double(data.labels.reduce(0, +)) / Double(max(data.count, 1))
        for party in data.parties {
            let rows = party.values.count / max(party.width, 1)
            // Which rows are training rows, and their labels.
            var rowLabel = [Float](repeating: .nan, count: rows)
            var rowTraining = [Bool](repeating: false, count: rows)
            // Statistics visit rows in key order, so the model does not depend on the files' row order.
            var keyOrder: [Int] = []
            keyOrder.reserveCapacity(rows)
            for c in 0..<data.count where party.rowOf[c] >= 0 {
                rowLabel[Int(party.rowOf[c])] = data.labels[c]
                rowTraining[Int(party.rowOf[c])] = isTraining[c]
                keyOrder.append(Int(party.rowOf[c]))
            }
            var plans: [FeaturePlan] = []
            for (j, column) in party.columns.enumerated() {
                var plan = FeaturePlan(column: j, name: column.name)
                var raw: [Double] = []
                var labels: [Double] = []
                raw.reserveCapacity(rows)
                let isBoolean = column.categories.map { Set($0).isSubset(of: ["True", "False"]) } ?? false
                if let categories = column.categories {
                    // Booleans as 0/1; other categories as their mean label (target encoding).
                    if isBoolean {
                        plan.codeValues = categories.map { $0 == "True" ? 1 : 0 }
                    } else {
                        var sums = [Double](repeating: 0, count: categories.count)
                        var counts = [Double](repeating: 0, count: categories.count)
                        for r in keyOrder where rowTraining[r] {
                            let v = party.values[r * party.width + j]
                            if v.isNaN { continue }
                            sums[Int(v)] += Double(rowLabel[r])
                            counts[Int(v)] += 1
                        }
                        // Shrunk toward the overall mean for rare categories.
                        plan.codeValues = categories.indices.map { k in
                            round((sums[k] + 20 * meanLabel) / (counts[k] + 20), 2)
                        }
                    }
                    plan.values = zip(categories, plan.codeValues).map { ($0, $1) }.sorted { $0.0 < $1.0 }
                }
                for r in keyOrder where rowTraining[r] {
                    let v = party.values[r * party.width + j]
                    if v.isNaN { continue }
                    raw.append(column.categories != nil ? plan.codeValues[Int(v)] : v)
                    labels.append(Double(rowLabel[r]))
                }
                guard raw.count >= 10 else { continue }
                // Heavy-tailed amounts (money) go through a signed log first.
                if column.categories == nil {
                    let magnitudes = raw.map { abs($0) }.sorted()
                    let median = magnitudes[magnitudes.count / 2]
                    let p99 = magnitudes[magnitudes.count * 99 / 100]
                    plan.log = p99 > 100 && p99 > 8 * max(median, 1e-9)
                }
                let transformed = raw.map { plan.log ? signedLog($0) : $0 }
                let mean = transformed.reduce(0, +) / Double(transformed.count)
                let variance = transformed.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(transformed.count)
                guard variance > 1e-12 else { continue }  // a constant column carries nothing
                plan.mean = mean
                plan.std = variance.squareRoot()
                // Direction: does a higher value go with a higher score?
                let labelMean = labels.reduce(0, +) / Double(labels.count)
                var covariance = 0.0
                for (x, y) in zip(transformed, labels) { covariance += (x - mean) * (y - labelMean) }
                plan.text = ReasonTexts.text(
                    column: column.name, party: party.name, higherIsBetter: covariance >= 0,
                    kind: column.categories == nil ? .number : isBoolean ? .boolean : .category)
                plan.reason = ReasonTexts.code(column: column.name, party: party.name)
                // Drift baseline: decile edges of the raw values (missing counted at the mean, as the scorer does).
                let sorted = raw.sorted()
                var edges: [Double] = []
                for q in 1..<10 {
                    let e = sorted[sorted.count * q / 10]
                    if edges.last.map({ e > $0 }) ?? true { edges.append(e) }
                }
                if let first = edges.first, first <= sorted[0] { edges.removeFirst() }
                plan.edges = edges
                plans.append(plan)
            }
            // Standardized inputs.
            var inputs = [Float](repeating: 0, count: rows * plans.count)
            for (f, plan) in plans.enumerated() {
                for r in 0..<rows {
                    let v = party.values[r * party.width + plan.column]
                    if v.isNaN { continue }
                    var x = party.columns[plan.column].categories != nil ? plan.codeValues[Int(v)] : v
                    if plan.log { x = signedLog(x) }
                    inputs[r * plans.count + f] = Float((x - plan.mean) / plan.std)
                }
            }
            // Baseline shares of the drift bins, over the training rows, on the standardized values (as scored).
            for f in plans.indices {
                let edges = Drift.standardizedEdges(
                    plans[f].edges, mean: plans[f].mean, std: plans[f].std, log: plans[f].log)
                var counts = [Int](repeating: 0, count: edges.count + 1)
                for r in 0..<rows where rowTraining[r] { counts[Drift.bin(inputs[r * plans.count + f], edges)] += 1 }
                let total = Double(max(counts.reduce(0, +), 1))
                plans[f].shares = counts.map { round(Double($0) / total, 6) }
            }
            result.append(PartyInputs(name: party.name, features: plans, inputs: inputs, rowOf: party.rowOf))
        }
        return result
    }

    // MARK: - Fitting

    /// Runs the epochs of mini-batch Adam.
    func fit(
        _ network: SplitNetwork, parties: [PartyInputs], labels: [Float], training: [Int], holdout: [Int], label: String
    ) {
        var random = RandomStream(seed: options.seed &+ 17)
        var order = training
        var step = 0
        let batch = options.batchSize
        for epoch in 1...max(options.epochs, 1) {
            let epochStart = Timestamp.monotonicSeconds()
            shuffle(&order, &random)
            let decay = options.epochs > 1 ? Float(epoch - 1) / Float(options.epochs - 1) : 0
            let rate = options.learningRate * (1 - 0.9 * decay)
            var loss = 0.0
            var start = 0
            while start < order.count {
                let rows = min(batch, order.count - start)
                let customers = order[start..<(start + rows)]
                network.load(customers: customers, parties: parties, dropout: options.partyDropout, random: &random)
                loss += network.trainStep(labels: customers.map { labels[$0] }, step: step + 1, rate: rate)
                step += 1
                start += rows
            }
            let predictions = predict(network, parties: parties, customers: holdout)
            var absolute = 0.0
            for (p, c) in zip(predictions, holdout) { absolute += abs(p - Double(labels[c])) }
            let seconds = Timestamp.monotonicSeconds() - epochStart
            progress(
                "\(label) epoch \(epoch)/\(options.epochs): loss \(fixed(loss / Double(order.count), 2)) "
                    + "holdout MAE \(fixed(absolute / Double(max(holdout.count, 1)), 2)) "
                    + "\(Int(Double(order.count) / max(seconds, 1e-9))) rows/s")
        }
    }

    /// Scores of `customers` (all their parties present).
    func predict(_ network: SplitNetwork, parties: [PartyInputs], customers: [Int]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(customers.count)
        var random = RandomStream(seed: 0)
        var start = 0
        while start < customers.count {
            let rows = min(options.batchSize, customers.count - start)
            network.load(customers: customers[start..<(start + rows)], parties: parties, dropout: 0, random: &random)
            out.append(contentsOf: network.scores(rows: rows))
            start += rows
        }
        return out
    }

    func evaluate(
        _ predictions: [Double], _ labels: [Float], _ customers: [Int], _ parties: [PartyInputs]
    ) -> (
        overall: Metrics, byParties: [Int: Metrics]
    ) {
        var groups: [Int: ([Double], [Double])] = [:]
        for (p, c) in zip(predictions, customers) {
            let present = parties.reduce(0) { $0 + ($1.rowOf[c] >= 0 ? 1 : 0) }
            groups[present, default: ([], [])].0.append(p)
            groups[present, default: ([], [])].1.append(Double(labels[c]))
        }
        return (
            Metrics.of(predictions, customers.map { Double(labels[$0]) }),
            groups.mapValues { Metrics.of($0.0, $0.1) }
        )
    }

    // MARK: - The model file

    func modelJSON(
        network: SplitNetwork, parties: [PartyInputs], holdoutScores: [Double],
        metrics: (overall: Metrics, byParties: [Int: Metrics]), linear: (overall: Metrics, byParties: [Int: Metrics])?,
        trainingCount: Int
    ) -> String {
        func layerJSON(_ layer: TrainableDense) -> JSONValue {
            [
                "kind": "dense", "in": .number(Double(layer.inputs)), "out": .number(Double(layer.outputs)),
                "activation": .string(layer.relu ? "relu" : "linear"),
                "weights": .array(layer.weights.map { .number(shortest($0)) }),
                "bias": .array(layer.bias.map { .number(shortest($0)) }),
            ]
        }
        var reasons: [(String, JSONValue)] = []
        var seenCodes: Set<String> = []
        var partyList: [JSONValue] = []
        var driftFeatures: [(String, JSONValue)] = []
        for (p, party) in parties.enumerated() {
            var features: [JSONValue] = []
            var driftMembers: [(String, JSONValue)] = []
            for plan in party.features {
                var members: [(String, JSONValue)] = [
                    ("name", .string(plan.name)), ("mean", .number(plan.mean)), ("std", .number(plan.std)),
                    ("reason", .string(plan.reason)),
                ]
                if plan.log { members.append(("transform", "signed_log1p")) }
                if let values = plan.values {
                    members.append(("values", .object(values.map { ($0.0, .number($0.1)) })))
                }
                features.append(.object(members))
                if seenCodes.insert(plan.reason).inserted { reasons.append((plan.reason, .string(plan.text))) }
                driftMembers.append(
                    (
                        plan.name,
                        [
                            "edges": .array(plan.edges.map { .number($0) }),
                            "shares": .array(plan.shares.map { .number($0) }),
                        ]
                    ))
            }
            driftFeatures.append((party.name, .object(driftMembers)))
            partyList.append(
                [
                    "name": .string(party.name), "features": .array(features),
                    "layers": .array(network.bottoms[p].layers.map(layerJSON)),
                ])
            reasons.append((party.name, .string("Information from \(ReasonTexts.partyTitle(party.name))")))
        }
        // Score baseline: decile edges of the holdout scores on 10-point boundaries (the summary's histogram bins).
        let sorted = holdoutScores.sorted()
        var scoreEdges: [Double] = []
        for q in 1..<10 {
            let e = (sorted[sorted.count * q / 10] / 10).rounded() * 10
            if e > 300 && e < 850 && (scoreEdges.last.map { e > $0 } ?? true) { scoreEdges.append(e) }
        }
        var scoreCounts = [Int](repeating: 0, count: scoreEdges.count + 1)
        for s in holdoutScores {
            scoreCounts[Drift.bin(Float((s / 10).rounded(.down) * 10), scoreEdges.map { Float($0) })] += 1
        }
        let scoreShares = scoreCounts.map { round(Double($0) / Double(max(holdoutScores.count, 1)), 6) }
        var training: [(String, JSONValue)] = [
            ("seed", .number(Double(options.seed))), ("epochs", .number(Double(options.epochs))),
            ("training_customers", .number(Double(trainingCount))),
            ("holdout", metrics.overall.json),
            (
                "holdout_by_parties",
                .object(metrics.byParties.keys.sorted().map { (String($0), metrics.byParties[$0]!.json) })
            ),
        ]
        if let linear { training.append(("linear_holdout", linear.overall.json)) }
        let document: JSONValue = [
            "format": "vfl-model", "version": 1, "name": .string(options.name), "key": "tax_id",
            "parties": .array(partyList),
            "top": ["masks": true, "layers": .array(network.top.layers.map(layerJSON))],
            "output": ["kind": "range_sigmoid", "min": 300, "max": 850],
            "reasons": .object(reasons),
            "drift": [
                "score": [
                    "edges": .array(scoreEdges.map { .number($0) }), "shares": .array(scoreShares.map { .number($0) }),
                ],
                "features": .object(driftFeatures),
            ],
            "training": .object(training),
        ]
        return document.text + "\n"
    }
}

/// `sign(x) * ln(1 + |x|)`: the `signed_log1p` feature transform.
@inline(__always)
func signedLog(_ x: Double) -> Double { x < 0 ? -log1p(-x) : log1p(x) }

/// The shortest decimal of a float, as the double it denotes (so the model file is short and exact).
func shortest(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

func round(_ value: Double, _ digits: Int) -> Double {
    let scale = pow(10, Double(digits))
    return (value * scale).rounded() / scale
}

/// `value` with exactly `digits` decimals (progress and report lines).
public func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    let scale = pow(10, Double(digits))
    let scaled = Int64((abs(value) * scale).rounded())
    let whole = scaled / Int64(scale)
    var fraction = String(scaled % Int64(scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + fraction : "")
}
