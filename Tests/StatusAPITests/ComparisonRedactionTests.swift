import Core
import Foundation
import Spool
import StatusAPI
import Testing

/// ``ComparisonRedaction`` and `GET /jobs/{id}/comparison`: behind the token, the statements about scores only for
/// groups of at least the minimum, never a count of one model's scores above a cutoff or in a bin.
@Suite struct ComparisonRedactionTests {
    /// A comparison as the worker writes it (the demo batch against a perturbed challenger), with `both` customers.
    static func comparison(both: Int, up: Int = 0, down: Int = 190) -> String {
        """
        {"batch":"demo","champion":{"id":"f7b6","name":"vfl-default"},"cutoffs":[580,620],"challengers":[\
        {"model":{"id":"f521","name":"next"},"status":"done","customers":{"champion":\(both + 3),\
        "challenger":\(both),"both":\(both),"only_champion":3,"only_challenger":0},"score_shift":{"mean":-17.48,\
        "median":-13.61,"p1":-75.77,"p5":-71.17,"p10":-66.2,"p20":-55.4,"p25":-50.84,"p30":-40.1,"p40":-22.3,"p50":-13.61,"p60":-5.2,"p70":5.4,"p75":17.26,"p80":20.1,"p90":25.5,"p95":27.41,"p99":28.6},\
        "spearman":0.9998,"psi":{"value":0.268,"bins":10,"from":300,"to":850,"epsilon":0.0001,\
        "champion_counts":[7,35,106,160,257,335,395,402,269,34],"challenger_counts":[60,132,137,209,231,232,265,289,311,134]},\
        "swaps":[{"cutoff":580,"up":\(up),"down":\(down),"champion_above":1401,"challenger_above":1211},\
        {"cutoff":620,"up":7,"down":0,"champion_above":1161,"challenger_above":1048}],"first_reason_agreement":0.97},\
        {"model":{"id":"c0ff","name":"broken"},"status":"failed","error":"the challenger's key column is not the champion's"}]}
        """
    }

    static func redacted(_ text: String, minimumGroup: Int = 50) throws -> JSONValue {
        ComparisonRedaction.detail(of: try JSONValue(parsing: Data(text.utf8)), minimumGroup: minimumGroup)
    }

    @Test func detail_keepsTheScalarsAndTheSwapsOfGroupsOfTheMinimum() throws {
        let out = try Self.redacted(Self.comparison(both: 2000, up: 12))
        let entry = try #require(out["challengers"]?.array?.first)
        #expect(out["minimum_group"] == 50 && out["cutoffs"] == [580, 620])
        #expect(entry["status"] == "done" && entry["customers"]?["only_champion"] == 3)
        #expect(entry["spearman"] == 0.9998 && entry["psi"] == ["value": 0.268])
        #expect(entry["first_reason_agreement"] == 0.97)  // 1,940 agree, 60 do not
        #expect(entry["score_shift"]?["median"] == -13.61 && entry["score_shift"]?["p25"] == -50.84)
        // 1% of 2,000 is 20 customers, under the minimum: the outer tails are withheld, 5% (100) is shown.
        #expect(entry["score_shift"]?["p1"] == .null && entry["score_shift"]?["p99"] == .null)
        #expect(entry["score_shift"]?["p5"] == -71.17 && entry["score_shift"]?["p95"] == 27.41)
        #expect(entry["score_shift"]?["p10"] == -66.2 && entry["score_shift"]?["p90"] == 25.5)
        // 12 and 7 customers crossing a cutoff describe too few; 0 and 190 do not.
        #expect(
            entry["swaps"] == [["cutoff": 580, "up": .null, "down": 190], ["cutoff": 620, "up": .null, "down": 0]])
        // A model's counts above a cutoff or per bin are never shown.
        #expect(!out.text.contains("above") && !out.text.contains("counts"))
        let failed = try #require(out["challengers"]?.array?.last)
        #expect(failed["status"] == "failed" && failed["error"]?.string?.contains("key column") == true)
    }

    /// A share or a quantile is a count or one customer's value: withheld when it would describe a small group.
    @Test func detail_withholdsAnAgreementOrAQuantileThatDescribesAFewCustomers() throws {
        // 200 both: 0.97 is 194 agreeing and 6 disagreeing; a quarter is 50 customers, 5% only 10.
        let entry = try #require(try Self.redacted(Self.comparison(both: 200))["challengers"]?.array?.first)
        #expect(entry["first_reason_agreement"] == .null)
        #expect(entry["score_shift"]?["p25"] == -50.84 && entry["score_shift"]?["p5"] == .null)
        // A decile is 20 customers of 200: withheld at both ends.
        #expect(entry["score_shift"]?["p10"] == .null && entry["score_shift"]?["p90"] == .null)
        #expect(entry["score_shift"]?["p20"] == .null)
        #expect(entry["score_shift"]?["mean"] == -17.48 && entry["spearman"] == 0.9998)
        // 120 both: a quarter is 30 customers, under the minimum; the median is shown (60 on each side).
        let small = try #require(try Self.redacted(Self.comparison(both: 120))["challengers"]?.array?.first)
        #expect(small["score_shift"]?["p25"] == .null && small["score_shift"]?["median"] == -13.61)
    }

    /// Two quantiles shown bracket the customers between them: never fewer than the minimum, for any count and
    /// minimum, nor fewer than the minimum beyond the outermost.
    @Test func detail_noTwoShownQuantilesBracketFewerThanTheMinimum() throws {
        func level(_ name: String) -> Double { name == "median" ? 0.5 : Double(name.dropFirst())! / 100 }
        for minimum in [1, 10, 50, 137, 1000] {
            for both in [minimum, minimum * 2 + 1, 250, 999, 1000, 2000, 4321, 20_000, 100_000] where both >= minimum {
                let entry = try #require(
                    try Self.redacted(Self.comparison(both: both), minimumGroup: minimum)["challengers"]?.array?.first)
                let shift = try #require(entry["score_shift"]?.object)
                let shown = shift.filter { $0.0 != "mean" && $0.1 != .null }.map { level($0.0) }
                let label = Comment(rawValue: "both \(both), minimum \(minimum)")
                for p in shown {
                    #expect(Double(both) * min(p, 1 - p) >= Double(minimum) - 1e-9, label)
                    for q in shown where q != p {
                        #expect(Double(both) * abs(p - q) >= Double(minimum) - 1e-9, label)
                    }
                }
            }
        }
        // 250 customers, a minimum of 50: the median, p30 and p70 (50 customers apart), nothing closer.
        let entry = try #require(try Self.redacted(Self.comparison(both: 250))["challengers"]?.array?.first)
        let shown = (entry["score_shift"]?.object ?? []).filter { $0.0 != "mean" && $0.1 != .null }.map(\.0)
        #expect(Set(shown) == ["median", "p50", "p30", "p70"])
    }

    @Test func detail_ofFewerCustomersThanTheMinimumWithholdsEveryStatement() throws {
        let entry = try #require(try Self.redacted(Self.comparison(both: 49))["challengers"]?.array?.first)
        #expect(entry["withheld"] != nil && entry["customers"]?["both"] == 49)
        for member in ["score_shift", "spearman", "psi", "swaps", "first_reason_agreement"] {
            #expect(entry[member] == nil, "\(member)")
        }
        let large = try #require(try Self.redacted(Self.comparison(both: 10_000))["challengers"]?.array?.first)
        #expect(large["score_shift"]?["p1"] == -75.77)
    }

    @Test(arguments: [
        "[]", "{}", #"{"challengers": 7}"#, #"{"challengers": [3, "x", null]}"#,
        #"{"challengers": [{"customers": {"both": "many"}, "swaps": [{"up": -4}]}]}"#,
        #"{"challengers": [{"customers": {"both": 1e300}, "score_shift": {"p1": "x"}, "swaps": [{"up": 1e300}]}]}"#,
    ])
    func detail_ofAnythingElseIsAnObjectWithoutAStatement(text: String) throws {
        let out = try Self.redacted(text)
        #expect(out["minimum_group"] == 50)
        for entry in out["challengers"]?.array ?? [] {
            #expect(entry["score_shift"] == nil || entry["score_shift"]?["p1"] == .null)
        }
    }

    @Test func route_needsTheTokenAndAnswers404WithoutAComparison() throws {
        let access = StatusRouterAccessTests()
        let (router, store, spool) = try access.makeRouter()
        try access.finishJob("b1", store: store, spool: spool)
        try access.finishJob("b2", store: store, spool: spool)
        try Self.comparison(both: 2000).write(
            toFile: spool.result("b1") + "/comparison.json", atomically: true, encoding: .utf8)
        #expect(try access.send(router, .get, "/jobs/b1/comparison").status == 401)
        let answer = try access.send(router, .get, "/jobs/b1/comparison", headers: StatusRouterAccessTests.bearer)
        #expect(answer.status == 200)
        #expect(answer.json?["challengers"]?.array?.first?["spearman"] == 0.9998)
        #expect(answer.json.map { !$0.text.contains("above") } == true)
        #expect(
            try access.send(router, .get, "/jobs/b2/comparison", headers: StatusRouterAccessTests.bearer).status == 404)
        #expect(
            try access.send(router, .get, "/jobs/nope/comparison", headers: StatusRouterAccessTests.bearer).status
                == 404)
    }
}
