"""Generate the bundled synthetic sample datasets (seeded; re-running reproduces them byte for byte).

    python sample_data/make_samples.py

Each sample is built to show one classic imbalance pain; ``samples.json`` describes them and
tells the app which target to pick.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261122


def card_fraud(rng: np.random.Generator, n: int = 5000, n_fraud: int = 100) -> pd.DataFrame:
    """Severe binary imbalance (1:49): fraud is rare and only partly separable."""
    fraud = np.zeros(n, dtype=int)
    fraud[rng.choice(n, n_fraud, replace=False)] = 1
    merchants = np.array(["grocery", "fuel", "online", "travel", "electronics", "restaurant"])
    p_legit = np.array([0.30, 0.15, 0.25, 0.05, 0.07, 0.18])
    p_fraud = np.array([0.05, 0.05, 0.45, 0.15, 0.25, 0.05])
    merchant = np.where(
        fraud == 1,
        rng.choice(merchants, n, p=p_fraud),
        rng.choice(merchants, n, p=p_legit),
    )
    amount = np.round(np.exp(rng.normal(3.4 + 0.9 * fraud, 0.9)), 2)
    hour = np.where(
        fraud == 1,
        rng.choice(24, n, p=_hour_profile(night=True)),
        rng.choice(24, n, p=_hour_profile()),
    )
    distance = np.round(np.abs(rng.normal(8 + 40 * fraud, 15 + 30 * fraud)), 1)
    tx_24h = rng.poisson(2 + 3 * fraud)
    card_age = np.round(rng.gamma(2.0, 400 - 250 * fraud), 0)
    foreign = (rng.random(n) < 0.04 + 0.30 * fraud).astype(int)
    start = np.datetime64("2026-01-01")
    when = start + rng.integers(0, 180, n).astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "transaction_id": [f"T{100000 + i}" for i in range(n)],
            "date": pd.to_datetime(when).strftime("%Y-%m-%d"),
            "amount": amount,
            "hour": hour,
            "merchant_category": merchant,
            "distance_from_home_km": distance,
            "transactions_last_24h": tx_24h,
            "card_age_days": card_age,
            "is_foreign": foreign,
            "is_fraud": fraud,
        }
    )
    # A few honest gaps, as in real exports.
    frame.loc[rng.choice(n, 60, replace=False), "distance_from_home_km"] = np.nan
    return frame


def _hour_profile(night: bool = False) -> np.ndarray:
    hours = np.arange(24)
    day = np.exp(-0.5 * ((hours - 14) / 4.0) ** 2) + 0.05
    if night:
        day = day + 1.2 * np.exp(-0.5 * ((hours - 2) / 2.0) ** 2)
    return day / day.sum()


def machine_states(rng: np.random.Generator, n: int = 3000) -> pd.DataFrame:
    """Three classes; 'degraded' (5%) lies between 'normal' and 'failure' and overlaps both."""
    state = rng.choice(["normal", "failure", "degraded"], n, p=[0.70, 0.25, 0.05])
    # A degraded machine looks like a slightly-off normal one or a mild failure: its readings
    # are a mixture sitting on the inner edges of both other classes.
    centre = {"normal": 0.0, "failure": 2.0}
    z = np.array([centre.get(s, 0.0) for s in state], dtype=float)
    degraded = state == "degraded"
    z[degraded] = np.where(rng.random(degraded.sum()) < 0.6, 0.5, 1.5)
    noise = rng.normal(0, 1, (n, 3)) * 0.62
    vibration = np.round(2.0 + 1.1 * (z + noise[:, 0]), 3)
    temperature = np.round(61 + 6.5 * (z + noise[:, 1]), 2)
    pressure = np.round(101 - 2.2 * (z + noise[:, 2]), 2)
    rpm = np.round(1500 + rng.normal(0, 120, n) - 40 * z, 0)
    age = np.round(rng.gamma(3.0, 1.6, n) + 0.6 * z, 1)
    line = rng.choice(["line A", "line B", "line C"], n, p=[0.5, 0.3, 0.2])
    return pd.DataFrame(
        {
            "sensor_vibration": vibration,
            "temperature_c": temperature,
            "pressure_kpa": pressure,
            "rpm": rpm,
            "machine_age_years": age,
            "production_line": line,
            "state": state,
        }
    )


TICKET_LABELS = {
    # label: (base log-odds, weights on the 6 latent factors)
    "billing": (-0.9, [1.6, 0, 0, 0, 0, 0]),
    "login": (-1.3, [0, 1.5, 0, 0, 0, 0]),
    "bug": (-1.1, [0, 0, 1.4, 0, 0, 0]),
    "feature_request": (-2.0, [0, 0, -0.6, 1.3, 0, 0]),
    "performance": (-2.6, [0, 0, 1.0, 0, 1.2, 0]),
    "security": (-3.6, [0, 1.3, 0, 0, 0, 1.0]),
    "data_loss": (-4.3, [0, 0, 1.3, 0, 0.6, 0.8]),
    "accessibility": (-4.8, [0, 0, 0, 1.2, 0, 0.6]),
    "localization": (-5.2, [0, 0, 0, 1.0, 0, 1.1]),
}


def support_tickets(rng: np.random.Generator, n: int = 2500) -> pd.DataFrame:
    """Multi-label tickets with a long tail of rare labels (delimited label sets, '|')."""
    latent = rng.normal(size=(n, 6))
    labels = []
    for row in latent:
        tags = [
            name
            for name, (bias, w) in TICKET_LABELS.items()
            if rng.random() < 1 / (1 + np.exp(-(bias + np.dot(w, row))))
        ]
        labels.append("|".join(tags))
    noise = rng.normal(scale=0.6, size=latent.shape)
    obs = latent + noise
    plan = np.where(obs[:, 0] > 0.8, "enterprise", np.where(obs[:, 0] > -0.4, "pro", "free"))
    channel = rng.choice(["email", "chat", "phone", "web form"], n, p=[0.4, 0.3, 0.1, 0.2])
    frame = pd.DataFrame(
        {
            "ticket_id": np.arange(1, n + 1),
            "message_length": np.round(
                np.exp(5.5 + 0.35 * obs[:, 2] + rng.normal(0, 0.3, n))
            ).astype(int),
            "login_failures_24h": rng.poisson(np.exp(0.2 + 0.7 * obs[:, 1])),
            "error_count": rng.poisson(np.exp(-0.3 + 0.8 * obs[:, 2])),
            "latency_ms": np.round(np.exp(5.0 + 0.5 * obs[:, 4]), 0),
            "ui_score": np.round(obs[:, 3], 3),
            "region_score": np.round(obs[:, 5], 3),
            "plan": plan,
            "channel": channel,
            "tags": labels,
        }
    )
    # Rows with no tag at all are real in ticket systems; keep them as empty label sets? No:
    # an empty cell reads as a missing target, so give them the explicit tag "other".
    frame.loc[frame["tags"] == "", "tags"] = "other"
    return frame


SAMPLES = {
    "card_fraud.csv": {
        "title": "Card fraud (binary, 1:49)",
        "target": ["is_fraud"],
        "label_sep": None,
        "description": (
            "5,000 card transactions, 100 of them fraud (2%). Accuracy is 98% for a model that "
            "never flags fraud, which is the trap. Mixed numeric, categorical and date columns, "
            "an ID column the intake drops, and a few missing distances."
        ),
        "make": card_fraud,
    },
    "machine_states.csv": {
        "title": "Machine states (3 classes, overlapping minority)",
        "target": ["state"],
        "label_sep": None,
        "description": (
            "3,000 sensor readings: normal (70%), failure (25%) and degraded (5%). The degraded "
            "state sits between the other two and overlaps both, so a plain model gives it "
            "almost no recall: the class that matters most is the one it misses."
        ),
        "make": machine_states,
    },
    "support_tickets.csv": {
        "title": "Support tickets (multi-label, long tail)",
        "target": ["tags"],
        "label_sep": "|",
        "description": (
            "2,500 support tickets tagged with one or more of 10 labels separated by '|'. "
            "billing, login and bug are common; security, data_loss, accessibility and "
            "localization are rare (a long tail), and rare labels co-occur with common ones."
        ),
        "make": support_tickets,
    },
}


def main() -> None:
    manifest = {}
    for offset, (file_name, spec) in enumerate(SAMPLES.items()):
        rng = np.random.default_rng(SEED + offset)
        frame = spec["make"](rng)
        frame.to_csv(HERE / file_name, index=False, lineterminator="\n")
        manifest[file_name] = {k: v for k, v in spec.items() if k != "make"}
    (HERE / "samples.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
