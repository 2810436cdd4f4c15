/// A parsed command line: positional arguments and `--name value` / `--flag` options, read against the command's
/// ``Setting``s, each also readable from its environment variable (the flag wins), else its default.
///
/// Kept deliberately small: vfl's commands and settings are data, in the manner of ArgumentParser.
public struct ParsedArguments: Sendable {
    /// Positional arguments, in order.
    public var positionals: [String] = []
    /// Option values given on the command line, by flag name (without the dashes); a boolean maps to "true". An
    /// option given more than once keeps its last value here, and every value in ``repeated``.
    public var options: [String: String] = [:]
    /// Every value of each option given on the command line, in order (``strings(_:)``).
    public var repeated: [String: [String]] = [:]
    /// The settings the command takes.
    public let settings: [Setting]
    /// The process environment.
    public let environment: [String: String]

    /// A bad command line: exit status 2.
    public struct UsageError: Error, CustomStringConvertible, Sendable {
        /// What is wrong.
        public var message: String
        /// Creates an error.
        public init(_ message: String) { self.message = message }
        /// The message.
        public var description: String { message }
    }

    /// Parses `arguments` against the settings a command takes.
    ///
    /// - Parameters:
    ///   - arguments: The words after the command name.
    ///   - settings: The settings the command takes; any other option is refused.
    ///   - environment: The process environment, read for settings not given as flags.
    /// - Throws: ``UsageError`` for an option the command does not take or a missing value.
    public init(_ arguments: [String], settings: [Setting], environment: [String: String]) throws {
        self.settings = settings
        self.environment = environment
        var byFlag: [String: Setting] = [:]
        for setting in settings {
            guard let flag = setting.flag else { continue }
            precondition(byFlag[flag] == nil, "--\(flag) is declared twice for one command")
            byFlag[flag] = setting
        }
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
                guard let setting = byFlag[name] else { throw UsageError("unknown option --\(name)") }
                if !setting.takesValue {
                    guard value == nil else { throw UsageError("option --\(name) takes no value") }
                    options[name] = "true"
                } else {
                    if value == nil {
                        guard i + 1 < arguments.count else { throw UsageError("option --\(name) needs a value") }
                        i += 1
                        value = arguments[i]
                    }
                    options[name] = value
                    repeated[name, default: []].append(value!)
                }
            } else {
                positionals.append(word)
            }
            i += 1
        }
    }

    /// Whether the setting was given as a flag on the command line.
    public func given(_ setting: Setting) -> Bool { setting.flag.map { options[$0] != nil } ?? false }

    /// Where the setting's value comes from, and the text: the flag, else the environment variable, else `nil`.
    private func source(_ setting: Setting) -> (origin: String, text: String)? {
        precondition(
            settings.contains { $0.name == setting.name }, "\(setting.name) is not a setting of this command")
        if let flag = setting.flag, let text = options[flag] { return ("--" + flag, text) }
        if let variable = setting.variable, let text = environment[variable], !text.isEmpty { return (variable, text) }
        return nil
    }

    /// The text of a setting given as a flag or in the environment, checked against its kind, or `nil`.
    private func checked(_ setting: Setting) throws -> String? {
        guard let (origin, text) = source(setting) else { return nil }
        if let problem = setting.problem(with: text) { throw UsageError("\(origin) \(problem)") }
        return text
    }

    /// The setting's text: the flag's, the environment's or the default; `nil` when none applies.
    ///
    /// - Throws: ``UsageError`` for a value its kind refuses (a word not among a choice's).
    public func string(_ setting: Setting) throws -> String? { try checked(setting) ?? setting.defaultValue }

    /// Every value a repeatable setting was given on the command line (`--challenger A --challenger B`), in order;
    /// empty when it was not given.
    public func strings(_ setting: Setting) -> [String] {
        precondition(
            settings.contains { $0.name == setting.name }, "\(setting.name) is not a setting of this command")
        return setting.flag.flatMap { repeated[$0] } ?? []
    }

    /// An integer setting, or its computed default.
    ///
    /// - Throws: ``UsageError`` when the value is not an integer in range.
    public func int(_ setting: Setting, otherwise fallback: () -> Int) throws -> Int {
        try optionalInt(setting) ?? fallback()
    }

    /// An integer setting that has a default in the table.
    ///
    /// - Throws: ``UsageError`` when the value is not an integer in range.
    public func int(_ setting: Setting) throws -> Int {
        try int(setting) { preconditionFailure("\(setting.name) has no default") }
    }

    /// An integer setting, or `nil` when it is not given and has no default.
    ///
    /// - Throws: ``UsageError`` when the value is not an integer in range.
    public func optionalInt(_ setting: Setting) throws -> Int? { try string(setting).flatMap { Int($0) } }

    /// A number setting that has a default in the table.
    ///
    /// - Throws: ``UsageError`` when the value is not a number in range.
    public func double(_ setting: Setting) throws -> Double {
        guard let value = try string(setting).flatMap({ DecimalParser.parse($0) }) else {
            preconditionFailure("\(setting.name) has no default")
        }
        return value
    }

    /// A boolean setting: the flag given, else the environment variable, else the default (else false).
    ///
    /// - Throws: ``UsageError`` when the variable is not 1 or 0 (true or false).
    public func bool(_ setting: Setting) throws -> Bool { try string(setting).flatMap { Setting.boolean($0) } ?? false }

    /// Checks every setting the command takes, from the flags and the environment (`--check-args`).
    ///
    /// - Throws: ``UsageError`` naming the first value its setting refuses.
    public func validate() throws {
        for setting in settings { _ = try checked(setting) }
    }

    /// The settings given as flags, as the environment variables that carry them to a child process.
    public func forwarded(_ chosen: [Setting]) -> [String: String] {
        var out: [String: String] = [:]
        for setting in chosen {
            if let flag = setting.flag, let variable = setting.variable, let text = options[flag] {
                out[variable] = text
            }
        }
        return out
    }
}
