"""Column roles on a realistic table: dates, free text, identifiers, counts, gaps and skew.

The table is shaped like a house-listings export (the kind a user brings with
`dataset=custom`), generated here: an id, a row number, a listing time and a sale date in
two formats, free-text notes, counts, a year with gaps, a skewed area, a unique price that is
not an id, a high-cardinality district, a three-value type, long species-like labels that
repeat, and a boolean with gaps.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mlgate.cli import main
from mlgate.suite.roles import column_role, table_roles

WORDS = ["renovated", "sea", "view", "garden", "balcony", "quiet", "street", "close", "to",
         "schools", "new", "kitchen", "parking", "sunny"]  # fmt: skip


def listings(rows: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "listing_id": [f"L{100000 + i}" for i in range(rows)],
            "row": np.arange(1, rows + 1),
            "listed_at": pd.date_range("2019-01-01", periods=rows, freq="17h").strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "sold_on": pd.date_range("2019-03-01", periods=rows, freq="D").strftime("%d/%m/%Y"),
            "notes": [", ".join(rng.choice(WORDS, rng.integers(2, 7))) for _ in range(rows)],
            "rooms": rng.integers(1, 7, rows),
            "year_built": rng.integers(1900, 2024, rows).astype(float),
            "area": rng.lognormal(4.3, 0.4, rows).round(1),
            "price": rng.permutation(np.arange(rows)) * 977 + 150_000,
            "district": rng.choice([f"district {i}" for i in range(120)], rows),
            "type": rng.choice(["flat", "house", "villa"], rows),
            "species": rng.choice(
                ["Adelie Penguin (Pygoscelis adeliae)", "Gentoo penguin (Pygoscelis papua)"], rows
            ),
            "garage": rng.choice([True, False], rows).astype(object),
        }
    )
    frame.loc[rng.choice(rows, rows // 12, replace=False), "year_built"] = np.nan
    frame.loc[rng.choice(rows, rows // 20, replace=False), "notes"] = np.nan
    frame.loc[rng.choice(rows, rows // 25, replace=False), "garage"] = None
    return frame


@pytest.fixture(scope="module")
def csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("listings") / "listings.csv"
    listings().to_csv(path, index=False)
    return path


def test_each_column_of_a_listing_table_gets_its_role(csv: Path) -> None:
    from mlgate.io.tabular import read_table

    roles = {name: role.role for name, role in table_roles(read_table(str(csv))).items()}
    assert roles == {
        "listing_id": "identifier",
        "row": "integer",  # consecutive and unique, but whole numbers need an id's name
        "listed_at": "datetime",
        "sold_on": "datetime",
        "notes": "text",
        "rooms": "integer",
        "year_built": "integer",  # whole numbers, read as floats because of the gaps
        "area": "numeric",
        "price": "integer",  # unique per row, but neither consecutive nor named as an id
        "district": "categorical",
        "type": "categorical",
        "species": "categorical",  # long labels that repeat are not free text
        "garage": "boolean",
    }


@pytest.mark.parametrize(
    ("name", "values", "role"),
    [
        ("customer_id", list(range(1000, 3000, 7))[:40], "identifier"),  # named as one
        ("Unnamed: 0", list(range(40)), "identifier"),  # pandas' index, written to the CSV
        ("amount", list(range(1000, 3000, 7))[:40], "integer"),  # unique, not an id
        ("code", [f"A-{i}" for i in range(10)], "categorical"),  # too few rows to tell
        ("year", ["2008", "2012", "1999"] * 10, "categorical"),  # numbers as text: no date
        ("when", ["2024-01-05", "2024-02-11", "not a date"] * 10, "categorical"),  # 67% parse
        ("ref", [f"R{i}" for i in range(39)] + [None], "categorical"),  # an id has no gaps
    ],
)
def test_a_role_needs_its_evidence(name: str, values: list, role: str) -> None:
    assert column_role(name, pd.Series(values)).role == role


def test_local_times_across_a_daylight_saving_change_are_dates() -> None:
    """Two UTC offsets in one column (winter and summer time): a date column, no crash."""
    values = ["2023-03-25T10:00:00+01:00", "2023-03-27T10:00:00+02:00"] * 15
    role = column_role("measured_at", pd.Series(values))
    assert (role.role, role.format) == ("datetime", "%Y-%m-%dT%H:%M:%S%z")


def test_a_date_column_with_a_few_odd_values_passes_its_own_suite(tmp_path: Path) -> None:
    """39 timestamps and one bare date: a date column; the suite expects the share it found."""
    stamps = [f"2023-01-{day:02d} 10:00:00" for day in range(1, 29)] * 2
    frame = pd.DataFrame({"at": [*stamps[:39], "2023-01-16"], "x": range(40)})
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert main(["suite", "init", str(tmp_path / "d.csv"), "-o", str(tmp_path / "s.json")]) == 0
    (wanted,) = [e["kwargs"] for e in json.loads((tmp_path / "s.json").read_text())["expectations"]
                 if e["type"] == "expect_column_values_to_match_strftime_format"]  # fmt: skip
    assert wanted == {"column": "at", "strftime_format": "%Y-%m-%d %H:%M:%S", "mostly": 0.975}
    assert main(["validate", str(tmp_path / "s.json"), str(tmp_path / "d.csv")]) == 0


def test_dates_in_another_format_and_duplicate_ids_fail_the_inferred_suite(
    csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    suite, roles = tmp_path / "suite.json", tmp_path / "roles.yaml"
    assert main(["suite", "init", str(csv), "-o", str(suite), "--roles", str(roles)]) == 0
    out = capsys.readouterr().out
    assert "  sold_on     datetime     100% parse as %d/%m/%Y" in out
    written = yaml.safe_load(roles.read_text())["roles"]
    assert written["notes"]["role"] == "text" and "words a value" in written["notes"]["evidence"]
    assert written["listed_at"]["format"] == "%Y-%m-%d %H:%M:%S"
    meta = json.loads(suite.read_text())["meta"]["roles"]
    assert meta == written, "the suite records the roles it was built with"
    types = [e["type"] for e in json.loads(suite.read_text())["expectations"]
             if e["kwargs"].get("column") in ("notes", "listed_at", "listing_id")]  # fmt: skip
    assert "expect_column_values_to_be_in_set" not in types
    assert main(["validate", str(suite), str(csv)]) == 0

    later = listings(seed=1)
    later["listed_at"] = pd.date_range("2027-06-01", periods=len(later), freq="5h").strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    later.to_csv(tmp_path / "later.csv", index=False)
    assert main(["validate", str(suite), str(tmp_path / "later.csv")]) == 0, "later dates pass"

    broken = listings(seed=2)
    broken.loc[3, "sold_on"] = "2019-03-04"  # another format
    broken.loc[5, "listing_id"] = broken.loc[4, "listing_id"]  # a duplicate id
    broken.loc[7, "notes"] = "x" * 10_000  # a pasted document
    broken.to_csv(tmp_path / "broken.csv", index=False)
    capsys.readouterr()
    assert main(["validate", str(suite), str(tmp_path / "broken.csv")]) == 1
    report = "".join(capsys.readouterr())
    for column in ("sold_on", "listing_id", "notes"):
        assert column in report, report
