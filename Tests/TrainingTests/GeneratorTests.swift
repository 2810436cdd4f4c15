import Core
import Fixtures
import Foundation
import Testing
import Training

@Suite struct GeneratorTests {
    let temp = TemporaryDirectory()

    func generate(
        _ customers: Int, seed: UInt64 = 1, labels: Bool = false, threads: Int = 2, scoreColumn: Bool = false
    ) throws -> String {
        try TrainingTests.generate(
            customers, in: temp, seed: seed, labels: labels, threads: threads, scoreColumn: scoreColumn)
    }

    func bytes(_ path: String) throws -> [UInt8] { try FileIO.readFile(path, limit: 1 << 30) }

    @Test func sameSeedSameBytes_anyThreads_otherSeedOtherBytes() throws {
        let a = try generate(30_000, seed: 5, labels: true, threads: 1)
        let b = try generate(30_000, seed: 5, labels: true, threads: 2)
        let c = try generate(30_000, seed: 6, labels: true)
        for file in ["auto_loans.csv", "digital_savings.csv", "home_loans.csv", "credit_card.csv", "labels.csv"] {
            #expect(try bytes(a + "/" + file) == bytes(b + "/" + file), "\(file)")
            #expect(try bytes(a + "/" + file) != bytes(c + "/" + file), "\(file)")
        }
        #expect(try bytes(a + "/manifest.json") == bytes(b + "/manifest.json"))
    }

    @Test func shapeOfTheReplacedSystemsData() throws {
        let n = 40_000
        let directory = try generate(n, labels: true)
        var keys: [String: Set<String>] = [:]
        var orders: [String: [String]] = [:]
        var empty = 0
        var cells = 0
        for party in Generator.parties {
            let rows = try readCSV(directory + "/" + party + ".csv")
            #expect(rows[0][0] == "tax_id")
            #expect(Array(rows[0].dropFirst()) == Generator.columnNames(party))
            #expect(!rows[0].contains("credit_score"))
            let body = rows.dropFirst()
            keys[party] = Set(body.map { $0[0] })
            orders[party] = body.map { $0[0] }
            #expect(keys[party]!.count == body.count, "keys are unique within \(party)")
            for row in body {
                #expect(row[0].range(of: #"^\d{3}-\d{2}-\d{4}$"#, options: .regularExpression) != nil)
                for cell in row.dropFirst() {
                    cells += 1
                    if cell.isEmpty { empty += 1 }
                }
            }
            if let column = rows[0].firstIndex(of: "loan_eligible") {
                #expect(Set(body.map { $0[column] }).isSubset(of: ["True", "False", ""]))
            }
        }
        // Coverage about 80/80/75/75% (of customers known to at least one party); home loans = credit card.
        func share(_ party: String) -> Double { Double(keys[party]!.count) / Double(n) }
        #expect(abs(share("auto_loans") - 0.81) < 0.015)
        #expect(abs(share("digital_savings") - 0.81) < 0.015)
        #expect(abs(share("home_loans") - 0.76) < 0.015)
        #expect(keys["home_loans"] == keys["credit_card"])
        #expect(keys.values.reduce(Set<String>()) { $0.union($1) }.count == n)
        // Every file in its own order.
        let common = keys["home_loans"]!
        #expect(orders["home_loans"]! != orders["credit_card"]!)
        #expect(orders["auto_loans"]!.filter(common.contains) != orders["home_loans"]!.filter(common.contains))
        // About 0.5% empty cells.
        let emptyShare = Double(empty) / Double(cells)
        #expect(emptyShare > 0.003 && emptyShare < 0.007)
        // Labels: every customer, 300-850, spread out.
        let labels = try readCSV(directory + "/labels.csv").dropFirst()
        #expect(labels.count == n)
        let scores = labels.map { Double($0[1])! }
        #expect(scores.allSatisfy { $0 >= 300 && $0 <= 850 })
        let mean = scores.reduce(0, +) / Double(n)
        #expect(mean > 560 && mean < 720)
        #expect(scores.max()! - scores.min()! > 350)
    }

    @Test func scoreColumnOnlyWhenAsked() throws {
        let plain = try generate(500)
        let with = try generate(500, scoreColumn: true)
        #expect(!(try readCSV(plain + "/auto_loans.csv")[0].contains("credit_score")))
        #expect(try readCSV(with + "/auto_loans.csv")[0].last == "credit_score")
    }
}
