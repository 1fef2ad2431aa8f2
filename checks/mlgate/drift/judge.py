"""Compare a current window with a reference profile: a verdict per column and for the data set.

Method per column as in DESIGN.md's table (Evidently's DataDriftPreset): the reference's row
count picks the family (<= 1000 rows: tests with p-values; more: distances), the column's kind
and its number of distinct reference values pick the test. Outcomes per column: DRIFT, OK,
UNMEASURED (too few values to judge, said why), MISSING (counts as drifted), IGNORED (policy).

Its size (~360 lines) is the method table and its edge cases (empty, constant, all-null, new
and missing columns) in one place, the statistics being in stats.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import COULD_NOT_CHECK, FAIL, PASS, CouldNotCheck
from ..io.columnar import OUTPUT_COLUMNS, iter_batches
from ..policy import METHODS, ColumnRule, DriftPolicy
from .profile import DISCRETE_MAX, MEASURED
from .window import (
    Accumulator,
    DateWindow,
    NumericWindow,
    TextWindow,
    accumulator_for,
    refuse_foreign,
)

if TYPE_CHECKING:
    from ..policy import EngineSettings

SMALL_REFERENCE = 1000
# Text drifts when this much more of the window's words are outside the reference's
# vocabulary than of the reference's own (a clean window of free text meets some new words).
UNKNOWN_WORDS_MARGIN = 0.15


class ColumnVerdict(StrEnum):
    DRIFT = "DRIFT"
    OK = "OK"
    UNMEASURED = "UNMEASURED"
    MISSING = "MISSING"
    IGNORED = "IGNORED"


@dataclass
class ColumnResult:
    name: str
    kind: str
    method: str | None
    threshold: float | None
    score: float | None = None
    verdict: ColumnVerdict = ColumnVerdict.OK
    reasons: list[str] = field(default_factory=list)
    reference_count: int = 0
    current_count: int = 0
    null_share_reference: float | None = None
    null_share_current: float | None = None
    histogram: dict[str, Any] | None = None  # for the HTML report

    @property
    def drifted(self) -> bool:
        return self.verdict in (ColumnVerdict.DRIFT, ColumnVerdict.MISSING)


@dataclass
class DriftResult:
    columns: list[ColumnResult]
    reference_rows: int
    current_rows: int
    drift_share: float
    new_columns: list[str]
    notes: list[str] = field(default_factory=list)
    outputs: list[ColumnResult] = field(default_factory=list)  # prediction drift
    outputs_note: str | None = None  # why the outputs were not compared, when they were not
    reference_outputs: int = 0  # held-out predictions the outputs' reference holds

    @property
    def outputs_drifted(self) -> bool:
        return any(c.drifted for c in self.outputs)

    @property
    def judged(self) -> list[ColumnResult]:
        return [c for c in self.columns if c.verdict not in (ColumnVerdict.UNMEASURED,
                                                             ColumnVerdict.IGNORED)]  # fmt: skip

    @property
    def share(self) -> float | None:
        judged = self.judged
        return sum(c.drifted for c in judged) / len(judged) if judged else None

    @property
    def exit_code(self) -> int:
        if self.outputs_drifted:  # the answers moved: drift, whatever the inputs say
            return FAIL
        share = self.share
        if share is None:
            return COULD_NOT_CHECK
        return FAIL if share >= self.drift_share else PASS


def default_method(spec: dict[str, Any], reference_rows: int) -> str:
    """DESIGN.md's table: by reference size, kind and distinct reference values."""
    small = reference_rows <= SMALL_REFERENCE
    as_categories = spec["kind"] not in MEASURED or spec.get("distinct", 0) <= DISCRETE_MAX
    if not as_categories:
        return "ks" if small else "wasserstein"
    if not small:
        return "jensenshannon"
    distinct = spec.get("distinct", 0) if spec["kind"] in MEASURED else len(spec["top"])
    return "ztest" if distinct <= 2 else "chisquare"


def plan(profile: dict[str, Any], policy: DriftPolicy) -> dict[str, tuple[str, float]]:
    """Method and threshold per reference column (ignored columns left out)."""
    columns = profile["columns"]
    unknown = [name for name in policy.columns if name not in columns]
    if unknown:
        raise CouldNotCheck(
            f"{policy.source}: drift.columns names columns the reference profile does not "
            f"have: {', '.join(unknown)}"
        )
    return _choose(columns, profile["rows"], policy.columns, policy.source)


def plan_outputs(profile: dict[str, Any], policy: DriftPolicy) -> dict[str, tuple[str, float]]:
    """The same for the model's outputs, when the profile has them (drift.outputs' rules)."""
    section = profile.get("outputs")
    if not section:
        return {}
    unknown = [name for name in policy.outputs if name not in section["columns"]]
    if unknown:
        raise CouldNotCheck(
            f"{policy.source}: drift.outputs names {', '.join(unknown)}, which the reference "
            f"profile's outputs do not have (they are: {', '.join(section['columns'])})"
        )
    return _choose(section["columns"], section["rows"], policy.outputs, policy.source,
                   "drift.outputs.")  # fmt: skip


def _choose(
    columns: dict[str, Any],
    rows: int,
    rules: dict[str, ColumnRule],
    source: str,
    prefix: str = "",
) -> dict[str, tuple[str, float]]:
    chosen: dict[str, tuple[str, float]] = {}
    for name, spec in columns.items():
        rule = rules.get(name, ColumnRule())
        if rule.ignore:
            continue
        method = rule.method or default_method(spec, rows)
        if spec.get("count"):  # a column without values is UNMEASURED whatever the method
            _check_method_fits(f"{prefix}{name}", spec, method, source)
        threshold = rule.threshold if rule.threshold is not None else METHODS[method][0]
        chosen[name] = (method, threshold)
    return chosen


def _check_method_fits(name: str, spec: dict[str, Any], method: str, source: str) -> None:
    numeric_only = method in ("ks", "wasserstein")
    categories = spec["kind"] not in MEASURED or "values" in spec
    if numeric_only and spec["kind"] not in MEASURED:
        raise CouldNotCheck(
            f"{source}: {method} needs a numeric column; {name!r} is {spec['kind']}"
        )
    if method in ("chisquare", "ztest") and not categories:
        raise CouldNotCheck(
            f"{source}: {method} needs categories; {name!r} is numeric with "
            f"{spec.get('distinct')} distinct values (use ks, wasserstein or psi)"
        )
    if method == "ks" and not spec.get("sample"):
        raise CouldNotCheck(f"{source}: the profile has no raw sample of {name!r} for KS")


def read_window(
    paths: Sequence[Path],
    profile: dict[str, Any],
    methods: dict[str, tuple[str, float]],
    *,
    outputs: dict[str, tuple[str, float]] | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, Accumulator], int, list[str]]:
    """Stream the window into one accumulator per planned column (outputs under their
    OUTPUT_COLUMNS names); also the new columns."""
    columns = profile["columns"]
    specs = {name: columns[name] for name in methods}
    planned = dict(methods)
    for name, chosen in (outputs or {}).items():
        specs[OUTPUT_COLUMNS[name]] = profile["outputs"]["columns"][name]
        planned[OUTPUT_COLUMNS[name]] = chosen
    accumulators = {
        name: accumulator_for(specs[name], needs_sample=method == "ks", seed=seed + index)
        for index, (name, (method, _)) in enumerate(planned.items())
    }
    rows = 0
    seen: set[str] = set()
    for batch in iter_batches(paths, as_text=True, progress=progress, outputs=bool(outputs)):
        rows += batch.num_rows
        names = set(batch.column_names)
        seen |= names
        for name, accumulator in accumulators.items():
            if name in names:
                accumulator.add(batch.column(name))
            else:
                accumulator.nulls += batch.num_rows  # absent from these rows (JSON lines)
    seen -= set(OUTPUT_COLUMNS.values())
    known = set(columns) | set(profile.get("ignored") or {}) | set(profile.get("excluded") or [])
    new_columns = sorted(seen - known)
    missing = [name for name in methods if name not in seen]
    if rows:
        refuse_foreign(missing, len(methods), seen)
    for name in missing:
        accumulators[name].nulls = -1  # marks "column absent" for judge_column
    return accumulators, rows, new_columns


def judge_column(
    name: str,
    spec: dict[str, Any],
    method: str,
    threshold: float,
    window: Accumulator,
    min_rows: int,
) -> ColumnResult:
    from . import stats

    result = ColumnResult(name, spec["kind"], method, threshold)
    result.reference_count = int(spec.get("count", 0))
    total_ref = spec.get("count", 0) + spec.get("nulls", 0)
    result.null_share_reference = spec.get("nulls", 0) / total_ref if total_ref else None
    if result.reference_count == 0:
        result.verdict = ColumnVerdict.UNMEASURED
        result.reasons.append("the reference has no values in this column")
        if window.nulls < 0:
            result.reasons.append("the window does not have it either")
        return result
    if window.nulls < 0:
        result.verdict = ColumnVerdict.MISSING
        result.reasons.append("the column is missing from the window (counted as drifted)")
        return result
    result.current_count = window.count
    total_cur = window.count + window.nulls + getattr(window, "not_numbers", 0)
    result.null_share_current = window.nulls / total_cur if total_cur else None
    not_numbers = window.not_numbers if isinstance(window, NumericWindow) else 0
    if not_numbers:
        assert isinstance(window, NumericWindow)
        examples = ", ".join(repr(e) for e in window.not_number_examples)
        what = (
            f"dates in the format {spec.get('format') or 'ISO 8601'}"
            if isinstance(window, DateWindow)
            else "numbers"
        )
        if window.count == 0:
            nulls = f" and {window.nulls} null" if window.nulls else ""
            result.verdict = ColumnVerdict.DRIFT
            result.reasons.append(
                f"no value in the window is one of the {what}: {not_numbers} are not "
                f"(e.g. {examples}){nulls}"
            )
            return result
        result.reasons.append(f"{not_numbers} values are not {what} (e.g. {examples}); left out")
    if window.count == 0 and total_cur:
        ref_nulls = result.null_share_reference or 0.0
        if ref_nulls < 0.5:
            result.verdict = ColumnVerdict.DRIFT
            result.reasons.append(
                f"every value in the window is null (reference: {ref_nulls:.0%} null)"
            )
        else:
            result.verdict = ColumnVerdict.UNMEASURED
            result.reasons.append("no values in the window, as mostly in the reference")
        return result
    if window.count < min_rows:
        result.verdict = ColumnVerdict.UNMEASURED
        result.reasons.append(f"only {window.count} values in the window; min_rows is {min_rows}")
        return result

    lower_is_drift = METHODS[method][1]
    if method == "ks":
        assert isinstance(window, NumericWindow)
        result.score, statistic = stats.ks_pvalue(spec["sample"], window.sample)
        result.reasons.append(f"KS statistic {statistic:.4f}")
    elif method == "wasserstein":
        assert isinstance(window, NumericWindow)
        reference = stats.Binned(spec["edges"], spec["counts"], sums=spec["sums"])
        result.score = stats.wasserstein_normed(reference, window.binned(), spec.get("std", 0.0))
    else:
        ref_counts, cur_counts, unseen = _category_counts(spec, window)
        if unseen:
            shown = ", ".join(repr(u) for u in unseen[:3])
            noun = "category" if len(unseen) == 1 else "categories"
            result.reasons.append(f"{len(unseen)} {noun} the reference never had: {shown}")
        if method == "jensenshannon":
            overflow_bucket = bool(getattr(window, "overflow", 0)) and not spec.get("other")
            present = len(ref_counts) - len(unseen) - int(overflow_bucket)
            ref_counts, cur_counts, groups = stats.pool_sparse(ref_counts, cur_counts, present)
            if groups < present:
                result.reasons.append(
                    f"{present} categories compared in {groups} groups of similar frequency "
                    f"(each expected {stats.MIN_EXPECTED}+ times in the window; one by one, "
                    f"{window.count} values cannot tell them apart from chance)"
                )
            result.score = stats.jensen_shannon(ref_counts, cur_counts)
        elif method == "chisquare":
            result.score = stats.chi_square_pvalue(ref_counts, cur_counts)
        elif method == "ztest":
            result.score = _z_test(ref_counts, cur_counts, result)
        else:
            result.score = stats.psi(ref_counts, cur_counts)
    drifted = result.score < threshold if lower_is_drift else result.score >= threshold
    if isinstance(window, DateWindow):
        _note_dates_out_of_range(spec, window, result)
    if isinstance(window, TextWindow):
        drifted = _judge_words(spec, window, result) or drifted
    result.verdict = ColumnVerdict.DRIFT if drifted else ColumnVerdict.OK
    result.histogram = _histogram(spec, window)
    return result


def _note_dates_out_of_range(
    spec: dict[str, Any], window: DateWindow, result: ColumnResult
) -> None:
    from ..io.dates import date_of_day as day

    before, after = int(window.bins[0]), int(window.bins[-1])
    if before or after:
        result.reasons.append(
            f"{before} dates before the reference's first ({day(spec['min'])}), {after} after "
            f"its last ({day(spec['max'])})"
        )


def _judge_words(spec: dict[str, Any], window: TextWindow, result: ColumnResult) -> bool:
    """Drift when many more words are new to the reference's vocabulary than in the reference."""
    share, reference = window.unknown_share, float(spec["out_of_vocabulary"])
    if share is None:
        return False
    limit = reference + UNKNOWN_WORDS_MARGIN
    drifted = share > limit
    verdict = f"; more than {limit:.0%} is drift" if drifted else ""
    result.reasons.append(
        f"words outside the reference's vocabulary: {share:.0%} (reference {reference:.0%}"
        f"{verdict})"
    )
    return drifted


def _z_test(ref_counts: list[float], cur_counts: list[float], result: ColumnResult) -> float:
    from . import stats

    if len(ref_counts) > 2:  # a third category appeared in the window: certain drift
        result.reasons.append("more than two categories: the window adds one")
        return 0.0
    if len(ref_counts) == 1:
        return 1.0
    return stats.z_test_pvalue(ref_counts, cur_counts)


def _inner_with_tails(window: NumericWindow) -> list[float]:
    """Window counts on the reference bins, the tails folded into the outer bins (PSI)."""
    counts = [float(c) for c in window.bins[1:-1]]
    counts[0] += float(window.bins[0])
    counts[-1] += float(window.bins[-1])
    return counts


def _category_counts(
    spec: dict[str, Any], window: Accumulator
) -> tuple[list[float], list[float], list[str]]:
    """Counts on the union of categories; the reference's 'other' bucket takes the rest."""
    if spec["kind"] in MEASURED:
        reference = dict(spec.get("values") or {})
        other = 0
    else:
        reference = dict(spec["top"])
        other = int(spec.get("other", 0))
    current = window.values if isinstance(window, NumericWindow) else window.counts
    if isinstance(window, NumericWindow) and "values" not in spec:
        reference = {str(i): c for i, c in enumerate(spec["counts"])}
        current = {str(i): int(c) for i, c in enumerate(_inner_with_tails(window))}
    keys = list(reference)
    ref_counts = [float(reference[k]) for k in keys]
    cur_counts = [float(current.get(k, 0)) for k in keys]
    rest = {k: v for k, v in current.items() if k not in reference}
    overflow = getattr(window, "overflow", 0)
    unseen: list[str] = []
    if other:
        keys.append("(other)")
        ref_counts.append(float(other))
        cur_counts.append(float(sum(rest.values()) + overflow))
    else:
        for key, count in sorted(rest.items(), key=lambda kv: -kv[1]):
            unseen.append(key)
            ref_counts.append(0.0)
            cur_counts.append(float(count))
        if overflow:
            ref_counts.append(0.0)
            cur_counts.append(float(overflow))
    return ref_counts, cur_counts, unseen


def _histogram(spec: dict[str, Any], window: Accumulator) -> dict[str, Any]:
    """What the HTML report draws: bins or categories, reference and window shares."""
    if spec["kind"] in MEASURED and "values" not in spec and isinstance(window, NumericWindow):
        return {
            "type": "bins",
            "edges": list(spec["edges"]),
            "reference": list(spec["counts"]),
            "current": [int(c) for c in window.bins[1:-1]],
            "below": int(window.bins[0]),
            "above": int(window.bins[-1]),
        }
    ref_counts, cur_counts, unseen = _category_counts(spec, window)
    if spec["kind"] in MEASURED:
        labels = list(spec.get("values") or {})
    else:
        labels = list(spec["top"]) + (["(other)"] if spec.get("other") else [])
    labels += unseen + (["(more)"] if len(cur_counts) > len(labels) + len(unseen) else [])
    return {"type": "categories", "labels": labels[: len(ref_counts)],
            "reference": ref_counts, "current": cur_counts}  # fmt: skip


def check_window(
    paths: Sequence[Path | str],
    profile: dict[str, Any],
    policy: DriftPolicy,
    *,
    progress: Callable[[int], None] | None = None,
    engine: EngineSettings | None = None,
) -> DriftResult:
    methods = plan(profile, policy)
    if not methods:
        raise CouldNotCheck("every reference column is ignored by the policy: nothing to check")
    outputs = plan_outputs(profile, policy)
    if engine is not None and engine.name == "spark":
        from .spark.window import read_window_spark

        assert engine is not None
        sources = [str(p) for p in paths]
        windows, rows, new_columns = read_window_spark(
            sources, profile, methods, engine, outputs=outputs
        )
    else:
        windows, rows, new_columns = read_window(
            [Path(p) for p in paths], profile, methods, outputs=outputs, progress=progress
        )
    if rows == 0:
        raise CouldNotCheck("no current rows: the window is empty")
    columns = profile["columns"]
    results = [
        judge_column(name, columns[name], method, threshold, windows[name], policy.min_rows)
        for name, (method, threshold) in methods.items()
    ]  # fmt: skip
    for name in columns:
        if name not in methods:
            results.append(ColumnResult(name, columns[name]["kind"], None, None,
                                        verdict=ColumnVerdict.IGNORED,
                                        reasons=["ignored by the policy"]))  # fmt: skip
    result = DriftResult(results, profile["rows"], rows, policy.drift_share, new_columns)
    if new_columns:
        result.notes.append(
            f"columns the reference does not have (not checked): {', '.join(new_columns)}"
        )
    unmeasured = [c.name for c in results if c.verdict is ColumnVerdict.UNMEASURED]
    if unmeasured and result.share is None:
        result.notes.append(f"no column could be judged: {', '.join(unmeasured)}")
    judge_outputs(profile, outputs, windows, policy, result)
    return result


def judge_outputs(
    profile: dict[str, Any],
    planned: dict[str, tuple[str, float]],
    windows: dict[str, Accumulator],
    policy: DriftPolicy,
    result: DriftResult,
) -> None:
    """Prediction drift: the logged outputs against the held-out ones, as a section of its own.
    A window without predictions (a CSV export rather than the request log) is not compared,
    and says so; it is not an error, since the inputs were still judged."""
    section = profile.get("outputs")
    if not section:
        result.outputs_note = "the reference profile has none: `mlgate profile --outputs`"
        return
    result.reference_outputs = int(section["rows"])
    if not planned:
        result.outputs_note = "every output is ignored by the policy (drift.outputs)"
        return
    logged = {name: windows[OUTPUT_COLUMNS[name]] for name in planned}
    if not any(w.count or getattr(w, "not_numbers", 0) for w in logged.values()):
        result.outputs_note = "the window carries none; the service's request log does"
        return
    columns = section["columns"]
    for name, (method, threshold) in planned.items():
        window = logged[name]
        if window.count == 0 and not getattr(window, "not_numbers", 0):
            unmeasured = ColumnResult(name, columns[name]["kind"], method, threshold,
                                      verdict=ColumnVerdict.UNMEASURED)  # fmt: skip
            unmeasured.reasons.append(f"the window's predictions carry no {name}")
            result.outputs.append(unmeasured)
            continue
        judged = judge_column(name, columns[name], method, threshold, window, policy.min_rows)
        result.outputs.append(judged)
    for name in columns:
        if name not in planned:
            result.outputs.append(ColumnResult(name, columns[name]["kind"], None, None,
                                               verdict=ColumnVerdict.IGNORED,
                                               reasons=["ignored by the policy"]))  # fmt: skip
