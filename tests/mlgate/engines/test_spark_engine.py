"""The Spark engine against the Arrow engine, on one local[2] session for the module.

What issue 21 asks: the same profile bytes where the computation is exact, and the same
verdicts (scores within float rounding) on the known-answer drift cases, on a mixed table
with nulls, categories, booleans, dates and free text, and on the edge cases the Arrow
engine handles (empty window, missing column, new column, all-null column, text that is
not a number). Without pyspark or Java these tests skip, unless MLGATE_SPARK_TEST=required
(as .ci/run sets it), when a skip is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from mlgate.drift.judge import check_window
from mlgate.drift.profile import ProfileSettings, build_profile, dumps
from mlgate.errors import CouldNotCheck
from mlgate.policy import DriftPolicy, EngineSettings

pytestmark = pytest.mark.spark

LOCAL = EngineSettings("spark", "local[2]", {"spark.sql.shuffle.partitions": "4"})
SCORE_REL = 1e-9  # Wasserstein's per-bin sums are Spark's double sums: last bits only


@pytest.fixture(scope="module")
def spark() -> Any:
    """One local Spark session for the module (starting one takes 10-20 s)."""
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        if os.environ.get("MLGATE_SPARK_TEST") == "required":
            pytest.fail("MLGATE_SPARK_TEST=required, but pyspark or java is missing")
        pytest.skip("pyspark and Java 17 run these tests (pip install 'mlgate[spark]')")
    from mlgate.io.spark import spark_session

    session = spark_session(LOCAL.master, LOCAL.config)
    yield session
    session.stop()


def mixed_table(rows: int, seed: int, *, shift: float = 0.0) -> pa.Table:
    """Skewed numbers with NaN and nulls, a small integer scale, booleans, categories with
    nulls, timestamps, dates, an all-null column, tiny negatives (-0.0 among them)."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10 + shift, 1.5, rows)
    income[rng.random(rows) < 0.05] = np.nan
    missing = rng.random(rows) < 0.03
    day0 = np.datetime64("2021-01-01")
    days = rng.integers(0, 900 + int(shift * 400), rows).astype("timedelta64[D]")
    color = rng.choice(["red", "green", "blue", "amber"], rows, p=[0.4, 0.3, 0.2, 0.1])
    return pa.table(
        {
            "income": pa.array(np.where(missing, None, income).tolist(), pa.float64()),
            "rooms": pa.array(rng.integers(1, 5, rows), pa.int64()),
            "member": pa.array(rng.random(rows) < 0.3 + shift / 4),
            "color": pa.array([None if m else c for m, c in zip(missing, color, strict=True)]),
            "seen": pa.array((day0 + days).astype("datetime64[ms]")),
            "opened": pa.array((day0 + days).astype("datetime64[D]")),
            "unused": pa.nulls(rows, pa.float64()),
            "tiny": pa.array(np.round(rng.normal(0, 1e-3, rows), 4) + shift),
        }
    )


def both_profiles(
    path: Path, settings: ProfileSettings | None = None, **options: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    from mlgate.drift.spark.profile import build_profile_spark

    settings = settings or ProfileSettings()
    arrow = build_profile([path], settings=settings, **options)
    spark = build_profile_spark([str(path)], settings=settings, engine=LOCAL, **options)
    return arrow, spark


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl"])
def test_the_profile_is_byte_identical_on_a_mixed_table(
    spark: Any, tmp_path: Path, suffix: str
) -> None:
    """Counts, nulls, distinct values, extremes, quantile edges, bin counts and sums, mean and
    std, categories and (with fewer values than --sample) the sample: the same bytes, from
    Parquet, from CSV (typed as Arrow types its first block) and from JSON lines."""
    table = mixed_table(3000, 1)
    path = tmp_path / f"reference.{suffix}"
    if suffix == "parquet":
        pq.write_table(table, path)
    elif suffix == "csv":
        pcsv.write_csv(table, path)
    else:
        rows = table.drop_columns(["seen", "opened"]).to_pylist()
        for i, row in enumerate(rows):  # nested values, as public JSON lines have: ignored
            row["meta"] = {"is_correct": i % 3 == 0, "solution": f"s{i}"}
            row["tags"] = [f"t{i % 4}", "x"]
        path.write_text("".join(json.dumps({k: None if isinstance(v, float) and v != v else v
                                            for k, v in row.items()}) + "\n" for row in rows),
                        encoding="utf-8")  # fmt: skip
    arrow, spark_profile = both_profiles(path)
    assert dumps(spark_profile) == dumps(arrow)
    kinds = {name: spec["kind"] for name, spec in arrow["columns"].items()}
    assert kinds["income"] == "numeric" and kinds["color"] == "categorical"
    assert kinds["member"] == "boolean"
    if suffix != "jsonl":
        assert kinds["seen"] == kinds["opened"] == "datetime"
    else:  # in Arrow's words on both engines, not Spark's struct<is_correct:boolean,...>
        assert arrow["ignored"] == {"meta": "struct<is_correct: bool, solution: string>",
                                    "tags": "list<item: string>"}  # fmt: skip


def test_a_bad_row_is_could_not_check_not_a_stack_trace(spark: Any, tmp_path: Path) -> None:
    """A CSV whose later rows do not fit the types of its first block: Arrow refuses it, and
    so does Spark, in a sentence."""
    from mlgate.drift.spark.profile import build_profile_spark

    path = tmp_path / "late.csv"  # past the first 4 MB block
    path.write_text("a,b\n" + "1,x\n" * 1_200_000 + "oops,y\n", encoding="utf-8")
    with pytest.raises(CouldNotCheck, match="cannot read as csv"):
        build_profile([path], settings=ProfileSettings())
    with pytest.raises(CouldNotCheck, match="a do not fit the type"):
        build_profile_spark([str(path)], settings=ProfileSettings(), engine=LOCAL)
    truncated = tmp_path / "broken.parquet"
    truncated.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(CouldNotCheck, match=r"Spark could not|cannot read"):
        build_profile_spark([str(truncated)], settings=ProfileSettings(), engine=LOCAL)


def test_a_larger_profile_differs_only_in_its_sample(spark: Any, tmp_path: Path) -> None:
    """Above --sample values the sample is each engine's own seeded draw; the rest is exact."""
    path = tmp_path / "reference.parquet"
    table = mixed_table(6000, 2)
    rng = np.random.default_rng(2)
    # p-values over 300 orders of magnitude, both signs: exact quantiles settle by exponent
    magnitudes = 10.0 ** -rng.uniform(0, 300, 6000) * rng.choice([-1.0, 1.0], 6000)
    pq.write_table(table.append_column("p", pa.array(magnitudes)), path)
    settings = ProfileSettings(bins=37, sample=500)
    arrow, spark_profile = both_profiles(path, settings)
    for profile in (arrow, spark_profile):
        for spec in profile["columns"].values():
            assert len(spec.pop("sample", [])) in (0, 500)
    assert dumps(spark_profile) == dumps(arrow)


def test_dates_as_text_and_free_text_under_the_model_schema(spark: Any, tmp_path: Path) -> None:
    """The model's date format (with values that are not dates in it), its words, and a
    column it leaves out: the same profile as the Arrow engine's."""
    rng = np.random.default_rng(3)
    rows = 800
    # more words than the vocabulary keeps (1000), so the odd rows meet words the even rows'
    # vocabulary lacks: the out-of-vocabulary share is not 0
    words = [
        "sea",
        "view",
        "Über",
        "café",
        "İstanbul",
        "ΟΔΟΣ",
        "2br",
        "x",
        *[f"word{i}" for i in range(2500)],
    ]  # İ and a final Σ: Java lower-cases them apart
    weights = 1.0 / np.arange(1, len(words) + 1)
    notes = [" ".join(rng.choice(words, rng.integers(0, 9), p=weights / weights.sum()))
             for _ in range(rows)]  # fmt: skip
    signup = [f"{d:02d}/{m:02d}/20{y:02d}" for d, m, y in
              zip(rng.integers(1, 29, rows), rng.integers(1, 13, rows), rng.integers(10, 24, rows),
                  strict=True)]  # fmt: skip
    signup[5], signup[9], notes[7], notes[20] = "31/02/2020", "soon", None, None
    table = pa.table({"id": [f"u{i}" for i in range(rows)], "signup": signup, "notes": notes,
                      "age": rng.integers(18, 90, rows)})  # fmt: skip
    path = tmp_path / "reference.parquet"
    pq.write_table(table, path)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({
        "task": "classification",
        "features": [{"name": "signup", "kind": "datetime", "format": "%d/%m/%Y"},
                     {"name": "notes", "kind": "text"}, {"name": "age", "kind": "numeric"}],
        "dropped": [{"name": "id", "role": "identifier"}],
    }), encoding="utf-8")  # fmt: skip
    arrow, spark_profile = both_profiles(path, schema=schema)
    assert arrow["columns"]["signup"]["unparsed"] == 2
    assert arrow["columns"]["notes"]["out_of_vocabulary"] > 0.01
    assert arrow["ignored"] == {"id": "identifier: not a model feature"}
    assert dumps(spark_profile) == dumps(arrow)


def run_both(profile: dict[str, Any], window: Path, policy: DriftPolicy) -> tuple[Any, Any]:
    arrow = check_window([window], profile, policy)
    spark = check_window([str(window)], profile, policy, engine=LOCAL)
    return arrow, spark


def assert_same_verdicts(arrow: Any, spark: Any) -> None:
    assert spark.exit_code == arrow.exit_code
    assert spark.new_columns == arrow.new_columns
    assert spark.current_rows == arrow.current_rows
    for left, right in zip(arrow.columns, spark.columns, strict=True):
        assert (right.name, right.verdict, right.method) == (left.name, left.verdict, left.method)
        assert (right.name, right.current_count, right.null_share_current) == (left.name,
            left.current_count, left.null_share_current)  # fmt: skip
        if left.score is None:
            assert right.score is None
        else:
            assert right.score == pytest.approx(left.score, rel=SCORE_REL, abs=1e-15)
        assert right.reasons == left.reasons


@pytest.mark.parametrize("rows", [500, 5000], ids=["tests-small-reference", "distances"])
def test_known_answer_windows_get_the_same_verdicts(spark: Any, tmp_path: Path, rows: int) -> None:
    """Below 1000 reference rows KS, chi-square and the z-test (p-values); above, Wasserstein
    and Jensen-Shannon: a window as CSV (text) and a shifted one as Parquet."""
    reference = tmp_path / "reference.parquet"
    pq.write_table(mixed_table(rows, 10), reference)
    profile = build_profile([reference], settings=ProfileSettings())
    policy = DriftPolicy(drift_share=0.2)
    clean = tmp_path / "clean.csv"  # text, typed by the reference
    pcsv.write_csv(mixed_table(1500, 20), clean)
    shifted = tmp_path / "shifted.parquet"
    pq.write_table(mixed_table(1500, 31, shift=1.0), shifted)
    for path in (clean, shifted):
        arrow, spark_result = run_both(profile, path, policy)
        assert_same_verdicts(arrow, spark_result)
    drifted = {c.name for c in arrow.columns if c.drifted}
    assert {"income", "tiny", "seen", "member"} <= drifted and arrow.exit_code == 1


def test_the_edge_cases_are_judged_alike(spark: Any, tmp_path: Path) -> None:
    """A missing column, a new one, an all-null one, text in a numeric column; an empty
    window is 'could not check' on both."""
    reference = tmp_path / "reference.parquet"
    pq.write_table(mixed_table(2000, 40), reference)
    profile = build_profile([reference], settings=ProfileSettings())
    window = mixed_table(400, 41).drop_columns(["rooms"])
    window = window.set_column(window.column_names.index("tiny"), "tiny",
                               pa.nulls(400, pa.float64()))  # fmt: skip
    window = window.append_column("coupon", pa.array(["A1"] * 400))
    income = [str(v) if v is not None else None for v in window.column("income").to_pylist()]
    income[3], income[8], income[11] = "n/a", "12,5", "30d"  # 30d: Java's double, not ours
    window = window.set_column(0, "income", pa.array(income))
    window = window.append_column("INCOME", pa.array(["1"] * 400))  # not 'income
    path = tmp_path / "window.csv"
    pcsv.write_csv(window, path)
    arrow, spark_result = run_both(profile, path, DriftPolicy())
    assert_same_verdicts(arrow, spark_result)
    verdicts = {c.name: str(c.verdict) for c in arrow.columns}
    assert verdicts["rooms"] == "MISSING" and verdicts["tiny"] == "DRIFT"
    assert arrow.new_columns == ["INCOME", "coupon"]
    # "n/a" is a missing value to both (Arrow's CSV null markers); "12,5" and "30d" are not
    # numbers
    assert any("2 values are not numbers" in r for c in arrow.columns for r in c.reasons)
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(window.column_names) + "\n", encoding="utf-8")
    for engine in (None, LOCAL):
        with pytest.raises(CouldNotCheck, match="no current rows"):
            check_window([str(empty)], profile, DriftPolicy(), engine=engine)


def test_sums_are_correctly_rounded_as_math_fsum(spark: Any) -> None:
    """Cancellation, wide exponents and subnormals: Spark's exact sum is math.fsum's."""
    from pyspark.sql import functions as F

    from mlgate.drift.spark.numbers import exact_sums

    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(0, 1, 500) * 10.0 ** rng.integers(-300, 300, 500),
                             [1e300, -1e300, 5e-324, 1.0, 1e-16, 1e-16, -0.0, 3.0]])  # fmt: skip
    frame = spark.createDataFrame([(float(v),) for v in values], "v double")
    found = exact_sums(frame, F.lit(0), F.col("v"))
    assert found[0][0] == values.size
    assert float(found[0][1]) == math.fsum(values.tolist())


def listings(rows: int, seed: int) -> pa.Table:
    """Identifiers, ISO dates as text, prices, rooms, a city, a flag, notes, a nullable floor."""
    rng = np.random.default_rng(seed)
    months, days = rng.integers(1, 13, rows), rng.integers(1, 29, rows)
    return pa.table({
        "listing_id": [f"L{100000 + i}" for i in range(rows)],
        "posted": [f"2024-{m:02d}-{d:02d}" for m, d in zip(months, days, strict=True)],
        "price": rng.lognormal(12, 0.5, rows).round(0),
        "rooms": rng.integers(1, 6, rows),
        "city": rng.choice(["Lyon", "Paris", "Nantes"], rows),
        "garden": rng.random(rows) < 0.4,
        "notes": [" ".join(rng.choice(["calm", "sunny", "renovated"], 3)) for _ in range(rows)],
        "floor": [None if rng.random() < 0.1 else int(x) for x in rng.integers(0, 9, rows)],
    })  # fmt: skip


def validate_both(suite: Path, data: Path, folder: Path) -> list[tuple[int, dict[str, Any]]]:
    """`mlgate validate` of the data on Arrow, then on Spark: exit code and JSON report."""
    from mlgate.suite.validate import run_validation

    found = []
    for engine in (None, LOCAL):
        out = folder / f"{data.name}-{'arrow' if engine is None else 'spark'}.json"
        code = run_validation(str(suite), str(data), output=str(out), fmt="json", engine=engine)
        found.append((code, json.loads(out.read_text(encoding="utf-8"))))
    return found


def statuses(report: dict[str, Any]) -> dict[tuple[str, str | None], str]:
    return {(r["expectation"], r.get("column")): r["status"] for r in report["results"]}


def test_validate_runs_the_committed_suite_through_gx_spark_alike(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A suite `mlgate suite init` wrote from a CSV: good data passes and broken data fails
    the same expectations on both engines, with the same counts (a type list is judged on
    the column's type by GX's Spark datasource, so it has no per-value count there)."""
    from mlgate.suite.infer import write_suite

    good = tmp_path / "good.csv"
    pcsv.write_csv(listings(300, 5), good)
    suite = tmp_path / "suite.json"
    write_suite(str(good), str(suite), name="listings")
    broken = listings(300, 6).to_pydict()
    broken["price"][3], broken["city"][7], broken["rooms"][9] = -5.0, "Berlin", 40
    broken["floor"] = [None] * 300
    bad = tmp_path / "bad.csv"
    pcsv.write_csv(pa.table(broken), bad)
    parquet = tmp_path / "good.parquet"  # the same rows, typed: dates stay text
    pq.write_table(listings(300, 5), parquet)
    for data, expected in ((good, 0), (bad, 1), (parquet, 0)):
        runs = validate_both(suite, data, tmp_path)
        assert [code for code, _ in runs] == [expected, expected], data.name
        reports = [report for _, report in runs]
        capsys.readouterr()
        arrow, spark_report = (
            {(r["expectation"], r.get("column")): (r["status"], r["unexpected_count"])
             for r in report["results"]} for report in reports
        )  # fmt: skip
        for key, (status, count) in arrow.items():
            typed = key[0] == "expect_column_values_to_be_in_type_list"
            assert spark_report[key] == (status, None if typed else count), (data.name, key)
        assert reports[1]["rows"] == reports[0]["rows"] == 300


def test_prediction_drift_reads_the_request_log_alike(spark: Any, tmp_path: Path) -> None:
    """The answers in the service's request log against the held-out ones: a clean log, a
    broken deployment (answers shifted on the same inputs: drift in the answers only), a log
    without probabilities, and a line whose predictions do not pair with its rows."""
    rng = np.random.default_rng(9)

    def rule(age: np.ndarray, bias: float = 0.0) -> tuple[list[int], list[dict[str, float]]]:
        p1 = 1.0 / (1.0 + np.exp(-((age - 40.0) / 5.0 + bias)))
        return ([int(p > 0.5) for p in p1],
                [{"0": round(1 - p, 6), "1": round(p, 6)} for p in p1])  # fmt: skip

    age = rng.normal(40, 10, 2000)
    pcsv.write_csv(pa.table({"age": age, "plan": rng.choice(["a", "b"], 2000)}),
                   tmp_path / "train.csv")  # fmt: skip
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"task": "classification", "features": [
        {"name": "age", "kind": "numeric"}, {"name": "plan", "kind": "categorical"}]}),
        encoding="utf-8")  # fmt: skip
    held_age = rng.normal(40, 10, 1500)
    predictions, probabilities = rule(held_age)
    held = tmp_path / "held_out.jsonl"
    held.write_text("".join(json.dumps({"prediction": p, "probabilities": q, "outcome": p}) + "\n"
                            for p, q in zip(predictions, probabilities, strict=True)),
                    encoding="utf-8")  # fmt: skip
    profile = build_profile([tmp_path / "train.csv"], settings=ProfileSettings(), schema=schema,
                            outputs=held)  # fmt: skip
    assert set(profile["outputs"]["columns"]) == {"prediction", "confidence"}

    def log(name: str, bias: float = 0.0, with_probabilities: bool = True) -> Path:
        ages = rng.normal(40, 10, 1200)
        plans = rng.choice(["a", "b"], 1200).tolist()
        said, chances = rule(ages, bias)
        lines = []
        for start in range(0, 1200, 4):
            chunk = range(start, start + 4)
            line: dict[str, Any] = {"features": [{"age": float(ages[i]), "plan": plans[i]}
                                                 for i in chunk],
                                    "predictions": [said[i] for i in chunk]}  # fmt: skip
            if with_probabilities:
                line["probabilities"] = [chances[i] for i in chunk]
            lines.append(line)
        for line in lines[::7]:  # a one-record request: the service logs an object, not a list
            line["features"] = line["features"][0]
            line["predictions"] = line["predictions"][:1]
            if "probabilities" in line:
                line["probabilities"] = line["probabilities"][:1]
        lines[5]["predictions"] = lines[5]["predictions"][:3]  # not one per row: no answers
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        return path

    policy = DriftPolicy(columns={}, drift_share=0.5)
    codes = {}
    for name, bias, chances in (("clean", 0.0, True), ("broken", 1.5, True),
                                ("no-probabilities", 0.0, False)):  # fmt: skip
        arrow, spark_result = run_both(profile, log(name, bias, chances), policy)
        assert_same_verdicts(arrow, spark_result)
        assert spark_result.outputs_note == arrow.outputs_note
        pairs = zip(arrow.outputs, spark_result.outputs, strict=True)
        for left, right in pairs:
            assert (right.name, right.verdict, right.current_count) == (
                left.name, left.verdict, left.current_count)  # fmt: skip
            if left.score is None:
                assert right.score is None
            else:
                assert right.score == pytest.approx(left.score, rel=SCORE_REL, abs=1e-15)
        codes[name] = (arrow.exit_code, [str(c.verdict) for c in arrow.outputs])
    assert codes["clean"] == (0, ["OK", "OK"])
    assert codes["broken"][0] == 1 and "DRIFT" in codes["broken"][1]


def test_patterns_of_real_tables_alike(spark: Any, tmp_path: Path) -> None:
    """What public tables brought that ours had not (docs/spark.md, "Calibration"): CSV free
    text with line breaks and doubled quotes inside quoted values (an SMS corpus, IMDB's cast
    lists: Spark's default backslash escape refused them), timestamps to the second (NYC taxi
    trips: window sums of days since 1970 differed in the 10th digit), and a column of
    thousands of titles whose reference categories the window meets late (they were counted
    as overflow by the Arrow engine, not by Spark's)."""
    import csv

    rng = np.random.default_rng(12)
    words = ["great", "slow", '"really"', "ok,", "never\nagain", "C:\\path", "café"]

    def write(path: Path, rows: int, titles: list[str], day0: int) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["review", "title", "pickup", "fare"])
            for i in range(rows):
                seconds = int(rng.integers(0, 30 * 86400))
                stamp = np.datetime64(day0, "D") + np.timedelta64(seconds, "s")
                writer.writerow(
                    [
                        " ".join(rng.choice(words, rng.integers(1, 12))),
                        titles[i],
                        str(stamp).replace("T", " "),
                        round(rng.lognormal(2, 1), 2),
                    ]
                )

    reference = tmp_path / "reference.csv"
    write(reference, 3000, [f"t{i % 40}" for i in range(3000)], 17900)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"task": "regression", "features": [
        {"name": "review", "kind": "text"}, {"name": "title", "kind": "categorical"},
        {"name": "pickup", "kind": "datetime", "format": "%Y-%m-%d %H:%M:%S"},
        {"name": "fare", "kind": "numeric"}]}), encoding="utf-8")  # fmt: skip
    arrow, spark_profile = both_profiles(reference, ProfileSettings(top_k=20), schema=schema)
    assert dumps(spark_profile) == dumps(arrow)
    assert arrow["columns"]["title"]["other"] > 0
    window = tmp_path / "window.csv"
    rows = 10_600
    write(window, rows, [f"new {i}" for i in range(10_200)] + ["t1"] * 400, 17910)
    left, right = run_both(arrow, window, DriftPolicy())
    assert_same_verdicts(left, right)
    title = next(c for c in left.columns if c.name == "title")
    pickup = next(c for c in left.columns if c.name == "pickup")
    assert title.drifted and pickup.score == next(
        c.score for c in right.columns if c.name == "pickup"
    )


def test_nanosecond_timestamps_as_pandas_2_writes_them(spark: Any, tmp_path: Path) -> None:
    """pandas 2 writes datetimes to Parquet as TIMESTAMP(NANOS), which Spark refuses; read
    as their ticks, their days are the Arrow engine's to the bit, sub-microsecond digits
    included."""
    rng = np.random.default_rng(21)

    def stamps(rows: int, start: int) -> pa.Array:
        ticks = start * 86_400 * 10**9 + rng.integers(0, 40 * 86_400 * 10**9, rows)
        return pa.array(ticks, pa.timestamp("ns"))

    reference, window = tmp_path / "reference.parquet", tmp_path / "window.parquet"
    pq.write_table(pa.table({"at": stamps(2000, 18000), "n": rng.normal(size=2000)}), reference)
    pq.write_table(pa.table({"at": stamps(900, 18010), "n": rng.normal(size=900)}), window)
    arrow, spark_profile = both_profiles(reference)
    assert arrow["columns"]["at"]["kind"] == "datetime"
    assert dumps(spark_profile) == dumps(arrow)
    left, right = run_both(arrow, window, DriftPolicy())
    assert_same_verdicts(left, right)
    assert [c.score for c in left.columns if c.name == "at"] == [
        c.score for c in right.columns if c.name == "at"
    ]
    from mlgate.suite.infer import write_suite

    suite = tmp_path / "suite.json"
    write_suite(str(reference), str(suite), name="stamps")
    (arrow_code, arrow_report), (spark_code, spark_report) = validate_both(suite, window, tmp_path)
    assert arrow_code == spark_code and statuses(arrow_report) == statuses(spark_report)
    assert statuses(spark_report)[("expect_column_values_to_be_in_type_list", "at")] == "PASS"


def test_validate_takes_dotted_names_and_numbers_with_na_alike(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Public tables' patterns: dots in column names (a bank's emp.var.rate: GX's Spark
    metrics read them as struct fields, "list index out of range"), a column of numbers whose
    gaps are written NA (baseball salaries: Spark inferred text, so GX could not range it),
    zip codes with leading zeros (Spark read 00501 as 501: not the suite's text) and "None"
    for no damage (bird strikes: missing to pandas, a value to Spark, outside the suite's
    set). Spaces and a backtick in a name too."""
    from mlgate.suite.infer import write_suite

    rng = np.random.default_rng(30)

    def write(path: Path, rows: int, low: float) -> None:
        salary = [("NA" if i % 9 == 0 else f"{v:.1f}") for i, v in
                  enumerate(rng.uniform(low, 900, rows))]  # fmt: skip
        table = pa.table({"emp.var.rate": rng.normal(size=rows).round(2), "Salary": salary,
                          "mean radius": rng.uniform(5, 20, rows),
                          "x`y": rng.integers(0, 3, rows),
                          "zip": [f"{z:05d}" for z in rng.integers(500, 99000, rows)],
                          "damage": rng.choice(["None", "Minor", "Major"], rows)})  # fmt: skip
        pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="none"))

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    write(good, 400, 60.0)
    write(bad, 400, -300.0)  # salaries below the suite's range
    suite = tmp_path / "suite.json"
    write_suite(str(good), str(suite), name="bank")
    for data, expected in ((good, 0), (bad, 1)):
        runs = validate_both(suite, data, tmp_path)
        capsys.readouterr()
        assert [code for code, _ in runs] == [expected, expected], data.name
        arrow, spark_statuses = (statuses(report) for _, report in runs)
        assert arrow == spark_statuses and "ERROR" not in spark_statuses.values()
    assert spark_statuses[("expect_column_values_to_be_between", "Salary")] == "FAIL"
    assert spark_statuses[("expect_column_values_to_be_in_set", "damage")] == "PASS"
    assert spark_statuses[("expect_column_values_to_be_in_type_list", "zip")] == "PASS"


def test_what_spark_cannot_read_as_arrow_does_is_refused_not_misread(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found in review: a Parquet folder whose files store one column in nanoseconds and in
    microseconds (pandas 3 picks the unit from the data) was read with the microseconds as
    nanoseconds (dates in 1970, a false drift); a CRLF file whose header holds a line break
    lost its last column to a carriage return; an empty CSV failed validate (exit 1) where the
    Arrow engine could not check it. A struct holding nanoseconds is read."""
    from mlgate.drift.spark.profile import build_profile_spark
    from mlgate.suite.validate import run_validation

    stamps = np.array([1_700_000_000_000_000_999, 1_700_000_100_000_000_000])
    folder = tmp_path / "lake"
    folder.mkdir()
    pq.write_table(pa.table({"t": pa.array(stamps, pa.timestamp("ns"))}), folder / "a.parquet")
    pq.write_table(pa.table({"t": pa.array(stamps // 1000, pa.timestamp("us"))}),
                   folder / "b.parquet")  # fmt: skip
    with pytest.raises(CouldNotCheck, match="t in different time units"):
        build_profile_spark([str(folder)], settings=ProfileSettings(), engine=LOCAL)
    from mlgate.io.spark import as_timestamps, read_frame

    frame = read_frame(spark, [str(folder / "a.parquet")], as_text=False, as_pandas=True)
    seen = as_timestamps(frame).selectExpr("unix_micros(t) AS u").collect()
    assert [r["u"] for r in seen] == [1_700_000_000_000_000, 1_700_000_100_000_000]  # floored
    nested = tmp_path / "nested.parquet"
    when = pa.array(stamps, pa.timestamp("ns"))
    meta = pa.StructArray.from_arrays([when], names=["when"])
    pq.write_table(pa.table({"x": [1.0, 2.0], "meta": meta}), nested)
    profile = build_profile_spark([str(nested)], settings=ProfileSettings(), engine=LOCAL)
    assert profile["columns"]["x"]["count"] == 2 and "meta" in profile["ignored"]
    split = tmp_path / "split.csv"
    split.write_bytes(b'price,"size\n(m2)",city\r\n1,2,Oslo\r\n3,4,Rome\r\n')
    with pytest.raises(CouldNotCheck, match="rows end in CRLF"):
        build_profile_spark([str(split)], settings=ProfileSettings(), engine=LOCAL)
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"name": "s", "expectations": [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}]}),
        encoding="utf-8")  # fmt: skip
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for engine in (None, LOCAL):
        with pytest.raises(CouldNotCheck, match="the file is empty"):
            run_validation(str(suite), str(empty), output=None, fmt="text", engine=engine)
    capsys.readouterr()
