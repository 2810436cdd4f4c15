import Core
import Fixtures
import Foundation
import Spool
import Store
import Testing

/// The status API as a real `vfl api` process on a real socket.
@Suite struct APIProcessTests {
    /// The resident set of a process, in bytes.
    static func rss(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }

    @Test func largeResultsStreamInConstantMemory() throws {
        let temp = TemporaryDirectory()
        let spool = Spool(root: temp.file("spool"))
        try spool.create()
        let store = try SQLiteStore(path: spool.root + "/vfl.sqlite", process: "test")
        try store.createJob(id: "big", parties: ["a"], modelID: "m", modelName: "n", tasks: 1)
        let task = try #require(try store.claimTask(owner: "w", leaseSeconds: 30, maxAttempts: 3))
        // A 400 MB scores.csv.
        try FileIO.makeDirectories(spool.results + "/big")
        let path = spool.results + "/big/scores.csv"
        let writer = try BufferedFileWriter(path: path)
        try writer.write("tax_id,score,parties,reason_1,reason_2,reason_3,reason_4\n")
        var block = ""
        for i in 0..<10_000 { block += "\(100_000_000 + i),700.00,auto_loans|credit_card,C01,C02,C03,C04\n" }
        let blockBytes = Array(block.utf8)
        for _ in 0..<(400_000_000 / blockBytes.count) { try writer.write(blockBytes) }
        try writer.close(sync: false)
        let size = FileIO.size(path)
        #expect(
            try store.completeTask(task, customers: 1, scored: 1, rejectedRows: 0, resultPath: spool.results + "/big"))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["api", "--spool", spool.root, "--port", "0"]
        let token = "api-process-test-token-0123456789abcdef"
        process.environment = ProcessInfo.processInfo.environment.merging(["VFL_API_TOKEN": token]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // The log line "api listening" names the port.
        var port = 0
        var seen = ""
        while port == 0 {
            let data = err.fileHandleForReading.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
            if let range = seen.range(of: #""port":"(\d+)""#, options: .regularExpression) {
                port = Int(seen[range].filter(\.isNumber)) ?? 0
            }
        }
        #expect(port > 0, "\(seen)")
        let before = Self.rss(process.processIdentifier)

        let fd = Loopback.connect(port)
        #expect(fd >= 0)
        defer { close(fd) }
        _ = "GET /jobs/big/results HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n"
            .withCString {
                send(fd, $0, strlen($0), 0)
            }
        var received = 0
        var peak = before
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var reads = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += n
            reads += 1
            if reads % 256 == 0 { peak = max(peak, Self.rss(process.processIdentifier)) }
        }
        // The head, then exactly the file.
        #expect(received > size && received < size + 1024)
        #expect(peak - before < 32 << 20, "RSS grew by \((peak - before) >> 20) MiB streaming \(size >> 20) MiB")
    }
}
