/// One setting of the command line: its flag, the environment variable that also sets it, its type and range, its
/// default, the commands that take it and one line of help.
///
/// A table of these (in the manner of ArgumentParser's `@Option`, which keeps an option's help, default and
/// validation in one place) drives parsing, `--help`, `--check-args` and the settings table of the docs. A flag
/// wins over its environment variable; an empty variable counts as unset.
public struct Setting: Sendable {
    /// What a setting's value may be.
    public enum Kind: Sendable {
        /// Any text.
        case text
        /// One of these words.
        case choice([String])
        /// An integer within the range.
        case integer(ClosedRange<Int>)
        /// A decimal number within the range.
        case number(ClosedRange<Double>)
        /// A flag without a value on the command line; `1`/`true`/`yes` or `0`/`false`/`no` in the environment.
        case boolean
    }

    /// The option's name without its dashes (`lease` for `--lease`); `nil` for a setting of the environment only.
    public var flag: String?
    /// The environment variable that also sets it, if any.
    public var variable: String?
    /// The value's name in usage text (`DIR`, `N`); empty for a boolean.
    public var placeholder: String
    /// What the value may be.
    public var kind: Kind
    /// The default, as text parsed like a given value; `nil` when there is none or it is computed.
    public var defaultValue: String?
    /// A computed default, described (`the cores`, `<spool>/vfl.sqlite`).
    public var defaultNote: String?
    /// The commands that take it; `*` stands for every command.
    public var commands: [String]
    /// One line of help.
    public var help: String

    /// Creates a setting; at least one of `flag` and `variable` must be given.
    public init(
        flag: String?, variable: String? = nil, placeholder: String = "", kind: Kind = .text,
        default defaultValue: String? = nil, defaultNote: String? = nil, commands: [String], help: String
    ) {
        precondition(flag != nil || variable != nil, "a setting needs a flag or a variable")
        self.flag = flag
        self.variable = variable
        self.placeholder = placeholder
        self.kind = kind
        self.defaultValue = defaultValue
        self.defaultNote = defaultNote
        self.commands = commands
        self.help = help
    }

    /// Whether `command` takes this setting.
    public func applies(to command: String) -> Bool { commands.contains(command) || commands.contains("*") }

    /// `--flag` or, for a setting of the environment only, its variable.
    public var name: String { flag.map { "--" + $0 } ?? variable! }

    /// Whether the setting takes a value on the command line.
    public var takesValue: Bool {
        if case .boolean = kind { return false }
        return true
    }

    /// The default as documented: the value, the note, or empty.
    public var defaultText: String { defaultValue ?? defaultNote ?? "" }

    /// The type as documented.
    public var typeText: String {
        switch kind {
        case .text: "text"
        case .choice: "choice"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        }
    }

    /// The range or the words allowed, as documented (empty for text and booleans).
    public var rangeText: String {
        switch kind {
        case .text, .boolean: ""
        case .choice(let words): words.joined(separator: ", ")
        case .integer(let range):
            range.upperBound == Int.max
                ? "\(range.lowerBound) or more" : "\(range.lowerBound) to \(range.upperBound)"
        case .number(let range): "\(Setting.format(range.lowerBound)) to \(Setting.format(range.upperBound))"
        }
    }

    /// A number as the docs write it: `30`, not `30.0`.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    /// Why `text` is not a valid value, or `nil` when it is.
    public func problem(with text: String) -> String? {
        switch kind {
        case .text: return nil
        case .choice(let words): return words.contains(text) ? nil : "must be one of \(words.joined(separator: ", "))"
        case .integer(let range):
            guard let value = Int(text), range.contains(value) else { return "must be an integer \(rangePhrase)" }
            return nil
        case .number(let range):
            guard let value = DecimalParser.parse(text), range.contains(value) else {
                return "must be a number \(rangePhrase)"
            }
            return nil
        case .boolean: return Setting.boolean(text) == nil ? "must be 1 or 0 (true or false)" : nil
        }
    }

    private var rangePhrase: String {
        switch kind {
        case .integer(let range) where range.upperBound == Int.max: "of \(range.lowerBound) or more"
        default: "from \(rangeText)"
        }
    }

    /// `1`/`true`/`yes` or `0`/`false`/`no` (any case), else `nil`.
    public static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes": true
        case "0", "false", "no": false
        default: nil
        }
    }
}

extension Setting {
    /// The options part of a command's `--help`: one aligned line per setting, the variable, range and default in
    /// brackets after the help.
    public static func usageLines(_ settings: [Setting]) -> String {
        let heads = settings.map { s in
            s.flag.map { "--\($0)" + (s.placeholder.isEmpty ? "" : " " + s.placeholder) } ?? s.variable!
        }
        let width = min((heads.map(\.count).max() ?? 0) + 2, 34)
        return zip(settings, heads).map { s, head in
            var facts: [String] = []
            if s.flag != nil, let variable = s.variable { facts.append(variable) }
            if !s.rangeText.isEmpty { facts.append(s.rangeText) }
            if !s.defaultText.isEmpty { facts.append("default " + s.defaultText) }
            let padded = head.count >= width ? head + "  " : head + String(repeating: " ", count: width - head.count)
            return "  " + padded + s.help + (facts.isEmpty ? "" : " (" + facts.joined(separator: "; ") + ")")
        }.joined(separator: "\n")
    }

    /// The settings as a Markdown table (flag, variable, type, range, default, commands, help), for the docs.
    public static func markdownTable(_ settings: [Setting]) -> String {
        func cell(_ text: String) -> String { text.markdownEscaped() }
        var lines = [
            "| flag | environment | type | range | default | commands | meaning |",
            "|---|---|---|---|---|---|---|",
        ]
        func defaultCell(_ s: Setting) -> String {
            if let value = s.defaultValue { return "`\(value)`" }
            return cell(s.defaultNote ?? "")
        }
        for s in settings {
            let flag = s.flag.map { "`--\($0)" + (s.placeholder.isEmpty ? "" : " " + s.placeholder) + "`" } ?? ""
            let variable = s.variable.map { "`\($0)`" } ?? ""
            let commands = s.commands == ["*"] ? "all" : s.commands.joined(separator: ", ")
            lines.append(
                "| \(flag) | \(variable) | \(s.typeText) | \(cell(s.rangeText)) | \(defaultCell(s)) | \(commands) | "
                    + "\(cell(s.help)) |")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Text safe in a Markdown table cell: `|` escaped, `<` and `>` as entities.
    fileprivate func markdownEscaped() -> String {
        var out = ""
        for c in self {
            switch c {
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(c)
            }
        }
        return out
    }
}
