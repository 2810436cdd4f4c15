/// A parsed command line: positional arguments and `--name value` / `--flag` options, each option also
/// readable from an environment variable (the flag wins).
///
/// Kept deliberately small: vfl's commands are data (name, options, help), in the manner of ArgumentParser.
public struct ParsedArguments: Sendable {
    /// Positional arguments, in order.
    public var positionals: [String] = []
    /// Option values by name (without the dashes); a flag without a value maps to "true".
    public var options: [String: String] = [:]

    /// A bad command line: exit status 2.
    public struct UsageError: Error, CustomStringConvertible, Sendable {
        /// What is wrong.
        public var message: String
        /// Creates an error.
        public init(_ message: String) { self.message = message }
        /// The message.
        public var description: String { message }
    }

    /// Parses `arguments` against the known options.
    ///
    /// - Parameters:
    ///   - arguments: The words after the command name.
    ///   - valued: Options that take a value.
    ///   - flags: Options that take none.
    /// - Throws: ``UsageError`` for an unknown option or a missing value.
    public init(_ arguments: [String], valued: Set<String>, flags: Set<String> = []) throws {
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            if word == "--" {
                positionals += arguments[(i + 1)...]
                break
            }
            if word.hasPrefix("--") && word.count > 2 {
                var name = String(word.dropFirst(2))
                var value: String?
                if let eq = name.firstIndex(of: "=") {
                    value = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if flags.contains(name) {
                    guard value == nil else { throw UsageError("option --\(name) takes no value") }
                    options[name] = "true"
                } else if valued.contains(name) {
                    if value == nil {
                        guard i + 1 < arguments.count else { throw UsageError("option --\(name) needs a value") }
                        i += 1
                        value = arguments[i]
                    }
                    options[name] = value
                } else {
                    throw UsageError("unknown option --\(name)")
                }
            } else {
                positionals.append(word)
            }
            i += 1
        }
    }

    /// The option's value, else the environment variable's, else `nil`.
    public func value(_ name: String, environment: [String: String], variable: String? = nil) -> String? {
        if let v = options[name] { return v }
        if let variable, let v = environment[variable], !v.isEmpty { return v }
        return nil
    }

    /// An integer option (or environment variable) within `range`, else `defaultValue`.
    ///
    /// - Throws: ``UsageError`` when the value is not an integer in range.
    public func int(
        _ name: String, environment: [String: String], variable: String? = nil, default defaultValue: Int,
        range: ClosedRange<Int> = Int.min...Int.max
    ) throws -> Int {
        guard let text = value(name, environment: environment, variable: variable) else { return defaultValue }
        guard let v = Int(text), range.contains(v) else {
            throw UsageError("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// A number option (or environment variable) within `range`, else `defaultValue`.
    ///
    /// - Throws: ``UsageError`` when the value is not a number in range.
    public func double(
        _ name: String, environment: [String: String], variable: String? = nil, default defaultValue: Double,
        range: ClosedRange<Double>
    ) throws -> Double {
        guard let text = value(name, environment: environment, variable: variable) else { return defaultValue }
        guard let v = DecimalParser.parse(text), range.contains(v) else {
            throw UsageError("--\(name) must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }
}
