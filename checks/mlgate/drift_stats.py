"""The drift statistics, on the summaries a profile and a streamed window provide.

Definitions follow Evidently's stattests so a column can be checked side by side:
- KS: `scipy.stats.ks_2samp` p-value on raw values (the reference's sample, the window's
  capped sample); drift when p < threshold.
- Wasserstein: W1 between the two distributions divided by the reference's std (floor 0.001);
  drift when >= threshold. Here both CDFs are known at the reference's quantile bin edges
  (linear in between), so W1 is integrated exactly for those piecewise-linear CDFs.
- Jensen-Shannon: `scipy.spatial.distance.jensenshannon` (natural log) of the category shares;
  drift when >= threshold.
- chi-square: `scipy.stats.chisquare` of the window's counts against the reference's shares;
  Z-test: two-proportion z-test for two categories; drift when p < threshold.
- PSI: sum((cur - ref) * ln(cur / ref)) over bins, empty shares replaced by 0.0001.
scipy is imported only by KS and chi-square, which run only on small references.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

STD_FLOOR = 0.001
PSI_FLOOR = 0.0001


def ks_pvalue(reference: Sequence[float], current: Sequence[float]) -> tuple[float, float]:
    """(p-value, KS statistic)."""
    from scipy.stats import ks_2samp

    result = ks_2samp(np.asarray(reference, float), np.asarray(current, float))
    return float(result.pvalue), float(result.statistic)


def binned_cdfs(
    edges: Sequence[float],
    ref_counts: Sequence[int],
    cur_under: int,
    cur_counts: Sequence[int],
    cur_over: int,
    cur_min: float,
    cur_max: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knots and both CDFs at them; the window's tails stretch to its own min and max."""
    edge_array = np.asarray(edges, float)
    ref = np.concatenate([[0.0], np.cumsum(ref_counts, dtype=float)])
    ref /= ref[-1]
    total = cur_under + float(np.sum(cur_counts)) + cur_over
    cur = (cur_under + np.concatenate([[0.0], np.cumsum(cur_counts, dtype=float)])) / total
    knots, ref_cdf, cur_cdf = [edge_array], [ref], [cur]
    if cur_under and cur_min < edge_array[0]:
        knots.insert(0, np.array([cur_min]))
        ref_cdf.insert(0, np.array([0.0]))
        cur_cdf.insert(0, np.array([0.0]))
    if cur_over and cur_max > edge_array[-1]:
        knots.append(np.array([cur_max]))
        ref_cdf.append(np.array([1.0]))
        cur_cdf.append(np.array([1.0]))
    return np.concatenate(knots), np.concatenate(ref_cdf), np.concatenate(cur_cdf)


def area_between(knots: np.ndarray, first: np.ndarray, second: np.ndarray) -> float:
    """Integral of |first - second| for two functions linear between the knots."""
    widths = np.diff(knots)
    diff = first - second
    left, right = diff[:-1], diff[1:]
    same_sign = left * right >= 0
    area_same = (np.abs(left) + np.abs(right)) / 2 * widths
    denominator = np.where(same_sign, 1.0, np.abs(left) + np.abs(right))
    area_cross = (left**2 + right**2) / (2 * denominator) * widths
    return float(np.sum(np.where(same_sign, area_same, area_cross)))


def wasserstein_normed(
    knots: np.ndarray, ref_cdf: np.ndarray, cur_cdf: np.ndarray, ref_std: float
) -> float:
    return area_between(knots, ref_cdf, cur_cdf) / max(ref_std, STD_FLOOR)


def shares(counts: Sequence[float]) -> np.ndarray:
    array = np.asarray(counts, float)
    total = array.sum()
    return array / total if total > 0 else array


def jensen_shannon(ref_counts: Sequence[float], cur_counts: Sequence[float]) -> float:
    p, q = shares(ref_counts), shares(cur_counts)
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(p > 0, p * np.log(p / m), 0.0)
        right = np.where(q > 0, q * np.log(q / m), 0.0)
    return math.sqrt(max(float(left.sum() + right.sum()) / 2, 0.0))


def chi_square_pvalue(ref_counts: Sequence[float], cur_counts: Sequence[float]) -> float:
    """Evidently's chi-square: window counts against reference shares scaled to the window.

    A category the reference never had (expected 0) but the window has is certain drift.
    """
    from scipy.stats import chisquare

    ref = np.asarray(ref_counts, float)
    cur = np.asarray(cur_counts, float)
    expected = ref / ref.sum() * cur.sum()
    if np.any((expected == 0) & (cur > 0)):
        return 0.0
    keep = expected > 0
    if keep.sum() < 2:
        return 1.0  # a single category on both sides: nothing can differ
    return float(chisquare(cur[keep], expected[keep]).pvalue)


def z_test_pvalue(ref_counts: Sequence[float], cur_counts: Sequence[float]) -> float:
    """Two-sided two-proportion z-test on the share of the first category."""
    n1, n2 = float(np.sum(ref_counts)), float(np.sum(cur_counts))
    p1, p2 = ref_counts[0] / n1, cur_counts[0] / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    spread = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if spread <= 0:
        return 1.0 if p1 == p2 else 0.0
    z = (p1 - p2) / math.sqrt(spread)
    return math.erfc(abs(z) / math.sqrt(2))


def psi(ref_counts: Sequence[float], cur_counts: Sequence[float]) -> float:
    p = np.where(shares(ref_counts) == 0, PSI_FLOOR, shares(ref_counts))
    q = np.where(shares(cur_counts) == 0, PSI_FLOOR, shares(cur_counts))
    return float(np.sum((q - p) * np.log(q / p)))
