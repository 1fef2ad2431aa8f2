"""The one place that imports GX: a quiet ephemeral context and suite loading.

GX is heavy (2-3 s to import) and chatty (analytics, progress bars), so it is imported
only here, lazily, with analytics off and progress bars off.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CouldNotCheck, require

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.expectation_suite import ExpectationSuite


PYSPARK_PANDAS = "PySpark does not yet fully support pandas"


def _gx() -> Any:
    require("great_expectations", "data")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():  # GX imports pyspark when it is there (mlgate[spark]),
        warnings.filterwarnings("ignore", message=PYSPARK_PANDAS)  # and pyspark warns on pandas 3
        import great_expectations as gx

    return gx


def read_suite_file(path: str | Path) -> dict[str, Any]:
    """The suite's JSON as a dict; missing, unreadable or malformed files are errors."""
    path = Path(path)
    if not path.is_file():
        raise CouldNotCheck(
            f"{path}: expectation suite not found "
            f"(create one with: mlgate suite init DATA -o {path})"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CouldNotCheck(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise CouldNotCheck(f"{path}: not a GX suite (expected an object with 'expectations')")
    return data


class _Collect(logging.Handler):
    """Keeps GX's log records instead of printing them (with tracebacks) on stderr."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _gx_errors_collected() -> Iterator[_Collect]:
    logger = logging.getLogger("great_expectations")
    handler, propagate = _Collect(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _build_one(gx: Any, item: dict[str, Any]) -> str | None:
    """None if GX accepts the expectation, else why not.

    GX 1.x does not raise for an unknown expectation type: it logs the error and leaves the
    expectation out of the suite, which would make a misspelt expectation pass silently.
    """
    with _gx_errors_collected() as collected:
        try:
            suite = gx.ExpectationSuite(name="probe", expectations=[item])
        except Exception as exc:  # GX raises pydantic and its own errors here
            text = str(exc).strip()
            return text.splitlines()[-1] if text else type(exc).__name__
    if len(suite.expectations) == 1:
        return None
    reason = collected.messages[-1] if collected.messages else "GX left it out of the suite"
    # GX repeats "Could not add expectation; provided configuration is not valid: " per layer
    return reason.strip().splitlines()[-1].split("configuration is not valid: ")[-1]


def load_suite(path: str | Path) -> ExpectationSuite:
    """Build a GX Core 1.x ExpectationSuite, naming the expectation that does not load."""
    data = read_suite_file(path)
    gx = _gx()
    expectations = data["expectations"]
    if not expectations:
        raise CouldNotCheck(f"{path}: the suite has no expectations, so it would check nothing")
    for index, item in enumerate(expectations):
        if not isinstance(item, dict) or "type" not in item:
            raise CouldNotCheck(f"{path}: expectation #{index + 1} has no 'type'")
        reason = _build_one(gx, item)
        if reason is not None:
            raise CouldNotCheck(
                f"{path}: expectation #{index + 1} ({item['type']}) is invalid: {reason}"
            )
    name = str(data.get("name") or Path(path).stem)
    return gx.ExpectationSuite(name=name, expectations=expectations, meta=data.get("meta") or {})


def with_object_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object dtype, as GX's pandas type checks expect.

    pandas 3 reads text as `StringDtype(na_value=nan)`, which GX 1.x's
    expect_column_values_to_be_in_type_list matches against no type name at all
    ("str", "string" and "object" all fail). As object dtype, "object" matches.
    """
    import pandas as pd

    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    if not text:
        return frame
    return frame.astype(dict.fromkeys(text, object))


def quiet_context() -> Any:
    """An ephemeral GX context without progress bars (they would fill CI logs)."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def validate_frame(frame: pd.DataFrame, suite: ExpectationSuite) -> dict[str, Any]:
    """Run the suite on an in-memory frame; the raw GX result as a JSON-ready dict."""
    return validate_dataframe("pandas", with_object_strings(frame), suite)


def validate_dataframe(kind: str, frame: Any, suite: ExpectationSuite) -> dict[str, Any]:
    """The suite on a whole dataframe of GX's `kind` of datasource (pandas or spark)."""
    sources = quiet_context().data_sources
    source = sources.add_pandas("mlgate") if kind == "pandas" else sources.add_spark("mlgate")
    batch = (
        source.add_dataframe_asset("data")
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    return batch.validate(suite, result_format="SUMMARY").to_json_dict()
