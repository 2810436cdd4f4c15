import COpenBLAS

#if canImport(Glibc)
import Glibc
#endif

/// A dense layer being trained: weights `[in][out]` row-major as in the model file, their gradients and Adam's
/// moment estimates. Forward and backward passes are one `cblas_sgemm` each (two for the backward pass).
final class TrainableDense {
    let inputs: Int
    let outputs: Int
    let relu: Bool
    var weights: [Float]
    var bias: [Float]
    private var gradWeights: [Float]
    private var gradBias: [Float]
    private var m: [Float]
    private var v: [Float]
    private var mBias: [Float]
    private var vBias: [Float]

    init(inputs: Int, outputs: Int, relu: Bool, random: inout RandomStream) {
        self.inputs = inputs
        self.outputs = outputs
        self.relu = relu
        // He initialization for ReLU layers, Glorot for linear ones (uniform).
        let limit = relu ? (6 / Double(inputs)).squareRoot() : (6 / Double(inputs + outputs)).squareRoot()
        weights = (0..<(inputs * outputs)).map { _ in Float((2 * random.uniform() - 1) * limit) }
        bias = [Float](repeating: relu ? 0.01 : 0, count: outputs)
        gradWeights = [Float](repeating: 0, count: inputs * outputs)
        gradBias = [Float](repeating: 0, count: outputs)
        m = gradWeights
        v = gradWeights
        mBias = gradBias
        vBias = gradBias
    }

    /// `out = act(x W + b)` for `rows` rows.
    func forward(_ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows), blasint(outputs), blasint(inputs), 1, x,
                blasint(inputs), w.baseAddress, blasint(outputs), 0, out, blasint(outputs))
        }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = out + r * outputs
                for j in 0..<outputs {
                    let value = row[j] + b[j]
                    row[j] = relu ? max(value, 0) : value
                }
            }
        }
    }

    /// Given `dOut` (the loss gradient at this layer's output, overwritten with the gradient before the activation),
    /// sets the parameter gradients and, when `dX` is given, the gradient at the input.
    func backward(
        x: UnsafePointer<Float>, out: UnsafePointer<Float>, dOut: UnsafeMutablePointer<Float>, rows: Int,
        dX: UnsafeMutablePointer<Float>?
    ) {
        if relu {
            for i in 0..<(rows * outputs) where out[i] <= 0 { dOut[i] = 0 }
        }
        gradWeights.withUnsafeMutableBufferPointer { g in
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, blasint(inputs), blasint(outputs), blasint(rows), 1, x,
                blasint(inputs), dOut, blasint(outputs), 0, g.baseAddress, blasint(outputs))
        }
        gradBias.withUnsafeMutableBufferPointer { g in
            for j in 0..<outputs { g[j] = 0 }
            for r in 0..<rows {
                let row = dOut + r * outputs
                for j in 0..<outputs { g[j] += row[j] }
            }
        }
        if let dX {
            weights.withUnsafeBufferPointer { w in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(inputs), blasint(outputs), 1, dOut,
                    blasint(outputs), w.baseAddress, blasint(outputs), 0, dX, blasint(inputs))
            }
        }
    }

    /// One Adam step (t counts from 1).
    func adam(step t: Int, rate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        let c1 = 1 - pow(beta1, Float(t))
        let c2 = 1 - pow(beta2, Float(t))
        let scaled = rate * c2.squareRoot() / c1
        func update(_ p: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float]) {
            for i in p.indices {
                let gi = g[i]
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                p[i] -= scaled * m[i] / (v[i].squareRoot() + epsilon)
            }
        }
        update(&weights, gradWeights, &m, &v)
        update(&bias, gradBias, &mBias, &vBias)
    }
}

/// A stack of trainable dense layers with the activations of the last forward pass kept for the backward pass.
final class TrainableMLP {
    let layers: [TrainableDense]
    let inputWidth: Int
    let capacity: Int
    /// activations[0] is the input; activations[k + 1] is layer k's output.
    private(set) var activations: [UnsafeMutablePointer<Float>]
    private var gradients: [UnsafeMutablePointer<Float>]

    /// `widths`: input, hidden..., output; hidden layers use ReLU, the last layer `lastReLU`.
    init(widths: [Int], lastReLU: Bool, capacity: Int, random: inout RandomStream) {
        var layers: [TrainableDense] = []
        for k in 0..<(widths.count - 1) {
            layers.append(
                TrainableDense(
                    inputs: widths[k], outputs: widths[k + 1], relu: k < widths.count - 2 || lastReLU, random: &random))
        }
        self.layers = layers
        inputWidth = widths[0]
        self.capacity = capacity
        activations = widths.map { UnsafeMutablePointer<Float>.allocate(capacity: capacity * $0) }
        gradients = widths.map { UnsafeMutablePointer<Float>.allocate(capacity: capacity * $0) }
        for (k, w) in widths.enumerated() {
            activations[k].initialize(repeating: 0, count: capacity * w)
            gradients[k].initialize(repeating: 0, count: capacity * w)
        }
    }

    deinit {
        for p in activations { p.deallocate() }
        for p in gradients { p.deallocate() }
    }

    var outputWidth: Int { layers.last?.outputs ?? inputWidth }
    var input: UnsafeMutablePointer<Float> { activations[0] }
    var output: UnsafeMutablePointer<Float> { activations[layers.count] }
    /// Where the caller puts the loss gradient at the output before ``backward(rows:needInputGradient:)``.
    var outputGradient: UnsafeMutablePointer<Float> { gradients[layers.count] }
    /// The gradient at the input after ``backward(rows:needInputGradient:)``.
    var inputGradient: UnsafeMutablePointer<Float> { gradients[0] }

    func forward(rows: Int) {
        for (k, layer) in layers.enumerated() {
            layer.forward(activations[k], rows: rows, out: activations[k + 1])
        }
    }

    func backward(rows: Int, needInputGradient: Bool) {
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            layers[k].backward(
                x: activations[k], out: activations[k + 1], dOut: gradients[k + 1], rows: rows,
                dX: k > 0 || needInputGradient ? gradients[k] : nil)
        }
    }

    func adam(step: Int, rate: Float) {
        for layer in layers { layer.adam(step: step, rate: rate) }
    }
}
