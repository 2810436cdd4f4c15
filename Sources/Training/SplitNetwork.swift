#if canImport(Glibc)
import Glibc
#endif

/// The split network being trained: one bottom MLP per party and the top MLP over their representations and
/// presence flags (a party that does not know a customer, or is hidden by dropout, gives zeros and flag 0, exactly
/// as the scorer does).
final class SplitNetwork {
    let bottoms: [TrainableMLP]
    let top: TrainableMLP
    let capacity: Int
    private let widths: [Int]
    private let offsets: [Int]
    private let topWidth: Int
    private var mask: [Float]
    private var rows = 0

    /// `hidden` nil: the linear model (no bottom layers, the standardized features are the representation, and the
    /// top is one linear layer).
    init(
        parties: [Trainer.PartyInputs], hidden: [Int]?, representation: Int, topHidden: [Int], capacity: Int,
        seed: UInt64
    ) {
        var random = RandomStream(seed: seed &+ 0x5EED)
        widths = parties.map(\.width)
        bottoms = parties.map { party in
            let widths = hidden.map { [party.width] + $0 + [representation] } ?? [party.width]
            return TrainableMLP(widths: widths, lastReLU: false, capacity: capacity, random: &random)
        }
        var offsets: [Int] = []
        var width = 0
        for bottom in bottoms {
            offsets.append(width)
            width += bottom.outputWidth
        }
        self.offsets = offsets
        topWidth = width + parties.count
        top = TrainableMLP(widths: [topWidth] + topHidden + [1], lastReLU: false, capacity: capacity, random: &random)
        self.capacity = capacity
        mask = [Float](repeating: 0, count: capacity * parties.count)
    }

    /// Fills the inputs for `customers`, hiding each present party with probability `dropout` (never all of them).
    func load(customers: ArraySlice<Int>, parties: [Trainer.PartyInputs], dropout: Double, random: inout RandomStream) {
        rows = customers.count
        let count = parties.count
        for (s, c) in customers.enumerated() {
            var present = 0
            for p in 0..<count {
                let known = parties[p].rowOf[c] >= 0
                mask[s * count + p] = known ? 1 : 0
                if known { present += 1 }
            }
            if dropout > 0 && present > 1 {
                for p in 0..<count where mask[s * count + p] == 1 && present > 1 && random.uniform() < dropout {
                    mask[s * count + p] = 0
                    present -= 1
                }
            }
            for p in 0..<count {
                let width = widths[p]
                let target = bottoms[p].input + s * width
                if mask[s * count + p] == 1 {
                    parties[p].inputs.withUnsafeBufferPointer { inputs in
                        target.update(from: inputs.baseAddress! + Int(parties[p].rowOf[c]) * width, count: width)
                    }
                } else {
                    target.update(repeating: 0, count: width)
                }
            }
        }
        forward()
    }

    private func forward() {
        let count = bottoms.count
        for (p, bottom) in bottoms.enumerated() {
            bottom.forward(rows: rows)
            let width = bottom.outputWidth
            for s in 0..<rows {
                let flag = mask[s * count + p]
                let source = bottom.output + s * width
                let target = top.input + s * topWidth + offsets[p]
                for k in 0..<width { target[k] = source[k] * flag }
                top.input[s * topWidth + topWidth - count + p] = flag
            }
        }
        top.forward(rows: rows)
    }

    /// The scores of the loaded rows.
    func scores(rows: Int) -> [Double] {
        (0..<rows).map { 300 + 550 / (1 + exp(-Double(top.output[$0]))) }
    }

    /// One Adam step on the loaded rows; returns the sum of squared errors (points²).
    func trainStep(labels: [Float], step: Int, rate: Float) -> Double {
        var loss = 0.0
        for s in 0..<rows {
            let sigma = 1 / (1 + exp(-Double(top.output[s])))
            let error = 300 + 550 * sigma - Double(labels[s])
            loss += error * error
            // d(mean squared error)/dz, in units of 100 points to keep the scale moderate.
            top.outputGradient[s] = Float(2 * error / 100 * 5.5 * sigma * (1 - sigma) / Double(rows))
        }
        top.backward(rows: rows, needInputGradient: true)
        let count = bottoms.count
        for (p, bottom) in bottoms.enumerated() where !bottom.layers.isEmpty {
            let width = bottom.outputWidth
            for s in 0..<rows {
                let flag = mask[s * count + p]
                let source = top.inputGradient + s * topWidth + offsets[p]
                let target = bottom.outputGradient + s * width
                for k in 0..<width { target[k] = source[k] * flag }
            }
            bottom.backward(rows: rows, needInputGradient: false)
        }
        top.adam(step: step, rate: rate)
        for bottom in bottoms { bottom.adam(step: step, rate: rate) }
        return loss
    }
}
