"""`mlgate profile`: what a reference profile holds, and that it is reproducible to the byte.

A drift check never re-reads the reference, so the profile must carry everything the tests
need and nothing that changes between runs (time, paths). The same table as CSV, Parquet and
JSON lines must give the same column summaries. A profile `mlgate drift` cannot trust must
stop it with exit 2 and a message, never let it judge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from support import run_mlgate

from mlgate.cli import main
from mlgate.drift.profile import ProfileSettings, build_profile

ROWS = 3000
CITIES = ["Oslo", "Lima", "Pune", "Kobe", "Nice", "Bonn", "Graz", "Agra"]
CITY_SHARES = [0.30, 0.22, 0.16, 0.12, 0.08, 0.06, 0.04, 0.02]
PROFILED = ["amount", "rooms", "city", "member"]


def reference_table(rows: int = ROWS, seed: int = 0) -> pa.Table:
    """Every kind a profile knows, with nulls, plus a target to exclude and a timestamp."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(100.0, 15.0, rows)
    city = rng.choice(CITIES, rows, p=CITY_SHARES).astype(object)
    city[::50] = None
    hours = [dt.time(i % 24, i % 60) for i in range(rows)]  # a time of day: no calendar
    return pa.table(
        {
            "amount": pa.array([None if i % 20 == 0 else v for i, v in enumerate(amount)]),
            "rooms": rng.integers(1, 5, rows),
            "city": pa.array(list(city), pa.string()),
            "member": rng.random(rows) < 0.3,
            "target": rng.integers(0, 2, rows),
            "when": pa.array(hours, pa.time32("s")),
        }
    )


def write_jsonl(table: pa.Table, path: Path) -> None:
    """One JSON object per row, as a service would log it (no time type in JSON)."""
    with path.open("w", encoding="utf-8") as handle:
        for row in table.drop_columns(["when"]).to_pylist():
            handle.write(json.dumps(row) + "\n")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same table as CSV, Parquet and JSON lines."""
    folder = tmp_path_factory.mktemp("reference")
    table = reference_table()
    pcsv.write_csv(table, folder / "ref.csv")
    pq.write_table(table, folder / "ref.parquet")
    write_jsonl(table, folder / "ref.jsonl")
    return folder


@pytest.fixture(scope="module")
def profiles(data_dir: Path, home: Path) -> dict[str, dict[str, Any]]:
    """The profile of each format, target excluded, 3 categories kept, a 500-value sample."""
    result = {}
    for name in ("ref.csv", "ref.parquet", "ref.jsonl"):
        output = data_dir / f"{name}.profile.json"
        args = ["profile", str(data_dir / name), "-o", str(output), "--exclude", "target"]
        done = run_mlgate(home, *args, "--top-k", "3", "--sample", "500")
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        result[name.split(".")[1]] = json.loads(output.read_text(encoding="utf-8"))
    return result


# --- contents ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_kinds_counts_nulls_and_distinct(profiles: dict[str, Any], fmt: str) -> None:
    """Kinds from the data's types; nulls counted apart from values."""
    profile = profiles[fmt]
    assert profile["schema"] == "mlgate.profile/1"
    assert profile["rows"] == ROWS
    columns = profile["columns"]
    assert list(columns) == sorted(PROFILED)  # keys are sorted for byte-stable output
    assert {name: spec["kind"] for name, spec in columns.items()} == {
        "amount": "numeric", "rooms": "numeric", "city": "categorical", "member": "boolean",
    }  # fmt: skip
    assert (columns["amount"]["count"], columns["amount"]["nulls"]) == (ROWS - 150, 150)
    assert (columns["city"]["count"], columns["city"]["nulls"]) == (ROWS - 60, 60)
    assert (columns["rooms"]["nulls"], columns["member"]["nulls"]) == (0, 0)
    assert columns["amount"]["distinct"] == ROWS - 150
    assert columns["rooms"]["distinct"] == 4
    assert columns["city"]["distinct"] == len(CITIES)
    assert columns["member"]["distinct"] == 2


def test_the_three_formats_give_the_same_summaries(profiles: dict[str, Any]) -> None:
    """CSV, Parquet and JSON lines of one table: same columns, same schema hash."""
    assert profiles["csv"]["columns"] == profiles["parquet"]["columns"]
    assert profiles["csv"]["columns"] == profiles["jsonl"]["columns"]
    assert len({p["schema_hash"] for p in profiles.values()}) == 1
    assert len({p["source_hash"] for p in profiles.values()}) == 3


def test_numeric_bins_edges_and_moments(profiles: dict[str, Any], data_dir: Path) -> None:
    """Quantile edges from min to max, counts on them that add up to the values."""
    amount = profiles["parquet"]["columns"]["amount"]
    values = pq.read_table(data_dir / "ref.parquet")["amount"].drop_null().to_numpy()
    edges, counts = amount["edges"], amount["counts"]
    assert len(edges) == len(counts) + 1 == 101
    assert edges == sorted(edges) and len(set(edges)) == len(edges)
    assert (edges[0], edges[-1]) == (values.min(), values.max())
    assert (amount["min"], amount["max"]) == (values.min(), values.max())
    assert sum(counts) == amount["count"]
    assert edges == pytest.approx(list(np.quantile(values, np.linspace(0, 1, 101))), abs=0)
    assert counts == list(np.histogram(values, bins=edges)[0])
    inner = np.digitize(values, edges[1:-1])  # the same bins, numbered 0..99
    sums = [float(values[inner == i].sum()) for i in range(len(counts))]
    assert amount["sums"] == pytest.approx(sums, rel=1e-9)
    assert amount["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert amount["std"] == pytest.approx(values.std(), rel=1e-12)
    assert "values" not in amount  # more than 5 distinct: not a set of categories


def test_discrete_numeric_keeps_its_values(profiles: dict[str, Any]) -> None:
    """Numeric with <= 5 distinct values: the value counts, keyed like categories."""
    rooms = profiles["csv"]["columns"]["rooms"]
    assert set(rooms["values"]) == {"1", "2", "3", "4"}
    assert sum(rooms["values"].values()) == ROWS
    assert rooms["edges"][0] == 1.0 and rooms["edges"][-1] == 4.0
    assert sum(rooms["counts"]) == ROWS


def test_top_k_categories_and_other(profiles: dict[str, Any], data_dir: Path) -> None:
    """The K most frequent categories, then everything else counted as 'other'."""
    city = profiles["csv"]["columns"]["city"]
    column = pq.read_table(data_dir / "ref.parquet")["city"].drop_null().to_pylist()
    counted = {name: column.count(name) for name in set(column)}
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    assert city["top"] == dict(ranked[:3])
    assert city["other"] == sum(count for _, count in ranked[3:])
    assert sum(city["top"].values()) + city["other"] == city["count"]
    member = profiles["jsonl"]["columns"]["member"]
    assert set(member["top"]) == {"true", "false"} and member["other"] == 0


def test_sample_is_capped_sorted_and_drawn_from_the_values(
    profiles: dict[str, Any], data_dir: Path
) -> None:
    """--sample 500: 500 distinct rows of the column, sorted; categories carry no sample."""
    amount = profiles["csv"]["columns"]["amount"]
    values = set(pq.read_table(data_dir / "ref.parquet")["amount"].drop_null().to_pylist())
    assert len(amount["sample"]) == 500
    assert amount["sample"] == sorted(amount["sample"])
    assert set(amount["sample"]) <= values and len(set(amount["sample"])) == 500
    assert "sample" not in profiles["csv"]["columns"]["city"]
    assert profiles["csv"]["settings"] == {"bins": 100, "top_k": 3, "sample": 500, "seed": 0}


def test_sample_is_the_whole_column_below_the_cap(data_dir: Path, home: Path) -> None:
    """Below the cap (default 5000) the sample is every value, so KS sees the reference."""
    output = data_dir / "full-sample.json"
    assert run_mlgate(home, "profile", str(data_dir / "ref.csv"), "-o", str(output)).returncode == 0
    amount = json.loads(output.read_text(encoding="utf-8"))["columns"]["amount"]
    values = pq.read_table(data_dir / "ref.parquet")["amount"].drop_null().to_numpy()
    assert amount["sample"] == sorted(values.tolist())


def test_seed_decides_the_sample(data_dir: Path, home: Path) -> None:
    """Same seed, same sample; another seed, another sample of the same size."""
    samples = []
    for seed in ("0", "0", "1"):
        output = data_dir / f"seed-{len(samples)}.json"
        args = ["profile", str(data_dir / "ref.parquet"), "-o", str(output), "--sample", "200"]
        assert run_mlgate(home, *args, "--seed", seed).returncode == 0
        samples.append(json.loads(output.read_text(encoding="utf-8"))["columns"]["amount"])
    assert samples[0]["sample"] == samples[1]["sample"]
    assert samples[0]["sample"] != samples[2]["sample"]
    assert len(samples[2]["sample"]) == 200


def test_exclude_and_ignored_time_of_day(profiles: dict[str, Any]) -> None:
    """--exclude drops a column entirely; a time of day is listed as not profiled, with its
    type (dates are profiled: test_datetime_is_profiled_as_days)."""
    for fmt in ("csv", "parquet"):
        assert "target" not in profiles[fmt]["columns"]
        assert "target" not in profiles[fmt]["ignored"]
        assert list(profiles[fmt]["ignored"]) == ["when"]
        assert profiles[fmt]["ignored"]["when"].startswith("time32[")
    assert profiles["jsonl"]["ignored"] == {}


def test_profile_says_what_it_did(data_dir: Path, home: Path, tmp_path: Path) -> None:
    """One summary line, then each column not profiled with its type."""
    output = tmp_path / "nested" / "dir" / "p.json"  # parent folders are created
    done = run_mlgate(home, "profile", str(data_dir / "ref.csv"), "-o", str(output))
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        f"profiled {ROWS} rows, 5 columns (3 numeric, 1 categorical, 1 boolean) -> {output}",
        "  not profiled: when (time32[s])",
    ]
    assert output.is_file()


def test_request_log_profiles_the_features(tmp_path: Path, home: Path) -> None:
    """The service's request log: the features are the columns, the envelope is not."""
    log = tmp_path / "requests.jsonl"
    rng = np.random.default_rng(5)
    with log.open("w", encoding="utf-8") as handle:
        for i in range(200):
            features = {"age": float(rng.normal(40, 8)), "plan": ["a", "b"][i % 2]}
            line = {"ts": f"2024-05-01T00:00:{i % 60:02d}Z", "model_version": "v1",
                    "features": features, "prediction": i % 2}  # fmt: skip
            handle.write(json.dumps(line) + "\n")
    output = tmp_path / "p.json"
    assert run_mlgate(home, "profile", str(log), "-o", str(output)).returncode == 0
    profile = json.loads(output.read_text(encoding="utf-8"))
    assert set(profile["columns"]) == {"age", "plan"}
    assert profile["rows"] == 200


# --- reproducible to the byte -----------------------------------------------------------------


def test_byte_identical_on_repeated_runs_and_across_directories(
    data_dir: Path, home: Path, tmp_path: Path
) -> None:
    """Nothing in a profile depends on time, the working directory or the input's path."""
    first, second, third = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    elsewhere = tmp_path / "elsewhere" / "deeper"
    elsewhere.mkdir(parents=True)
    shutil.copy(data_dir / "ref.csv", elsewhere / "renamed.csv")
    assert run_mlgate(home, "profile", str(data_dir / "ref.csv"), "-o", str(first)).returncode == 0
    assert run_mlgate(home, "profile", str(data_dir / "ref.csv"), "-o", str(second)).returncode == 0
    done = run_mlgate(home, "profile", "renamed.csv", "-o", str(third), cwd=elsewhere)
    assert done.returncode == 0
    assert first.read_bytes() == second.read_bytes() == third.read_bytes()
    profile = json.loads(first.read_text(encoding="utf-8"))
    digest = hashlib.sha256((data_dir / "ref.csv").read_bytes()).hexdigest()
    assert profile["source_hash"] == digest
    assert str(data_dir) not in first.read_text(encoding="utf-8")


def test_schema_hash_follows_names_and_kinds_only(tmp_path: Path, home: Path) -> None:
    """Other rows of the same shape share the hash; a renamed or retyped column does not."""
    tables = {
        "same": reference_table(rows=700, seed=1),
        "other-rows": reference_table(rows=1200, seed=2),
    }
    renamed = reference_table(rows=700, seed=1).rename_columns(
        ["amount_eur", "rooms", "city", "member", "target", "when"]
    )
    tables["renamed"] = renamed
    retyped = reference_table(rows=700, seed=1)
    tables["retyped"] = retyped.set_column(1, "rooms", retyped["rooms"].cast(pa.string()))
    hashes = {}
    for name, table in tables.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
        output = tmp_path / f"{name}.json"
        done = run_mlgate(home, "profile", str(tmp_path / f"{name}.parquet"), "-o", str(output))
        assert done.returncode == 0, done.stderr
        hashes[name] = json.loads(output.read_text(encoding="utf-8"))["schema_hash"]
    assert hashes["same"] == hashes["other-rows"]
    assert len({hashes["same"], hashes["renamed"], hashes["retyped"]}) == 3


def test_a_mixed_column_in_json_lines_does_not_retype_the_others(
    tmp_path: Path, home: Path
) -> None:
    """Only the mixed column may fall back to text; 'age' stays numeric."""
    data = tmp_path / "mixed.jsonl"
    rng = np.random.default_rng(9)
    lines = [
        json.dumps({"age": float(rng.normal(40, 8)), "zip": i if i % 2 else f"z{i}"})
        for i in range(200)
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "p.json"
    assert run_mlgate(home, "profile", str(data), "-o", str(output)).returncode == 0
    columns = json.loads(output.read_text(encoding="utf-8"))["columns"]
    assert columns["age"]["kind"] == "numeric"


def test_a_column_typed_differently_in_two_json_blocks_becomes_text(
    tmp_path: Path, home: Path
) -> None:
    """Blocks of 20000 lines are typed one by one; 'zip' numbers then text is one text column."""
    data = tmp_path / "blocks.jsonl"
    lines = [json.dumps({"age": 30 + i % 40, "zip": i if i < 20_000 else f"z{i}"})
             for i in range(20_500)]  # fmt: skip
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "p.json"
    done = run_mlgate(home, "profile", str(data), "-o", str(output))
    assert done.returncode == 0, done.stderr
    columns = json.loads(output.read_text(encoding="utf-8"))["columns"]
    assert (columns["age"]["kind"], columns["zip"]["kind"]) == ("numeric", "categorical")
    assert columns["zip"]["count"] == 20_500


def test_a_header_naming_a_column_twice_exits_2(tmp_path: Path, home: Path) -> None:
    """Which 'age' is the reference? The profile is refused, naming the duplicate."""
    data = tmp_path / "dup.csv"
    data.write_text("age,age,city\n" + "".join(f"{i},{i + 1},Oslo\n" for i in range(50)))
    done = run_mlgate(home, "profile", str(data), "-o", str(tmp_path / "p.json"))
    assert done.returncode == 2
    assert f"{data}: the column name 'age' appears more than once" in done.stderr
    assert not (tmp_path / "p.json").exists()


# --- could not profile ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--exclude", "nope"], "--exclude names columns the data does not have: nope"),
        (
            [f"--exclude={c}" for c in ["amount", "rooms", "city", "member", "target"]],
            "no column to profile: every column is excluded or of another type",
        ),
        (["--bins", "1"], "--bins must be from 2 to 1000, not 1"),
        (["--top-k", "0"], "--top-k must be from 1 to 10000, not 0"),
        (["--sample", "-1"], "--sample must be from 0 to 1000000, not -1"),
    ],
)
def test_bad_profile_requests_exit_2(
    extra: list[str],
    message: str,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In process (fast): each refusal names what to change, and no file is written."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    output = tmp_path / "p.json"
    assert main(["profile", str(data_dir / "ref.parquet"), "-o", str(output), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlgate profile: could not check: ")
    assert message in err
    assert not output.exists()


def test_no_rows_and_missing_files_exit_2(tmp_path: Path, home: Path) -> None:
    """An empty table or a path that is not there is a could-not-check, not an empty profile."""
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n", encoding="utf-8")
    done = run_mlgate(home, "profile", str(header_only), "-o", str(tmp_path / "p.json"))
    assert done.returncode == 2
    assert "no rows to profile: the data files are empty" in done.stderr
    done = run_mlgate(home, "profile", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "p.json"))
    assert done.returncode == 2
    assert f"{tmp_path / 'nope.csv'}: data file not found" in done.stderr
    assert not (tmp_path / "p.json").exists()


# --- malformed profiles are refused by `mlgate drift` ------------------------------------------


@pytest.fixture(scope="module")
def window(data_dir: Path) -> Path:
    """A valid window for the reference above."""
    path = data_dir / "window.csv"
    pcsv.write_csv(reference_table(rows=400, seed=3), path)
    return path


def _broken(profiles: dict[str, Any], change: str) -> Any:
    profile = json.loads(json.dumps(profiles["parquet"]))
    columns = profile["columns"]
    if change == "schema":
        profile["schema"] = "mlgate.profile/0"
    elif change == "list":
        return [profile]
    elif change == "no-columns":
        profile["columns"] = {}
    elif change == "kind":
        columns["city"]["kind"] = "sentence"
    elif change == "bins":
        columns["amount"]["counts"] = columns["amount"]["counts"][:-1]
    elif change == "top":
        del columns["city"]["top"]
    elif change == "rows":
        profile["rows"] = 0
    elif change == "nan":
        columns["amount"]["mean"] = float("nan")
    return profile


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("schema", "is not an mlgate profile (mlgate.profile/1); found 'mlgate.profile/0'"),
        ("list", "is not an mlgate profile (mlgate.profile/1); found 'list'"),
        ("no-columns", "has no columns"),
        ("kind", "column 'city' has no valid kind"),
        ("bins", "column 'amount' lacks consistent bins"),
        ("top", "column 'city' lacks its category counts"),
        ("rows", "'rows' must be a positive count"),
        ("nan", "holds a non-finite number"),
    ],
)
def test_malformed_profiles_exit_2(
    change: str,
    message: str,
    profiles: dict[str, Any],
    window: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In process (fast): the drift command refuses the profile and says what is wrong."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(_broken(profiles, change)), encoding="utf-8")
    assert main(["drift", "--reference", str(path), "--current", str(window)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("mlgate drift: could not check: ")
    assert message in captured.err
    assert str(path) in captured.err
    assert captured.out == ""


def test_unreadable_profiles_exit_2_as_a_command(window: Path, tmp_path: Path, home: Path) -> None:
    """The real command: a missing profile points at `mlgate profile`; text that is not JSON."""
    missing = tmp_path / "none.json"
    done = run_mlgate(home, "drift", "--reference", str(missing), "--current", str(window))
    assert done.returncode == 2
    assert f"no reference profile at {missing}: run `mlgate profile`" in done.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    done = run_mlgate(home, "drift", "--reference", str(garbage), "--current", str(window))
    assert done.returncode == 2
    assert f"{garbage} is not a JSON profile" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("field", ["edges", "top"])
def test_profile_with_non_numbers_in_its_summaries_exits_2(
    field: str, profiles: dict[str, Any], window: Path, tmp_path: Path, home: Path
) -> None:
    """A hand-edited or truncated profile must never read as a drift verdict."""
    profile = json.loads(json.dumps(profiles["parquet"]))
    if field == "edges":
        edges = profile["columns"]["amount"]["edges"]
        profile["columns"]["amount"]["edges"] = ["x"] * len(edges)
    else:
        profile["columns"]["city"]["top"] = {"Oslo": "many"}
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    done = run_mlgate(home, "drift", "--reference", str(path), "--current", str(window))
    assert "Traceback" not in done.stderr
    assert done.returncode == 2


def test_free_text_spanning_lines_is_read_past_the_first_block(tmp_path: Path) -> None:
    """RFC 4180 CSV as pandas, Excel and Python's csv write it: reviews with line breaks and
    doubled quotes inside quoted values, over 4 MB (Arrow's block). Arrow's default reader
    lost its place at the first block boundary inside a value (could not check)."""
    import csv

    rng = np.random.default_rng(8)
    words = ["the", "food", "was", '"really"', "good,", "slow;", "never\nagain", "C:\\path"]
    path = tmp_path / "reviews.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review", "stars"])
        for _ in range(40_000):
            writer.writerow([" ".join(rng.choice(words, 30)), int(rng.integers(1, 6))])
    assert path.stat().st_size > 4 << 20
    profile = build_profile([path], settings=ProfileSettings(sample=0))
    assert profile["rows"] == 40_000
    assert profile["columns"]["stars"]["count"] == 40_000


def test_a_schema_kind_for_nested_values_is_could_not_check(tmp_path: Path) -> None:
    """JSON lines of model solutions (grade-school-math): each a JSON object, which the roles
    call text. Profiling it as text was an ArrowNotImplementedError traceback."""
    from mlgate.errors import CouldNotCheck

    data = tmp_path / "solutions.jsonl"
    data.write_text("".join(json.dumps({"q": f"question {i}", "meta": {"ok": i % 2 == 0}}) + "\n"
                            for i in range(20)), encoding="utf-8")  # fmt: skip
    schema = tmp_path / "schema.json"
    features = [{"name": "q", "kind": "text"}, {"name": "meta", "kind": "text"}]
    schema.write_text(json.dumps({"task": None, "features": features}), encoding="utf-8")
    with pytest.raises(CouldNotCheck, match="'meta' holds struct<ok: bool> values"):
        build_profile([data], settings=ProfileSettings(), schema=schema)
