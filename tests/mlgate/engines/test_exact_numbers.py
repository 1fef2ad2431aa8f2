"""The Spark engine's arithmetic without Spark: numpy's quantiles from order statistics alone,
bit for bit, and the Arrow engine's profile sums correctly rounded (what Spark also gets)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgate.drift.profile import ProfileSettings, summarise_numbers
from mlgate.drift.spark.numbers import linear_quantiles, quantile_ranks


def same_bits(left: np.ndarray, right: np.ndarray) -> bool:
    return bool(np.array_equal(left.view(np.int64), right.view(np.int64)))


@pytest.mark.parametrize("count", [1, 2, 3, 7, 100, 101, 4999, 5000, 123_457])
@pytest.mark.parametrize("bins", [2, 37, 100, 1000])
def test_linear_quantiles_are_numpys_from_the_ranks_they_read(count: int, bins: int) -> None:
    rng = np.random.default_rng(count * 1000 + bins)
    values = np.sort(rng.lognormal(0, 3, count)) + 0.0
    quantiles = np.linspace(0.0, 1.0, bins + 1)
    ranks = quantile_ranks(count, quantiles)
    assert len(ranks) <= 2 * (bins + 1)
    found = linear_quantiles(count, quantiles, {r: float(values[r]) for r in ranks})
    assert same_bits(found, np.quantile(values, quantiles))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1,
             max_size=300),
    st.integers(2, 120),
)  # fmt: skip
def test_any_finite_values_give_numpys_quantiles(values: list[float], bins: int) -> None:
    ordered = np.sort(np.asarray(values)) + 0.0
    quantiles = np.linspace(0.0, 1.0, bins + 1)
    with np.errstate(all="ignore"):  # numpy's own interpolation may overflow: so may ours
        expected = np.quantile(ordered, quantiles)
        ranks = quantile_ranks(ordered.size, quantiles)
        found = linear_quantiles(ordered.size, quantiles, {r: float(ordered[r]) for r in ranks})
    assert same_bits(np.nan_to_num(found), np.nan_to_num(expected))


def test_the_profile_sums_are_correctly_rounded() -> None:
    """mean, std and per-bin sums through math.fsum: the order the values come in is moot."""
    rng = np.random.default_rng(11)
    values = rng.normal(0, 1, 20_000) * 10.0 ** rng.integers(-8, 9, 20_000)
    summary = summarise_numbers(values, "numeric", ProfileSettings(bins=10, sample=0), rng)
    ordered = np.sort(values)
    assert summary["mean"] == math.fsum(values.tolist()) / values.size
    deviations = np.square(ordered - summary["mean"]).tolist()
    assert summary["std"] == math.sqrt(math.fsum(deviations) / values.size)
    assert math.fsum(summary["sums"]) == pytest.approx(math.fsum(values.tolist()), rel=1e-12)
    shuffled = summarise_numbers(rng.permutation(values), "numeric",
                                 ProfileSettings(bins=10, sample=0), rng)  # fmt: skip
    assert shuffled == summary


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_timestamps_of_any_unit_are_days_and_sub_millisecond_digits_no_error(unit: str) -> None:
    """Days from a timestamp column in its own unit: whole milliseconds give the bits the
    millisecond path gave, and microseconds (pandas' and Parquet's common unit) no error."""
    import pyarrow as pa

    from mlgate.drift.measures import DAY_MS, Unparsed, epoch_days

    stamps = np.array(["1969-12-31T23:59:59", "2024-02-29T12:00:00", "1900-01-01"],
                      dtype="datetime64[s]")  # fmt: skip
    column = pa.chunked_array([pa.array(stamps.astype(f"datetime64[{unit}]"))])
    expected = stamps.astype("datetime64[ms]").astype(np.int64) / DAY_MS
    assert same_bits(epoch_days(column, None, Unparsed()), expected)
    fine = pa.array(np.array(["2024-02-29T12:00:00.123456"], dtype="datetime64[us]"))
    assert epoch_days(fine, None, Unparsed())[0] == pytest.approx(19782.5 + 0.123456 / 86400)


def test_integers_beyond_2_53_are_profiled_as_the_nearest_doubles() -> None:
    """As Spark casts them, rather than refused as 'not all numbers'."""
    import pyarrow as pa

    from mlgate.io.columnar import float_values

    big = pa.chunked_array([pa.array([2**53 + 1, 2**60, -(2**62) - 1, None], pa.int64())])
    found = float_values(big)
    assert found[:3].tolist() == [float(2**53 + 1), float(2**60), float(-(2**62) - 1)]
    assert np.isnan(found[3])
