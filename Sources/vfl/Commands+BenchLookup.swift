import Core
import Foundation
import Spool

/// `vfl bench-lookup SCORES.csv --keys-file FILE [--keys N] [--runs R] [--seed S]` (hidden: for
/// scripts/bench-lookup): times ``ScoresFile/rows(forKeys:)`` on requests of N random keys, half of them taken from
/// FILE (keys present in the scores) and half made absent, through a ``ScoresFileCache`` as the API uses it. Prints
/// the first (cold) request, with the file's opening scan, then the median, p99 and maximum of R requests in
/// milliseconds, and the same for a file opened per request. Prints timings only, never a key.
extension Commands {
    static let benchLookup = Command(
        name: "bench-lookup", summary: "time lookups of random keys in a scores.csv (scripts/bench-lookup)",
        usage: """
            vfl bench-lookup SCORES.csv --keys-file FILE [--keys N] [--runs R] [--seed S]
            """, run: runBenchLookup)

    static func runBenchLookup(
        _ options: ParsedArguments, _ environment: [String: String], _ logger: Logger
    ) throws -> Int32 {
        guard let path = options.positionals.first, let keysFile = try options.string(.keysFile) else {
            throw ParsedArguments.UsageError("a scores file and --keys-file are required")
        }
        let perRequest = try options.int(.keys)
        let runs = try options.int(.runs)
        var random = BenchRandom(seed: UInt64(try options.int(.seed)))
        let present = try String(contentsOfFile: keysFile, encoding: .utf8).split(separator: "\n").map(String.init)
        guard !present.isEmpty else { throw ParsedArguments.UsageError("--keys-file holds no keys") }
        func request() -> [String] {
            (0..<perRequest).map { i in
                let key = present[Int(random.next() % UInt64(present.count))]
                // Absent: a present key with its last character changed to a letter no key has.
                return i % 2 == 0 ? key : String(key.dropLast()) + "x"
            }
        }
        func milliseconds(_ body: () throws -> Void) rethrows -> Double {
            let start = Timestamp.monotonicSeconds()
            try body()
            return (Timestamp.monotonicSeconds() - start) * 1000
        }
        func report(_ name: String, _ times: [Double]) {
            let sorted = times.sorted()
            let median = sorted[sorted.count / 2]
            let p99 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.up)) - 1)]
            print(
                "\(name): median \(String(format: "%.3f", median)) ms, p99 \(String(format: "%.3f", p99)) ms, "
                    + "max \(String(format: "%.3f", sorted.last!)) ms over \(times.count) requests")
        }
        let cache = ScoresFileCache()
        var found = 0
        let cold = try milliseconds { found = try cache.file(at: path)!.rows(forKeys: request()).count { $0 != nil } }
        guard found == perRequest / 2 + perRequest % 2 else {
            printError("expected \(perRequest / 2 + perRequest % 2) keys found, got \(found)")
            return 1
        }
        let file = try cache.file(at: path)!
        print(
            "file: \(file.dataBytes / 1_000_000) MB of rows; \(perRequest) keys per request "
                + "(\(perRequest / 2 + perRequest % 2) present, \(perRequest / 2) absent)")
        print("first request (opens, maps and scans the file once): \(String(format: "%.1f", cold)) ms")
        var cached: [Double] = []
        for _ in 0..<runs {
            let keys = request()
            cached.append(try milliseconds { _ = try cache.file(at: path)!.rows(forKeys: keys) })
        }
        report("cached file (the API's way)", cached)
        var opened: [Double] = []
        for _ in 0..<min(runs, 20) {
            let keys = request()
            opened.append(try milliseconds { _ = try ScoresFile(path: path).rows(forKeys: keys) })
        }
        report("file opened per request", opened)
        return 0
    }
}

/// SplitMix64, for repeatable key choices.
struct BenchRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
