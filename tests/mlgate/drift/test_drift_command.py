"""`mlgate drift` end to end: the real command on real files, every outcome it promises.

Exit 0 no drift, 1 drift, 2 could not check. Each edge case of the issue has one clear,
tested outcome: an empty window, too few rows, a missing or new column, all nulls, unseen
categories, a constant column, text in a numeric column, a profile of another schema. The
window arrives as CSV, Parquet, JSON lines or the service's request log, in one file or many,
and may be larger than one read batch; reports go to the terminal, JSON, Markdown, HTML and
the GitHub job summary.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import MLGATE, run_mlgate, tool_env

PLANS = ["basic", "plus", "pro"]
PLAN_SHARES = [0.5, 0.3, 0.2]
COLUMNS = ["age", "income", "plan", "active", "version"]


# --- data ---------------------------------------------------------------------------------------


def make_rows(
    n: int,
    seed: int,
    *,
    age_shift: float = 0.0,
    income_shift: float = 0.0,
    plans: list[str] = PLANS,
    plan_shares: list[float] = PLAN_SHARES,
    version: int = 3,
) -> list[dict[str, Any]]:
    """Rows like the reference's: age ~ N(40, 10), income ~ N(50000, 8000), a plan, a flag."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40.0 + age_shift, 10.0, n)
    income = rng.normal(50_000.0 + income_shift, 8000.0, n)
    plan = rng.choice(plans, n, p=plan_shares)
    active = rng.random(n) < 0.4
    return [
        {"age": float(a), "income": float(i), "plan": str(p), "active": bool(f),
         "version": version}
        for a, i, p, f in zip(age, income, plan, active, strict=True)
    ]  # fmt: skip


def write_csv(rows: list[dict[str, Any]], path: Path, columns: list[str] | None = None) -> Path:
    names = columns or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in names})
    return path


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_parquet(rows: list[dict[str, Any]], path: Path) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def run_drift(home: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`mlgate drift ARGS` in `cwd` (so no stray mlgate.yaml is read), as CI runs it."""
    return run_mlgate(home, "drift", *args, cwd=cwd, env=env)


def drift_json(home: Path, cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = run_drift(home, cwd, *args, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def columns_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {column["column"]: column for column in report["columns"]}


def profile_of(home: Path, data: Path, output: Path) -> Path:
    done = subprocess.run(
        [MLGATE, "profile", str(data), "-o", str(output)],
        capture_output=True,
        text=True,
        env=tool_env(home),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return output


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """A 2000-row reference (above the switch: Wasserstein and Jensen-Shannon)."""
    folder = tmp_path_factory.mktemp("reference")
    data = write_parquet(make_rows(2000, 1), folder / "reference.parquet")
    return profile_of(home, data, folder / "profile.json")


@pytest.fixture(scope="module")
def small_profile(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """A 500-row reference (KS, chi-square, Z-test)."""
    folder = tmp_path_factory.mktemp("small-reference")
    data = write_parquet(make_rows(500, 2), folder / "reference.parquet")
    return profile_of(home, data, folder / "profile.json")


# --- verdicts -----------------------------------------------------------------------------------


def test_clean_window_exits_0_with_a_table(profile: Path, tmp_path: Path, home: Path) -> None:
    """Text output: headline, sizes, the share, then one row per column."""
    window = write_csv(make_rows(1000, 10), tmp_path / "window.csv")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        "mlgate drift: NO DRIFT",
        "reference: 2000 rows; window: 1000 rows",
        "0 of 5 columns drifted (0%); the data set drifts at 50%",
    ]
    header = ["column", "kind", "method", "score", "threshold", "verdict", "notes"]
    assert lines[4].split() == header
    assert sorted(line.split()[0] for line in lines[6:11]) == sorted(COLUMNS)
    assert lines[11:] == [
        "",
        "predictions: not compared (the reference profile has none: `mlgate profile --outputs`)",
    ]
    assert done.stderr == ""


def test_drifted_window_exits_1_drifted_columns_first(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """Three of five columns moved: the data set drifts; the moved columns lead the table."""
    rows = make_rows(1000, 11, age_shift=10.0, income_shift=8000.0, plan_shares=[0.2, 0.3, 0.5])
    window = write_csv(rows, tmp_path / "window.csv")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "mlgate drift: DRIFT"
    assert lines[2] == "3 of 5 columns drifted (60%); the data set drifts at 50%"
    table = [line.split() for line in lines[6:11]]
    assert [row[0] for row in table[:3]] == ["age", "income", "plan"]
    assert [row[6] for row in table] == ["DRIFT"] * 3 + ["OK"] * 2  # threshold is ">= x"
    assert [row[2] for row in table[:3]] == ["wasserstein", "wasserstein", "jensenshannon"]


@pytest.mark.parametrize(
    ("share", "code"), [("0.2", 1), ("0.5", 0)], ids=["share-0.2", "share-default"]
)
def test_drift_share_decides_the_data_set(
    share: str, code: int, profile: Path, tmp_path: Path, home: Path
) -> None:
    """One drifted column of five (20%): drift at drift_share 0.2, none at 0.5."""
    window = write_csv(make_rows(1000, 12, age_shift=10.0), tmp_path / "window.csv")
    (tmp_path / "mlgate.yaml").write_text(f"drift:\n  drift_share: {share}\n", encoding="utf-8")
    result, report = drift_json(home, tmp_path, "--reference", str(profile), "--current",
                                str(window))  # fmt: skip
    assert result == code
    assert report["dataset"]["share_drifted"] == pytest.approx(0.2)
    assert report["dataset"]["drift_share"] == float(share)
    assert columns_of(report)["age"]["verdict"] == "DRIFT"


# --- edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["empty-csv", "header-only-csv", "empty-jsonl", "empty-parquet"])
def test_empty_window_exits_2_no_current_rows(
    kind: str, profile: Path, tmp_path: Path, home: Path
) -> None:
    """No rows at all is never a pass."""
    if kind == "empty-csv":
        window = tmp_path / "w.csv"
        window.write_text("", encoding="utf-8")
    elif kind == "header-only-csv":
        window = tmp_path / "w.csv"
        window.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    elif kind == "empty-jsonl":
        window = tmp_path / "w.jsonl"
        window.write_text("\n\n", encoding="utf-8")
    else:
        window = tmp_path / "w.parquet"
        empty = pa.Table.from_pylist(make_rows(5, 1)).slice(0, 0)
        pq.write_table(empty, window)
    summary = tmp_path / "summary.md"
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window),
                     GITHUB_STEP_SUMMARY=str(summary))  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "mlgate drift: could not check: no current rows: the window is empty\n"
    assert summary.read_text(encoding="utf-8").startswith("### ⚠️ mlgate drift: could not check")


def test_fewer_rows_than_min_rows_is_unmeasured_and_exits_2(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """10 rows, min_rows 30: every column UNMEASURED, said so; nothing judged is exit 2."""
    window = write_csv(make_rows(10, 13), tmp_path / "window.csv")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window),
                     "--format", "json")  # fmt: skip
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["verdict"] == "could_not_check"
    assert report["dataset"]["share_drifted"] is None
    for column in report["columns"]:
        assert column["verdict"] == "UNMEASURED"
        assert column["reasons"] == ["only 10 values in the window; min_rows is 30"]
    assert "no column could be judged: active, age, income, plan, version" in report["notes"]


def test_one_sparse_column_is_unmeasured_the_others_judged(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """income has 20 values (min_rows 30): UNMEASURED and left out of the share."""
    rows = make_rows(400, 14, age_shift=10.0)
    for index, row in enumerate(rows):
        if index % 20:
            row["income"] = None
    window = write_csv(rows, tmp_path / "window.csv")
    code, report = drift_json(home, tmp_path, "--reference", str(profile), "--current",
                              str(window))  # fmt: skip
    income = columns_of(report)["income"]
    assert income["verdict"] == "UNMEASURED"
    assert income["reasons"] == ["only 20 values in the window; min_rows is 30"]
    assert income["null_share_current"] == pytest.approx(0.95)
    assert report["dataset"]["share_drifted"] == pytest.approx(1 / 4)  # age of 4 judged
    assert code == 0


def test_min_rows_from_the_policy(profile: Path, tmp_path: Path, home: Path) -> None:
    """drift.min_rows 5 lets a 10-row window be judged."""
    window = write_csv(make_rows(10, 13), tmp_path / "window.csv")
    (tmp_path / "mlgate.yaml").write_text("drift:\n  min_rows: 5\n", encoding="utf-8")
    _, report = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert {c["verdict"] for c in report["columns"]} <= {"OK", "DRIFT"}


def test_missing_column_is_reported_and_counts_as_drifted(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """A reference column absent from the window is MISSING, first, and drifted."""
    window = write_csv(make_rows(500, 15), tmp_path / "w.csv", ["age", "plan", "active", "version"])
    code, report = drift_json(home, tmp_path, "--reference", str(profile), "--current",
                              str(window))  # fmt: skip
    first = report["columns"][0]
    assert first["column"] == "income"
    assert (first["verdict"], first["drifted"]) == ("MISSING", True)
    assert first["reasons"] == ["the column is missing from the window (counted as drifted)"]
    assert report["dataset"]["share_drifted"] == pytest.approx(1 / 5)
    assert code == 0
    text = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert "MISSING" in text.stdout.splitlines()[6]


def test_new_column_is_reported_and_ignored(profile: Path, tmp_path: Path, home: Path) -> None:
    """A column the reference lacks is named in a note, never judged."""
    rows = [{**row, "referrer": "ads"} for row in make_rows(500, 16)]
    window = write_csv(rows, tmp_path / "window.csv")
    code, report = drift_json(home, tmp_path, "--reference", str(profile), "--current",
                              str(window))  # fmt: skip
    assert code == 0
    assert report["new_columns"] == ["referrer"]
    assert "columns the reference does not have (not checked): referrer" in report["notes"]
    assert "referrer" not in columns_of(report)


def test_an_excluded_column_is_not_called_new(tmp_path: Path, home: Path) -> None:
    """The target left out of the profile with --exclude is known, not a new column."""
    rows = make_rows(1200, 40)
    data = write_csv([{**row, "target": i % 2} for i, row in enumerate(rows)], tmp_path / "d.csv")
    output = tmp_path / "p.json"
    done = subprocess.run([MLGATE, "profile", str(data), "--exclude", "target", "-o",
                           str(output)], capture_output=True, text=True, env=tool_env(home),
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(output.read_text(encoding="utf-8"))["excluded"] == ["target"]
    _, report = drift_json(home, tmp_path, "--reference", str(output), "--current", str(data))
    assert report["new_columns"] == []
    assert "target" not in columns_of(report)


def test_all_null_column_in_the_window_drifts(profile: Path, tmp_path: Path, home: Path) -> None:
    """Every value null where the reference had none: DRIFT, with the reason."""
    rows = [{**row, "plan": None} for row in make_rows(500, 17)]
    window = write_csv(rows, tmp_path / "window.csv")
    _, report = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(window))
    plan = columns_of(report)["plan"]
    assert plan["verdict"] == "DRIFT"
    assert plan["reasons"] == ["every value in the window is null (reference: 0% null)"]
    assert plan["score"] is None
    assert plan["null_share_current"] == 1.0


def test_all_null_column_in_the_reference_is_unmeasured(tmp_path: Path, home: Path) -> None:
    """A reference column with no values cannot be compared, in the window full or empty."""
    reference = make_rows(2000, 18)
    for row in reference:
        row["note"] = None
    data = write_csv(reference, tmp_path / "reference.csv")
    profile = profile_of(home, data, tmp_path / "p.json")
    window = write_csv([{**row, "note": "x"} for row in make_rows(500, 19)], tmp_path / "w.csv")
    _, report = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(window))
    note = columns_of(report)["note"]
    assert note["verdict"] == "UNMEASURED"
    assert note["reasons"] == ["the reference has no values in this column"]
    assert note["reference_count"] == 0


def test_all_null_numeric_column_in_a_small_reference_is_unmeasured(
    tmp_path: Path, home: Path
) -> None:
    """Parquet keeps the float type of an all-null column; it must not stop the check."""
    table = pa.Table.from_pylist(make_rows(500, 20))
    table = table.append_column("note", pa.array([None] * 500, pa.float64()))
    pq.write_table(table, tmp_path / "reference.parquet")
    profile = profile_of(home, tmp_path / "reference.parquet", tmp_path / "p.json")
    window = write_csv(make_rows(300, 21), tmp_path / "w.csv")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window),
                     "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert columns_of(json.loads(done.stdout))["note"]["verdict"] == "UNMEASURED"


def test_unseen_categories_are_named(
    profile: Path, small_profile: Path, tmp_path: Path, home: Path
) -> None:
    """A plan the reference never had is named; chi-square calls it certain drift."""
    shares = [0.495, 0.3, 0.195, 0.01]
    rows = make_rows(600, 22, plans=[*PLANS, "enterprise"], plan_shares=shares)
    window = write_csv(rows, tmp_path / "window.csv")
    for reference, method in ((profile, "jensenshannon"), (small_profile, "chisquare")):
        _, report = drift_json(home, tmp_path, "--reference", str(reference), "--current",
                               str(window))  # fmt: skip
        plan = columns_of(report)["plan"]
        assert plan["method"] == method
        assert plan["reasons"] == ["1 category the reference never had: 'enterprise'"]
        if method == "chisquare":
            assert (plan["score"], plan["verdict"]) == (0.0, "DRIFT")
        else:
            assert plan["verdict"] == "OK"  # 1% of new mass is a small distance


@pytest.mark.parametrize(("version", "verdict"), [(3, "OK"), (4, "DRIFT")])
def test_constant_column(
    version: int, verdict: str, profile: Path, small_profile: Path, tmp_path: Path, home: Path
) -> None:
    """A constant compared as a category: the same constant is OK, another one drifts."""
    window = write_csv(make_rows(300, 23, version=version), tmp_path / "window.csv")
    for reference, method in ((profile, "jensenshannon"), (small_profile, "ztest")):
        _, report = drift_json(home, tmp_path, "--reference", str(reference), "--current",
                               str(window))  # fmt: skip
        column = columns_of(report)["version"]
        assert (column["method"], column["verdict"]) == (method, verdict)
        if version == 4:
            assert column["reasons"] == ["1 category the reference never had: '4'"]


def test_text_in_a_numeric_column_is_counted_and_left_out(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """CSV: 'unknown' and '4O' in age are not numbers; said so, and age is judged without them."""
    rows = make_rows(500, 24)
    for index in range(0, 500, 25):
        rows[index]["age"] = "unknown" if index % 50 else "4O"
    window = write_csv(rows, tmp_path / "window.csv")
    code, report = drift_json(home, tmp_path, "--reference", str(profile), "--current",
                              str(window))  # fmt: skip
    age = columns_of(report)["age"]
    assert age["verdict"] == "OK"
    assert age["current_count"] == 480
    (reason,) = age["reasons"]
    assert reason.startswith("20 values are not numbers (e.g. ") and reason.endswith("; left out")
    assert "'unknown'" in reason and "'4O'" in reason
    assert reason.count("'unknown'") == 1  # examples are distinct
    assert age["null_share_current"] == 0.0
    assert code == 0


def test_a_numeric_column_of_text_only_is_not_called_null(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """The verdict may be DRIFT, but the reason must not say null."""
    rows = [{**row, "age": "adult"} for row in make_rows(300, 25)]
    window = write_csv(rows, tmp_path / "window.csv")
    _, report = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(window))
    age = columns_of(report)["age"]
    assert age["verdict"] == "DRIFT"
    assert not any("null" in reason for reason in age["reasons"]), age["reasons"]


def test_profile_of_another_schema_exits_2_naming_the_difference(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """Most reference columns absent: not drift but the wrong profile; both sides named."""
    rows = [{"height": 1.8, "plan": "basic", "weight": 80.0}] * 50
    window = write_jsonl(rows, tmp_path / "window.jsonl")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "mlgate drift: could not check: the window does not look like the reference's data: "
        "4 of 5 reference columns are missing (active, age, income, version); the window has: "
        "height, plan, weight. Is this profile from another schema?"
    )


def test_a_time_column_ignored_by_the_profile_is_not_called_new(tmp_path: Path, home: Path) -> None:
    """The note about new columns must not list columns the profile deliberately skipped (a
    time of day: no calendar to compare it on)."""
    rows = [{"when": f"{10 + i % 8:02d}:00:00", **row}
            for i, row in enumerate(make_rows(1200, 26))]  # fmt: skip
    data = write_csv(rows, tmp_path / "data.csv")
    profile = profile_of(home, data, tmp_path / "p.json")
    assert "when" in json.loads(profile.read_text(encoding="utf-8"))["ignored"]
    _, report = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(data))
    assert report["new_columns"] == []


# --- window formats ---------------------------------------------------------------------------


def test_request_log_is_a_first_class_window(profile: Path, tmp_path: Path, home: Path) -> None:
    """One request per line: only the features are compared; ts and prediction are not 'new'."""
    log = tmp_path / "requests.jsonl"
    lines = [
        {"ts": f"2024-05-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z", "model_version": "v1",
         "features": row, "prediction": i % 2}
        for i, row in enumerate(make_rows(800, 27))
    ]  # fmt: skip
    write_jsonl(lines, log)
    code, report = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(log))
    assert code == 0
    assert report["dataset"]["current_rows"] == 800
    assert report["new_columns"] == []
    assert {c["column"]: c["current_count"] for c in report["columns"]} == dict.fromkeys(
        COLUMNS, 800
    )


def test_request_log_with_a_features_batch_per_line(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """A batch request ("features": [...]) counts one row per item; the same scores as flat."""
    rows = make_rows(800, 28, age_shift=10.0)
    batched = [
        {"ts": "2024-05-01T10:00:00Z", "model_version": "v1", "features": rows[i : i + 8],
         "prediction": [0] * 8}
        for i in range(0, 800, 8)
    ]  # fmt: skip
    log = write_jsonl(batched, tmp_path / "batched.jsonl")
    flat = write_csv(rows, tmp_path / "flat.csv")
    _, from_log = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(log))
    _, from_csv = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(flat))
    assert from_log["dataset"]["current_rows"] == 800
    assert from_log["columns"] == from_csv["columns"]
    assert columns_of(from_log)["age"]["verdict"] == "DRIFT"


def test_several_current_files_are_read_together(profile: Path, tmp_path: Path, home: Path) -> None:
    """CSV + JSON lines + Parquet parts give the result of the whole window in one file."""
    rows = make_rows(1500, 29, income_shift=3000.0)
    parts = [
        write_csv(rows[:500], tmp_path / "part1.csv"),
        write_jsonl(rows[500:1000], tmp_path / "part2.jsonl"),
        write_parquet(rows[1000:], tmp_path / "part3.parquet"),
    ]
    whole = write_parquet(rows, tmp_path / "whole.parquet")
    _, split = drift_json(home, tmp_path, "--reference", str(profile), "--current",
                          *map(str, parts))  # fmt: skip
    _, joined = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(whole))
    assert split["dataset"]["current_rows"] == 1500
    for left, right in zip(split["columns"], joined["columns"], strict=True):
        assert left["column"] == right["column"]
        assert left["current_count"] == right["current_count"] == 1500
        assert left["score"] == pytest.approx(right["score"], rel=1e-12)
        assert left["verdict"] == right["verdict"]


def test_a_window_larger_than_one_batch(profile: Path, tmp_path: Path, home: Path) -> None:
    """150k rows of Parquet (3 read batches) give exactly the single-pass scores."""
    from mlgate.drift import stats as drift_stats
    from mlgate.drift.window import accumulator_for

    rng = np.random.default_rng(30)
    n = 150_000
    table = pa.table(
        {
            "age": rng.normal(42.0, 10.0, n),
            "income": rng.normal(50_000.0, 8000.0, n),
            "plan": rng.choice(PLANS, n, p=PLAN_SHARES),
            "active": rng.random(n) < 0.4,
            "version": np.full(n, 3),
        }
    )
    window = tmp_path / "big.parquet"
    pq.write_table(table, window)
    _, report = drift_json(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert report["dataset"]["current_rows"] == n
    assert all(column["current_count"] == n for column in report["columns"])
    spec = json.loads(profile.read_text(encoding="utf-8"))["columns"]["age"]
    one_pass = accumulator_for(spec, needs_sample=False, seed=0)
    one_pass.add(table["age"])
    reference_bins = drift_stats.Binned(spec["edges"], spec["counts"], spec["sums"])
    expected = drift_stats.wasserstein_normed(reference_bins, one_pass.binned(), spec["std"])
    assert columns_of(report)["age"]["score"] == pytest.approx(expected, rel=1e-12)


def test_ks_on_a_window_above_the_sample_cap(
    small_profile: Path, tmp_path: Path, home: Path
) -> None:
    """150k values: KS runs on a 100k uniform sample, close to KS on the whole window."""
    from scipy import stats

    rng = np.random.default_rng(31)
    ages = rng.normal(40.5, 10.0, 150_000)
    rows = pa.table({"age": ages, "income": rng.normal(50_000.0, 8000.0, 150_000)})
    window = tmp_path / "big.parquet"
    pq.write_table(rows, window)
    (tmp_path / "mlgate.yaml").write_text(
        "drift:\n  columns:\n" + "".join(f"    {c}: {{ignore: true}}\n" for c in COLUMNS[2:]),
        encoding="utf-8",
    )
    _, report = drift_json(home, tmp_path, "--reference", str(small_profile), "--current",
                           str(window))  # fmt: skip
    age = columns_of(report)["age"]
    assert age["method"] == "ks" and age["current_count"] == 150_000
    sample = json.loads(small_profile.read_text(encoding="utf-8"))["columns"]["age"]["sample"]
    full = stats.ks_2samp(sample, ages).statistic
    shown = float(re.search(r"KS statistic (\d\.\d+)", age["reasons"][0]).group(1))
    assert shown == pytest.approx(full, abs=0.01)  # a 100k subsample moves the ECDF < 0.01


# --- policy -------------------------------------------------------------------------------------


def test_policy_overrides_method_threshold_and_ignore(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """psi on age, a threshold that tolerates the income shift, plan ignored."""
    rows = make_rows(1000, 32, age_shift=10.0, income_shift=8000.0, plan_shares=[0.2, 0.3, 0.5])
    window = write_csv(rows, tmp_path / "window.csv")
    (tmp_path / "mlgate.yaml").write_text(
        textwrap.dedent(
            """\
            drift:
              columns:
                age: {method: psi}
                income: {threshold: 5}
                plan: {ignore: true}
            """
        ),
        encoding="utf-8",
    )
    code, report = drift_json(home, tmp_path, "--reference", str(profile), "--current",
                              str(window))  # fmt: skip
    columns = columns_of(report)
    assert (columns["age"]["method"], columns["age"]["threshold"]) == ("psi", 0.1)
    assert columns["age"]["verdict"] == "DRIFT"
    assert columns["income"]["method"] == "wasserstein"
    assert (columns["income"]["threshold"], columns["income"]["verdict"]) == (5.0, "OK")
    assert columns["plan"]["verdict"] == "IGNORED"
    assert columns["plan"]["reasons"] == ["ignored by the policy"]
    assert report["columns"][-1]["column"] == "plan"
    assert report["dataset"]["share_drifted"] == pytest.approx(1 / 4)  # plan not counted
    assert code == 0


def test_config_flag_and_policy_paths(profile: Path, tmp_path: Path, home: Path) -> None:
    """--config names the file; drift.reference and drift.current.path stand in for flags."""
    window = write_csv(make_rows(500, 33), tmp_path / "window.csv")
    config = tmp_path / "conf" / "policy.yaml"
    config.parent.mkdir()
    config.write_text(
        f"drift:\n  reference: {profile}\n  current: {{path: {window}}}\n  drift_share: 1\n",
        encoding="utf-8",
    )
    done = run_drift(home, tmp_path, "--config", str(config), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["dataset"]["drift_share"] == 1.0
    assert report["dataset"]["current_rows"] == 500


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("drift:\n  drift_shares: 0.3\n", "mlgate.yaml: drift: unknown key 'drift_shares'"),
        (
            "drift:\n  columns:\n    age: {methd: psi}\n",
            "mlgate.yaml: drift.columns.age: unknown key 'methd'",
        ),
        (
            "drift:\n  columns:\n    age: {method: ks2}\n",
            "mlgate.yaml: drift.columns.age.method must be one of ks, chisquare, ztest, "
            "wasserstein, jensenshannon, psi, not the text 'ks2'",
        ),
        (
            "drift:\n  columns:\n    ghost: {ignore: true}\n",
            "mlgate.yaml: drift.columns names columns the reference profile does not have: ghost",
        ),
        (
            "drift:\n  columns:\n    plan: {method: ks}\n",
            "mlgate.yaml: ks needs a numeric column; 'plan' is categorical",
        ),
        (
            "drift:\n  columns:\n    age: {method: chisquare}\n",
            "mlgate.yaml: chisquare needs categories; 'age' is numeric with 2000 distinct values",
        ),
        ("drift:\n  columns:\n    age: {}\n", "drift.columns.age sets nothing"),
        ("drift:\n  drift_share: 0\n", "drift.drift_share must be above 0 and at most 1"),
        ("drift:\n  min_rows: 0\n", "drift.min_rows must be a whole number of at least 1, not 0"),
        (
            "drift:\n  columns:\n    age: {threshold: -1}\n",
            "drift.columns.age.threshold must be 0 or more",
        ),
    ],
)
def test_bad_drift_policy_exits_2(
    policy: str, message: str, profile: Path, tmp_path: Path, home: Path
) -> None:
    """A policy that cannot be applied stops the check and names the place."""
    window = write_csv(make_rows(100, 34), tmp_path / "window.csv")
    (tmp_path / "mlgate.yaml").write_text(policy, encoding="utf-8")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("mlgate drift: could not check: ")
    assert message in done.stderr


def test_ks_without_a_sample_in_the_profile_exits_2(tmp_path: Path, home: Path) -> None:
    """A profile made with --sample 0 cannot serve KS: said so, not a silent pass."""
    data = write_csv(make_rows(500, 35), tmp_path / "reference.csv")
    done = subprocess.run(
        [MLGATE, "profile", str(data), "-o", str(tmp_path / "p.json"), "--sample", "0"],
        env=tool_env(home),
        capture_output=True,
        check=True,
    )
    assert done.returncode == 0
    run = run_drift(home, tmp_path, "--reference", "p.json", "--current", str(data))
    assert run.returncode == 2
    assert "defaults: the profile has no raw sample of 'age' for KS" in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no current window: pass --current DATA or set drift.current.path"),
        (["--current", "window.txt"], "unknown data format '.txt'"),
        (["--current", "absent.csv"], "absent.csv: data file not found"),
    ],
)
def test_window_that_cannot_be_read_exits_2(
    args: list[str], message: str, profile: Path, tmp_path: Path, home: Path
) -> None:
    (tmp_path / "window.txt").write_text("age\n1\n", encoding="utf-8")
    done = run_drift(home, tmp_path, "--reference", str(profile), *args)
    assert done.returncode == 2
    assert message in done.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.jsonl", '{"age": 1\n', "broken.jsonl:1: not a JSON object"),
        ("array.jsonl", "[1, 2]\n", "array.jsonl:1: each line must be a JSON object"),
        ("ragged.csv", "age,plan\n1,basic\n2,plus,extra\n", "ragged.csv: cannot read as csv"),
        ("bad.parquet", "PAR1 not really", "bad.parquet: not a Parquet file"),
    ],
)
def test_a_malformed_window_exits_2(
    name: str, content: str, message: str, profile: Path, tmp_path: Path, home: Path
) -> None:
    """A window that cannot be parsed names the file (and line), never a traceback."""
    (tmp_path / name).write_text(content, encoding="utf-8")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", name)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_window_with_duplicate_column_names_exits_2(
    profile: Path, tmp_path: Path, home: Path
) -> None:
    """Which 'age' would be compared? The check cannot know, so it must not judge."""
    window = tmp_path / "dup.csv"
    lines = ["age,age,income,plan,active,version"]
    lines += [f"{30 + i % 20},{31 + i % 20},50000,basic,true,3" for i in range(100)]
    window.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_drift(home, tmp_path, "--reference", str(profile), "--current", str(window))
    assert "Traceback" not in done.stderr
    assert done.returncode == 2


# --- reports ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drifted_run(
    profile: Path, tmp_path_factory: pytest.TempPathFactory, home: Path
) -> dict[str, Any]:
    """One drifted window reported every way at once: md on stdout, JSON, HTML, job summary."""
    folder = tmp_path_factory.mktemp("reports")
    rows = make_rows(1000, 36, age_shift=10.0, income_shift=8000.0, plan_shares=[0.2, 0.3, 0.5])
    window = write_csv(rows, folder / "window.csv")
    summary = folder / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    done = run_drift(
        home, folder, "--reference", str(profile), "--current", str(window), "--format", "md",
        "--json", "out/drift.json", "--report", "out/drift.html",
        GITHUB_STEP_SUMMARY=str(summary),
    )  # fmt: skip
    as_json = run_drift(home, folder, "--reference", str(profile), "--current", str(window),
                        "--format", "json")  # fmt: skip
    return {"done": done, "folder": folder, "summary": summary, "stdout_json": as_json}


def test_markdown_report(drifted_run: dict[str, Any]) -> None:
    """A headline with the verdict, then the table, drifted columns first."""
    done = drifted_run["done"]
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "### ❌ mlgate drift: DRIFT"
    assert lines[2].startswith("3 of 5 columns drifted (60%); the data set drifts at 50%")
    assert lines[4] == "| column | kind | method | score | threshold | verdict | notes |"
    rows = [line for line in lines if line.startswith("| `")]
    assert [row.split("|")[6].strip() for row in rows] == ["DRIFT"] * 3 + ["OK"] * 2
    assert rows[0].startswith("| `age` | numeric | wasserstein |")


def test_json_file_equals_json_format(drifted_run: dict[str, Any]) -> None:
    """--json FILE writes what --format json prints (folders created)."""
    written = json.loads((drifted_run["folder"] / "out" / "drift.json").read_text("utf-8"))
    printed = json.loads(drifted_run["stdout_json"].stdout)
    assert written == printed
    assert written["schema"] == "mlgate.drift/1"
    assert (written["verdict"], written["exit_code"]) == ("drift", 1)
    assert set(written["columns"][0]) == {
        "column", "kind", "method", "score", "threshold", "verdict", "drifted", "reasons",
        "reference_count", "current_count", "null_share_reference", "null_share_current",
    }  # fmt: skip


def test_html_report_is_self_contained(drifted_run: dict[str, Any]) -> None:
    """No remote resource or script; a chart per column; drifted rows above OK rows."""
    page = (drifted_run["folder"] / "out" / "drift.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    assert page.count("<svg") == 5
    assert page.index("<td>income</td>") < page.index("<td>active</td>")  # DRIFT before OK
    assert page.index("<td>plan</td>") < page.index("<td>version</td>")
    assert '<td class="DRIFT">DRIFT</td>' in page


def test_job_summary_gets_the_markdown(drifted_run: dict[str, Any]) -> None:
    """$GITHUB_STEP_SUMMARY is appended to, with the Markdown report."""
    summary = drifted_run["summary"].read_text(encoding="utf-8")
    assert summary == "earlier step\n" + drifted_run["done"].stdout


# --- imports ------------------------------------------------------------------------------------


def modules_loaded(home: Path, cwd: Path, argv: list[str]) -> list[str]:
    """Run mlgate.cli.main in a fresh interpreter; which heavy modules did it load?"""
    code = (
        "import contextlib, io, sys, mlgate.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = mlgate.cli.main({argv!r})\n"
        "assert code in (0, 1), code\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'great_expectations') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=tool_env(home),
        cwd=cwd,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().replace("'", '"'))


def test_a_large_reference_does_not_import_scipy(profile: Path, tmp_path: Path, home: Path) -> None:
    """Wasserstein and Jensen-Shannon are numpy only."""
    window = write_csv(make_rows(500, 37), tmp_path / "window.csv")
    loaded = modules_loaded(home, tmp_path, ["drift", "--reference", str(profile), "--current",
                                             str(window)])  # fmt: skip
    assert "scipy" not in loaded


def test_a_small_reference_imports_scipy(small_profile: Path, tmp_path: Path, home: Path) -> None:
    """The control for the test above: KS and chi-square do need scipy."""
    window = write_csv(make_rows(500, 38), tmp_path / "window.csv")
    loaded = modules_loaded(home, tmp_path, ["drift", "--reference", str(small_profile),
                                             "--current", str(window)])  # fmt: skip
    assert "scipy" in loaded


def test_drift_does_not_import_pandas(profile: Path, tmp_path: Path, home: Path) -> None:
    """The drift path is Arrow and numpy only (pandas is ~0.1 s and much memory)."""
    window = write_csv(make_rows(500, 39), tmp_path / "window.csv")
    loaded = modules_loaded(home, tmp_path, ["drift", "--reference", str(profile), "--current",
                                             str(window)])  # fmt: skip
    assert "pandas" not in loaded
