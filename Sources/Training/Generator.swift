import Core
import Dispatch
import Synchronization
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// `vfl gen`: a synthetic four-party batch shaped like the replaced system's bank files (../shared/seed/COLUMNS.md),
/// with an optional `labels.csv` from a documented ground-truth score.
///
/// Every value is a pure function of (seed, customer, column): customer `i`'s shared columns come from its own
/// random stream, each party's own columns from another, and each file visits the customers in its own keyed
/// permutation. So the files stream in constant memory, in parallel, and the same seed gives the same bytes.
public struct Generator: Sendable {
    /// The four parties, in the default model's order.
    public static let parties = ["auto_loans", "digital_savings", "home_loans", "credit_card"]

    /// What to write.
    public struct Options: Sendable {
        /// Customers in the batch (each known to at least one party).
        public var customers: Int
        /// The seed.
        public var seed: UInt64 = 1
        /// Write `labels.csv` (`tax_id,credit_score`).
        public var labels = false
        /// Add the ground-truth `credit_score` column to every shard (the replaced system's models read it).
        public var scoreColumn = false
        /// The parties to write (default all four).
        public var parties = Generator.parties
        /// The batch id in the manifest (default `gen-<customers>-s<seed>`).
        public var batch: String?
        /// Threads (one file per thread at a time).
        public var threads = 2
        /// The share of empty non-key cells.
        public var emptyShare = 0.005
        /// A deliberate shift for drift tests: added to every customer's utilization and subtracted from payment
        /// history (as a share of their ranges); 0 for none.
        public var shift = 0.0

        /// Options for `customers` customers.
        public init(customers: Int) { self.customers = customers }
    }

    /// What was written.
    public struct Outcome: Sendable {
        /// Rows per written file (party name or `labels`).
        public var rows: [String: Int]
        /// Bytes written.
        public var bytes: Int
    }

    /// The options.
    public let options: Options

    /// A generator.
    public init(options: Options) { self.options = options }

    // MARK: - Columns

    /// Shared columns (one value per customer, the same in every file that has the customer).
    enum M: Int, CaseIterable {
        case age, employmentLength, annualIncome, creditHistoryLength, numCreditCards, paymentHistory, latePayments
        case creditInquiries, totalCreditLimit, creditUtilizationRatio, lastLatePaymentDays, numLoanAccounts
        case savingsBalance, checkingBalance, investmentBalance, avgMonthlyTransactions, avgTransactionValue
        case internationalTransactionsRatio, digitalBankingScore, mobileBankingUsage, onlineTransactionsRatio
        case eStatementEnrolled, currentDebt, monthlyExpenses, autoLoanBalance, mortgageBalance, debtToIncomeRatio
    }

    /// How a column is written.
    enum Format {
        case fixed(Int)
        case integer
        case category([String])
    }

    /// A column of a party file: its name, where its value comes from (a shared column or the party's own slot)
    /// and its format.
    struct Column {
        var name: String
        var shared: M?
        var own: Int
        var format: Format
    }

    static let sharedFormats: [M: (String, Format)] = [
        .age: ("age", .fixed(4)), .employmentLength: ("employment_length", .fixed(1)),
        .annualIncome: ("annual_income", .fixed(2)), .creditHistoryLength: ("credit_history_length", .fixed(1)),
        .numCreditCards: ("num_credit_cards", .integer), .paymentHistory: ("payment_history", .fixed(4)),
        .latePayments: ("late_payments", .integer), .creditInquiries: ("credit_inquiries", .integer),
        .totalCreditLimit: ("total_credit_limit", .fixed(2)),
        .creditUtilizationRatio: ("credit_utilization_ratio", .fixed(4)),
        .lastLatePaymentDays: ("last_late_payment_days", .fixed(1)),
        .numLoanAccounts: ("num_loan_accounts", .integer), .savingsBalance: ("savings_balance", .fixed(2)),
        .checkingBalance: ("checking_balance", .fixed(2)), .investmentBalance: ("investment_balance", .fixed(2)),
        .avgMonthlyTransactions: ("avg_monthly_transactions", .fixed(1)),
        .avgTransactionValue: ("avg_transaction_value", .fixed(2)),
        .internationalTransactionsRatio: ("international_transactions_ratio", .fixed(4)),
        .digitalBankingScore: ("digital_banking_score", .fixed(4)),
        .mobileBankingUsage: ("mobile_banking_usage", .fixed(4)),
        .onlineTransactionsRatio: ("online_transactions_ratio", .fixed(4)),
        .eStatementEnrolled: ("e_statement_enrolled", .integer), .currentDebt: ("current_debt", .fixed(2)),
        .monthlyExpenses: ("monthly_expenses", .fixed(2)), .autoLoanBalance: ("auto_loan_balance", .fixed(2)),
        .mortgageBalance: ("mortgage_balance", .fixed(2)), .debtToIncomeRatio: ("debt_to_income_ratio", .fixed(4)),
    ]

    static let booleans = ["False", "True"]

    /// The party's own columns, in slot order (the slots ``ownColumns(_:_:_:into:)`` fills).
    static let ownFormats: [String: [(String, Format)]] = [
        "auto_loans": [
            ("auto_loan_limit", .integer), ("loan_eligible", .category(booleans)), ("risk_score", .fixed(4)),
            (
                "risk_category",
                .category(["Very High Risk", "High Risk", "Moderate Risk", "Low Risk", "Very Low Risk"])
            ),
            ("max_loan_term", .integer), ("interest_rate", .fixed(3)),
        ],
        "digital_savings": [
            ("digital_activity_score", .fixed(2)), ("monthly_digital_transactions", .fixed(1)),
            ("total_wealth", .fixed(2)), ("net_worth", .fixed(2)), ("credit_efficiency", .fixed(3)),
            ("financial_stability_score", .fixed(2)),
            ("customer_category", .category(["Regular", "Preferred", "VIP"])),
        ],
        "home_loans": [
            ("max_loan_amount", .integer), ("loan_eligible", .category(booleans)), ("loan_to_value_ratio", .fixed(3)),
            ("estimated_property_value", .integer), ("min_down_payment_pct", .fixed(3)),
            ("required_down_payment", .integer), ("available_down_payment_funds", .integer),
            ("mortgage_risk_score", .fixed(2)),
            (
                "risk_category",
                .category(["Very High Risk", "High Risk", "Acceptable Risk", "Good Risk", "Excellent Risk"])
            ),
            ("interest_rate", .fixed(3)), ("loan_term_years", .integer),
            ("recommended_loan_type", .category(["FHA", "VA/USDA Eligible", "Hard Money/Alternative"])),
            ("estimated_monthly_payment", .integer), ("dti_after_mortgage", .fixed(3)),
        ],
        "credit_card": [
            ("credit_card_limit", .integer), ("card_eligible", .category(booleans)),
            ("card_tier", .category(["Secured", "Basic", "Silver", "Gold", "Platinum"])), ("apr", .fixed(2)),
            ("annual_fee", .integer),
            ("utilization_impact", .category(["Low Impact", "Medium Impact", "High Impact"])),
            ("total_available_credit", .fixed(2)), ("credit_to_income_ratio", .fixed(3)), ("risk_score", .fixed(1)),
            (
                "risk_category",
                .category(["Very High Risk", "High Risk", "Moderate Risk", "Low Risk", "Very Low Risk"])
            ),
            ("rewards_eligible", .category(["No", "Yes"])), ("cash_advance_limit", .fixed(1)),
        ],
    ]

    static let sharedOrder: [M] = [
        .annualIncome, .paymentHistory, .employmentLength, .debtToIncomeRatio, .age, .creditHistoryLength,
        .numCreditCards, .numLoanAccounts, .totalCreditLimit, .creditUtilizationRatio, .latePayments,
        .creditInquiries, .currentDebt, .monthlyExpenses, .autoLoanBalance, .mortgageBalance, .investmentBalance,
        .lastLatePaymentDays, .savingsBalance, .checkingBalance,
    ]

    /// The shared columns of each party's file, in the replaced system's column order.
    static func sharedColumns(_ party: String) -> [M] {
        let balances: [M] = [.savingsBalance, .checkingBalance, .investmentBalance]
        switch party {
        case "auto_loans": return sharedOrder
        case "digital_savings":
            return [.annualIncome] + balances + [
                .paymentHistory, .age, .employmentLength, .avgMonthlyTransactions, .avgTransactionValue,
                .digitalBankingScore, .mobileBankingUsage, .onlineTransactionsRatio, .internationalTransactionsRatio,
                .eStatementEnrolled, .monthlyExpenses, .totalCreditLimit, .creditUtilizationRatio, .numCreditCards,
                .creditHistoryLength, .currentDebt, .autoLoanBalance, .mortgageBalance,
            ]
        case "home_loans":
            return Array(sharedOrder[..<14]) + balances + [.mortgageBalance, .autoLoanBalance, .lastLatePaymentDays]
        default:
            return Array(sharedOrder[..<14]) + balances + [.autoLoanBalance, .mortgageBalance, .lastLatePaymentDays]
        }
    }

    /// The columns of a party's file (after the key).
    static func columns(_ party: String) -> [Column] {
        let shared = sharedColumns(party).map { m in
            Column(name: sharedFormats[m]!.0, shared: m, own: -1, format: sharedFormats[m]!.1)
        }
        let own = (ownFormats[party] ?? []).enumerated().map { i, entry in
            Column(name: entry.0, shared: nil, own: i, format: entry.1)
        }
        return shared + own
    }

    /// The column names of a party's file (after the key), for the trainer.
    public static func columnNames(_ party: String) -> [String] { columns(party).map(\.name) }

    /// The category texts of a party's column, or nil for a numeric column.
    public static func categories(_ party: String, _ column: String) -> [String]? {
        guard let entry = ownFormats[party]?.first(where: { $0.0 == column }), case .category(let labels) = entry.1
        else { return nil }
        return labels
    }

    // MARK: - Values

    /// Customer `i`'s shared columns.
    func shared(_ i: UInt64, into c: inout [Double]) {
        var r = RandomStream(seed: options.seed, customer: i, stream: 0)
        func clip(_ x: Double, _ lo: Double, _ hi: Double) -> Double { min(max(x, lo), hi) }
        func round(_ x: Double, _ d: Double) -> Double { (x * d).rounded() / d }
        let age = clip(r.normal(50, 15), 21.03, 85)
        c[M.age.rawValue] = age
        c[M.employmentLength.rawValue] = round(min(clip(r.gamma(2, 8.5), 0.1, max(age - 18, 0.1)), 45), 10)
        let income = round(r.lognormal(60_000, 0.6, 15_000, 1_000_000), 100)
        c[M.annualIncome.rawValue] = income
        c[M.creditHistoryLength.rawValue] = round(max(min(r.gamma(2.5, 4.8), min(age - 18, 40)), 0), 10)
        c[M.numCreditCards.rawValue] = Double(min(r.poisson(2.8), 15))
        c[M.paymentHistory.rawValue] = clip(100 * r.beta(3, 2) - 100 * options.shift, 0.7628, 99.96)
        c[M.latePayments.rawValue] = Double(min(r.poisson(1.2), 9))
        c[M.creditInquiries.rawValue] = Double(min(r.poisson(1.0), 8))
        c[M.totalCreditLimit.rawValue] = round(r.lognormal(25_000, 0.8, 1_000, 750_000), 100)
        c[M.creditUtilizationRatio.rawValue] = clip(r.beta(2, 2.67) + options.shift, 0, 0.9991)
        c[M.lastLatePaymentDays.rawValue] = (365 * r.beta(1.3, 1.75)).rounded()
        c[M.numLoanAccounts.rawValue] = Double(min(r.poisson(1.8), 8))
        c[M.savingsBalance.rawValue] = round(r.lognormal(8_000, 1.1, 63.28, 1_242_096), 100)
        c[M.checkingBalance.rawValue] = round(r.lognormal(2_500, 1.05, 29.75, 200_000), 100)
        c[M.investmentBalance.rawValue] = round(r.lognormal(4_000, 1.35, 2.4, 3_000_000), 100)
        c[M.avgMonthlyTransactions.rawValue] = clip(r.gamma(3, 18.3), 2.5, 238.2)
        c[M.avgTransactionValue.rawValue] = r.lognormal(50, 0.7, 3.04, 873.5)
        c[M.internationalTransactionsRatio.rawValue] = clip(r.beta(1.2, 4.8), 0.0002, 0.835)
        c[M.digitalBankingScore.rawValue] = clip(100 * r.beta(4, 1.6), 6.008, 99.98)
        c[M.mobileBankingUsage.rawValue] = clip(100 * r.beta(3, 1.5), 1.054, 99.97)
        c[M.onlineTransactionsRatio.rawValue] = clip(r.beta(4, 2), 0.0345, 0.9995)
        c[M.eStatementEnrolled.rawValue] = r.uniform() < 0.8 ? 1 : 0
        c[M.currentDebt.rawValue] = round(r.lognormal(25_000, 0.95, 109, 3_446_789), 100)
        c[M.monthlyExpenses.rawValue] = round(clip(income / 12 * r.normal(0.6, 0.15), 127.6, 77_975), 100)
        c[M.autoLoanBalance.rawValue] = round(r.lognormal(15_000, 0.85, 0.09, 150_000), 100)
        let noMortgage = r.uniform() < 0.03
        let mortgage = r.lognormal(150_000, 0.85, 0.01, 2_000_000)
        c[M.mortgageBalance.rawValue] = noMortgage ? 0 : round(mortgage, 100)
        c[M.debtToIncomeRatio.rawValue] = clip(r.beta(4.5, 1.95), 0.0503, 1)
    }

    /// The 77th and 99th percentiles of total wealth (savings + checking + investments): the digital bank's
    /// Regular / Preferred / VIP bands, computed from the distribution (not the batch), so every batch agrees.
    static let wealthBands: (Double, Double) = {
        var sample: [Double] = []
        var c = [Double](repeating: 0, count: M.allCases.count)
        let g = Generator(options: Options(customers: 1))
        for i in 0..<20_000 {
            g.shared(UInt64(i) | (1 << 40), into: &c)
            sample.append(
                c[M.savingsBalance.rawValue] + c[M.checkingBalance.rawValue] + c[M.investmentBalance.rawValue])
        }
        sample.sort()
        return (sample[15_400], sample[19_800])
    }()

    /// Party `party`'s own columns for customer `i` (c: the customer's shared columns).
    func ownColumns(_ party: Int, _ i: UInt64, _ c: [Double], into o: inout [Double]) {
        var r = RandomStream(seed: options.seed, customer: i, stream: UInt64(party + 1))
        func clip(_ x: Double, _ lo: Double, _ hi: Double) -> Double { min(max(x, lo), hi) }
        func band(_ x: Double, _ edges: [Double]) -> Double { Double(edges.firstIndex { x < $0 } ?? edges.count) }
        let income = c[M.annualIncome.rawValue]
        switch party {
        case 0:
            let risk = clip(
                0.25 * c[M.paymentHistory.rawValue] + 20 * (1 - c[M.debtToIncomeRatio.rawValue]) + r.normal(38, 6),
                25.19, 87.9)
            o[0] = clip((income * 2.17 * exp(0.3 * r.normal()) / 1000).rounded() * 1000, 3_000, 4_400_000)
            o[1] = risk + r.normal(0, 6) > 52 ? 1 : 0
            o[2] = risk
            o[3] = band(risk, [30, 48, 65, 80])
            o[4] = [36, 48, 60, 72, 84][r.choice([0.1, 0.15, 0.4, 0.2, 0.15])]
            o[5] = clip(12.09 + 0.2 * (59.4 - risk) + r.normal(), 7.805, 17.21)
        case 1:
            let wealth =
                c[M.savingsBalance.rawValue] + c[M.checkingBalance.rawValue] + c[M.investmentBalance.rawValue]
            o[0] = clip(
                0.5 * (c[M.digitalBankingScore.rawValue] + c[M.mobileBankingUsage.rawValue]) + r.normal(0, 5), 23.78,
                97.89)
            o[1] = clip(c[M.avgMonthlyTransactions.rawValue] * c[M.onlineTransactionsRatio.rawValue], 0.8, 218.8)
            o[2] = wealth
            o[3] = wealth - c[M.currentDebt.rawValue] - c[M.mortgageBalance.rawValue] - c[M.autoLoanBalance.rawValue]
            o[4] = clip(1 - c[M.creditUtilizationRatio.rawValue], 0.001, 1)
            o[5] = clip(r.normal(57.3, 15), 0, 100)
            o[6] = band(wealth, [Self.wealthBands.0, Self.wealthBands.1])
        case 2:
            let ltv = [0.9, 0.95, 0.965, 0.97][r.choice([0.2, 0.35, 0.25, 0.2])]
            let amount = clip((income * 2.4 / 1000).rounded() * 1000, 25_000, 4_728_000)
            let value = (amount / ltv / 1000).rounded() * 1000
            let downPct = [0.035, 0.05, 0.1][r.choice([0.45, 0.2, 0.35])]
            let risk = clip(r.normal(57.8, 9), 22.36, 90.02)
            let rate = clip(9.88 + 0.08 * (57.8 - risk) + r.normal(0, 0.5), 7.298, 12)
            let years = [15.0, 20, 30][r.choice([0.1, 0.08, 0.82])]
            let monthly = rate / 1200
            let payment = (amount * monthly / (1 - pow(1 + monthly, -12 * years))).rounded()
            o[0] = amount
            o[1] = r.uniform() < 0.69 ? 1 : 0
            o[2] = ltv
            o[3] = value
            o[4] = downPct
            o[5] = (value * downPct).rounded()
            o[6] = max(
                (0.93
                    * (c[M.savingsBalance.rawValue] + c[M.checkingBalance.rawValue]
                        + c[M.investmentBalance.rawValue]))
                    .rounded(), 856)
            o[7] = risk
            o[8] = band(risk, [40, 54, 72, 88])
            o[9] = rate
            o[10] = years
            o[11] = Double(r.choice([0.6, 0.24, 0.16]))
            o[12] = payment
            o[13] = clip((c[M.currentDebt.rawValue] * 0.36 + 12 * payment) / income, 0.015, 138.3)
        default:
            let tier = r.choice([0.30, 0.36, 0.31, 0.028, 0.002])
            let limit = clip((income * 0.12 * exp(0.3 * r.normal()) / 100).rounded() * 100, 400, 100_000)
            let risk = clip(r.normal(60.6, 9), 20, 92.3)
            let util = c[M.creditUtilizationRatio.rawValue]
            o[0] = limit
            o[1] = r.uniform() < 0.87 ? 1 : 0
            o[2] = Double(tier)
            o[3] = [29.99, 24.99, 21.99, 17.99, 9.99][tier]
            o[4] = [0.0, 0, 0, 95, 495][tier]
            o[5] = band(util, [0.13, 0.3])
            o[6] = c[M.totalCreditLimit.rawValue] * (1 - util) + limit * (0.3 + 0.7 * r.uniform())
            o[7] = clip(c[M.totalCreditLimit.rawValue] / income, 0.024, 1.666)
            o[8] = risk
            o[9] = band(risk, [35, 50, 65, 85])
            o[10] = tier >= 3 ? 1 : 0
            o[11] = 0.2 * limit
        }
    }

    /// Which parties know customer `i`: auto loans 80%, digital savings 80%, home loans 75% and the credit card
    /// bank the same customers as home loans; drawn again until at least one knows the customer.
    func membership(_ i: UInt64) -> (Bool, Bool, Bool) {
        var r = RandomStream(seed: options.seed, customer: i, stream: 99)
        while true {
            let m = (r.uniform() < 0.80, r.uniform() < 0.80, r.uniform() < 0.75)
            if m.0 || m.1 || m.2 { return m }
        }
    }

    func knows(_ party: Int, _ m: (Bool, Bool, Bool)) -> Bool {
        switch party {
        case 0: m.0
        case 1: m.1
        default: m.2
        }
    }

    /// The ground truth (documented in docs/synthetic-data.md): a non-linear, noisy function of the customer's
    /// shared columns and of every party's own columns, mapped to 300-850.
    func truth(_ i: UInt64, _ c: [Double], _ own: [[Double]]) -> Double {
        var r = RandomStream(seed: options.seed, customer: i, stream: 77)
        let util = c[M.creditUtilizationRatio.rawValue]
        var z = 2.2 * (c[M.paymentHistory.rawValue] / 100 - 0.6)
        z += 0.35 * log(c[M.annualIncome.rawValue] / 60_000)
        z -= 0.6 * util + 2.5 * max(util - 0.45, 0)
        z -= 0.30 * c[M.latePayments.rawValue] * exp(-c[M.lastLatePaymentDays.rawValue] / 120)
        z -= 1.5 * max(c[M.debtToIncomeRatio.rawValue] - 0.75, 0)
        z += 0.25 * tanh((c[M.creditHistoryLength.rawValue] - 8) / 6)
        z -= 0.10 * c[M.creditInquiries.rawValue]
        z += 0.02 * (own[0][2] - 59.4)  // auto loans: its risk score
        z += 0.01 * (own[1][5] - 57.3) + 0.15 * tanh((c[M.digitalBankingScore.rawValue] - 70) / 15)  // digital
        z += 0.015 * (own[2][7] - 57.8)  // home loans: mortgage risk score
        z += 0.015 * (own[3][8] - 60.6)  // credit card: its risk score
        z += 0.06 * r.normal()
        let score = 300 + 550 / (1 + exp(-(1.1 * z + 1.25)))
        return min(max(score.rounded(), 300), 850)
    }

    // MARK: - Writing

    /// Customers generated per window: each window's values are computed once (in parallel), then every file writes
    /// the window's rows in its own keyed order.
    static let window = 2048

    /// One window's values: per customer the shared columns, every party's own columns, membership and the truth.
    /// Raw buffers, allocated once: threads write disjoint customers of them at the same time.
    final class Window: @unchecked Sendable {
        let sharedWidth = M.allCases.count
        var start: UInt64 = 0
        var count = 0
        let shared: UnsafeMutablePointer<Double>
        let own: UnsafeMutablePointer<Double>
        let member: UnsafeMutablePointer<UInt8>
        let truth: UnsafeMutablePointer<Double>

        init() {
            shared = .allocate(capacity: Generator.window * M.allCases.count)
            own = .allocate(capacity: Generator.window * 4 * 14)
            member = .allocate(capacity: Generator.window)
            truth = .allocate(capacity: Generator.window)
        }

        deinit {
            shared.deallocate()
            own.deallocate()
            member.deallocate()
            truth.deallocate()
        }
    }

    /// An open output file with its byte buffer.
    final class Output: @unchecked Sendable {
        let party: Int
        let path: String
        let writer: BufferedFileWriter
        let buffer = ByteBuffer(capacity: 1 << 20)
        var rows = 0
        var bytes = 0

        init(party: Int, path: String) throws {
            self.party = party
            self.path = path
            writer = try BufferedFileWriter(path: path + ".part")
        }

        func drain() throws {
            try writer.write(buffer.bytes)
            bytes += buffer.count
            buffer.removeAll()
        }
    }

    /// Writes the batch into `directory`: the shards (each `.part` then renamed), `labels.csv`, then
    /// `manifest.json` last.
    ///
    /// - Throws: ``SystemError`` when a file cannot be written.
    public func write(to directory: String) throws -> Outcome {
        try FileIO.makeDirectories(directory)
        let jobs = options.parties.compactMap { Self.parties.firstIndex(of: $0) } + (options.labels ? [-1] : [])
        let outputs = try jobs.map { party in
            try Output(party: party, path: directory + "/" + (party < 0 ? "labels" : Self.parties[party]) + ".csv")
        }
        for output in outputs { writeHeader(output) }
        let window = Window()
        let failure = Mutex<(any Error)?>(nil)
        let threads = max(1, options.threads)
        var start = 0
        while start < options.customers {
            window.start = UInt64(start)
            window.count = min(Self.window, options.customers - start)
            // Values, in parallel over slices of the window.
            let slice = (window.count + threads - 1) / threads
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var c = [Double](repeating: 0, count: M.allCases.count)
                var own = (0..<4).map { p in [Double](repeating: 0, count: Self.ownFormats[Self.parties[p]]!.count) }
                for k in (t * slice)..<min((t + 1) * slice, window.count) {
                    let i = window.start + UInt64(k)
                    shared(i, into: &c)
                    for p in 0..<4 { ownColumns(p, i, c, into: &own[p]) }
                    let m = membership(i)
                    window.member[k] = (m.0 ? 1 : 0) | (m.1 ? 2 : 0) | (m.2 ? 12 : 0)
                    window.truth[k] = truth(i, c, own)
                    for j in 0..<c.count { window.shared[k * c.count + j] = c[j] }
                    for p in 0..<4 { for j in 0..<own[p].count { window.own[(k * 4 + p) * 14 + j] = own[p][j] } }
                }
            }
            // Rows, one file per thread.
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: min(threads, outputs.count)) { _ in
                while true {
                    let j = next.add(1, ordering: .relaxed).oldValue
                    guard j < outputs.count else { return }
                    do { try writeRows(outputs[j], window) } catch {
                        failure.withLock { first in if first == nil { first = error } }
                    }
                }
            }
            if let error = failure.withLock({ $0 }) { throw error }
            start += window.count
        }
        var rows: [String: Int] = [:]
        var bytes = 0
        for output in outputs {
            try output.drain()
            try output.writer.close(sync: false)
            try FileIO.rename(output.path + ".part", to: output.path)
            rows[output.party < 0 ? "labels" : Self.parties[output.party]] = output.rows
            bytes += output.bytes
        }
        var manifest = "{\"batch\": "
        JSONValue.quote(options.batch ?? "gen-\(options.customers)-s\(options.seed)", into: &manifest)
        manifest += ", \"parties\": ["
        manifest += options.parties.filter { Self.parties.contains($0) }.map { "\"\($0)\"" }.joined(separator: ", ")
        manifest += "], \"rows\": {"
        manifest += options.parties.compactMap { p in rows[p].map { "\"\(p)\": \($0)" } }.joined(separator: ", ")
        manifest += "}}\n"
        try FileIO.writeAtomically(directory + "/manifest.json", Array(manifest.utf8))
        return Outcome(rows: rows, bytes: bytes)
    }

    private func writeHeader(_ output: Output) {
        let header: [String]
        if output.party < 0 {
            header = ["tax_id", "credit_score"]
        } else {
            header =
                ["tax_id"] + Self.columns(Self.parties[output.party]).map(\.name)
                + (options.scoreColumn ? ["credit_score"] : [])
        }
        output.buffer.append(Array(header.joined(separator: ",").utf8))
        output.buffer.append(10)
    }

    /// Appends one window's rows of a file, in the file's own order within the window (labels in customer order).
    private func writeRows(_ output: Output, _ window: Window) throws {
        let party = output.party
        let columns = party < 0 ? [] : Self.columns(Self.parties[party])
        let keys = Permutation(size: 1_000_000_000, key: options.seed)
        let order = Permutation(
            size: UInt64(window.count), key: options.seed &+ window.start &* 31 &+ UInt64(party + 2) &* 0x1234_5679)
        let emptyThreshold = UInt64(options.emptyShare * 0x1p64.nextDown)
        let bit: UInt8 = party < 0 ? 0 : [1, 2, 4, 8][party]
        let sw = window.sharedWidth
        // The columns as a flat plan: source (>= 0 a shared column, < 0 the party's own slot -1-source) and format
        // (>= 0 decimals, -1 integer, <= -2 category list -2-format).
        var labels: [[[UInt8]]] = []
        let steps: [(source: Int, format: Int)] = columns.map { column in
            let source = column.shared.map(\.rawValue) ?? (-1 - column.own)
            switch column.format {
            case .fixed(let digits): return (source, digits)
            case .integer: return (source, -1)
            case .category(let texts):
                labels.append(texts.map { Array($0.utf8) })
                return (source, -1 - labels.count)
            }
        }
        let plan = UnsafeMutableBufferPointer<(source: Int, format: Int)>.allocate(capacity: max(steps.count, 1))
        defer { plan.deallocate() }
        _ = plan.initialize(from: steps)
        let buffer = output.buffer
        var rows = 0
        let shared = window.shared
        let own = window.own
        for position in 0..<window.count {
            let k = party < 0 ? position : Int(order(UInt64(position)))
            if party >= 0 && window.member[k] & bit == 0 { continue }
            let i = window.start + UInt64(k)
            buffer.appendKey(keys(i))
            if party < 0 {
                buffer.append(44)
                buffer.appendInteger(Int(window.truth[k]))
            } else {
                var empties = RandomStream(seed: options.seed, customer: i, stream: UInt64(10 + party))
                let sharedRow = shared + k * sw
                let ownRow = own + (k * 4 + party) * 14
                for c in 0..<plan.count {
                    buffer.append(44)
                    if empties.next() < emptyThreshold { continue }
                    let step = plan[c]
                    let value = step.source >= 0 ? sharedRow[step.source] : ownRow[-1 - step.source]
                    if step.format >= 0 {
                        buffer.appendFixed(value, digits: step.format)
                    } else if step.format == -1 {
                        buffer.appendInteger(Int(value.rounded()))
                    } else {
                        let text = labels[-2 - step.format][Int(value)]
                        buffer.append(text)
                    }
                }
                if options.scoreColumn {
                    buffer.append(44)
                    buffer.appendInteger(Int(window.truth[k]))
                }
            }
            buffer.append(10)
            rows += 1
        }
        output.rows += rows
        if buffer.count > (1 << 19) { try output.drain() }
    }
}

extension ByteBuffer {
    /// `NNN-NN-NNNN` from a number below 10^9.
    @inline(__always)
    fileprivate func appendKey(_ value: UInt64) {
        appendRaw(maximum: 11) { out in
            var v = value
            var k = 10
            while k >= 0 {
                if k == 3 || k == 6 {
                    out[k] = UInt8(ascii: "-")
                } else {
                    out[k] = UInt8(ascii: "0") &+ UInt8(v % 10)
                    v /= 10
                }
                k -= 1
            }
            return 11
        }
    }
}
