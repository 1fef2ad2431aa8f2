"""A house-listings table as users bring them: an id, a listing date, free-text notes, counts,
a skewed area with gaps, a high-cardinality district, a type, a boolean with gaps, a price.

The price depends on every kind of column the way real prices do (the listing date through a
market trend, the notes through what they say, the district through its own level), so a
model that reads dates as a calendar and notes as words can beat one that reads both as
labels, and by how much is a measurement. `drifted` shifts the dates and rewrites the notes
with words the reference never used, leaving every other column as it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GOOD = ["sea view", "renovated", "garden", "balcony", "new kitchen", "sunny", "parking"]
BAD = ["needs work", "busy road", "no lift", "damp", "dark"]
PLAIN = ["close to schools", "quiet street", "near station", "second floor", "south facing",
         "open plan", "storage room", "shared courtyard", "walk to shops"]  # fmt: skip
FOREIGN = ["penthouse", "helipad", "vineyard", "marina", "cinema room", "wine cellar",
           "tennis court", "sauna", "guest lodge", "orchard"]  # fmt: skip
DISTRICTS = 80


def houses(rows: int = 2000, seed: int = 0, start: str = "2019-01-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 5 * 365, rows)
    listed = pd.Timestamp(start) + pd.to_timedelta(days, unit="D")
    rooms = rng.integers(1, 8, rows)
    area = (rng.lognormal(3.6, 0.35, rows) * (0.6 + 0.25 * rooms)).round(1)
    district = rng.integers(0, DISTRICTS, rows)
    level = np.random.default_rng(99).normal(0.0, 0.25, DISTRICTS)  # each district's own level
    kind = rng.choice(["flat", "house", "villa"], rows, p=[0.6, 0.3, 0.1])
    notes, effect = [], np.zeros(rows)
    for row in range(rows):
        good = rng.choice(GOOD, rng.integers(0, 3), replace=False).tolist()
        bad = rng.choice(BAD, rng.integers(0, 2), replace=False).tolist()
        plain = rng.choice(PLAIN, rng.integers(1, 3), replace=False).tolist()
        phrases = good + bad + plain
        rng.shuffle(phrases)
        notes.append(", ".join(phrases).capitalize())
        effect[row] = 0.12 * len(good) - 0.18 * len(bad)
    year_built = rng.integers(1900, 2024, rows).astype(float)
    garage = rng.random(rows) < 0.4
    log_price = (
        11.2
        + 0.9 * np.log(area)
        + 0.05 * rooms
        + level[district]
        + 0.06 * days / 365  # the market: 6% a year
        + effect
        + 0.08 * garage
        + rng.normal(0, 0.08, rows)
    )
    log_price += np.select([kind == "house", kind == "villa"], [0.15, 0.45], 0.0)
    frame = pd.DataFrame(
        {
            "listing_id": [f"H{100000 + i}" for i in range(rows)],
            "listed_at": listed.strftime("%Y-%m-%d"),
            "notes": notes,
            "rooms": rooms,
            "area_m2": area,
            "year_built": year_built,
            "district": [f"district {d:02d}" for d in district],
            "type": kind,
            "garage": garage.astype(object),
            "price": np.round(np.exp(log_price), -2).astype(int),
        }
    )
    frame.loc[rng.choice(rows, rows // 20, replace=False), "area_m2"] = np.nan
    frame.loc[rng.choice(rows, rows // 12, replace=False), "year_built"] = np.nan
    frame.loc[rng.choice(rows, rows // 25, replace=False), "notes"] = np.nan
    frame.loc[rng.choice(rows, rows // 30, replace=False), "garage"] = None
    return frame


def drifted(frame: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Dates three years later and notes in words the reference never used; the rest as is."""
    rng = np.random.default_rng(seed)
    moved = frame.copy()
    dates = pd.to_datetime(moved["listed_at"], format="%Y-%m-%d") + pd.DateOffset(years=3)
    moved["listed_at"] = dates.dt.strftime("%Y-%m-%d")
    moved["notes"] = [
        ", ".join(rng.choice(FOREIGN, rng.integers(2, 5), replace=False)).capitalize()
        for _ in range(len(moved))
    ]
    return moved
