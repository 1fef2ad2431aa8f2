"""`mlgate drift` on synthetic data with known answers, cross-checked against scipy.

Two reference sizes sit on both sides of DESIGN.md's 1000-row switch (500: KS, chi-square,
Z-test; 5000: normed Wasserstein, Jensen-Shannon). Four windows: no shift, a mean shift of one
std, the std times 2.5, and a change of category mix. Categories are drawn in exact shares
(seeded shuffles), so "no shift" really is no shift: Evidently's chi-square treats the
reference's shares as exact, and sampling noise in a 500-row reference alone would read as
drift. Every score is recomputed with scipy on the raw data written to disk.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon
from support import MLGATE, run_mlgate, tool_env

WINDOW_ROWS = 2000
COLORS = ["red", "green", "blue", "black"]
SIZES = (500, 5000)
SCENARIOS = ("none", "mean", "variance", "mix")
# Every column drifted counts: one moved column makes the data set drift (drift_share is
# tested on its own in test_mlgate_drift.py).
POLICY = "drift:\n  drift_share: 0.2\n"

# p-values and Jensen-Shannon are computed from the same counts or the same raw values as
# scipy: only float rounding may differ.
EXACT_REL = 1e-9
# The KS statistic is read back from the text "KS statistic 0.1234" (4 decimals).
KS_STATISTIC_ABS = 5e-5
# Normed Wasserstein from 100 quantile bins vs scipy on raw values, for a window inside the
# reference's range (no shift, mean shift): 0.01 absolute or 7% relative, whichever is larger
# (see test_drift_stats.py for the measurements; here: no shift 0.0006 abs, mean shift 4.6%).
WASSERSTEIN_ABS, WASSERSTEIN_REL = 0.01, 0.07

SMALL_METHODS = {"num": "ks", "color": "chisquare", "rating": "chisquare", "flag": "ztest",
                 "clicked": "ztest"}  # fmt: skip
LARGE_METHODS = {"num": "wasserstein", "color": "jensenshannon", "rating": "jensenshannon",
                 "flag": "jensenshannon", "clicked": "jensenshannon"}  # fmt: skip
DRIFTED = {
    "none": set(),
    "mean": {"num"},
    "variance": {"num"},
    "mix": {"color", "rating", "flag", "clicked"},
}


def exact_shares(
    values: list[Any], shares: list[float], rows: int, rng: np.random.Generator
) -> list[Any]:
    """`rows` values in exactly these shares, shuffled."""
    counts = [round(s * rows) for s in shares]
    counts[-1] = rows - sum(counts[:-1])
    return rng.permutation(np.repeat(np.asarray(values, dtype=object), counts)).tolist()


def make_table(rows: int, seed: int, scenario: str = "none") -> pa.Table:
    """num ~ N(10, 2); colour, rating (1-4), flag (bool) and clicked (0/1) in fixed shares."""
    rng = np.random.default_rng(seed)
    mean, std = {"mean": (12.0, 2.0), "variance": (10.0, 5.0)}.get(scenario, (10.0, 2.0))
    mix = scenario == "mix"
    colors = [0.1, 0.2, 0.3, 0.4] if mix else [0.4, 0.3, 0.2, 0.1]
    ratings = [0.4, 0.3, 0.2, 0.1] if mix else [0.1, 0.2, 0.3, 0.4]
    flag = [0.5, 0.5] if mix else [0.3, 0.7]
    clicked = [0.4, 0.6] if mix else [0.2, 0.8]
    return pa.table(
        {
            "num": rng.normal(mean, std, rows),
            "color": pa.array(exact_shares(COLORS, colors, rows, rng), pa.string()),
            "rating": pa.array(exact_shares([1, 2, 3, 4], ratings, rows, rng), pa.int64()),
            "flag": pa.array(exact_shares([True, False], flag, rows, rng), pa.bool_()),
            "clicked": pa.array(exact_shares([1, 0], clicked, rows, rng), pa.int64()),
        }
    )


def run_json(home: Path, cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = run_mlgate(home, "drift", *args, "--format", "json", cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def by_column(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {column["column"]: column for column in report["columns"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, home: Path) -> dict[tuple[int, str], Any]:
    """Per (reference size, scenario): exit code, JSON report, and the raw tables on disk."""
    folder = tmp_path_factory.mktemp("correctness")
    (folder / "mlgate.yaml").write_text(POLICY, encoding="utf-8")
    windows = {}
    for index, scenario in enumerate(SCENARIOS):
        path = folder / f"window-{scenario}.csv"
        pcsv.write_csv(make_table(WINDOW_ROWS, 100 + index, scenario), path)
        windows[scenario] = path
    result = {}
    for size in SIZES:
        reference = folder / f"reference-{size}.parquet"
        pq.write_table(make_table(size, size), reference)
        profile = folder / f"profile-{size}.json"
        subprocess.run(
            [MLGATE, "profile", str(reference), "-o", str(profile)],
            capture_output=True,
            env=tool_env(home),
            check=True,
        )
        for scenario, window in windows.items():
            code, report = run_json(home, folder, "--reference", str(profile), "--current",
                                    str(window))  # fmt: skip
            raw_reference = pq.read_table(reference)
            raw_window = pcsv.read_csv(window)
            result[size, scenario] = (code, report, raw_reference, raw_window)
    return result


CASES = [(size, scenario) for size in SIZES for scenario in SCENARIOS]


@pytest.mark.parametrize(("size", "scenario"), CASES)
def test_verdicts_are_the_known_answers(
    size: int, scenario: str, runs: dict[tuple[int, str], Any]
) -> None:
    """Each column drifts exactly when its distribution was changed; the data set follows."""
    code, report, _, _ = runs[size, scenario]
    verdicts = {name: column["verdict"] for name, column in by_column(report).items()}
    expected = {name: "DRIFT" if name in DRIFTED[scenario] else "OK" for name in verdicts}
    assert verdicts == expected
    assert code == (1 if DRIFTED[scenario] else 0)
    assert report["verdict"] == ("drift" if DRIFTED[scenario] else "no_drift")
    assert report["dataset"]["reference_rows"] == size
    assert report["dataset"]["current_rows"] == WINDOW_ROWS
    assert report["dataset"]["share_drifted"] == pytest.approx(len(DRIFTED[scenario]) / 5)


@pytest.mark.parametrize(("size", "scenario"), CASES)
def test_method_per_column_follows_the_design_table(
    size: int, scenario: str, runs: dict[tuple[int, str], Any]
) -> None:
    """<= 1000 rows: KS / chi-square / Z-test (binary); above: Wasserstein / Jensen-Shannon.

    rating (numeric, 4 values) and clicked (numeric 0/1) are compared as categories.
    """
    _, report, _, _ = runs[size, scenario]
    methods = {name: column["method"] for name, column in by_column(report).items()}
    assert methods == (SMALL_METHODS if size <= 1000 else LARGE_METHODS)
    thresholds = {column["method"]: column["threshold"] for column in report["columns"]}
    expected = {"ks": 0.05, "chisquare": 0.05, "ztest": 0.05, "wasserstein": 0.1,
                "jensenshannon": 0.1}  # fmt: skip
    assert thresholds == {method: expected[method] for method in thresholds}


def category_counts(reference: pa.Table, window: pa.Table, name: str) -> tuple[list, list]:
    """Counts of each reference category on both sides, as scipy should see them."""
    ref_values = [str(v).lower() for v in reference[name].to_pylist()]
    cur_values = [str(v).lower() for v in window[name].to_pylist()]
    keys = sorted(set(ref_values))
    assert set(cur_values) <= set(keys)  # no unseen categories in these windows
    return [ref_values.count(k) for k in keys], [cur_values.count(k) for k in keys]


def pooled_z_pvalue(ref: list[int], cur: list[int]) -> float:
    n1, n2 = sum(ref), sum(cur)
    pooled = (ref[0] + cur[0]) / (n1 + n2)
    z = (ref[0] / n1 - cur[0] / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * stats.norm.sf(abs(z)))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_small_reference_scores_equal_scipy(
    scenario: str, runs: dict[tuple[int, str], Any]
) -> None:
    """KS on the whole reference (sample = column below 5000 rows) and the whole window."""
    _, report, reference, window = runs[500, scenario]
    columns = by_column(report)
    ref_num, cur_num = reference["num"].to_numpy(), window["num"].to_numpy()
    ks = stats.ks_2samp(ref_num, cur_num)
    assert columns["num"]["score"] == pytest.approx(float(ks.pvalue), rel=EXACT_REL, abs=1e-300)
    shown = re.search(r"KS statistic (\d\.\d{4})", "; ".join(columns["num"]["reasons"]))
    assert shown is not None
    assert float(shown.group(1)) == pytest.approx(float(ks.statistic), abs=KS_STATISTIC_ABS)
    for name in ("color", "rating"):
        ref, cur = category_counts(reference, window, name)
        expected_counts = np.asarray(ref) / sum(ref) * sum(cur)
        pvalue = float(stats.chisquare(cur, expected_counts).pvalue)
        assert columns[name]["score"] == pytest.approx(pvalue, rel=EXACT_REL, abs=1e-300)
    for name in ("flag", "clicked"):
        ref, cur = category_counts(reference, window, name)
        expected = pooled_z_pvalue(ref, cur)
        assert columns[name]["score"] == pytest.approx(expected, rel=EXACT_REL, abs=1e-300)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_large_reference_scores_follow_scipy(
    scenario: str, runs: dict[tuple[int, str], Any]
) -> None:
    """Jensen-Shannon exactly; normed Wasserstein within the stated tolerance."""
    _, report, reference, window = runs[5000, scenario]
    columns = by_column(report)
    for name in ("color", "rating", "flag", "clicked"):
        ref, cur = category_counts(reference, window, name)
        expected = float(jensenshannon(ref, cur))
        assert columns[name]["score"] == pytest.approx(expected, rel=EXACT_REL, abs=1e-12)
    ref_num, cur_num = reference["num"].to_numpy(), window["num"].to_numpy()
    expected = float(stats.wasserstein_distance(ref_num, cur_num) / np.std(ref_num))
    got = columns["num"]["score"]
    assert abs(got - expected) <= max(WASSERSTEIN_ABS, WASSERSTEIN_REL * expected), (got, expected)


def test_overridden_methods_on_a_large_reference_equal_scipy_and_psi_by_hand(
    runs: dict[tuple[int, str], Any], tmp_path: Path, home: Path
) -> None:
    """KS asked for on 5000 rows (the sample is still the whole column); PSI on the bins.

    PSI by hand: the window's values counted on the profile's edges, values outside the
    reference's range folded into the outer bins, shares floored at 0.0001.
    """
    _, _, reference, window = runs[5000, "mean"]
    pq.write_table(reference, tmp_path / "ref.parquet")
    pcsv.write_csv(window, tmp_path / "cur.csv")
    profile_path = tmp_path / "p.json"
    subprocess.run(
        [MLGATE, "profile", str(tmp_path / "ref.parquet"), "-o", str(profile_path)],
        env=tool_env(home),
        capture_output=True,
        check=True,
    )
    profile = json.loads(profile_path.read_text(encoding="utf-8"))
    ref_num, cur_num = reference["num"].to_numpy(), window["num"].to_numpy()
    for method in ("ks", "psi"):
        policy = f"drift:\n  columns:\n    num: {{method: {method}}}\n"
        (tmp_path / "mlgate.yaml").write_text(policy, encoding="utf-8")
        code, report = run_json(home, tmp_path, "--reference", "p.json", "--current", "cur.csv")
        column = by_column(report)["num"]
        assert (column["method"], column["verdict"]) == (method, "DRIFT")
        assert code == 0  # 1 of 5 columns drifted, below the default drift_share of 0.5
        if method == "ks":
            expected = float(stats.ks_2samp(ref_num, cur_num).pvalue)
            assert column["score"] == pytest.approx(expected, rel=EXACT_REL, abs=1e-300)
            continue
        edges = np.asarray(profile["columns"]["num"]["edges"])
        inside = np.histogram(cur_num, bins=edges)[0].astype(float)
        inside[0] += np.sum(cur_num < edges[0])
        inside[-1] += np.sum(cur_num > edges[-1])
        p = np.asarray(profile["columns"]["num"]["counts"], float)
        p, q = p / p.sum(), inside / inside.sum()
        p, q = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
        expected = float(np.sum((q - p) * np.log(q / p)))
        assert column["score"] == pytest.approx(expected, rel=EXACT_REL)
        assert column["threshold"] == 0.1


@pytest.mark.parametrize(("rows", "family"), [(1000, "tests"), (1001, "distances")])
def test_the_switch_is_at_1000_reference_rows(
    rows: int, family: str, tmp_path: Path, home: Path
) -> None:
    """1000 rows is still small (p-value tests); 1001 is large (distances)."""
    pq.write_table(make_table(rows, 7), tmp_path / "ref.parquet")
    pcsv.write_csv(make_table(300, 8), tmp_path / "cur.csv")
    subprocess.run(
        [MLGATE, "profile", "ref.parquet", "-o", "p.json"],
        env=tool_env(home),
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    _, report = run_json(home, tmp_path, "--reference", "p.json", "--current", "cur.csv")
    methods = {name: column["method"] for name, column in by_column(report).items()}
    assert methods == (SMALL_METHODS if family == "tests" else LARGE_METHODS)
