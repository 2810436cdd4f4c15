/// Reason codes and plain-English texts for the features of the four banks' shards.
///
/// Customer attributes that several banks hold (income, utilization, ...) share one code, so their contributions
/// add up into one reason; a bank's own columns have codes of their own. Texts state the direction that lowers
/// the score, learned from the data (a feature whose higher values go with higher scores reads "... is low").
enum ReasonTexts {
    enum Kind {
        case number
        case boolean
        case category
    }

    /// Shared customer attributes: column → (code, phrase).
    static let shared: [String: (String, String)] = [
        "annual_income": ("C01", "Income"), "payment_history": ("C02", "Payment history score"),
        "employment_length": ("C03", "Time in employment"), "debt_to_income_ratio": ("C04", "Debt-to-income ratio"),
        "age": ("C05", "Age"), "credit_history_length": ("C06", "Length of credit history"),
        "num_credit_cards": ("C07", "Number of credit cards"), "num_loan_accounts": ("C08", "Number of loan accounts"),
        "total_credit_limit": ("C09", "Total credit limit"), "credit_utilization_ratio": ("C10", "Credit utilization"),
        "late_payments": ("C11", "Number of late payments"), "credit_inquiries": ("C12", "Number of credit inquiries"),
        "current_debt": ("C13", "Current debt"), "monthly_expenses": ("C14", "Monthly expenses"),
        "auto_loan_balance": ("C15", "Auto loan balance"), "mortgage_balance": ("C16", "Mortgage balance"),
        "investment_balance": ("C17", "Investment balance"),
        "last_late_payment_days": ("C18", "Time since the last late payment"),
        "savings_balance": ("C19", "Savings balance"), "checking_balance": ("C20", "Checking balance"),
        "avg_monthly_transactions": ("C21", "Monthly transactions"),
        "avg_transaction_value": ("C22", "Average transaction value"),
        "international_transactions_ratio": ("C23", "Share of international transactions"),
        "digital_banking_score": ("C24", "Digital banking score"),
        "mobile_banking_usage": ("C25", "Mobile banking usage"),
        "online_transactions_ratio": ("C26", "Share of online transactions"),
        "e_statement_enrolled": ("C27", "Enrolled in e-statements"),
    ]

    /// A bank's own columns: column → phrase (the code is the bank's prefix and the column's position).
    static let own: [String: [(String, String)]] = [
        "auto_loans": [
            ("auto_loan_limit", "Auto loan limit"), ("loan_eligible", "Eligible for an auto loan"),
            ("risk_score", "Auto lender's risk score"), ("risk_category", "Auto lender's risk category"),
            ("max_loan_term", "Maximum auto loan term"), ("interest_rate", "Auto loan interest rate"),
        ],
        "digital_savings": [
            ("digital_activity_score", "Digital activity score"),
            ("monthly_digital_transactions", "Monthly digital transactions"), ("total_wealth", "Total wealth"),
            ("net_worth", "Net worth"), ("credit_efficiency", "Unused share of credit"),
            ("financial_stability_score", "Financial stability score"), ("customer_category", "Savings customer tier"),
        ],
        "home_loans": [
            ("max_loan_amount", "Maximum mortgage amount"), ("loan_eligible", "Eligible for a mortgage"),
            ("loan_to_value_ratio", "Loan-to-value ratio"), ("estimated_property_value", "Estimated property value"),
            ("min_down_payment_pct", "Minimum down payment"), ("required_down_payment", "Required down payment"),
            ("available_down_payment_funds", "Funds available for a down payment"),
            ("mortgage_risk_score", "Mortgage lender's risk score"),
            ("risk_category", "Mortgage lender's risk category"),
            ("interest_rate", "Mortgage interest rate"), ("loan_term_years", "Mortgage term"),
            ("recommended_loan_type", "Recommended mortgage type"),
            ("estimated_monthly_payment", "Monthly mortgage payment"),
            ("dti_after_mortgage", "Debt-to-income after the mortgage"),
        ],
        "credit_card": [
            ("credit_card_limit", "Credit card limit"), ("card_eligible", "Eligible for a credit card"),
            ("card_tier", "Credit card tier"), ("apr", "Credit card APR"), ("annual_fee", "Credit card annual fee"),
            ("utilization_impact", "Card utilization impact"), ("total_available_credit", "Available credit"),
            ("credit_to_income_ratio", "Credit-to-income ratio"), ("risk_score", "Card issuer's risk score"),
            ("risk_category", "Card issuer's risk category"), ("rewards_eligible", "Eligible for card rewards"),
            ("cash_advance_limit", "Cash advance limit"),
        ],
    ]

    static let prefixes = ["auto_loans": "AL", "digital_savings": "DS", "home_loans": "HL", "credit_card": "CC"]

    /// The feature's reason code.
    static func code(column: String, party: String) -> String {
        if let list = own[party], let i = list.firstIndex(where: { $0.0 == column }) {
            let n = i + 1
            return (prefixes[party] ?? "P") + (n < 10 ? "0" : "") + "\(n)"
        }
        if let entry = shared[column] { return entry.0 }
        return column
    }

    /// The feature's text for a customer whose score it lowers.
    static func text(column: String, party: String, higherIsBetter: Bool, kind: Kind) -> String {
        let phrase =
            own[party]?.first(where: { $0.0 == column })?.1 ?? shared[column]?.1
            ?? column.replacingUnderscores().capitalizedFirst()
        switch kind {
        case .number: return phrase + (higherIsBetter ? " is low" : " is high")
        case .boolean: return phrase + (higherIsBetter ? ": no" : ": yes")
        case .category: return phrase + " is unfavourable"
        }
    }

    /// "auto loans bank" for a party name.
    static func partyTitle(_ party: String) -> String {
        let names = [
            "auto_loans": "the auto loans bank", "digital_savings": "the digital savings bank",
            "home_loans": "the home loans bank", "credit_card": "the credit card bank",
        ]
        return names[party] ?? party
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
    fileprivate func capitalizedFirst() -> String { prefix(1).uppercased() + dropFirst() }
}
