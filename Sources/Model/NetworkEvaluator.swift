#if canImport(Glibc)
import Glibc
#endif

/// How one party's block reaches the network for a batch.
public enum PartyInput: Sendable, Equatable {
    /// The party dropped no shard: its block is zeros and its presence flag 0 for everyone.
    case absent
    /// Raw features: the party's bottom network runs.
    case features
    /// A representation shard (`vfl embed`): the bottom network's output, given directly.
    case representation
}

/// Runs the split network over blocks of rows, on BLAS, with reusable buffers; optionally attributes each score to
/// reason codes.
///
/// Fill the input buffers for a block (``featureInput(party:)`` with standardized features, missing as 0, or
/// ``representationInput(party:)``; ``presence(party:)`` with 1 or 0), call ``evaluate(rows:inputs:reasons:)``, then
/// read ``z(row:)`` and ``reasons(row:)``. Every dense layer is one `cblas_sgemm` over the block, followed by one
/// pass that adds the bias and applies the activation.
///
/// Determinism: OpenBLAS computes a row with different kernels depending on the matrix's row count (small-matrix
/// kernels, remainder tiles), which changes the last bits. So every product runs over the full `capacity` rows
/// (the rows past the block are ignored): a row's result then depends only on the row and the capacity, never on the
/// other rows of its block or on where it sits, and equal capacities give byte-identical scores however a batch is
/// cut into blocks. That last part holds on kernels that pass ``BLAS/placementCheck()``, the only ones vfl scores on
/// (OpenBLAS's AVX2 kernels do not).
///
/// Reason codes: gradient x input on the top network's pre-output `z`, with the training means as the reference
/// (standardized input 0): contribution_i = dz/dx_i * x_i, summed per reason code; the four most negative codes are
/// the reasons. For networks that are linear this is exactly `w_i * (x_i - mean_i) / std_i`. The cost is one backward
/// pass (two more matrix products per layer). A representation shard's party is attributed as a whole:
/// dz/dr . (r - r_ref), r_ref being the party's representation of the reference customer; so is a party whose network
/// starts with a tree ensemble (trees have no gradient).
///
/// Range: every intermediate is checked to stay a finite float32, in the pass that adds each dense layer's bias (on the
/// value before the activation, which could hide an overflow: relu(-inf) is 0, tanh(inf) 1), plus each party's output
/// and `z`. The pass only sums the block's values (one addition a lane: a sum is finite whenever every value is); a
/// block whose sum is not finite is computed again with an exact check per row. A row that leaves the finite floats
/// anywhere (a huge standardized input that overflows a layer, say) gets an ``overflowParty(row:)``: its score and
/// reasons must not be used. Rows are independent, so such a row changes nothing for the others.
///
/// Not thread-safe: each thread owns its evaluator (they share the model).
public final class NetworkEvaluator {
    /// The model evaluated.
    public let model: SplitModel
    /// The most rows a block may have.
    public let capacity: Int
    /// The reason codes, in a fixed order: every feature's code, then every party's name (for representations).
    public let reasonCodes: [String]
    /// How many reasons are kept per row.
    public static let reasonsPerRow = 4

    private let topWidth: Int
    private let blockOffsets: [Int]
    private let maskOffset: Int
    private var featureInputs: [UnsafeMutablePointer<Float>] = []
    private var representationInputs: [UnsafeMutablePointer<Float>] = []
    private var presentFlags: [UnsafeMutablePointer<UInt8>] = []
    /// Outputs of every party layer but the last (which writes into the top input).
    private var partyHidden: [[UnsafeMutablePointer<Float>]] = []
    private let topInput: UnsafeMutablePointer<Float>
    private var topOutputs: [UnsafeMutablePointer<Float>] = []
    private let zValues: UnsafeMutablePointer<Double>
    private let gradientA: UnsafeMutablePointer<Float>
    private let gradientB: UnsafeMutablePointer<Float>
    private let topGradient: UnsafeMutablePointer<Float>
    private let maxWidth: Int
    private let featureCodes: [[Int]]
    /// Per party, the code of its first feature when its features' codes are consecutive (the usual model: a code
    /// per feature), else `nil`.
    private let contiguousCodes: [Int?]
    private let partyCodes: [Int]
    /// Parties with a tree ensemble: not differentiable, attributed as a whole like a representation.
    private let opaque: [Bool]
    private let contributions: UnsafeMutablePointer<Float>
    private let reasonSlots: UnsafeMutablePointer<Int32>
    /// Per row of the last block: -1, or the party whose network (or, ``topStage``, the top network) left the finite
    /// floats first; after ``evaluate(rows:inputs:reasons:)`` always a party (see ``overflowParty(row:)``).
    private let rowFaults: UnsafeMutablePointer<Int32>
    /// The fault value of the top network.
    private let topStage: Int32
    private var referenceRepresentations: [[Float]] = []
    private var allocations: [UnsafeMutableRawPointer] = []

    /// Creates an evaluator for blocks of up to `capacity` rows.
    public init(model: SplitModel, capacity: Int = 2048) {
        self.model = model
        self.capacity = capacity
        var offsets: [Int] = []
        var width = 0
        for party in model.parties {
            offsets.append(width)
            width += party.representationWidth
        }
        blockOffsets = offsets
        maskOffset = width
        topWidth = model.topInputWidth
        var codes: [String] = []
        var codeIndex: [String: Int] = [:]
        func index(_ code: String) -> Int {
            if let i = codeIndex[code] { return i }
            codes.append(code)
            codeIndex[code] = codes.count - 1
            return codes.count - 1
        }
        featureCodes = model.parties.map { party in party.features.map { index($0.reason) } }
        partyCodes = model.parties.map { index($0.name) }
        contiguousCodes = featureCodes.map { codes in
            codes.enumerated().allSatisfy { $0.element == (codes.first ?? 0) + $0.offset } ? codes.first : nil
        }
        opaque = model.parties.map { party in party.layers.contains { $0.isTrees } }
        reasonCodes = codes
        var widest = topWidth
        for party in model.parties {
            widest = max(widest, party.features.count)
            for layer in party.layers { widest = max(widest, layer.outputWidth) }
        }
        for layer in model.top { widest = max(widest, layer.outputWidth) }
        maxWidth = widest

        var owned: [UnsafeMutableRawPointer] = []
        func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            owned.append(UnsafeMutableRawPointer(p))
            return p
        }
        topInput = floats(capacity * topWidth)
        topGradient = floats(capacity * topWidth)
        gradientA = floats(capacity * widest)
        gradientB = floats(capacity * widest)
        contributions = floats(capacity * codes.count)
        zValues = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
        owned.append(UnsafeMutableRawPointer(zValues))
        reasonSlots = UnsafeMutablePointer<Int32>.allocate(capacity: capacity * Self.reasonsPerRow)
        owned.append(UnsafeMutableRawPointer(reasonSlots))
        rowFaults = UnsafeMutablePointer<Int32>.allocate(capacity: max(capacity, 1))
        rowFaults.initialize(repeating: -1, count: max(capacity, 1))
        owned.append(UnsafeMutableRawPointer(rowFaults))
        topStage = Int32(model.parties.count)
        for party in model.parties {
            featureInputs.append(floats(capacity * party.features.count))
            representationInputs.append(floats(capacity * party.representationWidth))
            let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            flags.initialize(repeating: 0, count: capacity)
            owned.append(UnsafeMutableRawPointer(flags))
            presentFlags.append(flags)
            partyHidden.append(party.layers.dropLast().map { floats(capacity * $0.outputWidth) })
        }
        topOutputs = model.top.map { floats(capacity * $0.outputWidth) }
        allocations = owned
        // The reference customer: every standardized feature 0.
        referenceRepresentations = model.parties.indices.map { p in
            let party = model.parties[p]
            featureInputs[p].update(repeating: 0, count: party.features.count)
            var out = [Float](repeating: 0, count: capacity * party.representationWidth)
            out.withUnsafeMutableBufferPointer { buffer in
                runParty(p, rows: 1, output: buffer.baseAddress!, ldo: party.representationWidth)
            }
            return Array(out[0..<party.representationWidth])
        }
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    /// The `capacity x features` row-major buffer of party `party`'s standardized features.
    public func featureInput(party: Int) -> UnsafeMutablePointer<Float> { featureInputs[party] }

    /// The `capacity x width` row-major buffer of party `party`'s given representations.
    public func representationInput(party: Int) -> UnsafeMutablePointer<Float> { representationInputs[party] }

    /// The `capacity` presence flags (1 known, 0 unknown) of party `party`.
    public func presence(party: Int) -> UnsafeMutablePointer<UInt8> { presentFlags[party] }

    /// The top network's output `z` for a row of the last block.
    @inline(__always)
    public func z(row: Int) -> Double { zValues[row] }

    /// For a row of the last block (of ``evaluate(rows:inputs:reasons:)`` or ``representations(party:rows:output:ldo:)``)
    /// whose evaluation left the finite float32 values somewhere: the party to blame, else `nil`.
    ///
    /// The party is the one whose bottom network overflowed or gave a non-finite output; when the overflow was in the
    /// top network (or in a party that does not know the customer, whose block is replaced by zeros), the known party
    /// whose block of the top input has the largest magnitude. Such a row's ``z(row:)`` and reasons are meaningless.
    @inline(__always)
    public func overflowParty(row: Int) -> Int? {
        let fault = rowFaults[row]
        return fault < 0 ? nil : Int(fault)
    }

    /// The reason-code indices (into ``reasonCodes``) of a row of the last block, most negative first; -1 pads.
    @inline(__always)
    public func reasons(row: Int) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: reasonSlots + row * Self.reasonsPerRow, count: Self.reasonsPerRow)
    }

    /// The contribution of every reason code (``reasonCodes`` order) to `z` for a row of the last block evaluated
    /// with reasons; negative values pull the score down.
    public func contributions(row: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: contributions + row * reasonCodes.count, count: reasonCodes.count)
    }

    /// Computes party `party`'s representation of `rows` rows of its feature input into `output`, which must hold
    /// ``capacity`` rows of `ldo` floats.
    public func representations(party: Int, rows: Int, output: UnsafeMutablePointer<Float>, ldo: Int) {
        rowFaults.update(repeating: -1, count: rows)
        runParty(party, rows: rows, output: output, ldo: ldo)
    }

    /// Evaluates a block.
    ///
    /// - Parameters:
    ///   - rows: The block's rows (at most ``capacity``).
    ///   - inputs: How each party's block is given, in model order.
    ///   - reasons: Whether to attribute the scores to reason codes.
    public func evaluate(rows: Int, inputs: [PartyInput], reasons: Bool) {
        precondition(rows <= capacity && inputs.count == model.parties.count)
        rowFaults.update(repeating: -1, count: rows)
        for (p, party) in model.parties.enumerated() {
            let width = party.representationWidth
            let slice = topInput + blockOffsets[p]
            let flags = presentFlags[p]
            switch inputs[p] {
            case .absent:
                for i in 0..<rows { (slice + i * topWidth).update(repeating: 0, count: width) }
            case .features:
                runParty(p, rows: rows, output: slice, ldo: topWidth)
            case .representation:
                let source = representationInputs[p]
                for i in 0..<rows { (slice + i * topWidth).update(from: source + i * width, count: width) }
            }
            if inputs[p] != .absent {
                for i in 0..<rows where flags[i] == 0 { (slice + i * topWidth).update(repeating: 0, count: width) }
            }
            if model.masks {
                for i in 0..<rows {
                    topInput[i * topWidth + maskOffset + p] = inputs[p] == .absent ? 0 : Float(flags[i])
                }
            }
        }
        var input = UnsafePointer(topInput)
        var width = topWidth
        for (l, layer) in model.top.enumerated() {
            forward(
                layer, rows: rows, input: input, ldi: width, output: topOutputs[l], ldo: layer.outputWidth,
                stage: topStage)
            input = UnsafePointer(topOutputs[l])
            width = layer.outputWidth
        }
        let last = topOutputs[model.top.count - 1]
        for i in 0..<rows { zValues[i] = Double(last[i]) }
        checkRows(last, rows: rows, width: 1, ld: 1, stage: topStage)
        var faults = false
        for i in 0..<rows { faults = faults || rowFaults[i] >= 0 }
        if faults { blameParties(rows: rows, inputs: inputs) }
        if reasons { attribute(rows: rows, inputs: inputs) }
    }

    /// Turns every fault of the block into a party that knows the customer: a party's own fault stays with it when it
    /// knows the customer, any other goes to the known party whose block of the top input is largest in magnitude.
    private func blameParties(rows: Int, inputs: [PartyInput]) {
        for i in 0..<rows where rowFaults[i] >= 0 {
            let fault = Int(rowFaults[i])
            if fault < model.parties.count && inputs[fault] != .absent && presentFlags[fault][i] != 0 { continue }
            var best = -1
            var largest: Float = -1
            for (p, party) in model.parties.enumerated() where inputs[p] != .absent && presentFlags[p][i] != 0 {
                let block = topInput + i * topWidth + blockOffsets[p]
                var magnitude: Float = 0
                for j in 0..<party.representationWidth {
                    let v = abs(block[j])
                    magnitude = v.isNaN ? .infinity : max(magnitude, v)
                    if v.isNaN { break }
                }
                if magnitude > largest {
                    largest = magnitude
                    best = p
                }
            }
            rowFaults[i] = Int32(max(best, 0))
        }
    }

    private func runParty(_ p: Int, rows: Int, output: UnsafeMutablePointer<Float>, ldo: Int) {
        let party = model.parties[p]
        var input = UnsafePointer(featureInputs[p])
        var width = party.features.count
        if party.layers.isEmpty {
            for i in 0..<rows { (output + i * ldo).update(from: input + i * width, count: width) }
            return
        }
        for (l, layer) in party.layers.enumerated() {
            let isLast = l == party.layers.count - 1
            let out = isLast ? output : partyHidden[p][l]
            let ld = isLast ? ldo : layer.outputWidth
            forward(layer, rows: rows, input: input, ldi: width, output: out, ldo: ld, stage: Int32(p))
            input = UnsafePointer(out)
            width = ld
        }
        // The party's output itself (an activation or a tree layer may overflow where no bias pass looks).
        checkRows(output, rows: rows, width: party.representationWidth, ld: ldo, stage: Int32(p))
    }

    // MARK: - Attribution

    private func attribute(rows: Int, inputs: [PartyInput]) {
        let codeCount = reasonCodes.count
        contributions.update(repeating: 0, count: rows * codeCount)
        // dz/d(top input), by backpropagation from z.
        var gradient = gradientA
        var spare = gradientB
        for i in 0..<rows { gradient[i] = 1 }
        for l in stride(from: model.top.count - 1, through: 0, by: -1) {
            let layer = model.top[l]
            let isFirst = l == 0
            let target = isFirst ? topGradient : spare
            backward(
                layer, rows: rows, output: topOutputs[l], ldo: layer.outputWidth, gradient: gradient,
                ldg: layer.outputWidth, inputGradient: target, ldi: layer.inputWidth)
            if !isFirst { swap(&gradient, &spare) }
        }
        for (p, party) in model.parties.enumerated() {
            let flags = presentFlags[p]
            let width = party.representationWidth
            switch inputs[p] {
            case .absent:
                continue
            case .features where !opaque[p]:
                // Backpropagate through the party's layers to its standardized inputs.
                var current = topGradient + blockOffsets[p]
                var ldc = topWidth
                var target = gradientA
                var other = gradientB
                for l in stride(from: party.layers.count - 1, through: 0, by: -1) {
                    let layer = party.layers[l]
                    let isLast = l == party.layers.count - 1
                    let output = isLast ? topInput + blockOffsets[p] : partyHidden[p][l]
                    let ldo = isLast ? topWidth : layer.outputWidth
                    backward(
                        layer, rows: rows, output: output, ldo: ldo, gradient: current, ldg: ldc, inputGradient: target,
                        ldi: layer.inputWidth)
                    current = target
                    ldc = layer.inputWidth
                    swap(&target, &other)
                }
                let x = featureInputs[p]
                let count = party.features.count
                if let start = contiguousCodes[p] {
                    // Feature f's code is start + f: a multiply-add over the row, vectorized.
                    for i in 0..<rows where flags[i] != 0 {
                        let row = contributions + i * codeCount + start
                        let g = current + i * ldc
                        let xi = x + i * count
                        for f in 0..<count { row[f] += g[f] * xi[f] }
                    }
                    continue
                }
                featureCodes[p].withUnsafeBufferPointer { codes in
                    for i in 0..<rows where flags[i] != 0 {
                        let row = contributions + i * codeCount
                        let g = current + i * ldc
                        let xi = x + i * count
                        for f in 0..<count { row[codes[f]] += g[f] * xi[f] }
                    }
                }
            default:
                // dz/dr . (r - r_ref), r the party's block of the top input (given, or its trees' output).
                let reference = referenceRepresentations[p]
                let code = partyCodes[p]
                for i in 0..<rows where flags[i] != 0 {
                    var sum: Float = 0
                    let g = topGradient + i * topWidth + blockOffsets[p]
                    let r = topInput + i * topWidth + blockOffsets[p]
                    for j in 0..<width { sum += g[j] * (r[j] - reference[j]) }
                    contributions[i * codeCount + code] += sum
                }
            }
        }
        selectReasons(rows: rows, inputs: inputs)
    }

    /// Keeps, per row, the four most negative codes among those of the parties in the batch; ties go to the lower
    /// code index.
    private func selectReasons(rows: Int, inputs: [PartyInput]) {
        let codeCount = reasonCodes.count
        var active: [Int32] = []
        for (p, input) in inputs.enumerated() where input != .absent {
            active +=
                input == .representation || opaque[p] ? [Int32(partyCodes[p])] : featureCodes[p].map { Int32($0) }
        }
        active = Array(Set(active)).sorted()
        // Every code active (each party in the batch by its features): the row is scanned eight codes at a time.
        let everyCode = active.count == codeCount
        active.withUnsafeBufferPointer { active in
            for i in 0..<rows {
                let row = contributions + i * codeCount
                var four = LowestFour()
                if everyCode {
                    var c = 0
                    while c + 8 <= codeCount {
                        let lanes = UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<Float>.self)
                        // Only a chunk with a value not at least the fourth lowest so far can change the four.
                        if !all(lanes .>= SIMD8(repeating: four.v3)) {
                            for k in 0..<8 { four.insert(lanes[k], Int32(c + k)) }
                        }
                        c += 8
                    }
                    while c < codeCount {
                        four.insert(row[c], Int32(c))
                        c += 1
                    }
                } else {
                    for c in active { four.insert(row[Int(c)], c) }
                }
                let slots = reasonSlots + i * Self.reasonsPerRow
                slots[0] = four.c0
                slots[1] = four.c1
                slots[2] = four.c2
                slots[3] = four.c3
            }
        }
    }

    /// The four most negative contributions of a row seen so far, in ascending order (`v0 <= v1 <= v2 <= v3`; unused
    /// slots hold 0 and code -1). Codes are offered in ascending order, so a tie keeps the lower code.
    private struct LowestFour {
        var v0: Float = 0, v1: Float = 0, v2: Float = 0, v3: Float = 0
        var c0: Int32 = -1, c1: Int32 = -1, c2: Int32 = -1, c3: Int32 = -1

        @inline(__always)
        mutating func insert(_ value: Float, _ c: Int32) {
            // (A NaN is not skipped: it takes the fourth slot, as it always has.)
            if value >= v3 { return }
            if value < v0 {
                (v3, c3, v2, c2, v1, c1, v0, c0) = (v2, c2, v1, c1, v0, c0, value, c)
            } else if value < v1 {
                (v3, c3, v2, c2, v1, c1) = (v2, c2, v1, c1, value, c)
            } else if value < v2 {
                (v3, c3, v2, c2) = (v2, c2, value, c)
            } else {
                (v3, c3) = (value, c)
            }
        }
    }

    // MARK: - Layers

    /// `g[j] = y[j] > 0 ? g[j] : 0`, eight lanes at a time.
    @inline(__always)
    static func maskByPositive(gradient g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count n: Int) {
        var j = 0
        while j + 8 <= n {
            let yv = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD8<Float>.self)
            var gv = UnsafeRawPointer(g + j).loadUnaligned(as: SIMD8<Float>.self)
            gv.replace(with: 0, where: yv .<= 0)
            UnsafeMutableRawPointer(g + j).storeBytes(of: gv, as: SIMD8<Float>.self)
            j += 8
        }
        while j < n {
            if !(y[j] > 0) { g[j] = 0 }
            j += 1
        }
    }

    /// The finiteness check of a bias pass, accumulated over a block or a row.
    ///
    /// A block's pass (`exact` false) only sums its values: a sum is finite whenever every value is, so a non-finite
    /// sum flags every block with an overflow, at one addition a lane (a block of huge finite values may be flagged
    /// too, and is then checked again exactly). An exact check (per row) sums `v * 0`, which is 0 for a finite `v`
    /// and NaN for an infinite or NaN one.
    struct FiniteCheck {
        var lanes = SIMD8<Float>(repeating: 0)
        var tail: Float = 0

        /// Whether the values seen may all be finite (exact: are all finite).
        var passed: Bool { (lanes.sum() + tail).isFinite }
    }

    /// `row[j] = max(row[j] + b[j], 0)`, eight lanes at a time, checking every `row[j] + b[j]` into `check`.
    @inline(__always)
    static func addBiasRelu(
        _ row: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count n: Int, exact: Bool,
        _ check: inout FiniteCheck
    ) {
        var j = 0
        while j + 8 <= n {
            var v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
            v += UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
            if exact { check.lanes += v * 0 } else { check.lanes += v }
            v.replace(with: 0, where: v .< 0)
            UnsafeMutableRawPointer(row + j).storeBytes(of: v, as: SIMD8<Float>.self)
            j += 8
        }
        while j < n {
            let v = row[j] + b[j]
            if exact { check.tail += v * 0 } else { check.tail += v }
            row[j] = max(v, 0)
            j += 1
        }
    }

    /// `row[j] += b[j]`, eight lanes at a time, checking every sum into `check`.
    @inline(__always)
    static func addBias(
        _ row: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count n: Int, exact: Bool,
        _ check: inout FiniteCheck
    ) {
        var j = 0
        while j + 8 <= n {
            var v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
            v += UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
            if exact { check.lanes += v * 0 } else { check.lanes += v }
            UnsafeMutableRawPointer(row + j).storeBytes(of: v, as: SIMD8<Float>.self)
            j += 8
        }
        while j < n {
            let v = row[j] + b[j]
            if exact { check.tail += v * 0 } else { check.tail += v }
            row[j] = v
            j += 1
        }
    }

    /// Checks `count` floats at `values` into `check`.
    @inline(__always)
    static func check(_ values: UnsafePointer<Float>, count n: Int, exact: Bool, _ check: inout FiniteCheck) {
        var j = 0
        while j + 8 <= n {
            let v = UnsafeRawPointer(values + j).loadUnaligned(as: SIMD8<Float>.self)
            if exact { check.lanes += v * 0 } else { check.lanes += v }
            j += 8
        }
        while j < n {
            if exact { check.tail += values[j] * 0 } else { check.tail += values[j] }
            j += 1
        }
    }

    /// Gives the rows of a block whose `width` values at `values` (rows `ld` apart) are not all finite the fault
    /// `stage` (unless they have one): a block check, then, only when it fails, an exact check per row.
    private func checkRows(_ values: UnsafePointer<Float>, rows: Int, width: Int, ld: Int, stage: Int32) {
        var block = FiniteCheck()
        for i in 0..<rows { Self.check(values + i * ld, count: width, exact: false, &block) }
        if block.passed { return }
        for i in 0..<rows where rowFaults[i] < 0 {
            var row = FiniteCheck()
            Self.check(values + i * ld, count: width, exact: true, &row)
            if !row.passed { rowFaults[i] = stage }
        }
    }

    /// The row count of every matrix product: the capacity (see the type's documentation on determinism).
    private var paddedRows: Int { capacity }

    /// `output = activation(input W + b)` for a block; a row whose `input W + b` is not all finite gets the fault
    /// `stage` (unless it has one already).
    func forward(
        _ layer: Layer, rows: Int, input: UnsafePointer<Float>, ldi: Int, output: UnsafeMutablePointer<Float>, ldo: Int,
        stage: Int32
    ) {
        if case .trees(let trees) = layer {
            // Outputs are checked by the next layer's bias pass, or as the party's output.
            trees.evaluate(rows: rows, input: input, ldi: ldi, output: output, ldo: ldo)
            return
        }
        guard case .dense(let dense) = layer else { return }
        let n = dense.outputWidth
        dense.weights.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                m: paddedRows, n: n, k: dense.inputWidth, a: input, lda: ldi, b: w.baseAddress!, ldb: n, c: output,
                ldc: ldo)
        }
        if Self.addBiasAndActivate(dense, rows: rows, output: output, ldo: ldo, faults: nil, stage: stage) { return }
        // The block may hold an overflow: the same product and pass again, checking each row exactly (the same
        // arithmetic, so the same outputs).
        dense.weights.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                m: paddedRows, n: n, k: dense.inputWidth, a: input, lda: ldi, b: w.baseAddress!, ldb: n, c: output,
                ldc: ldo)
        }
        _ = Self.addBiasAndActivate(dense, rows: rows, output: output, ldo: ldo, faults: rowFaults, stage: stage)
    }

    /// Adds the bias to `rows` rows of a product and applies the activation, checking every `x W + b` before the
    /// activation (which could hide an overflow). Without `faults`, checks the block as a whole and returns whether
    /// it passed; with them, checks each row exactly and gives a failing row the fault `stage` (unless it has one).
    @inline(__always)
    private static func addBiasAndActivate(
        _ dense: DenseLayer, rows: Int, output: UnsafeMutablePointer<Float>, ldo: Int,
        faults: UnsafeMutablePointer<Int32>?, stage: Int32
    ) -> Bool {
        let n = dense.outputWidth
        let exact = faults != nil
        return dense.bias.withUnsafeBufferPointer { b in
            let bias = b.baseAddress!
            var check = FiniteCheck()
            for i in 0..<rows {
                let row = output + i * ldo
                if exact { check = FiniteCheck() }
                switch dense.activation {
                case .relu:
                    addBiasRelu(row, bias, count: n, exact: exact, &check)
                case .linear:
                    addBias(row, bias, count: n, exact: exact, &check)
                case .sigmoid:
                    addBias(row, bias, count: n, exact: exact, &check)
                    for j in 0..<n { row[j] = 1 / (1 + expf(-row[j])) }
                case .tanh:
                    addBias(row, bias, count: n, exact: exact, &check)
                    for j in 0..<n { row[j] = tanhf(row[j]) }
                case .elu(let alpha):
                    addBias(row, bias, count: n, exact: exact, &check)
                    for j in 0..<n {
                        let v = row[j]
                        row[j] = v > 0 ? v : alpha * expm1f(v)
                    }
                case .leakyRelu(let alpha):
                    addBias(row, bias, count: n, exact: exact, &check)
                    for j in 0..<n {
                        let v = row[j]
                        row[j] = v > 0 ? v : alpha * v
                    }
                case .softmax:
                    addBias(row, bias, count: n, exact: exact, &check)
                    var top = -Float.infinity
                    for j in 0..<n { top = max(top, row[j]) }
                    var sum: Float = 0
                    for j in 0..<n {
                        row[j] = expf(row[j] - top)
                        sum += row[j]
                    }
                    for j in 0..<n { row[j] /= sum }
                }
                if let faults, !check.passed && faults[i] < 0 { faults[i] = stage }
            }
            return exact || check.passed
        }
    }

    /// Turns `gradient` (d/d output, overwritten) into d/d input, given the layer's outputs.
    func backward(
        _ layer: Layer, rows: Int, output: UnsafePointer<Float>, ldo: Int, gradient: UnsafeMutablePointer<Float>,
        ldg: Int, inputGradient: UnsafeMutablePointer<Float>, ldi: Int
    ) {
        guard case .dense(let dense) = layer else { return }
        let n = dense.outputWidth
        for i in 0..<rows {
            let y = output + i * ldo
            let g = gradient + i * ldg
            switch dense.activation {
            case .linear:
                break
            case .relu:
                Self.maskByPositive(gradient: g, output: y, count: n)
            case .sigmoid:
                for j in 0..<n { g[j] *= y[j] * (1 - y[j]) }
            case .tanh:
                for j in 0..<n { g[j] *= 1 - y[j] * y[j] }
            case .elu(let alpha):
                for j in 0..<n { g[j] *= y[j] > 0 ? 1 : y[j] + alpha }
            case .leakyRelu(let alpha):
                for j in 0..<n { g[j] *= y[j] > 0 ? 1 : alpha }
            case .softmax:
                var dot: Float = 0
                for j in 0..<n { dot += g[j] * y[j] }
                for j in 0..<n { g[j] = y[j] * (g[j] - dot) }
            }
        }
        dense.weights.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                m: paddedRows, n: dense.inputWidth, k: n, a: gradient, lda: ldg, b: w.baseAddress!, ldb: n,
                transposeB: true, c: inputGradient, ldc: ldi)
        }
    }
}
