/// Real `summary.json` files written by `vfl score` (release build, default model), for the redaction tests:
/// `vfl gen --customers N --seed 3` for 1 and 120 customers, and samples/demo (2,000 customers); re-indented.
enum SummaryFixtures {
    static let oneCustomer = #"""
        {
         "batch": "gen-1-s3",
         "model": {
          "id": "f7b669bc10a360db0acbf231531bdd31877c4d5ea3140b0fe5fc1b1fe91a7de5",
          "name": "vfl-default"
         },
         "customers": 1,
         "scored": 1,
         "rejected_customers": 0,
         "rejected_rows": 0,
         "keyless_rows": 0,
         "reject_share": 0,
         "max_reject_share": 0.01,
         "parties": {
          "auto_loans": {
           "input": "features",
           "rows": 1,
           "known": 1,
           "coverage": 1
          },
          "digital_savings": {
           "input": "features",
           "rows": 1,
           "known": 1,
           "coverage": 1
          },
          "home_loans": {
           "input": "features",
           "rows": 1,
           "known": 1,
           "coverage": 1
          },
          "credit_card": {
           "input": "features",
           "rows": 1,
           "known": 1,
           "coverage": 1
          }
         },
         "parties_per_customer": {
          "0": 0,
          "1": 0,
          "2": 0,
          "3": 0,
          "4": 1
         },
         "status": "done",
         "score_histogram": {
          "bin_width": 10,
          "bins": [
           {
            "from": 720,
            "count": 1
           }
          ]
         },
         "drift": {
          "psi": 8.0887,
          "psi_band": "shifted",
          "score_counts": [
           0,
           0,
           0,
           0,
           0,
           0,
           0,
           1,
           0,
           0
          ],
          "features": {
           "auto_loans": {
            "annual_income": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "payment_history": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "employment_length": {
             "csi": 8.3497,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "debt_to_income_ratio": {
             "csi": 8.2924,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "age": {
             "csi": 8.2926,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "credit_history_length": {
             "csi": 8.302,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "num_credit_cards": {
             "csi": 6.667,
             "band": "shifted",
             "counts": [
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "num_loan_accounts": {
             "csi": 6.0905,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0
             ]
            },
            "total_credit_limit": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "credit_utilization_ratio": {
             "csi": 8.2949,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "late_payments": {
             "csi": 6.3509,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0
             ]
            },
            "credit_inquiries": {
             "csi": 5.6947,
             "band": "shifted",
             "counts": [
              0,
              1,
              0
             ]
            },
            "current_debt": {
             "csi": 8.1978,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "monthly_expenses": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "auto_loan_balance": {
             "csi": 8.2933,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "mortgage_balance": {
             "csi": 8.1992,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "investment_balance": {
             "csi": 8.2929,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "last_late_payment_days": {
             "csi": 8.332,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "savings_balance": {
             "csi": 8.2008,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "checking_balance": {
             "csi": 8.2925,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "auto_loan_limit": {
             "csi": 8.2919,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "loan_eligible": {
             "csi": 2.0591,
             "band": "shifted",
             "counts": [
              0,
              1
             ]
            },
            "risk_score": {
             "csi": 8.2928,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "risk_category": {
             "csi": 7.5417,
             "band": "shifted",
             "counts": [
              0,
              0,
              1
             ]
            },
            "max_loan_term": {
             "csi": 8.2576,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1
             ]
            },
            "interest_rate": {
             "csi": 8.1931,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            }
           },
           "digital_savings": {
            "annual_income": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "savings_balance": {
             "csi": 8.2005,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "checking_balance": {
             "csi": 8.2932,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "investment_balance": {
             "csi": 8.2928,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "payment_history": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "age": {
             "csi": 8.2926,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "employment_length": {
             "csi": 8.3524,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "avg_monthly_transactions": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "avg_transaction_value": {
             "csi": 8.2944,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "digital_banking_score": {
             "csi": 8.1953,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "mobile_banking_usage": {
             "csi": 8.2928,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "online_transactions_ratio": {
             "csi": 8.2915,
             "band": "shifted",
             "counts": [
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "international_transactions_ratio": {
             "csi": 8.2926,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "e_statement_enrolled": {
             "csi": 1.6021,
             "band": "shifted",
             "counts": [
              0,
              1
             ]
            },
            "monthly_expenses": {
             "csi": 8.2929,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "total_credit_limit": {
             "csi": 8.2931,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "credit_utilization_ratio": {
             "csi": 8.2922,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "num_credit_cards": {
             "csi": 6.6702,
             "band": "shifted",
             "counts": [
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "credit_history_length": {
             "csi": 8.2997,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "current_debt": {
             "csi": 8.1976,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "auto_loan_balance": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "mortgage_balance": {
             "csi": 8.1972,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "digital_activity_score": {
             "csi": 8.2917,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "monthly_digital_transactions": {
             "csi": 8.1731,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "total_wealth": {
             "csi": 8.2931,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "net_worth": {
             "csi": 8.201,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "credit_efficiency": {
             "csi": 8.3042,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "financial_stability_score": {
             "csi": 8.2943,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "customer_category": {
             "csi": 1.7931,
             "band": "shifted",
             "counts": [
              0,
              1
             ]
            }
           },
           "home_loans": {
            "annual_income": {
             "csi": 8.2932,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "payment_history": {
             "csi": 8.2928,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "employment_length": {
             "csi": 8.3499,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "debt_to_income_ratio": {
             "csi": 8.294,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "age": {
             "csi": 8.2926,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "credit_history_length": {
             "csi": 8.3004,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "num_credit_cards": {
             "csi": 6.676,
             "band": "shifted",
             "counts": [
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "num_loan_accounts": {
             "csi": 6.0829,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0
             ]
            },
            "total_credit_limit": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "credit_utilization_ratio": {
             "csi": 8.2916,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "late_payments": {
             "csi": 6.3448,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0
             ]
            },
            "credit_inquiries": {
             "csi": 5.6953,
             "band": "shifted",
             "counts": [
              0,
              1,
              0
             ]
            },
            "current_debt": {
             "csi": 8.1994,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "monthly_expenses": {
             "csi": 8.2933,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "savings_balance": {
             "csi": 8.1963,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "checking_balance": {
             "csi": 8.2931,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "investment_balance": {
             "csi": 8.2928,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "mortgage_balance": {
             "csi": 8.1944,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "auto_loan_balance": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "last_late_payment_days": {
             "csi": 8.331,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "max_loan_amount": {
             "csi": 8.2888,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "loan_eligible": {
             "csi": 2.6452,
             "band": "shifted",
             "counts": [
              0,
              1
             ]
            },
            "loan_to_value_ratio": {
             "csi": 7.5694,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0
             ]
            },
            "estimated_property_value": {
             "csi": 8.2711,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "min_down_payment_pct": {
             "csi": 4.8544,
             "band": "shifted",
             "counts": [
              1,
              0,
              0
             ]
            },
            "required_down_payment": {
             "csi": 8.3194,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "available_down_payment_funds": {
             "csi": 8.2926,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "mortgage_risk_score": {
             "csi": 8.2029,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "risk_category": {
             "csi": 2.8057,
             "band": "shifted",
             "counts": [
              0,
              0,
              1
             ]
            },
            "interest_rate": {
             "csi": 8.2942,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "loan_term_years": {
             "csi": 1.4242,
             "band": "shifted",
             "counts": [
              0,
              1
             ]
            },
            "recommended_loan_type": {
             "csi": 3.2232,
             "band": "shifted",
             "counts": [
              0,
              1,
              0
             ]
            },
            "estimated_monthly_payment": {
             "csi": 8.2908,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "dti_after_mortgage": {
             "csi": 8.2863,
             "band": "shifted",
             "counts": [
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            }
           },
           "credit_card": {
            "annual_income": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0
             ]
            },
            "payment_history": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "employment_length": {
             "csi": 8.3493,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "debt_to_income_ratio": {
             "csi": 8.2907,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "age": {
             "csi": 8.2931,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "credit_history_length": {
             "csi": 8.3015,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "num_credit_cards": {
             "csi": 6.6781,
             "band": "shifted",
             "counts": [
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "num_loan_accounts": {
             "csi": 6.0805,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0
             ]
            },
            "total_credit_limit": {
             "csi": 8.2925,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "credit_utilization_ratio": {
             "csi": 8.2925,
             "band": "shifted",
             "counts": [
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "late_payments": {
             "csi": 6.3444,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0
             ]
            },
            "credit_inquiries": {
             "csi": 5.6932,
             "band": "shifted",
             "counts": [
              0,
              1,
              0
             ]
            },
            "current_debt": {
             "csi": 8.1949,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "monthly_expenses": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "savings_balance": {
             "csi": 8.2013,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "checking_balance": {
             "csi": 8.2927,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "investment_balance": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0
             ]
            },
            "auto_loan_balance": {
             "csi": 8.293,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0
             ]
            },
            "mortgage_balance": {
             "csi": 8.1975,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "last_late_payment_days": {
             "csi": 8.3323,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "credit_card_limit": {
             "csi": 8.2746,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1
             ]
            },
            "card_eligible": {
             "csi": 0.9899,
             "band": "shifted",
             "counts": [
              0,
              1
             ]
            },
            "card_tier": {
             "csi": 6.5079,
             "band": "shifted",
             "counts": [
              1,
              0,
              0
             ]
            },
            "apr": {
             "csi": 6.4679,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              1
             ]
            },
            "annual_fee": {
             "csi": 0,
             "band": "stable",
             "counts": [
              1
             ]
            },
            "utilization_impact": {
             "csi": 6.983,
             "band": "shifted",
             "counts": [
              0,
              1
             ]
            },
            "total_available_credit": {
             "csi": 8.2928,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "credit_to_income_ratio": {
             "csi": 8.3172,
             "band": "shifted",
             "counts": [
              1,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0
             ]
            },
            "risk_score": {
             "csi": 8.3185,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              1,
              0,
              0,
              0
             ]
            },
            "risk_category": {
             "csi": 3.5679,
             "band": "shifted",
             "counts": [
              0,
              0,
              1,
              0
             ]
            },
            "rewards_eligible": {
             "csi": 0,
             "band": "stable",
             "counts": [
              1
             ]
            },
            "cash_advance_limit": {
             "csi": 8.2743,
             "band": "shifted",
             "counts": [
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              1
             ]
            }
           }
          },
          "shifted": [
           "score",
           "auto_loans.annual_income",
           "auto_loans.payment_history",
           "auto_loans.employment_length",
           "auto_loans.debt_to_income_ratio",
           "auto_loans.age",
           "auto_loans.credit_history_length",
           "auto_loans.num_credit_cards",
           "auto_loans.num_loan_accounts",
           "auto_loans.total_credit_limit",
           "auto_loans.credit_utilization_ratio",
           "auto_loans.late_payments",
           "auto_loans.credit_inquiries",
           "auto_loans.current_debt",
           "auto_loans.monthly_expenses",
           "auto_loans.auto_loan_balance",
           "auto_loans.mortgage_balance",
           "auto_loans.investment_balance",
           "auto_loans.last_late_payment_days",
           "auto_loans.savings_balance",
           "auto_loans.checking_balance",
           "auto_loans.auto_loan_limit",
           "auto_loans.loan_eligible",
           "auto_loans.risk_score",
           "auto_loans.risk_category",
           "auto_loans.max_loan_term",
           "auto_loans.interest_rate",
           "digital_savings.annual_income",
           "digital_savings.savings_balance",
           "digital_savings.checking_balance",
           "digital_savings.investment_balance",
           "digital_savings.payment_history",
           "digital_savings.age",
           "digital_savings.employment_length",
           "digital_savings.avg_monthly_transactions",
           "digital_savings.avg_transaction_value",
           "digital_savings.digital_banking_score",
           "digital_savings.mobile_banking_usage",
           "digital_savings.online_transactions_ratio",
           "digital_savings.international_transactions_ratio",
           "digital_savings.e_statement_enrolled",
           "digital_savings.monthly_expenses",
           "digital_savings.total_credit_limit",
           "digital_savings.credit_utilization_ratio",
           "digital_savings.num_credit_cards",
           "digital_savings.credit_history_length",
           "digital_savings.current_debt",
           "digital_savings.auto_loan_balance",
           "digital_savings.mortgage_balance",
           "digital_savings.digital_activity_score",
           "digital_savings.monthly_digital_transactions",
           "digital_savings.total_wealth",
           "digital_savings.net_worth",
           "digital_savings.credit_efficiency",
           "digital_savings.financial_stability_score",
           "digital_savings.customer_category",
           "home_loans.annual_income",
           "home_loans.payment_history",
           "home_loans.employment_length",
           "home_loans.debt_to_income_ratio",
           "home_loans.age",
           "home_loans.credit_history_length",
           "home_loans.num_credit_cards",
           "home_loans.num_loan_accounts",
           "home_loans.total_credit_limit",
           "home_loans.credit_utilization_ratio",
           "home_loans.late_payments",
           "home_loans.credit_inquiries",
           "home_loans.current_debt",
           "home_loans.monthly_expenses",
           "home_loans.savings_balance",
           "home_loans.checking_balance",
           "home_loans.investment_balance",
           "home_loans.mortgage_balance",
           "home_loans.auto_loan_balance",
           "home_loans.last_late_payment_days",
           "home_loans.max_loan_amount",
           "home_loans.loan_eligible",
           "home_loans.loan_to_value_ratio",
           "home_loans.estimated_property_value",
           "home_loans.min_down_payment_pct",
           "home_loans.required_down_payment",
           "home_loans.available_down_payment_funds",
           "home_loans.mortgage_risk_score",
           "home_loans.risk_category",
           "home_loans.interest_rate",
           "home_loans.loan_term_years",
           "home_loans.recommended_loan_type",
           "home_loans.estimated_monthly_payment",
           "home_loans.dti_after_mortgage",
           "credit_card.annual_income",
           "credit_card.payment_history",
           "credit_card.employment_length",
           "credit_card.debt_to_income_ratio",
           "credit_card.age",
           "credit_card.credit_history_length",
           "credit_card.num_credit_cards",
           "credit_card.num_loan_accounts",
           "credit_card.total_credit_limit",
           "credit_card.credit_utilization_ratio",
           "credit_card.late_payments",
           "credit_card.credit_inquiries",
           "credit_card.current_debt",
           "credit_card.monthly_expenses",
           "credit_card.savings_balance",
           "credit_card.checking_balance",
           "credit_card.investment_balance",
           "credit_card.auto_loan_balance",
           "credit_card.mortgage_balance",
           "credit_card.last_late_payment_days",
           "credit_card.credit_card_limit",
           "credit_card.card_eligible",
           "credit_card.card_tier",
           "credit_card.apr",
           "credit_card.utilization_impact",
           "credit_card.total_available_credit",
           "credit_card.credit_to_income_ratio",
           "credit_card.risk_score",
           "credit_card.risk_category",
           "credit_card.cash_advance_limit"
          ]
         },
         "threads": 2,
         "blas": {
          "core": "Cooperlake",
          "threads_per_worker_thread": 1
         },
         "timings_ms": {
          "read": 11.7,
          "join": 0,
          "score": 25.3,
          "drift": 0.6,
          "write": 0,
          "total": 37.7
         }
        }
        """#
    static let customers120 = #"""
        {
         "batch": "gen-120-s3",
         "model": {
          "id": "f7b669bc10a360db0acbf231531bdd31877c4d5ea3140b0fe5fc1b1fe91a7de5",
          "name": "vfl-default"
         },
         "customers": 120,
         "scored": 120,
         "rejected_customers": 0,
         "rejected_rows": 0,
         "keyless_rows": 0,
         "reject_share": 0,
         "max_reject_share": 0.01,
         "parties": {
          "auto_loans": {
           "input": "features",
           "rows": 96,
           "known": 96,
           "coverage": 0.8
          },
          "digital_savings": {
           "input": "features",
           "rows": 97,
           "known": 97,
           "coverage": 0.8083333333333333
          },
          "home_loans": {
           "input": "features",
           "rows": 91,
           "known": 91,
           "coverage": 0.7583333333333333
          },
          "credit_card": {
           "input": "features",
           "rows": 91,
           "known": 91,
           "coverage": 0.7583333333333333
          }
         },
         "parties_per_customer": {
          "0": 0,
          "1": 8,
          "2": 26,
          "3": 29,
          "4": 57
         },
         "status": "done",
         "score_histogram": {
          "bin_width": 10,
          "bins": [
           {
            "from": 370,
            "count": 3
           },
           {
            "from": 390,
            "count": 1
           },
           {
            "from": 410,
            "count": 1
           },
           {
            "from": 430,
            "count": 2
           },
           {
            "from": 450,
            "count": 1
           },
           {
            "from": 460,
            "count": 1
           },
           {
            "from": 470,
            "count": 1
           },
           {
            "from": 480,
            "count": 3
           },
           {
            "from": 490,
            "count": 2
           },
           {
            "from": 500,
            "count": 1
           },
           {
            "from": 510,
            "count": 2
           },
           {
            "from": 520,
            "count": 2
           },
           {
            "from": 530,
            "count": 4
           },
           {
            "from": 540,
            "count": 5
           },
           {
            "from": 550,
            "count": 5
           },
           {
            "from": 560,
            "count": 6
           },
           {
            "from": 570,
            "count": 4
           },
           {
            "from": 580,
            "count": 4
           },
           {
            "from": 590,
            "count": 2
           },
           {
            "from": 600,
            "count": 4
           },
           {
            "from": 610,
            "count": 2
           },
           {
            "from": 620,
            "count": 6
           },
           {
            "from": 630,
            "count": 4
           },
           {
            "from": 640,
            "count": 3
           },
           {
            "from": 650,
            "count": 2
           },
           {
            "from": 660,
            "count": 7
           },
           {
            "from": 670,
            "count": 6
           },
           {
            "from": 680,
            "count": 6
           },
           {
            "from": 690,
            "count": 6
           },
           {
            "from": 700,
            "count": 2
           },
           {
            "from": 710,
            "count": 5
           },
           {
            "from": 720,
            "count": 4
           },
           {
            "from": 730,
            "count": 6
           },
           {
            "from": 740,
            "count": 3
           },
           {
            "from": 750,
            "count": 3
           },
           {
            "from": 760,
            "count": 1
           }
          ]
         },
         "drift": {
          "psi": 0.2631,
          "psi_band": "shifted",
          "score_counts": [
           13,
           11,
           20,
           12,
           13,
           15,
           12,
           11,
           12,
           1
          ],
          "features": {
           "auto_loans": {
            "annual_income": {
             "csi": 0.0385,
             "band": "stable",
             "counts": [
              10,
              12,
              9,
              9,
              9,
              7,
              8,
              9,
              9,
              14
             ]
            },
            "payment_history": {
             "csi": 0.0501,
             "band": "stable",
             "counts": [
              9,
              10,
              8,
              11,
              11,
              12,
              11,
              11,
              8,
              5
             ]
            },
            "employment_length": {
             "csi": 0.0211,
             "band": "stable",
             "counts": [
              11,
              8,
              10,
              10,
              11,
              9,
              10,
              11,
              9,
              7
             ]
            },
            "debt_to_income_ratio": {
             "csi": 0.1238,
             "band": "watch",
             "counts": [
              9,
              7,
              10,
              5,
              13,
              6,
              8,
              10,
              10,
              18
             ]
            },
            "age": {
             "csi": 0.2029,
             "band": "watch",
             "counts": [
              7,
              6,
              9,
              4,
              11,
              14,
              15,
              16,
              4,
              10
             ]
            },
            "credit_history_length": {
             "csi": 0.131,
             "band": "watch",
             "counts": [
              8,
              11,
              9,
              13,
              5,
              10,
              9,
              11,
              16,
              4
             ]
            },
            "num_credit_cards": {
             "csi": 0.0757,
             "band": "stable",
             "counts": [
              5,
              18,
              28,
              20,
              18,
              7
             ]
            },
            "num_loan_accounts": {
             "csi": 0.046,
             "band": "stable",
             "counts": [
              13,
              29,
              34,
              12,
              8
             ]
            },
            "total_credit_limit": {
             "csi": 0.1512,
             "band": "watch",
             "counts": [
              9,
              8,
              7,
              14,
              8,
              17,
              5,
              8,
              6,
              14
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.0678,
             "band": "stable",
             "counts": [
              6,
              12,
              9,
              6,
              10,
              13,
              8,
              8,
              13,
              11
             ]
            },
            "late_payments": {
             "csi": 0.004,
             "band": "stable",
             "counts": [
              27,
              38,
              20,
              11
             ]
            },
            "credit_inquiries": {
             "csi": 0.0692,
             "band": "stable",
             "counts": [
              25,
              47,
              24
             ]
            },
            "current_debt": {
             "csi": 0.243,
             "band": "watch",
             "counts": [
              9,
              9,
              8,
              1,
              11,
              13,
              9,
              15,
              11,
              10
             ]
            },
            "monthly_expenses": {
             "csi": 0.0704,
             "band": "stable",
             "counts": [
              13,
              11,
              11,
              10,
              5,
              7,
              7,
              11,
              10,
              11
             ]
            },
            "auto_loan_balance": {
             "csi": 0.2104,
             "band": "watch",
             "counts": [
              9,
              14,
              7,
              5,
              12,
              12,
              11,
              10,
              2,
              14
             ]
            },
            "mortgage_balance": {
             "csi": 0.0772,
             "band": "stable",
             "counts": [
              9,
              12,
              11,
              13,
              13,
              7,
              8,
              10,
              8,
              5
             ]
            },
            "investment_balance": {
             "csi": 0.1066,
             "band": "watch",
             "counts": [
              15,
              10,
              11,
              11,
              10,
              13,
              6,
              6,
              5,
              9
             ]
            },
            "last_late_payment_days": {
             "csi": 0.0941,
             "band": "stable",
             "counts": [
              10,
              10,
              9,
              12,
              5,
              15,
              12,
              8,
              5,
              10
             ]
            },
            "savings_balance": {
             "csi": 0.1158,
             "band": "watch",
             "counts": [
              12,
              4,
              11,
              11,
              15,
              10,
              6,
              8,
              7,
              12
             ]
            },
            "checking_balance": {
             "csi": 0.029,
             "band": "stable",
             "counts": [
              10,
              9,
              9,
              7,
              10,
              14,
              11,
              9,
              9,
              8
             ]
            },
            "auto_loan_limit": {
             "csi": 0.0545,
             "band": "stable",
             "counts": [
              11,
              7,
              10,
              11,
              6,
              7,
              10,
              13,
              9,
              12
             ]
            },
            "loan_eligible": {
             "csi": 0.0115,
             "band": "stable",
             "counts": [
              20,
              76
             ]
            },
            "risk_score": {
             "csi": 0.0419,
             "band": "stable",
             "counts": [
              8,
              9,
              12,
              10,
              11,
              10,
              8,
              13,
              9,
              6
             ]
            },
            "risk_category": {
             "csi": 0.0029,
             "band": "stable",
             "counts": [
              8,
              64,
              24
             ]
            },
            "max_loan_term": {
             "csi": 0.0116,
             "band": "stable",
             "counts": [
              11,
              13,
              41,
              16,
              15
             ]
            },
            "interest_rate": {
             "csi": 0.1397,
             "band": "watch",
             "counts": [
              6,
              11,
              10,
              9,
              11,
              17,
              3,
              9,
              10,
              10
             ]
            }
           },
           "digital_savings": {
            "annual_income": {
             "csi": 0.0628,
             "band": "stable",
             "counts": [
              11,
              13,
              6,
              9,
              7,
              8,
              9,
              9,
              11,
              14
             ]
            },
            "savings_balance": {
             "csi": 0.1527,
             "band": "watch",
             "counts": [
              13,
              4,
              13,
              10,
              14,
              9,
              4,
              11,
              7,
              12
             ]
            },
            "checking_balance": {
             "csi": 0.0201,
             "band": "stable",
             "counts": [
              10,
              11,
              10,
              8,
              11,
              12,
              7,
              9,
              9,
              10
             ]
            },
            "investment_balance": {
             "csi": 0.0425,
             "band": "stable",
             "counts": [
              12,
              11,
              11,
              10,
              11,
              12,
              6,
              8,
              8,
              8
             ]
            },
            "payment_history": {
             "csi": 0.0946,
             "band": "stable",
             "counts": [
              9,
              10,
              7,
              9,
              12,
              12,
              15,
              9,
              10,
              4
             ]
            },
            "age": {
             "csi": 0.2626,
             "band": "shifted",
             "counts": [
              6,
              6,
              11,
              2,
              13,
              13,
              14,
              16,
              5,
              11
             ]
            },
            "employment_length": {
             "csi": 0.0398,
             "band": "stable",
             "counts": [
              11,
              11,
              9,
              10,
              8,
              11,
              8,
              14,
              7,
              8
             ]
            },
            "avg_monthly_transactions": {
             "csi": 0.1419,
             "band": "watch",
             "counts": [
              5,
              10,
              10,
              16,
              9,
              4,
              12,
              8,
              13,
              10
             ]
            },
            "avg_transaction_value": {
             "csi": 0.1103,
             "band": "watch",
             "counts": [
              8,
              6,
              13,
              11,
              13,
              6,
              16,
              8,
              6,
              10
             ]
            },
            "digital_banking_score": {
             "csi": 0.0894,
             "band": "stable",
             "counts": [
              11,
              13,
              15,
              9,
              9,
              11,
              7,
              5,
              10,
              7
             ]
            },
            "mobile_banking_usage": {
             "csi": 0.1412,
             "band": "watch",
             "counts": [
              7,
              9,
              12,
              13,
              10,
              14,
              3,
              13,
              7,
              9
             ]
            },
            "online_transactions_ratio": {
             "csi": 0.0911,
             "band": "stable",
             "counts": [
              8,
              4,
              12,
              9,
              12,
              7,
              14,
              11,
              10,
              10
             ]
            },
            "international_transactions_ratio": {
             "csi": 0.1226,
             "band": "watch",
             "counts": [
              7,
              12,
              14,
              12,
              5,
              9,
              8,
              7,
              7,
              16
             ]
            },
            "e_statement_enrolled": {
             "csi": 0.1277,
             "band": "watch",
             "counts": [
              8,
              89
             ]
            },
            "monthly_expenses": {
             "csi": 0.0922,
             "band": "stable",
             "counts": [
              14,
              10,
              7,
              11,
              4,
              8,
              9,
              11,
              12,
              11
             ]
            },
            "total_credit_limit": {
             "csi": 0.0876,
             "band": "stable",
             "counts": [
              8,
              9,
              8,
              12,
              10,
              16,
              8,
              7,
              6,
              13
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.0655,
             "band": "stable",
             "counts": [
              6,
              13,
              12,
              8,
              10,
              10,
              6,
              9,
              10,
              13
             ]
            },
            "num_credit_cards": {
             "csi": 0.0491,
             "band": "stable",
             "counts": [
              6,
              18,
              27,
              22,
              16,
              8
             ]
            },
            "credit_history_length": {
             "csi": 0.081,
             "band": "stable",
             "counts": [
              11,
              9,
              8,
              14,
              6,
              8,
              8,
              12,
              14,
              7
             ]
            },
            "current_debt": {
             "csi": 0.0786,
             "band": "stable",
             "counts": [
              10,
              11,
              7,
              4,
              9,
              12,
              9,
              12,
              12,
              11
             ]
            },
            "auto_loan_balance": {
             "csi": 0.1683,
             "band": "watch",
             "counts": [
              10,
              13,
              5,
              6,
              12,
              13,
              13,
              12,
              3,
              10
             ]
            },
            "mortgage_balance": {
             "csi": 0.0751,
             "band": "stable",
             "counts": [
              10,
              13,
              11,
              10,
              11,
              6,
              8,
              14,
              6,
              8
             ]
            },
            "digital_activity_score": {
             "csi": 0.1717,
             "band": "watch",
             "counts": [
              8,
              19,
              10,
              12,
              5,
              14,
              7,
              9,
              8,
              5
             ]
            },
            "monthly_digital_transactions": {
             "csi": 0.0518,
             "band": "stable",
             "counts": [
              5,
              9,
              11,
              10,
              10,
              9,
              8,
              11,
              11,
              13
             ]
            },
            "total_wealth": {
             "csi": 0.2062,
             "band": "watch",
             "counts": [
              11,
              12,
              7,
              14,
              5,
              17,
              6,
              4,
              7,
              14
             ]
            },
            "net_worth": {
             "csi": 0.0456,
             "band": "stable",
             "counts": [
              8,
              6,
              10,
              14,
              8,
              9,
              11,
              12,
              10,
              9
             ]
            },
            "credit_efficiency": {
             "csi": 0.0441,
             "band": "stable",
             "counts": [
              13,
              11,
              8,
              7,
              10,
              10,
              8,
              11,
              12,
              7
             ]
            },
            "financial_stability_score": {
             "csi": 0.0478,
             "band": "stable",
             "counts": [
              9,
              14,
              12,
              11,
              10,
              8,
              7,
              7,
              10,
              9
             ]
            },
            "customer_category": {
             "csi": 0,
             "band": "stable",
             "counts": [
              22,
              75
             ]
            }
           },
           "home_loans": {
            "annual_income": {
             "csi": 0.1048,
             "band": "watch",
             "counts": [
              12,
              15,
              7,
              6,
              8,
              5,
              10,
              7,
              9,
              12
             ]
            },
            "payment_history": {
             "csi": 0.0988,
             "band": "stable",
             "counts": [
              9,
              11,
              6,
              10,
              11,
              12,
              13,
              8,
              7,
              4
             ]
            },
            "employment_length": {
             "csi": 0.0268,
             "band": "stable",
             "counts": [
              10,
              9,
              9,
              9,
              9,
              10,
              9,
              12,
              8,
              6
             ]
            },
            "debt_to_income_ratio": {
             "csi": 0.1138,
             "band": "watch",
             "counts": [
              8,
              11,
              9,
              5,
              11,
              5,
              13,
              6,
              9,
              14
             ]
            },
            "age": {
             "csi": 0.2132,
             "band": "watch",
             "counts": [
              6,
              7,
              9,
              3,
              10,
              11,
              14,
              16,
              4,
              11
             ]
            },
            "credit_history_length": {
             "csi": 0.1754,
             "band": "watch",
             "counts": [
              10,
              11,
              8,
              15,
              4,
              6,
              10,
              9,
              14,
              4
             ]
            },
            "num_credit_cards": {
             "csi": 0.0682,
             "band": "stable",
             "counts": [
              5,
              15,
              27,
              17,
              19,
              8
             ]
            },
            "num_loan_accounts": {
             "csi": 0.0783,
             "band": "stable",
             "counts": [
              13,
              28,
              33,
              8,
              9
             ]
            },
            "total_credit_limit": {
             "csi": 0.167,
             "band": "watch",
             "counts": [
              6,
              8,
              7,
              17,
              10,
              14,
              8,
              6,
              4,
              11
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.0499,
             "band": "stable",
             "counts": [
              7,
              10,
              8,
              7,
              11,
              12,
              6,
              10,
              8,
              12
             ]
            },
            "late_payments": {
             "csi": 0.019,
             "band": "stable",
             "counts": [
              25,
              37,
              16,
              13
             ]
            },
            "credit_inquiries": {
             "csi": 0.0299,
             "band": "stable",
             "counts": [
              26,
              39,
              26
             ]
            },
            "current_debt": {
             "csi": 0.0908,
             "band": "stable",
             "counts": [
              10,
              9,
              6,
              4,
              9,
              10,
              8,
              14,
              10,
              11
             ]
            },
            "monthly_expenses": {
             "csi": 0.1187,
             "band": "watch",
             "counts": [
              13,
              11,
              13,
              7,
              5,
              6,
              6,
              11,
              7,
              12
             ]
            },
            "savings_balance": {
             "csi": 0.1569,
             "band": "watch",
             "counts": [
              13,
              6,
              14,
              11,
              13,
              7,
              4,
              7,
              5,
              11
             ]
            },
            "checking_balance": {
             "csi": 0.0563,
             "band": "stable",
             "counts": [
              10,
              10,
              10,
              8,
              13,
              11,
              5,
              9,
              7,
              8
             ]
            },
            "investment_balance": {
             "csi": 0.129,
             "band": "watch",
             "counts": [
              14,
              7,
              15,
              9,
              8,
              12,
              5,
              5,
              9,
              7
             ]
            },
            "mortgage_balance": {
             "csi": 0.1068,
             "band": "watch",
             "counts": [
              9,
              12,
              10,
              13,
              10,
              5,
              6,
              12,
              9,
              5
             ]
            },
            "auto_loan_balance": {
             "csi": 0.1341,
             "band": "watch",
             "counts": [
              7,
              12,
              9,
              5,
              7,
              11,
              10,
              11,
              4,
              15
             ]
            },
            "last_late_payment_days": {
             "csi": 0.0966,
             "band": "stable",
             "counts": [
              5,
              7,
              11,
              13,
              7,
              10,
              13,
              7,
              6,
              12
             ]
            },
            "max_loan_amount": {
             "csi": 0.1035,
             "band": "watch",
             "counts": [
              12,
              14,
              8,
              6,
              8,
              5,
              8,
              7,
              10,
              13
             ]
            },
            "loan_eligible": {
             "csi": 0.0718,
             "band": "stable",
             "counts": [
              18,
              73
             ]
            },
            "loan_to_value_ratio": {
             "csi": 0.0208,
             "band": "stable",
             "counts": [
              18,
              27,
              28,
              18
             ]
            },
            "estimated_property_value": {
             "csi": 0.1123,
             "band": "watch",
             "counts": [
              13,
              12,
              8,
              7,
              8,
              4,
              9,
              6,
              11,
              13
             ]
            },
            "min_down_payment_pct": {
             "csi": 0.0009,
             "band": "stable",
             "counts": [
              42,
              18,
              31
             ]
            },
            "required_down_payment": {
             "csi": 0.1211,
             "band": "watch",
             "counts": [
              14,
              11,
              6,
              8,
              5,
              10,
              8,
              12,
              5,
              12
             ]
            },
            "available_down_payment_funds": {
             "csi": 0.2009,
             "band": "watch",
             "counts": [
              15,
              12,
              9,
              12,
              5,
              11,
              3,
              6,
              6,
              12
             ]
            },
            "mortgage_risk_score": {
             "csi": 0.0871,
             "band": "stable",
             "counts": [
              11,
              12,
              14,
              9,
              7,
              8,
              6,
              10,
              9,
              5
             ]
            },
            "risk_category": {
             "csi": 0.0669,
             "band": "stable",
             "counts": [
              2,
              40,
              49
             ]
            },
            "interest_rate": {
             "csi": 0.2009,
             "band": "watch",
             "counts": [
              4,
              11,
              3,
              9,
              8,
              15,
              6,
              11,
              14,
              10
             ]
            },
            "loan_term_years": {
             "csi": 0.0011,
             "band": "stable",
             "counts": [
              18,
              73
             ]
            },
            "recommended_loan_type": {
             "csi": 0.1237,
             "band": "watch",
             "counts": [
              17,
              68,
              6
             ]
            },
            "estimated_monthly_payment": {
             "csi": 0.0896,
             "band": "stable",
             "counts": [
              13,
              12,
              6,
              9,
              6,
              5,
              9,
              9,
              10,
              12
             ]
            },
            "dti_after_mortgage": {
             "csi": 0.1427,
             "band": "watch",
             "counts": [
              11,
              5,
              9,
              8,
              7,
              4,
              13,
              8,
              11,
              15
             ]
            }
           },
           "credit_card": {
            "annual_income": {
             "csi": 0.115,
             "band": "watch",
             "counts": [
              12,
              15,
              7,
              6,
              8,
              5,
              8,
              7,
              10,
              13
             ]
            },
            "payment_history": {
             "csi": 0.1319,
             "band": "watch",
             "counts": [
              9,
              12,
              6,
              10,
              11,
              12,
              13,
              8,
              7,
              3
             ]
            },
            "employment_length": {
             "csi": 0.0254,
             "band": "stable",
             "counts": [
              10,
              9,
              9,
              9,
              9,
              9,
              9,
              12,
              9,
              6
             ]
            },
            "debt_to_income_ratio": {
             "csi": 0.1069,
             "band": "watch",
             "counts": [
              8,
              11,
              9,
              5,
              11,
              5,
              13,
              6,
              10,
              13
             ]
            },
            "age": {
             "csi": 0.2132,
             "band": "watch",
             "counts": [
              6,
              7,
              9,
              3,
              10,
              11,
              14,
              16,
              4,
              11
             ]
            },
            "credit_history_length": {
             "csi": 0.1755,
             "band": "watch",
             "counts": [
              10,
              11,
              8,
              15,
              4,
              6,
              10,
              9,
              14,
              4
             ]
            },
            "num_credit_cards": {
             "csi": 0.0686,
             "band": "stable",
             "counts": [
              5,
              15,
              27,
              17,
              19,
              8
             ]
            },
            "num_loan_accounts": {
             "csi": 0.0781,
             "band": "stable",
             "counts": [
              13,
              28,
              33,
              8,
              9
             ]
            },
            "total_credit_limit": {
             "csi": 0.1669,
             "band": "watch",
             "counts": [
              6,
              8,
              7,
              17,
              10,
              14,
              8,
              6,
              4,
              11
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.0499,
             "band": "stable",
             "counts": [
              7,
              10,
              8,
              7,
              11,
              12,
              6,
              10,
              8,
              12
             ]
            },
            "late_payments": {
             "csi": 0.019,
             "band": "stable",
             "counts": [
              25,
              37,
              16,
              13
             ]
            },
            "credit_inquiries": {
             "csi": 0.0394,
             "band": "stable",
             "counts": [
              25,
              40,
              26
             ]
            },
            "current_debt": {
             "csi": 0.0908,
             "band": "stable",
             "counts": [
              10,
              9,
              6,
              4,
              9,
              10,
              8,
              14,
              10,
              11
             ]
            },
            "monthly_expenses": {
             "csi": 0.1041,
             "band": "watch",
             "counts": [
              13,
              11,
              13,
              7,
              5,
              6,
              7,
              11,
              7,
              11
             ]
            },
            "savings_balance": {
             "csi": 0.1571,
             "band": "watch",
             "counts": [
              13,
              6,
              14,
              11,
              13,
              7,
              4,
              7,
              5,
              11
             ]
            },
            "checking_balance": {
             "csi": 0.0573,
             "band": "stable",
             "counts": [
              10,
              10,
              11,
              8,
              13,
              10,
              5,
              9,
              7,
              8
             ]
            },
            "investment_balance": {
             "csi": 0.1462,
             "band": "watch",
             "counts": [
              15,
              6,
              15,
              9,
              8,
              12,
              5,
              5,
              9,
              7
             ]
            },
            "auto_loan_balance": {
             "csi": 0.1341,
             "band": "watch",
             "counts": [
              7,
              12,
              9,
              5,
              7,
              11,
              10,
              11,
              4,
              15
             ]
            },
            "mortgage_balance": {
             "csi": 0.0988,
             "band": "stable",
             "counts": [
              8,
              12,
              10,
              13,
              10,
              5,
              7,
              12,
              9,
              5
             ]
            },
            "last_late_payment_days": {
             "csi": 0.0965,
             "band": "stable",
             "counts": [
              5,
              7,
              11,
              13,
              7,
              10,
              13,
              7,
              6,
              12
             ]
            },
            "credit_card_limit": {
             "csi": 0.0847,
             "band": "stable",
             "counts": [
              12,
              11,
              8,
              7,
              9,
              8,
              8,
              5,
              9,
              14
             ]
            },
            "card_eligible": {
             "csi": 0.0017,
             "band": "stable",
             "counts": [
              11,
              80
             ]
            },
            "card_tier": {
             "csi": 0.0093,
             "band": "stable",
             "counts": [
              31,
              29,
              31
             ]
            },
            "apr": {
             "csi": 0.0172,
             "band": "stable",
             "counts": [
              4,
              27,
              29,
              31
             ]
            },
            "annual_fee": {
             "csi": 0,
             "band": "stable",
             "counts": [
              91
             ]
            },
            "utilization_impact": {
             "csi": 0.0042,
             "band": "stable",
             "counts": [
              66,
              25
             ]
            },
            "total_available_credit": {
             "csi": 0.0827,
             "band": "stable",
             "counts": [
              5,
              15,
              10,
              9,
              6,
              10,
              9,
              11,
              8,
              8
             ]
            },
            "credit_to_income_ratio": {
             "csi": 0.0203,
             "band": "stable",
             "counts": [
              8,
              11,
              9,
              7,
              10,
              8,
              9,
              8,
              11,
              10
             ]
            },
            "risk_score": {
             "csi": 0.0694,
             "band": "stable",
             "counts": [
              9,
              8,
              8,
              14,
              7,
              9,
              7,
              13,
              10,
              6
             ]
            },
            "risk_category": {
             "csi": 0.0154,
             "band": "stable",
             "counts": [
              1,
              11,
              50,
              29
             ]
            },
            "rewards_eligible": {
             "csi": 0,
             "band": "stable",
             "counts": [
              91
             ]
            },
            "cash_advance_limit": {
             "csi": 0.0864,
             "band": "stable",
             "counts": [
              12,
              11,
              8,
              7,
              8,
              7,
              10,
              5,
              9,
              14
             ]
            }
           }
          },
          "shifted": [
           "score",
           "digital_savings.age"
          ]
         },
         "threads": 2,
         "blas": {
          "core": "Cooperlake",
          "threads_per_worker_thread": 1
         },
         "timings_ms": {
          "read": 2,
          "join": 0,
          "score": 11,
          "drift": 4,
          "write": 0,
          "total": 17.1
         }
        }
        """#
    static let demo = #"""
        {
         "batch": "demo",
         "model": {
          "id": "f7b669bc10a360db0acbf231531bdd31877c4d5ea3140b0fe5fc1b1fe91a7de5",
          "name": "vfl-default"
         },
         "customers": 2000,
         "scored": 2000,
         "rejected_customers": 0,
         "rejected_rows": 0,
         "keyless_rows": 0,
         "reject_share": 0,
         "max_reject_share": 0.01,
         "parties": {
          "auto_loans": {
           "input": "features",
           "rows": 1634,
           "known": 1634,
           "coverage": 0.817
          },
          "digital_savings": {
           "input": "features",
           "rows": 1638,
           "known": 1638,
           "coverage": 0.819
          },
          "home_loans": {
           "input": "features",
           "rows": 1522,
           "known": 1522,
           "coverage": 0.761
          },
          "credit_card": {
           "input": "features",
           "rows": 1522,
           "known": 1522,
           "coverage": 0.761
          }
         },
         "parties_per_customer": {
          "0": 0,
          "1": 138,
          "2": 405,
          "3": 460,
          "4": 997
         },
         "status": "done",
         "score_histogram": {
          "bin_width": 10,
          "bins": [
           {
            "from": 340,
            "count": 5
           },
           {
            "from": 350,
            "count": 6
           },
           {
            "from": 360,
            "count": 3
           },
           {
            "from": 370,
            "count": 6
           },
           {
            "from": 380,
            "count": 3
           },
           {
            "from": 390,
            "count": 7
           },
           {
            "from": 400,
            "count": 12
           },
           {
            "from": 410,
            "count": 12
           },
           {
            "from": 420,
            "count": 20
           },
           {
            "from": 430,
            "count": 18
           },
           {
            "from": 440,
            "count": 21
           },
           {
            "from": 450,
            "count": 22
           },
           {
            "from": 460,
            "count": 22
           },
           {
            "from": 470,
            "count": 31
           },
           {
            "from": 480,
            "count": 21
           },
           {
            "from": 490,
            "count": 36
           },
           {
            "from": 500,
            "count": 32
           },
           {
            "from": 510,
            "count": 31
           },
           {
            "from": 520,
            "count": 32
           },
           {
            "from": 530,
            "count": 45
           },
           {
            "from": 540,
            "count": 48
           },
           {
            "from": 550,
            "count": 51
           },
           {
            "from": 560,
            "count": 53
           },
           {
            "from": 570,
            "count": 62
           },
           {
            "from": 580,
            "count": 52
           },
           {
            "from": 590,
            "count": 71
           },
           {
            "from": 600,
            "count": 65
           },
           {
            "from": 610,
            "count": 52
           },
           {
            "from": 620,
            "count": 61
           },
           {
            "from": 630,
            "count": 82
           },
           {
            "from": 640,
            "count": 68
           },
           {
            "from": 650,
            "count": 72
           },
           {
            "from": 660,
            "count": 61
           },
           {
            "from": 670,
            "count": 74
           },
           {
            "from": 680,
            "count": 78
           },
           {
            "from": 690,
            "count": 77
           },
           {
            "from": 700,
            "count": 70
           },
           {
            "from": 710,
            "count": 73
           },
           {
            "from": 720,
            "count": 68
           },
           {
            "from": 730,
            "count": 74
           },
           {
            "from": 740,
            "count": 71
           },
           {
            "from": 750,
            "count": 57
           },
           {
            "from": 760,
            "count": 49
           },
           {
            "from": 770,
            "count": 47
           },
           {
            "from": 780,
            "count": 32
           },
           {
            "from": 790,
            "count": 28
           },
           {
            "from": 800,
            "count": 13
           },
           {
            "from": 810,
            "count": 4
           },
           {
            "from": 820,
            "count": 2
           }
          ]
         },
         "drift": {
          "psi": 0.003,
          "psi_band": "stable",
          "score_counts": [
           209,
           176,
           214,
           240,
           211,
           207,
           155,
           211,
           202,
           175
          ],
          "features": {
           "auto_loans": {
            "annual_income": {
             "csi": 0.0056,
             "band": "stable",
             "counts": [
              184,
              181,
              162,
              165,
              161,
              170,
              152,
              157,
              151,
              151
             ]
            },
            "payment_history": {
             "csi": 0.0073,
             "band": "stable",
             "counts": [
              134,
              166,
              181,
              162,
              175,
              182,
              147,
              160,
              158,
              169
             ]
            },
            "employment_length": {
             "csi": 0.0064,
             "band": "stable",
             "counts": [
              141,
              185,
              140,
              160,
              162,
              192,
              160,
              178,
              161,
              155
             ]
            },
            "debt_to_income_ratio": {
             "csi": 0.0058,
             "band": "stable",
             "counts": [
              173,
              152,
              162,
              169,
              184,
              136,
              170,
              172,
              149,
              167
             ]
            },
            "age": {
             "csi": 0.0042,
             "band": "stable",
             "counts": [
              146,
              169,
              173,
              158,
              152,
              163,
              153,
              168,
              180,
              172
             ]
            },
            "credit_history_length": {
             "csi": 0.0117,
             "band": "stable",
             "counts": [
              137,
              201,
              179,
              140,
              170,
              167,
              163,
              146,
              175,
              156
             ]
            },
            "num_credit_cards": {
             "csi": 0.005,
             "band": "stable",
             "counts": [
              97,
              276,
              393,
              378,
              219,
              271
             ]
            },
            "num_loan_accounts": {
             "csi": 0.0002,
             "band": "stable",
             "counts": [
              277,
              486,
              436,
              261,
              174
             ]
            },
            "total_credit_limit": {
             "csi": 0.0056,
             "band": "stable",
             "counts": [
              172,
              178,
              173,
              169,
              170,
              165,
              165,
              157,
              139,
              146
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.0062,
             "band": "stable",
             "counts": [
              187,
              157,
              178,
              148,
              163,
              169,
              149,
              148,
              159,
              176
             ]
            },
            "late_payments": {
             "csi": 0.0028,
             "band": "stable",
             "counts": [
              456,
              616,
              376,
              186
             ]
            },
            "credit_inquiries": {
             "csi": 0.0018,
             "band": "stable",
             "counts": [
              618,
              615,
              401
             ]
            },
            "current_debt": {
             "csi": 0.0023,
             "band": "stable",
             "counts": [
              167,
              172,
              167,
              145,
              163,
              172,
              153,
              164,
              170,
              161
             ]
            },
            "monthly_expenses": {
             "csi": 0.0127,
             "band": "stable",
             "counts": [
              191,
              168,
              171,
              170,
              131,
              170,
              181,
              149,
              170,
              133
             ]
            },
            "auto_loan_balance": {
             "csi": 0.0112,
             "band": "stable",
             "counts": [
              198,
              172,
              168,
              160,
              170,
              133,
              160,
              145,
              175,
              153
             ]
            },
            "mortgage_balance": {
             "csi": 0.0111,
             "band": "stable",
             "counts": [
              170,
              168,
              192,
              179,
              134,
              163,
              151,
              148,
              152,
              177
             ]
            },
            "investment_balance": {
             "csi": 0.0064,
             "band": "stable",
             "counts": [
              170,
              163,
              185,
              165,
              167,
              158,
              174,
              157,
              162,
              133
             ]
            },
            "last_late_payment_days": {
             "csi": 0.0015,
             "band": "stable",
             "counts": [
              163,
              162,
              156,
              162,
              152,
              176,
              178,
              166,
              160,
              159
             ]
            },
            "savings_balance": {
             "csi": 0.0132,
             "band": "stable",
             "counts": [
              147,
              126,
              166,
              164,
              185,
              141,
              175,
              192,
              166,
              172
             ]
            },
            "checking_balance": {
             "csi": 0.0047,
             "band": "stable",
             "counts": [
              149,
              186,
              163,
              162,
              155,
              172,
              153,
              151,
              179,
              164
             ]
            },
            "auto_loan_limit": {
             "csi": 0.0056,
             "band": "stable",
             "counts": [
              179,
              179,
              159,
              182,
              157,
              144,
              161,
              160,
              152,
              161
             ]
            },
            "loan_eligible": {
             "csi": 0.0004,
             "band": "stable",
             "counts": [
              428,
              1206
             ]
            },
            "risk_score": {
             "csi": 0.0038,
             "band": "stable",
             "counts": [
              166,
              166,
              152,
              181,
              157,
              167,
              154,
              167,
              151,
              173
             ]
            },
            "risk_category": {
             "csi": 0.0001,
             "band": "stable",
             "counts": [
              165,
              1077,
              392
             ]
            },
            "max_loan_term": {
             "csi": 0.0024,
             "band": "stable",
             "counts": [
              172,
              260,
              640,
              308,
              254
             ]
            },
            "interest_rate": {
             "csi": 0.0054,
             "band": "stable",
             "counts": [
              171,
              162,
              168,
              144,
              138,
              171,
              171,
              174,
              174,
              161
             ]
            }
           },
           "digital_savings": {
            "annual_income": {
             "csi": 0.0033,
             "band": "stable",
             "counts": [
              171,
              182,
              157,
              169,
              158,
              172,
              163,
              161,
              155,
              150
             ]
            },
            "savings_balance": {
             "csi": 0.0088,
             "band": "stable",
             "counts": [
              158,
              134,
              169,
              159,
              172,
              143,
              178,
              190,
              168,
              167
             ]
            },
            "checking_balance": {
             "csi": 0.0036,
             "band": "stable",
             "counts": [
              153,
              178,
              166,
              152,
              154,
              187,
              156,
              155,
              172,
              165
             ]
            },
            "investment_balance": {
             "csi": 0.0044,
             "band": "stable",
             "counts": [
              170,
              160,
              181,
              157,
              181,
              161,
              173,
              157,
              157,
              141
             ]
            },
            "payment_history": {
             "csi": 0.0048,
             "band": "stable",
             "counts": [
              145,
              174,
              176,
              164,
              165,
              182,
              154,
              150,
              161,
              167
             ]
            },
            "age": {
             "csi": 0.0095,
             "band": "stable",
             "counts": [
              131,
              168,
              177,
              165,
              150,
              159,
              156,
              165,
              185,
              182
             ]
            },
            "employment_length": {
             "csi": 0.006,
             "band": "stable",
             "counts": [
              136,
              185,
              146,
              163,
              160,
              191,
              159,
              173,
              153,
              172
             ]
            },
            "avg_monthly_transactions": {
             "csi": 0.0116,
             "band": "stable",
             "counts": [
              130,
              167,
              170,
              171,
              162,
              200,
              152,
              156,
              187,
              143
             ]
            },
            "avg_transaction_value": {
             "csi": 0.0121,
             "band": "stable",
             "counts": [
              171,
              193,
              171,
              146,
              126,
              182,
              171,
              163,
              161,
              154
             ]
            },
            "digital_banking_score": {
             "csi": 0.0056,
             "band": "stable",
             "counts": [
              163,
              159,
              194,
              146,
              172,
              157,
              155,
              158,
              175,
              159
             ]
            },
            "mobile_banking_usage": {
             "csi": 0.0053,
             "band": "stable",
             "counts": [
              163,
              156,
              160,
              140,
              187,
              168,
              164,
              163,
              153,
              184
             ]
            },
            "online_transactions_ratio": {
             "csi": 0.0056,
             "band": "stable",
             "counts": [
              159,
              144,
              183,
              182,
              171,
              164,
              159,
              148,
              172,
              156
             ]
            },
            "international_transactions_ratio": {
             "csi": 0.0054,
             "band": "stable",
             "counts": [
              174,
              159,
              160,
              137,
              168,
              183,
              163,
              149,
              175,
              170
             ]
            },
            "e_statement_enrolled": {
             "csi": 0.0001,
             "band": "stable",
             "counts": [
              340,
              1298
             ]
            },
            "monthly_expenses": {
             "csi": 0.0095,
             "band": "stable",
             "counts": [
              189,
              160,
              172,
              168,
              134,
              171,
              187,
              158,
              158,
              141
             ]
            },
            "total_credit_limit": {
             "csi": 0.0059,
             "band": "stable",
             "counts": [
              172,
              175,
              174,
              167,
              169,
              151,
              179,
              162,
              134,
              155
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.0056,
             "band": "stable",
             "counts": [
              188,
              147,
              158,
              149,
              168,
              167,
              156,
              162,
              162,
              181
             ]
            },
            "num_credit_cards": {
             "csi": 0.0048,
             "band": "stable",
             "counts": [
              91,
              280,
              397,
              388,
              220,
              262
             ]
            },
            "credit_history_length": {
             "csi": 0.0066,
             "band": "stable",
             "counts": [
              133,
              190,
              178,
              155,
              162,
              162,
              170,
              152,
              167,
              169
             ]
            },
            "current_debt": {
             "csi": 0.004,
             "band": "stable",
             "counts": [
              156,
              182,
              168,
              147,
              163,
              173,
              148,
              168,
              160,
              173
             ]
            },
            "auto_loan_balance": {
             "csi": 0.0062,
             "band": "stable",
             "counts": [
              185,
              166,
              161,
              176,
              170,
              140,
              173,
              146,
              167,
              154
             ]
            },
            "mortgage_balance": {
             "csi": 0.0116,
             "band": "stable",
             "counts": [
              163,
              157,
              201,
              183,
              131,
              162,
              169,
              156,
              150,
              166
             ]
            },
            "digital_activity_score": {
             "csi": 0.0114,
             "band": "stable",
             "counts": [
              163,
              141,
              163,
              192,
              174,
              134,
              164,
              164,
              191,
              152
             ]
            },
            "monthly_digital_transactions": {
             "csi": 0.0038,
             "band": "stable",
             "counts": [
              153,
              159,
              161,
              156,
              166,
              171,
              180,
              183,
              160,
              149
             ]
            },
            "total_wealth": {
             "csi": 0.0112,
             "band": "stable",
             "counts": [
              152,
              170,
              145,
              134,
              183,
              183,
              178,
              187,
              153,
              153
             ]
            },
            "net_worth": {
             "csi": 0.0038,
             "band": "stable",
             "counts": [
              156,
              162,
              165,
              146,
              166,
              162,
              173,
              178,
              164,
              166
             ]
            },
            "credit_efficiency": {
             "csi": 0.0054,
             "band": "stable",
             "counts": [
              181,
              163,
              158,
              157,
              169,
              166,
              150,
              161,
              144,
              189
             ]
            },
            "financial_stability_score": {
             "csi": 0.0043,
             "band": "stable",
             "counts": [
              143,
              168,
              166,
              176,
              168,
              179,
              155,
              148,
              160,
              175
             ]
            },
            "customer_category": {
             "csi": 0.0006,
             "band": "stable",
             "counts": [
              352,
              1286
             ]
            }
           },
           "home_loans": {
            "annual_income": {
             "csi": 0.0042,
             "band": "stable",
             "counts": [
              169,
              164,
              155,
              152,
              143,
              159,
              146,
              142,
              151,
              141
             ]
            },
            "payment_history": {
             "csi": 0.0061,
             "band": "stable",
             "counts": [
              138,
              150,
              163,
              153,
              150,
              173,
              134,
              143,
              153,
              165
             ]
            },
            "employment_length": {
             "csi": 0.0081,
             "band": "stable",
             "counts": [
              131,
              173,
              126,
              146,
              151,
              184,
              144,
              161,
              147,
              159
             ]
            },
            "debt_to_income_ratio": {
             "csi": 0.0034,
             "band": "stable",
             "counts": [
              170,
              147,
              152,
              159,
              168,
              138,
              149,
              149,
              142,
              148
             ]
            },
            "age": {
             "csi": 0.0036,
             "band": "stable",
             "counts": [
              138,
              159,
              157,
              154,
              138,
              154,
              142,
              156,
              161,
              163
             ]
            },
            "credit_history_length": {
             "csi": 0.0047,
             "band": "stable",
             "counts": [
              139,
              180,
              158,
              149,
              151,
              154,
              142,
              151,
              143,
              155
             ]
            },
            "num_credit_cards": {
             "csi": 0.011,
             "band": "stable",
             "counts": [
              97,
              251,
              382,
              361,
              184,
              247
             ]
            },
            "num_loan_accounts": {
             "csi": 0.0005,
             "band": "stable",
             "counts": [
              261,
              461,
              396,
              245,
              159
             ]
            },
            "total_credit_limit": {
             "csi": 0.0042,
             "band": "stable",
             "counts": [
              155,
              155,
              145,
              163,
              161,
              162,
              153,
              153,
              130,
              145
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.009,
             "band": "stable",
             "counts": [
              168,
              138,
              148,
              140,
              161,
              146,
              149,
              158,
              133,
              181
             ]
            },
            "late_payments": {
             "csi": 0.0012,
             "band": "stable",
             "counts": [
              446,
              571,
              337,
              168
             ]
            },
            "credit_inquiries": {
             "csi": 0.004,
             "band": "stable",
             "counts": [
              598,
              557,
              367
             ]
            },
            "current_debt": {
             "csi": 0.0087,
             "band": "stable",
             "counts": [
              165,
              154,
              156,
              125,
              157,
              167,
              133,
              158,
              137,
              170
             ]
            },
            "monthly_expenses": {
             "csi": 0.0104,
             "band": "stable",
             "counts": [
              177,
              162,
              157,
              152,
              123,
              151,
              168,
              145,
              159,
              128
             ]
            },
            "savings_balance": {
             "csi": 0.0104,
             "band": "stable",
             "counts": [
              147,
              114,
              159,
              164,
              154,
              140,
              166,
              163,
              157,
              158
             ]
            },
            "checking_balance": {
             "csi": 0.0053,
             "band": "stable",
             "counts": [
              143,
              163,
              150,
              154,
              143,
              160,
              151,
              142,
              178,
              138
             ]
            },
            "investment_balance": {
             "csi": 0.004,
             "band": "stable",
             "counts": [
              157,
              148,
              164,
              160,
              144,
              166,
              163,
              142,
              141,
              137
             ]
            },
            "mortgage_balance": {
             "csi": 0.0139,
             "band": "stable",
             "counts": [
              176,
              143,
              179,
              158,
              119,
              151,
              146,
              136,
              148,
              166
             ]
            },
            "auto_loan_balance": {
             "csi": 0.0111,
             "band": "stable",
             "counts": [
              181,
              150,
              150,
              164,
              164,
              123,
              146,
              139,
              163,
              142
             ]
            },
            "last_late_payment_days": {
             "csi": 0.0055,
             "band": "stable",
             "counts": [
              154,
              151,
              167,
              138,
              149,
              160,
              172,
              155,
              141,
              135
             ]
            },
            "max_loan_amount": {
             "csi": 0.0028,
             "band": "stable",
             "counts": [
              164,
              163,
              154,
              155,
              145,
              157,
              146,
              147,
              149,
              142
             ]
            },
            "loan_eligible": {
             "csi": 0.0002,
             "band": "stable",
             "counts": [
              468,
              1054
             ]
            },
            "loan_to_value_ratio": {
             "csi": 0.0016,
             "band": "stable",
             "counts": [
              330,
              510,
              372,
              310
             ]
            },
            "estimated_property_value": {
             "csi": 0.0032,
             "band": "stable",
             "counts": [
              160,
              159,
              158,
              157,
              145,
              150,
              166,
              135,
              153,
              139
             ]
            },
            "min_down_payment_pct": {
             "csi": 0.0012,
             "band": "stable",
             "counts": [
              703,
              294,
              525
             ]
            },
            "required_down_payment": {
             "csi": 0.0082,
             "band": "stable",
             "counts": [
              172,
              143,
              172,
              142,
              137,
              150,
              175,
              139,
              158,
              134
             ]
            },
            "available_down_payment_funds": {
             "csi": 0.0098,
             "band": "stable",
             "counts": [
              144,
              168,
              131,
              133,
              167,
              171,
              154,
              170,
              141,
              143
             ]
            },
            "mortgage_risk_score": {
             "csi": 0.0057,
             "band": "stable",
             "counts": [
              160,
              157,
              179,
              155,
              140,
              157,
              148,
              148,
              141,
              137
             ]
            },
            "risk_category": {
             "csi": 0.0043,
             "band": "stable",
             "counts": [
              39,
              524,
              959
             ]
            },
            "interest_rate": {
             "csi": 0.0125,
             "band": "stable",
             "counts": [
              135,
              138,
              152,
              139,
              153,
              150,
              171,
              174,
              129,
              181
             ]
            },
            "loan_term_years": {
             "csi": 0.0004,
             "band": "stable",
             "counts": [
              292,
              1230
             ]
            },
            "recommended_loan_type": {
             "csi": 0.0008,
             "band": "stable",
             "counts": [
              367,
              901,
              254
             ]
            },
            "estimated_monthly_payment": {
             "csi": 0.0034,
             "band": "stable",
             "counts": [
              163,
              162,
              154,
              144,
              151,
              156,
              149,
              161,
              144,
              138
             ]
            },
            "dti_after_mortgage": {
             "csi": 0.0047,
             "band": "stable",
             "counts": [
              153,
              140,
              142,
              146,
              148,
              166,
              135,
              162,
              171,
              159
             ]
            }
           },
           "credit_card": {
            "annual_income": {
             "csi": 0.0036,
             "band": "stable",
             "counts": [
              168,
              162,
              154,
              152,
              146,
              159,
              145,
              143,
              151,
              142
             ]
            },
            "payment_history": {
             "csi": 0.0059,
             "band": "stable",
             "counts": [
              138,
              152,
              163,
              152,
              151,
              172,
              134,
              144,
              150,
              166
             ]
            },
            "employment_length": {
             "csi": 0.0078,
             "band": "stable",
             "counts": [
              131,
              171,
              127,
              146,
              152,
              186,
              146,
              159,
              146,
              158
             ]
            },
            "debt_to_income_ratio": {
             "csi": 0.0038,
             "band": "stable",
             "counts": [
              170,
              146,
              152,
              158,
              172,
              137,
              147,
              149,
              143,
              148
             ]
            },
            "age": {
             "csi": 0.0043,
             "band": "stable",
             "counts": [
              137,
              160,
              158,
              154,
              136,
              153,
              142,
              157,
              161,
              164
             ]
            },
            "credit_history_length": {
             "csi": 0.0049,
             "band": "stable",
             "counts": [
              137,
              180,
              160,
              150,
              150,
              153,
              143,
              151,
              143,
              155
             ]
            },
            "num_credit_cards": {
             "csi": 0.0101,
             "band": "stable",
             "counts": [
              97,
              251,
              382,
              361,
              186,
              245
             ]
            },
            "num_loan_accounts": {
             "csi": 0.0007,
             "band": "stable",
             "counts": [
              262,
              465,
              395,
              243,
              157
             ]
            },
            "total_credit_limit": {
             "csi": 0.0044,
             "band": "stable",
             "counts": [
              157,
              156,
              144,
              164,
              160,
              161,
              152,
              154,
              130,
              144
             ]
            },
            "credit_utilization_ratio": {
             "csi": 0.009,
             "band": "stable",
             "counts": [
              167,
              140,
              147,
              140,
              161,
              144,
              149,
              158,
              134,
              182
             ]
            },
            "late_payments": {
             "csi": 0.0015,
             "band": "stable",
             "counts": [
              444,
              575,
              336,
              167
             ]
            },
            "credit_inquiries": {
             "csi": 0.0041,
             "band": "stable",
             "counts": [
              599,
              556,
              367
             ]
            },
            "current_debt": {
             "csi": 0.0085,
             "band": "stable",
             "counts": [
              161,
              155,
              156,
              126,
              156,
              171,
              131,
              159,
              138,
              169
             ]
            },
            "monthly_expenses": {
             "csi": 0.0101,
             "band": "stable",
             "counts": [
              178,
              162,
              159,
              150,
              125,
              150,
              165,
              145,
              160,
              128
             ]
            },
            "savings_balance": {
             "csi": 0.0103,
             "band": "stable",
             "counts": [
              148,
              115,
              158,
              162,
              156,
              137,
              167,
              164,
              158,
              157
             ]
            },
            "checking_balance": {
             "csi": 0.0058,
             "band": "stable",
             "counts": [
              145,
              166,
              146,
              153,
              142,
              164,
              148,
              142,
              178,
              138
             ]
            },
            "investment_balance": {
             "csi": 0.0048,
             "band": "stable",
             "counts": [
              157,
              148,
              165,
              163,
              143,
              165,
              164,
              141,
              141,
              135
             ]
            },
            "auto_loan_balance": {
             "csi": 0.0108,
             "band": "stable",
             "counts": [
              180,
              150,
              152,
              164,
              164,
              123,
              148,
              138,
              162,
              141
             ]
            },
            "mortgage_balance": {
             "csi": 0.0137,
             "band": "stable",
             "counts": [
              178,
              144,
              178,
              157,
              120,
              151,
              143,
              137,
              149,
              165
             ]
            },
            "last_late_payment_days": {
             "csi": 0.0053,
             "band": "stable",
             "counts": [
              155,
              150,
              169,
              140,
              149,
              159,
              171,
              153,
              140,
              136
             ]
            },
            "credit_card_limit": {
             "csi": 0.0063,
             "band": "stable",
             "counts": [
              147,
              167,
              140,
              175,
              169,
              140,
              139,
              147,
              157,
              141
             ]
            },
            "card_eligible": {
             "csi": 0,
             "band": "stable",
             "counts": [
              207,
              1315
             ]
            },
            "card_tier": {
             "csi": 0.0021,
             "band": "stable",
             "counts": [
              491,
              546,
              485
             ]
            },
            "apr": {
             "csi": 0.0023,
             "band": "stable",
             "counts": [
              46,
              439,
              553,
              484
             ]
            },
            "annual_fee": {
             "csi": 0,
             "band": "stable",
             "counts": [
              1522
             ]
            },
            "utilization_impact": {
             "csi": 0,
             "band": "stable",
             "counts": [
              1058,
              464
             ]
            },
            "total_available_credit": {
             "csi": 0.0042,
             "band": "stable",
             "counts": [
              167,
              160,
              150,
              160,
              160,
              143,
              149,
              144,
              154,
              135
             ]
            },
            "credit_to_income_ratio": {
             "csi": 0.0047,
             "band": "stable",
             "counts": [
              141,
              159,
              154,
              142,
              161,
              139,
              185,
              145,
              145,
              151
             ]
            },
            "risk_score": {
             "csi": 0.0079,
             "band": "stable",
             "counts": [
              128,
              172,
              149,
              158,
              161,
              169,
              153,
              164,
              130,
              138
             ]
            },
            "risk_category": {
             "csi": 0.0073,
             "band": "stable",
             "counts": [
              5,
              145,
              922,
              450
             ]
            },
            "rewards_eligible": {
             "csi": 0,
             "band": "stable",
             "counts": [
              1522
             ]
            },
            "cash_advance_limit": {
             "csi": 0.0049,
             "band": "stable",
             "counts": [
              144,
              165,
              140,
              174,
              169,
              141,
              145,
              148,
              156,
              140
             ]
            }
           }
          },
          "shifted": []
         },
         "threads": 2,
         "blas": {
          "core": "Cooperlake",
          "threads_per_worker_thread": 1
         },
         "timings_ms": {
          "read": 16,
          "join": 4.2,
          "score": 32.6,
          "drift": 3.6,
          "write": 0,
          "total": 56.4
         }
        }
        """#
}
