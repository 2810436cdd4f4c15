import Foundation

/// The process environment, read once here: the only place vfl touches it.
enum Environment {
    static var current: [String: String] { ProcessInfo.processInfo.environment }
}
