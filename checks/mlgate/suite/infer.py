"""`mlgate suite init`: infer a starting GX Core 1.x expectation suite from a data file.

The suite is a first draft for a person to review and commit, so it is written as plain,
sorted, deterministic JSON (same data, same bytes) in the format `gx.ExpectationSuite`
loads: ``{"name", "expectations": [{"type", "kwargs", "meta"}], "meta"}``.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PASS, CouldNotCheck
from ..io.tabular import read_table
from .roles import ROLES, Role, table_roles

if TYPE_CHECKING:
    import pandas as pd

# Type names as GX 1.x resolves them for pandas: numpy dtype names, and pandas' extension
# dtypes by class name (GX resolves "Int64Dtype", not "Int64"). Text is object dtype by the
# time GX sees it (suite.gx.with_object_strings); so is a CSV boolean column with nulls.
NUMERIC_TYPES = [
    "int32", "int64", "float32", "float64",
    "Int32Dtype", "Int64Dtype", "Float32Dtype", "Float64Dtype",
]  # fmt: skip
STRING_TYPES = ["object", "str", "string"]
BOOLEAN_TYPES = ["bool", "BooleanDtype", "object"]
DATETIME_TYPES = ["datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]"]
TYPES = {
    "numeric": NUMERIC_TYPES,
    "boolean": BOOLEAN_TYPES,
    "datetime": DATETIME_TYPES,
    "categorical": STRING_TYPES,
}
SIGNIFICANT_DIGITS = 6


def column_kind(series: pd.Series) -> str:
    """numeric, boolean, datetime or categorical."""
    from pandas.api import types

    if types.is_bool_dtype(series):
        return "boolean"
    if types.is_numeric_dtype(series):
        return "numeric"
    if types.is_datetime64_any_dtype(series):
        return "datetime"
    values = series.dropna()
    if series.dtype == object and len(values) and values.map(type).eq(bool).all():
        return "boolean"  # CSV booleans with missing values: object dtype holding bools
    return "categorical"


def _other_value_types(series: pd.Series, kind: str) -> list[str]:
    """The value types of a text column that are not text (JSON lines' movie titles: "Heat",
    then 1776 as a number): GX checks an object column value by value, so a suite without
    them failed the very data it was written from."""
    if kind != "categorical" or series.dtype != object:
        return []
    found = {type(value).__name__ for value in series.dropna()}
    return sorted(found - set(STRING_TYPES))


def _round_down(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    scale = 10 ** (SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value))))
    return math.floor(value * scale) / scale


def _round_up(value: float) -> float:
    return -_round_down(-value)


def numeric_bounds(low: float, high: float, margin: float) -> tuple[float, float]:
    """Widen [low, high] by `margin` of its span; a non-negative column stays non-negative."""
    span = high - low
    pad = margin * span if span > 0 else margin * max(abs(low), 1.0)
    lower, upper = low - pad, high + pad
    if low >= 0:
        lower = max(lower, 0.0)
    lower, upper = _round_down(lower), _round_up(upper)
    if float(lower).is_integer() and float(upper).is_integer():
        return int(lower), int(upper)
    return lower, upper


def _plain(value: Any) -> Any:
    """numpy scalars to plain JSON values."""
    if hasattr(value, "item"):
        return value.item()
    return value


def _expectation(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {}}


def infer_expectations(
    frame: pd.DataFrame, *, margin: float, max_categories: int, roles: dict[str, Role]
) -> list[dict[str, Any]]:
    """Column set and order, types, nulls, numeric ranges and low-cardinality value sets; by
    role: identifiers unique, date text in its format, free text by length (never a set)."""
    import numpy

    columns = [str(c) for c in frame.columns]
    expectations = [
        _expectation("expect_table_columns_to_match_ordered_list", column_list=columns),
        _expectation("expect_table_row_count_to_be_between", min_value=1, max_value=None),
    ]
    for name in columns:
        series = frame[name]
        kind = column_kind(series)
        expectations.append(
            _expectation(
                "expect_column_values_to_be_in_type_list", column=name,
                type_list=[*TYPES[kind], *_other_value_types(series, kind)],
            )
        )  # fmt: skip
        if not series.isna().any():
            expectations.append(_expectation("expect_column_values_to_not_be_null", column=name))
        values = series.dropna()
        role = roles[name]
        if values.empty or kind == "datetime":
            continue
        if role.role in ("identifier", "datetime", "text"):
            expectations.append(_role_expectation(name, role, values))
            continue  # a new id, date or sentence is new by nature: no value set, no range
        try:
            distinct = values.unique()
        except TypeError:  # lists or mappings in a JSON-lines column: no set, no range
            continue
        is_float = kind == "numeric" and series.dtype.kind == "f"
        if len(distinct) <= max_categories and not is_float:
            value_set = sorted((_plain(v) for v in distinct), key=lambda v: (str(type(v)), v))
            expectations.append(
                _expectation("expect_column_values_to_be_in_set", column=name, value_set=value_set)
            )
        elif kind == "numeric":
            finite = values[numpy.isfinite(values.astype(float))]
            if finite.empty:
                continue  # all infinite: no range to infer; a person must decide
            lower, upper = numeric_bounds(float(finite.min()), float(finite.max()), margin)
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    column=name,
                    min_value=lower,
                    max_value=upper,
                )
            )
    return expectations


def _role_expectation(name: str, role: Role, values: pd.Series) -> dict[str, Any]:
    """What an identifier, a date written as text or free text must meet. Dates get no range:
    new data brings later dates."""
    if role.role == "identifier":
        return _expectation("expect_column_values_to_be_unique", column=name)
    if role.role == "datetime":
        found = {"mostly": math.floor(role.share * 1000) / 1000} if role.share < 1 else {}
        return _expectation(
            "expect_column_values_to_match_strftime_format", column=name,
            strftime_format=role.format, **found,
        )  # fmt: skip
    longest = int(values.astype(str).str.len().max())
    return _expectation(
        "expect_column_value_lengths_to_be_between", column=name, min_value=1,
        max_value=max(2 * longest, 1),
    )  # fmt: skip


def build_suite(
    frame: pd.DataFrame, *, name: str, source: str, margin: float, max_categories: int
) -> dict[str, Any]:
    roles = table_roles(frame)
    expectations = infer_expectations(
        frame, margin=margin, max_categories=max_categories, roles=roles
    )
    return {
        "name": name,
        "expectations": expectations,
        "meta": {
            "generated_by": "mlgate suite init",
            "source": source,
            "rows_profiled": len(frame),
            "margin": margin,
            "review": "A first draft inferred from data: review every bound before committing.",
            "roles": {column: _role_json(role) for column, role in roles.items()},
        },
    }


def _role_json(role: Role) -> dict[str, str]:
    shown = {"role": role.role, "evidence": role.evidence}
    return {**shown, "format": role.format} if role.format else shown


def write_suite(
    data: str,
    output: str,
    *,
    name: str | None = None,
    margin: float = 0.1,
    max_categories: int = 20,
    force: bool = False,
    roles_path: str | None = None,
) -> int:
    if not (0 <= margin <= 10) or math.isnan(margin):
        raise CouldNotCheck(f"--margin must be between 0 and 10, got {margin}")
    if max_categories < 0:
        raise CouldNotCheck(f"--max-categories must be 0 or more, got {max_categories}")
    out = Path(output)
    if out.exists() and not force:
        raise CouldNotCheck(f"{out} exists; pass --force to replace it")
    frame = read_table(data)
    if frame.empty:
        raise CouldNotCheck(f"{data}: no rows to infer a suite from")
    suite = build_suite(
        frame,
        name=name or out.stem,
        source=Path(data).name,
        margin=margin,
        max_categories=max_categories,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(suite, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    count = len(suite["expectations"])
    print(
        f"wrote {out}: {count} expectations on {len(frame.columns)} columns "
        "(inferred from this sample only: review before committing)"
    )
    roles = suite["meta"]["roles"]
    width = max(len(column) for column in roles)
    print("column roles (the evidence says why; review them):")
    for column, role in roles.items():
        print(f"  {column:<{width}}  {role['role']:<11}  {role['evidence']}")
    if roles_path:
        write_roles(roles, Path(roles_path), source=data)
        print(f"wrote {roles_path}: the roles and their evidence, to review")
    return PASS


def write_roles(roles: dict[str, dict[str, str]], path: Path, *, source: str) -> None:
    """The roles as YAML, for a person to review and edit: a generated project's train stage
    reads them (roles.yaml) to decide what each column becomes for the model."""
    import yaml

    header = (
        f"# Column roles inferred by `mlgate suite init` from {source}: review them.\n"
        "# The evidence says why each was chosen. A generated project's train stage reads this\n"
        "# file (roles.yaml): change a role here, and `dvc repro` retrains with it.\n"
        f"# Roles: {', '.join(ROLES)}; and ignore, to leave a column out of the model.\n"
        "# A datetime's format is strftime's; without one, dates are read as ISO 8601.\n"
    )
    body = yaml.safe_dump({"roles": roles}, sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body, encoding="utf-8")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="CSV, Parquet or JSON lines file")
    parser.add_argument("-o", "--output", required=True, help="suite JSON to write")
    parser.add_argument("--name", help="suite name (default: the output file's stem)")
    parser.add_argument(
        "--margin",
        type=float,
        default=0.1,
        help="widen numeric ranges by this share of the observed range (default 0.1)",
    )
    parser.add_argument(
        "--max-categories",
        type=int,
        default=20,
        help="columns with at most this many distinct values get a value-set expectation",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing suite")
    parser.add_argument(
        "--roles", metavar="FILE", help="also write the column roles, with their evidence, as YAML"
    )


def run(args: argparse.Namespace) -> int:
    return write_suite(
        args.data, args.output, name=args.name, margin=args.margin,
        max_categories=args.max_categories, force=args.force, roles_path=args.roles,
    )  # fmt: skip
