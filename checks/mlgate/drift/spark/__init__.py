"""The Spark engine: the Arrow engine's summaries computed by Spark's own aggregation."""

from __future__ import annotations

from typing import Any

from ...policy import ENGINES


def add_argument(parser: Any) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="arrow (this machine) or spark (a Spark session: SPARK_REMOTE, spark-submit or "
        "engine: in mlgate.yaml); default: engine.name in mlgate.yaml, else arrow",
    )
