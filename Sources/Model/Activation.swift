/// A dense layer's activation function, applied elementwise (softmax: per row).
public enum Activation: Sendable, Equatable {
    /// Identity.
    case linear
    /// max(0, x).
    case relu
    /// 1 / (1 + e^-x).
    case sigmoid
    /// tanh(x).
    case tanh
    /// x for x > 0, alpha (e^x - 1) otherwise; Keras' default alpha is 1.0.
    case elu(alpha: Float)
    /// x for x > 0, alpha x otherwise; Keras' default alpha is 0.3.
    case leakyRelu(alpha: Float)
    /// e^x / sum e^x over the row.
    case softmax

    /// The name used in the model file.
    public var name: String {
        switch self {
        case .linear: "linear"
        case .relu: "relu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .elu: "elu"
        case .leakyRelu: "leaky_relu"
        case .softmax: "softmax"
        }
    }

    /// Parses an activation name with its optional `alpha`.
    public init?(name: String, alpha: Double?) {
        switch name {
        case "linear": self = .linear
        case "relu": self = .relu
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "elu": self = .elu(alpha: Float(alpha ?? 1.0))
        case "leaky_relu": self = .leakyRelu(alpha: Float(alpha ?? 0.3))
        case "softmax": self = .softmax
        default: return nil
        }
    }
}
