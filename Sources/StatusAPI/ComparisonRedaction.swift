public import Core

/// What of a job's `comparison.json` the status API shows the token holder (`GET /jobs/{id}/comparison`;
/// docs/privacy.md), under the rule of ``SummaryRedaction``: no statement about the scores of fewer than
/// `minimumGroup` customers.
///
/// A pure function. Shown as they are: the batch, the champion, the cutoffs, and per challenger its model, status,
/// error and customer counts (the same kind of counts `summary.json` makes public). The rest describes the scores
/// of the customers both models scored (`both`), and is shown only when `both` is at least `minimumGroup`:
///
/// - `spearman`, `psi.value` and the shift's `mean`: one number over all of them.
/// - `first_reason_agreement`: a share of `both` is a count (0.983333 of 120 is 2 disagreeing), so only when the
///   customers agreeing and those disagreeing are each 0 or at least `minimumGroup`, else `null`.
/// - `score_shift`'s quantiles (`median`, `p1`, `p5`, the deciles, the quartiles, `p95`, `p99`): a quantile is one
///   customer's shift, so only when at least `minimumGroup` customers lie on each side of it, and between it and the
///   next quantile shown towards the median (``shownQuantiles(both:minimum:)``), else `null`.
/// - `swaps`: per cutoff `up` and `down` when 0 or at least `minimumGroup`, else `null`. Never `champion_above` or
///   `challenger_above`: counts of one model's scores above a cutoff cut the score distribution at other edges than
///   the summary's merged histogram, and the difference of the two could describe a few customers.
/// - `psi`'s bin counts never, for the same reason.
///
/// Anything else (a member added later) is not shown until it is added here.
public enum ComparisonRedaction {
    /// The quantiles of the score shift and their levels in whole percents (`median` is `p50`).
    static let quantiles: [(String, Int)] = [
        ("median", 50), ("p1", 1), ("p5", 5), ("p10", 10), ("p20", 20), ("p25", 25), ("p30", 30), ("p40", 40),
        ("p50", 50), ("p60", 60), ("p70", 70), ("p75", 75), ("p80", 80), ("p90", 90), ("p95", 95), ("p99", 99),
    ]

    /// The quantile levels (percents) shown for `both` customers: walking out from the median on each side, a level is shown
    /// when at least `minimum` customers lie beyond it (`both × min(p, 1 − p)`) and between it and the last level
    /// shown on its way (`both × |p − p'|`), so that no two shown quantiles bracket fewer than `minimum` customers.
    static func shownQuantiles(both: Int, minimum: Int) -> Set<Int> {
        // In whole percents (products of integers, exact in a Double), so that a gap of exactly the minimum is not
        // lost to rounding.
        func enough(_ percent: Int) -> Bool { Double(both) * Double(percent) >= Double(minimum) * 100 }
        guard both > 0, enough(50) else { return [] }
        var shown: Set<Int> = [50]
        let levels = Set(quantiles.map(\.1)).sorted()
        for side in [Array(levels.filter { $0 < 50 }.reversed()), levels.filter { $0 > 50 }] {
            var last = 50
            for p in side where enough(min(p, 100 - p)) && enough(abs(p - last)) {
                shown.insert(p)
                last = p
            }
        }
        return shown
    }

    /// The comparison as the token holder sees it.
    ///
    /// - Parameters:
    ///   - comparison: A job's `comparison.json` as the worker wrote it.
    ///   - minimumGroup: The smallest group a statement may describe (at least 1).
    /// - Returns: `batch`, `champion`, `cutoffs`, `minimum_group` and `challengers`, each redacted as above.
    public static func detail(of comparison: JSONValue, minimumGroup: Int) -> JSONValue {
        let minimum = max(minimumGroup, 1)
        var out: [(String, JSONValue)] = []
        for name in ["batch", "champion", "cutoffs"] {
            if let value = comparison[name] { out.append((name, value)) }
        }
        out.append(("minimum_group", .number(Double(minimum))))
        out.append(
            ("challengers", .array((comparison["challengers"]?.array ?? []).map { entry($0, minimum: minimum) })))
        return .object(out)
    }

    private static func entry(_ entry: JSONValue, minimum: Int) -> JSONValue {
        var out: [(String, JSONValue)] = []
        for name in ["model", "status", "error"] {
            if let value = entry[name] { out.append((name, value)) }
        }
        guard let customers = entry["customers"]?.object else { return .object(out) }
        let counts = ["champion", "challenger", "both", "only_champion", "only_challenger"]
        out.append(
            (
                "customers",
                .object(
                    counts.compactMap { name in
                        customers.first { $0.0 == name }.map { (name, $0.1.int.map { .number(Double($0)) } ?? .null) }
                    })
            ))
        let both = entry["customers"]?["both"]?.int ?? 0
        guard both >= minimum else {
            out.append(("withheld", .string("fewer than \(minimum) customers scored by both models")))
            return .object(out)
        }
        func number(_ value: JSONValue?) -> JSONValue { value?.double.map { .number($0) } ?? .null }
        if let shift = entry["score_shift"] {
            var members: [(String, JSONValue)] = [("mean", number(shift["mean"]))]
            let shown = shownQuantiles(both: both, minimum: minimum)
            for (name, p) in quantiles {
                members.append((name, shown.contains(p) ? number(shift[name]) : .null))
            }
            out.append(("score_shift", .object(members)))
        }
        out.append(("spearman", number(entry["spearman"])))
        out.append(("psi", ["value": number(entry["psi"]?["value"])]))
        func reportable(_ count: Int) -> Bool { count == 0 || count >= minimum }
        func count(_ value: JSONValue?) -> JSONValue {
            guard let count = value?.int, count >= 0, reportable(count) else { return .null }
            return .number(Double(count))
        }
        let swaps = (entry["swaps"]?.array ?? []).map { swap -> JSONValue in
            ["cutoff": number(swap["cutoff"]), "up": count(swap["up"]), "down": count(swap["down"])]
        }
        out.append(("swaps", .array(swaps)))
        // The agreeing customers as a count (the share is rounded to 6 decimals: exact below a million).
        var agreement = JSONValue.null
        if let share = entry["first_reason_agreement"]?.double, (0...1).contains(share) {
            let agreeing = Int((share * Double(both)).rounded())
            if reportable(agreeing) && reportable(both - agreeing) { agreement = .number(share) }
        }
        out.append(("first_reason_agreement", agreement))
        return .object(out)
    }
}
