#if canImport(Glibc)
import Glibc
#endif

/// `vfl model bench`: how fast each party's network and the top network run on this machine, on one thread, over
/// blocks of synthetic standardized inputs; for tree ensembles, tree evaluations per second.
public enum ModelBenchmark {
    /// One measurement.
    public struct Figure: Sendable {
        /// What was measured (`party auto_loans`, `party credit_card trees`, `top`).
        public var name: String
        /// Rows per second.
        public var rowsPerSecond: Double
        /// Tree evaluations per second (trees × rows), for tree layers.
        public var treesPerSecond: Double?
    }

    /// Runs each part over `rows` rows (in blocks of 2048) and reports rows per second.
    public static func run(model: SplitModel, rows: Int) -> [Figure] {
        let capacity = 2048
        let evaluator = NetworkEvaluator(model: model, capacity: capacity)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func noise() -> Float {
            // Sum of four uniforms, centred: roughly standard normal, enough to walk every branch.
            var sum: Float = 0
            for _ in 0..<4 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                sum += Float(state >> 40) / Float(1 << 24)
            }
            return (sum - 2) * 1.7
        }
        var figures: [Figure] = []
        let blocks = max(1, rows / capacity)
        for (p, party) in model.parties.enumerated() {
            let input = evaluator.featureInput(party: p)
            for i in 0..<(capacity * party.features.count) { input[i] = noise() }
            let width = party.representationWidth
            let output = UnsafeMutablePointer<Float>.allocate(capacity: capacity * max(width, 1))
            defer { output.deallocate() }
            evaluator.representations(party: p, rows: capacity, output: output, ldo: width)  // warm up
            var started = now()
            for _ in 0..<blocks { evaluator.representations(party: p, rows: capacity, output: output, ldo: width) }
            figures.append(
                Figure(name: "party \(party.name)", rowsPerSecond: Double(blocks * capacity) / (now() - started)))
            for layer in party.layers {
                guard case .trees(let trees) = layer else { continue }
                let out = UnsafeMutablePointer<Float>.allocate(capacity: capacity * trees.outputWidth)
                defer { out.deallocate() }
                started = now()
                for _ in 0..<blocks {
                    trees.evaluate(
                        rows: capacity, input: input, ldi: party.features.count, output: out, ldo: trees.outputWidth)
                }
                let seconds = now() - started
                figures.append(
                    Figure(
                        name: "party \(party.name) trees (\(trees.roots.count))",
                        rowsPerSecond: Double(blocks * capacity) / seconds,
                        treesPerSecond: Double(blocks * capacity * trees.roots.count) / seconds))
            }
        }
        var presence = [UInt8](repeating: 1, count: capacity)
        for p in model.parties.indices {
            evaluator.presence(party: p).update(from: &presence, count: capacity)
        }
        let inputs = [PartyInput](repeating: .features, count: model.parties.count)
        for reasons in [false, true] {
            let started = now()
            for _ in 0..<blocks { evaluator.evaluate(rows: capacity, inputs: inputs, reasons: reasons) }
            figures.append(
                Figure(
                    name: reasons ? "whole network with reason codes" : "whole network",
                    rowsPerSecond: Double(blocks * capacity) / (now() - started)))
        }
        return figures
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
