"""Dates, free text and the model's roles in `mlgate profile` / `mlgate drift`: known answers.

A date is compared as days since 1970 (a window beyond the reference's range says so), free
text by words per value and the share of words outside the reference's vocabulary (so word
order does not matter), an identifier the model leaves out is never judged, and a sparse
high-cardinality column is pooled so a clean window does not drift by sampling noise. The
headline answer: a clean window of the houses table (tests/harness/houses.py), profiled with
the roles a generated project's models/schema.json gives, does not drift; the drifted one
does, on exactly the two columns that moved.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from houses import drifted, houses
from support import run_mlgate

from mlgate.drift import stats
from mlgate.drift.judge import judge_column
from mlgate.drift.window import CategoryWindow

HOUSES_SCHEMA = {
    "task": "regression",
    "target": {"name": "price"},
    "features": [
        {"name": "listed_at", "kind": "datetime", "format": "%Y-%m-%d"},
        {"name": "notes", "kind": "text"},
        {"name": "rooms", "kind": "numeric"},
        {"name": "area_m2", "kind": "numeric"},
        {"name": "year_built", "kind": "numeric"},
        {"name": "district", "kind": "categorical"},
        {"name": "type", "kind": "categorical"},
        {"name": "garage", "kind": "categorical"},
    ],
    "dropped": [{"name": "listing_id", "role": "identifier"}],
}
FEATURES = [f["name"] for f in HOUSES_SCHEMA["features"]]


# --- helpers ------------------------------------------------------------------------------------


def epoch_day(text: str) -> int:
    return (date.fromisoformat(text) - date(1970, 1, 1)).days


def write_schema(folder: Path, schema: Any) -> Path:
    path = folder / "schema.json"
    path.write_text(schema if isinstance(schema, str) else json.dumps(schema), encoding="utf-8")
    return path


def profile_with(home: Path, folder: Path, data: Path, *extra: str) -> tuple[str, dict[str, Any]]:
    """`mlgate profile DATA EXTRA -o profile.json`: its stdout and the profile written."""
    output = folder / "profile.json"
    done = run_mlgate(home, "profile", str(data), "-o", str(output), *extra, cwd=folder)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(output.read_text(encoding="utf-8"))


def drift_json(home: Path, folder: Path, window: Path) -> tuple[int, dict[str, Any]]:
    """`mlgate drift --format json` of a window against folder/profile.json."""
    done = run_mlgate(home, "drift", "--reference", str(folder / "profile.json"), "--current",
                      str(window), "--format", "json", cwd=folder)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def columns_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {column["column"]: column for column in report["columns"]}


def words(text: str) -> list[str]:
    """Words as drift reads them: runs of 2+ letters, digits or _, lower-cased."""
    return re.findall(r"\w{2,}", text.lower())


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, home: Path) -> SimpleNamespace:
    """houses(2000, seed 0) profiled as the project's profile stage does it: the model's
    schema for the roles, the target excluded."""
    folder = tmp_path_factory.mktemp("houses")
    frame = houses(2000, seed=0)
    data = folder / "reference.csv"
    frame.to_csv(data, index=False)
    schema = write_schema(folder, HOUSES_SCHEMA)
    stdout, profile = profile_with(home, folder, data, "--schema", str(schema),
                                   "--exclude", "price")  # fmt: skip
    return SimpleNamespace(folder=folder, frame=frame, profile=profile, stdout=stdout)


def window_of(reference: SimpleNamespace, frame: pd.DataFrame, name: str) -> Path:
    path = reference.folder / name
    frame.to_csv(path, index=False)
    return path


# --- dates ---------------------------------------------------------------------------------------


def test_iso_dates_in_a_csv_are_profiled_as_days(tmp_path: Path, home: Path) -> None:
    """Without a schema, ISO dates (and date-times) are datetime columns on one calendar: min
    and max are the real dates' day numbers, a time of day is a fraction of a day."""
    days = ["2021-03-04", "2019-01-01", "2024-12-31", "2020-02-29"] * 300
    moments = ["2024-03-01T12:00:00", "2024-03-02T06:00:00"] * 600
    data = tmp_path / "data.csv"
    pd.DataFrame({"day": days, "moment": moments, "x": np.arange(1200.0)}).to_csv(data, index=False)
    _, profile = profile_with(home, tmp_path, data)
    day, moment = profile["columns"]["day"], profile["columns"]["moment"]
    assert (day["kind"], day["format"], day["unparsed"]) == ("datetime", None, 0)
    assert day["unit"] == "days since 1970-01-01 UTC"
    assert (day["min"], day["max"]) == (epoch_day("2019-01-01"), epoch_day("2024-12-31"))
    assert day["count"] == 1200 and day["nulls"] == 0
    assert moment["kind"] == "datetime"
    assert (moment["min"], moment["max"]) == (epoch_day("2024-03-01") + 0.5,
                                              epoch_day("2024-03-02") + 0.25)  # fmt: skip


def dmy_table(rows: int, seed: int) -> pd.DataFrame:
    """Dates written as %d/%m/%Y (text to Arrow), 2020 to 2022, and a number."""
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, rows), "D")
    return pd.DataFrame({"when": when.strftime("%d/%m/%Y"), "x": rng.normal(size=rows)})


DMY_SCHEMA = {"features": [{"name": "when", "kind": "datetime", "format": "%d/%m/%Y"},
                           {"name": "x", "kind": "numeric"}]}  # fmt: skip


def test_a_schema_format_parses_text_dates_and_a_window_reports_non_dates(
    tmp_path: Path, home: Path
) -> None:
    """With the schema's %d/%m/%Y, text dates are dates: values that are not (in the reference
    or the window) are counted, said, and left out; the check does not crash on them."""
    frame = dmy_table(1500, seed=0)
    frame.loc[[3, 7], "when"] = ["unknown", "2021-05-06"]  # not in the format
    data = tmp_path / "reference.csv"
    frame.to_csv(data, index=False)
    schema = write_schema(tmp_path, DMY_SCHEMA)
    stdout, profile = profile_with(home, tmp_path, data, "--schema", str(schema))
    when = profile["columns"]["when"]
    assert (when["kind"], when["format"], when["unparsed"]) == ("datetime", "%d/%m/%Y", 2)
    assert (when["count"], when["nulls"]) == (1498, 0)
    parsed = pd.to_datetime(frame["when"], format="%d/%m/%Y", errors="coerce")
    assert when["min"] == (parsed.min() - pd.Timestamp("1970-01-01")).days
    assert when["max"] == (parsed.max() - pd.Timestamp("1970-01-01")).days
    assert "  when: 2 values are not dates in the format %d/%m/%Y (profiled as missing)" in (
        stdout.splitlines()
    )

    window = dmy_table(500, seed=1)
    window.loc[[0, 10, 20], "when"] = ["soon", "2022-01-01", "soon"]
    path = tmp_path / "window.csv"
    window.to_csv(path, index=False)
    code, report = drift_json(home, tmp_path, path)
    column = columns_of(report)["when"]
    assert code == 0 and column["verdict"] == "OK"
    assert column["current_count"] == 497
    assert column["reasons"] == [
        "3 values are not dates in the format %d/%m/%Y (e.g. 'soon', '2022-01-01'); left out"
    ]


def test_impossible_dates_are_not_dates(tmp_path: Path, home: Path) -> None:
    """31 February and a two-digit year under %Y are no dates in %d/%m/%Y: the model reads
    them as missing and the service refuses them, so the profile must count them too."""
    frame = dmy_table(1200, seed=2)
    frame.loc[[0, 1], "when"] = ["31/02/2024", "01/02/24"]
    data = tmp_path / "reference.csv"
    frame.to_csv(data, index=False)
    _, profile = profile_with(home, tmp_path, data, "--schema",
                              str(write_schema(tmp_path, DMY_SCHEMA)))  # fmt: skip
    when = profile["columns"]["when"]
    assert when["unparsed"] == 2
    assert when["min"] >= epoch_day("2020-01-01")


# --- the houses table: the headline known answers ---------------------------------------------


def test_houses_profile_follows_the_models_roles(reference: SimpleNamespace) -> None:
    """Dates, text, 80 districts and numbers as the schema says; the identifier is not
    profiled but listed with its role; the target is excluded."""
    profile = reference.profile
    kinds = {name: spec["kind"] for name, spec in profile["columns"].items()}
    assert kinds == {
        "listed_at": "datetime", "notes": "text", "rooms": "numeric", "area_m2": "numeric",
        "year_built": "numeric", "district": "categorical", "type": "categorical",
        "garage": "boolean",
    }  # fmt: skip
    assert profile["ignored"] == {"listing_id": "identifier: not a model feature"}
    assert profile["excluded"] == ["price"]
    assert "  not profiled: listing_id (identifier: not a model feature)" in (
        reference.stdout.splitlines()
    )
    listed = profile["columns"]["listed_at"]
    assert listed["min"] == epoch_day(reference.frame["listed_at"].min())
    assert listed["max"] == epoch_day(reference.frame["listed_at"].max())
    assert profile["columns"]["district"]["distinct"] == 80
    assert profile["columns"]["notes"]["out_of_vocabulary"] == 0.0  # a few dozen words


def test_a_clean_houses_window_does_not_drift(reference: SimpleNamespace, home: Path) -> None:
    """The headline: 400 new rows of the same market (another seed) drift nowhere, the 80
    districts included (compared in pooled groups, said so), and listing_id is never judged
    or called a new column."""
    window = window_of(reference, houses(400, seed=1), "clean.csv")
    code, report = drift_json(home, reference.folder, window)
    columns = columns_of(report)
    assert code == 0
    assert {name: c["verdict"] for name, c in columns.items()} == dict.fromkeys(FEATURES, "OK")
    assert report["new_columns"] == [] and report["notes"] == []
    assert "listing_id" not in columns
    (pooled,) = columns["district"]["reasons"]
    assert re.fullmatch(r"\d+ categories compared in \d+ groups of similar frequency .*", pooled)
    assert columns["notes"]["reasons"] == [
        "words outside the reference's vocabulary: 0% (reference 0%)"
    ]
    assert columns["listed_at"]["reasons"] == []  # every date within the reference's range


def test_clean_houses_windows_never_drift_as_a_data_set(
    reference: SimpleNamespace, home: Path
) -> None:
    """Over ten clean windows of 400 rows the data set never drifts and the districts never
    do: pooling, not a lucky seed. (Single numeric columns may cross Wasserstein's 0.1 now and
    then at 400 rows: that is the threshold's noise, not the roles'.)"""
    for seed in range(2, 12):
        window = window_of(reference, houses(400, seed=seed), f"clean-{seed}.csv")
        code, report = drift_json(home, reference.folder, window)
        assert code == 0, (seed, report["dataset"])
        assert columns_of(report)["district"]["verdict"] == "OK", seed


def test_the_drifted_houses_window_drifts_on_dates_and_notes(
    reference: SimpleNamespace, home: Path
) -> None:
    """Dates three years later and notes in foreign words: exactly those two columns drift,
    the dates with how many fall after the reference's last, the notes with the share of
    words the reference never used (computed here independently)."""
    clean = houses(400, seed=1)
    moved = drifted(clean)
    window = window_of(reference, moved, "drifted.csv")
    code, report = drift_json(home, reference.folder, window)
    columns = columns_of(report)
    assert [name for name, c in columns.items() if c["verdict"] == "DRIFT"] == [
        "listed_at", "notes",
    ]  # fmt: skip
    assert report["dataset"]["share_drifted"] == pytest.approx(2 / 8)
    assert code == 0  # 2 of 8 columns: under the default drift_share of 50%

    first, last = reference.frame["listed_at"].min(), reference.frame["listed_at"].max()
    after = int((moved["listed_at"] > last).sum())
    assert after > 100
    assert (
        f"0 dates before the reference's first ({first}), {after} after its last ({last})"
        in (columns["listed_at"]["reasons"])
    )
    known = {w for text in reference.frame["notes"].dropna() for w in words(text)}
    found = [w for text in moved["notes"] for w in words(text)]
    share = sum(w not in known for w in found) / len(found)
    assert columns["notes"]["reasons"] == [
        f"words outside the reference's vocabulary: {share:.0%} (reference 0%; more than 15% "
        "is drift)"
    ]


def test_reordered_notes_are_the_same_words(reference: SimpleNamespace, home: Path) -> None:
    """'Sea view, renovated' and 'Renovated, sea view' say the same: reversing every note's
    phrases changes neither words per value nor vocabulary, so the score is the very same."""
    clean = houses(400, seed=1)
    reordered = clean.copy()
    reordered["notes"] = [
        text if pd.isna(text) else ", ".join(reversed(text.lower().split(", "))).capitalize()
        for text in clean["notes"]
    ]
    assert (reordered["notes"] != clean["notes"]).sum() > 200
    _, plain = drift_json(home, reference.folder, window_of(reference, clean, "plain.csv"))
    _, turned = drift_json(home, reference.folder, window_of(reference, reordered, "turned.csv"))
    notes = columns_of(turned)["notes"]
    assert notes["verdict"] == "OK"
    assert notes["score"] == columns_of(plain)["notes"]["score"]
    assert notes["reasons"] == ["words outside the reference's vocabulary: 0% (reference 0%)"]


def test_columns_outside_the_schema_are_ignored_not_new(tmp_path: Path, home: Path) -> None:
    """A column the schema neither lists nor drops is not profiled ("not in the model's
    schema"); in the window it is not judged and not called new."""
    frame = dmy_table(1200, seed=3).assign(agent=["ann", "bob", "cy"] * 400)
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    schema = write_schema(tmp_path, DMY_SCHEMA)
    _, profile = profile_with(home, tmp_path, data, "--schema", str(schema))
    assert profile["ignored"] == {"agent": "not in the model's schema"}
    _, report = drift_json(home, tmp_path, data)
    assert sorted(columns_of(report)) == ["when", "x"]
    assert report["new_columns"] == []


def test_integer_codes_of_a_categorical_feature_are_categories(tmp_path: Path, home: Path) -> None:
    """The profile docstring: 'the model's roles decide each column's kind'. District codes
    1..80 that the model treats as categories must be compared as categories."""
    rng = np.random.default_rng(4)
    data = tmp_path / "data.csv"
    pd.DataFrame({"code": rng.integers(1, 81, 1500), "x": rng.normal(size=1500)}).to_csv(
        data, index=False
    )
    schema = write_schema(tmp_path, {"features": [{"name": "code", "kind": "categorical"},
                                                  {"name": "x", "kind": "numeric"}]})  # fmt: skip
    _, profile = profile_with(home, tmp_path, data, "--schema", str(schema))
    assert profile["columns"]["code"]["kind"] == "categorical"


def zipf_reviews(rows: int, seed: int, vocabulary: int = 5000) -> pd.DataFrame:
    """Free text as people write it: 12 words per value from a Zipf law over 5000 words."""
    shares = 1 / np.arange(1, vocabulary + 1)
    rng = np.random.default_rng(seed)
    drawn = rng.choice(vocabulary, (rows, 12), p=shares / shares.sum())
    return pd.DataFrame({"review": [" ".join(f"w{i}" for i in row) for row in drawn],
                         "x": rng.normal(size=rows)})  # fmt: skip


def test_clean_free_text_does_not_drift_with_a_small_reference(tmp_path: Path, home: Path) -> None:
    """Same distribution, new rows: the share of words new to the reference must not alone
    make a clean window drift (here it does in every seed tried)."""
    data, window = tmp_path / "reference.csv", tmp_path / "window.csv"
    zipf_reviews(300, seed=0).to_csv(data, index=False)
    zipf_reviews(500, seed=100).to_csv(window, index=False)
    schema = write_schema(tmp_path, {"features": [{"name": "review", "kind": "text"},
                                                  {"name": "x", "kind": "numeric"}]})  # fmt: skip
    profile_with(home, tmp_path, data, "--schema", str(schema))
    _, report = drift_json(home, tmp_path, window)
    assert columns_of(report)["review"]["verdict"] == "OK", columns_of(report)["review"]


# --- a schema that cannot be used ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "schema.json is not a model schema (features with name and kind): "),
        ('{"task": "regression"}', "schema.json is not a model schema (features with name and "
                                   "kind): 'features'"),
        (json.dumps({"features": [{"name": "x", "kind": "sentence"}]}),
         "schema.json: features of a kind drift does not know: x"),
        (json.dumps({"features": [{"name": "x"}]}), "is not a model schema"),
        (None, "no model schema at "),
    ],
    ids=["not-json", "no-features", "unknown-kind", "no-kind", "absent"],
)  # fmt: skip
def test_a_bad_schema_exits_2_with_a_readable_message(
    content: str | None, message: str, tmp_path: Path, home: Path
) -> None:
    """A schema that cannot give roles stops the profile: exit 2, one line naming the file and
    the problem, nothing written, no traceback."""
    data = tmp_path / "data.csv"
    dmy_table(100, seed=5).to_csv(data, index=False)
    schema = write_schema(tmp_path, content) if content is not None else tmp_path / "schema.json"
    output = tmp_path / "profile.json"
    done = run_mlgate(home, "profile", str(data), "-o", str(output), "--schema", str(schema),
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("mlgate profile: could not check: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not output.exists()


def test_text_in_a_column_the_schema_calls_numeric_is_no_traceback(
    tmp_path: Path, home: Path
) -> None:
    """Data newer than the schema may hold 'unknown' in a numeric feature: a could-not-check
    or a profile that counts it, never a traceback."""
    frame = dmy_table(200, seed=6).astype({"x": object})
    frame.loc[5, "x"] = "unknown"
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    schema = write_schema(tmp_path, DMY_SCHEMA)
    done = run_mlgate(home, "profile", str(data), "-o", str(tmp_path / "p.json"), "--schema",
                      str(schema), cwd=tmp_path)  # fmt: skip
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 2)


# --- pooling sparse categories (stats.pool_sparse) ------------------------------------------------

CATEGORIES = 80


def uniform_reference(seed: int = 7) -> np.ndarray:
    """80 districts as a 2000-row reference counts them."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(2000, np.full(CATEGORIES, 1 / CATEGORIES)).astype(float)


def test_pooling_keeps_clean_windows_of_80_categories_under_the_threshold() -> None:
    """400 values from the reference's own shares: one by one every window "drifts" (JS over
    0.1 by sampling noise alone); pooled into groups expecting 50+ values, none does."""
    reference = uniform_reference()
    rng = np.random.default_rng(8)
    raw, pooled = [], []
    for _ in range(100):
        window = rng.multinomial(400, reference / reference.sum()).astype(float)
        raw.append(stats.jensen_shannon(reference, window))
        ref_groups, cur_groups, groups = stats.pool_sparse(reference, window, CATEGORIES)
        assert groups == len(ref_groups) < CATEGORIES
        pooled.append(stats.jensen_shannon(ref_groups, cur_groups))
    assert min(raw) > 0.1
    assert sum(score < 0.1 for score in pooled) >= 95


@pytest.mark.parametrize("which", ["most-common", "rarest"])
def test_a_window_concentrated_on_10_categories_still_drifts(which: str) -> None:
    """Pooling must not hide a real change: 400 values in 10 of the 80 categories (the most
    common or the rarest) drift far beyond 0.1."""
    reference = uniform_reference()
    order = np.argsort(-reference if which == "most-common" else reference, kind="stable")
    window = np.zeros(CATEGORIES)
    window[order[:10]] = 40.0
    ref_groups, cur_groups, _ = stats.pool_sparse(reference, window, CATEGORIES)
    assert stats.jensen_shannon(ref_groups, cur_groups) > 0.3


def test_few_categories_for_the_window_are_compared_as_they_are() -> None:
    """3 categories and 400 values (3 x 50 <= 400): nothing pooled, counts returned as given."""
    assert stats.pool_sparse([500.0, 300.0, 200.0], [210.0, 110.0, 80.0], 3) == (
        [500.0, 300.0, 200.0], [210.0, 110.0, 80.0], 3,
    )  # fmt: skip


def test_categories_the_reference_never_had_stay_apart() -> None:
    """What follows `present` (unseen in the reference) is never pooled into a group."""
    reference = [*uniform_reference(), 0.0]
    window = [*np.full(CATEGORIES, 4.0), 80.0]
    ref_groups, cur_groups, groups = stats.pool_sparse(reference, window, CATEGORIES)
    assert (ref_groups[-1], cur_groups[-1]) == (0.0, 80.0)
    assert len(ref_groups) == groups + 1


POOLING_BUG = (
    "pool_sparse's `pooled_ref[-2] += pooled_ref.pop()` reads [-2] before the pop and stores "
    "[-2] after it: with 3+ groups the rare tail overwrites the group before last (totals "
    "change), with exactly 2 groups it raises IndexError"
)


def test_pooling_keeps_every_count() -> None:
    """Groups partition the categories: the reference's and the window's totals are kept, and
    the rare tail (10 and 5, expecting under 50) joins the group before it."""
    counts = [90.0, 70.0, 50.0, 10.0, 5.0]  # 5 x 50 > 225 values: pooled
    assert stats.pool_sparse(counts, counts, 5) == ([90.0, 70.0, 65.0], [90.0, 70.0, 65.0], 3)


def test_a_small_window_of_three_categories_is_judged(tmp_path: Path, home: Path) -> None:
    """A 2000-row reference, plans at 70/20/10%, a 100-row window: pooled into two groups (the
    tail open), which must give a verdict, not a traceback."""

    def plans(rows: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        return pd.DataFrame({"plan": rng.choice(["basic", "plus", "pro"], rows,
                                                p=[0.7, 0.2, 0.1]),
                             "x": rng.normal(size=rows)})  # fmt: skip

    data, window = tmp_path / "reference.csv", tmp_path / "window.csv"
    plans(2000, seed=0).to_csv(data, index=False)
    plans(100, seed=1).to_csv(window, index=False)
    profile_with(home, tmp_path, data)
    done = run_mlgate(home, "drift", "--reference", str(tmp_path / "profile.json"), "--current",
                      str(window), cwd=tmp_path)  # fmt: skip
    assert "Traceback" not in done.stderr
    assert done.returncode == 0


def test_the_overflow_bucket_is_not_a_reference_category() -> None:
    """A window beyond MAX_CATEGORIES distinct values: 300 reference categories are compared
    in groups; the unseen category and the overflow stay out of them."""
    top = {f"c{i:03d}": 10 for i in range(300)}
    spec = {"kind": "categorical", "count": 3000, "nulls": 0, "distinct": 300, "top": top,
            "other": 0}  # fmt: skip
    window = CategoryWindow(kind="categorical", count=360,
                            counts={**dict.fromkeys(top, 1), "new": 50}, overflow=10)  # fmt: skip
    result = judge_column("code", spec, "jensenshannon", 0.1, window, min_rows=1)
    assert result.reasons[0] == "1 category the reference never had: 'new'"
    assert result.reasons[1].startswith("300 categories compared in ")
