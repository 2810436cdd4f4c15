#!/usr/bin/env python3
"""The replaced system's own scoring chain, for the benchmark: Keras bottom models cut at their representation
layer, the credit-card XGBoost `apply` -> PCA -> frozen min-max, the Keras top model, on a four-party batch folder,
joined by tax_id (a bank that does not know a customer contributes zeros). Writes tax_id,score sorted by key.

usage: seed_chain.py SAVED_MODELS BATCH_DIR OUT.csv   (tensorflow-cpu 2.15, pandas, scikit-learn 1.6.1, xgboost 3.0.1)
"""
import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

PARTIES = [("auto_loans", "auto_loans_model.keras", "auto_loans_scaler.pkl", "penultimate"),
           ("digital_savings", "digital_bank_model.keras", "digital_bank_scaler.pkl", "penultimate_layer"),
           ("home_loans", "home_loans_model.keras", "home_loans_scaler.pkl", "penultimate")]
MINMAX = (-1450.708, 1182.123)
BATCH = 4096


def main():
    models, batch, out = sys.argv[1:4]
    started = time.time()
    blocks = []
    for party, model_file, scaler_file, layer in PARTIES:
        df = pd.read_csv(os.path.join(batch, party + ".csv"))
        scaler = joblib.load(os.path.join(models, scaler_file))
        x = scaler.transform(df[list(scaler.feature_names_in_)].to_numpy(np.float64)).astype(np.float32)
        full = tf.keras.models.load_model(os.path.join(models, model_file), compile=False)
        cut = tf.keras.Model(full.inputs, full.get_layer(layer).output)
        rep = cut.predict(x, batch_size=BATCH, verbose=0)
        blocks.append(pd.DataFrame(rep, index=df["tax_id"].to_numpy()).add_prefix(party + "_"))
    df = pd.read_csv(os.path.join(batch, "credit_card.csv"))
    bundle = joblib.load(os.path.join(models, "credit_card_xgboost_independent.pkl"))
    scaler, classifier = bundle["scaler"], bundle["classifier"]
    nz = lambda s: s.replace(0, 1)  # noqa: E731
    df["credit_capacity_ratio"] = df["credit_card_limit"] / nz(df["total_credit_limit"])
    df["income_to_limit_ratio"] = df["annual_income"] / nz(df["credit_card_limit"])
    df["debt_service_ratio"] = 0.03 * df["current_debt"] / nz(df["annual_income"] / 12)
    df["risk_adjusted_income"] = df["annual_income"] * df["risk_score"] / 100
    x = scaler.transform(df[list(scaler.feature_names_in_)].to_numpy(np.float64)).astype(np.float32)
    leaves = classifier.apply(x).astype(np.float32)
    pca = joblib.load(os.path.join(models, "credit_card_xgboost_pca.pkl"))
    rep = (pca.transform(leaves) - MINMAX[0]) / (MINMAX[1] - MINMAX[0])
    blocks.append(pd.DataFrame(rep, index=df["tax_id"].to_numpy()).add_prefix("credit_card_"))
    joined = pd.concat(blocks, axis=1, join="outer").fillna(0.0).sort_index()
    top = tf.keras.models.load_model(os.path.join(models, "vfl_automl_xgboost_simple_model.keras"), compile=False)
    scores = top.predict(joined.to_numpy(np.float32), batch_size=BATCH, verbose=0).ravel()
    pd.DataFrame({"tax_id": joined.index, "score": scores}).to_csv(out, index=False, float_format="%.6f")
    print("seed chain: %d customers in %.2f s" % (len(scores), time.time() - started), file=sys.stderr)


if __name__ == "__main__":
    main()
