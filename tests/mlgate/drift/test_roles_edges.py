"""Edges a second read found in dates and text (each a traceback or a wrong answer before).

Dates far from 1970, the words pandas reads as the clock ("now"), a format Arrow would have
guessed as ISO, a sparse text column whose words all sit on odd rows, and an Excel CSV with a
byte-order mark in front of a zip code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from support import run_mlgate

from mlgate.drift.measures import Unparsed, epoch_days
from mlgate.io.dates import days_since_1970, is_date, parse_dates
from mlgate.io.tabular import zero_padded_columns


def schema(folder: Path, **kinds: dict) -> Path:
    path = folder / "schema.json"
    features = [{"name": name, **spec} for name, spec in kinds.items()]
    path.write_text(json.dumps({"task": "regression", "target": {"name": "y"},
                                "features": features}), encoding="utf-8")  # fmt: skip
    return path


def csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_dates_far_from_1970_are_days_not_a_traceback(tmp_path: Path, home: Path) -> None:
    """Years 1600 and 2300 are dates the service takes: the profile and drift read them."""
    rows = [f"{1 + i % 28}/{1 + i % 12}/{1990 + i % 30},{i}" for i in range(300)]
    reference = csv(tmp_path / "r.csv", "when,x", [*rows, "1/1/1600,1", "1/1/2300,2"])
    spec = schema(tmp_path, when={"kind": "datetime", "format": "%d/%m/%Y"}, x={"kind": "numeric"})
    profile = tmp_path / "p.json"
    done = run_mlgate(home, "profile", str(reference), "--schema", str(spec), "-o", str(profile))
    assert done.returncode == 0, done.stderr
    when = json.loads(profile.read_text(encoding="utf-8"))["columns"]["when"]
    assert (when["min"], when["max"], when["unparsed"]) == (-135140.0, 120530.0, 0)
    window = tmp_path / "w.jsonl"
    window.write_text('{"features": {"when": "1/1/1600", "x": 1}}\n' * 40, encoding="utf-8")
    done = run_mlgate(home, "drift", "--reference", str(profile), "--current", str(window))
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr


def test_the_clock_is_not_a_date() -> None:
    """pandas reads "now" as this moment: a model trained on it would change run to run."""
    unparsed = Unparsed()
    days = epoch_days(
        __import__("pyarrow").array(["2024-01-01", "now", "today", "NaT", None]), None, unparsed
    )
    assert days[0] == 19723.0 and np.isnan(days[1:]).all()
    assert unparsed.count == 3
    assert not is_date("now", "%Y-%m-%d") and not is_date("", None)
    assert parse_dates(["2024-01-01", "today"], None).isna().tolist() == [False, True]


def test_a_dates_days_do_not_depend_on_the_other_values_of_its_batch() -> None:
    """Without a format, a batch Arrow reads as ISO and a batch with one value it cannot
    (a "Z") went to pandas whole: milliseconds were kept in the first and not in the second,
    so a request log's dates moved with their neighbours (and between the engines, whose
    batches differ). Every value now gets the model's days: whole seconds."""
    import pyarrow as pa

    values = ["2021-03-04T10:00:00.123", "2021-03-04 10:00:00", "1969-12-31T23:59:59.5", None]
    alone = epoch_days(pa.array(values), None, Unparsed())
    beside = epoch_days(pa.array([*values, "2021-03-04T10:00:00Z"]), None, Unparsed())
    model = days_since_1970(parse_dates(values, None))
    assert alone.tolist()[:3] == beside.tolist()[:3] == model.tolist()[:3]
    assert np.isnan(alone[3]) and alone[0] == alone[1]


def test_a_format_arrow_would_read_as_iso_is_the_schemas(tmp_path: Path, home: Path) -> None:
    """%Y-%d-%m looks like ISO to Arrow: the profile reads it with the model's format, so the
    same rows as a window do not drift."""
    rows = [f"2020-{1 + i % 28:02d}-{1 + i % 12:02d},{i % 7}" for i in range(1200)]
    data = csv(tmp_path / "r.csv", "when,x", rows)
    spec = schema(tmp_path, when={"kind": "datetime", "format": "%Y-%d-%m"}, x={"kind": "numeric"})
    profile = tmp_path / "p.json"
    assert run_mlgate(home, "profile", str(data), "--schema", str(spec), "-o", str(profile)) \
        .returncode == 0  # fmt: skip
    when = json.loads(profile.read_text(encoding="utf-8"))["columns"]["when"]
    assert when["unparsed"] == 0 and when["max"] - when["min"] < 366
    done = run_mlgate(home, "drift", "--reference", str(profile), "--current", str(data))
    assert done.returncode == 0, done.stdout


def test_sparse_text_with_words_on_odd_rows_only(tmp_path: Path, home: Path) -> None:
    rows = [f"{i},{'sea view' if i in (1, 7, 13) else ''}" for i in range(60)]
    data = csv(tmp_path / "r.csv", "x,notes", rows)
    spec = schema(tmp_path, notes={"kind": "text"}, x={"kind": "numeric"})
    profile = tmp_path / "p.json"
    done = run_mlgate(home, "profile", str(data), "--schema", str(spec), "-o", str(profile))
    assert done.returncode == 0, done.stderr
    notes = json.loads(profile.read_text(encoding="utf-8"))["columns"]["notes"]
    assert notes["vocabulary"] == ["sea", "view"] and notes["out_of_vocabulary"] == 1.0


def test_a_byte_order_mark_does_not_hide_a_zip_code(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts with a BOM: the first column is still `zip`, kept as text."""
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffzip,rooms\n02134,3\n02135,4\n".encode())
    assert zero_padded_columns(path) == ["zip"]
