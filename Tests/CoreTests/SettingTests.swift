import Core
import Testing

@Suite struct SettingTests {
    static let lease = Setting(
        flag: "lease", variable: "VFL_LEASE_SECONDS", placeholder: "S", kind: .number(1...3600), default: "30",
        commands: ["worker"], help: "seconds a claim holds")
    static let threads = Setting(
        flag: "threads", variable: "VFL_THREADS", placeholder: "N", kind: .integer(1...256), defaultNote: "the cores",
        commands: ["worker"], help: "threads")
    static let quiet = Setting(flag: "quiet", variable: "VFL_QUIET", kind: .boolean, commands: ["worker"], help: "q")
    static let mode = Setting(
        flag: nil, variable: "VFL_MODE", kind: .choice(["a", "b"]), default: "a", commands: ["*"], help: "mode")
    static let all = [lease, threads, quiet, mode]

    func parse(_ words: [String], _ environment: [String: String] = [:]) throws -> ParsedArguments {
        try ParsedArguments(words, settings: Self.all, environment: environment)
    }

    @Test func parse_readsFlagsThenEnvironmentThenDefaults() throws {
        #expect(try parse([]).double(Self.lease) == 30)
        #expect(try parse([], ["VFL_LEASE_SECONDS": "12"]).double(Self.lease) == 12)
        #expect(try parse(["--lease", "7"], ["VFL_LEASE_SECONDS": "12"]).double(Self.lease) == 7)
        #expect(try parse(["--lease=8"]).double(Self.lease) == 8)
        // An empty variable counts as unset.
        #expect(try parse([], ["VFL_LEASE_SECONDS": ""]).double(Self.lease) == 30)
        #expect(try parse([]).int(Self.threads) { 3 } == 3)
        #expect(try parse(["x", "--threads", "2", "y"]).positionals == ["x", "y"])
        #expect(try parse(["--quiet"]).bool(Self.quiet))
        #expect(try parse([], ["VFL_QUIET": "yes"]).bool(Self.quiet))
        #expect(try !parse([]).bool(Self.quiet))
        #expect(try parse([], ["VFL_MODE": "b"]).string(Self.mode) == "b")
    }

    @Test(
        arguments: [
            (["--workers", "3"], [:], "unknown option --workers"),
            (["--lease"], [:], "option --lease needs a value"),
            (["--quiet=1"], [:], "option --quiet takes no value"),
            (["--lease", "0"], [:], "--lease must be a number from 1 to 3600"),
            ([], ["VFL_LEASE_SECONDS": "x"], "VFL_LEASE_SECONDS must be a number from 1 to 3600"),
            (["--threads", "300"], [:], "--threads must be an integer from 1 to 256"),
            ([], ["VFL_QUIET": "maybe"], "VFL_QUIET must be 1 or 0 (true or false)"),
            ([], ["VFL_MODE": "c"], "VFL_MODE must be one of a, b"),
        ] as [([String], [String: String], String)])
    func validate_namesTheSettingAndWhereItCameFrom(words: [String], environment: [String: String], message: String) {
        #expect(throws: ParsedArguments.UsageError.self) {
            do { try parse(words, environment).validate() } catch let error as ParsedArguments.UsageError {
                #expect(error.message == message)
                throw error
            }
        }
    }

    @Test func documentation_showsVariableRangeAndDefault() {
        let lines = Setting.usageLines([Self.lease, Self.mode])
        #expect(lines.contains("--lease S"))
        #expect(lines.contains("(VFL_LEASE_SECONDS; 1 to 3600; default 30)"))
        #expect(lines.contains("VFL_MODE"))
        let table = Setting.markdownTable([Self.lease, Self.mode])
        #expect(
            table.contains(
                "| `--lease S` | `VFL_LEASE_SECONDS` | number | 1 to 3600 | `30` | worker | seconds a claim holds |"))
        #expect(table.contains("|  | `VFL_MODE` | choice | a, b | `a` | all | mode |"))
    }
}
