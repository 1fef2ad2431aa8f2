"""drift_stats against scipy: each statistic must mean what Evidently's stattests mean.

The exact statistics (Jensen-Shannon, chi-square, Z-test, KS, PSI) must agree with scipy or a
hand computation to rounding. The normed Wasserstein distance is computed from summaries
(counts and value sums on the reference's 100 quantile bins), so it is compared with
`scipy.stats.wasserstein_distance` on the raw data within a stated tolerance, and exactly
where the binned form is exact (CDFs that do not cross inside a bin, tails beyond the
reference's range).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlgate.drift import stats as drift_stats
from mlgate.drift.profile import ProfileSettings, profile_numeric
from mlgate.drift.window import accumulator_for

EXACT = 1e-12  # closed-form statistics: only float rounding separates them from scipy

# Normed Wasserstein on 100 quantile bins vs scipy on the raw values, for a smooth
# distribution whose window stays (almost) inside the reference's range: within
# WASSERSTEIN_ABS absolute or WASSERSTEIN_REL relative, whichever is larger. Measured over
# 5 seeds x reference sizes 2000/5000/50000 x Gaussian mean shifts of 0-1.5 std: worst
# 0.0052 absolute at scores <= 0.15 (near the 0.1 threshold), worst 5.9% relative above.
WASSERSTEIN_ABS = 0.01
WASSERSTEIN_REL = 0.07


def within_wasserstein_tolerance(got: float, expected: float) -> bool:
    return abs(got - expected) <= max(WASSERSTEIN_ABS, WASSERSTEIN_REL * abs(expected))


def binned_wasserstein(reference: np.ndarray, current: np.ndarray) -> float:
    """The score `mlgate drift` computes: a real profile of `reference`, a real window."""
    spec = profile_numeric(pa.chunked_array([reference]), ProfileSettings(), rng(0))
    window = accumulator_for(spec, needs_sample=False, seed=0)
    window.add(pa.chunked_array([current]))
    reference_bins = drift_stats.Binned(spec["edges"], spec["counts"], spec["sums"])
    return drift_stats.wasserstein_normed(reference_bins, window.binned(), spec["std"])


def scipy_wasserstein(reference: np.ndarray, current: np.ndarray) -> float:
    """Evidently's definition on the raw values: W1 divided by the reference's std."""
    return float(stats.wasserstein_distance(reference, current) / np.std(reference))


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- Jensen-Shannon ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "cur"),
    [
        ([10, 20, 30], [10, 20, 30]),
        ([10, 20, 30], [1, 2, 3]),  # same shares, different totals
        ([400, 300, 200, 100], [100, 200, 300, 400]),
        ([5, 0, 5], [0, 10, 0]),  # categories one side never has
        ([1, 1], [999, 1]),
        ([3.5, 0.25, 7.0, 0.0, 2.0], [1.0, 4.0, 0.0, 2.0, 2.0]),
    ],
)
def test_jensen_shannon_equals_scipy(ref: list[float], cur: list[float]) -> None:
    """The same distance as scipy's (natural log), so scores match Evidently's."""
    expected = float(jensenshannon(ref, cur))
    assert drift_stats.jensen_shannon(ref, cur) == pytest.approx(expected, abs=EXACT)


def test_jensen_shannon_bounds() -> None:
    """0 for equal shares, sqrt(ln 2) for disjoint ones: the natural-log scale, not base 2."""
    assert drift_stats.jensen_shannon([3, 1], [300, 100]) == pytest.approx(0.0, abs=EXACT)
    disjoint = drift_stats.jensen_shannon([1, 0], [0, 1])
    assert disjoint == pytest.approx(math.sqrt(math.log(2)), abs=EXACT)


# --- PSI -----------------------------------------------------------------------------------


def test_psi_by_hand() -> None:
    """sum((q - p) * ln(q / p)) over shares."""
    ref, cur = [50, 30, 20], [30, 30, 40]
    p = [0.5, 0.3, 0.2]
    q = [0.3, 0.3, 0.4]
    expected = sum((b - a) * math.log(b / a) for a, b in zip(p, q, strict=True))
    assert drift_stats.psi(ref, cur) == pytest.approx(expected, abs=EXACT)
    assert drift_stats.psi(ref, ref) == 0.0


def test_psi_replaces_empty_shares_with_the_floor() -> None:
    """An empty bin counts as a share of 0.0001, so PSI stays finite."""
    ref, cur = [100, 0], [50, 50]
    floor = drift_stats.PSI_FLOOR
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - floor) * math.log(0.5 / floor)
    assert drift_stats.psi(ref, cur) == pytest.approx(expected, abs=EXACT)
    assert math.isfinite(drift_stats.psi([0, 10], [10, 0]))


# --- chi-square and Z-test -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "cur"),
    [
        ([400, 300, 200, 100], [95, 80, 40, 25]),
        ([400, 300, 200, 100], [100, 200, 300, 400]),
        ([10, 10, 10], [10, 0, 20]),  # a category the window lacks is fine
        ([1, 2, 3, 4, 5, 6], [60, 50, 40, 30, 20, 10]),
    ],
)
def test_chi_square_equals_scipy(ref: list[float], cur: list[float]) -> None:
    """Window counts against the reference's shares scaled to the window (Evidently)."""
    ref_array, cur_array = np.asarray(ref, float), np.asarray(cur, float)
    expected_counts = ref_array / ref_array.sum() * cur_array.sum()
    expected = float(stats.chisquare(cur_array, expected_counts).pvalue)
    assert drift_stats.chi_square_pvalue(ref, cur) == pytest.approx(expected, rel=1e-9, abs=EXACT)


def test_chi_square_edge_cases() -> None:
    """A category the reference never had is certain drift; one category cannot differ."""
    assert drift_stats.chi_square_pvalue([50, 50, 0], [50, 50, 1]) == 0.0
    assert drift_stats.chi_square_pvalue([100], [7]) == 1.0
    assert drift_stats.chi_square_pvalue([100, 0], [7, 0]) == 1.0


@pytest.mark.parametrize(
    ("ref", "cur"),
    [
        ([700, 300], [680, 320]),
        ([700, 300], [500, 500]),
        ([30, 970], [45, 955]),
        ([1, 9], [9, 1]),
    ],
)
def test_z_test_is_the_pooled_two_proportion_test(ref: list[float], cur: list[float]) -> None:
    """Checked two ways: the formula via scipy.stats.norm, and the equivalent 2x2 chi-square."""
    n1, n2 = sum(ref), sum(cur)
    p1, p2 = ref[0] / n1, cur[0] / n2
    pooled = (ref[0] + cur[0]) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    by_formula = float(2 * stats.norm.sf(abs(z)))
    contingency = stats.chi2_contingency([ref, cur], correction=False)
    got = drift_stats.z_test_pvalue(ref, cur)
    assert got == pytest.approx(by_formula, rel=1e-9)
    assert got == pytest.approx(float(contingency.pvalue), rel=1e-9)


def test_z_test_degenerate_shares() -> None:
    """Both sides all in one category: equal, nothing to test."""
    assert drift_stats.z_test_pvalue([10, 0], [20, 0]) == 1.0
    assert drift_stats.z_test_pvalue([0, 10], [0, 20]) == 1.0


# --- KS --------------------------------------------------------------------------------------


def test_ks_is_scipy_two_sample_ks() -> None:
    """(p-value, statistic) exactly as scipy.stats.ks_2samp gives them."""
    generator = rng(3)
    ref, cur = generator.normal(0, 1, 400), generator.normal(0.2, 1, 900)
    expected = stats.ks_2samp(ref, cur)
    pvalue, statistic = drift_stats.ks_pvalue(list(ref), list(cur))
    assert pvalue == pytest.approx(float(expected.pvalue), rel=1e-12)
    assert statistic == pytest.approx(float(expected.statistic), abs=EXACT)


# --- bins with sums, and W1 from them -------------------------------------------------------


def test_bin_sorted_counts_like_numpy_histogram_and_sums_distances_to_each_left_edge() -> None:
    """Bins [a, b), the last closed; values beyond the edges counted and summed apart."""
    edges = np.array([0.0, 1.0, 2.0, 4.0])
    values = np.sort(np.array([-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.5, 4.0, 4.0, 6.0]))
    binned = drift_stats.bin_sorted(values, edges)
    inside = values[(values >= 0.0) & (values <= 4.0)]
    assert list(binned.counts) == list(np.histogram(inside, bins=edges)[0])
    assert list(binned.offsets) == [0.5, 0.0, 0.0 + 1.5 + 2.0 + 2.0]
    assert (binned.under, binned.over) == (2, 1)
    assert (binned.below, binned.above) == (3.0 + 1.0, 2.0)
    assert binned.total == values.size


def binned_of(values: np.ndarray, edges: np.ndarray) -> drift_stats.Binned:
    return drift_stats.bin_sorted(np.sort(values), edges)


@pytest.mark.parametrize("shift", [0.0, 0.013, 0.05, 0.4])
def test_wasserstein_is_exact_when_the_cdfs_do_not_cross(shift: float) -> None:
    """A shifted copy never crosses the original: W1 is the shift itself, to rounding."""
    reference = rng(5).uniform(0.0, 1.0, 3000)
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, 101)))
    got = drift_stats.wasserstein_binned(
        binned_of(reference, edges), binned_of(reference + shift, edges)
    )
    assert got == pytest.approx(shift, abs=1e-12)
    assert got == pytest.approx(stats.wasserstein_distance(reference, reference + shift), abs=1e-9)


def test_wasserstein_of_timestamps_does_not_depend_on_the_batches() -> None:
    """Days since 1970 to the second, 100,000 of them: a window summed as values cancelled
    against the bin edges (3.7e-10 relative between one batch and 37; the Spark engine adds
    in yet another order). Summed as distances to the left edge, the batching changes nothing
    measurable, and W1 stays within 1e-11 of scipy's on the raw values."""
    generator = rng(3)
    reference = 20000 + np.round(generator.uniform(0, 30, 200_000) * 86400) / 86400
    current = reference[:100_000] + 0.25
    spec = profile_numeric(pa.chunked_array([reference]), ProfileSettings(), rng(0))
    scores = []
    for batches in (1, 37):
        window = accumulator_for(spec, needs_sample=False, seed=0)
        for part in np.array_split(current, batches):
            window.add(pa.chunked_array([part]))
        profiled = drift_stats.Binned(spec["edges"], spec["counts"], sums=spec["sums"])
        scores.append(drift_stats.wasserstein_binned(profiled, window.binned()))
    assert scores[0] == pytest.approx(scores[1], rel=1e-14)
    assert scores[0] == pytest.approx(stats.wasserstein_distance(reference, current), rel=1e-11)


def test_wasserstein_tails_beyond_the_reference_are_exact() -> None:
    """A window wholly above the reference's range: W1 is the distance of the means."""
    reference = rng(6).normal(0.0, 1.0, 2000)
    current = rng(7).normal(30.0, 3.0, 500)
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, 101)))
    got = drift_stats.wasserstein_binned(binned_of(reference, edges), binned_of(current, edges))
    assert got == pytest.approx(stats.wasserstein_distance(reference, current), rel=1e-12)


def test_wasserstein_normed_uses_the_std_floor() -> None:
    """A constant reference (std 0) is divided by 0.001, not by zero."""
    edges = np.array([1.0, 1.0])
    reference = binned_of(np.ones(10), edges)
    current = binned_of(np.full(10, 1.5), edges)
    score = drift_stats.wasserstein_normed(reference, current, 0.0)
    assert score == pytest.approx(0.5 / drift_stats.STD_FLOOR)


# --- normed Wasserstein on bins vs scipy on raw values ---------------------------------------


@pytest.mark.parametrize("reference_rows", [2000, 50_000])
@pytest.mark.parametrize("shift", [0.0, 0.1, 0.3, 1.0])
def test_wasserstein_on_bins_follows_scipy_for_a_gaussian_mean_shift(
    reference_rows: int, shift: float
) -> None:
    """Within the stated tolerance, and on the same side of the 0.1 threshold unless close."""
    generator = rng(int(shift * 10) + reference_rows)
    reference = generator.normal(50.0, 4.0, reference_rows)
    current = generator.normal(50.0 + shift * 4.0, 4.0, 20_000)
    got, expected = binned_wasserstein(reference, current), scipy_wasserstein(reference, current)
    assert within_wasserstein_tolerance(got, expected), (got, expected)
    if abs(expected - 0.1) > WASSERSTEIN_ABS:
        assert (got >= 0.1) == (expected >= 0.1)


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.3])
def test_wasserstein_on_bins_is_near_exact_for_a_uniform_window_inside_the_range(
    shift: float,
) -> None:
    """Quantile bins of a uniform sample are near-linear CDFs: errors far below the tolerance."""
    generator = rng(7)
    reference = generator.uniform(0.0, 1.0, 5000)
    current = generator.uniform(shift, 1.0, 20_000)  # stays inside the reference's range
    got, expected = binned_wasserstein(reference, current), scipy_wasserstein(reference, current)
    assert got == pytest.approx(expected, abs=0.003)


def test_wasserstein_follows_scipy_when_the_window_spreads_beyond_the_reference() -> None:
    """Variance change (std x2.5): most of the error is the approximated tails."""
    generator = rng(2)
    reference = generator.normal(10.0, 2.0, 5000)
    current = generator.normal(10.0, 5.0, 2000)
    got, expected = binned_wasserstein(reference, current), scipy_wasserstein(reference, current)
    assert within_wasserstein_tolerance(got, expected), (got, expected)


def test_wasserstein_verdict_follows_scipy_for_a_heavy_tailed_column() -> None:
    """A small log-shift of a skewed feature (incomes, prices) must not read as drift."""
    generator = rng(1)
    reference = generator.lognormal(0.0, 1.0, 50_000)
    current = generator.lognormal(0.1, 1.0, 20_000)
    got, expected = binned_wasserstein(reference, current), scipy_wasserstein(reference, current)
    assert expected < 0.1
    assert got < 0.1, (got, expected)


def test_a_reference_category_met_after_ten_thousand_others_is_still_counted() -> None:
    """A high-cardinality column (titles, free text read as labels): the window's first 12,000
    values are new, then come the reference's own categories. They were counted as overflow,
    so the score depended on the order of the rows (and differed from the Spark engine's)."""
    from mlgate.drift.window import MAX_CATEGORIES

    spec = {"kind": "categorical", "count": 300, "nulls": 0, "top": {"a": 120, "b": 80},
            "other": 100}  # fmt: skip
    new = [f"title {i}" for i in range(MAX_CATEGORIES + 2000)]
    counts = []
    for rows in (new + ["a"] * 40 + ["b"] * 5, ["a"] * 40 + ["b"] * 5 + new):
        window = accumulator_for(spec, needs_sample=False, seed=0)
        for start in range(0, len(rows), 4096):
            window.add(pa.chunked_array([pa.array(rows[start : start + 4096])]))
        counts.append((window.counts["a"], window.counts["b"], window.overflow))
    assert counts[0] == counts[1] == (40, 5, 2000)
