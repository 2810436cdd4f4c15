import Core
import Fixtures
import Foundation
import Model
import Testing

/// Runs the built `vfl` binary as a process, the way users and scripts do.
@Suite struct CommandLineTests {
    static var binary: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        // swift-testing runs from <build>/debug/<package>.xctest (a file on Linux, a bundle elsewhere).
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("vfl").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("vfl").path
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func vfl(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `VFL_DB_PASSWORD_FILE` gives the PostgreSQL store its password; a URL holding one is refused, and neither
    /// the password nor the file's content reaches the output.
    @Test func health_onPostgreSQLTakesThePasswordFromItsFile() throws {
        let temp = TemporaryDirectory()
        let (url, password) = try PostgresTestServer.passwordRole()
        try (password + "\n").write(toFile: temp.file("password"), atomically: true, encoding: .utf8)
        let ok = try vfl(["health"], environment: ["VFL_DB": url, "VFL_DB_PASSWORD_FILE": temp.file("password")])
        #expect(ok.status == 0, "\(ok.stderr)")
        let refused = try vfl(["health"], environment: ["VFL_DB": url])
        #expect(refused.status != 0)
        let inURL = url.replacingOccurrences(of: "@/", with: ":\(password)@/")
        let leaked = try vfl(["health"], environment: ["VFL_DB": inURL])
        #expect(leaked.status != 0)
        for run in [ok, refused, leaked] { #expect(!(run.stdout + run.stderr).contains(password)) }
        #expect(leaked.stderr.contains("VFL_DB_PASSWORD_FILE"))
    }

    @Test func score_writesResultsAndLogsJSONWithoutKeys() throws {
        let temp = TemporaryDirectory()
        let text = RandomModel.json(seed: 3, parties: RandomModel.fourParties, top: [6])
        try text.write(toFile: temp.file("model.json"), atomically: true, encoding: .utf8)
        let model = try SplitModel(bytes: Array(text.utf8))
        let batch = try TestBatch.write(directory: temp.file("batch"), model: model, customers: 400)
        let run = try vfl([
            "score", batch.directory, "--out", temp.file("out/scores.csv"), "--model", temp.file("model.json"),
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: temp.file("out/scores.csv")))
        #expect(FileManager.default.fileExists(atPath: temp.file("out/summary.json")))
        for line in run.stderr.split(separator: "\n") {
            #expect((try? JSONValue(parsing: Data(line.utf8))) != nil, "log line is not JSON: \(line)")
        }
        for key in batch.cells.keys { #expect(!run.stderr.contains(key)) }
        // The environment variable works as the flag does.
        let viaEnvironment = try vfl(
            ["score", batch.directory, "--out", temp.file("env.csv")],
            environment: ["VFL_MODEL": temp.file("model.json")])
        #expect(viaEnvironment.status == 0)
        let a = try String(contentsOfFile: temp.file("out/scores.csv"), encoding: .utf8)
        let b = try String(contentsOfFile: temp.file("env.csv"), encoding: .utf8)
        #expect(a == b)
    }

    @Test func exitStatus_isTwoForBadUsageAndOneForFailures() throws {
        #expect(try vfl(["score"]).status == 2)
        #expect(try vfl(["score", "/nonexistent", "--bogus"]).status == 2)
        #expect(try vfl(["frobnicate"]).status == 2)
        #expect(try vfl(["--help"]).status == 0)
        #expect(try vfl(["score", "--help"]).stdout.contains("--max-reject-share"))
        let temp = TemporaryDirectory()
        let text = RandomModel.json(seed: 3, parties: RandomModel.fourParties, top: [6])
        try text.write(toFile: temp.file("model.json"), atomically: true, encoding: .utf8)
        let failed = try vfl(["score", temp.path, "--out", temp.file("s.csv"), "--model", temp.file("model.json")])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("manifest.json"))
    }

    /// `vfl blas` names the kernel vfl scores with and passes its checks; a kernel forced on it that fails the
    /// placement check (OpenBLAS 0.3.21's AVX2 kernels, where the CPU can run them) makes `vfl score` refuse to run,
    /// naming the setting, and one that passes it scores.
    @Test func blas_placementCheckRefusesKernelsWhoseRowsDependOnTheirPlace() throws {
        let chosen = try vfl(["blas"])
        #expect(chosen.status == 0, "\(chosen.stdout)\(chosen.stderr)")
        #expect(chosen.stdout.hasPrefix("kernel "))
        #expect(chosen.stdout.contains("placement passed"))
        guard BLAS.cpuFlags().isSuperset(of: ["avx2", "fma"]) else { return }
        let forced = try vfl(["blas"], environment: ["VFL_BLAS_CORETYPE": "Haswell"])
        #expect(forced.stdout.contains("kernel Haswell"))
        let fails = forced.stdout.contains("placement FAILED")
        #expect(forced.status == (fails ? 1 : 0))
        let temp = TemporaryDirectory()
        let text = RandomModel.json(seed: 3, parties: RandomModel.fourParties, top: [6])
        try text.write(toFile: temp.file("model.json"), atomically: true, encoding: .utf8)
        let model = try SplitModel(bytes: Array(text.utf8))
        let batch = try TestBatch.write(directory: temp.file("batch"), model: model, customers: 50)
        let run = try vfl(
            ["score", batch.directory, "--out", temp.file("s.csv"), "--model", temp.file("model.json")],
            environment: ["VFL_BLAS_CORETYPE": "Haswell"])
        #expect(run.status == (fails ? 1 : 0), "\(run.stderr)")
        #expect(run.stderr.contains("VFL_BLAS_CORETYPE") == fails)
        #expect(FileManager.default.fileExists(atPath: temp.file("s.csv")) == !fails)
    }

    @Test func inspectCSV_printsRecordsOrTheErrorObject() throws {
        let temp = TemporaryDirectory()
        try "a,b\n\"x,\"\"y\",2\n".write(toFile: temp.file("ok.csv"), atomically: true, encoding: .utf8)
        let ok = try vfl(["inspect", "csv", temp.file("ok.csv")])
        #expect(ok.status == 0)
        #expect(ok.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"[["a","b"],["x,\"y","2"]]"#)
        try "a,b\n1,2,3\n".write(toFile: temp.file("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try vfl(["inspect", "csv", temp.file("bad.csv")])
        #expect(bad.status == 1)
        let error = try JSONValue(parsing: Data(bad.stdout.utf8))
        #expect(error["error"]?.string == "field_count")
        #expect(error["line"]?.int == 2)
        #expect(error["column"]?.int == 1)
    }

    @Test func modelInfo_printsIDAndShapes() throws {
        let temp = TemporaryDirectory()
        let text = RandomModel.json(seed: 3, parties: RandomModel.fourParties, top: [6])
        try text.write(toFile: temp.file("model.json"), atomically: true, encoding: .utf8)
        let run = try vfl(["model", "info", temp.file("model.json")])
        #expect(run.status == 0)
        let info = try JSONValue(parsing: Data(run.stdout.utf8))
        #expect(info["id"]?.string == SHA256.hex(of: Array(text.utf8)))
        #expect(info["parties"]?.array?.count == 4)
    }
}

extension CommandLineTests {
    @Test func commands_refuseOptionsTheyDoNotTake() throws {
        let retry = try vfl(["retry", "X", "--workers", "3"])
        #expect(retry.status == 2)
        #expect(retry.stderr.contains("unknown option --workers"))
        #expect(try vfl(["ingest", "--threads", "2", "--check-args"]).status == 2)
        #expect(try vfl(["score", "b", "--out", "s.csv", "--lease", "3", "--check-args"]).status == 2)
        #expect(try vfl(["worker", "--threads", "2", "--lease", "3", "--check-args"]).status == 0)
    }

    @Test func checkArgs_validatesFlagsAndTheEnvironmentOfTheCommand() throws {
        let bad = try vfl(["worker", "--check-args"], environment: ["VFL_LEASE_SECONDS": "0"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("VFL_LEASE_SECONDS must be a number from 1 to 3600"))
        #expect(try vfl(["run", "--check-args"], environment: ["VFL_REQUIRE_TOKENS": "maybe"]).status == 2)
        // A variable of another command's setting is not this command's business (containers share settings).
        #expect(try vfl(["ingest", "--check-args"], environment: ["VFL_LEASE_SECONDS": "0"]).status == 0)
    }

    @Test func help_listsEachSettingOfTheCommandOnce() throws {
        let help = try vfl(["worker", "--help"]).stdout
        for name in ["--spool DIR", "--db FILE", "--lease S", "VFL_LEASE_SECONDS", "default 30", "--max-attempts N"] {
            #expect(help.contains(name), "\(name)")
        }
        #expect(!help.contains("--workers"))
        let table = try vfl(["settings", "--markdown"])
        #expect(table.status == 0)
        #expect(
            table.stdout.contains("| `--lease S` | `VFL_LEASE_SECONDS` | number | 1 to 3600 | `30` | run, worker |"))
    }
}
