"""`mlgate validate SUITE DATA`: run a committed GX suite and say plainly what failed.

Outcome per expectation: PASS, FAIL (the data broke it, including a column that is not
there) or ERROR (GX could not evaluate it). Exit 1 on any FAIL, else 2 on any ERROR,
else 0. The result JSON is written in every case, so a failed pipeline stage still
leaves a readable report behind.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from ..errors import COULD_NOT_CHECK, FAIL, PASS, require
from ..io.tabular import read_table
from ..policy import EngineSettings, add_engine_argument, load_engine
from .gx import load_suite, validate_frame

MAX_EXAMPLES = 5


def _exception_message(info: dict[str, Any]) -> str | None:
    """GX reports exceptions either flat or keyed by metric; return the first message."""
    if not info:
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info.get("raised_exception") else None
    for value in info.values():
        if isinstance(value, dict) and value.get("exception_message"):
            return str(value["exception_message"])
    return None


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


def summarize(raw: dict[str, Any], columns: list[str]) -> list[dict[str, Any]]:
    """One plain record per expectation, in suite order."""
    records = []
    for item in raw.get("results", []):
        config = item.get("expectation_config", {})
        kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
        column = kwargs.get("column")
        result = item.get("result") or {}
        error = _exception_message(item.get("exception_info") or {})
        if error is None:
            status = "PASS" if item.get("success") else "FAIL"
        elif column is not None and column not in columns:
            status, error = "FAIL", "not in the data"
        else:
            status = "ERROR"
            error = error.strip().splitlines()[-1] if error.strip() else "unknown error"
        records.append(
            {
                "expectation": config.get("type"),
                "column": column,
                "status": status,
                "kwargs": _json_safe(kwargs),
                "unexpected_count": result.get("unexpected_count"),
                "unexpected_percent": _json_safe(result.get("unexpected_percent")),
                "examples": _json_safe(result.get("partial_unexpected_list", [])[:MAX_EXAMPLES]),
                "observed_value": _json_safe(result.get("observed_value")),
                "error": error,
            }
        )
    return records


def verdict(records: list[dict[str, Any]]) -> int:
    statuses = {r["status"] for r in records}
    if "FAIL" in statuses:
        return FAIL
    if "ERROR" in statuses:
        return COULD_NOT_CHECK
    return PASS


def _column_list_difference(observed: object, expected: object) -> str:
    """Missing and unexpected columns, or the order, instead of two long lists."""
    if not isinstance(observed, list) or not isinstance(expected, list):
        return f"observed {observed!r}, expected {expected!r}"
    missing = [c for c in expected if c not in observed]
    unexpected = [c for c in observed if c not in expected]
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if unexpected:
        parts.append(f"unexpected {unexpected}")
    return "; ".join(parts) or f"same columns in another order: {observed}"


def _expected_bounds(kwargs: dict[str, Any]) -> str:
    shown = {k: v for k, v in kwargs.items() if k not in ("column", "column_list", "type_list")}
    if "min_value" in shown or "max_value" in shown:
        return f"expected between {shown.get('min_value')} and {shown.get('max_value')}"
    if "value_set" in shown:
        return f"expected one of {shown['value_set']}"
    return f"expected {shown}" if shown else ""


def _describe(record: dict[str, Any], rows: int) -> str:
    kwargs = record["kwargs"]
    where = f"column {record['column']!r}" if record["column"] is not None else "table"
    if record["error"]:
        detail = record["error"]
    elif record["expectation"] == "expect_table_columns_to_match_ordered_list":
        detail = _column_list_difference(record["observed_value"], kwargs.get("column_list"))
    elif record["unexpected_count"] is not None:
        detail = f"{record['unexpected_count']} of {rows} rows unexpected"
        if record["expectation"] == "expect_column_values_to_not_be_null":
            detail += " (null)"
        elif record["examples"]:
            detail += f", e.g. {record['examples']}"
        if bounds := _expected_bounds(kwargs):
            detail += f"; {bounds}"
    else:
        detail = f"observed {record['observed_value']!r}"
        if "type_list" in kwargs:
            detail += f", expected one of {kwargs['type_list']}"
        elif bounds := _expected_bounds(kwargs):
            detail += f", {bounds}"
    return f"  {record['status']:<5} {record['expectation']}  {where}: {detail}"


def _report_order(record: dict[str, Any]) -> tuple[bool, str]:
    """Table-level problems first, then by column, so a renamed column reads as one story."""
    return record["column"] is not None, str(record["column"] or "")


def render_text(report: dict[str, Any]) -> str:
    records = report["results"]
    bad = [r for r in records if r["status"] != "PASS"]
    label = {PASS: "PASS", FAIL: "FAIL", COULD_NOT_CHECK: "ERROR"}[report["exit_code"]]
    lines = [
        f"validate {label}: {report['data']} ({report['rows']} rows) against suite "
        f"{report['suite']!r}: {len(records) - len(bad)} of {len(records)} expectations met"
    ]
    lines += [_describe(r, report["rows"]) for r in sorted(bad, key=_report_order)]
    return "\n".join(lines)


def run_validation(
    suite_path: str,
    data_path: str,
    *,
    output: str | None,
    fmt: str,
    engine: EngineSettings | None = None,
) -> int:
    suite = load_suite(suite_path)
    if engine is not None and engine.name == "spark":
        require("pyspark", "spark")
        from ..io.spark import spark_errors
        from .spark import read_spark, validate_spark_frame

        with spark_errors("validate the data"):
            spark_frame = read_spark(data_path, engine.master, engine.config, suite)
            columns, rows = list(spark_frame.columns), spark_frame.count()
            raw = validate_spark_frame(spark_frame, suite)
    else:
        frame = read_table(data_path)
        columns, rows = [str(c) for c in frame.columns], len(frame)
        raw = validate_frame(frame, suite)
    records = summarize(raw, columns)
    code = verdict(records)
    report = {
        "suite": suite.name,
        "suite_path": str(suite_path),
        "data": str(data_path),
        "rows": rows,
        "success": code == PASS,
        "exit_code": code,
        "statistics": {
            "evaluated": len(records),
            "passed": sum(r["status"] == "PASS" for r in records),
            "failed": sum(r["status"] == "FAIL" for r in records),
            "errors": sum(r["status"] == "ERROR" for r in records),
        },
        "results": records,
    }
    text = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output:
        out = Path(output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    if fmt == "json":
        sys.stdout.write(text)
    else:
        stream = sys.stdout if code == PASS else sys.stderr
        print(render_text(report), file=stream)
    return code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("suite", help="GX Core 1.x expectation suite (JSON)")
    parser.add_argument("data", help="CSV, Parquet or JSON lines file")
    parser.add_argument("-o", "--output", help="write the result JSON here")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    add_engine_argument(parser)  # spark: GX's Spark datasource
    parser.add_argument("--config", help="policy file for engine: (default: ./mlgate.yaml)")


def run(args: argparse.Namespace) -> int:
    engine = load_engine(args.config, args.engine)
    return run_validation(args.suite, args.data, output=args.output, fmt=args.format,
                          engine=engine)  # fmt: skip
