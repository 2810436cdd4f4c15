public import Core

/// What of a job's `summary.json` the status API shows (docs/privacy.md, "What the status API shows").
///
/// Two pure functions. ``publicPart(of:minimumGroup:)`` is for anyone who may see the job: the model, the batch's
/// counts, per-party rows and coverage, status, error, threads, BLAS and timings; no distribution. ``detail(of:
/// minimumGroup:)`` is for the token holder: the public part plus the distributions, each reported only for groups
/// of at least `minimumGroup` customers, so that no count describes one person:
///
/// - `score_histogram`: adjacent 10-point bins are merged, lowest first, until each merged bin holds at least
///   `minimumGroup` customers (a remainder joins the last bin); each bin is `{"from", "to", "count"}` (`to`
///   exclusive). Withheld (`{"withheld": true}`) when all bins together hold fewer.
/// - `parties_per_customer`: only when every bin is 0 or at least `minimumGroup` (merged bins could be split again
///   with the public coverage counts: the sum of the parties' `known` is the customers weighted by their bin).
/// - `drift`: the score PSI (and its band) only when at least `minimumGroup` customers were scored; the score's
///   decile counts never (they cut the same scores as the histogram at other edges, so the two together could
///   isolate a few customers by difference); a party's features only when its coverage is shown (their counts add
///   up to the customers it knows); each feature's CSI and band only when its bins hold at least `minimumGroup`
///   customers and the customers it knows outside them (missing values) are 0 or at least `minimumGroup`, and its
///   bin counts merged into `groups` (`{"bins": [first, last], "count"}`) like the histogram; `shifted` lists only
///   indices that are shown.
/// - Coverage (`known`, `coverage` and `rows` of each party: a party's rows are the customers it knows), public
///   and detail alike, only when both the customers the party knows and those it does not are 0 or at least
///   `minimumGroup`, in a batch of at least `minimumGroup`.
///
/// Anything else in the summary (a field added later) is shown in neither part until it is added here.
public enum SummaryRedaction {
    /// The default smallest group a reported count may describe.
    public static let defaultMinimumGroup = 50

    /// Top-level members shown to anyone, as they are.
    static let publicMembers: Set<String> = [
        "batch", "model", "customers", "scored", "rejected_customers", "rejected_rows", "keyless_rows",
        "reject_share", "max_reject_share", "status", "error", "threads", "blas", "timings_ms", "keys",
    ]

    /// The summary without any distribution: counts, coverage, model id, status and timings.
    ///
    /// - Parameters:
    ///   - summary: A job's `summary.json` as written by the worker.
    ///   - minimumGroup: The smallest group a coverage count may describe.
    /// - Returns: An object with the members in the summary's order.
    public static func publicPart(of summary: JSONValue, minimumGroup: Int = defaultMinimumGroup) -> JSONValue {
        guard let members = summary.object else { return .object([]) }
        let customers = summary["customers"]?.int ?? 0
        var out: [(String, JSONValue)] = []
        for (name, value) in members {
            if publicMembers.contains(name) {
                out.append((name, value))
            } else if name == "parties" {
                out.append((name, parties(value, customers: customers, minimumGroup: minimumGroup)))
            }
        }
        return .object(out)
    }

    /// The summary with its distributions, each merged or withheld so that every reported count describes at
    /// least `minimumGroup` customers.
    ///
    /// - Parameters:
    ///   - summary: A job's `summary.json` as written by the worker.
    ///   - minimumGroup: The smallest group a count may describe (at least 1).
    /// - Returns: The public part followed by `minimum_group`, `score_histogram`, `parties_per_customer` and
    ///   `drift` (those the summary has).
    public static func detail(of summary: JSONValue, minimumGroup: Int = defaultMinimumGroup) -> JSONValue {
        let minimum = max(minimumGroup, 1)
        guard case .object(var out) = publicPart(of: summary, minimumGroup: minimum) else { return .object([]) }
        out.append(("minimum_group", .number(Double(minimum))))
        if let histogram = summary["score_histogram"] {
            out.append(("score_histogram", scoreHistogram(histogram, minimumGroup: minimum)))
        }
        if let perCustomer = summary["parties_per_customer"]?.object {
            let bins = perCustomer.compactMap { key, value in Int(key).map { ($0, value.int ?? 0) } }
            let reportable = bins.allSatisfy { $0.1 == 0 || $0.1 >= minimum }
            out.append(
                (
                    "parties_per_customer",
                    reportable
                        ? .object(bins.sorted { $0.0 < $1.0 }.map { ("\($0.0)", .number(Double($0.1))) }) : withheld
                ))
        }
        if let drift = summary["drift"] {
            let customers = summary["customers"]?.int ?? 0
            var known: [String: Int] = [:]
            for (name, party) in summary["parties"]?.object ?? [] {
                let count = party["known"]?.int ?? 0
                if coverageShown(known: count, customers: customers, minimumGroup: minimum) { known[name] = count }
            }
            out.append(
                ("drift", self.drift(drift, scored: summary["scored"]?.int ?? 0, known: known, minimumGroup: minimum)))
        }
        return .object(out)
    }

    // MARK: - Structures

    static let withheld: JSONValue = ["withheld": true]

    /// A run of adjacent bins merged into one group.
    struct Group: Equatable {
        /// The first and last bins' labels (their `from`, or their index).
        var first: Int
        var last: Int
        var count: Int
    }

    /// Merges adjacent `(label, count)` bins, in order, into groups of at least `minimumGroup`: greedy from the
    /// first, a remainder below the minimum joining the last group. `nil` when all bins hold fewer than the minimum
    /// (or none).
    static func merge(_ bins: [(label: Int, count: Int)], minimumGroup: Int) -> [Group]? {
        var groups: [Group] = []
        var current: Group?
        for bin in bins {
            if current == nil { current = Group(first: bin.label, last: bin.label, count: 0) }
            current!.last = bin.label
            current!.count += max(bin.count, 0)
            if current!.count >= minimumGroup {
                groups.append(current!)
                current = nil
            }
        }
        if let rest = current {
            guard !groups.isEmpty else { return nil }
            groups[groups.count - 1].last = rest.last
            groups[groups.count - 1].count += rest.count
        }
        return groups.isEmpty ? nil : groups
    }

    /// Whether a party's coverage may be shown: neither the customers it knows nor those it does not form a group
    /// smaller than the minimum, in a batch that is not smaller.
    static func coverageShown(known: Int, customers: Int, minimumGroup: Int) -> Bool {
        func reportable(_ count: Int) -> Bool { count == 0 || count >= minimumGroup }
        return customers >= minimumGroup && reportable(known) && reportable(customers - known)
    }

    /// Coverage per party: `known`, `coverage` and `rows` only when ``coverageShown(known:customers:minimumGroup:)``;
    /// `input` and extra columns as they are.
    static func parties(_ value: JSONValue, customers: Int, minimumGroup: Int) -> JSONValue {
        guard let parties = value.object else { return .object([]) }
        return .object(
            parties.map { name, party in
                guard let members = party.object else { return (name, .object([])) }
                let known = party["known"]?.int ?? 0
                let shown = coverageShown(known: known, customers: customers, minimumGroup: minimumGroup)
                return (
                    name,
                    .object(
                        members.compactMap { key, value in
                            switch key {
                            case "input", "extra_columns", "extra_column_count", "keys_with_whitespace":
                                return (key, value)
                            case "known", "coverage", "rows": return shown ? (key, value) : nil
                            default: return nil
                            }
                        } + (shown ? [] : [("coverage_withheld", .bool(true))]))
                )
            })
    }

    /// `{"bin_width", "bins": [{"from", "count"}]}` → merged `{"from", "to", "count"}` bins, or withheld.
    static func scoreHistogram(_ histogram: JSONValue, minimumGroup: Int) -> JSONValue {
        let width = histogram["bin_width"]?.double ?? 10
        let bins = (histogram["bins"]?.array ?? []).compactMap { bin -> (label: Int, count: Int)? in
            guard let from = bin["from"]?.int else { return nil }
            return (from, bin["count"]?.int ?? 0)
        }.sorted { $0.label < $1.label }
        guard let groups = merge(bins, minimumGroup: minimumGroup) else {
            return .object([("bin_width", .number(width)), ("withheld", .bool(true))])
        }
        return .object([
            ("bin_width", .number(width)),
            (
                "bins",
                .array(
                    groups.map { group in
                        [
                            "from": .number(Double(group.first)), "to": .number(Double(group.last) + width),
                            "count": .number(Double(group.count)),
                        ]
                    })
            ),
        ])
    }

    /// The drift section: indices over groups of at least the minimum, feature bins merged, no score deciles; the
    /// features of a party only when its coverage is shown (`known`: the customers each such party knows).
    static func drift(_ drift: JSONValue, scored: Int, known: [String: Int], minimumGroup: Int) -> JSONValue {
        var out: [(String, JSONValue)] = []
        var shifted: [JSONValue] = []
        if scored >= minimumGroup, let psi = drift["psi"] {
            out.append(("psi", psi))
            if let band = drift["psi_band"] {
                out.append(("psi_band", band))
                if band.string == "shifted" { shifted.append("score") }
            }
        } else if drift["psi"] != nil {
            out.append(("psi_withheld", .bool(true)))
        }
        var parties: [(String, JSONValue)] = []
        for (party, features) in drift["features"]?.object ?? [] {
            guard let partyKnown = known[party] else {
                parties.append((party, withheld))
                continue
            }
            var shown: [(String, JSONValue)] = []
            for (feature, detail) in features.object ?? [] {
                let counts = (detail["counts"]?.array ?? []).map { $0.int ?? 0 }
                let outside = partyKnown - counts.reduce(0) { $0 + max($1, 0) }
                guard outside == 0 || outside >= minimumGroup,
                    let groups = merge(Array(counts.enumerated().map { ($0, $1) }), minimumGroup: minimumGroup)
                else {
                    shown.append((feature, withheld))
                    continue
                }
                var members: [(String, JSONValue)] = []
                if let csi = detail["csi"] { members.append(("csi", csi)) }
                if let band = detail["band"] {
                    members.append(("band", band))
                    if band.string == "shifted" { shifted.append(.string("\(party).\(feature)")) }
                }
                members.append(
                    (
                        "groups",
                        .array(
                            groups.map {
                                [
                                    "bins": [.number(Double($0.first)), .number(Double($0.last))],
                                    "count": .number(Double($0.count)),
                                ]
                            })
                    ))
                shown.append((feature, .object(members)))
            }
            parties.append((party, .object(shown)))
        }
        out.append(("features", .object(parties)))
        out.append(("shifted", .array(shifted)))
        return .object(out)
    }
}
