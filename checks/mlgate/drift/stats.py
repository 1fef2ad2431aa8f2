"""The drift statistics, on the summaries a profile and a streamed window provide.

Definitions follow Evidently's stattests so a column can be checked side by side:
- KS: `scipy.stats.ks_2samp` p-value on raw values (the reference's sample, the window's
  capped sample); drift when p < threshold.
- Wasserstein: W1 between the two distributions divided by the reference's std (floor 0.001);
  drift when >= threshold. Computed from counts and value sums on the reference's quantile
  bins (see `wasserstein_binned`), exact unless the two CDFs cross inside a bin.
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
from dataclasses import dataclass

import numpy as np

STD_FLOOR = 0.001
PSI_FLOOR = 0.0001


def ks_pvalue(reference: Sequence[float], current: Sequence[float]) -> tuple[float, float]:
    """(p-value, KS statistic)."""
    from scipy.stats import ks_2samp

    result = ks_2samp(np.asarray(reference, float), np.asarray(current, float))
    return float(result.pvalue), float(result.statistic)


@dataclass(frozen=True)
class Binned:
    """One side's mass on the reference's bins: counts, and per bin either the values' sum (a
    profile's, correctly rounded) or their distances to the bin's left edge, summed (a window's).

    `under`/`over` count values below the first / above the last edge, and `below`/`above`
    sum their distances to that edge (the reference itself has none: its edges span it).
    Distances, not values, are summed where the window is streamed: every term is small and
    non-negative, so the sum is accurate to its last bits in any order (the Spark engine adds
    them in another), where a sum of values such as days since 1970 cancels against the edge.
    """

    edges: Sequence[float]
    counts: Sequence[float]
    sums: Sequence[float] | None = None
    offsets: Sequence[float] | None = None
    under: int = 0
    over: int = 0
    below: float = 0.0
    above: float = 0.0

    @property
    def total(self) -> float:
        return self.under + float(np.sum(self.counts)) + self.over

    def inside(self) -> np.ndarray:
        """Per bin [a, b): the sum of (b - value) over its values, over the side's total."""
        edges = np.asarray(self.edges, float)
        share = np.asarray(self.counts, float) / self.total
        if self.offsets is not None:
            return share * (edges[1:] - edges[:-1]) - np.asarray(self.offsets, float) / self.total
        return share * edges[1:] - np.asarray(self.sums, float) / self.total


def bin_sorted(ordered: np.ndarray, edges: np.ndarray) -> Binned:
    """Counts of sorted values on bins [edge, next edge), the last bin closed, and the
    distances to each bin's left edge summed (to the first or last edge beyond them).

    The same bins as `numpy.histogram`; sorted input needs two searches per edge instead
    of one per value.
    """
    starts = np.searchsorted(ordered, edges, side="left")  # values below each edge
    closed_end = int(np.searchsorted(ordered, edges[-1], side="right"))
    ends = np.append(starts[1:-1], closed_end)
    counts = ends - starts[:-1]
    under, over = int(starts[0]), int(ordered.size - closed_end)
    slots = np.repeat(np.arange(counts.size), counts)
    offsets = np.bincount(slots, ordered[under:closed_end] - edges[:-1][slots], counts.size)
    return Binned(
        edges,
        counts,
        offsets=offsets,
        under=under,
        over=over,
        below=float(np.sum(edges[0] - ordered[:under])),
        above=float(np.sum(ordered[closed_end:] - edges[-1])),
    )


def wasserstein_binned(reference: Binned, current: Binned) -> float:
    """W1 from counts and sums per bin: exact wherever the CDFs do not cross inside a bin.

    For a bin [a, b) holding share p with mean m, the integral of the CDF over the bin is
    (b - a) * F(a) + p * (b - m); the difference of the two CDFs' integrals per bin, summed in
    absolute value, is W1 unless the CDFs cross inside a bin (then it is a slight
    underestimate, only where the two are close). Outside the reference's range the
    reference's CDF is 0 or 1, so the window's tail distances give those parts exactly.
    """
    edges = np.asarray(reference.edges, float)
    left, right = edges[:-1], edges[1:]
    ref_total, cur_total = reference.total, current.total
    ref_share = np.asarray(reference.counts, float) / ref_total
    cur_share = np.asarray(current.counts, float) / cur_total
    ref_before = np.concatenate([[0.0], np.cumsum(ref_share)[:-1]])
    cur_before = current.under / cur_total + np.concatenate([[0.0], np.cumsum(cur_share)[:-1]])
    per_bin = (right - left) * (ref_before - cur_before) + reference.inside() - current.inside()
    tails = (current.below + current.above) / cur_total
    return float(np.sum(np.abs(per_bin))) + tails


def wasserstein_normed(reference: Binned, current: Binned, ref_std: float) -> float:
    """Evidently's score: W1 divided by the reference's std (floored)."""
    return wasserstein_binned(reference, current) / max(ref_std, STD_FLOOR)


def shares(counts: Sequence[float]) -> np.ndarray:
    array = np.asarray(counts, float)
    total = array.sum()
    return array / total if total > 0 else array


MIN_EXPECTED = 50  # window values a compared category (or group) expects, for jensen_shannon


def pool_sparse(
    ref_counts: Sequence[float], cur_counts: Sequence[float], present: int
) -> tuple[list[float], list[float], int]:
    """When the window is small for the number of categories, group the reference's rarer
    categories until each group expects MIN_EXPECTED window values; what follows `present`
    (categories the reference never had) stays as it is.

    The Jensen-Shannon distance of two samples of one distribution grows with the number of
    categories over the window's size: with 80 equally common categories and 400 values it
    averages 0.18 (a clean window "drifts" at the usual 0.1); with groups expecting 50 values
    each it stays under 0.1 in 95 of 100 clean windows.
    """
    window = float(sum(cur_counts))
    if present * MIN_EXPECTED <= window:  # few categories for the window's size: as they are
        return list(ref_counts), list(cur_counts), present
    reference = float(sum(ref_counts[:present])) or 1.0
    order = sorted(range(present), key=lambda i: -ref_counts[i])
    pooled_ref: list[float] = []
    pooled_cur: list[float] = []
    open_group = False
    for index in order:
        if not open_group:
            pooled_ref.append(0.0)
            pooled_cur.append(0.0)
        pooled_ref[-1] += ref_counts[index]
        pooled_cur[-1] += cur_counts[index]
        open_group = pooled_ref[-1] / reference * window < MIN_EXPECTED
    if open_group and len(pooled_ref) > 1:  # the rarest tail joins the group before it
        tail_ref, tail_cur = pooled_ref.pop(), pooled_cur.pop()
        pooled_ref[-1] += tail_ref
        pooled_cur[-1] += tail_cur
    groups = len(pooled_ref)
    return (pooled_ref + list(ref_counts[present:]), pooled_cur + list(cur_counts[present:]),
            groups)  # fmt: skip


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
