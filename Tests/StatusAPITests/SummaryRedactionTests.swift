import Core
import Foundation
import StatusAPI
import Testing

/// ``SummaryRedaction`` on real summaries: the public part has no distribution, and in the detail every reported
/// count describes at least the minimum group.
@Suite struct SummaryRedactionTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: Data(text.utf8)) }

    /// Every number under a member named `count` or inside `counts`/`parties_per_customer`, with its path.
    static func groupCounts(_ value: JSONValue, path: String = "") -> [(String, Int)] {
        switch value {
        case .object(let members):
            return members.flatMap { key, member -> [(String, Int)] in
                if key == "count" || key == "known", let n = member.int { return [(path + "." + key, n)] }
                if key == "parties_per_customer", let object = member.object {
                    return object.compactMap { k, v in v.int.map { (path + ".parties_per_customer." + k, $0) } }
                }
                if key == "counts" || key == "score_counts" {
                    return (member.array ?? []).compactMap { $0.int.map { (path + "." + key, $0) } }
                }
                return groupCounts(member, path: path + "." + key)
            }
        case .array(let elements): return elements.flatMap { groupCounts($0, path: path + "[]") }
        default: return []
        }
    }

    @Test func publicPart_keepsCountsCoverageModelAndTimingsOnly() throws {
        let summary = try Self.parse(SummaryFixtures.demo)
        let part = SummaryRedaction.publicPart(of: summary)
        let keys = part.object?.map(\.0) ?? []
        #expect(
            keys == [
                "batch", "model", "customers", "scored", "rejected_customers", "rejected_rows", "keyless_rows",
                "reject_share", "max_reject_share", "parties", "status", "threads", "blas", "timings_ms",
            ])
        #expect(part["model"]?["id"] == summary["model"]?["id"])
        #expect(part["timings_ms"] == summary["timings_ms"])
        // 2,000 customers; auto_loans knows 1,634 and not 366: both groups large enough.
        #expect(part["parties"]?["auto_loans"]?["coverage"]?.double == 0.817)
        #expect(part["parties"]?["auto_loans"]?["rows"]?.int == 1634)
        #expect(part["score_histogram"] == nil && part["drift"] == nil && part["parties_per_customer"] == nil)
        #expect(!part.text.contains("\"counts\"") && !part.text.contains("\"csi\"") && !part.text.contains("\"bins\""))
    }

    @Test func detail_oneCustomerBatchHasNoCountThatDescribesTheCustomer() throws {
        let summary = try Self.parse(SummaryFixtures.oneCustomer)
        for minimum in [2, 50] {
            let detail = SummaryRedaction.detail(of: summary, minimumGroup: minimum)
            #expect(detail["score_histogram"]?["withheld"] == true)
            #expect(detail["score_histogram"]?["bins"] == nil)
            #expect(detail["parties_per_customer"]?["withheld"] == true)
            #expect(detail["drift"]?["psi"] == nil && detail["drift"]?["psi_withheld"] == true)
            #expect(detail["drift"]?["score_counts"] == nil)
            #expect(detail["drift"]?["features"]?["auto_loans"]?["withheld"] == true)
            #expect(detail["drift"]?["shifted"] == [])
            #expect(detail["parties"]?["auto_loans"]?["coverage"] == nil)
            #expect(detail["parties"]?["auto_loans"]?["coverage_withheld"] == true)
            // No count of a group, and no score or index, describes the one customer.
            #expect(Self.groupCounts(detail).isEmpty)
            #expect(!detail.text.contains("\"csi\"") && !detail.text.contains("\"band\""))
            #expect(
                SummaryRedaction.publicPart(of: summary, minimumGroup: minimum)["parties"]?["credit_card"]?["known"]
                    == nil)
        }
    }

    @Test(arguments: [10, 50, 100, 500])
    func detail_everyReportedCountHoldsTheMinimumGroup(minimum: Int) throws {
        for text in [SummaryFixtures.customers120, SummaryFixtures.demo] {
            let summary = try Self.parse(text)
            let detail = SummaryRedaction.detail(of: summary, minimumGroup: minimum)
            #expect(detail["minimum_group"]?.int == minimum)
            for (path, count) in Self.groupCounts(detail) {
                #expect(count == 0 || count >= minimum, "\(path) = \(count)")
            }
            // Merging keeps every customer: the histogram's groups add up to the scored customers.
            let scored = summary["scored"]?.int ?? 0
            if let bins = detail["score_histogram"]?["bins"]?.array {
                #expect(bins.compactMap { $0["count"]?.int }.reduce(0, +) == scored)
                let ranges = bins.compactMap { bin in bin["from"]?.int.flatMap { f in bin["to"]?.int.map { (f, $0) } } }
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.1 <= $1.0 })
            } else {
                #expect(scored < minimum)
            }
            #expect(detail["drift"]?["score_counts"] == nil)
            #expect((detail["drift"]?["psi"] != nil) == (scored >= minimum))
        }
    }

    @Test func detail_mergesAdjacentBinsOfTheDemo() throws {
        let summary = try Self.parse(SummaryFixtures.demo)
        let detail = SummaryRedaction.detail(of: summary)
        let bins = try #require(detail["score_histogram"]?["bins"]?.array)
        // The demo's lowest bins (5, 6, 3, 6, 3, 7, 12, 12) merge into 340-420, the first group of 50 or more.
        #expect(bins.first == ["from": 340, "to": 420, "count": 54])
        #expect(bins.last?["to"]?.int == 830)
        let perCustomer = try #require(detail["parties_per_customer"]?.object)
        // Every bin is empty or holds 50 or more: shown as it is (a merged bin could be split again with coverage).
        #expect(perCustomer.map(\.0) == ["0", "1", "2", "3", "4"])
        #expect(perCustomer.allSatisfy { $0.1.int == 0 || ($0.1.int ?? 0) >= 50 })
        #expect(detail["drift"]?["psi"]?.double == summary["drift"]?["psi"]?.double)
        let age = try #require(detail["drift"]?["features"]?["auto_loans"]?["age"])
        #expect(age["csi"] == summary["drift"]?["features"]?["auto_loans"]?["age"]?["csi"])
        #expect(age["groups"]?.array?.count == 10)
    }

    /// A two-party summary of `customers`, party `a` knowing `knownA` of them and `b` all; `a`'s feature `x` has
    /// `counts` in its drift bins.
    static func synthetic(customers: Int, knownA: Int, counts: [Int], perCustomer: [String: Int]) -> JSONValue {
        let perCustomerText = perCustomer.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }
            .joined(separator: ", ")
        let text = """
            {"batch": "s", "customers": \(customers), "scored": \(customers),
             "parties": {"a": {"input": "csv", "rows": \(knownA), "known": \(knownA), "coverage": 0.5},
                         "b": {"input": "csv", "rows": \(customers), "known": \(customers), "coverage": 1}},
             "parties_per_customer": {\(perCustomerText)},
             "drift": {"psi": 0.01, "psi_band": "stable",
                       "features": {"a": {"x": {"csi": 0.02, "band": "stable", "counts": \(counts)}},
                                    "b": {"y": {"csi": 0.03, "band": "stable", "counts": [\(customers)]}}}}}
            """
        return try! JSONValue(parsing: Data(text.utf8))
    }

    @Test func rowsDriftAndBanksPerCustomer_neverGiveAwayAGroupSmallerThanTheMinimum() throws {
        // 30 customers: a party's rows are the customers it knows, so they are withheld with its coverage.
        let small = Self.synthetic(customers: 30, knownA: 25, counts: [25], perCustomer: ["1": 5, "2": 25])
        let open = SummaryRedaction.publicPart(of: small)
        #expect(open["parties"]?["a"]?["rows"] == nil && open["parties"]?["a"]?["known"] == nil)
        #expect(open["parties"]?["a"]?["coverage_withheld"] == true)
        // 2,000 customers, 1,990 known to a: a's coverage is withheld (10 unknown), and so are its drift groups,
        // whose total would be 1,990; b's are shown.
        let most = Self.synthetic(
            customers: 2000, knownA: 1990, counts: [990, 1000], perCustomer: ["1": 10, "2": 1990])
        let detail = SummaryRedaction.detail(of: most)
        #expect(detail["parties"]?["a"]?["known"] == nil)
        #expect(detail["drift"]?["features"]?["a"]?["withheld"] == true)
        #expect(detail["drift"]?["features"]?["b"]?["y"]?["groups"] != nil)
        // A bin of 10 customers known to one party only: merging it would be undone by the parties' known counts.
        #expect(detail["parties_per_customer"]?["withheld"] == true)
        // a knows 1,000 of 2,000, but its feature's bins hold 997: the 3 missing values would be known by difference.
        let missing = Self.synthetic(
            customers: 2000, knownA: 1000, counts: [500, 497], perCustomer: ["1": 1000, "2": 1000])
        let withMissing = SummaryRedaction.detail(of: missing)
        #expect(withMissing["parties"]?["a"]?["known"]?.int == 1000)
        #expect(withMissing["drift"]?["features"]?["a"]?["x"]?["withheld"] == true)
        #expect(withMissing["parties_per_customer"]?["1"]?.int == 1000)
    }
}
