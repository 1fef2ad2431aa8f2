"""One Spark session per command, from the standard places, or a clear exit 2.

Order: `SPARK_REMOTE` (Spark Connect) if set; else the session spark-submit made (its
--master and --conf are left alone); else a new session on `engine.master` (default
local[*]). `engine.spark` settings are applied to a session this command makes; the
session time zone is UTC, so dates mean the same days as in the Arrow engine.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from ...errors import CouldNotCheck, missing_extra
from ...policy import EngineSettings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

APP_NAME = "mlgate"


def spark_session(settings: EngineSettings) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CouldNotCheck(missing_extra("pyspark", "spark")) from None
    logging.getLogger("py4j").setLevel(logging.ERROR)
    # Python workers (dates read by the model's parser) run this interpreter on a local
    # master; a cluster names its own with PYSPARK_PYTHON.
    if (settings.master or "local").startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        builder: Any = SparkSession.builder.appName(APP_NAME)
        if os.environ.get("SPARK_REMOTE"):
            builder = builder.remote(os.environ["SPARK_REMOTE"])
        elif settings.master:
            builder = builder.master(settings.master)
        elif SparkSession.getActiveSession() is None and not _submitted():
            builder = builder.master("local[*]")
        for key, value in {**_defaults(settings), **settings.config}.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own errors for a JVM that would not start
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CouldNotCheck(
            f"Spark could not start ({first[:200]}); it needs Java 17 or newer on PATH or "
            "JAVA_HOME, or SPARK_REMOTE naming a Spark Connect server"
        ) from None
    session.conf.set("spark.sql.session.timeZone", "UTC")
    if not os.environ.get("SPARK_REMOTE"):
        session.sparkContext.setLogLevel("ERROR")
    return session


def _defaults(settings: EngineSettings) -> dict[str, str]:
    """UTC days, no console progress bars; on a local master, few shuffle partitions (200
    tiny tasks per aggregation cost more than the work on one machine)."""
    found = {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false",
             "spark.log.level": "ERROR"}  # fmt: skip
    if (settings.master or "local").startswith("local"):
        found["spark.sql.shuffle.partitions"] = "8"
    return found


def _submitted() -> bool:
    """Started by spark-submit: it passes the master in the environment of the driver."""
    return "spark.master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "") or bool(
        os.environ.get("SPARK_ENV_LOADED")
    )
